//! Messages on an order and the cases they open. The scan itself comes from the
//! `risk` crate through the engine; these rules decide what follows from it: a
//! message is recorded with its findings, a seller's message with a finding of a
//! case kind opens a case for agents and warns the buyer, and policy may hold a
//! message whose verdict is `block` so that it never reaches the buyer.

use domain::{Kind, Verdict, MESSAGE_BYTES_MAX};

use crate::command::{Label, Party, Scan, Timer, TimerKind};
use crate::context::{Ctx, Decision};
use crate::order::{Actor, Event, Order};
use crate::policy::Policy;
use crate::rejection::Rejection;

/// Longest note an agent leaves when closing a case.
pub const CASE_NOTE_BYTES_MAX: usize = 2000;

/// The case a message opens: `<order>:<message>`.
pub fn case_id(order: &Order, message_id: &str) -> String {
    format!("{}:{message_id}", order.id)
}

fn valid_message_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Decides a posted message: who may post it, under which sender, and what its scan
/// leads to.
pub(crate) fn post(
    c: &Ctx<'_>,
    id: &str,
    from: Option<Party>,
    text: &str,
    scan: &Scan,
) -> Result<Decision, Rejection> {
    let (o, policy) = (c.order, c.policy);
    let from = match (c.actor, from) {
        (Actor::Buyer(b), None | Some(Party::Buyer)) => {
            c.permit(*b == o.buyer)?;
            Party::Buyer
        }
        (Actor::Seller(s), None | Some(Party::Seller)) => {
            c.permit(*s == o.seller)?;
            Party::Seller
        }
        (Actor::Platform, Some(from)) => from,
        (Actor::Platform, None) => {
            return Err(Rejection::InvalidInput(
                "the platform posts messages for someone: give from (seller, buyer or unknown)"
                    .into(),
            ))
        }
        (Actor::Buyer(_) | Actor::Seller(_), Some(_)) => {
            return Err(Rejection::InvalidInput(
                "from must be the poster's own side (or left out)".into(),
            ))
        }
        _ => return Err(c.permit(false).unwrap_err()),
    };
    if !valid_message_id(id) {
        return Err(Rejection::InvalidInput(format!(
            "message id {id:?} must be 1 to 64 letters, digits, '-', '_' or '.'"
        )));
    }
    if o.message_ids.iter().any(|m| m == id) {
        return Err(Rejection::MessageIdTaken {
            order: o.id.clone(),
            id: id.to_string(),
        });
    }
    if text.trim().is_empty() {
        return Err(Rejection::InvalidInput("the message text is empty".into()));
    }
    if text.len() > MESSAGE_BYTES_MAX {
        return Err(Rejection::InvalidInput(format!(
            "the message is longer than {MESSAGE_BYTES_MAX} bytes"
        )));
    }
    let held = policy.hold_blocked_messages && scan.verdict == Verdict::Block;
    let mut d = Decision::default();
    d.events.push(Event::MessagePosted {
        id: id.to_string(),
        from,
        text: text.to_string(),
        risk: scan.risk,
        verdict: scan.verdict,
        kinds: scan.kinds.clone(),
        signals: scan.signals.clone(),
        truncated: scan.truncated,
        held,
    });
    let case_kinds = scan.case_kinds(policy);
    if from != Party::Buyer && !case_kinds.is_empty() {
        d.events.push(Event::CaseOpened {
            case_id: case_id(o, id),
            message_id: id.to_string(),
            kinds: case_kinds.clone(),
            risk: scan.risk,
        });
        d.events.push(Event::BuyerWarned {
            message_id: id.to_string(),
            kinds: case_kinds.clone(),
            warning: warning(&case_kinds, held),
        });
    }
    Ok(d)
}

/// What the buyer is told about a message that opened a case.
fn warning(kinds: &[Kind], held: bool) -> String {
    let mut parts = Vec::new();
    for k in kinds {
        parts.push(match k {
            Kind::OffsitePayment => "asks you to pay outside the platform: pay only at checkout, money sent any other way cannot be refunded",
            Kind::PhishingLink => "contains a link that poses as a site it is not: do not open it or sign in through it",
            Kind::DisputeClosurePressure => "asks you to close your dispute: keep it open until you have your refund or the item",
            Kind::OffsiteContact => "asks you to talk outside the platform: stay in this chat",
            Kind::CredentialRequest => "asks for a password, code or card details: never give them",
            Kind::ExtraCharge => "asks for an extra payment: the price you paid covers delivery",
            _ => "looks like a scam attempt",
        });
    }
    let shown = if held {
        "A message from the seller was held back: it"
    } else {
        "The seller's message"
    };
    format!(
        "{shown} {}. Our team is looking at it.",
        parts.join("; it also ")
    )
}

/// An agent or the platform closes a case with a finding.
pub(crate) fn close_case(
    c: &Ctx<'_>,
    case_id: &str,
    label: Label,
    note: &str,
) -> Result<Decision, Rejection> {
    let o = c.order;
    c.permit(matches!(c.actor, Actor::Agent(_) | Actor::Platform))?;
    if !o.open_cases.iter().any(|c| c == case_id) {
        return Err(Rejection::NoOpenCase {
            order: o.id.clone(),
            case_id: case_id.to_string(),
        });
    }
    if note.len() > CASE_NOTE_BYTES_MAX {
        return Err(Rejection::InvalidInput(format!(
            "the note is longer than {CASE_NOTE_BYTES_MAX} bytes"
        )));
    }
    let mut d = Decision::default();
    d.events.push(Event::CaseClosed {
        case_id: case_id.to_string(),
        label,
        note: note.to_string(),
    });
    // A parcel cleared as a false alarm after its protection ended: the auto-confirm
    // that waited for the agent comes now.
    if o.closing_clears_doubt(case_id, label)
        && o.parcel_in_doubt()
        && o.protection_ends_at.is_some_and(|t| t <= c.now)
    {
        d.timers.push(Timer {
            kind: TimerKind::ProtectionEnds,
            due: c.now,
        });
    }
    Ok(d)
}

/// What the engine found about a parcel when it was shipped or delivered (a malformed
/// or reused tracking number, delivery in another country): recorded on the order, and
/// a case for agents when a kind is one of the policy's case kinds.
pub fn parcel_flags(o: &Order, stage: &str, scan: &Scan, policy: &Policy) -> Vec<Event> {
    if scan.kinds.is_empty() {
        return Vec::new();
    }
    let mut events = vec![Event::ParcelFlagged {
        stage: stage.to_string(),
        risk: scan.risk,
        kinds: scan.kinds.clone(),
        signals: scan.signals.clone(),
    }];
    let case_kinds = scan.case_kinds(policy);
    let case_id = case_id(o, stage);
    if !case_kinds.is_empty() && !o.open_cases.contains(&case_id) {
        events.push(Event::CaseOpened {
            case_id,
            message_id: stage.to_string(),
            kinds: case_kinds,
            risk: scan.risk,
        });
    }
    events
}
