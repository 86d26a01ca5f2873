//! `marketguard assess seller|listing|tracking`: a shopper's checks before and after
//! buying, on figures from a store page, a listing or a tracking number. The input's
//! JSON shapes live here; the detectors are in `risk`.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use domain::{Clock, Currency, Money, SystemClock, Timestamp};
use risk::listing::{self, ComplianceClaim, Listing, ListingConfig, Shipping};
use risk::seller::{self, InputError, Rating, SellerConfig, SellerProfile};
use risk::tracking::{self, Place};
use risk::{Assessment, Kind, Signal, Thresholds, Verdict};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::report::{assessment_fields, assessment_text};
use crate::Format;

/// Largest input file read, in bytes.
pub const INPUT_BYTES_MAX: u64 = 4 * 1024 * 1024;
/// Longest JSON Lines line read from stdin, in bytes.
pub const LINE_BYTES_MAX: usize = 64 * 1024;
/// Days without carrier movement after which a parcel is stale, unless a line says.
pub const STALE_AFTER_DAYS_DEFAULT: u32 = 10;

#[derive(Debug, Subcommand)]
pub enum AssessCommand {
    /// A seller from its store page figures (JSON): trust score 0-100 with a lower
    /// confidence bound for few ratings, tier, reasons and what to do.
    Seller(SellerArgs),
    /// A listing (JSON): price against peers, counterfeit words and brands,
    /// compliance claims without certificates, implausible materials, thin listings.
    Listing(ListingArgs),
    /// Tracking numbers: carrier format and check digit (UPU S10, UPS, USPS, FedEx,
    /// DHL, Cainiao, YunExpress, 4PX). With `-`, reads JSON Lines from stdin: `number`
    /// and optional order context (order_id, order_country, order_postal_code,
    /// ship_from, delivered_country, delivered_postal_code, other_orders,
    /// days_since_last_event, stale_after_days, carrier_weight_g, expected_weight_g).
    /// A number given for several order_ids of the input counts as reused. JSON Lines
    /// out with `--format json`, one a number, in input order.
    Tracking(TrackingArgs),
    /// Which reviews to believe: each reviewer's suspicion (0-1) with reasons, and per
    /// product (and seller) a report card of tests, an adjusted rating from the
    /// trusted reviews, and a grade A-F.
    Reviews(super::reviews::ReviewsArgs),
}

#[derive(Debug, Args)]
pub struct SellerArgs {
    /// JSON file with the store's figures (see examples/seller.json).
    #[arg(required_unless_present = "store")]
    file: Option<PathBuf>,
    /// Instead of a file: the seller id of a store whose orders the engine holds
    /// (its ratings as `sellers profile` computes them).
    #[arg(long, conflicts_with = "file", requires = "opened")]
    store: Option<String>,
    /// With --store: the date the store opened (YYYY-MM-DD), which orders cannot tell.
    #[arg(long)]
    opened: Option<String>,
    /// With --store: sqlite://FILE or postgres://USER@HOST/DB
    #[arg(long, env = "MARKETGUARD_DATABASE_URL", default_value = super::DEFAULT_DATABASE_URL)]
    database_url: String,
    /// Assess as of this date (RFC 3339 or YYYY-MM-DD) instead of now.
    #[arg(long)]
    as_of: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Args)]
pub struct ListingArgs {
    /// JSON file with the listing (see examples/listing.json).
    file: PathBuf,
    /// Assess as of this date (RFC 3339 or YYYY-MM-DD) instead of now.
    #[arg(long)]
    as_of: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Args)]
pub struct TrackingArgs {
    /// Tracking numbers, or `-` to read JSON Lines (or one number a line) from stdin.
    #[arg(required = true)]
    numbers: Vec<String>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(command: AssessCommand) -> anyhow::Result<ExitCode> {
    match command {
        AssessCommand::Seller(args) => seller_cmd(args),
        AssessCommand::Listing(args) => listing_cmd(args),
        AssessCommand::Tracking(args) => tracking_cmd(args),
        AssessCommand::Reviews(args) => super::reviews::run(args),
    }
}

fn now(as_of: Option<&str>) -> anyhow::Result<Timestamp> {
    match as_of {
        Some(t) => Timestamp::parse(t).context("--as-of"),
        None => Ok(SystemClock.now()),
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> anyhow::Result<T> {
    use std::io::Read;
    let file =
        std::fs::File::open(path).with_context(|| format!("failed to open {}", path.display()))?;
    let mut text = String::new();
    file.take(INPUT_BYTES_MAX + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("failed to read {}", path.display()))?;
    if text.len() as u64 > INPUT_BYTES_MAX {
        bail!("{}: larger than {INPUT_BYTES_MAX} bytes", path.display());
    }
    from_json(&text).with_context(|| format!("{}", path.display()))
}

/// JSON into `T`, with the path of the offending field in the error.
fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> anyhow::Result<T> {
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

fn field_error(e: InputError) -> anyhow::Error {
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
struct SellerInput {
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
    fn parse(self, prefix: &str) -> anyhow::Result<(SellerProfile, SellerConfig)> {
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
fn profile_from_ratings(opened: Timestamp, r: &protection::SellerRatings) -> SellerProfile {
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

fn store_profile(
    seller: &str,
    opened: &str,
    database_url: &str,
    now: Timestamp,
) -> anyhow::Result<SellerProfile> {
    let seller = domain::SellerId::parse(seller).context("--store")?;
    let opened = date("--opened", opened)?;
    let rt = super::runtime()?;
    let ratings = rt.block_on(async {
        let store = store::Store::connect(database_url).await?;
        let engine = engine::Engine::new(store.clone(), protection::Policy::default());
        let r = engine
            .seller_ratings(&seller, now, &protection::RatingPolicy::default())
            .await?;
        store.close().await;
        anyhow::Ok(r)
    })?;
    Ok(profile_from_ratings(opened, &ratings))
}

fn seller_cmd(args: SellerArgs) -> anyhow::Result<ExitCode> {
    let now = now(args.as_of.as_deref())?;
    let (name, profile, config) = match (&args.file, &args.store) {
        (Some(file), _) => {
            let input: SellerInput = read_json(file)?;
            let name = input.name.clone();
            let (profile, config) = input.parse("")?;
            (name, profile, config)
        }
        (None, Some(seller)) => {
            let opened = args.opened.as_deref().unwrap_or_default();
            let profile = store_profile(seller, opened, &args.database_url, now)?;
            (Some(seller.clone()), profile, SellerConfig::default())
        }
        (None, None) => bail!("give a FILE or --store SELLER_ID"),
    };
    let a = seller::assess(&profile, now, &config).map_err(field_error)?;
    match args.format {
        Format::Json => {
            let mut o = Map::new();
            if let Some(n) = &name {
                o.insert("name".into(), n.as_str().into());
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
            println!("{}", Value::Object(o));
        }
        Format::Text => {
            let subject = match &name {
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
            print!(
                "{}",
                report(
                    &a.assessment,
                    &context,
                    &seller_advice(a.assessment.verdict())
                )
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Most reasons shown in a text report: it must read in ten seconds.
pub const REASONS_SHOWN_MAX: usize = 6;

/// Verdict line, context line, the strongest reasons, then what to do.
fn report(a: &Assessment, context: &str, advice: &[String]) -> String {
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
struct ListingInput {
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

fn listing_cmd(args: ListingArgs) -> anyhow::Result<ExitCode> {
    let now = now(args.as_of.as_deref())?;
    let input: ListingInput = read_json(&args.file)?;
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
    match args.format {
        Format::Json => {
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
            println!("{}", Value::Object(o));
        }
        Format::Text => {
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
            print!("{}", report(&a.assessment, &context, &advice));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn listing_advice(a: &Assessment) -> Vec<String> {
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
struct TrackingLine {
    number: String,
    order_id: Option<String>,
    order_country: Option<String>,
    order_postal_code: Option<String>,
    ship_from: Option<String>,
    delivered_country: Option<String>,
    delivered_postal_code: Option<String>,
    other_orders: Option<i64>,
    days_since_last_event: Option<i64>,
    stale_after_days: Option<i64>,
    carrier_weight_g: Option<i64>,
    expected_weight_g: Option<i64>,
}

fn tracking_cmd(args: TrackingArgs) -> anyhow::Result<ExitCode> {
    let lines: Vec<TrackingLine> = if args.numbers == ["-"] {
        read_tracking_lines(std::io::stdin().lock())?
    } else {
        args.numbers
            .iter()
            .map(|n| TrackingLine {
                number: n.clone(),
                ..TrackingLine::default()
            })
            .collect()
    };
    // A number given for several orders of the input counts as reused.
    let mut orders_by_number: HashMap<String, Vec<&str>> = HashMap::new();
    for l in &lines {
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
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        let at = |field: &str| {
            if args.numbers == ["-"] {
                format!("line {}: {field}", i + 1)
            } else {
                field.to_string()
            }
        };
        let check = tracking::validate(&l.number);
        let mut signals: Vec<Signal> = check.signal(&l.number).into_iter().collect();
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
        match args.format {
            Format::Json => {
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
                out.push_str(&Value::Object(o).to_string());
                out.push('\n');
            }
            Format::Text => {
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
                out.push_str(&report(&a, &what, &tracking_advice(&a, check.format_valid)));
                out.push('\n');
            }
        }
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn read_tracking_lines(input: impl BufRead) -> anyhow::Result<Vec<TrackingLine>> {
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

fn tracking_advice(a: &Assessment, format_valid: bool) -> Vec<String> {
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
