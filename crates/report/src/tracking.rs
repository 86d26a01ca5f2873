//! Tracking numbers with what is known of their orders (`assess tracking`, `POST
//! /v1/assess/tracking`): carrier format and check digit, reuse across orders,
//! delivery elsewhere, numbers issued at the destination, stale parcels, weights.

use std::collections::HashMap;
use std::io::BufRead;

use anyhow::{bail, Context};
use domain::finding::FindingJson;
use risk::tracking::{self, Place};
use risk::{Assessment, Finding, Kind, Thresholds, Verdict};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::input::{from_json, opt_count};
use crate::text::report;
use crate::{sorted_findings, Assessed, SortedFinding};

/// Longest JSON Lines line read, in bytes.
pub const LINE_BYTES_MAX: usize = 64 * 1024;
/// Days without carrier movement after which a parcel is stale, unless a line says.
pub const STALE_AFTER_DAYS_DEFAULT: u32 = 10;
/// Heaviest parcel weight read, in grams (a thousand tonnes): far above any parcel,
/// and low enough that the weight check's percentages cannot overflow.
pub const WEIGHT_G_MAX: u64 = 1_000_000_000;

/// A parcel weight in grams, refused above [`WEIGHT_G_MAX`].
fn weight(field: &str, v: Option<i64>) -> anyhow::Result<Option<u64>> {
    match opt_count(field, v)? {
        Some(g) if g > WEIGHT_G_MAX => bail!("{field}: must be at most {WEIGHT_G_MAX}, got {g}"),
        other => Ok(other),
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
/// A tracking number with what is known of its order (only `number` is needed).
/// Weights are in grams, at most [`WEIGHT_G_MAX`].
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

/// One tracking number's check. Keys are in alphabetical order, as the first version
/// wrote them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrackingOut {
    /// The carrier whose format the number has, or null.
    pub carrier: Option<String>,
    /// Whether the number has a carrier's format and check digit.
    pub format_valid: bool,
    pub number: String,
    /// The order it was given for, when the input said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// The country that issued the number (ISO 3166 alpha-2), when its format says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_country: Option<String>,
    /// 0 (nothing found) to 100.
    pub risk: u8,
    /// The carrier's service the format names, when it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[schema(value_type = Vec<FindingJson>)]
    pub signals: Vec<SortedFinding>,
    pub verdict: Verdict,
}

/// Tracking numbers with their order context; `lines_numbered` names errors by line
/// ("line 3: other_orders: ...").
pub fn tracking_report(
    lines: &[TrackingLine],
    lines_numbered: bool,
) -> anyhow::Result<Vec<Assessed<TrackingOut>>> {
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
            weight(&at("carrier_weight_g"), l.carrier_weight_g)?,
            weight(&at("expected_weight_g"), l.expected_weight_g)?,
        ) {
            signals.extend(tracking::weight_mismatch(c, e));
        }
        let a = Assessment::combine(signals, &thresholds);
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
        let text = report(&a, &what, &tracking_advice(&a, check.format_valid));
        let json = TrackingOut {
            carrier: check.carrier.map(|c| c.as_str().to_string()),
            format_valid: check.format_valid,
            number: l.number.clone(),
            order_id: l.order_id.clone(),
            origin_country: check.origin_country_str().map(str::to_string),
            risk: a.risk(),
            service: check.service.map(str::to_string),
            signals: sorted_findings(&a),
            verdict: a.verdict(),
        };
        out.push(Assessed { json, text });
    }
    Ok(out)
}

/// Tracking lines from JSON Lines, or one bare number a line; blank lines skipped.
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

#[cfg(test)]
mod tests {
    use super::*;

    // Regression: schemathesis posted an expected weight near i64::MAX and the weight
    // check's percentage overflowed (a panic in debug builds, a wrong answer in release).
    #[test]
    fn absurd_weights_are_refused_by_name() {
        let line = |carrier: i64, expected: i64| TrackingLine {
            number: "RB123456785GB".into(),
            carrier_weight_g: Some(carrier),
            expected_weight_g: Some(expected),
            ..TrackingLine::default()
        };
        let e = tracking_report(&[line(0, 9_223_372_036_854_775_806)], false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected_weight_g: must be at most 1000000000, got 9223372036854775806"
        );
        let done = tracking_report(&[line(0, WEIGHT_G_MAX as i64)], true).unwrap();
        assert!(done[0].json.signals.iter().any(|f| serde_json::to_string(f)
            .unwrap()
            .contains("ship_and_switch")));
    }
}
