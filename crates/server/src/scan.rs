//! The JSON shapes of message and link scans (design.md section 5), shared by
//! `POST /v1/scan/message`, `POST /v1/scan/link`, messages posted on orders and
//! `marketguard scan messages|links`.

use risk::{Assessment, Context, LinkReport, Message, MessageReport, Sender, Signal};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::dto::FieldError;

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

/// One finding with its evidence.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct SignalOut {
    /// The signal kind (design.md section 1), e.g. `offsite_payment`.
    pub kind: String,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// Confidence in [0, 1].
    pub score: f64,
    /// Byte offsets `[start, end)` into the original text, when the signal points
    /// into one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<[usize; 2]>,
    pub excerpt: String,
    /// A sentence a person can read.
    pub explanation: String,
}

impl From<&Signal> for SignalOut {
    fn from(s: &Signal) -> Self {
        SignalOut {
            kind: s.kind().as_str().to_string(),
            severity: s.severity().as_str().to_string(),
            score: (s.score() * 1000.0).round() / 1000.0,
            span: s.span().map(|r| [r.start, r.end]),
            excerpt: s.excerpt().to_string(),
            explanation: s.explanation().to_string(),
        }
    }
}

/// Signals combined into a risk and a verdict.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AssessmentOut {
    /// 0 (nothing found) to 100.
    pub risk: u8,
    /// `allow`, `warn`, `review` or `block`.
    pub verdict: String,
    pub signals: Vec<SignalOut>,
}

impl From<&Assessment> for AssessmentOut {
    fn from(a: &Assessment) -> Self {
        AssessmentOut {
            risk: a.risk(),
            verdict: a.verdict().as_str().to_string(),
            signals: a.signals().iter().map(SignalOut::from).collect(),
        }
    }
}

/// The scan of one message.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ScanMessageOut {
    #[serde(default)]
    pub id: Option<serde_json::Value>,
    #[serde(flatten)]
    pub assessment: AssessmentOut,
    /// Present and true when the text was longer than the scanner reads
    /// (`risk::MAX_MESSAGE_BYTES`); the rest was not scanned.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
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

/// The scan of one link.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
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
