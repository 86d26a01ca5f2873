//! Messages on an order and the cases they open. The scan itself comes from the
//! `risk` crate through the engine; these rules decide what follows from it: a
//! message is recorded with its findings, a seller's message with a finding of a
//! case kind opens a case for agents and warns the buyer, and policy may hold a
//! message whose verdict is `block` so that it never reaches the buyer.

use domain::{Finding, Kind, OrderId, Verdict, MESSAGE_BYTES_MAX};
use serde::{Deserialize, Serialize};

use crate::decide::{permit, Command, Decision};
use crate::order::{Actor, Event, Order};
use crate::{Policy, Rejection};

/// Longest note an agent leaves when closing a case.
pub const CASE_NOTE_BYTES_MAX: usize = 2000;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Seller,
    Buyer,
    /// Neither party: a notice relayed by the platform, or a sender it does not know.
    Unknown,
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Seller => "seller",
            Party::Buyer => "buyer",
            Party::Unknown => "unknown",
        }
    }
    pub fn parse(s: &str) -> Option<Party> {
        Some(match s {
            "seller" => Party::Seller,
            "buyer" => Party::Buyer,
            "unknown" => Party::Unknown,
            _ => return None,
        })
    }
}

/// What the scanner found in a message (or the parcel checks in a parcel), as the
/// rules need it and the order's log keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    pub risk: u8,
    pub verdict: Verdict,
    /// The kinds of the findings, strongest first, each once.
    pub kinds: Vec<Kind>,
    /// The findings with their evidence (span, excerpt, explanation): what agents see.
    pub signals: Vec<Finding>,
    /// The text was longer than the scanner reads: the findings cover its start only.
    pub truncated: bool,
}

impl Scan {
    /// The kinds found that open a case under `policy`.
    pub fn case_kinds(&self, policy: &Policy) -> Vec<Kind> {
        self.kinds
            .iter()
            .filter(|k| policy.case_kinds.contains(k))
            .copied()
            .collect()
    }
}

/// An agent's finding on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// The message was a scam attempt: the signals were right.
    Scam,
    /// A false alarm: the signals were wrong.
    NotScam,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Scam => "scam",
            Label::NotScam => "not_scam",
        }
    }
    pub fn parse(s: &str) -> Option<Label> {
        Some(match s {
            "scam" => Label::Scam,
            "not_scam" => Label::NotScam,
            _ => return None,
        })
    }
}

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

/// Decides a posted message with the scan the engine made of it. `decide` refuses a
/// `PostMessage`: the scan is an argument here, never part of the command, so a
/// message's sender cannot supply its own.
pub fn decide_message(
    order: Option<&Order>,
    order_id: &OrderId,
    command: &Command,
    actor: &Actor,
    scan: &Scan,
    policy: &Policy,
) -> Result<Decision, Rejection> {
    let Command::PostMessage { id, from, text } = command else {
        return Err(Rejection::InvalidInput(format!(
            "{} is not a message: only messages are decided with a scan",
            command.name()
        )));
    };
    let Some(o) = order else {
        return Err(Rejection::UnknownOrder(order_id.clone()));
    };
    post(o, actor, id, *from, text, scan, policy)
}

/// Decides a posted message: who may post it, under which sender, and what its scan
/// leads to.
fn post(
    o: &Order,
    actor: &Actor,
    id: &str,
    from: Option<Party>,
    text: &str,
    scan: &Scan,
    policy: &Policy,
) -> Result<Decision, Rejection> {
    const COMMAND: &str = "post_message";
    let from = match (actor, from) {
        (Actor::Buyer(b), None | Some(Party::Buyer)) => {
            permit(*b == o.buyer, actor, COMMAND)?;
            Party::Buyer
        }
        (Actor::Seller(s), None | Some(Party::Seller)) => {
            permit(*s == o.seller, actor, COMMAND)?;
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
        _ => return Err(permit(false, actor, COMMAND).unwrap_err()),
    };
    if !valid_message_id(id) {
        return Err(Rejection::InvalidInput(format!(
            "message id {id:?} must be 1 to 64 letters, digits, '-', '_' or '.'"
        )));
    }
    if o.message_ids.iter().any(|m| m == id) {
        return Err(Rejection::Rule {
            rule: "message_id_unique",
            why: format!("order {} already has a message {id}", o.id),
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
    o: &Order,
    actor: &Actor,
    case_id: &str,
    label: Label,
    note: &str,
) -> Result<Decision, Rejection> {
    permit(
        matches!(actor, Actor::Agent(_) | Actor::Platform),
        actor,
        "close_case",
    )?;
    if !o.open_cases.iter().any(|c| c == case_id) {
        return Err(Rejection::Rule {
            rule: "case_open",
            why: format!("order {} has no open case {case_id}", o.id),
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
