//! What a caller can ask of an order: the commands and everything they carry (dispute
//! claims, evidence, a message's scan, deadlines). The shared words of the rules: this
//! module imports no rule module.

use domain::{
    BuyerId, Country, Finding, Kind, Money, SellerId, Timestamp, TrackingNumber, Verdict,
};
use serde::{Deserialize, Serialize};

use crate::policy::{Policy, THREE_DS_EXEMPTIONS};
use crate::rejection::Rejection;

pub use domain::TRACKING_BYTES_MAX;

/// 3-D Secure outcome reported by the payment provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreeDs {
    Authenticated,
    Attempted,
    Failed,
    NotEnrolled,
    /// An exemption claimed by the acquirer, such as `low_value`: one of
    /// `THREE_DS_EXEMPTIONS` when parsed; the rules refuse any other name.
    Exempt(String),
}

impl ThreeDs {
    /// A result as the payment provider names it; None for anything else, an unknown
    /// exemption included.
    pub fn parse(s: &str) -> Option<ThreeDs> {
        Some(match s {
            "authenticated" => ThreeDs::Authenticated,
            "attempted" => ThreeDs::Attempted,
            "failed" => ThreeDs::Failed,
            "not_enrolled" => ThreeDs::NotEnrolled,
            _ => {
                let name = s.strip_prefix("exempt:")?;
                if !THREE_DS_EXEMPTIONS.contains(&name) {
                    return None;
                }
                ThreeDs::Exempt(name.to_string())
            }
        })
    }

    pub fn as_string(&self) -> String {
        match self {
            ThreeDs::Authenticated => "authenticated".into(),
            ThreeDs::Attempted => "attempted".into(),
            ThreeDs::Failed => "failed".into(),
            ThreeDs::NotEnrolled => "not_enrolled".into(),
            ThreeDs::Exempt(e) => format!("exempt:{e}"),
        }
    }
}

/// Deadlines the engine stores and the timer loop fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimerKind {
    /// The seller's handling time ran out: cancel and refund if not shipped.
    HandlingDeadline,
    /// The protection period ended: auto-confirm if delivered.
    ProtectionEnds,
    /// The on-time guarantee: refund in full if still not delivered.
    GuaranteeDeadline,
    /// The post-completion window closed: released money becomes available.
    PayoutHoldEnds,
    /// The seller did not answer a dispute in time: the request is granted.
    SellerResponseDue,
    /// Day 15 of a dispute: it goes to the platform by itself.
    AutoEscalate,
    /// The buyer did not ship the return in time: the dispute closes for the seller.
    ReturnShipDeadline,
    /// 10 days after the return was delivered: refund even without the seller.
    RefundAfterReturn,
    /// A shipped return that never arrives goes to the platform.
    ReturnOverdue,
    /// No carrier event for `parcel_stale_days`: the parcel is marked stale.
    ParcelStale,
    /// An escalated dispute's agent deadline: overdue, and refunded if the policy says.
    EscalationDeadline,
}

impl TimerKind {
    pub const ALL: [TimerKind; 11] = [
        TimerKind::HandlingDeadline,
        TimerKind::ProtectionEnds,
        TimerKind::GuaranteeDeadline,
        TimerKind::PayoutHoldEnds,
        TimerKind::SellerResponseDue,
        TimerKind::AutoEscalate,
        TimerKind::ReturnShipDeadline,
        TimerKind::RefundAfterReturn,
        TimerKind::ReturnOverdue,
        TimerKind::ParcelStale,
        TimerKind::EscalationDeadline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TimerKind::HandlingDeadline => "handling_deadline",
            TimerKind::ProtectionEnds => "protection_ends",
            TimerKind::GuaranteeDeadline => "guarantee_deadline",
            TimerKind::PayoutHoldEnds => "payout_hold_ends",
            TimerKind::SellerResponseDue => "seller_response_due",
            TimerKind::AutoEscalate => "auto_escalate",
            TimerKind::ReturnShipDeadline => "return_ship_deadline",
            TimerKind::RefundAfterReturn => "refund_after_return",
            TimerKind::ReturnOverdue => "return_overdue",
            TimerKind::ParcelStale => "parcel_stale",
            TimerKind::EscalationDeadline => "escalation_deadline",
        }
    }

    pub fn parse(s: &str) -> Option<TimerKind> {
        TimerKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timer {
    pub kind: TimerKind,
    pub due: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Place {
        buyer: BuyerId,
        seller: SellerId,
        price: Money,
        shipping: Money,
        handling_days: Option<i64>,
        promised_days: i64,
        destination_country: Option<Country>,
        options: OrderOptions,
    },
    Pay {
        amount: Money,
        three_ds: ThreeDs,
    },
    Ship {
        tracking: TrackingNumber,
    },
    Deliver {
        country: Option<Country>,
    },
    /// A carrier's tracking event (a scan) on the order's parcel: what happened, where
    /// and when. A `delivered` scan delivers the order as `Deliver` does.
    CarrierEvent(CarrierEvent),
    /// The carrier reports the parcel's weight in grams.
    Weigh {
        grams: i64,
    },
    ConfirmReceipt {
        /// Must be true when there is no delivery event yet: the buyer acknowledges
        /// that confirming ends buyer protection.
        acknowledge_no_delivery: bool,
    },
    Cancel,
    RequestExtension {
        days: i64,
    },
    GrantExtension {
        days: i64,
    },
    /// A deadline fired; only the `system` actor sends these.
    Fire(TimerKind),
    Dispute(DisputeCommand),
    /// A chat message on the order. `from` is needed when the platform posts for a
    /// party; buyers and sellers post as themselves. The engine scans the text (the
    /// `risk` crate's message scanner) and decides it with `decide_message`.
    PostMessage {
        id: String,
        from: Option<Party>,
        text: String,
    },
    /// An agent closes a case with a finding: the message was a scam or a false alarm.
    CloseCase {
        case_id: String,
        label: Label,
        note: String,
    },
    /// The buyer's feedback on a completed order: 1 to 5 stars, optional detailed
    /// ratings (1 to 5) and text.
    LeaveFeedback {
        stars: i64,
        item_as_described: Option<i64>,
        communication: Option<i64>,
        shipping_speed: Option<i64>,
        text: String,
    },
}

/// What a carrier's scan says of the parcel. Names are the storage and API format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CarrierEventKind {
    /// The carrier took the parcel in.
    Accepted,
    InTransit,
    /// Held or cleared at customs.
    Customs,
    OutForDelivery,
    Delivered,
    /// On its way back to the sender: it will not reach the buyer.
    Returned,
}

impl CarrierEventKind {
    pub const ALL: [CarrierEventKind; 6] = [
        CarrierEventKind::Accepted,
        CarrierEventKind::InTransit,
        CarrierEventKind::Customs,
        CarrierEventKind::OutForDelivery,
        CarrierEventKind::Delivered,
        CarrierEventKind::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CarrierEventKind::Accepted => "accepted",
            CarrierEventKind::InTransit => "in_transit",
            CarrierEventKind::Customs => "customs",
            CarrierEventKind::OutForDelivery => "out_for_delivery",
            CarrierEventKind::Delivered => "delivered",
            CarrierEventKind::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<CarrierEventKind> {
        CarrierEventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Longest free-text location of a carrier event ("Frankfurt hub"), in bytes.
pub const CARRIER_LOCATION_BYTES_MAX: usize = 200;

/// A carrier's scan as a command carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierEvent {
    pub kind: CarrierEventKind,
    /// Must be the number the order was shipped with (rule `tracking`).
    pub tracking: TrackingNumber,
    pub country: Country,
    /// The carrier's own words for the place, at most `CARRIER_LOCATION_BYTES_MAX`.
    pub location: Option<String>,
    /// When the carrier scanned the parcel; the command's time when absent. Not after
    /// the command's time, not before the shipment.
    pub scanned_at: Option<Timestamp>,
}

/// Longest feedback text, in bytes.
pub const FEEDBACK_TEXT_BYTES_MAX: usize = 2000;

/// Terms set when an order is placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderOptions {
    /// The buyer is an EU consumer: 14-day withdrawal and the legal guarantee apply.
    pub eu_consumer: bool,
    /// A Choice order: the platform pays return shipping.
    pub choice: bool,
    /// The item is eligible for the 2-year EU legal guarantee.
    pub legal_guarantee: bool,
    /// The listing carries Guaranteed Genuine: an upheld counterfeit claim refunds
    /// price and shipping times the policy's multiplier, backed by the guarantee fund.
    /// Other orders' counterfeit claims are refunded like not-as-described ones.
    pub guaranteed_genuine: bool,
    /// What the items ordered weigh, in grams (the listing's weight times the
    /// quantity), when known: a carrier weight far from it is ship-and-switch.
    pub weight_grams: Option<i64>,
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Place { .. } => "place",
            Command::Pay { .. } => "pay",
            Command::Ship { .. } => "ship",
            Command::Deliver { .. } => "deliver",
            Command::CarrierEvent(_) => "carrier_event",
            Command::Weigh { .. } => "weigh",
            Command::ConfirmReceipt { .. } => "confirm_receipt",
            Command::Cancel => "cancel",
            Command::RequestExtension { .. } => "request_extension",
            Command::GrantExtension { .. } => "grant_extension",
            Command::Fire(_) => "fire_timer",
            Command::Dispute(c) => c.name(),
            Command::LeaveFeedback { .. } => "leave_feedback",
            Command::PostMessage { .. } => "post_message",
            Command::CloseCase { .. } => "close_case",
        }
    }
}

impl Command {
    /// Every amount the command carries, with the name of its field: the rules check
    /// each against the order's currency and the policy's limit before anything else.
    pub fn amounts(&self) -> Vec<(&'static str, Money)> {
        match self {
            Command::Place {
                price, shipping, ..
            } => vec![("price", *price), ("shipping", *shipping)],
            Command::Pay { amount, .. } => vec![("amount", *amount)],
            Command::Dispute(DisputeCommand::Open {
                requested: Some(m), ..
            })
            | Command::Dispute(DisputeCommand::Counter { requested: m }) => {
                vec![("requested", *m)]
            }
            Command::Dispute(DisputeCommand::Respond {
                response: RespondWith::Partial(m),
                ..
            })
            | Command::Dispute(DisputeCommand::Decide {
                outcome: DecideAs::RefundPartial(m),
            }) => vec![("amount", *m)],
            Command::Dispute(DisputeCommand::ReturnShipped {
                shipping_cost: Some(m),
                ..
            }) => vec![("shipping_cost", *m)],
            _ => Vec::new(),
        }
    }
}

/// Longest text of one piece of evidence, in bytes.
pub const EVIDENCE_TEXT_BYTES_MAX: usize = 4000;
/// Most pieces of evidence one dispute keeps.
pub const EVIDENCE_PER_DISPUTE_MAX: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    NotReceived,
    NotAsDescribed,
    Counterfeit,
    Damaged,
    WrongItem,
    MissingParts,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 7] = [
        Reason::NotReceived,
        Reason::NotAsDescribed,
        Reason::Counterfeit,
        Reason::Damaged,
        Reason::WrongItem,
        Reason::MissingParts,
        Reason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NotReceived => "not_received",
            Reason::NotAsDescribed => "not_as_described",
            Reason::Counterfeit => "counterfeit",
            Reason::Damaged => "damaged",
            Reason::WrongItem => "wrong_item",
            Reason::MissingParts => "missing_parts",
            Reason::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Evidence attached to a dispute. Photos are referenced by content hash, never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Evidence {
    Text { text: String },
    Photo { sha256: String, media_type: String },
    Tracking { number: TrackingNumber },
    Message { id: String },
}

impl Evidence {
    pub(crate) fn check(&self) -> Result<(), Rejection> {
        let bad = |m: String| Err(Rejection::InvalidInput(m));
        match self {
            Evidence::Text { text } if text.trim().is_empty() => {
                bad("evidence text is empty".into())
            }
            Evidence::Text { text } if text.len() > EVIDENCE_TEXT_BYTES_MAX => bad(format!(
                "evidence text is longer than {EVIDENCE_TEXT_BYTES_MAX} bytes"
            )),
            Evidence::Photo { sha256, .. }
                if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                bad(format!(
                    "photo sha256 {sha256:?} must be 64 hexadecimal digits"
                ))
            }
            Evidence::Photo { media_type, .. }
                if !matches!(
                    media_type.as_str(),
                    "image/jpeg" | "image/png" | "image/webp" | "image/heic" | "video/mp4"
                ) =>
            {
                bad(format!(
                    "media type {media_type:?} must be image/jpeg, image/png, image/webp, image/heic or video/mp4"
                ))
            }
            Evidence::Message { id } if id.is_empty() || id.len() > 64 => {
                bad(format!("message id {id:?} is not valid"))
            }
            _ => Ok(()),
        }
    }
}

/// A seller's answer to the buyer's request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    /// Grant the buyer's request as it stands.
    Accept,
    /// Offer a partial refund of this many minor units.
    Partial { amount_minor: i64 },
    /// Offer a return and a full refund.
    Return,
    /// Refuse, with evidence.
    Reject,
}

/// A seller's response as a command carries it: an offer keeps its currency until the
/// rules have checked it against the order's. The log records it as a [`Response`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RespondWith {
    Accept,
    /// Offer a partial refund of this amount.
    Partial(Money),
    Return,
    Reject,
}

impl RespondWith {
    /// What the log records once the amount is checked.
    pub(crate) fn recorded(self) -> Response {
        match self {
            RespondWith::Accept => Response::Accept,
            RespondWith::Partial(m) => Response::Partial {
                amount_minor: m.amount_minor(),
            },
            RespondWith::Return => Response::Return,
            RespondWith::Reject => Response::Reject,
        }
    }
}

/// An agent's decision as a command carries it: a partial refund keeps its currency
/// until the rules have checked it against the order's. The log records an [`Outcome`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecideAs {
    RefundFull,
    RefundPartial(Money),
    ReturnAndRefund,
    Rejected,
    /// Not an agent's to decide: refused with the rule `decision`.
    Withdrawn,
}

impl DecideAs {
    /// What the log records once the amount is checked.
    pub(crate) fn recorded(self) -> Outcome {
        match self {
            DecideAs::RefundFull => Outcome::RefundFull,
            DecideAs::RefundPartial(m) => Outcome::RefundPartial {
                amount_minor: m.amount_minor(),
            },
            DecideAs::ReturnAndRefund => Outcome::ReturnAndRefund,
            DecideAs::Rejected => Outcome::Rejected,
            DecideAs::Withdrawn => Outcome::Withdrawn,
        }
    }
}

/// How a dispute ended. Names are fixed by design.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outcome {
    RefundFull,
    RefundPartial {
        amount_minor: i64,
    },
    ReturnAndRefund,
    /// The seller keeps the money.
    Rejected,
    /// The buyer closed the dispute.
    Withdrawn,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::RefundFull => "refund_full",
            Outcome::RefundPartial { .. } => "refund_partial",
            Outcome::ReturnAndRefund => "return_and_refund",
            Outcome::Rejected => "rejected",
            Outcome::Withdrawn => "withdrawn",
        }
    }
}

/// The kind of claim: the standard dispute, or the EU consumer rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Claim {
    #[default]
    Dispute,
    /// EU right of withdrawal: 14 days after delivery, return and full refund, the
    /// buyer pays the return shipping.
    EuWithdrawal,
    /// EU legal guarantee: a defect within 2 years of delivery on an eligible item.
    EuLegalGuarantee,
}

/// Commands on an order's dispute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DisputeCommand {
    Open {
        reason: Reason,
        /// None asks for a full refund.
        requested: Option<Money>,
        evidence: Vec<Evidence>,
    },
    /// EU consumers: the 14-day right of withdrawal after delivery.
    EuWithdrawal,
    Respond {
        response: RespondWith,
        evidence: Vec<Evidence>,
    },
    AcceptOffer,
    Counter {
        requested: Money,
    },
    AddEvidence {
        evidence: Vec<Evidence>,
    },
    Escalate,
    Decide {
        outcome: DecideAs,
    },
    Withdraw {
        /// The buyer confirms that protection for this order then ends.
        confirm_protection_ends: bool,
    },
    ReturnShipped {
        tracking: TrackingNumber,
        /// What the buyer paid to ship it back; the platform pays it for Choice orders.
        shipping_cost: Option<Money>,
    },
    ReturnDelivered,
    /// The seller confirms the return arrived.
    ReturnReceived,
}

impl DisputeCommand {
    pub fn name(&self) -> &'static str {
        match self {
            DisputeCommand::Open { .. } => "open_dispute",
            DisputeCommand::EuWithdrawal => "eu_withdrawal",
            DisputeCommand::Respond { .. } => "respond_to_dispute",
            DisputeCommand::AcceptOffer => "accept_offer",
            DisputeCommand::Counter { .. } => "counter_offer",
            DisputeCommand::AddEvidence { .. } => "add_evidence",
            DisputeCommand::Escalate => "escalate",
            DisputeCommand::Decide { .. } => "decide_dispute",
            DisputeCommand::Withdraw { .. } => "withdraw_dispute",
            DisputeCommand::ReturnShipped { .. } => "return_shipped",
            DisputeCommand::ReturnDelivered => "return_delivered",
            DisputeCommand::ReturnReceived => "return_received",
        }
    }
}

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
