//! Output helpers shared by the commands.

/// Minor units shown as a decimal amount of `currency` ("-12.50" allowed: platform
/// accounts run negative).
pub fn money(minor: i64, currency: domain::Currency) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = domain::Money::from_minor(minor.unsigned_abs().min(i64::MAX as u64) as i64, currency)
        .expect("absolute value is non-negative");
    format!("{sign}{}", abs.decimal())
}

/// One signal as the contract's JSON object: kind, severity, score, span (when the
/// signal points into a text), excerpt and explanation.
pub fn signal_json(signal: &risk::Signal) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    object.insert("kind".into(), signal.kind().as_str().into());
    object.insert("severity".into(), signal.severity().as_str().into());
    object.insert("score".into(), round3(signal.score()).into());
    if let Some(span) = signal.span() {
        object.insert("span".into(), serde_json::json!([span.start, span.end]));
    }
    object.insert("excerpt".into(), signal.excerpt().into());
    object.insert("explanation".into(), signal.explanation().into());
    serde_json::Value::Object(object)
}

/// `risk`, `verdict` and `signals` of an assessment, to put at the top level of a
/// command's JSON output beside the command's own fields.
pub fn assessment_fields(
    assessment: &risk::Assessment,
) -> serde_json::Map<String, serde_json::Value> {
    let mut object = serde_json::Map::new();
    object.insert("risk".into(), assessment.risk().into());
    object.insert("verdict".into(), assessment.verdict().as_str().into());
    object.insert(
        "signals".into(),
        assessment.signals().iter().map(signal_json).collect(),
    );
    object
}

/// A person's reading of an assessment: the verdict first, then one line a reason.
pub fn assessment_text(assessment: &risk::Assessment) -> String {
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
    out
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
