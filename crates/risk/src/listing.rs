//! Listing assessment: price against category peers (median and MAD), counterfeit
//! vocabulary in six languages and brand names, compliance claims without
//! certificates, implausible material claims, and the quality of the description.
//! Word lists are data files under `crates/risk/data`, compiled in.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use domain::{Currency, Money, Timestamp};

use crate::seller::{self, InputError, SellerAssessment, SellerConfig, SellerProfile};
use crate::{Assessment, Finding, Kind, Severity, Thresholds};

/// A compliance mark the listing claims, and the certificate it cites, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplianceClaim {
    pub mark: String,
    pub certificate: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Shipping {
    pub cost: Money,
    pub days_max: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub title: String,
    pub description: String,
    pub price: Money,
    pub category: String,
    /// The brand the listing claims in its brand field.
    pub brand: Option<String>,
    pub photos: u32,
    /// Attribute name and value pairs ("material", "cotton").
    pub attributes: Vec<(String, String)>,
    pub compliance_claims: Vec<ComplianceClaim>,
    pub shipping: Option<Shipping>,
    pub weight_g: Option<u64>,
    /// Prices of comparable listings in the same category, same currency as `price`.
    pub peer_prices: Vec<Money>,
}

/// Numbers of the listing rules.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingConfig {
    /// Fewer peers than this and the price is not compared.
    pub peers_min: usize,
    /// Robust z-score (0.6745 (x - median) / MAD) under which a price is an outlier.
    pub robust_z_min: f64,
    /// Price over peer median under which a price is "far under" peers.
    pub far_under_ratio: f64,
    /// Under this price (US cents, converted) a luxury brand's goods are not genuine.
    pub luxury_floor_usd_cents: i64,
    pub seller: SellerConfig,
    pub thresholds: Thresholds,
}

impl Default for ListingConfig {
    fn default() -> Self {
        ListingConfig {
            peers_min: 5,
            robust_z_min: -3.5,
            far_under_ratio: 0.5,
            luxury_floor_usd_cents: 8_000,
            seller: SellerConfig::default(),
            thresholds: Thresholds::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListingAssessment {
    pub assessment: Assessment,
    /// Median of the peer prices, when there were enough peers.
    pub peer_median: Option<Money>,
    /// The seller's own assessment, when the listing came with the seller's profile;
    /// its signals are part of `assessment` too.
    pub seller: Option<SellerAssessment>,
}

/// `usd_cents` in minor units of `currency` at the rough price level of
/// `data/price_levels.txt`; `None` for a currency not in the table.
pub fn usd_cents_in(currency: Currency, usd_cents: i64) -> Option<i64> {
    static LEVELS: LazyLock<Vec<(&'static str, i64)>> = LazyLock::new(|| {
        data_lines(include_str!("../data/price_levels.txt"))
            .filter_map(|l| {
                let (code, per_usd) = l.split_once('|')?;
                Some((code, per_usd.trim().parse().ok()?))
            })
            .collect()
    });
    let per_usd = LEVELS.iter().find(|(c, _)| *c == currency.code())?.1;
    Some(usd_cents.saturating_mul(per_usd) / 100)
}

fn data_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TermClass {
    Replica,
    Copy,
    Original,
}

#[derive(Debug, Clone, Copy)]
enum Entry {
    /// `owner`: the brand that owns a product line ("iPhone": "Apple").
    Brand {
        luxury: bool,
        owner: Option<&'static str>,
    },
    Counterfeit(TermClass),
    Regulated(&'static str),
    Material {
        floor_usd_cents: i64,
    },
}

/// All word lists in one automaton, so that a listing's text is read once.
struct Lexicon {
    automaton: AhoCorasick,
    terms: Vec<&'static str>,
    entries: Vec<Entry>,
    marks: AhoCorasick,
}

const MARKS: [&str; 11] = [
    "CE", "FCC", "RoHS", "ROHS", "UKCA", "FDA", "CPC", "EN 71", "EN71", "EN-71", "CCC",
];

static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
    let mut terms: Vec<&'static str> = Vec::new();
    let mut entries = Vec::new();
    for l in data_lines(include_str!("../data/brands.txt")) {
        let mut fields = l.split('|');
        let name = fields.next().unwrap_or(l);
        let luxury = fields.next() == Some("luxury");
        let owner = fields.next().filter(|o| !o.is_empty());
        terms.push(name);
        entries.push(Entry::Brand { luxury, owner });
    }
    for l in data_lines(include_str!("../data/counterfeit.txt")) {
        let mut parts = l.splitn(3, '|');
        let (Some(_lang), Some(class), Some(term)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        terms.push(term);
        entries.push(Entry::Counterfeit(match class {
            "replica" => TermClass::Replica,
            "copy" => TermClass::Copy,
            _ => TermClass::Original,
        }));
    }
    for l in data_lines(include_str!("../data/regulated.txt")) {
        if let Some((class, keyword)) = l.split_once('|') {
            terms.push(keyword);
            entries.push(Entry::Regulated(class));
        }
    }
    for l in data_lines(include_str!("../data/materials.txt")) {
        if let Some((claim, floor)) = l.split_once('|') {
            terms.push(claim);
            entries.push(Entry::Material {
                floor_usd_cents: floor.trim().parse().unwrap_or(0),
            });
        }
    }
    let lowered: Vec<String> = terms.iter().map(|t| t.to_lowercase()).collect();
    let automaton = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&lowered)
        .expect("word lists build an automaton");
    let marks = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(MARKS)
        .expect("marks build an automaton");
    Lexicon {
        automaton,
        terms,
        entries,
        marks,
    }
});

/// Whether `text[start..end]` stands as a word: no letter or digit right before or after.
fn on_word_boundaries(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

/// Words that, right before a brand name, make it a statement of fit ("case for
/// iPhone 15", "compatible with Apple Watch", "funda para Samsung"), not a claim to be
/// the brand's product. Only the word right before counts: "shoes for men Nike" is a
/// claim.
const COMPATIBILITY_MARKERS: [&str; 19] = [
    "for",
    "with",
    "fits",
    "fit",
    "para",
    "pour",
    "für",
    "fur",
    "для",
    "con",
    "avec",
    "mit",
    "com",
    "compatible",
    "compatibility",
    "kompatibel",
    "compativel",
    "compatível",
    "совместим",
];

/// Bytes before a brand name searched for the word before it.
const COMPATIBILITY_WINDOW_BYTES: usize = 32;

/// Words that deny what follows: "not a Sony product", "not human hair", "kein Leder".
const DENIALS: [&str; 10] = [
    "not", "non", "no", "nicht", "kein", "keine", "не", "pas", "nao", "não",
];

/// Articles between a denial and the name: "not a Makita product".
const ARTICLES: [&str; 9] = ["a", "an", "un", "une", "ein", "eine", "um", "uma", "una"];

/// The last two words before `start`, the nearest first.
fn words_before(lowered: &str, start: usize) -> (Option<&str>, Option<&str>) {
    let mut from = start.saturating_sub(COMPATIBILITY_WINDOW_BYTES);
    while !lowered.is_char_boundary(from) {
        from += 1;
    }
    let mut words = lowered[from..start]
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .rev();
    (words.next(), words.next())
}

/// Whether the word right before `start` is a compatibility marker.
fn for_compatibility(lowered: &str, start: usize) -> bool {
    words_before(lowered, start)
        .0
        .is_some_and(|w| COMPATIBILITY_MARKERS.contains(&w))
        || denied(lowered, start)
}

/// Whether what starts at `start` is denied: "not Dyson brand", "not a Sony product".
fn denied(lowered: &str, start: usize) -> bool {
    match words_before(lowered, start) {
        (Some(w), _) if DENIALS.contains(&w) => true,
        (Some(a), Some(w)) => ARTICLES.contains(&a) && DENIALS.contains(&w),
        _ => false,
    }
}

/// Words right after a precious-material claim that make it a coating or a colour:
/// "18K gold plated", "silver tone", "banhado a ouro".
const COATINGS: [&str; 12] = [
    "plated", "plating", "filled", "tone", "color", "colour", "vermeil", "coated", "banhad",
    "chapad", "plaqu", "vergold",
];

fn coating(lowered: &str, end: usize) -> bool {
    let rest = lowered[end..].trim_start_matches([' ', '-']);
    COATINGS.iter().any(|c| rest.starts_with(c))
}

/// What the word lists found in a listing's text.
#[derive(Default)]
struct Found {
    brands: Vec<(&'static str, bool)>,
    replica: Vec<&'static str>,
    copy: Vec<&'static str>,
    original: Vec<&'static str>,
    regulated: Vec<&'static str>,
    materials: Vec<(&'static str, i64)>,
}

fn scan(lowered: &str, found: &mut Found) {
    let lex = &*LEXICON;
    // End of the last brand named for fit: a brand right after it ("for Samsung
    // Galaxy S24") is part of the same statement of fit.
    let mut fit_end: Option<usize> = None;
    for m in lex.automaton.find_iter(lowered) {
        if !on_word_boundaries(lowered, m.start(), m.end()) {
            continue;
        }
        let term = lex.terms[m.pattern().as_usize()];
        match lex.entries[m.pattern().as_usize()] {
            Entry::Brand { luxury, .. } => {
                let continues_fit =
                    fit_end.is_some_and(|end| lowered[end..m.start()].trim().is_empty());
                if continues_fit || for_compatibility(lowered, m.start()) {
                    fit_end = Some(m.end());
                } else {
                    push_new(&mut found.brands, (term, luxury))
                }
            }
            Entry::Counterfeit(TermClass::Replica) => {
                if !battery_size(lowered, term, m.end()) {
                    push_new(&mut found.replica, term)
                }
            }
            Entry::Counterfeit(TermClass::Copy) => push_new(&mut found.copy, term),
            Entry::Counterfeit(TermClass::Original) => push_new(&mut found.original, term),
            Entry::Regulated(class) => push_new(&mut found.regulated, class),
            Entry::Material { floor_usd_cents } => {
                if !denied(lowered, m.start()) && !coating(lowered, m.end()) {
                    push_new(&mut found.materials, (term, floor_usd_cents))
                }
            }
        }
    }
}

/// "AAA" before a battery word is a battery size, not a grade of copy.
fn battery_size(lowered: &str, term: &str, end: usize) -> bool {
    const AFTER: [&str; 8] = [
        "batter",
        "size",
        "cell",
        "alkaline",
        "rechargeable",
        "akku",
        "pil",
        "батар",
    ];
    term.starts_with("aaa")
        && AFTER
            .iter()
            .any(|w| lowered[end..].trim_start_matches([' ', '-']).starts_with(w))
}

/// Title words within which a regulated word names the product ("Power bank
/// 20000mAh", "USB charger 65W"); further on it is a part ("drill ..., 2 batteries").
const PRODUCT_TITLE_WORDS: usize = 5;

/// Whether the listing sells a product of regulated `class`, not a product that holds
/// one: the category says so, or a word of the class opens the title and is not
/// "included".
fn sells(class: &str, title: &str, category: &str) -> bool {
    let of_class = |text: &str, m: &aho_corasick::Match| {
        matches!(LEXICON.entries[m.pattern().as_usize()], Entry::Regulated(c) if c == class)
            && on_word_boundaries(text, m.start(), m.end())
    };
    if LEXICON
        .automaton
        .find_iter(category)
        .any(|m| of_class(category, &m))
    {
        return true;
    }
    let lowered = title.to_lowercase();
    let opening = lowered
        .split_whitespace()
        .take(PRODUCT_TITLE_WORDS)
        .last()
        .map_or(0, |w| {
            w.as_ptr() as usize - lowered.as_ptr() as usize + w.len()
        });
    LEXICON.automaton.find_iter(&lowered).any(|m| {
        let rest = lowered[m.end()..].trim_start_matches(|c: char| !c.is_alphanumeric());
        of_class(&lowered, &m)
            && m.end() <= opening
            && !["includ", "incl", "inclus", "inklusive"]
                .iter()
                .any(|w| rest.starts_with(w))
    })
}

fn push_new<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

impl Listing {
    /// Refuses input that cannot be scored: no title, amounts in another currency.
    pub fn check(&self) -> Result<(), InputError> {
        if self.title.trim().is_empty() {
            return Err(InputError::new("title", "must not be empty"));
        }
        for (i, p) in self.peer_prices.iter().enumerate() {
            if p.currency() != self.price.currency() {
                return Err(InputError::new(
                    format!("peer_prices[{i}]"),
                    format!(
                        "currency {} differs from the listing's {}",
                        p.currency(),
                        self.price.currency()
                    ),
                ));
            }
        }
        if let Some(s) = &self.shipping {
            if s.cost.currency() != self.price.currency() {
                return Err(InputError::new(
                    "shipping.cost",
                    format!(
                        "currency {} differs from the listing's {}",
                        s.cost.currency(),
                        self.price.currency()
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Median of sorted values.
fn median_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Smallest spread assumed among peers, as a share of their median.
const MAD_FLOOR_OF_MEDIAN: f64 = 0.05;

/// Median and median absolute deviation of `values` (at least one).
pub fn median_mad(values: &[i64]) -> (f64, f64) {
    let mut v: Vec<f64> = values.iter().map(|&x| x as f64).collect();
    v.sort_by(f64::total_cmp);
    let median = median_sorted(&v);
    let mut dev: Vec<f64> = v.iter().map(|x| (x - median).abs()).collect();
    dev.sort_by(f64::total_cmp);
    (median, median_sorted(&dev))
}

/// Assesses a listing, with its seller's profile when known.
pub fn assess(
    listing: &Listing,
    seller: Option<&SellerProfile>,
    now: Timestamp,
    config: &ListingConfig,
) -> Result<ListingAssessment, InputError> {
    listing.check()?;
    let store_age_days = seller.map(|s| s.age_days(now));
    let seller = seller
        .map(|s| {
            seller::assess(s, now, &config.seller).map_err(|e| InputError {
                field: format!("seller.{}", e.field),
                problem: e.problem,
            })
        })
        .transpose()?;
    let mut signals = Vec::new();

    let mut text = String::with_capacity(listing.title.len() + listing.description.len() + 64);
    text.push_str(&listing.title);
    text.push('\n');
    text.push_str(&listing.description);
    for (k, v) in &listing.attributes {
        text.push('\n');
        text.push_str(k);
        text.push_str(": ");
        text.push_str(v);
    }
    let lowered = text.to_lowercase();
    let mut found = Found::default();
    scan(&lowered, &mut found);
    let category = listing.category.to_lowercase();
    scan(&category, &mut found);
    // A battery or a charger inside a product (a camera "body, battery and charger", a
    // scale "2 x AAA batteries included") does not make it a battery or a charger.
    found.regulated.retain(|class| {
        !matches!(*class, "batteries" | "electrical") || sells(class, &listing.title, &category)
    });
    if let Some(b) = &listing.brand {
        let b = b.to_lowercase();
        let mut brand_found = Found::default();
        scan(&b, &mut brand_found);
        for x in brand_found.brands {
            push_new(&mut found.brands, x);
        }
    }

    let price = listing.price;
    let peer_median;
    let ratio = {
        let peers: Vec<i64> = listing
            .peer_prices
            .iter()
            .map(|m| m.amount_minor())
            .collect();
        if peers.len() >= config.peers_min {
            let (median, mad) = median_mad(&peers);
            peer_median = Money::from_minor(median.round() as i64, price.currency()).ok();
            let x = price.amount_minor() as f64;
            let ratio = if median > 0.0 { x / median } else { 1.0 };
            // A floor under the spread: identical peers (MAD 0) would make a cent's
            // difference an outlier.
            let scale = mad.max(median * MAD_FLOOR_OF_MEDIAN);
            let z = if scale > 0.0 {
                0.6745 * (x - median) / scale
            } else {
                0.0
            };
            price_anomaly(&mut signals, listing, median, ratio, z, config);
            Some(ratio)
        } else {
            peer_median = None;
            None
        }
    };

    counterfeit(&mut signals, listing, &found, ratio, config);
    compliance(&mut signals, listing, &text, &found, store_age_days, config);
    materials(&mut signals, listing, &found);
    quality(&mut signals, listing, &lowered);
    if let Some(s) = &seller {
        signals.extend(s.assessment.signals().iter().cloned());
    }
    Ok(ListingAssessment {
        assessment: Assessment::combine(signals, &config.thresholds),
        peer_median,
        seller,
    })
}

fn money_text(m: Money) -> String {
    format!("{} {}", m.decimal(), m.currency())
}

fn price_anomaly(
    signals: &mut Vec<Finding>,
    listing: &Listing,
    median: f64,
    ratio: f64,
    z: f64,
    config: &ListingConfig,
) {
    if z >= config.robust_z_min {
        return;
    }
    let median_money = Money::from_minor(median.round() as i64, listing.price.currency())
        .map(money_text)
        .unwrap_or_default();
    let (severity, score) = if ratio < 0.25 {
        (Severity::High, 0.85)
    } else if ratio < config.far_under_ratio {
        (Severity::Medium, 0.65)
    } else {
        (Severity::Low, 0.35)
    };
    signals.push(Finding::new(
        Kind::PriceAnomaly,
        severity,
        score,
        format!("{} vs median {median_money}", money_text(listing.price)),
        format!(
            "priced at {:.0}% of the median of {} comparable listings ({median_money}): too good to be true",
            ratio * 100.0,
            listing.peer_prices.len()
        ),
    ));
}

fn counterfeit(
    signals: &mut Vec<Finding>,
    listing: &Listing,
    found: &Found,
    ratio: Option<f64>,
    config: &ListingConfig,
) {
    let brand = found.brands.first().map(|b| b.0);
    // Words with honest uses ("fake plants") count only beside a brand name.
    let copy_of_brand = found.copy.first().filter(|_| brand.is_some());
    if let Some(&term) = found.replica.first().or(copy_of_brand) {
        let (severity, score) = if brand.is_some() {
            (Severity::Critical, 0.95)
        } else {
            (Severity::High, 0.85)
        };
        signals.push(Finding::new(
            Kind::CounterfeitRisk,
            severity,
            score,
            term,
            match brand {
                Some(b) => {
                    format!("calls the item \"{term}\" and names {b}: a copy of a brand's goods")
                }
                None => format!("calls the item \"{term}\": the seller says it is a copy"),
            },
        ));
    }
    let far_under = ratio.is_some_and(|r| r < config.far_under_ratio);
    if let (Some(b), true) = (brand, far_under) {
        signals.push(Finding::new(
            Kind::CounterfeitRisk,
            Severity::High,
            0.8,
            b,
            format!(
                "{b} goods at {:.0}% of what comparable listings cost: genuine brand goods are not sold this cheap",
                ratio.unwrap_or(1.0) * 100.0
            ),
        ));
    } else if let Some(&(b, _)) = found.brands.iter().find(|(_, luxury)| *luxury) {
        let floor = usd_cents_in(listing.price.currency(), config.luxury_floor_usd_cents);
        if floor.is_some_and(|f| listing.price.amount_minor() < f) {
            signals.push(Finding::new(
                Kind::CounterfeitRisk,
                Severity::High,
                0.8,
                b,
                format!(
                    "{b} is a luxury brand whose genuine goods do not sell for {}",
                    money_text(listing.price)
                ),
            ));
        }
    }
    if let (Some(&term), Some(r)) = (found.original.first(), ratio) {
        if r < 0.6 && !(brand.is_some() && far_under) {
            signals.push(Finding::new(
                Kind::CounterfeitRisk,
                Severity::Medium,
                0.6,
                term,
                format!(
                    "claims \"{term}\" at {:.0}% of the peers' price: an authenticity claim with a big discount",
                    r * 100.0
                ),
            ));
        }
    }
    if let (Some(b), Some(claimed)) = (brand, &listing.brand) {
        let claimed_l = claimed.trim().to_lowercase();
        let b_l = b.to_lowercase();
        let generic = [
            "",
            "no brand",
            "nobrand",
            "none",
            "generic",
            "unbranded",
            "oem",
            "sin marca",
            "sem marca",
            "без бренда",
        ];
        if generic.contains(&claimed_l.as_str()) {
            signals.push(Finding::new(
                Kind::CounterfeitRisk,
                Severity::Medium,
                0.55,
                b,
                format!(
                    "uses the brand {b} in the listing but declares the item as \"{}\"",
                    claimed.trim()
                ),
            ));
        } else if !claimed_l.contains(&b_l)
            && !b_l.contains(&claimed_l)
            && !owner_of(b).is_some_and(|o| claimed_l.contains(&o.to_lowercase()))
        {
            signals.push(Finding::new(
                Kind::CounterfeitRisk,
                Severity::Low,
                0.4,
                b,
                format!(
                    "names {b} in the listing but declares the brand \"{}\"",
                    claimed.trim()
                ),
            ));
        }
    }
}

/// The brand that owns a product line ("iPhone": "Apple"), from the third field of
/// `data/brands.txt`.
fn owner_of(line: &str) -> Option<&'static str> {
    let lex = &*LEXICON;
    lex.terms
        .iter()
        .zip(&lex.entries)
        .find_map(|(term, entry)| match entry {
            Entry::Brand { owner, .. } if term.eq_ignore_ascii_case(line) => *owner,
            _ => None,
        })
}

/// A certificate reference: at least five letters and digits with a digit among them.
fn is_reference(s: &str) -> bool {
    let alnum = s.chars().filter(|c| c.is_alphanumeric()).count();
    alnum >= 5 && s.chars().any(|c| c.is_ascii_digit())
}

/// Whether the text cites a certificate, test report or FCC ID with a reference.
fn text_cites_certificate(text: &str) -> bool {
    let lower = text.to_lowercase();
    [
        "certificate",
        "cert no",
        "cert. no",
        "report no",
        "test report",
        "fcc id",
        "sgs",
    ]
    .iter()
    .any(|key| {
        lower.match_indices(key).any(|(i, _)| {
            let rest = &lower[i + key.len()..];
            let window: String = rest.chars().take(40).collect();
            window
                .split(|c: char| c.is_whitespace() || c == ':' || c == '#')
                .any(is_reference)
        })
    })
}

fn compliance(
    signals: &mut Vec<Finding>,
    listing: &Listing,
    text: &str,
    found: &Found,
    store_age_days: Option<i64>,
    config: &ListingConfig,
) {
    let lex = &*LEXICON;
    let mut uncited: Vec<String> = Vec::new();
    let mut claimed_any = false;
    for c in &listing.compliance_claims {
        claimed_any = true;
        if !c.certificate.as_deref().is_some_and(is_reference) {
            push_new(&mut uncited, c.mark.trim().to_string());
        }
    }
    let cites = text_cites_certificate(text);
    for m in lex.marks.find_iter(text) {
        if !on_word_boundaries(text, m.start(), m.end()) {
            continue;
        }
        claimed_any = true;
        let mark = MARKS[m.pattern().as_usize()];
        let already = listing
            .compliance_claims
            .iter()
            .any(|c| c.mark.eq_ignore_ascii_case(mark));
        if !cites && !already {
            push_new(&mut uncited, mark.to_string());
        }
    }
    let regulated = found.regulated.first().copied();
    if !uncited.is_empty() {
        let marks = uncited.join(", ");
        let (severity, score) = if regulated.is_some() {
            (Severity::High, 0.7)
        } else {
            (Severity::Medium, 0.5)
        };
        signals.push(Finding::new(
            Kind::ComplianceRisk,
            severity,
            score,
            marks.clone(),
            match regulated {
                Some(class) => format!(
                    "claims {marks} without a certificate reference, for a regulated product ({class}): ask for the certificate before buying"
                ),
                None => format!("claims {marks} without a certificate reference: the marks cannot be verified"),
            },
        ));
    }
    if text.to_lowercase().contains("fda approved") {
        signals.push(Finding::new(
            Kind::ComplianceRisk,
            Severity::High,
            0.7,
            "FDA approved",
            "says \"FDA approved\": the FDA does not approve cosmetics or most consumer goods, a false claim",
        ));
    }
    if let (Some(class), Some(age)) = (regulated, store_age_days) {
        if age < config.seller.young_store_days {
            signals.push(Finding::new(
                Kind::ComplianceRisk,
                Severity::Medium,
                0.55,
                format!("{class}, store {age} days old"),
                format!("a regulated product ({class}) from a store opened {age} days ago: no track record of safe goods"),
            ));
        }
    }
    if let Some(class) = regulated {
        if !claimed_any && matches!(class, "batteries" | "children" | "electrical") {
            signals.push(Finding::new(
                Kind::ComplianceRisk,
                Severity::Low,
                0.35,
                class,
                format!("a regulated product ({class}) sold without any safety mark (CE, UKCA, FCC, CPC)"),
            ));
        }
    }
}

fn materials(signals: &mut Vec<Finding>, listing: &Listing, found: &Found) {
    for &(claim, floor_usd_cents) in &found.materials {
        let Some(floor) = usd_cents_in(listing.price.currency(), floor_usd_cents) else {
            continue;
        };
        if listing.price.amount_minor() < floor {
            let floor_money = Money::from_minor(floor, listing.price.currency())
                .map(money_text)
                .unwrap_or_default();
            signals.push(Finding::new(
                Kind::CounterfeitRisk,
                Severity::High,
                0.75,
                claim,
                format!(
                    "claims \"{claim}\" at {}: under about {floor_money} the claim is not plausible",
                    money_text(listing.price)
                ),
            ));
            return;
        }
    }
}

const UNITS: [&str; 16] = [
    "mm", "cm", "m", "in", "inch", "inches", "\"", "ft", "ml", "l", "g", "kg", "oz", "lb", "lbs",
    "см",
];

/// Whether the text gives a measurement: a number followed by a unit.
fn has_measurement(lowered: &str) -> bool {
    let b = lowered.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.' || b[j] == b',') {
                j += 1;
            }
            let rest = lowered[j..].trim_start_matches(' ');
            if UNITS.iter().any(|u| {
                rest.starts_with(u)
                    && !rest[u.len()..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphabetic)
            }) {
                return true;
            }
            i = j;
        } else {
            i += 1;
        }
    }
    false
}

const MATERIAL_WORDS: [&str; 24] = [
    "material",
    "fabric",
    "composition",
    "cotton",
    "polyester",
    "leather",
    "metal",
    "plastic",
    "steel",
    "aluminum",
    "aluminium",
    "wood",
    "glass",
    "silicone",
    "nylon",
    "silk",
    "wool",
    "ceramic",
    "rubber",
    "abs",
    "alloy",
    "linen",
    "spandex",
    "acrylic",
];

fn quality(signals: &mut Vec<Finding>, listing: &Listing, lowered: &str) {
    let mut missing = Vec::new();
    let dims_attr = listing.attributes.iter().any(|(k, _)| {
        let k = k.to_lowercase();
        [
            "size",
            "dimension",
            "length",
            "width",
            "height",
            "weight",
            "capacity",
        ]
        .iter()
        .any(|w| k.contains(w))
    });
    if !dims_attr && !has_measurement(lowered) && listing.weight_g.is_none() {
        missing.push("no dimensions or size");
    }
    if !MATERIAL_WORDS.iter().any(|w| lowered.contains(w)) {
        missing.push("no materials");
    }
    if listing.shipping.is_none() {
        missing.push("no shipping terms");
    }
    if listing.photos < 3 {
        missing.push("fewer than 3 photos");
    }
    if listing.description.chars().count() < 40 {
        missing.push("almost no description");
    }
    // One gap alone ("no materials" on a phone) says little; two make a thin listing.
    if missing.len() >= 2 {
        let (severity, score) = if missing.len() >= 3 {
            (Severity::Medium, 0.5)
        } else {
            (Severity::Low, 0.25 + 0.05 * missing.len() as f64)
        };
        let list = missing.join(", ");
        signals.push(Finding::new(
            Kind::ListingQuality,
            severity,
            score,
            list.clone(),
            format!("thin listing: {list}; you cannot hold the seller to what it does not say"),
        ));
    }
    if let Some(s) = &listing.shipping {
        let cost = s.cost.amount_minor();
        let price = listing.price.amount_minor();
        if cost > 0 && cost * 2 > price {
            signals.push(Finding::new(
                Kind::ListingQuality,
                Severity::Medium,
                0.55,
                format!("shipping {} for {}", money_text(s.cost), money_text(listing.price)),
                "shipping costs more than half the item's price: the real price hides in the shipping",
            ));
        }
    }
}
