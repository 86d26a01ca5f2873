//! Buyer protection: the order lifecycle and its rules as pure functions.
//! `decide(state, command, actor, now, policy)` returns events, ledger transfers and
//! deadlines, or the rule that refuses the command; `apply(state, event)` folds events
//! into state. No IO, no clock.

mod decide;
mod dispute;
mod messages;
mod order;
mod policy;
mod ratings;

pub use decide::{
    decide, transfer_id, Command, Decision, OrderOptions, Rejection, ThreeDs, Timer, TimerKind,
    FEEDBACK_TEXT_BYTES_MAX, TRACKING_BYTES_MAX,
};
pub use dispute::{
    refundable_minor, Claim, Dispute, DisputeCommand, Evidence, Outcome, Reason, Response, Stage,
    EVIDENCE_PER_DISPUTE_MAX, EVIDENCE_TEXT_BYTES_MAX,
};
pub use messages::{
    case_id, decide_message, parcel_flags, Label as CaseLabel, Party, Scan as MessageScan,
    CASE_NOTE_BYTES_MAX,
};
pub use order::{apply, Actor, CancelReason, Event, Order, Recorded, Status};
pub use policy::Policy;
pub use ratings::{seller_ratings, Average, Rate, RatingPolicy, SellerRatings};
