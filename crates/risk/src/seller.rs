//! Seller assessment from a store's profile figures: a trust score 0-100 that does not
//! take small samples at face value, a tier, and `seller_risk` signals with reasons.

use domain::{Money, Timestamp};

use crate::{Assessment, Finding, Kind, Severity, Thresholds};

/// A bad input field, named so that a person can fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct InputError {
    pub field: String,
    pub problem: String,
}

impl InputError {
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> InputError {
        InputError {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// An average of 1-5 star ratings and how many ratings it rests on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rating {
    pub average: f64,
    pub count: u64,
}

/// A store's figures as a store page shows them or the marketplace computes them.
#[derive(Debug, Clone, PartialEq)]
pub struct SellerProfile {
    pub opened: Timestamp,
    /// Positive feedback in percent of all counted feedback (0-100).
    pub positive_feedback_pct: f64,
    pub feedback_count: u64,
    pub items_sold: u64,
    pub orders: Option<u64>,
    pub repeat_buyers_pct: Option<f64>,
    pub item_as_described: Option<Rating>,
    pub communication: Option<Rating>,
    pub shipping_speed: Option<Rating>,
    pub dispute_rate_pct: Option<f64>,
    pub on_time_pct: Option<f64>,
    pub listings: Option<u64>,
    pub badges: Vec<String>,
    /// The dearest item the store lists.
    pub price_max: Option<Money>,
}

impl SellerProfile {
    /// A profile with only the required figures; the rest unknown.
    pub fn new(
        opened: Timestamp,
        positive_feedback_pct: f64,
        feedback_count: u64,
        items_sold: u64,
    ) -> SellerProfile {
        SellerProfile {
            opened,
            positive_feedback_pct,
            feedback_count,
            items_sold,
            orders: None,
            repeat_buyers_pct: None,
            item_as_described: None,
            communication: None,
            shipping_speed: None,
            dispute_rate_pct: None,
            on_time_pct: None,
            listings: None,
            badges: Vec::new(),
            price_max: None,
        }
    }

    /// Refuses impossible values instead of scoring them.
    pub fn check(&self, now: Timestamp) -> Result<(), InputError> {
        if self.opened > now {
            return Err(InputError::new(
                "opened",
                format!("{} is in the future", self.opened.rfc3339()),
            ));
        }
        percent("positive_feedback_pct", self.positive_feedback_pct)?;
        for (field, v) in [
            ("repeat_buyers_pct", self.repeat_buyers_pct),
            ("dispute_rate_pct", self.dispute_rate_pct),
            ("on_time_pct", self.on_time_pct),
        ] {
            if let Some(v) = v {
                percent(field, v)?;
            }
        }
        for (field, r) in [
            ("detailed_ratings.item_as_described", self.item_as_described),
            ("detailed_ratings.communication", self.communication),
            ("detailed_ratings.shipping_speed", self.shipping_speed),
        ] {
            if let Some(r) = r {
                if !(r.average.is_finite() && (1.0..=5.0).contains(&r.average)) {
                    return Err(InputError::new(
                        format!("{field}.average"),
                        format!("must be between 1 and 5 stars, got {}", r.average),
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn age_days(&self, now: Timestamp) -> i64 {
        self.opened.days_until(now).max(0)
    }
}

fn percent(field: &str, v: f64) -> Result<(), InputError> {
    if v.is_finite() && (0.0..=100.0).contains(&v) {
        Ok(())
    } else {
        Err(InputError::new(
            field,
            format!("must be a percentage between 0 and 100, got {v}"),
        ))
    }
}

/// Numbers of the seller rules; defaults from what marketplaces show buyers.
#[derive(Debug, Clone, PartialEq)]
pub struct SellerConfig {
    /// A store younger than this is young.
    pub young_store_days: i64,
    /// Fewer items sold than this is "no sales".
    pub few_sales: u64,
    /// From this price (in US cents, converted with the rough price levels of
    /// `listing::usd_cents_in`) a listing is expensive, unless `expensive_from` is set.
    pub expensive_usd_cents: i64,
    /// An explicit "expensive" price in the listing's currency.
    pub expensive_from: Option<Money>,
    pub thresholds: Thresholds,
}

impl Default for SellerConfig {
    fn default() -> Self {
        SellerConfig {
            young_store_days: 90,
            few_sales: 10,
            expensive_usd_cents: 15_000,
            expensive_from: None,
            thresholds: Thresholds::default(),
        }
    }
}

/// Listings from which a store's catalogue is big.
const BIG_CATALOGUE: u64 = 1000;

/// Items sold under which a big catalogue has no record behind it.
const THIN_RECORD_SALES: u64 = 50;

/// A lower bound as a whole percentage, rounded down: "at least 98%" must never be
/// said of a store at 97.8%.
pub fn lower_bound_pct(lower: f64) -> u32 {
    // The small allowance keeps an exact 0.97 from showing as 96 through float error.
    ((lower * 100.0) + 1e-9).floor().clamp(0.0, 100.0) as u32
}

/// Trust tiers, from the trust score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    VeryLow,
    Low,
    Medium,
    High,
}

impl Tier {
    pub fn from_trust(trust: u8) -> Tier {
        match trust {
            80.. => Tier::High,
            60..=79 => Tier::Medium,
            40..=59 => Tier::Low,
            _ => Tier::VeryLow,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::VeryLow => "very_low",
            Tier::Low => "low",
            Tier::Medium => "medium",
            Tier::High => "high",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SellerAssessment {
    pub trust_score: u8,
    pub tier: Tier,
    /// The positive share that 95% of the evidence supports at least (Wilson bound).
    pub positive_lower_bound: f64,
    pub assessment: Assessment,
}

/// Wilson score lower bound of a proportion (z = 1.96: 95% confidence). With no
/// observations there is no evidence: 0.
pub fn wilson_lower_bound(successes: f64, n: f64) -> f64 {
    if n <= 0.0 {
        return 0.0;
    }
    const Z: f64 = 1.96;
    let p = (successes / n).clamp(0.0, 1.0);
    let z2 = Z * Z;
    let centre = p + z2 / (2.0 * n);
    let margin = Z * ((p * (1.0 - p) + z2 / (4.0 * n)) / n).sqrt();
    ((centre - margin) / (1.0 + z2 / n)).clamp(0.0, 1.0)
}

/// A detailed rating pulled towards `prior` stars by ten phantom ratings, so that a 5.0
/// from two buyers is not a 5.0.
fn shrunk_to(r: Option<Rating>, prior: f64) -> Option<f64> {
    const PRIOR_WEIGHT: f64 = 10.0;
    r.map(|r| {
        let n = r.count as f64;
        (r.average * n + prior * PRIOR_WEIGHT) / (n + PRIOR_WEIGHT)
    })
}

/// A detailed rating pulled towards 4 stars: what the rating rules judge.
fn shrunk(r: Option<Rating>) -> Option<f64> {
    shrunk_to(r, 4.0)
}

fn ramp(x: f64, zero_at: f64, one_at: f64) -> f64 {
    ((x - zero_at) / (one_at - zero_at)).clamp(0.0, 1.0)
}

/// Wilson score upper bound of a proportion (z = 1.96); with no observations, 1.
pub fn wilson_upper_bound(successes: f64, n: f64) -> f64 {
    if n <= 0.0 {
        return 1.0;
    }
    1.0 - wilson_lower_bound(n - successes, n)
}

/// What a store scores with no evidence either way: unproven, the low end of medium.
const UNPROVEN: f64 = 62.0;
/// Thin feedback is pulled towards a typical store's share by phantom ratings.
const PRIOR_RATINGS: f64 = 20.0;
const PRIOR_POSITIVE: f64 = 0.95;
/// A measure sure to be poor takes at most this share of what is left of the score.
const BAD_WEIGHT: f64 = 0.5;

/// The evidence for the store: how sure we are that it is good (0-1, the lower bound of
/// its positive share times how established its record is) and how sure that it is poor
/// (0-1, from the upper bound of its positive share, disputes, late shipping, detailed
/// ratings). Both are monotone: a better figure never raises `bad` or lowers `good`.
fn evidence(p: &SellerProfile, now: Timestamp) -> (f64, f64) {
    let n = p.feedback_count as f64;
    let positive = p.positive_feedback_pct / 100.0 * n;
    let (s, m) = (positive + PRIOR_RATINGS * PRIOR_POSITIVE, n + PRIOR_RATINGS);
    // Five years open and a hundred thousand sales are an established record.
    let age = (p.age_days(now) as f64 / 1825.0).min(1.0);
    let sold = ((1.0 + p.items_sold as f64).log10() / 5.0).min(1.0);
    let good = ramp(wilson_lower_bound(s, m), 0.90, 0.98) * (age + sold) / 2.0;
    let mut bad = vec![
        ramp(0.95 - wilson_upper_bound(s, m), 0.0, 0.15),
        p.dispute_rate_pct.map_or(0.0, |d| ramp(d, 2.0, 8.0)),
        p.on_time_pct.map_or(0.0, |o| ramp(92.0 - o, 0.0, 32.0)),
    ];
    // Detailed ratings pulled towards a typical store's 4.6, each a third.
    for r in [p.item_as_described, p.communication, p.shipping_speed] {
        bad.push(shrunk_to(r, 4.6).map_or(0.0, |a| ramp(4.5 - a, 0.0, 1.0) / 3.0));
    }
    let kept: f64 = bad.iter().map(|b| 1.0 - BAD_WEIGHT * b).product();
    (good, 1.0 - kept)
}

/// The most a red flag (a high or critical signal) lets a store score: the low tier at
/// most, the surer the flag the lower (a score of 0.65 caps at 55, 0.9 at 30).
fn red_flag_cap(signals: &[Finding]) -> f64 {
    signals
        .iter()
        .filter(|s| s.severity() >= Severity::High)
        .map(|s| 55.0 - 100.0 * (s.score() - 0.65).max(0.0))
        .fold(100.0, f64::min)
}

/// The trust score 0-100 of a checked profile, with the default rule settings.
pub fn trust_score(p: &SellerProfile, now: Timestamp) -> u8 {
    let n = p.feedback_count as f64;
    let lower = wilson_lower_bound(p.positive_feedback_pct / 100.0 * n, n);
    let signals = signals(p, now, &SellerConfig::default(), lower);
    trust_from(p, now, &signals)
}

/// The trust score: unproven stores in the middle (62, medium), good evidence raising
/// it towards 100, evidence of poor service lowering it, and red flags capping it.
/// Thin evidence moves it little either way. Monotone: a store better on every measure
/// (more positive and fewer negative ratings, older, more sales, better detailed
/// ratings, fewer disputes, more on-time shipping) never scores lower.
fn trust_from(p: &SellerProfile, now: Timestamp, signals: &[Finding]) -> u8 {
    let (good, bad) = evidence(p, now);
    let score = UNPROVEN + (100.0 - UNPROVEN) * good - UNPROVEN * bad;
    score.min(red_flag_cap(signals)).round().clamp(0.0, 100.0) as u8
}

/// Assesses a seller: checks the input, scores trust, raises `seller_risk` signals.
/// The tier follows the score alone (`Tier::from_trust`).
pub fn assess(
    p: &SellerProfile,
    now: Timestamp,
    config: &SellerConfig,
) -> Result<SellerAssessment, InputError> {
    p.check(now)?;
    let n = p.feedback_count as f64;
    let lower = wilson_lower_bound(p.positive_feedback_pct / 100.0 * n, n);
    let mut signals = signals(p, now, config, lower);
    let trust = trust_from(p, now, &signals);
    if trust < 40 {
        signals.push(Finding::new(
            Kind::SellerRisk,
            Severity::Medium,
            f64::from(40 - trust) / 40.0,
            format!("trust {trust}/100"),
            format!("trust score {trust}/100: the red flags outweigh what vouches for this store"),
        ));
    }
    Ok(SellerAssessment {
        trust_score: trust,
        tier: Tier::from_trust(trust),
        positive_lower_bound: lower,
        assessment: Assessment::combine(signals, &config.thresholds),
    })
}

/// Whether `price` is expensive for the "young store, no sales, expensive items" rule.
fn expensive(price: Money, config: &SellerConfig) -> bool {
    if let Some(from) = config.expensive_from {
        if from.currency() == price.currency() {
            return price.amount_minor() >= from.amount_minor();
        }
    }
    crate::listing::usd_cents_in(price.currency(), config.expensive_usd_cents)
        .is_some_and(|floor| price.amount_minor() >= floor)
}

fn signals(p: &SellerProfile, now: Timestamp, config: &SellerConfig, lower: f64) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |severity, score, excerpt: String, explanation: String| {
        out.push(Finding::new(
            Kind::SellerRisk,
            severity,
            score,
            excerpt,
            explanation,
        ))
    };
    let age = p.age_days(now);
    let young = age < config.young_store_days;
    let no_sales = p.items_sold < config.few_sales;
    let dear = p.price_max.filter(|&m| expensive(m, config));
    match (young, no_sales, dear) {
        (true, true, Some(price)) => push(
            Severity::High,
            0.9,
            format!("{age} days, {} sold, up to {}", p.items_sold, price.decimal()),
            format!(
                "store opened {age} days ago, has sold {} items and lists items up to {} {}: the pattern of fake stores that take payments and never ship",
                p.items_sold,
                price.decimal(),
                price.currency()
            ),
        ),
        (true, true, None) => push(
            Severity::Medium,
            0.55,
            format!("{age} days, {} sold", p.items_sold),
            format!("store opened {age} days ago and has sold {} items: nothing vouches for it yet", p.items_sold),
        ),
        (true, false, _) => push(
            Severity::Low,
            0.4,
            format!("{age} days"),
            format!("store opened only {age} days ago"),
        ),
        _ => {}
    }
    let pct = p.positive_feedback_pct;
    if p.feedback_count < 30 && pct >= 95.0 && lower < 0.9 {
        push(
            Severity::Low,
            0.45,
            format!("{pct}% of {}", p.feedback_count),
            format!(
                "{pct}% positive from only {} ratings is weak evidence: at least {}% with 95% confidence",
                p.feedback_count,
                lower_bound_pct(lower)
            ),
        );
    }
    // Two unhappy buyers or more: one alone is thin evidence, and counting the unhappy
    // (not all ratings) keeps the rule from firing when a store gains a happy buyer.
    let negatives = p.feedback_count as f64 * (100.0 - pct) / 100.0;
    if negatives > 1.5 && pct < 92.0 {
        let (severity, score) = if pct < 85.0 {
            (Severity::High, 0.8)
        } else {
            (Severity::Medium, 0.55)
        };
        push(
            severity,
            score,
            format!("{pct}% positive"),
            format!(
                "only {pct}% positive feedback: one buyer in {:.0} was unhappy",
                100.0 / (100.0 - pct).max(1.0)
            ),
        );
    }
    if p.feedback_count > p.items_sold || p.orders.is_some_and(|o| p.feedback_count > o) {
        push(
            Severity::High,
            0.8,
            format!("{} feedback, {} sold", p.feedback_count, p.items_sold),
            "more feedback than items sold or orders: the ratings do not come from real orders"
                .into(),
        );
    }
    for (name, r) in [
        ("item as described", p.item_as_described),
        ("communication", p.communication),
        ("shipping speed", p.shipping_speed),
    ] {
        let (Some(r), Some(avg)) = (r, shrunk(r)) else {
            continue;
        };
        if r.count >= 10 && avg < 4.5 {
            let (severity, score) = if avg < 4.0 {
                (Severity::High, 0.7)
            } else {
                (Severity::Medium, 0.5)
            };
            push(
                severity,
                score,
                format!("{name} {:.1}", r.average),
                format!(
                    "\"{name}\" rated {:.1} of 5 by {} buyers: below the 4.5 of reliable stores",
                    r.average, r.count
                ),
            );
        }
    }
    if let Some(d) = p.dispute_rate_pct.filter(|&d| d >= 2.0) {
        let (severity, score) = if d >= 5.0 {
            (Severity::High, 0.8)
        } else {
            (Severity::Medium, 0.55)
        };
        push(
            severity,
            score,
            format!("{d}% disputes"),
            format!("{d}% of orders end in a dispute"),
        );
    }
    if let Some(o) = p.on_time_pct.filter(|&o| o < 85.0) {
        let (severity, score) = if o < 70.0 {
            (Severity::High, 0.65)
        } else {
            (Severity::Medium, 0.45)
        };
        push(
            severity,
            score,
            format!("{o}% on time"),
            format!("only {o}% of orders ship on time"),
        );
    }
    if let (Some(r), Some(orders)) = (p.repeat_buyers_pct, p.orders) {
        if r < 5.0 && orders >= 200 {
            push(
                Severity::Low,
                0.35,
                format!("{r}% repeat buyers"),
                format!("only {r}% of buyers come back after {orders} orders"),
            );
        }
    }
    // Thousands of expensive listings and almost no sales, at any age: the same
    // pattern, a copied catalogue to take payments.
    let catalogue = p.listings.filter(|&l| l >= BIG_CATALOGUE);
    if let (Some(l), Some(price), false) = (catalogue, dear, young && no_sales) {
        if p.items_sold < THIN_RECORD_SALES {
            push(
                Severity::High,
                0.8,
                format!("{l} listings up to {}, {} sold", price.decimal(), p.items_sold),
                format!(
                    "{l} listings up to {} {} but only {} items sold: a big catalogue with no record behind it is how fake stores look",
                    price.decimal(),
                    price.currency(),
                    p.items_sold
                ),
            );
        }
    }
    if let Some(l) = p.listings.filter(|&l| l >= BIG_CATALOGUE && age < 30) {
        push(
            Severity::Low,
            0.35,
            format!("{l} listings in {age} days"),
            format!("{l} listings in a store {age} days old: a copied catalogue"),
        );
    }
    out
}
