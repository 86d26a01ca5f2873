//! Scam detectors and risk scoring. Pure code: data in, signals out; no IO, no clock.

mod entities;
pub mod fold;
pub mod lexicon;
pub mod link;
pub mod message;
mod signal;

pub use domain::MESSAGE_BYTES_MAX;
pub use link::{LinkReport, LinkScanner};
pub use message::{mask_cards, Context, Message, MessageReport, MessageScanner, Sender};
pub use signal::{Assessment, Finding, Kind, Severity, Thresholds, Verdict, EXCERPT_BYTES_MAX};

pub mod listing;
pub mod seller;
pub mod tracking;
