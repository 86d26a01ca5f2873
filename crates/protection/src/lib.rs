//! Buyer protection: the order lifecycle and its rules as pure functions.
//! `decide(state, command, actor, now, policy)` returns events, ledger transfers and
//! deadlines, or the rule that refuses the command; `apply(state, event)` folds events
//! into state. No IO, no clock.

mod decide;
mod order;
mod policy;

pub use decide::{
    decide, transfer_id, Command, Decision, Rejection, ThreeDs, Timer, TimerKind,
    TRACKING_BYTES_MAX,
};
pub use order::{apply, Actor, CancelReason, Event, Order, Recorded, Status};
pub use policy::Policy;
