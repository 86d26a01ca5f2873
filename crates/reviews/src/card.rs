//! Report cards for a product or a seller: tests that compare its reviews with the whole
//! file's, each PASS, WARN or FAIL from a one-sided tail probability, then the adjusted
//! rating from per-review trust and a grade.

use crate::assess::{Groups, ReviewerAnalysis};
use crate::input::{Reviews, NO_SELLER};
use std::fmt::Write as _;

use crate::stats::{self, FAIL_P, WARN_P};

/// A review counts as remaining when its trust is at least this.
pub const TRUST_REMAINS_MIN: f32 = 0.5;
/// Reviews of at most this many words count as short.
pub const SHORT_WORDS_MAX: u32 = 4;
/// Weight, in reviews, of a typical marketplace's rates beside the file's own.
const PRIOR_REVIEWS: f64 = 200.0;
/// Share of 1 to 5 stars on a typical marketplace (J-shaped).
const TYPICAL_STARS: [f64; 5] = [0.08, 0.04, 0.07, 0.16, 0.65];
/// Buckets of mean rating (1 to 5) for comparing rating shapes.
const MEAN_BUCKETS: usize = 16;
/// Weight, in reviews, of the file's whole histogram in each bucket's.
const SHAPE_PRIOR_REVIEWS: f64 = 50.0;
/// Share of 2-4 star ratings on a typical marketplace, for the guide's pattern (nearly
/// all 5 stars, a sliver of 1 stars, nothing between). Source: the guide
/// (`is-aliexpress-safe`, "AliExpress reviews"): of 144k Trustpilot reviews of
/// AliExpress, 75% are 5-star and 17% 1-star, which leaves 8% for 2-4 stars. That is
/// the most polarized published figure we have (reviews of a whole site, written
/// mostly in delight or in anger); product pages show more middle, so a shortfall
/// against 8% is a conservative finding.
pub const MARKET_MIDDLE_SHARE: f64 = 0.08;
/// The guide's pattern is judged on at least this many reviews ...
const PATTERN_REVIEWS_MIN: usize = 20;
/// ... of which at least this share are 5 stars ...
const PATTERN_FIVES_MIN: f64 = 0.8;
/// ... with fewer 2-4 stars than this share of the baselines' ("almost no middle").
const PATTERN_MIDDLE_SHORTFALL: f64 = 0.5;
/// Share of the reviews by which a card's rating histogram must differ from its
/// baseline's (total variation distance) for the shape test to fail.
const SHAPE_DISTANCE_MIN: f64 = 0.2;
/// Cards with fewer reviews get grade [`GRADE_NOT_ENOUGH`]: one happy buyer is no A.
pub const GRADE_REVIEWS_MIN: usize = 5;
/// The grade of a card with fewer than [`GRADE_REVIEWS_MIN`] reviews.
pub const GRADE_NOT_ENOUGH: char = '-';
/// A file with fewer products than this cannot supply a baseline: its rates are a
/// product's own, so cards are compared with a typical marketplace's alone.
const BASELINE_PRODUCTS_MIN: usize = 3;

fn mean_bucket(h: &[u32; 5]) -> usize {
    let n: u32 = h.iter().sum();
    if n == 0 {
        return MEAN_BUCKETS - 1;
    }
    let mean = h
        .iter()
        .enumerate()
        .map(|(k, &c)| (k + 1) as f64 * c as f64)
        .sum::<f64>()
        / n as f64;
    (((mean - 1.0) / 4.0 * MEAN_BUCKETS as f64) as usize).min(MEAN_BUCKETS - 1)
}

/// A reviewer needs at least this many reviews to count as very active.
const HEAVY_REVIEWS_MIN: usize = 10;
/// The latest share of a product's dated reviews compared with the earlier ones.
const RECENT_SHARE: f64 = 0.3;
/// A reviewer who gave at least this many ratings, all high, rates everything high.
const EASY_REVIEWS_MIN: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Warn,
    Fail,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Warn => "warn",
            Outcome::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    pub name: &'static str,
    pub result: Outcome,
    /// For tools (`--format json`): the counts, the baseline and the p-value.
    pub detail: String,
    /// For people: the same finding in plain words, without test names or p-values.
    pub plain: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub reviews: usize,
    pub rating: f32,
    /// None when no review keeps any trust.
    pub adjusted_rating: Option<f32>,
    pub remaining: usize,
    /// `A` (best) to `F`, or [`GRADE_NOT_ENOUGH`] under [`GRADE_REVIEWS_MIN`] reviews.
    pub grade: char,
    pub tests: Vec<Test>,
}

/// Per-review facts every card counts, computed once for the file.
pub struct Facts {
    one_time: Vec<bool>,
    heavy: Vec<bool>,
    heavy_reviews_min: usize,
    easy: Vec<bool>,
    brand_only: Vec<bool>,
    in_block: Vec<bool>,
    bin: Vec<u8>,
    has_text: bool,
    has_dates: bool,
    has_verified: bool,
    has_sellers: bool,
    /// Population rates (per review).
    rate: Rates,
    /// Pooled rating histogram of the products whose mean falls in each bucket.
    by_mean: Vec<[f64; 5]>,
    /// The same, as counts of reviews, before any prior.
    by_mean_counts: Vec<[f64; 5]>,
    /// The rates come from the file (pulled towards a typical marketplace's), not
    /// from the typical marketplace alone.
    file_baseline: bool,
    /// Some reviewer has two reviews or more: the file shows reviewers' other reviews.
    shows_histories: bool,
}

#[derive(Default)]
struct Rates {
    unverified: f64,
    short: f64,
    duplicate: f64,
    incentive: f64,
    burst: f64,
    one_time: f64,
    heavy: f64,
    easy: f64,
    brand_only: f64,
    in_block: f64,
    distrusted: f64,
}

fn bin(x: f32) -> u8 {
    (x.round().clamp(1.0, 5.0) as u8) - 1
}

impl Facts {
    pub fn new(r: &Reviews, by_reviewer: &Groups, a: &ReviewerAnalysis) -> Self {
        let ne = r.len();
        let nu = r.reviewer_count();
        let mut one_time_u = vec![false; nu];
        let mut easy_u = vec![false; nu];
        let mut brand_u = vec![false; nu];
        for u in 0..nu {
            let items = by_reviewer.get(u);
            one_time_u[u] = items.len() == 1;
            easy_u[u] = items.len() >= EASY_REVIEWS_MIN
                && items.iter().all(|&i| r.rating[i as usize] >= 4.5);
            if items.len() >= 2 {
                let s0 = r.product_seller[r.product[items[0] as usize] as usize];
                brand_u[u] = s0 != NO_SELLER
                    && items
                        .iter()
                        .all(|&i| r.product_seller[r.product[i as usize] as usize] == s0);
            }
        }
        let of =
            |v: &Vec<bool>| -> Vec<bool> { r.reviewer.iter().map(|&u| v[u as usize]).collect() };
        let one_time = of(&one_time_u);
        // Very active reviewers: the file's top 1% by review count, and at least
        // HEAVY_REVIEWS_MIN reviews.
        let mut counts: Vec<usize> = (0..nu).map(|u| by_reviewer.get(u).len()).collect();
        counts.sort_unstable();
        let heavy_reviews_min = counts
            .get(counts.len() * 99 / 100)
            .copied()
            .unwrap_or(0)
            .max(HEAVY_REVIEWS_MIN);
        let heavy: Vec<bool> = r
            .reviewer
            .iter()
            .map(|&u| by_reviewer.get(u as usize).len() >= heavy_reviews_min)
            .collect();
        let easy = of(&easy_u);
        let brand_only = of(&brand_u);
        let in_block = of(&a.in_block);
        // The file's rate, pulled towards a typical marketplace's by PRIOR_REVIEWS
        // pseudo-reviews: a small file, or one where every product is brushed, is
        // still compared with something sensible. A file of one or two products
        // would compare a product with itself: the typical rate alone, then.
        let file_baseline = r.product_count() >= BASELINE_PRODUCTS_MIN;
        let share = |f: &dyn Fn(usize) -> bool, over: &dyn Fn(usize) -> bool, typical: f64| {
            if !file_baseline {
                return typical;
            }
            let (mut k, mut n) = (0usize, 0usize);
            for i in 0..ne {
                if over(i) {
                    n += 1;
                    k += f(i) as usize;
                }
            }
            (k as f64 + PRIOR_REVIEWS * typical) / (n as f64 + PRIOR_REVIEWS)
        };
        let all = |_| true;
        let texted = |i: usize| !r.text[i].is_empty();
        let dated = |i: usize| r.created_at[i] != crate::input::NO_TIME;
        let rate = Rates {
            unverified: share(&|i| r.verified[i] == 0, &|i| r.verified[i] != 2, 0.15),
            short: share(&|i| a.flags.words[i] <= SHORT_WORDS_MAX, &texted, 0.3),
            duplicate: share(&|i| a.flags.duplicate[i], &texted, 0.02),
            incentive: share(&|i| a.flags.incentive[i], &texted, 0.005),
            burst: share(&|i| a.flags.burst[i], &dated, 0.05),
            one_time: share(&|i| one_time[i], &all, 0.3),
            heavy: share(&|i| heavy[i], &all, 0.05),
            easy: share(&|i| easy[i], &all, 0.1),
            brand_only: share(&|i| brand_only[i], &all, 0.05),
            in_block: share(&|i| in_block[i], &all, 0.005),
            distrusted: share(&|i| a.trust[i] < TRUST_REMAINS_MIN, &all, 0.1),
        };
        let bins: Vec<u8> = r.rating.iter().map(|&x| bin(x)).collect();
        let mut hist = [0f64; 5];
        for &b in &bins {
            hist[b as usize] += 1.0;
        }
        for (h, typical) in hist.iter_mut().zip(TYPICAL_STARS) {
            *h = (*h + PRIOR_REVIEWS * typical) / (ne as f64 + PRIOR_REVIEWS);
        }
        // Shapes are compared among products of about the same mean rating: a poor
        // product is not strange for having a poor product's histogram.
        let mut per_product = vec![[0u32; 5]; r.product_count()];
        for i in 0..ne {
            per_product[r.product[i] as usize][bins[i] as usize] += 1;
        }
        let mut by_mean = vec![[0f64; 5]; MEAN_BUCKETS];
        for h in &per_product {
            let b = mean_bucket(h);
            for k in 0..5 {
                by_mean[b][k] += h[k] as f64;
            }
        }
        let by_mean_counts = by_mean.clone();
        for pooled in &mut by_mean {
            let n: f64 = pooled.iter().sum();
            for k in 0..5 {
                pooled[k] = (pooled[k] + SHAPE_PRIOR_REVIEWS * hist[k]) / (n + SHAPE_PRIOR_REVIEWS);
            }
        }
        Self {
            one_time,
            heavy,
            heavy_reviews_min,
            easy,
            brand_only,
            in_block,
            bin: bins,
            has_text: r.has_text(),
            has_dates: r.has_dates(),
            has_verified: r.has_verified(),
            has_sellers: r.has_sellers(),
            rate,
            by_mean,
            by_mean_counts,
            file_baseline,
            shows_histories: (0..nu).any(|u| by_reviewer.get(u).len() >= 2),
        }
    }

    fn baseline(&self) -> &'static str {
        if self.file_baseline {
            "from the file"
        } else {
            "on a typical marketplace"
        }
    }
}

/// A share test: how likely `k` or more of `n` under the population rate `p0`, which
/// comes from `baseline` ("from the file" or "on a typical marketplace").
fn share_test(name: &'static str, what: &str, k: usize, n: usize, p0: f64, baseline: &str) -> Test {
    if n == 0 {
        let detail = format!("no reviews to test for {what}");
        return Test {
            name,
            result: Outcome::Pass,
            plain: detail.clone(),
            detail,
        };
    }
    // A rate never seen in the population still has some chance: one in a thousand.
    let p0 = p0.max(1e-3);
    let p = stats::binomial_upper(k as u64, n as u64, p0);
    let above = k as f64 / n as f64 > p0;
    let result = if above && p < FAIL_P {
        Outcome::Fail
    } else if above && p < WARN_P {
        Outcome::Warn
    } else {
        Outcome::Pass
    };
    let counted = format!(
        "{k} of {n} reviews ({:.0}%) {what}; {:.1}% expected {baseline}",
        100.0 * k as f64 / n as f64,
        100.0 * p0,
    );
    let plain = match result {
        Outcome::Pass => counted.clone(),
        _ => format!("{counted}: more than chance explains"),
    };
    Test {
        name,
        result,
        detail: format!("{counted}; p = {p:.2e}"),
        plain,
    }
}

/// The report card of the reviews `items` (a product's or a seller's).
pub fn card(r: &Reviews, a: &ReviewerAnalysis, f: &Facts, items: &[u32]) -> Card {
    let n = items.len();
    let count = |g: &dyn Fn(usize) -> bool| items.iter().filter(|&&i| g(i as usize)).count();
    let mut tests = Vec::new();
    if f.has_verified {
        let said = count(&|i| r.verified[i] != 2);
        tests.push(share_test(
            "unverified_purchases",
            "are not verified purchases",
            count(&|i| r.verified[i] == 0),
            said,
            f.rate.unverified,
            f.baseline(),
        ));
    }
    if f.has_text {
        let texted = count(&|i| !r.text[i].is_empty());
        tests.push(share_test(
            "word_count",
            &format!("have {SHORT_WORDS_MAX} words or fewer"),
            count(&|i| !r.text[i].is_empty() && a.flags.words[i] <= SHORT_WORDS_MAX),
            texted,
            f.rate.short,
            f.baseline(),
        ));
        tests.push(share_test(
            "phrase_repetition",
            "nearly repeat other reviewers' texts",
            count(&|i| a.flags.duplicate[i]),
            texted,
            f.rate.duplicate,
            f.baseline(),
        ));
        tests.push(share_test(
            "incentivized_reviews",
            "declare a free or discounted product or a refund",
            count(&|i| a.flags.incentive[i]),
            texted,
            f.rate.incentive,
            f.baseline(),
        ));
    }
    if f.has_dates {
        let dated = count(&|i| r.created_at[i] != crate::input::NO_TIME);
        tests.push(share_test(
            "high_volume_days",
            "fall on days of unusual volume",
            count(&|i| a.flags.burst[i]),
            dated,
            f.rate.burst,
            f.baseline(),
        ));
        tests.push(trend_test(r, items));
    }
    if f.shows_histories {
        tests.push(share_test(
            "one_time_reviewers",
            "come from reviewers with no other review",
            count(&|i| f.one_time[i]),
            n,
            f.rate.one_time,
            f.baseline(),
        ));
    } else {
        // An export of one product's page: every reviewer has one review in it because
        // the page shows nothing else, not because the accounts are new.
        let detail = "every reviewer in the file has one review: the file shows no reviewer's other reviews, so one-time reviewers are not tested".to_string();
        tests.push(Test {
            name: "one_time_reviewers",
            result: Outcome::Pass,
            plain: detail.clone(),
            detail,
        });
    }
    tests.push(share_test(
        "reviewer_participation",
        &format!(
            "come from very active reviewers ({} reviews or more)",
            f.heavy_reviews_min
        ),
        count(&|i| f.heavy[i]),
        n,
        f.rate.heavy,
        f.baseline(),
    ));
    tests.push(share_test(
        "reviewer_ease",
        "come from reviewers who rate everything high",
        count(&|i| f.easy[i]),
        n,
        f.rate.easy,
        f.baseline(),
    ));
    if f.has_sellers {
        tests.push(share_test(
            "brand_repeats",
            "come from reviewers who review only this seller",
            count(&|i| f.brand_only[i]),
            n,
            f.rate.brand_only,
            f.baseline(),
        ));
    }
    tests.push(share_test(
        "overlapping_review_history",
        "come from reviewers in lockstep groups",
        count(&|i| f.in_block[i]),
        n,
        f.rate.in_block,
        f.baseline(),
    ));
    tests.push(share_test(
        "suspicious_reviewers",
        "are set aside for low trust",
        count(&|i| a.trust[i] < TRUST_REMAINS_MIN),
        n,
        f.rate.distrusted,
        f.baseline(),
    ));
    tests.push(distribution_test(f, items));

    let rating = items
        .iter()
        .map(|&i| r.rating[i as usize] as f64)
        .sum::<f64>()
        / n.max(1) as f64;
    let (mut s, mut w) = (0.0f64, 0.0f64);
    for &i in items {
        let t = a.trust[i as usize] as f64;
        s += t * r.rating[i as usize] as f64;
        w += t;
    }
    // The trust kept, with the guide's pattern taken off the 5-star side, is what the
    // grade keeps.
    let (adjusted_rating, w) = if w > 1e-6 {
        let (x, kept_weight) = adjusted(r, a, items, s / w);
        (Some(x as f32), kept_weight)
    } else {
        (None, w)
    };
    let remaining = count(&|i| a.trust[i] >= TRUST_REMAINS_MIN);
    let fails = tests.iter().filter(|t| t.result == Outcome::Fail).count();
    let warns = tests.iter().filter(|t| t.result == Outcome::Warn).count();
    let kept = w / n.max(1) as f64;
    let points = 100.0 * kept - 15.0 * fails as f64 - 5.0 * warns as f64;
    let grade = match points {
        _ if n < GRADE_REVIEWS_MIN => GRADE_NOT_ENOUGH,
        p if p >= 85.0 => 'A',
        p if p >= 70.0 => 'B',
        p if p >= 55.0 => 'C',
        p if p >= 40.0 => 'D',
        _ => 'F',
    };
    Card {
        reviews: n,
        rating: rating as f32,
        adjusted_rating,
        remaining,
        grade,
        tests,
    }
}

/// The adjusted rating: the trust-weighted mean, with each side of it (the ratings
/// above, the ratings below) discounted by the share of distrust found on that side
/// by evidence other than disagreement (bursts, templated texts, lockstep, new
/// accounts...). Detected fakes of a campaign point to undetected ones on the same
/// side, so a side that is mostly suspect counts for little and its critics count for
/// more: brushing pulls the adjusted rating down, never up. Disagreement alone is
/// left out: it would discount honest critics for being critics. The 5-star side is
/// also discounted by the guide's pattern, which no single reviewer carries.
/// Returns the rating, and the trust kept for the grade: the reviews' trust, less
/// the guide's pattern on the 5-star side (the side shares of distrust are in the
/// trust already).
fn adjusted(r: &Reviews, a: &ReviewerAnalysis, items: &[u32], trusted_mean: f64) -> (f64, f64) {
    let mut hist = [0u64; 5];
    let (mut up, mut up_distrust, mut down, mut down_distrust) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for &i in items {
        let x = r.rating[i as usize] as f64;
        let t = a.evidence_trust[i as usize] as f64;
        hist[bin(x as f32) as usize] += 1;
        if x > trusted_mean {
            up += 1.0;
            up_distrust += 1.0 - t;
        } else if x < trusted_mean {
            down += 1.0;
            down_distrust += 1.0 - t;
        }
    }
    let pattern = guide_pattern_strength(&hist);
    let up_keep = 1.0 - (up_distrust / up.max(1.0)).max(pattern);
    let down_keep = 1.0 - down_distrust / down.max(1.0);
    let (mut s, mut w, mut graded) = (0.0f64, 0.0f64, 0.0f64);
    for &i in items {
        let (x, t) = (r.rating[i as usize] as f64, a.trust[i as usize] as f64);
        let keep = if x > trusted_mean {
            graded += t * (1.0 - pattern);
            up_keep
        } else if x < trusted_mean {
            graded += t;
            down_keep
        } else {
            graded += t;
            1.0
        };
        s += t * keep * x;
        w += t * keep;
    }
    if w > 1e-9 {
        (s / w, graded)
    } else {
        (trusted_mean, graded)
    }
}

/// Ratings of the latest reviews against the earlier ones of the same product: the
/// share of high ratings among the latest, tested both ways against the earlier share
/// (a sudden rise is brushing after bad reviews, a sudden fall is bombing).
fn trend_test(r: &Reviews, items: &[u32]) -> Test {
    let mut dated: Vec<(i64, bool)> = items
        .iter()
        .filter(|&&i| r.created_at[i as usize] != crate::input::NO_TIME)
        .map(|&i| (r.created_at[i as usize], r.rating[i as usize] >= 4.5))
        .collect();
    dated.sort_unstable();
    let recent_n = (dated.len() as f64 * RECENT_SHARE).round() as usize;
    let earlier_n = dated.len() - recent_n;
    if recent_n < 3 || earlier_n < 3 {
        let detail = format!("{} dated reviews: too few to see a trend", dated.len());
        return Test {
            name: "rating_trend",
            result: Outcome::Pass,
            plain: detail.clone(),
            detail,
        };
    }
    let earlier_high = dated[..earlier_n].iter().filter(|x| x.1).count();
    let recent_high = dated[earlier_n..].iter().filter(|x| x.1).count();
    // Earlier share with one pseudo-review each way, so 0% and 100% stay testable.
    let p0 = (earlier_high as f64 + 1.0) / (earlier_n as f64 + 2.0);
    let up = stats::binomial_upper(recent_high as u64, recent_n as u64, p0);
    let down = 1.0 - stats::binomial_upper(recent_high as u64 + 1, recent_n as u64, p0);
    let p = (2.0 * up.min(down)).min(1.0);
    let result = if p < FAIL_P {
        Outcome::Fail
    } else if p < WARN_P {
        Outcome::Warn
    } else {
        Outcome::Pass
    };
    let counted = format!(
        "4.5 stars or more: {recent_high} of the latest {recent_n} reviews ({:.0}%) against {earlier_high} of the {earlier_n} before ({:.0}%)",
        100.0 * recent_high as f64 / recent_n as f64,
        100.0 * earlier_high as f64 / earlier_n as f64
    );
    let plain = match result {
        Outcome::Pass => counted.clone(),
        _ => format!("{counted}: a change larger than chance explains"),
    };
    Test {
        name: "rating_trend",
        result,
        detail: format!("{counted}; p = {p:.2e}"),
        plain,
    }
}

/// Whether `hist` (counts of 1 to 5 stars) has the guide's shape: enough reviews,
/// nearly all 5 stars, some 1 stars, and under half a typical marketplace's share of
/// 2-4 stars.
fn guide_shape(hist: &[u64; 5]) -> bool {
    let n: u64 = hist.iter().sum();
    let middle = hist[1] + hist[2] + hist[3];
    hist[0] > 0
        && n as usize >= PATTERN_REVIEWS_MIN
        && hist[4] as f64 >= PATTERN_FIVES_MIN * n as f64
        && (middle as f64) < PATTERN_MIDDLE_SHORTFALL * MARKET_MIDDLE_SHARE * n as f64
}

/// How strongly the ratings `hist` show the guide's brushing pattern against a
/// typical marketplace alone, in [0, 1] (1 at p = 1e-4 or below): evidence on the
/// 5-star side of a product that owes nothing to any one reviewer.
pub fn guide_pattern_strength(hist: &[u64; 5]) -> f64 {
    if !guide_shape(hist) {
        return 0.0;
    }
    let n: u64 = hist.iter().sum();
    let p = stats::binomial_lower(hist[1] + hist[2] + hist[3], n, MARKET_MIDDLE_SHARE);
    (-p.log10() / 4.0).clamp(0.0, 1.0)
}

/// The rating histogram against those of products with about the same mean rating
/// (G-test; 3 degrees of freedom, as the mean is shared), and the guide's brushing
/// pattern: nearly all 5 stars, a sliver of 1 stars and almost nothing between. That
/// pattern FAILs when its shortfall of 2-4 stars is improbable both against the
/// file's products of about the same mean (this card's own reviews left out) and
/// against a typical marketplace's [`MARKET_MIDDLE_SHARE`]. The guide names the
/// pattern beforehand, so it is one hypothesis tested, not one found by searching:
/// the warning level suffices to fail it.
fn distribution_test(f: &Facts, items: &[u32]) -> Test {
    let mut obs = [0u32; 5];
    for &i in items {
        obs[f.bin[i as usize] as usize] += 1;
    }
    let bucket = mean_bucket(&obs);
    let expected = &f.by_mean[bucket];
    let obs: [u64; 5] = obs.map(u64::from);
    let n = items.len() as u64;
    let (g, _) = stats::g_test(&obs, expected);
    let p = stats::chi_squared_upper(g, 3.0);
    let middle = obs[1] + obs[2] + obs[3];
    let middle_expected = expected[1] + expected[2] + expected[3];
    let hollow = obs[0] > 0
        && obs[4] > 0
        && stats::binomial_upper(n - middle, n, 1.0 - middle_expected) < WARN_P;

    // The guide's pattern. The file's side: the other products of about the same mean,
    // pulled towards the marketplace's share so that a bucket of few reviews (or none,
    // in a one-product file) leans on the marketplace.
    let counts = &f.by_mean_counts[bucket];
    let others_n = (counts.iter().sum::<f64>() - n as f64).max(0.0);
    let others_middle = (counts[1] + counts[2] + counts[3] - middle as f64).max(0.0);
    let file_middle = (others_middle + SHAPE_PRIOR_REVIEWS * MARKET_MIDDLE_SHARE)
        / (others_n + SHAPE_PRIOR_REVIEWS);
    let p_file = stats::binomial_lower(middle, n, file_middle);
    let p_market = stats::binomial_lower(middle, n, MARKET_MIDDLE_SHARE);
    let shape = obs[0] > 0
        && n as usize >= PATTERN_REVIEWS_MIN
        && obs[4] as f64 >= PATTERN_FIVES_MIN * n as f64;
    let guide_pattern = shape
        && (middle as f64)
            < PATTERN_MIDDLE_SHORTFALL * file_middle.min(MARKET_MIDDLE_SHARE) * n as f64
        && p_file.max(p_market) < WARN_P;

    // A shape test on many reviews finds every small difference between products:
    // the G-test fails a card only when the shares also differ by a good part of the
    // reviews (total variation distance), so honest J-shapes that merely lean a little
    // more on 5 stars than their neighbours stay at WARN at worst.
    let distance = obs
        .iter()
        .zip(expected)
        .map(|(&o, &e)| (o as f64 / n.max(1) as f64 - e).abs())
        .sum::<f64>()
        / 2.0;
    let result = if guide_pattern || (p < FAIL_P && distance >= SHAPE_DISTANCE_MIN) {
        Outcome::Fail
    } else if p < WARN_P || hollow {
        Outcome::Warn
    } else {
        Outcome::Pass
    };
    let stars = format!(
        "1-5 stars: {}/{}/{}/{}/{} of {n}",
        obs[0], obs[1], obs[2], obs[3], obs[4]
    );
    let mut detail = format!(
        "{stars}; against products of about the same mean G = {g:.1}, p = {p:.2e}{}",
        if hollow {
            "; both ends without the middle"
        } else {
            ""
        }
    );
    if shape {
        let _ = write!(
            detail,
            "; 2-4 stars {middle} of {n} against {:.1}% for products of about the same mean (p = {p_file:.2e}) and {:.1}% on a typical marketplace (p = {p_market:.2e})",
            100.0 * file_middle,
            100.0 * MARKET_MIDDLE_SHARE
        );
    }
    let plain = if guide_pattern {
        let between = match middle {
            0 => "none between".to_string(),
            m => format!("only {m} between"),
        };
        // The file's own figure only when other products stand behind it.
        let file_says = if others_n >= 1.0 {
            format!(
                ", and this file's products of about the same mean {:.0}%",
                100.0 * file_middle
            )
        } else {
            String::new()
        };
        format!(
            "{} of {n} ratings are 5 stars, {} {} 1 star, {between}: honest products with this many reviews show about {:.0}% in 2-4 stars (about {:.0} of {n}){file_says}; the guide names this shape as a sign of bought reviews",
            obs[4],
            obs[0],
            if obs[0] == 1 { "is" } else { "are" },
            100.0 * MARKET_MIDDLE_SHARE,
            MARKET_MIDDLE_SHARE * n as f64,
        )
    } else {
        let verdict = match result {
            Outcome::Pass => "a usual shape for products of about the same mean rating",
            _ if hollow => {
                "fewer 2-4 stars between the 1 and 5 stars than products of about the same mean rating have"
            }
            _ => "a shape that products of about the same mean rating seldom have",
        };
        format!("{stars}: {verdict}")
    };
    Test {
        name: "rating_distribution",
        result,
        detail,
        plain,
    }
}

/// A card as the engine's common assessment: one `fake_reviews` signal per test that
/// did not pass (FAIL high, WARN low), and one for the reviews set aside.
pub fn assessment(c: &Card, thresholds: &risk::Thresholds) -> risk::Assessment {
    use risk::{Finding, Kind, Severity};
    let mut signals: Vec<Finding> = c
        .tests
        .iter()
        .filter(|t| t.result != Outcome::Pass)
        .map(|t| {
            let (severity, score) = match t.result {
                Outcome::Fail => (Severity::High, 0.8),
                _ => (Severity::Low, 0.5),
            };
            Finding::new(
                Kind::FakeReviews,
                severity,
                score,
                &t.detail,
                format!("review test {} is {}", t.name, t.result.as_str()),
            )
        })
        .collect();
    if c.reviews > 0 && c.remaining < c.reviews {
        let set_aside = 1.0 - c.remaining as f64 / c.reviews as f64;
        let severity = if set_aside >= 0.5 {
            Severity::High
        } else {
            Severity::Medium
        };
        signals.push(Finding::new(
            Kind::FakeReviews,
            severity,
            set_aside,
            format!("{} of {} reviews remain", c.remaining, c.reviews),
            format!(
                "{:.0}% of the reviews come from reviewers or texts that cannot be trusted",
                100.0 * set_aside
            ),
        ));
    }
    risk::Assessment::combine(signals, thresholds)
}
