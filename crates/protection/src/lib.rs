//! Buyer protection: the order lifecycle and its rules as pure functions.
//! `decide(state, command, actor, now, policy)` returns events, ledger transfers and
//! deadlines, or the rule that refuses the command; `apply(state, event)` folds events
//! into state. No IO, no clock.

mod command;
mod context;
mod decide;
mod dispute;
mod lifecycle;
mod messages;
mod order;
mod policy;
mod ratings;
mod rejection;

pub use command::{
    Claim, Command, DisputeCommand, Evidence, Label as CaseLabel, OrderOptions, Outcome, Party,
    Reason, Response, Scan as MessageScan, ThreeDs, Timer, TimerKind, EVIDENCE_PER_DISPUTE_MAX,
    EVIDENCE_TEXT_BYTES_MAX, FEEDBACK_TEXT_BYTES_MAX, TRACKING_BYTES_MAX,
};
pub use context::{transfer_id, Decision};
pub use decide::decide;
pub use dispute::refundable_minor;
pub use messages::{case_id, parcel_flags, CASE_NOTE_BYTES_MAX, MESSAGE_BYTES_MAX};
pub use order::{apply, Actor, CancelReason, Dispute, Event, Order, Recorded, Stage, Status};
pub use policy::Policy;
pub use ratings::{seller_ratings, Average, Rate, RatingPolicy, SellerRatings};
pub use rejection::{Rejection, Window, Withdrawal, WrongStage};
