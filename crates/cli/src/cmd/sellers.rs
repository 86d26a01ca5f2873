//! `marketguard sellers profile`: a seller's store ratings from the engine's orders.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use domain::{Clock, SellerId, SystemClock, Timestamp};
use engine::Engine;
use protection::{Policy, RatingPolicy, SellerRatings};
use serde_json::json;

use crate::Format;

#[derive(Debug, Subcommand)]
pub enum SellersCommand {
    /// A seller's store ratings: positive feedback % over 6 months (4-5 stars positive,
    /// 3 neutral and left out, 1-2 negative; one feedback per buyer per 10 days),
    /// detailed ratings, feedback count, repeat buyers, dispute rate, on-time shipping.
    Profile(ProfileArgs),
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    seller: String,
    /// Compute as of this date (RFC 3339 or YYYY-MM-DD) instead of now.
    #[arg(long)]
    as_of: Option<String>,
    /// sqlite://FILE or postgres://USER@HOST/DB
    #[arg(long, env = "MARKETGUARD_DATABASE_URL", default_value = super::DEFAULT_DATABASE_URL)]
    database_url: String,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(command: SellersCommand, policy: Policy) -> anyhow::Result<ExitCode> {
    let SellersCommand::Profile(args) = command;
    let seller = SellerId::parse(&args.seller)?;
    let now = match &args.as_of {
        Some(t) => Timestamp::parse(t).context("--as-of")?,
        None => SystemClock.now(),
    };
    let rt = super::runtime()?;
    let r = rt.block_on(async {
        let store = store::Store::open_read_only(&args.database_url).await?;
        let engine = Engine::new(store.clone(), policy.clone());
        let r = engine
            .seller_ratings(&seller, now, &RatingPolicy::default())
            .await?;
        store.close().await;
        anyhow::Ok(r)
    })?;
    match args.format {
        Format::Json => outln!("{}", ratings_json(&seller, &r)),
        Format::Text => out!("{}", ratings_text(&seller, &r)),
    }
    Ok(ExitCode::SUCCESS)
}

fn pct(v: Option<f64>) -> String {
    v.map_or("n/a".to_string(), |v| format!("{:.1}%", v * 100.0))
}

pub fn ratings_json(seller: &SellerId, r: &SellerRatings) -> serde_json::Value {
    let avg = |a: protection::Average| json!({"average": a.value, "count": a.count});
    let rate = |x: protection::Rate| json!({"value": x.value(), "numerator": x.numerator, "denominator": x.denominator});
    json!({
        "seller": seller.as_str(),
        "as_of": r.as_of.rfc3339(),
        "window_days": r.window_days,
        "positive_feedback": rate(r.positive_share),
        "positive": r.positive, "neutral": r.neutral, "negative": r.negative,
        "feedback_count": r.feedback_count,
        "item_as_described": avg(r.item_as_described),
        "communication": avg(r.communication),
        "shipping_speed": avg(r.shipping_speed),
        "orders": r.orders,
        "buyers": r.buyers,
        "repeat_buyers": rate(r.repeat_buyers),
        "dispute_rate": rate(r.dispute_rate),
        "on_time_shipping": rate(r.on_time_shipping),
        "first_order_at": r.first_order_at.map(|t| t.rfc3339()),
        "store_age_days": r.first_order_at.map(|t| t.days_until(r.as_of).max(0)),
        "items_sold": r.items_sold,
    })
}

fn ratings_text(seller: &SellerId, r: &SellerRatings) -> String {
    let avg = |a: protection::Average| {
        a.value.map_or("n/a".to_string(), |v| {
            format!("{v:.1} of 5 ({} ratings)", a.count)
        })
    };
    format!(
        "seller {seller} as of {}, last {} days\n  positive feedback {} ({} positive, {} negative; {} neutral left out; {} feedback in all)\n  item as described {}\n  communication {}\n  shipping speed {}\n  orders {} from {} buyers; repeat buyers {}\n  dispute rate {} ({} of {} paid orders)\n  shipped on time {} ({} of {})\n  first order {} ({} days ago); {} items sold in all (orders paid and not cancelled)\n",
        r.as_of,
        r.window_days,
        pct(r.positive_share.value()),
        r.positive,
        r.negative,
        r.neutral,
        r.feedback_count,
        avg(r.item_as_described),
        avg(r.communication),
        avg(r.shipping_speed),
        r.orders,
        r.buyers,
        pct(r.repeat_buyers.value()),
        pct(r.dispute_rate.value()),
        r.dispute_rate.numerator,
        r.dispute_rate.denominator,
        pct(r.on_time_shipping.value()),
        r.on_time_shipping.numerator,
        r.on_time_shipping.denominator,
        r.first_order_at.map_or("none".to_string(), |t| t.rfc3339()),
        r.first_order_at.map_or(0, |t| t.days_until(r.as_of).max(0)),
        r.items_sold,
    )
}
