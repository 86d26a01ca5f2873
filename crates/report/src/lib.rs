//! The JSON shapes that the CLI and the API share: order commands in (`command`, for
//! `marketguard orders exec` and `POST /v1/orders/{id}/commands`), and the typed output
//! of every scan and assessment, for `marketguard scan|assess` and the API's
//! `/v1/scan/*` and `/v1/assess/*`: the input shapes and their parsing,
//! the JSON (structs with named fields, documented in `/openapi.json`), and the short
//! reports a person reads (verdict, context, reasons, what to do). The detectors are in
//! `risk` and `reviews`; nothing here does IO but reading lines it is given.

pub mod command;
pub mod input;
pub mod listing;
pub mod reviews;
pub mod scan;
pub mod seller;
pub mod text;
pub mod tracking;

use domain::finding::{FindingJson, Kind, Severity};
use risk::{Assessment, Finding};
use serde::Serialize;

pub use input::{from_json, json_line, FieldError};
pub use listing::{listing_report, ListingInput, ListingOut};
pub use scan::{AssessmentOut, ScanLinkIn, ScanLinkOut, ScanMessageIn, ScanMessageOut};
pub use seller::{profile_from_ratings, seller_from_input, seller_report, SellerInput, SellerOut};
pub use text::assessment_text;
pub use tracking::{read_tracking_lines, tracking_report, TrackingLine, TrackingOut};

/// One check's result: its JSON and the report for people.
#[derive(Debug, Clone)]
pub struct Assessed<T> {
    pub json: T,
    pub text: String,
}

/// A finding in the assessments' JSON (`assess seller|listing|tracking|reviews`),
/// the same fields as [`FindingJson`] with the keys in alphabetical order: those
/// objects were first written through serde_json's sorted map, and readers of the
/// contract compare them byte for byte. The scans keep [`FindingJson`]'s order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SortedFinding {
    excerpt: String,
    explanation: String,
    kind: Kind,
    score: f64,
    severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    span: Option<[usize; 2]>,
}

impl From<&Finding> for SortedFinding {
    fn from(f: &Finding) -> SortedFinding {
        let j = FindingJson::from(f.clone());
        SortedFinding {
            excerpt: j.excerpt,
            explanation: j.explanation,
            kind: j.kind,
            score: j.score,
            severity: j.severity,
            span: j.span,
        }
    }
}

/// An assessment's findings for the checks' JSON.
pub(crate) fn sorted_findings(a: &Assessment) -> Vec<SortedFinding> {
    a.signals().iter().map(SortedFinding::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use risk::Severity;

    #[test]
    fn sorted_findings_have_the_fields_of_the_wire_shape() {
        for f in [
            Finding::in_text(
                Kind::PhishingLink,
                Severity::High,
                0.91234,
                "go to x.io",
                6..10,
                "a look-alike",
            ),
            Finding::new(Kind::SellerRisk, Severity::Low, 0.2, "", "new store"),
        ] {
            let sorted = serde_json::to_value(SortedFinding::from(&f)).unwrap();
            let wire = serde_json::to_value(FindingJson::from(f.clone())).unwrap();
            assert_eq!(sorted, wire);
            let text = serde_json::to_string(&SortedFinding::from(&f)).unwrap();
            let keys: Vec<&str> = sorted
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let at: Vec<usize> = keys
                .iter()
                .map(|k| text.find(&format!("\"{k}\"")).unwrap())
                .collect();
            assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
        }
    }
}
