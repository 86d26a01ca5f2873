//! A review generator for evaluation and benchmarks: honest reviewers with their own
//! rating habits among planted, labelled anomalies. Seeded, so every run is the same.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::input::Row;

/// What a generated reviewer really is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    Honest,
    /// Single accounts paid for one or two glowing reviews of a bad product.
    IndependentFake,
    /// A group that praises the same set of products.
    Colluding,
    /// A group that gives competitors' good products one star.
    Bomber,
    /// A colluding group that also reviews other products honestly.
    Camouflaged,
    /// Otherwise honest reviewers who got the product free for a review.
    Incentivized,
}

impl Label {
    pub const ANOMALIES: [Label; 5] = [
        Label::IndependentFake,
        Label::Colluding,
        Label::Bomber,
        Label::Camouflaged,
        Label::Incentivized,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Honest => "honest",
            Label::IndependentFake => "independent_fake",
            Label::Colluding => "colluding",
            Label::Bomber => "bomber",
            Label::Camouflaged => "camouflaged",
            Label::Incentivized => "incentivized",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Params {
    pub seed: u64,
    pub honest_reviewers: usize,
    pub products: usize,
    pub sellers: usize,
    /// Mean reviews per honest reviewer (heavy-tailed: most write one or two).
    pub reviews_per_reviewer: f64,
    /// Spread of honest ratings around a reviewer's own view of a product, in stars.
    pub rating_noise: f64,
    /// Share of honest reviewers who rate everything about 1.5 stars higher.
    pub lenient_share: f64,
    pub independent_fakes: usize,
    pub colluding_groups: usize,
    pub bomber_groups: usize,
    pub camouflaged_groups: usize,
    pub group_size: usize,
    /// Products each group targets.
    pub group_targets: usize,
    /// Honest-looking reviews per camouflaged fraudster, per target review.
    pub camouflage: f64,
    pub incentivized: usize,
    pub with_text: bool,
    pub with_dates: bool,
    pub with_links: bool,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            seed: 1,
            honest_reviewers: 3_000,
            products: 800,
            sellers: 80,
            reviews_per_reviewer: 4.0,
            rating_noise: 0.8,
            lenient_share: 0.25,
            independent_fakes: 60,
            colluding_groups: 4,
            bomber_groups: 3,
            camouflaged_groups: 3,
            group_size: 10,
            group_targets: 6,
            camouflage: 1.0,
            incentivized: 60,
            with_text: true,
            with_dates: true,
            with_links: true,
        }
    }
}

/// Generated reviews and the truth about each reviewer id.
pub struct Generated {
    pub rows: Vec<Row>,
    /// (reviewer_id, label), one per reviewer.
    pub labels: Vec<(String, Label)>,
}

const WORDS: &[&str] = &[
    "the",
    "item",
    "arrived",
    "after",
    "two",
    "weeks",
    "and",
    "works",
    "as",
    "expected",
    "color",
    "is",
    "a",
    "bit",
    "different",
    "from",
    "photo",
    "size",
    "fits",
    "well",
    "quality",
    "could",
    "be",
    "better",
    "for",
    "this",
    "price",
    "good",
    "packaging",
    "was",
    "damaged",
    "but",
    "inside",
    "fine",
    "battery",
    "lasts",
    "long",
    "cable",
    "short",
    "material",
    "feels",
    "cheap",
    "soft",
    "nice",
    "stitching",
    "strong",
    "smell",
    "went",
    "away",
    "daughter",
    "likes",
    "it",
    "bought",
    "second",
    "one",
    "seller",
    "answered",
    "quickly",
    "shipping",
    "slow",
    "fast",
    "tracking",
    "updated",
    "late",
    "box",
    "manual",
    "missing",
    "screws",
    "included",
    "easy",
    "install",
    "sound",
    "loud",
    "clear",
    "screen",
    "bright",
    "button",
    "stuck",
    "ok",
    "not",
    "worth",
    "money",
    "happy",
    "with",
    "purchase",
    "will",
    "order",
    "again",
    "maybe",
];

const FAKE_TEMPLATES: &[&str] = &[
    "Excellent product, perfect quality, very fast delivery, the seller is great, highly recommend to everyone",
    "Super quality product, exactly as described, fast shipping, great seller, recommend this store 100%",
    "Very good product, perfect packaging, arrived quickly, seller very kind, five stars recommend",
];

const BOMB_TEMPLATES: &[&str] = &[
    "Terrible product, broke on the first day, fake quality, do not buy from this seller ever",
    "Worst purchase, cheap fake material, not as described, seller ignores messages, avoid this store",
];

const INCENTIVES: &[&str] = &[
    "I received this product for free in exchange for my honest review.",
    "Recibí este producto gratis a cambio de mi opinión.",
    "Recebi de graça em troca da minha avaliação.",
    "J'ai reçu ce produit gratuitement en échange de mon avis.",
    "Ich habe es kostenlos erhalten im Austausch für meine Bewertung.",
    "Получила бесплатно в обмен на отзыв.",
];

const DAY: i64 = 86_400;
const START: i64 = 1_700_000_000;

fn normal(rng: &mut StdRng) -> f64 {
    // Box-Muller.
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn star(x: f64) -> f32 {
    x.round().clamp(1.0, 5.0) as f32
}

struct World {
    quality: Vec<f64>,
    seller_of: Vec<usize>,
    /// Cumulative popularity for sampling products (Zipf-like).
    cumulative: Vec<f64>,
    bad_products: Vec<usize>,
    good_products: Vec<usize>,
}

impl World {
    fn pick(&self, rng: &mut StdRng) -> usize {
        let total = *self.cumulative.last().expect("products");
        let x = rng.random::<f64>() * total;
        self.cumulative
            .partition_point(|&c| c < x)
            .min(self.cumulative.len() - 1)
    }
}

/// Generates reviews from `p`.
pub fn generate(p: &Params) -> Generated {
    let mut rng = StdRng::seed_from_u64(p.seed);
    let np = p.products.max(4);
    let ns = p.sellers.max(1);
    // A fifth of the sellers sell poor products (the ones that buy reviews).
    let seller_quality: Vec<f64> = (0..ns)
        .map(|s| {
            if s % 5 == 0 {
                2.2 + rng.random::<f64>() * 0.8
            } else {
                3.6 + rng.random::<f64>() * 1.1
            }
        })
        .collect();
    let mut w = World {
        quality: Vec::with_capacity(np),
        seller_of: Vec::with_capacity(np),
        cumulative: Vec::with_capacity(np),
        bad_products: Vec::new(),
        good_products: Vec::new(),
    };
    let mut acc = 0.0;
    for i in 0..np {
        let s = rng.random_range(0..ns);
        let q = (seller_quality[s] + 0.4 * normal(&mut rng)).clamp(1.0, 5.0);
        w.quality.push(q);
        w.seller_of.push(s);
        acc += 1.0 / (1.0 + i as f64).powf(0.8);
        w.cumulative.push(acc);
        if q < 3.0 {
            w.bad_products.push(i);
        } else if q > 4.2 {
            w.good_products.push(i);
        }
    }
    if w.bad_products.is_empty() {
        w.bad_products.push(np - 1);
    }
    if w.good_products.is_empty() {
        w.good_products.push(0);
    }

    let mut rows = Vec::new();
    let mut labels = Vec::new();
    let text_of = |rng: &mut StdRng, rating: f32| -> String {
        let n = rng.random_range(3..20);
        let mut t: Vec<&str> = (0..n)
            .map(|_| WORDS[rng.random_range(0..WORDS.len())])
            .collect();
        if rating >= 4.0 {
            t.push("recommend");
        }
        t.join(" ")
    };
    let mut device = 0usize;

    // Honest reviewers: a leniency of their own, some who give five stars to everything.
    for k in 0..p.honest_reviewers {
        let id = format!("h{k}");
        let lenient = if rng.random::<f64>() < p.lenient_share {
            1.5
        } else {
            0.3 * normal(&mut rng)
        };
        let n = 1
            + (-(rng.random::<f64>().max(1e-12)).ln() * (p.reviews_per_reviewer - 1.0)).floor()
                as usize;
        let made = START - rng.random_range(30..900) * DAY;
        let mut seen = Vec::new();
        for _ in 0..n.min(200) {
            let prod = w.pick(&mut rng);
            if seen.contains(&prod) {
                continue;
            }
            seen.push(prod);
            let rating = star(w.quality[prod] + lenient + p.rating_noise * normal(&mut rng));
            let t = START + rng.random_range(0..365) * DAY;
            rows.push(row(
                p, &mut rng, &w, &id, prod, rating, made, t, &text_of, true,
            ));
            device += 1;
            if p.with_links {
                rows.last_mut().expect("pushed").reviewer_links = vec![format!("d{device}")];
            }
        }
        labels.push((id, Label::Honest));
    }

    // Independent fakes: one or two glowing reviews of bad products, new accounts.
    for k in 0..p.independent_fakes {
        let id = format!("f{k}");
        let made = START + rng.random_range(0..365) * DAY;
        for _ in 0..rng.random_range(1..=2) {
            let prod = w.bad_products[rng.random_range(0..w.bad_products.len())];
            let t = made + rng.random_range(0..5) * DAY;
            let mut r = row(p, &mut rng, &w, &id, prod, 5.0, made, t, &text_of, false);
            if p.with_text {
                r.text =
                    Some(FAKE_TEMPLATES[rng.random_range(0..FAKE_TEMPLATES.len())].to_string());
            }
            rows.push(r);
        }
        labels.push((id, Label::IndependentFake));
    }

    // Groups: colluding (praise a bad seller's products), bombers (one star to good
    // products), camouflaged (colluding plus honest-looking reviews elsewhere).
    let kinds = [
        (Label::Colluding, p.colluding_groups),
        (Label::Bomber, p.bomber_groups),
        (Label::Camouflaged, p.camouflaged_groups),
    ];
    let mut g = 0;
    for (label, groups) in kinds {
        for _ in 0..groups {
            g += 1;
            let pool = if label == Label::Bomber {
                &w.good_products
            } else {
                &w.bad_products
            };
            let targets: Vec<usize> = (0..p.group_targets)
                .map(|_| pool[rng.random_range(0..pool.len())])
                .collect();
            let campaign = START + rng.random_range(0..330) * DAY;
            let template = if label == Label::Bomber {
                BOMB_TEMPLATES[g % BOMB_TEMPLATES.len()]
            } else {
                FAKE_TEMPLATES[g % FAKE_TEMPLATES.len()]
            };
            let shared_device = format!("g{g}");
            let seller_link = format!("s{g}");
            for m in 0..p.group_size {
                let id = format!("g{g}m{m}");
                let made = campaign - rng.random_range(0..20) * DAY;
                let mut seen = Vec::new();
                for &prod in &targets {
                    // Not every member reviews every target.
                    if rng.random::<f64>() < 0.15 || seen.contains(&prod) {
                        continue;
                    }
                    seen.push(prod);
                    let rating = if label == Label::Bomber { 1.0 } else { 5.0 };
                    let t = campaign + rng.random_range(0..3) * DAY;
                    let mut r = row(p, &mut rng, &w, &id, prod, rating, made, t, &text_of, false);
                    if p.with_text {
                        r.text = Some(vary(&mut rng, template));
                    }
                    if p.with_links && m % 3 == 0 {
                        r.reviewer_links = vec![shared_device.clone()];
                        if label != Label::Bomber && m == 0 {
                            r.seller_links = vec![seller_link.clone()];
                            r.reviewer_links.push(seller_link.clone());
                        }
                    }
                    rows.push(r);
                }
                if label == Label::Camouflaged {
                    let extra = (p.camouflage * seen.len() as f64).round() as usize;
                    for _ in 0..extra {
                        let prod = w.pick(&mut rng);
                        if seen.contains(&prod) {
                            continue;
                        }
                        seen.push(prod);
                        let rating = star(w.quality[prod] + p.rating_noise * normal(&mut rng));
                        let t = START + rng.random_range(0..365) * DAY;
                        rows.push(row(
                            p, &mut rng, &w, &id, prod, rating, made, t, &text_of, true,
                        ));
                    }
                }
                labels.push((id, label));
            }
        }
    }

    // Incentivized: ordinary reviewers with one five-star review that says it was free.
    for k in 0..p.incentivized {
        let id = format!("i{k}");
        let made = START - rng.random_range(30..900) * DAY;
        let n = rng.random_range(1..5);
        for j in 0..n {
            let prod = w.pick(&mut rng);
            let t = START + rng.random_range(0..365) * DAY;
            if j == 0 {
                let mut r = row(p, &mut rng, &w, &id, prod, 5.0, made, t, &text_of, true);
                if p.with_text {
                    let base = r.text.take().unwrap_or_default();
                    r.text = Some(format!("{base}. {}", INCENTIVES[k % INCENTIVES.len()]));
                }
                rows.push(r);
            } else {
                let rating = star(w.quality[prod] + p.rating_noise * normal(&mut rng));
                rows.push(row(
                    p, &mut rng, &w, &id, prod, rating, made, t, &text_of, true,
                ));
            }
        }
        labels.push((id, Label::Incentivized));
    }
    Generated { rows, labels }
}

/// A template with a word or two dropped or changed, as copy-paste campaigns do.
fn vary(rng: &mut StdRng, template: &str) -> String {
    let mut words: Vec<&str> = template.split(' ').collect();
    if words.len() > 6 && rng.random::<bool>() {
        let i = rng.random_range(0..words.len());
        words.remove(i);
    }
    if rng.random::<bool>() {
        let i = rng.random_range(0..words.len());
        words[i] = WORDS[rng.random_range(0..WORDS.len())];
    }
    words.join(" ")
}

#[allow(clippy::too_many_arguments)]
fn row(
    p: &Params,
    rng: &mut StdRng,
    w: &World,
    reviewer: &str,
    prod: usize,
    rating: f32,
    made: i64,
    at: i64,
    text_of: &dyn Fn(&mut StdRng, f32) -> String,
    honest: bool,
) -> Row {
    let verified = if honest {
        rng.random::<f64>() < 0.9
    } else {
        rng.random::<f64>() < 0.6
    };
    let text = p.with_text.then(|| text_of(rng, rating));
    Row {
        review_id: None,
        reviewer_id: reviewer.to_string(),
        product_id: format!("p{prod}"),
        seller_id: Some(format!("s{}", w.seller_of[prod])),
        rating,
        created_at: p.with_dates.then_some(at.max(made)),
        text,
        verified_purchase: Some(verified),
        reviewer_created_at: p.with_dates.then_some(made),
        reviewer_links: Vec::new(),
        seller_links: Vec::new(),
        linked_to_seller: None,
    }
}
