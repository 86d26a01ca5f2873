//! A seller's check from the figures of its store page (`assess seller`, `POST
//! /v1/assess/seller`) or from the engine's own ratings of its orders.

use anyhow::bail;
use domain::finding::FindingJson;
use domain::Timestamp;
use risk::seller::{self, Rating, SellerConfig, SellerProfile};
use risk::Verdict;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::input::{count, currency, date, field_error, money, opt_count};
use crate::text::report;
use crate::{sorted_findings, Assessed, SortedFinding};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RatingInput {
    average: f64,
    count: i64,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DetailedRatingsInput {
    item_as_described: Option<RatingInput>,
    communication: Option<RatingInput>,
    shipping_speed: Option<RatingInput>,
}

/// A store's figures as its page shows them (see examples/seller.json).
#[derive(Debug, Deserialize, ToSchema)]
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

/// A store's profile from the ratings the engine computes over its orders. The store is
/// at least as old as its first order: `opened`, when given, counts only if earlier.
/// Orders paid and not cancelled stand in for items sold: the engine counts no
/// quantities.
pub fn profile_from_ratings(
    opened: Option<Timestamp>,
    r: &protection::SellerRatings,
) -> SellerProfile {
    let opened = [opened, r.first_order_at]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(r.as_of);
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
        r.items_sold,
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

/// A seller's check. Keys are in alphabetical order, as the first version wrote them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SellerOut {
    /// What to do, one sentence a line.
    pub advice: Vec<String>,
    /// The store's name, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The lower bound of the positive share with 95% confidence, in percent, one
    /// decimal.
    pub positive_lower_bound_pct: f64,
    /// 0 (nothing found) to 100.
    pub risk: u8,
    #[schema(value_type = Vec<FindingJson>)]
    pub signals: Vec<SortedFinding>,
    /// `very_low`, `low`, `medium` or `high` trust.
    pub tier: String,
    /// 0 to 100.
    pub trust_score: u8,
    pub verdict: Verdict,
}

/// A seller from its profile: trust score, tier, reasons, what to do.
pub fn seller_report(
    name: Option<&str>,
    profile: &SellerProfile,
    config: &SellerConfig,
    now: Timestamp,
) -> anyhow::Result<Assessed<SellerOut>> {
    let a = seller::assess(profile, now, config).map_err(field_error)?;
    let advice = seller_advice(a.assessment.verdict());
    let subject = match name {
        Some(n) => format!("seller {n:?}"),
        None => "this seller".to_string(),
    };
    let evidence = if profile.feedback_count == 0 {
        "no ratings yet".to_string()
    } else {
        format!(
            "at least {}% positive with 95% confidence from {} ratings",
            risk::seller::lower_bound_pct(a.positive_lower_bound),
            profile.feedback_count
        )
    };
    let context = format!(
        "{subject}: trust {}/100 ({}); {evidence}",
        a.trust_score,
        a.tier.as_str().replace('_', " "),
    );
    let text = report(&a.assessment, &context, &advice);
    let json = SellerOut {
        advice,
        name: name.map(str::to_string),
        positive_lower_bound_pct: (a.positive_lower_bound * 1000.0).round() / 10.0,
        risk: a.assessment.risk(),
        signals: sorted_findings(&a.assessment),
        tier: a.tier.as_str().to_string(),
        trust_score: a.trust_score,
        verdict: a.assessment.verdict(),
    };
    Ok(Assessed { json, text })
}

/// A seller from the JSON of its store figures.
pub fn seller_from_input(
    input: SellerInput,
    now: Timestamp,
) -> anyhow::Result<Assessed<SellerOut>> {
    let name = input.name.clone();
    let (profile, config) = input.parse("")?;
    seller_report(name.as_deref(), &profile, &config, now)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_s_profile_has_the_store_age_and_items_sold() {
        let now = Timestamp::parse("2026-11-25").unwrap();
        let mut r = protection::seller_ratings(&[], now, &protection::RatingPolicy::default());
        r.first_order_at = Some(now.plus_days(-400));
        r.items_sold = 120;
        let p = profile_from_ratings(None, &r);
        assert_eq!((p.age_days(now), p.items_sold), (400, 120));
        // A later opening date than the first order cannot be right: the order wins.
        let p = profile_from_ratings(Some(now.plus_days(-30)), &r);
        assert_eq!(p.age_days(now), 400);
        let p = profile_from_ratings(Some(now.plus_days(-900)), &r);
        assert_eq!(p.age_days(now), 900);
        // No orders and no date: a store opened today.
        let empty = protection::seller_ratings(&[], now, &protection::RatingPolicy::default());
        assert_eq!(profile_from_ratings(None, &empty).age_days(now), 0);
    }
}
