//! The reports people read: an assessment's verdict, reasons and advice, in the
//! words of the CLI and of the API's clients alike.

use std::fmt::Write;

use risk::{Assessment, Kind};

/// Most reasons shown in a text report: it must read in ten seconds.
pub const REASONS_SHOWN_MAX: usize = 6;

/// A person's reading of an assessment: the verdict first, then one line a reason,
/// then what to do about each kind found.
pub fn assessment_text(assessment: &Assessment) -> String {
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

/// What a shopper should do about a finding of this kind.
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

/// A check's report: verdict line, context line, the strongest reasons, then what to
/// do.
pub fn report(a: &Assessment, context: &str, advice: &[String]) -> String {
    let text = assessment_text(a);
    let (verdict, reasons) = text.split_once('\n').unwrap_or((&text, ""));
    let mut out = format!("{verdict}\n{context}\n");
    let reasons: Vec<&str> = reasons.lines().filter(|l| !l.trim().is_empty()).collect();
    if reasons.is_empty() {
        out.push_str("No warning signs found.\n");
    } else {
        out.push_str("Why:\n");
        // Findings come sorted by severity, so the cut keeps the strongest.
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
