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

/// A JSON Lines record as people script them: a UTF-8 byte-order mark before it is
/// skipped, fields other than `known` are set aside (returned by name, sorted, so the
/// caller can warn once) and the rest decodes into `T` with the offending field named.
/// `T` itself may refuse unknown fields: the API, which takes one object, stays strict.
pub fn json_line<T: serde::de::DeserializeOwned>(
    line: &str,
    known: &[&str],
) -> anyhow::Result<(T, Vec<String>)> {
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    let value: Value =
        serde_json::from_str(line).map_err(|e| anyhow::anyhow!("not valid JSON: {e}"))?;
    let Value::Object(mut object) = value else {
        bail!("not a JSON object: {}", json_kind(&value));
    };
    let mut ignored: Vec<String> = object
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .cloned()
        .collect();
    ignored.sort();
    for k in &ignored {
        object.remove(k);
    }
    let record = serde_path_to_error::deserialize(Value::Object(object)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            anyhow::anyhow!("{inner}")
        } else {
            anyhow::anyhow!("field {path:?}: {inner}")
        }
    })?;
    Ok((record, ignored))
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Rec {
        text: String,
        #[serde(default)]
        id: Option<Value>,
    }

    fn check(line: &str, expect: Result<(&str, &[&str]), &str>) {
        let got = json_line::<Rec>(line, &["text", "id"]);
        match (got, expect) {
            (Ok((rec, ignored)), Ok((text, names))) => {
                assert_eq!(rec.text, text, "{line}");
                assert_eq!(ignored, names, "{line}");
            }
            (Err(e), Err(want)) => assert!(e.to_string().contains(want), "{line}: {e}"),
            (got, want) => panic!("{line}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn lines_as_people_script_them() {
        check(r#"{"text":"hi"}"#, Ok(("hi", &[])));
        check("\u{feff}{\"text\":\"hi\"}", Ok(("hi", &[])));
        check(
            r#"{"label":1,"text":"hi","kinds":[],"id":"m1"}"#,
            Ok(("hi", &["kinds", "label"])),
        );
        check(
            r#"{"text":123}"#,
            Err(r#"field "text": invalid type: integer `123`"#),
        );
        check(r#"{"id":"m1"}"#, Err("missing field `text`"));
        check(r#"["text"]"#, Err("not a JSON object: an array"));
        check(r#"{"text":"hi""#, Err("not valid JSON: EOF while parsing"));
    }
}
