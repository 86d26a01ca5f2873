//! Output helpers shared by the commands.

/// Minor units shown as a decimal amount of `currency` ("-12.50" allowed: platform
/// accounts run negative).
pub fn money(minor: i64, currency: domain::Currency) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = domain::Money::from_minor(minor.unsigned_abs().min(i64::MAX as u64) as i64, currency)
        .expect("absolute value is non-negative");
    format!("{sign}{}", abs.decimal())
}

/// `risk`, `verdict` and `signals` of an assessment (design.md section 5), to put at
/// the top level of a command's JSON output beside the command's own fields.
pub fn assessment_fields(
    assessment: &risk::Assessment,
) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::to_value(server::scan::AssessmentOut::from(assessment)) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => unreachable!("an assessment serialises to an object"),
    }
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
    let mut kinds: Vec<risk::Kind> = assessment.signals().iter().map(|s| s.kind()).collect();
    kinds.dedup();
    let mut seen = Vec::new();
    for kind in kinds {
        if !seen.contains(&kind) {
            seen.push(kind);
            let _ = writeln!(out, "  what to do: {}", advice(kind));
        }
    }
    out
}

/// What a shopper should do about a signal of this kind.
pub fn advice(kind: risk::Kind) -> &'static str {
    use risk::Kind::*;
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
