//! Seller assessment: one table per rule, bad input, and properties of the trust score.

use domain::{Currency, Money, Timestamp};
use proptest::prelude::*;
use risk::seller::{self, Rating, SellerConfig, SellerProfile, Tier};
use risk::{Kind, Severity, Verdict};

fn now() -> Timestamp {
    Timestamp::parse("2026-11-25").unwrap()
}

fn days_ago(days: i64) -> Timestamp {
    now().plus_days(-days)
}

fn usd(text: &str) -> Money {
    Money::parse(text, Currency::parse("USD").unwrap()).unwrap()
}

/// A store nobody would worry about; each test changes what its rule looks at.
fn good() -> SellerProfile {
    let mut p = SellerProfile::new(days_ago(1500), 98.0, 5000, 60_000);
    p.orders = Some(50_000);
    p.repeat_buyers_pct = Some(20.0);
    let r = Rating {
        average: 4.8,
        count: 4000,
    };
    p.item_as_described = Some(r);
    p.communication = Some(r);
    p.shipping_speed = Some(r);
    p.dispute_rate_pct = Some(0.8);
    p.on_time_pct = Some(96.0);
    p.listings = Some(300);
    p.price_max = Some(usd("49.99"));
    p
}

/// The strongest severity among the signals whose explanation contains `needle`.
fn check(p: &SellerProfile, needle: &str) -> Option<Severity> {
    let a = seller::assess(p, now(), &SellerConfig::default()).unwrap();
    for s in a.assessment.signals() {
        assert_eq!(s.kind(), Kind::SellerRisk);
        assert!((0.0..=1.0).contains(&s.score()));
    }
    a.assessment
        .signals()
        .iter()
        .filter(|s| s.explanation().contains(needle))
        .map(|s| s.severity())
        .max()
}

#[test]
fn a_good_store_is_allowed_and_trusted() {
    let a = seller::assess(&good(), now(), &SellerConfig::default()).unwrap();
    assert_eq!(a.assessment.verdict(), Verdict::Allow, "{a:?}");
    assert!(a.assessment.signals().is_empty(), "{a:?}");
    assert!(a.trust_score >= 85, "{}", a.trust_score);
    assert_eq!(a.tier, Tier::High);
}

#[test]
fn fake_store_pattern_table() {
    // (age days, items sold, dearest item, expected severity)
    let table = [
        (20, 0, Some("899.00"), Some(Severity::High)),
        (20, 3, Some("150.00"), Some(Severity::High)),
        (20, 3, Some("19.99"), Some(Severity::Medium)), // young, no sales, cheap
        (20, 3, None, Some(Severity::Medium)),
        (20, 500, Some("899.00"), Some(Severity::Low)), // young but selling
        (400, 0, Some("899.00"), None),
    ];
    for (age, sold, price, expect) in table {
        let mut p = SellerProfile::new(days_ago(age), 100.0, 0, sold);
        p.price_max = price.map(usd);
        assert_eq!(
            check(&p, "opened"),
            expect,
            "{age} days, {sold} sold, {price:?}"
        );
    }
    let mut p = SellerProfile::new(days_ago(20), 100.0, 0, 0);
    p.price_max = Some(usd("899.00"));
    let a = seller::assess(&p, now(), &SellerConfig::default()).unwrap();
    assert!(a.assessment.verdict() >= Verdict::Review, "{a:?}");
    assert_eq!(a.tier, Tier::VeryLow);
}

#[test]
fn expensive_is_measured_in_the_listing_currency() {
    let rub = Currency::parse("RUB").unwrap();
    let mut p = SellerProfile::new(days_ago(10), 100.0, 0, 0);
    p.price_max = Some(Money::parse("20000", rub).unwrap()); // about 220 USD
    assert_eq!(check(&p, "opened"), Some(Severity::High));
    p.price_max = Some(Money::parse("900", rub).unwrap()); // about 10 USD
    assert_eq!(check(&p, "opened"), Some(Severity::Medium));
    let config = SellerConfig {
        expensive_from: Some(Money::parse("500", rub).unwrap()),
        ..SellerConfig::default()
    };
    let a = seller::assess(&p, now(), &config).unwrap();
    assert!(a
        .assessment
        .signals()
        .iter()
        .any(|s| s.severity() == Severity::High));
}

#[test]
fn small_samples_are_weak_evidence_table() {
    // (positive %, count, rule fires)
    let table = [
        (100.0, 4, true),
        (100.0, 25, true),
        (100.0, 40, false),
        (96.0, 20, true),
        (90.0, 5, false), // not glowing: the low-positive rule's business
    ];
    for (pct, n, fires) in table {
        let mut p = good();
        p.positive_feedback_pct = pct;
        p.feedback_count = n;
        assert_eq!(check(&p, "weak evidence").is_some(), fires, "{pct}% of {n}");
    }
    let lb = seller::wilson_lower_bound(4.0, 4.0);
    assert!((0.5..0.52).contains(&lb), "{lb}");
    let lb = seller::wilson_lower_bound(980.0, 1000.0);
    assert!((0.968..0.972).contains(&lb), "{lb}");
    assert_eq!(seller::wilson_lower_bound(0.0, 0.0), 0.0);
}

#[test]
fn a_lower_bound_is_never_said_above_itself() {
    // Regression: "at least 98% positive" was printed for a bound of 97.8%.
    for (lower, said) in [
        (0.978, 97),
        (0.97, 97),
        (0.9999, 99),
        (1.0, 100),
        (0.0, 0),
        (0.004, 0),
    ] {
        assert_eq!(seller::lower_bound_pct(lower), said, "{lower}");
    }
    for n in 1..300u32 {
        let lb = seller::wilson_lower_bound(f64::from(n) * 0.97, f64::from(n));
        assert!(
            f64::from(seller::lower_bound_pct(lb)) <= lb * 100.0 + 1e-6,
            "{n}"
        );
    }
}

#[test]
fn low_positive_feedback_table() {
    let table = [
        (98.0, None),
        (92.0, None),
        (91.0, Some(Severity::Medium)),
        (84.0, Some(Severity::High)),
    ];
    for (pct, expect) in table {
        let mut p = good();
        p.positive_feedback_pct = pct;
        assert_eq!(check(&p, "positive feedback"), expect, "{pct}%");
    }
}

#[test]
fn more_feedback_than_sales_table() {
    let table = [
        (5000, 60_000, Some(50_000), None),
        (5000, 4000, Some(50_000), Some(Severity::High)),
        (5000, 60_000, Some(3000), Some(Severity::High)),
    ];
    for (feedback, sold, orders, expect) in table {
        let mut p = good();
        p.feedback_count = feedback;
        p.items_sold = sold;
        p.orders = orders;
        assert_eq!(check(&p, "more feedback"), expect);
    }
}

#[test]
fn detailed_ratings_table() {
    let table = [
        (4.8, 4000, None),
        (4.4, 4000, Some(Severity::Medium)),
        (3.5, 4000, Some(Severity::High)),
        (3.0, 5, None), // five ratings: too few to judge
    ];
    for (average, count, expect) in table {
        let mut p = good();
        p.item_as_described = Some(Rating { average, count });
        assert_eq!(check(&p, "item as described"), expect, "{average} x{count}");
    }
}

#[test]
fn disputes_on_time_repeat_buyers_and_catalogue_tables() {
    for (d, expect) in [
        (0.5, None),
        (2.0, Some(Severity::Medium)),
        (7.0, Some(Severity::High)),
    ] {
        let mut p = good();
        p.dispute_rate_pct = Some(d);
        assert_eq!(check(&p, "dispute"), expect, "{d}%");
    }
    for (o, expect) in [
        (95.0, None),
        (80.0, Some(Severity::Medium)),
        (60.0, Some(Severity::High)),
    ] {
        let mut p = good();
        p.on_time_pct = Some(o);
        assert_eq!(check(&p, "on time"), expect, "{o}%");
    }
    for (r, orders, expect) in [
        (20.0, 50_000, None),
        (2.0, 50_000, Some(Severity::Low)),
        (2.0, 50, None),
    ] {
        let mut p = good();
        p.repeat_buyers_pct = Some(r);
        p.orders = Some(orders);
        p.feedback_count = p.feedback_count.min(orders);
        assert_eq!(check(&p, "come back"), expect, "{r}% of {orders}");
    }
    for (listings, age, expect) in [(5000, 10, Some(Severity::Low)), (5000, 400, None)] {
        let mut p = good();
        p.listings = Some(listings);
        p.opened = days_ago(age);
        assert_eq!(check(&p, "copied catalogue"), expect);
    }
}

#[test]
fn impossible_values_name_their_field() {
    type Spoil = fn(&mut SellerProfile);
    let table: [(Spoil, &str); 6] = [
        (|p| p.positive_feedback_pct = 104.0, "positive_feedback_pct"),
        (
            |p| p.positive_feedback_pct = f64::NAN,
            "positive_feedback_pct",
        ),
        (|p| p.dispute_rate_pct = Some(-1.0), "dispute_rate_pct"),
        (|p| p.on_time_pct = Some(150.0), "on_time_pct"),
        (|p| p.opened = now().plus_days(3), "opened"),
        (
            |p| {
                p.communication = Some(Rating {
                    average: 7.0,
                    count: 3,
                })
            },
            "detailed_ratings.communication.average",
        ),
    ];
    for (spoil, field) in table {
        let mut p = good();
        spoil(&mut p);
        let e = seller::assess(&p, now(), &SellerConfig::default()).unwrap_err();
        assert_eq!(e.field, field, "{e}");
    }
}

fn profile() -> impl Strategy<Value = SellerProfile> {
    (
        0i64..3000,
        0u64..5000,
        0u64..5000,
        0u64..100_000,
        proptest::option::of(0.0f64..=100.0),
        proptest::option::of(0.0f64..=100.0),
        proptest::option::of((1.0f64..=5.0, 0u64..10_000)),
    )
        .prop_map(
            |(age, positive, negative, sold, disputes, on_time, rating)| {
                let n = positive + negative;
                let pct = if n == 0 {
                    100.0
                } else {
                    positive as f64 * 100.0 / n as f64
                };
                let mut p = SellerProfile::new(days_ago(age), pct, n, sold);
                p.dispute_rate_pct = disputes;
                p.on_time_pct = on_time;
                p.item_as_described = rating.map(|(average, count)| Rating { average, count });
                p
            },
        )
}

/// The same store with `more` extra negative ratings.
fn with_negatives(p: &SellerProfile, more: u64) -> SellerProfile {
    let positive = p.positive_feedback_pct / 100.0 * p.feedback_count as f64;
    let n = p.feedback_count + more;
    let mut q = p.clone();
    q.feedback_count = n;
    q.positive_feedback_pct = if n == 0 {
        100.0
    } else {
        (positive / n as f64 * 100.0).min(100.0)
    };
    q
}

proptest! {
    #[test]
    fn scores_stay_in_range(p in profile()) {
        let a = seller::assess(&p, now(), &SellerConfig::default()).unwrap();
        prop_assert!(a.trust_score <= 100);
        prop_assert!(a.assessment.risk() <= 100);
        prop_assert!((0.0..=1.0).contains(&a.positive_lower_bound));
        for s in a.assessment.signals() {
            prop_assert!((0.0..=1.0).contains(&s.score()));
        }
    }

    #[test]
    fn more_negative_feedback_never_raises_trust(p in profile(), more in 1u64..2000) {
        let before = seller::trust_score(&p, now());
        let after = seller::trust_score(&with_negatives(&p, more), now());
        prop_assert!(after <= before, "{} -> {}", before, after);
    }

    #[test]
    fn more_disputes_or_later_shipping_never_raise_trust(p in profile(), d in 0.0f64..=100.0, o in 0.0f64..=100.0) {
        let mut worse = p.clone();
        worse.dispute_rate_pct = Some(p.dispute_rate_pct.map_or(d, |x| x.max(d)));
        let mut base = p.clone();
        base.dispute_rate_pct = Some(p.dispute_rate_pct.unwrap_or(d).min(worse.dispute_rate_pct.unwrap()));
        prop_assert!(seller::trust_score(&worse, now()) <= seller::trust_score(&base, now()));
        let mut late = p.clone();
        late.on_time_pct = Some(o);
        let mut later = p.clone();
        later.on_time_pct = Some(o * 0.5);
        prop_assert!(seller::trust_score(&later, now()) <= seller::trust_score(&late, now()));
    }

    #[test]
    fn a_lower_rating_never_raises_trust(p in profile(), drop in 0.0f64..4.0) {
        if let Some(r) = p.item_as_described {
            let mut q = p.clone();
            q.item_as_described = Some(Rating { average: (r.average - drop).max(1.0), count: r.count });
            prop_assert!(seller::trust_score(&q, now()) <= seller::trust_score(&p, now()));
        }
    }

    #[test]
    fn an_older_store_is_never_less_trusted(p in profile(), older in 0i64..2000) {
        let mut q = p.clone();
        q.opened = p.opened.plus_days(-older);
        prop_assert!(seller::trust_score(&q, now()) >= seller::trust_score(&p, now()));
    }
}

#[test]
fn the_tier_follows_the_signals() {
    let tier = |p: &SellerProfile| {
        seller::assess(p, now(), &SellerConfig::default())
            .unwrap()
            .tier
    };
    // Thin evidence with nothing against it: unproven, not bad.
    let mut new_honest = SellerProfile::new(days_ago(45), 100.0, 6, 11);
    new_honest.listings = Some(35);
    new_honest.price_max = Some(usd("19.99"));
    assert_eq!(tier(&new_honest), Tier::Medium);
    // Thousands of expensive listings and a dozen sales, a year on: a red flag at any age.
    let mut catalogue = SellerProfile::new(days_ago(370), 100.0, 6, 12);
    catalogue.listings = Some(4800);
    catalogue.price_max = Some(usd("1599.00"));
    assert!(tier(&catalogue) <= Tier::Low);
    assert_eq!(check(&catalogue, "listings up to"), Some(Severity::High));
    // A long record with many disputes is low, however many ratings it has.
    let mut disputes = good();
    disputes.dispute_rate_pct = Some(11.0);
    assert_eq!(tier(&good()), Tier::High);
    assert!(tier(&disputes) <= Tier::Low);
}

// Issue 19, point 10: one mapping from score to tier, and a score that treats thin
// evidence as uncertain (the middle) rather than as trusted or as bad.

#[test]
fn thin_evidence_is_uncertain_not_trusted() {
    // (age days, all-positive ratings, items sold): clean stores with little record.
    let table = [
        (5, 0, 0),
        (46, 6, 11),
        (400, 5, 5),
        (1023, 3, 5),
        (147, 30, 45),
        (3000, 1, 2),
    ];
    for (age, n, sold) in table {
        let p = SellerProfile::new(days_ago(age), 100.0, n, sold);
        let a = seller::assess(&p, now(), &SellerConfig::default()).unwrap();
        assert!(
            (60..80).contains(&a.trust_score) && a.tier == Tier::Medium,
            "{age} days, {n} ratings, {sold} sold: {} {:?}",
            a.trust_score,
            a.tier
        );
    }
}

#[test]
fn a_thin_perfect_store_never_ranks_below_a_worse_one() {
    // Regression: 5 ratings at 100% scored 27 (medium) while a store with a worse record
    // scored 50 (low): the tier did not follow the score.
    let assess = |p: &SellerProfile| seller::assess(p, now(), &SellerConfig::default()).unwrap();
    let thin = SellerProfile::new(days_ago(60), 100.0, 5, 8);
    let mut worse = SellerProfile::new(days_ago(400), 90.0, 40, 300);
    worse.dispute_rate_pct = Some(4.0);
    worse.on_time_pct = Some(80.0);
    let (a, b) = (assess(&thin), assess(&worse));
    assert_eq!(a.tier, Tier::from_trust(a.trust_score), "{a:?}");
    assert_eq!(b.tier, Tier::from_trust(b.trust_score), "{b:?}");
    assert!(
        a.trust_score > b.trust_score,
        "{} vs {}",
        a.trust_score,
        b.trust_score
    );
    assert!(a.tier >= b.tier);
}

/// A consistent store (no more ratings than sales) from positive and negative counts.
fn store(age: i64, positive: u64, negative: u64, sold: u64) -> SellerProfile {
    let n = positive + negative;
    let pct = if n == 0 {
        100.0
    } else {
        positive as f64 * 100.0 / n as f64
    };
    SellerProfile::new(days_ago(age), pct, n, sold.max(n))
}

type Measures = (i64, u64, u64, u64, Option<f64>, Option<f64>, Option<f64>);

fn measures() -> impl Strategy<Value = Measures> {
    (
        0i64..4000,
        0u64..3000,
        0u64..300,
        0u64..200_000,
        proptest::option::of(0.0f64..=30.0),
        proptest::option::of(30.0f64..=100.0),
        proptest::option::of(1.0f64..=5.0),
    )
}

fn build(m: Measures) -> SellerProfile {
    let (age, positive, negative, sold, disputes, on_time, rating) = m;
    let mut p = store(age, positive, negative, sold);
    p.dispute_rate_pct = disputes;
    p.on_time_pct = on_time;
    p.item_as_described = rating.map(|average| Rating { average, count: 50 });
    p
}

proptest! {
    #[test]
    fn the_tier_follows_the_score(p in profile()) {
        let a = seller::assess(&p, now(), &SellerConfig::default()).unwrap();
        prop_assert_eq!(a.tier, Tier::from_trust(a.trust_score));
    }

    #[test]
    fn a_store_better_on_every_measure_never_scores_lower(
        m in measures(),
        better in (0i64..2000, 0u64..500, 0u64..300, 0u64..50_000, 0.0f64..=30.0, 0.0f64..=70.0, 0.0f64..=4.0),
    ) {
        let worse = build(m);
        let (age, positive, negative, sold, disputes, on_time, rating) = m;
        let (d_age, d_pos, d_neg, d_sold, d_disp, d_on_time, d_rating) = better;
        // More sales than the extra ratings need, so the better store stays consistent.
        let b = build((
            age + d_age,
            positive + d_pos,
            negative.saturating_sub(d_neg),
            sold.max(positive + negative) + d_sold + d_pos,
            disputes.map(|d| (d - d_disp).max(0.0)),
            on_time.map(|o| (o + d_on_time).min(100.0)),
            rating.map(|r| (r + d_rating).min(5.0)),
        ));
        let config = SellerConfig::default();
        let (w, g) = (
            seller::assess(&worse, now(), &config).unwrap(),
            seller::assess(&b, now(), &config).unwrap(),
        );
        prop_assert!(g.trust_score >= w.trust_score, "{} -> {}: {:?} vs {:?}", w.trust_score, g.trust_score, worse, b);
        prop_assert!(g.tier >= w.tier);
    }
}
