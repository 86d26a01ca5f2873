//! Operations: Prometheus metrics and a per-key rate limit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

type Labels = Vec<(String, String)>;

/// Requests a buyer, seller or agent key may make per second, sustained, and at once
/// before the rate applies.
pub const RATE_PER_SECOND: f64 = 200.0;
pub const RATE_BURST: f64 = 400.0;
/// The same for platform and admin keys: the marketplace's backend speaks for all of
/// its users through them.
pub const PLATFORM_RATE_PER_SECOND: f64 = 10_000.0;
pub const PLATFORM_RATE_BURST: f64 = 20_000.0;
/// Keys the limiter remembers; past this it starts over (all buckets full).
pub const RATE_KEYS_MAX: usize = 100_000;

pub struct Metrics {
    registry: Registry,
    pub http_requests: Family<Labels, Counter>,
    pub http_seconds: Histogram,
    pub commands: Family<Labels, Counter>,
    pub deadlines_fired: Counter,
    pub scans: Family<Labels, Counter>,
    /// Escalated disputes past their agent deadline with no decision, read from the
    /// database at each scrape.
    pub disputes_overdue: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let http_requests = Family::<Labels, Counter>::default();
        let http_seconds = Histogram::new(exponential_buckets(0.0005, 2.0, 14));
        let commands = Family::<Labels, Counter>::default();
        let deadlines_fired = Counter::default();
        registry.register(
            "marketguard_http_requests",
            "HTTP requests by route, method and status",
            http_requests.clone(),
        );
        registry.register(
            "marketguard_http_request_seconds",
            "Time to answer an HTTP request",
            http_seconds.clone(),
        );
        registry.register(
            "marketguard_commands",
            "Order commands by command and result",
            commands.clone(),
        );
        registry.register(
            "marketguard_deadlines_fired",
            "Deadlines fired by the timer loop",
            deadlines_fired.clone(),
        );
        let scans = Family::<Labels, Counter>::default();
        registry.register(
            "marketguard_scans",
            "Messages and links scanned through the API",
            scans.clone(),
        );
        let disputes_overdue = Gauge::default();
        registry.register(
            "marketguard_disputes_overdue",
            "Escalated disputes past their agent deadline with no decision",
            disputes_overdue.clone(),
        );
        Metrics {
            registry,
            disputes_overdue,
            http_requests,
            http_seconds,
            commands,
            deadlines_fired,
            scans,
        }
    }
}

impl Metrics {
    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A token bucket per API key.
#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// Takes one token for `key`, which may make `rate` requests per second with
    /// bursts of `burst`; on refusal, the seconds until a token is back.
    pub fn take(&self, key: &str, rate: f64, burst: f64, now: Instant) -> Result<(), f64> {
        let mut buckets = self.buckets.lock().expect("rate limiter lock");
        if buckets.len() >= RATE_KEYS_MAX && !buckets.contains_key(key) {
            buckets.clear();
        }
        let b = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * rate).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err((1.0 - b.tokens) / rate)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_refills_at_the_rate() {
        let l = RateLimiter::default();
        let t0 = Instant::now();
        let take = |k: &str, t: Instant| l.take(k, RATE_PER_SECOND, RATE_BURST, t);
        for _ in 0..RATE_BURST as usize {
            assert!(take("k", t0).is_ok());
        }
        let wait = take("k", t0).unwrap_err();
        assert!(wait > 0.0 && wait <= 1.0 / RATE_PER_SECOND + 1e-9);
        assert!(take("other", t0).is_ok(), "keys have their own buckets");
        let later = t0 + std::time::Duration::from_secs_f64(2.0 / RATE_PER_SECOND);
        assert!(take("k", later).is_ok());
    }
}
