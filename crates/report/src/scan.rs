//! The scans of chat messages and links (design.md section 5): what `POST
//! /v1/scan/message`, `POST /v1/scan/link` and `marketguard scan messages|links` read
//! and write, as JSON and as the lines a person reads.

use domain::finding::FindingJson;
use risk::{Assessment, Context, LinkReport, Message, MessageReport, Sender, Verdict};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::input::FieldError;
use crate::text::assessment_text;

/// One chat message to scan. Only `text` is required.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanMessageIn {
    /// The caller's id for the message, echoed in the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<serde_json::Value>,
    pub text: String,
    /// `seller`, `buyer` or `unknown` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// `pre_order`, `in_transit`, `delivered`, `dispute_open` or `unknown` (the
    /// default): where the order stood when the message was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// ISO 639-1 language code, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

impl ScanMessageIn {
    /// The fields of the input format; `marketguard scan messages` sets others aside
    /// with a warning.
    pub const FIELDS: &'static [&'static str] = &["id", "text", "sender", "context", "lang"];

    /// The message for the scanner; a clear error for an unknown sender or context.
    pub fn message(&self) -> Result<Message<'_>, FieldError> {
        let sender = match self.sender.as_deref() {
            None => Sender::Unknown,
            Some(s) => Sender::parse(s).ok_or_else(|| FieldError {
                field: "sender",
                message: format!("{s:?} is not one of seller, buyer, unknown"),
            })?,
        };
        let context = match self.context.as_deref() {
            None => Context::Unknown,
            Some(c) => Context::parse(c).ok_or_else(|| FieldError {
                field: "context",
                message: format!(
                    "{c:?} is not one of pre_order, in_transit, delivered, dispute_open, unknown"
                ),
            })?,
        };
        if let Some(lang) = &self.lang {
            let ok = (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_lowercase());
            if !ok {
                return Err(FieldError {
                    field: "lang",
                    message: format!("{lang:?} is not an ISO 639 language code such as \"es\""),
                });
            }
        }
        Ok(Message {
            text: &self.text,
            sender,
            context,
            lang: self.lang.as_deref(),
        })
    }
}

/// Findings combined into a risk and a verdict.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct AssessmentOut {
    /// 0 (nothing found) to 100.
    pub risk: u8,
    pub verdict: Verdict,
    pub signals: Vec<FindingJson>,
}

impl From<&Assessment> for AssessmentOut {
    fn from(a: &Assessment) -> Self {
        AssessmentOut {
            risk: a.risk(),
            verdict: a.verdict(),
            signals: a.signals().iter().cloned().map(FindingJson::from).collect(),
        }
    }
}

/// The scan of one message.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct ScanMessageOut {
    /// The caller's id of the message, or null.
    pub id: Option<serde_json::Value>,
    #[serde(flatten)]
    pub assessment: AssessmentOut,
    /// Present and true when the text was longer than the scanner reads
    /// (`domain::MESSAGE_BYTES_MAX`); the rest was not scanned.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

impl ScanMessageOut {
    pub fn new(id: Option<serde_json::Value>, report: &MessageReport) -> Self {
        ScanMessageOut {
            id,
            assessment: AssessmentOut::from(&report.assessment),
            truncated: report.truncated,
        }
    }
}

/// A link to scan.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanLinkIn {
    /// With or without a scheme; defanged links ("hxxp", "[.]") are read too.
    pub url: String,
}

impl ScanLinkIn {
    /// The fields of the input format; `marketguard scan links` sets others aside
    /// with a warning.
    pub const FIELDS: &'static [&'static str] = &["url"];
}

/// The scan of one link.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct ScanLinkOut {
    pub url: String,
    #[serde(flatten)]
    pub assessment: AssessmentOut,
    /// The registrable domain (eTLD+1 from the public suffix list), in ASCII.
    pub registrable_domain: Option<String>,
    /// The official domain of the brand the link poses as, or null.
    pub impersonates: Option<String>,
}

impl ScanLinkOut {
    pub fn new(url: String, report: &LinkReport) -> Self {
        ScanLinkOut {
            url,
            assessment: AssessmentOut::from(&report.assessment),
            registrable_domain: report.registrable_domain.clone(),
            impersonates: report.impersonates.clone(),
        }
    }
}

/// A message's scan for people: its id (a JSON string shown bare), the verdict, the
/// reasons and what to do, and a note when the text was cut.
pub fn message_text(id: Option<&serde_json::Value>, report: &MessageReport) -> String {
    let id = id
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        .unwrap_or_default();
    let mut text = format!(
        "{}{}",
        if id.is_empty() {
            String::new()
        } else {
            format!("{id}: ")
        },
        assessment_text(&report.assessment)
    );
    if report.truncated {
        text.push_str(&format!(
            "  note: only the first {} bytes were scanned\n",
            report.scanned_bytes
        ));
    }
    text
}

/// A link's scan for people: the link, the verdict and reasons, its registrable
/// domain and the brand it poses as.
pub fn link_text(url: &str, report: &LinkReport) -> String {
    let mut text = format!("{url}\n  {}", assessment_text(&report.assessment));
    if let Some(d) = &report.registrable_domain {
        text.push_str(&format!("  domain: {d}"));
        if report.official {
            text.push_str(" (official)");
        }
        text.push('\n');
    }
    if let Some(brand) = &report.impersonates {
        text.push_str(&format!("  poses as: {brand}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_lists_name_every_field_of_the_input_formats() {
        let full = ScanMessageIn {
            id: Some(serde_json::json!("m1")),
            text: "t".into(),
            sender: Some("seller".into()),
            context: Some("pre_order".into()),
            lang: Some("en".into()),
        };
        let keys: Vec<String> = match serde_json::to_value(&full).unwrap() {
            serde_json::Value::Object(o) => o.keys().cloned().collect(),
            other => panic!("{other}"),
        };
        let mut want: Vec<&str> = ScanMessageIn::FIELDS.to_vec();
        want.sort();
        assert_eq!(keys, want);
        let link = serde_json::to_value(ScanLinkIn { url: "u".into() }).unwrap();
        assert_eq!(
            link.as_object().unwrap().keys().collect::<Vec<_>>(),
            ScanLinkIn::FIELDS
        );
    }
}
