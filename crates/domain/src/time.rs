//! Time as a value: timestamps in UTC milliseconds, day-based durations and the clock.
//! The core never reads the clock; the shell passes `now` in.

use std::fmt;

pub const MS_PER_DAY: i64 = 86_400_000;
pub const MS_PER_HOUR: i64 = 3_600_000;

/// Milliseconds since the Unix epoch, UTC.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid timestamp {0:?}: expected RFC 3339 such as 2026-11-24T15:00:00Z, or a date 2026-11-24"
)]
pub struct TimestampError(pub String);

impl Timestamp {
    pub const fn from_unix_ms(ms: i64) -> Timestamp {
        Timestamp(ms)
    }

    pub const fn unix_ms(self) -> i64 {
        self.0
    }

    /// Parses RFC 3339, or a bare date taken as midnight UTC.
    pub fn parse(text: &str) -> Result<Timestamp, TimestampError> {
        let t = text.trim();
        if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
            return Ok(Timestamp(dt.timestamp_millis()));
        }
        if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            let dt = d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
            return Ok(Timestamp(dt.timestamp_millis()));
        }
        Err(TimestampError(text.to_string()))
    }

    pub fn plus_ms(self, ms: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(ms))
    }

    pub fn plus_days(self, days: i64) -> Timestamp {
        self.plus_ms(days.saturating_mul(MS_PER_DAY))
    }

    /// Whole days from `self` to `later`, rounded down (negative when `later` is earlier).
    pub fn days_until(self, later: Timestamp) -> i64 {
        (later.0 - self.0).div_euclid(MS_PER_DAY)
    }

    pub fn rfc3339(self) -> String {
        match chrono::DateTime::from_timestamp_millis(self.0) {
            Some(dt) => dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            None => format!("@{}ms", self.0),
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

/// Where the shell gets the time from: the system clock in `serve`, a simulated one in
/// `simulate` and tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp(chrono::Utc::now().timestamp_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_and_dates() {
        let a = Timestamp::parse("2026-11-24T00:00:00Z").unwrap();
        let b = Timestamp::parse("2026-11-24").unwrap();
        assert_eq!(a, b);
        let c = Timestamp::parse("2026-11-24T02:00:00+02:00").unwrap();
        assert_eq!(c, a);
        assert_eq!(a.plus_days(7).rfc3339(), "2026-12-01T00:00:00Z");
        assert_eq!(a.days_until(a.plus_ms(MS_PER_DAY * 3 - 1)), 2);
        assert!(Timestamp::parse("24/11/2026").is_err());
    }
}
