//! The taxonomy of findings (design.md section 1): what a detector found, how bad it
//! is, and what an assessment advises. The one place these types live: detectors build
//! them, the rules act on them, events keep them and every output shows them. The
//! serde names are the JSON contract (snake_case).

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

/// The taxonomy of design.md section 1. Names are fixed: they are the JSON contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
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

/// How bad a finding is, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
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
}

/// One finding with its evidence. Fields are private: a finding is built through
/// [`Finding::new`] or [`Finding::in_text`], which keep the score in [0, 1], the span
/// on the text and the excerpt short. In JSON it is
/// `{"kind", "severity", "score", "span": [start, end]?, "excerpt", "explanation"}`,
/// the score rounded to three decimals; decoding goes through the same constructor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "FindingJson", from = "FindingJson")]
pub struct Finding {
    kind: Kind,
    severity: Severity,
    score: f64,
    span: Option<Range<usize>>,
    excerpt: String,
    explanation: String,
}

/// A finding as JSON: the wire shape of [`Finding`], kept apart so that decoding
/// cannot skip the constructor's checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Finding))]
pub struct FindingJson {
    /// The signal kind (design.md section 1), e.g. `offsite_payment`.
    pub kind: Kind,
    pub severity: Severity,
    /// Confidence in [0, 1], three decimals.
    pub score: f64,
    /// Byte offsets `[start, end)` into the original text, when the finding points
    /// into one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<[usize; 2]>,
    pub excerpt: String,
    /// A sentence a person can read.
    pub explanation: String,
}

impl From<Finding> for FindingJson {
    fn from(f: Finding) -> FindingJson {
        FindingJson {
            kind: f.kind,
            severity: f.severity,
            score: (f.score * 1000.0).round() / 1000.0,
            span: f.span.map(|r| [r.start, r.end]),
            excerpt: f.excerpt,
            explanation: f.explanation,
        }
    }
}

impl From<FindingJson> for Finding {
    fn from(j: FindingJson) -> Finding {
        let mut f = Finding::new(j.kind, j.severity, j.score, j.excerpt, j.explanation);
        f.span = j.span.map(|[start, end]| start..end.max(start));
        f
    }
}

/// Longest excerpt kept in a finding, in bytes (cut on a character boundary).
pub const EXCERPT_BYTES_MAX: usize = 200;

impl Finding {
    /// A finding without a span (a finding about a whole record, such as a seller).
    pub fn new(
        kind: Kind,
        severity: Severity,
        score: f64,
        excerpt: impl Into<String>,
        explanation: impl Into<String>,
    ) -> Finding {
        let score = if score.is_nan() {
            0.0
        } else {
            score.clamp(0.0, 1.0)
        };
        Finding {
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

    /// A finding about bytes `span` of `text`; the excerpt is that part of the text.
    /// The span is narrowed to character boundaries inside the text, so it is always
    /// a valid slice of the original.
    pub fn in_text(
        kind: Kind,
        severity: Severity,
        score: f64,
        text: &str,
        span: Range<usize>,
        explanation: impl Into<String>,
    ) -> Finding {
        let mut start = span.start.min(text.len());
        let mut end = span.end.clamp(start, text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let mut finding = Finding::new(kind, severity, score, &text[start..end], explanation);
        finding.span = Some(start..end);
        finding
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

/// What an assessment advises, mildest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_by_name() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            assert_eq!(serde_json::from_str::<Kind>(&json).unwrap(), k);
        }
        assert_eq!(Kind::parse("nope"), None);
    }

    #[test]
    fn spans_stay_on_character_boundaries() {
        let text = "día ñ";
        let s = Finding::in_text(Kind::OffsiteContact, Severity::Low, 2.0, text, 2..5, "x");
        let span = s.span().unwrap();
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        assert_eq!(s.score(), 1.0);
        let s = Finding::in_text(Kind::OffsiteContact, Severity::Low, 0.5, text, 50..90, "x");
        assert_eq!(s.span(), Some(text.len()..text.len()));
    }

    #[test]
    fn findings_keep_their_json_shape() {
        let f = Finding::in_text(
            Kind::OffsitePayment,
            Severity::High,
            0.87654,
            "pay by wire",
            7..11,
            "asks for a wire",
        );
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"offsite_payment","severity":"high","score":0.877,"span":[7,11],"excerpt":"wire","explanation":"asks for a wire"}"#
        );
        let none = Finding::new(Kind::SellerRisk, Severity::Low, 0.5, "e", "x");
        assert!(!serde_json::to_string(&none).unwrap().contains("span"));
    }

    #[test]
    fn decoding_goes_through_the_constructor() {
        // A row written by an earlier version kept `"span": null`; a hostile one may
        // carry a score out of range or a span backwards.
        let old = r#"{"kind":"phishing_link","severity":"critical","score":1.0,"span":null,"excerpt":"x","explanation":"y"}"#;
        let f: Finding = serde_json::from_str(old).unwrap();
        assert_eq!((f.kind(), f.span()), (Kind::PhishingLink, None));
        let odd = r#"{"kind":"phishing_link","severity":"low","score":7.5,"span":[9,3],"excerpt":"x","explanation":"y"}"#;
        let f: Finding = serde_json::from_str(odd).unwrap();
        assert_eq!((f.score(), f.span()), (1.0, Some(9..9)));
        assert!(serde_json::from_str::<Finding>(&old.replace("phishing_link", "nope")).is_err());
    }
}
