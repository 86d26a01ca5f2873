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
    CarrierEvent, CarrierEventKind, Claim, Command, DecideAs, DisputeCommand, Evidence,
    Label as CaseLabel, OrderOptions, Outcome, Party, Reason, RespondWith, Response,
    Scan as MessageScan, ThreeDs, Timer, TimerKind, CARRIER_LOCATION_BYTES_MAX,
    EVIDENCE_PER_DISPUTE_MAX, EVIDENCE_TEXT_BYTES_MAX, FEEDBACK_TEXT_BYTES_MAX, TRACKING_BYTES_MAX,
};
pub use context::{transfer_id, Decision};
pub use decide::{deadline_acts, decide, decide_message};
pub use dispute::refundable_minor;
pub use lifecycle::WEIGHT_GRAMS_MAX;
pub use messages::{case_id, parcel_flags, CASE_NOTE_BYTES_MAX};
pub use order::{apply, Actor, CancelReason, Dispute, Event, Order, Recorded, Stage, Status};
pub use policy::{Policy, THREE_DS_EXEMPTIONS};
pub use ratings::{seller_ratings, Average, Rate, RatingPolicy, SellerRatings};
pub use rejection::{Rejection, Window, Withdrawal, WrongStage};

#[cfg(test)]
mod tests {
    /// The modules from the bottom layer up, with their source. A module may use only
    /// modules listed before it: the shared types (rejection, policy, command, order,
    /// context) use no rule module, and no two modules import each other.
    const LAYERS: [(&str, &str); 10] = [
        ("rejection", include_str!("rejection.rs")),
        ("policy", include_str!("policy.rs")),
        ("command", include_str!("command.rs")),
        ("order", include_str!("order.rs")),
        ("context", include_str!("context.rs")),
        ("ratings", include_str!("ratings.rs")),
        ("dispute", include_str!("dispute.rs")),
        ("lifecycle", include_str!("lifecycle.rs")),
        ("messages", include_str!("messages.rs")),
        ("decide", include_str!("decide.rs")),
    ];

    /// The first name of every `crate::` path in `source`, `use crate::{a, b::C}`
    /// giving `a` and `b`.
    fn crate_paths(source: &str) -> Vec<&str> {
        let ident = |s: &str| {
            let s = s.trim_start();
            let end = s
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(s.len());
            s[..end].to_string()
        };
        let mut names = Vec::new();
        for (at, _) in source.match_indices("crate::") {
            let rest = &source[at + "crate::".len()..];
            match rest.strip_prefix('{') {
                Some(group) => {
                    let mut depth = 0;
                    let mut item_start = true;
                    for (i, c) in group.char_indices() {
                        match c {
                            '{' => depth += 1,
                            '}' if depth == 0 => break,
                            '}' => depth -= 1,
                            ',' if depth == 0 => item_start = true,
                            c if c.is_whitespace() => {}
                            _ if item_start => {
                                item_start = false;
                                names.push(&group[i..i + ident(&group[i..]).len()]);
                            }
                            _ => {}
                        }
                    }
                }
                None => names.push(&rest[..ident(rest).len()]),
            }
        }
        names
    }

    #[test]
    fn modules_use_only_lower_layers() {
        let modules: Vec<&str> = LAYERS.iter().map(|(name, _)| *name).collect();
        for (layer, (name, source)) in LAYERS.iter().enumerate() {
            for used in crate_paths(source) {
                // A path through a re-export of lib.rs would hide the module it
                // comes from: every path names its module.
                let Some(at) = modules.iter().position(|m| *m == used) else {
                    panic!("{name}: crate::{used} is not a module of the crate");
                };
                assert!(
                    at < layer,
                    "{name} uses {used}, a module of its layer or above"
                );
            }
        }
    }

    #[test]
    fn crate_paths_reads_groups_and_plain_paths() {
        let source = "use crate::{a, b::{C, D}, e};\nlet x = crate::f::g();";
        assert_eq!(crate_paths(source), ["a", "b", "e", "f"]);
    }
}
