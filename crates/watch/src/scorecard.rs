//! The supplier scorecard for dropshippers: per store, from the order history, the
//! share of orders on time, not received and disputed, how disputes ended, a
//! recommendation (keep, watch, replace) and when the next sample order is due.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::{deadline, Deadline, DeadlineKind, DisputeStatus, Order, OrderKind, Rules};

/// Ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Recommendation {
    Keep,
    Watch,
    Replace,
}

impl Recommendation {
    pub fn as_str(self) -> &'static str {
        match self {
            Recommendation::Keep => "keep",
            Recommendation::Watch => "watch",
            Recommendation::Replace => "replace",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Supplier {
    pub store: String,
    pub orders: usize,
    pub delivered: usize,
    pub on_time: usize,
    /// Percent of delivered orders that came by the estimated date; None with no delivery.
    pub on_time_pct: Option<i64>,
    /// Orders with a not-received dispute, or undelivered past their claim deadline.
    pub not_received: usize,
    pub not_received_pct: i64,
    pub disputes: usize,
    pub dispute_pct: i64,
    pub refunded: usize,
    pub rejected: usize,
    pub withdrawn: usize,
    pub recommendation: Recommendation,
    pub reasons: Vec<String>,
    pub last_sample: Option<NaiveDate>,
    /// Set for active suppliers: when the next sample order is due.
    pub sample_due: Option<Deadline>,
}

fn pct(part: usize, whole: usize) -> i64 {
    if whole == 0 {
        0
    } else {
        (part as i64 * 100 + whole as i64 / 2) / whole as i64
    }
}

/// One scorecard row per named store, by store name.
pub fn scorecard(orders: &[Order], rules: &Rules, today: NaiveDate) -> Vec<Supplier> {
    let mut stores: BTreeMap<&str, Vec<&Order>> = BTreeMap::new();
    for o in orders {
        if let Some(s) = &o.store {
            stores.entry(s.as_str()).or_default().push(o);
        }
    }
    stores
        .into_iter()
        .map(|(store, orders)| supplier(store, &orders, rules, today))
        .collect()
}

fn supplier(store: &str, orders: &[&Order], rules: &Rules, today: NaiveDate) -> Supplier {
    let n = orders.len();
    let delivered: Vec<&&Order> = orders.iter().filter(|o| o.delivered_at.is_some()).collect();
    let on_time = delivered
        .iter()
        .filter(|o| {
            o.delivered_at
                .is_some_and(|d| d <= o.estimated_delivery(rules))
        })
        .count();
    let not_received = orders
        .iter()
        .filter(|o| {
            o.dispute_reason.as_deref() == Some("not_received")
                || (o.delivered_at.is_none()
                    && o.status != Some(super::Status::Cancelled)
                    && o.estimated_delivery(rules) + Duration::days(rules.claim_window_days)
                        < today)
        })
        .count();
    let disputes = orders
        .iter()
        .filter(|o| o.dispute_opened_at.is_some() || o.dispute_status.is_some())
        .count();
    let outcome = |f: fn(DisputeStatus) -> bool| {
        orders
            .iter()
            .filter(|o| o.dispute_status.is_some_and(f))
            .count()
    };
    let on_time_pct = (!delivered.is_empty()).then(|| pct(on_time, delivered.len()));
    let not_received_pct = pct(not_received, n);
    let dispute_pct = pct(disputes, n);

    let (recommendation, reasons) = recommend(on_time_pct, not_received_pct, dispute_pct, n, rules);

    let (last_sample, sample_due) = samples(orders, rules, today);
    Supplier {
        store: store.to_string(),
        orders: n,
        delivered: delivered.len(),
        on_time,
        on_time_pct,
        not_received,
        not_received_pct,
        disputes,
        dispute_pct,
        refunded: outcome(DisputeStatus::refunded),
        rejected: outcome(|s| s == DisputeStatus::Rejected),
        withdrawn: outcome(|s| s == DisputeStatus::Withdrawn),
        recommendation,
        reasons,
        last_sample,
        sample_due,
    }
}

/// The worst recommendation any rate calls for (keep when none does), with the reasons.
fn recommend(
    on_time_pct: Option<i64>,
    not_received_pct: i64,
    dispute_pct: i64,
    n: usize,
    rules: &Rules,
) -> (Recommendation, Vec<String>) {
    let mut reasons = Vec::new();
    let mut worse = |r: Recommendation, why: String| {
        reasons.push((r, why));
    };
    if let Some(p) = on_time_pct {
        if p < rules.replace_on_time_pct {
            worse(
                Recommendation::Replace,
                format!(
                    "on time {p}% (replace below {}%)",
                    rules.replace_on_time_pct
                ),
            );
        } else if p < rules.keep_on_time_pct {
            worse(
                Recommendation::Watch,
                format!("on time {p}% (keep from {}%)", rules.keep_on_time_pct),
            );
        }
    }
    if not_received_pct > rules.replace_not_received_pct {
        worse(
            Recommendation::Replace,
            format!(
                "not received {not_received_pct}% (replace above {}%)",
                rules.replace_not_received_pct
            ),
        );
    }
    if dispute_pct > rules.replace_dispute_pct {
        worse(
            Recommendation::Replace,
            format!(
                "disputes {dispute_pct}% (replace above {}%)",
                rules.replace_dispute_pct
            ),
        );
    } else if dispute_pct > rules.keep_dispute_pct {
        worse(
            Recommendation::Watch,
            format!(
                "disputes {dispute_pct}% (keep up to {}%)",
                rules.keep_dispute_pct
            ),
        );
    }
    if (n as i64) < rules.scorecard_orders_min {
        worse(
            Recommendation::Watch,
            format!(
                "only {n} order{} (at least {} to judge)",
                if n == 1 { "" } else { "s" },
                rules.scorecard_orders_min
            ),
        );
    }
    let recommendation = reasons
        .iter()
        .map(|(r, _)| *r)
        .max()
        .unwrap_or(Recommendation::Keep);
    let reasons: Vec<String> = reasons.into_iter().map(|(_, why)| why).collect();
    (recommendation, reasons)
}

/// The last sample order and, for an active supplier, when the next one is due.
fn samples(
    orders: &[&Order],
    rules: &Rules,
    today: NaiveDate,
) -> (Option<NaiveDate>, Option<Deadline>) {
    let last_order = orders.iter().map(|o| o.paid_at).max();
    let active = last_order.is_some_and(|d| (today - d).num_days() <= rules.supplier_active_days);
    let last_sample = orders
        .iter()
        .filter(|o| o.kind == OrderKind::Sample)
        .map(|o| o.paid_at)
        .max();
    let sample_due = active.then(|| {
        let due = last_sample.map_or(today, |d| d + Duration::days(rules.sample_interval_days));
        deadline(DeadlineKind::SampleOrderDue, due, today)
    });
    (last_sample, sample_due)
}
