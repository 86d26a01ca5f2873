//! Signals, the unit of every detector's output, and how they combine into a verdict.

use std::fmt;
use std::ops::Range;

/// The taxonomy of design.md section 1. Names are fixed: they are the JSON contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    OffsiteContact,
    OffsitePayment,
    PhishingLink,
    CredentialRequest,
    SensitiveDataShared,
    ExtraCharge,
    DisputeClosurePressure,
    ConfirmReceiptPressure,
    ReviewManipulation,
    UrgencyPressure,
    PlatformImpersonation,
    FakeTracking,
    FakeReviews,
    CounterfeitRisk,
    ComplianceRisk,
    PriceAnomaly,
    ListingQuality,
    SellerRisk,
    ShipAndSwitch,
}

impl Kind {
    pub const ALL: [Kind; 19] = [
        Kind::OffsiteContact,
        Kind::OffsitePayment,
        Kind::PhishingLink,
        Kind::CredentialRequest,
        Kind::SensitiveDataShared,
        Kind::ExtraCharge,
        Kind::DisputeClosurePressure,
        Kind::ConfirmReceiptPressure,
        Kind::ReviewManipulation,
        Kind::UrgencyPressure,
        Kind::PlatformImpersonation,
        Kind::FakeTracking,
        Kind::FakeReviews,
        Kind::CounterfeitRisk,
        Kind::ComplianceRisk,
        Kind::PriceAnomaly,
        Kind::ListingQuality,
        Kind::SellerRisk,
        Kind::ShipAndSwitch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::OffsiteContact => "offsite_contact",
            Kind::OffsitePayment => "offsite_payment",
            Kind::PhishingLink => "phishing_link",
            Kind::CredentialRequest => "credential_request",
            Kind::SensitiveDataShared => "sensitive_data_shared",
            Kind::ExtraCharge => "extra_charge",
            Kind::DisputeClosurePressure => "dispute_closure_pressure",
            Kind::ConfirmReceiptPressure => "confirm_receipt_pressure",
            Kind::ReviewManipulation => "review_manipulation",
            Kind::UrgencyPressure => "urgency_pressure",
            Kind::PlatformImpersonation => "platform_impersonation",
            Kind::FakeTracking => "fake_tracking",
            Kind::FakeReviews => "fake_reviews",
            Kind::CounterfeitRisk => "counterfeit_risk",
            Kind::ComplianceRisk => "compliance_risk",
            Kind::PriceAnomaly => "price_anomaly",
            Kind::ListingQuality => "listing_quality",
            Kind::SellerRisk => "seller_risk",
            Kind::ShipAndSwitch => "ship_and_switch",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// How much a signal of this severity counts towards the combined risk.
    fn weight(self) -> f64 {
        match self {
            Severity::Low => 0.35,
            Severity::Medium => 0.65,
            Severity::High => 0.9,
            Severity::Critical => 1.0,
        }
    }
}

/// One finding with its evidence. Fields are private: a signal is built through
/// [`Signal::new`], which keeps the score in [0, 1] and the span on the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    kind: Kind,
    severity: Severity,
    score: f64,
    span: Option<Range<usize>>,
    excerpt: String,
    explanation: String,
}

/// Longest excerpt kept in a signal, in bytes (cut on a character boundary).
pub const EXCERPT_BYTES_MAX: usize = 200;

impl Signal {
    /// A signal without a span (a finding about a whole record, such as a seller).
    pub fn new(
        kind: Kind,
        severity: Severity,
        score: f64,
        excerpt: impl Into<String>,
        explanation: impl Into<String>,
    ) -> Signal {
        let score = if score.is_nan() {
            0.0
        } else {
            score.clamp(0.0, 1.0)
        };
        Signal {
            kind,
            severity,
            score,
            span: None,
            excerpt: {
                let mut excerpt = excerpt.into();
                excerpt.truncate(cut(&excerpt, EXCERPT_BYTES_MAX).len());
                excerpt
            },
            explanation: explanation.into(),
        }
    }

    /// A signal about bytes `span` of `text`; the excerpt is that part of the text.
    /// The span is narrowed to character boundaries inside the text, so it is always
    /// a valid slice of the original.
    pub fn in_text(
        kind: Kind,
        severity: Severity,
        score: f64,
        text: &str,
        span: Range<usize>,
        explanation: impl Into<String>,
    ) -> Signal {
        let mut start = span.start.min(text.len());
        let mut end = span.end.clamp(start, text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let mut signal = Signal::new(kind, severity, score, &text[start..end], explanation);
        signal.span = Some(start..end);
        signal
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }
    pub fn severity(&self) -> Severity {
        self.severity
    }
    pub fn score(&self) -> f64 {
        self.score
    }
    pub fn span(&self) -> Option<Range<usize>> {
        self.span.clone()
    }
    pub fn excerpt(&self) -> &str {
        &self.excerpt
    }
    pub fn explanation(&self) -> &str {
        &self.explanation
    }
}

fn cut(text: &str, bytes_max: usize) -> &str {
    if text.len() <= bytes_max {
        return text;
    }
    let mut end = bytes_max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    Allow,
    Warn,
    Review,
    Block,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Warn => "warn",
            Verdict::Review => "review",
            Verdict::Block => "block",
        }
    }
}

/// Risk from which each verdict starts; configuration may change them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub warn: u8,
    pub review: u8,
    pub block: u8,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            warn: 25,
            review: 55,
            block: 85,
        }
    }
}

impl Thresholds {
    pub fn verdict(&self, risk: u8) -> Verdict {
        if risk >= self.block {
            Verdict::Block
        } else if risk >= self.review {
            Verdict::Review
        } else if risk >= self.warn {
            Verdict::Warn
        } else {
            Verdict::Allow
        }
    }
}

/// Signals combined: risk 0-100 and the verdict it implies.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    risk: u8,
    verdict: Verdict,
    signals: Vec<Signal>,
}

impl Assessment {
    /// Combines signals as independent evidence (noisy-OR of severity-weighted scores):
    /// each signal can only raise the risk, and no number of weak signals reaches 100.
    pub fn combine(mut signals: Vec<Signal>, thresholds: &Thresholds) -> Assessment {
        let clean: f64 = signals
            .iter()
            .map(|s| 1.0 - s.score * s.severity.weight())
            .product();
        let risk = ((1.0 - clean) * 100.0).round().clamp(0.0, 100.0) as u8;
        signals.sort_by_key(|s| {
            (
                std::cmp::Reverse(s.severity),
                s.span.as_ref().map_or(usize::MAX, |r| r.start),
            )
        });
        Assessment {
            risk,
            verdict: thresholds.verdict(risk),
            signals,
        }
    }

    pub fn risk(&self) -> u8 {
        self.risk
    }
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }
    pub fn signals(&self) -> &[Signal] {
        &self.signals
    }
    pub fn into_signals(self) -> Vec<Signal> {
        self.signals
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_by_name() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Kind::parse("nope"), None);
    }

    #[test]
    fn spans_stay_on_character_boundaries() {
        let text = "día ñ";
        let s = Signal::in_text(Kind::OffsiteContact, Severity::Low, 2.0, text, 2..5, "x");
        let span = s.span().unwrap();
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        assert_eq!(s.score(), 1.0);
        let s = Signal::in_text(Kind::OffsiteContact, Severity::Low, 0.5, text, 50..90, "x");
        assert_eq!(s.span(), Some(text.len()..text.len()));
    }

    #[test]
    fn combining_only_raises_risk() {
        let t = Thresholds::default();
        let none = Assessment::combine(vec![], &t);
        assert_eq!((none.risk(), none.verdict()), (0, Verdict::Allow));
        let one = Assessment::combine(
            vec![Signal::new(
                Kind::OffsitePayment,
                Severity::High,
                0.9,
                "",
                "",
            )],
            &t,
        );
        let two = Assessment::combine(
            vec![
                Signal::new(Kind::OffsitePayment, Severity::High, 0.9, "", ""),
                Signal::new(Kind::UrgencyPressure, Severity::Low, 0.5, "", ""),
            ],
            &t,
        );
        assert!(two.risk() > one.risk() && one.risk() > 0);
        assert_eq!(one.verdict(), Verdict::Review);
    }
}
