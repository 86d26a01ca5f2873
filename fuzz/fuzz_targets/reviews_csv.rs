//! The reviews CSV reader and the assessment after it: any bytes are either refused with
//! a reason or assessed; suspicion stays in [0, 1] and ratings in [0, 5].
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(reviews) = reviews::parse_csv(data) else {
        return;
    };
    let report = reviews::assess(&reviews);
    for r in &report.reviewers {
        assert!((0.0..=1.0).contains(&r.score), "suspicion {}", r.score);
    }
    for card in report.products.iter().chain(&report.sellers) {
        assert!((0.0..=5.0).contains(&card.rating), "rating {}", card.rating);
        if let Some(adjusted) = card.adjusted_rating {
            assert!((0.0..=5.0).contains(&adjusted), "adjusted {adjusted}");
        }
    }
    for t in &report.trust {
        assert!((0.0..=1.0).contains(t), "trust {t}");
    }
});
