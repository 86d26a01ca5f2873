//! Scam detectors and risk scoring. Pure code: data in, signals out; no IO, no clock.

mod signal;

pub use signal::{Assessment, Kind, Severity, Signal, Thresholds, Verdict, EXCERPT_BYTES_MAX};

pub mod listing;
pub mod seller;
pub mod tracking;
