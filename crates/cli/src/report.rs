//! The JSON shapes of design.md section 5 for assessments and signals. Domain types do
//! not derive `Serialize`: the edge owns its shapes.

use risk::{Assessment, Signal};
use serde_json::{json, Map, Value};

pub fn signal_json(signal: &Signal) -> Value {
    let mut o = Map::new();
    o.insert("kind".into(), json!(signal.kind().as_str()));
    o.insert("severity".into(), json!(signal.severity().as_str()));
    o.insert("score".into(), json!(round3(signal.score())));
    if let Some(span) = signal.span() {
        o.insert("span".into(), json!([span.start, span.end]));
    }
    o.insert("excerpt".into(), json!(signal.excerpt()));
    o.insert("explanation".into(), json!(signal.explanation()));
    Value::Object(o)
}

/// `risk`, `verdict` and `signals`, to be merged into a command's own object.
pub fn assessment_fields(assessment: &Assessment) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("risk".into(), json!(assessment.risk()));
    o.insert("verdict".into(), json!(assessment.verdict().as_str()));
    o.insert(
        "signals".into(),
        Value::Array(assessment.signals().iter().map(signal_json).collect()),
    );
    o
}

/// Text lines for a person: the verdict first, then each signal with its evidence.
pub fn assessment_text(assessment: &Assessment) -> String {
    let mut out = format!(
        "verdict: {} (risk {}/100)\n",
        assessment.verdict().as_str().to_uppercase(),
        assessment.risk()
    );
    for s in assessment.signals() {
        out.push_str(&format!(
            "  [{}] {}: {}",
            s.severity().as_str(),
            s.kind().as_str(),
            s.explanation()
        ));
        if !s.excerpt().is_empty() {
            out.push_str(&format!("  \"{}\"", s.excerpt()));
        }
        out.push('\n');
    }
    out
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Minor units shown as a decimal amount of `currency` ("-12.50" allowed: platform
/// accounts run negative).
pub fn money(minor: i64, currency: domain::Currency) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = domain::Money::from_minor(minor.unsigned_abs().min(i64::MAX as u64) as i64, currency)
        .expect("absolute value is non-negative");
    format!("{sign}{}", abs.decimal())
}
