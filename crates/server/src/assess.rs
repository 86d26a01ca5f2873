//! The shopper's checks as the API and `marketguard assess` share them: the JSON
//! shapes of a seller's store figures, a listing and tracking numbers, their parsing
//! (every error names its field), and the results as JSON and as a short report a
//! person reads in ten seconds (verdict, context, reasons, what to do). The detectors
//! are in `risk`.

use std::collections::HashMap;
use std::io::BufRead;

use anyhow::{bail, Context};
use domain::{Currency, Money, Timestamp};
use risk::listing::{self, ComplianceClaim, Listing, ListingConfig, Shipping};
use risk::seller::{self, InputError, Rating, SellerConfig, SellerProfile};
use risk::tracking::{self, Place};
use risk::{Assessment, Finding, Kind, Thresholds, Verdict};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Longest JSON Lines line read, in bytes.
pub const LINE_BYTES_MAX: usize = 64 * 1024;
/// Days without carrier movement after which a parcel is stale, unless a line says.
pub const STALE_AFTER_DAYS_DEFAULT: u32 = 10;

/// One check's result: the JSON object and the report for people.
#[derive(Debug, Clone)]
pub struct Assessed {
    pub json: Value,
    pub text: String,
}

/// `risk`, `verdict` and `signals` (design.md section 5) to merge into an object.
pub fn assessment_fields(a: &Assessment) -> Map<String, Value> {
    match serde_json::to_value(crate::scan::AssessmentOut::from(a)) {
        Ok(Value::Object(map)) => map,
        _ => unreachable!("an assessment serialises to an object"),
    }
}

/// A person's reading of an assessment: the verdict first, then one line a reason,
/// then what to do about each kind found.
pub fn assessment_text(assessment: &Assessment) -> String {
    use std::fmt::Write;
    let mut out = format!(
        "{} (risk {}/100)\n",
        assessment.verdict().as_str().to_uppercase(),
        assessment.risk()
    );
    for s in assessment.signals() {
        let _ = write!(
            out,
            "  [{}] {}: {}",
            s.severity().as_str(),
            s.kind().as_str(),
            s.explanation()
        );
        if !s.excerpt().is_empty() {
            let _ = write!(out, " (\"{}\")", s.excerpt());
        }
        out.push('\n');
    }
    let mut seen = Vec::new();
    for s in assessment.signals() {
        if !seen.contains(&s.kind()) {
            seen.push(s.kind());
            let _ = writeln!(out, "  what to do: {}", advice(s.kind()));
        }
    }
    out
}

/// What a shopper should do about a signal of this kind.
pub fn advice(kind: Kind) -> &'static str {
    use Kind::*;
    match kind {
        OffsiteContact => "keep the conversation in the platform's chat: off it, nobody can see what was promised",
        OffsitePayment => "pay only through the platform's checkout: money sent any other way cannot be refunded",
        PhishingLink => "do not open the link or sign in through it; open the app or type the address yourself",
        CredentialRequest => "never give a password, code or card details in a chat; the platform never asks",
        SensitiveDataShared => "change that password or call your bank now, and delete the message if you can",
        ExtraCharge => "do not pay: the price you paid covers delivery; report the demand to the platform",
        DisputeClosurePressure => "keep your dispute open until you have your refund or the item: a closed dispute cannot be reopened",
        ConfirmReceiptPressure => "confirm receipt only when the item is in your hands and works",
        ReviewManipulation => "write the review you would have written anyway, and report the offer",
        UrgencyPressure => "take your time: real deadlines are shown in your order page, not in a chat",
        PlatformImpersonation => "the platform writes only through its own notifications: report the message",
        _ => "check it before you act",
    }
}

/// JSON into `T`, with the path of the offending field in the error.
pub fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> anyhow::Result<T> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            anyhow::anyhow!("{inner}")
        } else {
            anyhow::anyhow!("{path}: {inner}")
        }
    })
}

pub fn field_error(e: InputError) -> anyhow::Error {
    anyhow::anyhow!("{}: {}", e.field, e.problem)
}

/// A count that must not be negative.
fn count(field: &str, v: i64) -> anyhow::Result<u64> {
    u64::try_from(v).map_err(|_| anyhow::anyhow!("{field}: must not be negative, got {v}"))
}

fn opt_count(field: &str, v: Option<i64>) -> anyhow::Result<Option<u64>> {
    v.map(|v| count(field, v)).transpose()
}

fn currency(field: &str, code: &str) -> anyhow::Result<Currency> {
    Currency::parse(code).map_err(|e| anyhow::anyhow!("{field}: {e}"))
}

/// An amount given as a string ("19.99") or a JSON number (19.99), parsed exactly.
fn money(field: &str, v: &Value, currency: Currency) -> anyhow::Result<Money> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => bail!("{field}: expected an amount like \"19.99\", got {other}"),
    };
    Money::parse(&text, currency).map_err(|e| anyhow::anyhow!("{field}: {e}"))
}

fn date(field: &str, text: &str) -> anyhow::Result<Timestamp> {
    Timestamp::parse(text)
        .map_err(|_| anyhow::anyhow!("{field}: {text:?} is not a date (YYYY-MM-DD or RFC 3339)"))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RatingInput {
    average: f64,
    count: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DetailedRatingsInput {
    item_as_described: Option<RatingInput>,
    communication: Option<RatingInput>,
    shipping_speed: Option<RatingInput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SellerInput {
    #[serde(default)]
    name: Option<String>,
    opened: String,
    positive_feedback_pct: f64,
    feedback_count: i64,
    items_sold: i64,
    orders: Option<i64>,
    repeat_buyers_pct: Option<f64>,
    #[serde(default)]
    detailed_ratings: DetailedRatingsInput,
    dispute_rate_pct: Option<f64>,
    on_time_pct: Option<f64>,
    listings: Option<i64>,
    #[serde(default)]
    badges: Vec<String>,
    /// Currency of `price_max` and `expensive_from`.
    currency: Option<String>,
    price_max: Option<Value>,
    expensive_from: Option<Value>,
}

impl SellerInput {
    /// The profile and the rule settings it implies; `prefix` names the object in
    /// errors ("seller." inside a listing).
    pub fn parse(self, prefix: &str) -> anyhow::Result<(SellerProfile, SellerConfig)> {
        let f = |name: &str| format!("{prefix}{name}");
        let opened = date(&f("opened"), &self.opened)?;
        let mut p = SellerProfile::new(
            opened,
            self.positive_feedback_pct,
            count(&f("feedback_count"), self.feedback_count)?,
            count(&f("items_sold"), self.items_sold)?,
        );
        p.orders = opt_count(&f("orders"), self.orders)?;
        p.repeat_buyers_pct = self.repeat_buyers_pct;
        let rating = |name: &str, r: Option<RatingInput>| -> anyhow::Result<Option<Rating>> {
            r.map(|r| {
                Ok(Rating {
                    average: r.average,
                    count: count(&f(&format!("detailed_ratings.{name}.count")), r.count)?,
                })
            })
            .transpose()
        };
        let d = self.detailed_ratings;
        p.item_as_described = rating("item_as_described", d.item_as_described)?;
        p.communication = rating("communication", d.communication)?;
        p.shipping_speed = rating("shipping_speed", d.shipping_speed)?;
        p.dispute_rate_pct = self.dispute_rate_pct;
        p.on_time_pct = self.on_time_pct;
        p.listings = opt_count(&f("listings"), self.listings)?;
        p.badges = self.badges;
        let mut config = SellerConfig::default();
        if self.price_max.is_some() || self.expensive_from.is_some() {
            let Some(code) = &self.currency else {
                bail!(
                    "{}: required with price_max or expensive_from",
                    f("currency")
                );
            };
            let cur = currency(&f("currency"), code)?;
            p.price_max = self
                .price_max
                .as_ref()
                .map(|v| money(&f("price_max"), v, cur))
                .transpose()?;
            config.expensive_from = self
                .expensive_from
                .as_ref()
                .map(|v| money(&f("expensive_from"), v, cur))
                .transpose()?;
        } else if let Some(code) = &self.currency {
            currency(&f("currency"), code)?;
        }
        Ok((p, config))
    }
}

/// A store's profile from the ratings the engine computes over its orders. Orders
/// stand in for items sold: the engine does not count quantities.
pub fn profile_from_ratings(opened: Timestamp, r: &protection::SellerRatings) -> SellerProfile {
    let pct = |rate: protection::Rate| rate.value().map(|v| v * 100.0);
    let rating = |a: protection::Average| {
        a.value.map(|average| Rating {
            average,
            count: a.count,
        })
    };
    let mut p = SellerProfile::new(
        opened,
        pct(r.positive_share).unwrap_or(0.0),
        r.positive + r.negative,
        r.orders,
    );
    p.orders = Some(r.orders);
    p.repeat_buyers_pct = pct(r.repeat_buyers);
    p.item_as_described = rating(r.item_as_described);
    p.communication = rating(r.communication);
    p.shipping_speed = rating(r.shipping_speed);
    p.dispute_rate_pct = pct(r.dispute_rate);
    p.on_time_pct = pct(r.on_time_shipping);
    p
}

/// A seller from its profile: trust score, tier, reasons, what to do.
pub fn seller_report(
    name: Option<&str>,
    profile: &SellerProfile,
    config: &SellerConfig,
    now: Timestamp,
) -> anyhow::Result<Assessed> {
    let a = seller::assess(profile, now, config).map_err(field_error)?;
    let mut o = Map::new();
    if let Some(n) = name {
        o.insert("name".into(), n.into());
    }
    o.insert("trust_score".into(), a.trust_score.into());
    o.insert("tier".into(), a.tier.as_str().into());
    o.insert(
        "positive_lower_bound_pct".into(),
        json!((a.positive_lower_bound * 1000.0).round() / 10.0),
    );
    o.extend(assessment_fields(&a.assessment));
    o.insert(
        "advice".into(),
        json!(seller_advice(a.assessment.verdict())),
    );
    let subject = match name {
        Some(n) => format!("seller {n:?}"),
        None => "this seller".to_string(),
    };
    let evidence = if profile.feedback_count == 0 {
        "no ratings yet".to_string()
    } else {
        format!(
            "at least {:.0}% positive with 95% confidence from {} ratings",
            a.positive_lower_bound * 100.0,
            profile.feedback_count
        )
    };
    let context = format!(
        "{subject}: trust {}/100 ({}); {evidence}",
        a.trust_score,
        a.tier.as_str().replace('_', " "),
    );
    let text = report(
        &a.assessment,
        &context,
        &seller_advice(a.assessment.verdict()),
    );
    Ok(Assessed {
        json: Value::Object(o),
        text,
    })
}

/// A seller from the JSON of its store figures.
pub fn seller_from_input(input: SellerInput, now: Timestamp) -> anyhow::Result<Assessed> {
    let name = input.name.clone();
    let (profile, config) = input.parse("")?;
    seller_report(name.as_deref(), &profile, &config, now)
}

/// Most reasons shown in a text report: it must read in ten seconds.
pub const REASONS_SHOWN_MAX: usize = 6;

/// Verdict line, context line, the strongest reasons, then what to do.
pub fn report(a: &Assessment, context: &str, advice: &[String]) -> String {
    let text = assessment_text(a);
    let (verdict, reasons) = text.split_once('\n').unwrap_or((&text, ""));
    let mut out = format!("{verdict}\n{context}\n");
    let reasons: Vec<&str> = reasons.lines().filter(|l| !l.trim().is_empty()).collect();
    if reasons.is_empty() {
        out.push_str("No warning signs found.\n");
    } else {
        out.push_str("Why:\n");
        // Signals come sorted by severity, so the cut keeps the strongest.
        for line in reasons.iter().take(REASONS_SHOWN_MAX) {
            out.push_str(line);
            out.push('\n');
        }
        if reasons.len() > REASONS_SHOWN_MAX {
            out.push_str(&format!(
                "  ... and {} more (--format json lists all)\n",
                reasons.len() - REASONS_SHOWN_MAX
            ));
        }
    }
    out.push_str("What to do:\n");
    for line in advice {
        out.push_str("  - ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn seller_advice(v: Verdict) -> Vec<String> {
    let keep = "pay only through the marketplace and keep all messages there: buyer protection covers nothing paid or agreed elsewhere".to_string();
    match v {
        Verdict::Allow => vec![keep],
        Verdict::Warn => vec![
            "buy only what you could afford to wait for in a dispute; prefer a store with a longer record for expensive items".into(),
            keep,
        ],
        Verdict::Review | Verdict::Block => vec![
            "do not buy from this store, above all nothing expensive".into(),
            "if you already paid: never confirm receipt before the item arrives, and open a dispute before the protection period ends".into(),
            keep,
        ],
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimInput {
    mark: String,
    certificate: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ClaimOrMark {
    Claim(ClaimInput),
    Mark(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShippingInput {
    cost: Value,
    days_max: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListingInput {
    title: String,
    #[serde(default)]
    description: String,
    price: Value,
    currency: String,
    category: String,
    brand: Option<String>,
    photos: i64,
    #[serde(default)]
    attributes: Map<String, Value>,
    #[serde(default)]
    compliance_claims: Vec<ClaimOrMark>,
    shipping: Option<ShippingInput>,
    weight_g: Option<i64>,
    #[serde(default)]
    peer_prices: Vec<Value>,
    seller: Option<SellerInput>,
}

/// A listing from its JSON.
pub fn listing_report(input: ListingInput, now: Timestamp) -> anyhow::Result<Assessed> {
    let cur = currency("currency", &input.currency)?;
    let price = money("price", &input.price, cur)?;
    let photos = count("photos", input.photos)?;
    let shipping = input
        .shipping
        .map(|s| {
            Ok::<_, anyhow::Error>(Shipping {
                cost: money("shipping.cost", &s.cost, cur)?,
                days_max: opt_count("shipping.days_max", s.days_max)?
                    .map(|d| u32::try_from(d).unwrap_or(u32::MAX)),
            })
        })
        .transpose()?;
    let peer_prices = input
        .peer_prices
        .iter()
        .enumerate()
        .map(|(i, v)| money(&format!("peer_prices[{i}]"), v, cur))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let attributes = input
        .attributes
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, v)
        })
        .collect();
    let compliance_claims = input
        .compliance_claims
        .into_iter()
        .map(|c| match c {
            ClaimOrMark::Claim(c) => ComplianceClaim {
                mark: c.mark,
                certificate: c.certificate,
            },
            ClaimOrMark::Mark(mark) => ComplianceClaim {
                mark,
                certificate: None,
            },
        })
        .collect();
    let seller = input.seller.map(|s| s.parse("seller.")).transpose()?;
    let listing = Listing {
        title: input.title,
        description: input.description,
        price,
        category: input.category,
        brand: input.brand,
        photos: u32::try_from(photos).unwrap_or(u32::MAX),
        attributes,
        compliance_claims,
        shipping,
        weight_g: opt_count("weight_g", input.weight_g)?,
        peer_prices,
    };
    let mut config = ListingConfig::default();
    if let Some((_, seller_config)) = &seller {
        config.seller = seller_config.clone();
    }
    let a = listing::assess(&listing, seller.as_ref().map(|(p, _)| p), now, &config)
        .map_err(field_error)?;
    let advice = listing_advice(&a.assessment);
    let mut o = Map::new();
    o.insert("title".into(), listing.title.as_str().into());
    o.extend(assessment_fields(&a.assessment));
    o.insert(
        "peer_median".into(),
        a.peer_median.map_or(Value::Null, |m| m.decimal().into()),
    );
    if let Some(s) = &a.seller {
        o.insert(
            "seller".into(),
            json!({"trust_score": s.trust_score, "tier": s.tier.as_str()}),
        );
    }
    o.insert("advice".into(), json!(advice));
    let mut context = format!(
        "listing {:?} at {} {}",
        listing.title,
        listing.price.decimal(),
        cur
    );
    if let Some(m) = a.peer_median {
        context.push_str(&format!("; comparable listings: median {}", m.decimal()));
    }
    if let Some(s) = &a.seller {
        context.push_str(&format!("; seller trust {}/100", s.trust_score));
    }
    let text = report(&a.assessment, &context, &advice);
    Ok(Assessed {
        json: Value::Object(o),
        text,
    })
}

pub fn listing_advice(a: &Assessment) -> Vec<String> {
    let has = |k: Kind| a.signals().iter().any(|s| s.kind() == k);
    let mut out = Vec::new();
    if has(Kind::CounterfeitRisk) {
        out.push("expect a copy, not the brand's product: buy brand goods from the brand's official store".to_string());
    }
    if has(Kind::PriceAnomaly) {
        out.push("a price far under everyone else's is the bait of fake stores: do not pay outside the marketplace to get it".into());
    }
    if has(Kind::ComplianceRisk) {
        out.push("ask the seller for the certificate number and check it with the issuing body; avoid uncertified chargers, batteries and children's products".into());
    }
    if has(Kind::ListingQuality) {
        out.push("ask for the missing details in the marketplace's chat, so the answer counts as evidence in a not-as-described dispute".into());
    }
    if has(Kind::SellerRisk) {
        out.push("check the seller's record before paying (marketguard assess seller)".into());
    }
    if out.is_empty() {
        out.push(
            "buy as usual, paying through the marketplace so that buyer protection applies".into(),
        );
    }
    out
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
/// A tracking number with what is known of its order (only `number` is needed).
pub struct TrackingLine {
    pub number: String,
    pub order_id: Option<String>,
    pub order_country: Option<String>,
    pub order_postal_code: Option<String>,
    pub ship_from: Option<String>,
    pub delivered_country: Option<String>,
    pub delivered_postal_code: Option<String>,
    pub other_orders: Option<i64>,
    pub days_since_last_event: Option<i64>,
    pub stale_after_days: Option<i64>,
    pub carrier_weight_g: Option<i64>,
    pub expected_weight_g: Option<i64>,
}

/// Tracking numbers with their order context; `lines_numbered` names errors by line
/// ("line 3: other_orders: ...").
pub fn tracking_report(
    lines: &[TrackingLine],
    lines_numbered: bool,
) -> anyhow::Result<Vec<Assessed>> {
    // A number given for several orders of the input counts as reused.
    let mut orders_by_number: HashMap<String, Vec<&str>> = HashMap::new();
    for l in lines {
        if let Some(id) = &l.order_id {
            let ids = orders_by_number
                .entry(tracking::normalize(&l.number))
                .or_default();
            if !ids.contains(&id.as_str()) {
                ids.push(id);
            }
        }
    }
    let thresholds = Thresholds::default();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let at = |field: &str| {
            if lines_numbered {
                format!("line {}: {field}", i + 1)
            } else {
                field.to_string()
            }
        };
        let check = tracking::validate(&l.number);
        let mut signals: Vec<Finding> = check.signal(&l.number).into_iter().collect();
        let in_input = l.order_id.as_ref().map_or(0, |_| {
            orders_by_number
                .get(&tracking::normalize(&l.number))
                .map_or(0, |ids| ids.len().saturating_sub(1))
        });
        let other = opt_count(&at("other_orders"), l.other_orders)?.unwrap_or(0) as usize;
        signals.extend(tracking::reused(&l.number, other.max(in_input)));
        if let (Some(order), Some(delivered)) = (&l.order_country, &l.delivered_country) {
            signals.extend(tracking::delivered_elsewhere(
                Place {
                    country: order,
                    postal_code: l.order_postal_code.as_deref(),
                },
                Place {
                    country: delivered,
                    postal_code: l.delivered_postal_code.as_deref(),
                },
            ));
        }
        if let (Some(from), Some(to)) = (&l.ship_from, &l.order_country) {
            signals.extend(tracking::issued_at_destination(&check, from, to));
        }
        if let Some(days) = opt_count(&at("days_since_last_event"), l.days_since_last_event)? {
            let limit = opt_count(&at("stale_after_days"), l.stale_after_days)?
                .map_or(STALE_AFTER_DAYS_DEFAULT, |d| {
                    u32::try_from(d).unwrap_or(u32::MAX)
                });
            signals.extend(tracking::stale(
                u32::try_from(days).unwrap_or(u32::MAX),
                limit,
            ));
        }
        if let (Some(c), Some(e)) = (
            opt_count(&at("carrier_weight_g"), l.carrier_weight_g)?,
            opt_count(&at("expected_weight_g"), l.expected_weight_g)?,
        ) {
            signals.extend(tracking::weight_mismatch(c, e));
        }
        let a = Assessment::combine(signals, &thresholds);
        let mut o = Map::new();
        o.insert("number".into(), l.number.as_str().into());
        if let Some(id) = &l.order_id {
            o.insert("order_id".into(), id.as_str().into());
        }
        o.insert("format_valid".into(), check.format_valid.into());
        o.insert(
            "carrier".into(),
            check.carrier.map_or(Value::Null, |c| c.as_str().into()),
        );
        if let Some(s) = check.service {
            o.insert("service".into(), s.into());
        }
        if let Some(c) = check.origin_country_str() {
            o.insert("origin_country".into(), c.into());
        }
        o.extend(assessment_fields(&a));
        let what = match check.carrier {
            Some(c) => {
                let mut s = format!(
                    "{} is a well-formed number of {}",
                    l.number,
                    c.display_name()
                );
                if let Some(country) = check.origin_country_str() {
                    s.push_str(&format!(", issued in {country}"));
                }
                s
            }
            None => format!("{} is not a valid tracking number", l.number),
        };
        out.push(Assessed {
            json: Value::Object(o),
            text: report(&a, &what, &tracking_advice(&a, check.format_valid)),
        });
    }
    Ok(out)
}

pub fn read_tracking_lines(input: impl BufRead) -> anyhow::Result<Vec<TrackingLine>> {
    let mut lines = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let line = line.context("failed to read stdin")?;
        if line.len() > LINE_BYTES_MAX {
            bail!("line {}: longer than {LINE_BYTES_MAX} bytes", i + 1);
        }
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if t.starts_with('{') {
            lines.push(from_json(t).with_context(|| format!("line {}", i + 1))?);
        } else {
            lines.push(TrackingLine {
                number: t.to_string(),
                ..TrackingLine::default()
            });
        }
    }
    Ok(lines)
}

pub fn tracking_advice(a: &Assessment, format_valid: bool) -> Vec<String> {
    let has = |k: Kind| a.signals().iter().any(|s| s.kind() == k);
    let mut out = Vec::new();
    if !format_valid {
        out.push("ask the seller in the marketplace's chat for the correct number and the carrier's name".to_string());
    }
    if has(Kind::FakeTracking) {
        out.push("do not confirm receipt; if the parcel does not arrive, open a not-received dispute before the protection period ends and attach this report".into());
    }
    if has(Kind::ShipAndSwitch) {
        out.push("when it arrives, film the unboxing and weigh the parcel: a wrong-item dispute needs the evidence".into());
    }
    if out.is_empty() {
        out.push("follow the parcel on the carrier's own site; confirm receipt only once you hold the item".into());
    }
    out
}

fn round(x: f32, places: i32) -> f64 {
    let m = 10f64.powi(places);
    (x as f64 * m).round() / m
}

fn card_json(c: &reviews::Card) -> serde_json::Map<String, serde_json::Value> {
    let mut o = serde_json::Map::new();
    o.insert("rating".into(), round(c.rating, 2).into());
    o.insert(
        "adjusted_rating".into(),
        c.adjusted_rating.map(|x| round(x, 2)).into(),
    );
    o.insert("reviews".into(), c.reviews.into());
    o.insert("remaining".into(), c.remaining.into());
    o.insert("grade".into(), c.grade.to_string().into());
    o.extend(assessment_fields(&reviews::card::assessment(
        c,
        &risk::Thresholds::default(),
    )));
    o.insert(
        "tests".into(),
        c.tests
            .iter()
            .map(|t| json!({"name": t.name, "result": t.result.as_str(), "detail": t.detail}))
            .collect(),
    );
    o
}

/// The contract's JSON: reviewers with suspicion and reasons, products with ratings,
/// grade and tests; sellers beside them when the file names sellers. Written one
/// element at a time, so that a million reviews never become one tree in memory.
pub fn reviews_json(
    out: &mut impl std::io::Write,
    data: &reviews::Reviews,
    report: &reviews::Report,
) -> std::io::Result<()> {
    out.write_all(b"{\"reviewers\":[")?;
    for (u, s) in report.reviewers.iter().enumerate() {
        if u > 0 {
            out.write_all(b",")?;
        }
        let reviewer = json!({
            "reviewer_id": data.reviewer_name(u),
            "suspicion": round(s.score, 3),
            "reasons": s.reasons.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
            "reason_codes": s.reasons.iter().map(|r| r.code()).collect::<Vec<_>>(),
        });
        serde_json::to_writer(&mut *out, &reviewer)?;
    }
    for (key, id, cards) in [
        ("products", "product_id", &report.products),
        ("sellers", "seller_id", &report.sellers),
    ] {
        write!(out, "],\"{key}\":[")?;
        for (i, c) in cards.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            let mut o = card_json(c);
            let name = if key == "products" {
                data.product_name(i)
            } else {
                data.seller_name(i)
            };
            o.insert(id.into(), name.into());
            serde_json::to_writer(&mut *out, &serde_json::Value::Object(o))?;
        }
    }
    out.write_all(b"]}\n")?;
    Ok(())
}

// ---- Handlers ----

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;

use crate::{ApiError, AppState, Caller, Problem};

/// Largest review CSV accepted by `POST /v1/assess/reviews`, in bytes.
pub const REVIEWS_CSV_BYTES_MAX: usize = 16 * 1024 * 1024;

fn body_json<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::BadRequest("the body is not UTF-8".into()))?;
    from_json(text).map_err(|e| ApiError::BadRequest(format!("{e:#}")))
}

fn bad(e: anyhow::Error) -> ApiError {
    ApiError::BadRequest(format!("{e:#}"))
}

/// A seller from its store figures (the JSON of `marketguard assess seller`): trust
/// score 0-100, tier, risk, verdict, signals and advice.
#[utoipa::path(
    post,
    path = "/v1/assess/seller",
    request_body(content = Object, description = "store figures: opened, positive_feedback_pct, feedback_count, items_sold, ... (see examples/seller.json)"),
    responses(
        (status = 200, body = Object),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
pub(crate) async fn assess_seller(
    State(state): State<AppState>,
    _caller: Caller,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let input: SellerInput = body_json(&body)?;
    let done = seller_from_input(input, state.clock.now()).map_err(bad)?;
    Ok(Json(done.json))
}

/// A listing (the JSON of `marketguard assess listing`): price against peers,
/// counterfeit and compliance risks, implausible materials, listing quality.
#[utoipa::path(
    post,
    path = "/v1/assess/listing",
    request_body(content = Object, description = "title, description, price, currency, category, brand, photos, ... (see examples/listing.json)"),
    responses(
        (status = 200, body = Object),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
pub(crate) async fn assess_listing(
    State(state): State<AppState>,
    _caller: Caller,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let input: ListingInput = body_json(&body)?;
    let done = listing_report(input, state.clock.now()).map_err(bad)?;
    Ok(Json(done.json))
}

/// One tracking number with what is known of its order (`number`, and optionally
/// order_country, delivered_country, other_orders, days_since_last_event,
/// carrier_weight_g, expected_weight_g, ...).
#[utoipa::path(
    post,
    path = "/v1/assess/tracking",
    request_body(content = Object, description = "{\"number\": \"RB123456785GB\", ...}"),
    responses(
        (status = 200, body = Object),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
pub(crate) async fn assess_tracking(_caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    let line: TrackingLine = body_json(&body)?;
    let mut done = tracking_report(std::slice::from_ref(&line), false).map_err(bad)?;
    Ok(Json(done.remove(0).json))
}

/// Reviews uploaded as CSV (`text/csv`, the columns of `marketguard assess
/// reviews`): reviewers with suspicion and reasons, products and sellers with report
/// cards, adjusted ratings and grades. A bad cell refuses the whole file, naming its
/// line and column.
#[utoipa::path(
    post,
    path = "/v1/assess/reviews",
    request_body(content = String, content_type = "text/csv", description = "CSV with a header: reviewer_id, product_id, rating required"),
    responses(
        (status = 200, body = Object),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
pub(crate) async fn assess_reviews(
    _caller: Caller,
    body: Bytes,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let out = tokio::task::spawn_blocking(move || {
        let data =
            reviews::parse_csv(&body[..]).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let report = reviews::assess(&data);
        let mut out = Vec::new();
        reviews_json(&mut out, &data, &report).map_err(|e| ApiError::Internal(e.into()))?;
        Ok::<_, ApiError>(out)
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))??;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        out,
    )
        .into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct StoreQuery {
    /// When the store opened (YYYY-MM-DD or RFC 3339): the engine does not know it.
    opened: String,
}

/// A seller assessed from the engine's own figures of its orders (store ratings as
/// of now), as `marketguard assess seller --store ID` does.
#[utoipa::path(
    get,
    path = "/v1/sellers/{seller_id}/assessment",
    params(("seller_id" = String, Path, description = "The seller id"), StoreQuery),
    responses(
        (status = 200, body = Object),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
pub(crate) async fn seller_assessment(
    State(state): State<AppState>,
    _caller: Caller,
    axum::extract::Path(seller_id): axum::extract::Path<String>,
    query: Result<axum::extract::Query<StoreQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let axum::extract::Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let seller =
        domain::SellerId::parse(&seller_id).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let opened = date("opened", &q.opened).map_err(bad)?;
    let now = state.clock.now();
    let ratings = state
        .engine
        .seller_ratings(&seller, now, &protection::RatingPolicy::default())
        .await?;
    let profile = profile_from_ratings(opened, &ratings);
    let done =
        seller_report(Some(&seller_id), &profile, &SellerConfig::default(), now).map_err(bad)?;
    Ok(Json(done.json))
}
