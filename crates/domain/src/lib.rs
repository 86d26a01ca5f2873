//! Shared value types of marketguard: money, currencies, typed ids, time, and the
//! taxonomy of findings, tracking numbers and countries. No IO.

pub mod finding;
mod ids;
mod money;
mod place;
mod time;

pub use finding::{Finding, Kind, Severity, Verdict};
pub use ids::{BuyerId, DisputeId, IdError, OrderId, SellerId, TransferId, ID_BYTES_MAX};
pub use money::{Currency, Money, MoneyError};
pub use place::{normalize_tracking, Country, PlaceError, TrackingNumber, TRACKING_BYTES_MAX};
pub use time::{Clock, SystemClock, Timestamp, TimestampError, MS_PER_DAY, MS_PER_HOUR};

/// Longest chat message, in bytes: the most an order accepts and the most the message
/// scanner reads, one number so that a posted message is always scanned whole. Chat
/// messages are far shorter; the limit keeps one huge input from holding a worker.
pub const MESSAGE_BYTES_MAX: usize = 64 * 1024;
