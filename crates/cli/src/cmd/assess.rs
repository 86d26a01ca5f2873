//! `marketguard assess seller|listing|tracking|reviews`: a shopper's checks before and
//! after buying, on figures from a store page, a listing, tracking numbers or reviews.
//! The input's JSON shapes and the reports are shared with the API (`report`); the
//! detectors are in `risk` and `reviews`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use domain::{Clock, SystemClock, Timestamp};
use report::{self as assess, Assessed, ListingInput, SellerInput, TrackingLine};
use risk::seller::{SellerConfig, SellerProfile};

use crate::Format;

/// Largest input file read, in bytes.
pub const INPUT_BYTES_MAX: u64 = 4 * 1024 * 1024;

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
    #[arg(long, conflicts_with = "file")]
    store: Option<String>,
    /// With --store: the date the store opened (YYYY-MM-DD); without it, or when it is
    /// later, the store counts as open since its first order.
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
    assess::from_json(&text).with_context(|| format!("{}", path.display()))
}

fn print<T: serde::Serialize>(done: &Assessed<T>, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => outln!("{}", serde_json::to_string(&done.json)?),
        Format::Text => out!("{}", done.text),
    }
    Ok(())
}

fn store_profile(
    seller: &str,
    opened: Option<&str>,
    database_url: &str,
    now: Timestamp,
) -> anyhow::Result<SellerProfile> {
    let seller = domain::SellerId::parse(seller).context("--store")?;
    let opened = opened
        .map(|o| {
            Timestamp::parse(o).map_err(|_| {
                anyhow::anyhow!("--opened: {o:?} is not a date (YYYY-MM-DD or RFC 3339)")
            })
        })
        .transpose()?;
    let rt = super::runtime()?;
    let ratings = rt.block_on(async {
        let store = store::Store::open_read_only(database_url).await?;
        let engine = engine::Engine::new(store.clone(), protection::Policy::default());
        let r = engine
            .seller_ratings(&seller, now, &protection::RatingPolicy::default())
            .await?;
        store.close().await;
        anyhow::Ok(r)
    })?;
    Ok(assess::profile_from_ratings(opened, &ratings))
}

fn seller_cmd(args: SellerArgs) -> anyhow::Result<ExitCode> {
    let now = now(args.as_of.as_deref())?;
    let done = match (&args.file, &args.store) {
        (Some(file), _) => {
            let input: SellerInput = read_json(file)?;
            assess::seller_from_input(input, now)?
        }
        (None, Some(seller)) => {
            let profile = store_profile(seller, args.opened.as_deref(), &args.database_url, now)?;
            assess::seller_report(Some(seller), &profile, &SellerConfig::default(), now)?
        }
        (None, None) => bail!("give a FILE or --store SELLER_ID"),
    };
    print(&done, args.format)?;
    Ok(ExitCode::SUCCESS)
}

fn listing_cmd(args: ListingArgs) -> anyhow::Result<ExitCode> {
    let now = now(args.as_of.as_deref())?;
    let input: ListingInput = read_json(&args.file)?;
    print(&assess::listing_report(input, now)?, args.format)?;
    Ok(ExitCode::SUCCESS)
}

fn tracking_cmd(args: TrackingArgs) -> anyhow::Result<ExitCode> {
    let from_stdin = args.numbers == ["-"];
    let lines: Vec<TrackingLine> = if from_stdin {
        assess::read_tracking_lines(std::io::stdin().lock())?
    } else {
        args.numbers
            .iter()
            .map(|n| TrackingLine {
                number: n.clone(),
                ..TrackingLine::default()
            })
            .collect()
    };
    for done in assess::tracking_report(&lines, from_stdin)? {
        match args.format {
            Format::Json => outln!("{}", serde_json::to_string(&done.json)?),
            Format::Text => outln!("{}", done.text),
        }
    }
    Ok(ExitCode::SUCCESS)
}
