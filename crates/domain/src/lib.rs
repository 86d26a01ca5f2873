//! Shared value types of marketguard: money, currencies, typed ids, time. No IO.

mod ids;
mod money;
mod time;

pub use ids::{
    normalize_tracking, BuyerId, DisputeId, IdError, OrderId, SellerId, TransferId, ID_BYTES_MAX,
};
pub use money::{Currency, Money, MoneyError};
pub use time::{Clock, SystemClock, Timestamp, TimestampError, MS_PER_DAY, MS_PER_HOUR};
