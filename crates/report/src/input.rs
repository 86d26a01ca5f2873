//! Reading the checks' JSON input: every error names its field ("seller.opened: ...",
//! "peer_prices[2]: ...").

use anyhow::bail;
use domain::{Currency, Money, Timestamp};
use risk::seller::InputError;
use serde_json::Value;

/// Which field was wrong and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field {field:?}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// JSON into `T`, with the path of the offending field in the error.
pub fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> anyhow::Result<T> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            anyhow::anyhow!("{inner}")
        } else {
            anyhow::anyhow!("{path}: {inner}")
        }
    })
}

pub fn field_error(e: InputError) -> anyhow::Error {
    anyhow::anyhow!("{}: {}", e.field, e.problem)
}

/// A count that must not be negative.
pub(crate) fn count(field: &str, v: i64) -> anyhow::Result<u64> {
    u64::try_from(v).map_err(|_| anyhow::anyhow!("{field}: must not be negative, got {v}"))
}

pub(crate) fn opt_count(field: &str, v: Option<i64>) -> anyhow::Result<Option<u64>> {
    v.map(|v| count(field, v)).transpose()
}

pub(crate) fn currency(field: &str, code: &str) -> anyhow::Result<Currency> {
    Currency::parse(code).map_err(|e| anyhow::anyhow!("{field}: {e}"))
}

/// An amount given as a string ("19.99") or a JSON number (19.99), parsed exactly.
pub(crate) fn money(field: &str, v: &Value, currency: Currency) -> anyhow::Result<Money> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => bail!("{field}: expected an amount like \"19.99\", got {other}"),
    };
    Money::parse(&text, currency).map_err(|e| anyhow::anyhow!("{field}: {e}"))
}

/// A date (YYYY-MM-DD or RFC 3339).
pub fn date(field: &str, text: &str) -> anyhow::Result<Timestamp> {
    Timestamp::parse(text)
        .map_err(|_| anyhow::anyhow!("{field}: {text:?} is not a date (YYYY-MM-DD or RFC 3339)"))
}
