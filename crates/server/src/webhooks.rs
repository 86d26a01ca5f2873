//! Webhooks from the transactional outbox: at-least-once delivery with exponential
//! backoff, signed with HMAC-SHA256 over the timestamp and the body.
//!
//! Header: `Marketguard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
//! A receiver recomputes the HMAC over the raw body, compares in constant time, and
//! rejects timestamps older than a few minutes (see [`verify`]).

use std::time::Duration;

use domain::Timestamp;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use store::{Delivery, Store};

pub const SIGNATURE_HEADER: &str = "marketguard-signature";
/// Outbox rows fanned out and deliveries attempted per round.
pub const BATCH_MAX: i64 = 100;
/// How long a claimed delivery is kept from other processes.
pub const LEASE_MS: i64 = 60_000;
/// One attempt's time limit.
pub const TIMEOUT_MS: u64 = 5_000;
/// Attempts before a delivery is given up (then it stays in the log as failed).
pub const ATTEMPTS_MAX: i64 = 15;
/// Backoff: 30 s doubling per attempt, at most 6 hours.
pub const BACKOFF_BASE_MS: i64 = 30_000;
pub const BACKOFF_MAX_MS: i64 = 6 * 3_600_000;

fn hmac_hex(secret: &str, t: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn signature_header(secret: &str, t: i64, body: &str) -> String {
    format!("t={t},v1={}", hmac_hex(secret, t, body))
}

/// Checks a signature header against the raw body, accepting timestamps within
/// `tolerance_s` of `now_s`.
pub fn verify(secret: &str, header: &str, body: &str, now_s: i64, tolerance_s: i64) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", x)) => t = x.parse::<i64>().ok(),
            Some(("v1", x)) => v1 = Some(x),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    (now_s - t).abs() <= tolerance_s && crate::auth::same_hash(&hmac_hex(secret, t, body), v1)
}

/// The JSON a receiver gets for one event.
fn payload(d: &Delivery) -> String {
    json!({
        "id": format!("{}:{}", d.order_id, d.seq),
        "type": d.event,
        "order": d.order_id,
        "seq": d.seq,
        "at": Timestamp::from_unix_ms(d.at_ms).rfc3339(),
        "actor": d.actor,
        "data": data(&d.body),
    })
    .to_string()
}

/// The event as the current code writes it: decoded through its type, so a row written
/// before findings were typed (findings as a JSON string) goes out as an array too.
fn data(body: &str) -> Value {
    match store::event_from_json(body) {
        Ok(event) => serde_json::to_value(&event).unwrap_or(Value::Null),
        Err(_) => serde_json::from_str(body).unwrap_or(Value::Null),
    }
}

fn backoff_ms(attempt: i64) -> i64 {
    let shift = (attempt - 1).clamp(0, 20) as u32;
    (BACKOFF_BASE_MS << shift).min(BACKOFF_MAX_MS)
}

/// Registers an endpoint; returns its id and signing secret (shown once).
pub async fn add_endpoint(
    store: &Store,
    url: &str,
    now: Timestamp,
) -> anyhow::Result<(String, String)> {
    anyhow::ensure!(
        url.starts_with("https://") || url.starts_with("http://"),
        "webhook url {url:?} must start with https:// or http://"
    );
    let key = crate::auth::new_key();
    let id = format!("wh_{}", key.id);
    let secret = format!("whsec_{}", &key.secret_sha256[..48]);
    store.add_webhook(&id, url, &secret, now).await?;
    Ok((id, secret))
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub fanned_out: usize,
    pub delivered: usize,
    pub retrying: usize,
    pub given_up: usize,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_millis(TIMEOUT_MS))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client with no custom TLS builds")
}

/// Fans out new outbox rows, then attempts every due delivery once.
pub async fn deliver_due(
    store: &Store,
    client: &reqwest::Client,
    now: Timestamp,
) -> anyhow::Result<Round> {
    let mut round = Round {
        fanned_out: store.fan_out(now, BATCH_MAX).await?,
        ..Round::default()
    };
    for d in store.claim_deliveries(now, LEASE_MS, BATCH_MAX).await? {
        let body = payload(&d);
        let t = now.unix_ms() / 1000;
        let result = client
            .post(&d.url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, signature_header(&d.secret, t, &body))
            .header("marketguard-delivery", format!("{}:{}", d.order_id, d.seq))
            .body(body)
            .send()
            .await;
        let (ok, status, error) = match result {
            Ok(r) if r.status().is_success() => (true, Some(r.status().as_u16()), None),
            Ok(r) => (
                false,
                Some(r.status().as_u16()),
                Some(format!("HTTP {}", r.status())),
            ),
            Err(e) => (false, None, Some(e.to_string())),
        };
        let attempt = d.attempts + 1;
        let next = (!ok && attempt < ATTEMPTS_MAX).then(|| now.plus_ms(backoff_ms(attempt)));
        store
            .record_attempt(&d, ok, status, error.as_deref(), next, now)
            .await?;
        match (ok, next) {
            (true, _) => round.delivered += 1,
            (false, Some(_)) => round.retrying += 1,
            (false, None) => round.given_up += 1,
        }
    }
    Ok(round)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_with_findings_in_a_json_string_goes_out_with_an_array() {
        // As the engine of commit 534db01 wrote it.
        let old = r#"{"type":"parcel_flagged","stage":"shipped","risk":81,"kinds":["fake_tracking"],"signals":"[{\"excerpt\":\"RB123456784GB\",\"explanation\":\"looks like a number of a postal service (UPU S10 number) but its check digit is wrong: mistyped or made up\",\"kind\":\"fake_tracking\",\"score\":0.9,\"severity\":\"high\",\"span\":null}]"}"#;
        let v = data(old);
        assert_eq!(v["signals"][0]["kind"], "fake_tracking");
        assert!(v["signals"][0].get("span").is_none(), "{v}");
        assert_eq!(v["kinds"], json!(["fake_tracking"]));
        // A body no event type reads is passed on as it is.
        assert_eq!(data(r#"{"type":"from_the_future","x":1}"#)["x"], 1);
    }

    #[test]
    fn signatures_verify_and_tampering_fails() {
        let h = signature_header("whsec_x", 1_700_000_000, "{\"a\":1}");
        assert!(verify("whsec_x", &h, "{\"a\":1}", 1_700_000_100, 300));
        assert!(!verify("whsec_x", &h, "{\"a\":2}", 1_700_000_100, 300));
        assert!(!verify("whsec_y", &h, "{\"a\":1}", 1_700_000_100, 300));
        assert!(
            !verify("whsec_x", &h, "{\"a\":1}", 1_700_001_000, 300),
            "too old"
        );
        assert!(!verify("whsec_x", "garbage", "{}", 0, 300));
        assert_eq!(backoff_ms(1), 30_000);
        assert_eq!(backoff_ms(3), 120_000);
        assert_eq!(backoff_ms(40), BACKOFF_MAX_MS);
    }
}
