//! The order: its events (the append-only record) and the state folded from them.

use domain::{BuyerId, Currency, Finding, Kind, Money, OrderId, SellerId, Timestamp, Verdict};
use serde::{Deserialize, Serialize};

use crate::command::{CarrierEventKind, Claim, Evidence, Label, Outcome, Party, Reason, Response};

/// Order lifecycle of design.md section 2. Names are fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Placed,
    Paid,
    Shipped,
    Delivered,
    Completed,
    Cancelled,
    Disputed,
    Resolved,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Placed => "placed",
            Status::Paid => "paid",
            Status::Shipped => "shipped",
            Status::Delivered => "delivered",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
            Status::Disputed => "disputed",
            Status::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Placed,
            Status::Paid,
            Status::Shipped,
            Status::Delivered,
            Status::Completed,
            Status::Cancelled,
            Status::Disputed,
            Status::Resolved,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// Who did something. Every event records one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    Buyer(BuyerId),
    Seller(SellerId),
    /// The marketplace backend, acting for its users.
    Platform,
    /// A carrier's tracking feed.
    Carrier,
    /// A trust-and-safety agent.
    Agent(String),
    /// The timer loop, enforcing a deadline.
    System,
}

impl Actor {
    /// `buyer:<id>`, `seller:<id>`, `platform`, `carrier`, `agent:<name>`, `system`.
    pub fn parse(s: &str) -> Option<Actor> {
        match s.split_once(':') {
            Some(("buyer", id)) => BuyerId::parse(id).ok().map(Actor::Buyer),
            Some(("seller", id)) => SellerId::parse(id).ok().map(Actor::Seller),
            Some(("agent", name)) if !name.is_empty() => Some(Actor::Agent(name.to_string())),
            None if s == "platform" => Some(Actor::Platform),
            None if s == "carrier" => Some(Actor::Carrier),
            None if s == "system" => Some(Actor::System),
            _ => None,
        }
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Buyer(id) => write!(f, "buyer:{id}"),
            Actor::Seller(id) => write!(f, "seller:{id}"),
            Actor::Platform => f.write_str("platform"),
            Actor::Carrier => f.write_str("carrier"),
            Actor::Agent(name) => write!(f, "agent:{name}"),
            Actor::System => f.write_str("system"),
        }
    }
}

/// Why an order was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    BuyerRequest,
    SellerRequest,
    PlatformRequest,
    /// Not shipped by the handling deadline.
    NotShippedInTime,
    /// Not delivered by the promised date plus grace: the on-time guarantee refunds.
    NotDeliveredInTime,
}

impl CancelReason {
    pub fn as_str(self) -> &'static str {
        match self {
            CancelReason::BuyerRequest => "buyer_request",
            CancelReason::SellerRequest => "seller_request",
            CancelReason::PlatformRequest => "platform_request",
            CancelReason::NotShippedInTime => "not_shipped_in_time",
            CancelReason::NotDeliveredInTime => "not_delivered_in_time",
        }
    }
}

/// What happened to an order. Stored as JSON in the event log; field names are part of
/// the storage format: add fields with defaults, never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Placed {
        buyer: String,
        seller: String,
        currency: String,
        price_minor: i64,
        shipping_minor: i64,
        handling_days: i64,
        promised_days: i64,
        destination_country: Option<String>,
        #[serde(default)]
        eu_consumer: bool,
        #[serde(default)]
        choice: bool,
        #[serde(default)]
        legal_guarantee: bool,
        #[serde(default)]
        weight_grams: Option<i64>,
        /// Orders placed before the flag existed read as not guaranteed.
        #[serde(default)]
        guaranteed_genuine: bool,
    },
    Paid {
        amount_minor: i64,
        three_ds: String,
        ship_by_ms: i64,
    },
    Shipped {
        tracking: String,
        promised_ms: i64,
        protection_ends_ms: i64,
        guarantee_ms: i64,
    },
    Delivered {
        country: Option<String>,
        late: bool,
        /// When the carrier delivered, as its scan said; absent when it is the time
        /// the event was recorded (a `deliver` command).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delivered_ms: Option<i64>,
    },
    /// A carrier's tracking event (scan) on the parcel: what, where and when
    /// (`scanned_ms`, which may be before the event was recorded).
    CarrierScanned {
        kind: CarrierEventKind,
        tracking: String,
        country: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location: Option<String>,
        scanned_ms: i64,
    },
    /// The on-time guarantee paid the fixed compensation for a late delivery.
    LateCompensated {
        amount_minor: i64,
    },
    ExtensionRequested {
        days: i64,
    },
    ProtectionExtended {
        days: i64,
        protection_ends_ms: i64,
        guarantee_ms: i64,
        reason: String,
    },
    /// The buyer confirmed receipt; `warning` is set when it came before any delivery
    /// event, since the buyer then gives up protection knowingly.
    Confirmed {
        early: bool,
        warning: Option<String>,
        released_minor: i64,
        payout_ms: i64,
    },
    /// The protection period ended with the parcel delivered and no open dispute.
    AutoConfirmed {
        released_minor: i64,
        payout_ms: i64,
    },
    Cancelled {
        reason: CancelReason,
        refunded_minor: i64,
    },
    /// The payout hold ended: released money became available to the seller.
    PaidOut {
        amount_minor: i64,
    },
    DisputeOpened {
        reason: Reason,
        claim: Claim,
        requested_minor: i64,
        evidence: Vec<Evidence>,
        seller_due_ms: i64,
    },
    SellerResponded {
        response: Response,
        evidence: Vec<Evidence>,
    },
    /// The seller did not respond in time: the request is granted.
    SellerResponseMissed,
    OfferAccepted,
    BuyerCountered {
        requested_minor: i64,
        seller_due_ms: i64,
    },
    EvidenceAdded {
        evidence: Vec<Evidence>,
    },
    DisputeEscalated {
        automatic: bool,
        /// When an agent must have decided; absent in disputes escalated before the
        /// deadline existed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent_due_ms: Option<i64>,
    },
    /// The agent deadline of an escalated dispute passed with no decision.
    DisputeOverdue {
        agent_due_ms: i64,
    },
    DisputeDecided {
        outcome: Outcome,
    },
    ReturnStarted {
        ship_by_ms: i64,
        refund_minor: i64,
        platform_pays_shipping: bool,
    },
    ReturnShipped {
        tracking: String,
        platform_paid_minor: i64,
    },
    ReturnDelivered {
        refund_due_ms: i64,
    },
    /// The dispute closed; the money moved as recorded. `warning` is set when the buyer
    /// withdrew, since protection for the order then ends.
    DisputeResolved {
        outcome: Outcome,
        refunded_minor: i64,
        released_minor: i64,
        clawed_back_minor: i64,
        guarantee_minor: i64,
        payout_ms: i64,
        warning: Option<String>,
        /// The rule that closed the dispute when no party or agent did:
        /// `on_time_guarantee`, `not_shipped_in_time`, `escalation_overdue`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rule: Option<String>,
    },
    FeedbackLeft {
        stars: i64,
        item_as_described: Option<i64>,
        communication: Option<i64>,
        shipping_speed: Option<i64>,
        text: String,
    },
    /// A chat message with what the scanner found in it; `held` when policy kept it
    /// from the buyer.
    MessagePosted {
        id: String,
        from: Party,
        text: String,
        risk: u8,
        verdict: Verdict,
        kinds: Vec<Kind>,
        /// The findings, the evidence agents see.
        #[serde(deserialize_with = "stored_findings::deserialize")]
        signals: Vec<Finding>,
        /// The text was longer than the scanner reads; absent when it was read whole.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        truncated: bool,
        held: bool,
    },
    /// The carrier weighed the parcel.
    Weighed {
        grams: i64,
    },
    /// No carrier movement for the policy's number of days: the parcel may never
    /// have been handed over.
    ParcelStale {
        days_without_movement: i64,
    },
    /// The parcel checks found something when the order was shipped or delivered.
    ParcelFlagged {
        /// `shipped` or `delivered`.
        stage: String,
        risk: u8,
        kinds: Vec<Kind>,
        /// The findings of the parcel checks.
        #[serde(deserialize_with = "stored_findings::deserialize")]
        signals: Vec<Finding>,
    },
    /// A message (or a parcel check, `message_id` then being `shipped` or
    /// `delivered`) opened a case for the trust-and-safety agents.
    CaseOpened {
        case_id: String,
        message_id: String,
        kinds: Vec<Kind>,
        risk: u8,
    },
    /// The buyer was told what a message tried.
    BuyerWarned {
        message_id: String,
        kinds: Vec<Kind>,
        warning: String,
    },
    /// An agent closed a case with a finding.
    CaseClosed {
        case_id: String,
        label: Label,
        note: String,
    },
}

/// Findings as events keep them: a JSON array. Rows written before findings were typed
/// hold the same array inside a JSON string, which still decodes.
mod stored_findings {
    use std::fmt;

    use domain::Finding;
    use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Finding>, D::Error> {
        d.deserialize_any(Findings)
    }

    struct Findings;

    impl<'de> Visitor<'de> for Findings {
        type Value = Vec<Finding>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of findings, or such an array as a JSON string")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Vec<Finding>, A::Error> {
            Vec::deserialize(de::value::SeqAccessDeserializer::new(seq))
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Vec<Finding>, E> {
            serde_json::from_str(text).map_err(E::custom)
        }
    }
}

impl Event {
    pub fn name(&self) -> &'static str {
        match self {
            Event::Placed { .. } => "placed",
            Event::Paid { .. } => "paid",
            Event::Shipped { .. } => "shipped",
            Event::Delivered { .. } => "delivered",
            Event::CarrierScanned { .. } => "carrier_scanned",
            Event::LateCompensated { .. } => "late_compensated",
            Event::ExtensionRequested { .. } => "extension_requested",
            Event::ProtectionExtended { .. } => "protection_extended",
            Event::Confirmed { .. } => "confirmed",
            Event::AutoConfirmed { .. } => "auto_confirmed",
            Event::Cancelled { .. } => "cancelled",
            Event::PaidOut { .. } => "paid_out",
            Event::DisputeOpened { .. } => "dispute_opened",
            Event::SellerResponded { .. } => "seller_responded",
            Event::SellerResponseMissed => "seller_response_missed",
            Event::OfferAccepted => "offer_accepted",
            Event::BuyerCountered { .. } => "buyer_countered",
            Event::EvidenceAdded { .. } => "evidence_added",
            Event::DisputeEscalated { .. } => "dispute_escalated",
            Event::DisputeDecided { .. } => "dispute_decided",
            Event::DisputeOverdue { .. } => "dispute_overdue",
            Event::ReturnStarted { .. } => "return_started",
            Event::ReturnShipped { .. } => "return_shipped",
            Event::ReturnDelivered { .. } => "return_delivered",
            Event::DisputeResolved { .. } => "dispute_resolved",
            Event::FeedbackLeft { .. } => "feedback_left",
            Event::MessagePosted { .. } => "message_posted",
            Event::CaseOpened { .. } => "case_opened",
            Event::ParcelFlagged { .. } => "parcel_flagged",
            Event::Weighed { .. } => "weighed",
            Event::ParcelStale { .. } => "parcel_stale",
            Event::BuyerWarned { .. } => "buyer_warned",
            Event::CaseClosed { .. } => "case_closed",
        }
    }
}

/// Where a dispute stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    AwaitingSeller {
        due: Timestamp,
    },
    AwaitingBuyer {
        offer: Response,
    },
    Escalated,
    Return {
        ship_by: Timestamp,
        shipped: bool,
        refund_due: Option<Timestamp>,
    },
    Closed(Outcome),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispute {
    pub reason: Reason,
    pub claim: Claim,
    pub requested_minor: i64,
    pub opened_at: Timestamp,
    pub stage: Stage,
    pub rounds: i64,
    pub evidence: Vec<Evidence>,
    pub escalated: bool,
    /// When an agent must have decided the escalated dispute.
    pub agent_due: Option<Timestamp>,
    /// The agent deadline fired with the dispute still waiting for an agent.
    pub overdue: bool,
}

impl Dispute {
    pub fn is_open(&self) -> bool {
        !matches!(self.stage, Stage::Closed(_))
    }

    /// Waiting for an agent past its deadline at `now` (also before the deadline's
    /// timer has fired).
    pub fn overdue_at(&self, now: Timestamp) -> bool {
        self.stage == Stage::Escalated && self.agent_due.is_some_and(|due| due <= now)
    }
}

/// An event as recorded: position in the order's log, when and by whom.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub seq: i64,
    pub at: Timestamp,
    pub actor: Actor,
    pub event: Event,
}

/// The state of one order, folded from its events. Read-only outside this crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: OrderId,
    pub buyer: BuyerId,
    pub seller: SellerId,
    pub currency: Currency,
    pub price_minor: i64,
    pub shipping_minor: i64,
    pub status: Status,
    pub handling_days: i64,
    pub promised_days: i64,
    pub destination_country: Option<String>,
    pub placed_at: Timestamp,
    pub paid_at: Option<Timestamp>,
    pub ship_by: Option<Timestamp>,
    pub shipped_at: Option<Timestamp>,
    pub tracking: Option<String>,
    pub promised_at: Option<Timestamp>,
    pub protection_ends_at: Option<Timestamp>,
    pub guarantee_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub payout_at: Option<Timestamp>,
    pub captured_minor: i64,
    pub released_minor: i64,
    pub refunded_minor: i64,
    pub compensated_minor: i64,
    pub paid_out_minor: i64,
    pub extension_requested_days: Option<i64>,
    pub extension_days_total: i64,
    pub early_confirmation: bool,
    /// EU consumer rights apply (14-day withdrawal, legal guarantee).
    pub eu_consumer: bool,
    /// A Choice order: the platform pays return shipping.
    pub choice: bool,
    /// Eligible for the 2-year EU legal guarantee.
    pub legal_guarantee: bool,
    /// The listing carried Guaranteed Genuine.
    pub guaranteed_genuine: bool,
    pub dispute: Option<Dispute>,
    pub cancel_reason: Option<CancelReason>,
    pub feedback_stars: Option<i64>,
    pub feedback_at: Option<Timestamp>,
    /// (item as described, communication, shipping speed), each 1 to 5 when given.
    pub feedback_detail: [Option<i64>; 3],
    /// Ids of the messages posted on the order.
    pub message_ids: Vec<String>,
    /// Cases opened by messages and not closed yet.
    pub open_cases: Vec<String>,
    /// What the items weigh (from the listing), and what the carrier weighed.
    pub weight_grams: Option<i64>,
    pub carrier_weight_grams: Option<i64>,
    /// Signal kinds the parcel checks raised (fake_tracking, ship_and_switch).
    pub parcel_kinds: Vec<Kind>,
    /// The open parcel cases that the fake-tracking flag opened.
    pub doubt_cases: Vec<String>,
    /// An agent closed the last of them as a false alarm after the last fake-tracking
    /// flag: the parcel is no longer in doubt.
    pub parcel_cleared: bool,
    /// The latest carrier event (a scan, or weighing); marked stale after
    /// `parcel_stale_days` without one, until the next.
    pub last_carrier_at: Option<Timestamp>,
    pub parcel_stale: bool,
    /// A carrier scan said the parcel is going back to the sender.
    pub returned_to_sender: bool,
    pub clawed_back_minor: i64,
    pub guarantee_minor: i64,
    pub return_shipping_paid_minor: i64,
    /// Seq of the last event applied: the optimistic-concurrency version.
    pub version: i64,
}

impl Order {
    pub fn total(&self) -> Money {
        // `place` refuses a total above the policy's limit, so the sum cannot overflow.
        let total = self
            .price_minor
            .checked_add(self.shipping_minor)
            .expect("an order's total was bounded when it was placed");
        Money::from_minor(total, self.currency).expect("order totals are non-negative")
    }

    /// Money still held in escrow for this order.
    pub fn held_minor(&self) -> i64 {
        self.captured_minor - self.released_minor - self.refunded_minor
    }

    /// When the seller's money becomes available to withdraw, while the seller keeps
    /// some of what was released: none on an order refunded in full (its payout
    /// deadline still fires, and pays nothing).
    pub fn payout_due_at(&self) -> Option<Timestamp> {
        self.payout_at
            .filter(|_| self.released_minor > self.clawed_back_minor)
    }

    /// Folds the log into the state. Events come from `decide`, so an event that does
    /// not fit the state is a bug in the log, not a user error: it panics.
    pub fn replay(id: &OrderId, log: &[Recorded]) -> Option<Order> {
        let mut order: Option<Order> = None;
        for r in log {
            order = Some(apply(order, id, r));
        }
        order
    }
}

/// Applies one recorded event to the state.
/// Adds an event's amount to an order's sum. The rules bound every amount by what the
/// order captured, itself bounded by the policy, so an overflow is a broken invariant.
fn add(sum: &mut i64, minor: &i64) {
    *sum = sum
        .checked_add(*minor)
        .expect("an order's money sums stay within its bounded total");
}

/// The stages at which the parcel checks run; a parcel case is `ORDER:STAGE`.
pub const PARCEL_STAGES: [&str; 3] = ["shipped", "delivered", "weighed"];

impl Order {
    /// The parcel checks found the tracking fake, reused or delivered elsewhere, and no
    /// agent has cleared it since: the buyer may say it never came at once, and the
    /// order is not confirmed for the seller meanwhile.
    pub fn parcel_in_doubt(&self) -> bool {
        self.parcel_kinds.contains(&Kind::FakeTracking) && !self.parcel_cleared
    }

    /// Whether closing `case_id` with `label` clears the parcel: it is the last open
    /// case the fake-tracking flag opened, and an agent found it a false alarm. Closing
    /// another parcel case (a weight check's, say) clears nothing.
    pub fn closing_clears_doubt(&self, case_id: &str, label: Label) -> bool {
        label == Label::NotScam && self.doubt_cases == [case_id]
    }

    /// Whether `case_id` is a case the parcel checks opened on this order.
    pub fn is_parcel_case(&self, case_id: &str) -> bool {
        case_id
            .strip_prefix(self.id.as_str())
            .and_then(|rest| rest.strip_prefix(':'))
            .is_some_and(|stage| PARCEL_STAGES.contains(&stage))
    }
}

pub fn apply(order: Option<Order>, id: &OrderId, r: &Recorded) -> Order {
    let at = r.at;
    let mut o = match (order, &r.event) {
        (None, e @ Event::Placed { .. }) => placed(id, e, at),
        (None, e) => panic!("order {id}: first event is {}, not placed", e.name()),
        (Some(o), Event::Placed { .. }) => panic!("order {}: placed twice", o.id),
        (Some(mut o), e) => {
            apply_order(&mut o, e, at);
            o
        }
    };
    assert_eq!(r.seq, o.version + 1, "order {id}: event seq out of order");
    o.version = r.seq;
    assert!(
        o.held_minor() >= 0,
        "order {id}: released plus refunded exceed captured"
    );
    assert!(
        o.clawed_back_minor <= o.released_minor,
        "order {id}: more taken back than released"
    );
    o
}

/// The state an order starts from: its `placed` event.
fn placed(id: &OrderId, e: &Event, at: Timestamp) -> Order {
    let Event::Placed {
        buyer,
        seller,
        currency,
        price_minor,
        shipping_minor,
        handling_days,
        promised_days,
        destination_country,
        eu_consumer,
        choice,
        legal_guarantee,
        guaranteed_genuine,
        weight_grams,
    } = e
    else {
        unreachable!("apply passes placed events only")
    };
    Order {
        id: id.clone(),
        buyer: BuyerId::parse(buyer).expect("stored buyer id"),
        seller: SellerId::parse(seller).expect("stored seller id"),
        currency: Currency::parse(currency).expect("stored currency"),
        price_minor: *price_minor,
        shipping_minor: *shipping_minor,
        status: Status::Placed,
        handling_days: *handling_days,
        promised_days: *promised_days,
        destination_country: destination_country.clone(),
        placed_at: at,
        paid_at: None,
        ship_by: None,
        shipped_at: None,
        tracking: None,
        promised_at: None,
        protection_ends_at: None,
        guarantee_at: None,
        delivered_at: None,
        completed_at: None,
        payout_at: None,
        captured_minor: 0,
        released_minor: 0,
        refunded_minor: 0,
        compensated_minor: 0,
        paid_out_minor: 0,
        extension_requested_days: None,
        extension_days_total: 0,
        early_confirmation: false,
        eu_consumer: *eu_consumer,
        choice: *choice,
        legal_guarantee: *legal_guarantee,
        guaranteed_genuine: *guaranteed_genuine,
        dispute: None,
        cancel_reason: None,
        feedback_stars: None,
        feedback_at: None,
        feedback_detail: [None; 3],
        message_ids: Vec::new(),
        open_cases: Vec::new(),
        weight_grams: *weight_grams,
        carrier_weight_grams: None,
        parcel_kinds: Vec::new(),
        doubt_cases: Vec::new(),
        parcel_cleared: false,
        last_carrier_at: None,
        parcel_stale: false,
        returned_to_sender: false,
        clawed_back_minor: 0,
        guarantee_minor: 0,
        return_shipping_paid_minor: 0,
        version: 0,
    }
}

/// Applies an event of the order lifecycle; hands the others on.
fn apply_order(o: &mut Order, e: &Event, at: Timestamp) {
    let ts = Timestamp::from_unix_ms;
    match e {
        Event::Placed { .. } => unreachable!("apply handles placed"),
        Event::Paid {
            amount_minor,
            ship_by_ms,
            ..
        } => {
            o.status = Status::Paid;
            o.paid_at = Some(at);
            o.captured_minor = *amount_minor;
            o.ship_by = Some(ts(*ship_by_ms));
        }
        Event::Shipped {
            tracking,
            promised_ms,
            protection_ends_ms,
            guarantee_ms,
        } => {
            o.status = Status::Shipped;
            o.shipped_at = Some(at);
            o.tracking = Some(tracking.clone());
            o.promised_at = Some(ts(*promised_ms));
            o.protection_ends_at = Some(ts(*protection_ends_ms));
            o.guarantee_at = Some(ts(*guarantee_ms));
        }
        Event::Delivered { delivered_ms, .. } => {
            // Delivered during an open dispute: the dispute goes on, the delivery is
            // its evidence.
            if o.status == Status::Shipped {
                o.status = Status::Delivered;
            }
            o.delivered_at = Some(delivered_ms.map_or(at, ts));
        }
        Event::LateCompensated { amount_minor } => add(&mut o.compensated_minor, amount_minor),
        Event::ExtensionRequested { days } => o.extension_requested_days = Some(*days),
        Event::ProtectionExtended {
            days,
            protection_ends_ms,
            guarantee_ms,
            ..
        } => {
            o.extension_days_total += days;
            o.extension_requested_days = None;
            o.protection_ends_at = Some(ts(*protection_ends_ms));
            o.guarantee_at = Some(ts(*guarantee_ms));
        }
        Event::Confirmed {
            early,
            released_minor,
            payout_ms,
            ..
        } => {
            o.status = Status::Completed;
            o.early_confirmation = *early;
            o.completed_at = Some(at);
            add(&mut o.released_minor, released_minor);
            o.payout_at = Some(ts(*payout_ms));
        }
        Event::AutoConfirmed {
            released_minor,
            payout_ms,
        } => {
            o.status = Status::Completed;
            o.completed_at = Some(at);
            add(&mut o.released_minor, released_minor);
            o.payout_at = Some(ts(*payout_ms));
        }
        Event::Cancelled {
            refunded_minor,
            reason,
        } => {
            o.status = Status::Cancelled;
            o.cancel_reason = Some(*reason);
            add(&mut o.refunded_minor, refunded_minor);
        }
        Event::PaidOut { amount_minor } => add(&mut o.paid_out_minor, amount_minor),
        Event::FeedbackLeft {
            stars,
            item_as_described,
            communication,
            shipping_speed,
            ..
        } => {
            o.feedback_stars = Some(*stars);
            o.feedback_at = Some(at);
            o.feedback_detail = [*item_as_described, *communication, *shipping_speed];
        }
        Event::MessagePosted { .. }
        | Event::CaseOpened { .. }
        | Event::CaseClosed { .. }
        | Event::BuyerWarned { .. }
        | Event::ParcelFlagged { .. }
        | Event::Weighed { .. }
        | Event::CarrierScanned { .. }
        | Event::ParcelStale { .. } => apply_checks(o, e, at),
        e => apply_dispute(o, e, at),
    }
}

/// Applies an event of messages, cases and parcel checks.
fn apply_checks(o: &mut Order, e: &Event, at: Timestamp) {
    match e {
        Event::MessagePosted { id, .. } => o.message_ids.push(id.clone()),
        Event::CaseOpened { case_id, kinds, .. } => {
            o.open_cases.push(case_id.clone());
            if kinds.contains(&Kind::FakeTracking) && o.is_parcel_case(case_id) {
                o.doubt_cases.push(case_id.clone());
            }
        }
        Event::CaseClosed { case_id, label, .. } => {
            if o.closing_clears_doubt(case_id, *label) {
                o.parcel_cleared = true;
            }
            o.open_cases.retain(|c| c != case_id);
            o.doubt_cases.retain(|c| c != case_id);
        }
        Event::BuyerWarned { .. } => {}
        Event::ParcelFlagged { kinds, .. } => {
            if kinds.contains(&Kind::FakeTracking) {
                o.parcel_cleared = false;
            }
            for k in kinds {
                if !o.parcel_kinds.contains(k) {
                    o.parcel_kinds.push(*k);
                }
            }
        }
        Event::Weighed { grams } => {
            o.carrier_weight_grams = Some(*grams);
            o.last_carrier_at = Some(at);
            o.parcel_stale = false;
        }
        Event::CarrierScanned {
            kind, scanned_ms, ..
        } => {
            let scanned = Timestamp::from_unix_ms(*scanned_ms);
            // Scans may arrive out of order: the latest one says when it last moved.
            o.last_carrier_at = Some(o.last_carrier_at.map_or(scanned, |t| t.max(scanned)));
            o.parcel_stale = false;
            if *kind == CarrierEventKind::Returned {
                o.returned_to_sender = true;
            }
        }
        Event::ParcelStale { .. } => o.parcel_stale = true,
        other => unreachable!("not a message or parcel event: {}", other.name()),
    }
}

fn dispute_mut(o: &mut Order) -> &mut Dispute {
    o.dispute
        .as_mut()
        .expect("dispute events follow dispute_opened")
}

fn apply_dispute(o: &mut Order, e: &Event, at: Timestamp) {
    let ts = Timestamp::from_unix_ms;
    match e {
        Event::DisputeOpened {
            reason,
            claim,
            requested_minor,
            evidence,
            seller_due_ms,
        } => {
            o.status = Status::Disputed;
            o.dispute = Some(Dispute {
                reason: *reason,
                claim: *claim,
                requested_minor: *requested_minor,
                opened_at: at,
                stage: Stage::AwaitingSeller {
                    due: ts(*seller_due_ms),
                },
                rounds: 1,
                evidence: evidence.clone(),
                escalated: false,
                agent_due: None,
                overdue: false,
            });
        }
        Event::SellerResponded { response, evidence } => {
            let x = dispute_mut(o);
            x.evidence.extend(evidence.iter().cloned());
            x.stage = Stage::AwaitingBuyer {
                offer: response.clone(),
            };
        }
        Event::SellerResponseMissed | Event::OfferAccepted | Event::DisputeDecided { .. } => {}
        Event::BuyerCountered {
            requested_minor,
            seller_due_ms,
        } => {
            let x = dispute_mut(o);
            x.requested_minor = *requested_minor;
            x.rounds += 1;
            x.stage = Stage::AwaitingSeller {
                due: ts(*seller_due_ms),
            };
        }
        Event::EvidenceAdded { evidence } => {
            dispute_mut(o).evidence.extend(evidence.iter().cloned())
        }
        Event::DisputeEscalated { agent_due_ms, .. } => {
            let x = dispute_mut(o);
            x.escalated = true;
            x.stage = Stage::Escalated;
            x.agent_due = agent_due_ms.map(ts);
        }
        Event::DisputeOverdue { .. } => dispute_mut(o).overdue = true,
        Event::ReturnStarted {
            ship_by_ms,
            refund_minor,
            ..
        } => {
            let x = dispute_mut(o);
            x.requested_minor = *refund_minor;
            x.stage = Stage::Return {
                ship_by: ts(*ship_by_ms),
                shipped: false,
                refund_due: None,
            };
        }
        Event::ReturnShipped {
            platform_paid_minor,
            ..
        } => {
            add(&mut o.return_shipping_paid_minor, platform_paid_minor);
            if let Stage::Return { shipped, .. } = &mut dispute_mut(o).stage {
                *shipped = true;
            }
        }
        Event::ReturnDelivered { refund_due_ms } => {
            if let Stage::Return { refund_due, .. } = &mut dispute_mut(o).stage {
                *refund_due = Some(ts(*refund_due_ms));
            }
        }
        Event::DisputeResolved {
            outcome,
            refunded_minor,
            released_minor,
            clawed_back_minor,
            guarantee_minor,
            payout_ms,
            ..
        } => {
            o.status = Status::Resolved;
            add(&mut o.refunded_minor, refunded_minor);
            add(&mut o.released_minor, released_minor);
            add(&mut o.clawed_back_minor, clawed_back_minor);
            add(&mut o.guarantee_minor, guarantee_minor);
            if *released_minor > 0 || o.payout_at.is_none() {
                o.payout_at = Some(ts(*payout_ms).max(o.payout_at.unwrap_or(ts(*payout_ms))));
            }
            dispute_mut(o).stage = Stage::Closed(*outcome);
        }
        other => unreachable!("not a dispute event: {}", other.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Rows as the event log held them before findings were typed (written by the
    // engine of commit 534db01): the findings sit in a JSON string, a parcel finding
    // with `"span":null`.
    const OLD_MESSAGE: &str = r#"{"type":"message_posted","id":"m1","from":"seller","text":"pay me by western union, add me on whatsapp +44 7700 900123","risk":96,"verdict":"block","kinds":["offsite_payment","offsite_contact"],"signals":"[{\"excerpt\":\"western union\",\"explanation\":\"asks for a payment method outside the platform's escrow: money sent this way cannot be refunded\",\"kind\":\"offsite_payment\",\"score\":0.9,\"severity\":\"high\",\"span\":[10,23]},{\"excerpt\":\"whatsapp\",\"explanation\":\"names a chat app to move the conversation off the platform, where buyer protection cannot see it\",\"kind\":\"offsite_contact\",\"score\":0.9,\"severity\":\"high\",\"span\":[35,43]}]","held":true}"#;
    const OLD_PARCEL: &str = r#"{"type":"parcel_flagged","stage":"shipped","risk":81,"kinds":["fake_tracking"],"signals":"[{\"excerpt\":\"RB123456784GB\",\"explanation\":\"looks like a number of a postal service (UPU S10 number) but its check digit is wrong: mistyped or made up\",\"kind\":\"fake_tracking\",\"score\":0.9,\"severity\":\"high\",\"span\":null}]"}"#;

    #[test]
    fn rows_with_findings_in_a_json_string_still_decode_and_are_written_as_arrays() {
        let event: Event = serde_json::from_str(OLD_MESSAGE).unwrap();
        let Event::MessagePosted {
            verdict,
            kinds,
            signals,
            truncated,
            held,
            ..
        } = &event
        else {
            panic!("{event:?}");
        };
        assert_eq!(*verdict, Verdict::Block);
        assert_eq!(kinds, &[Kind::OffsitePayment, Kind::OffsiteContact]);
        assert_eq!((*truncated, *held), (false, true));
        assert_eq!(signals.len(), 2);
        assert_eq!(signals[1].kind(), Kind::OffsiteContact);
        assert_eq!(signals[1].span(), Some(35..43));
        assert_eq!(signals[1].excerpt(), "whatsapp");
        let new = serde_json::to_string(&event).unwrap();
        assert!(
            new.contains(r#""signals":[{"kind":"offsite_payment","#),
            "{new}"
        );
        assert!(!new.contains("truncated"), "{new}");
        assert_eq!(serde_json::from_str::<Event>(&new).unwrap(), event);

        let event: Event = serde_json::from_str(OLD_PARCEL).unwrap();
        let Event::ParcelFlagged { kinds, signals, .. } = &event else {
            panic!("{event:?}");
        };
        assert_eq!(kinds, &[Kind::FakeTracking]);
        assert_eq!(signals[0].span(), None);
        assert!(signals[0].explanation().contains("check digit"));
        let new = serde_json::to_string(&event).unwrap();
        assert_eq!(serde_json::from_str::<Event>(&new).unwrap(), event);
    }

    #[test]
    fn findings_that_are_neither_an_array_nor_a_string_of_one_are_refused() {
        for bad in [r#""[{\"kind\":\"nope\"}]""#, "7", r#""not json""#] {
            let row = OLD_PARCEL.replace(
                &OLD_PARCEL[OLD_PARCEL.find(r#""signals":"#).unwrap()..OLD_PARCEL.len() - 1],
                &format!(r#""signals":{bad}"#),
            );
            assert!(serde_json::from_str::<Event>(&row).is_err(), "{row}");
        }
    }

    #[test]
    fn only_the_fake_tracking_case_clears_a_parcel_in_doubt() {
        // Regression: closing the weight check's case as a false alarm cleared a
        // parcel delivered in another country while its own case was still open.
        let id = OrderId::parse("o-1").unwrap();
        let events = [
            r#"{"type":"placed","buyer":"b-1","seller":"s-1","currency":"USD","price_minor":1000,"shipping_minor":50,"handling_days":7,"promised_days":20,"destination_country":"DE"}"#,
            r#"{"type":"parcel_flagged","stage":"delivered","risk":80,"kinds":["fake_tracking"],"signals":[]}"#,
            r#"{"type":"case_opened","case_id":"o-1:delivered","message_id":"delivered","kinds":["fake_tracking"],"risk":80}"#,
            r#"{"type":"parcel_flagged","stage":"weighed","risk":70,"kinds":["ship_and_switch"],"signals":[]}"#,
            r#"{"type":"case_opened","case_id":"o-1:weighed","message_id":"weighed","kinds":["ship_and_switch"],"risk":70}"#,
        ];
        let mut o: Option<Order> = None;
        let mut seq = 0;
        let mut step = |o: &mut Option<Order>, json: &str| {
            seq += 1;
            let r = Recorded {
                seq,
                at: Timestamp::from_unix_ms(0),
                actor: Actor::Platform,
                event: serde_json::from_str(json).unwrap(),
            };
            *o = Some(apply(o.take(), &id, &r));
        };
        for e in events {
            step(&mut o, e);
        }
        assert!(o.as_ref().unwrap().parcel_in_doubt());
        let o_ref = o.as_ref().unwrap();
        assert!(!o_ref.closing_clears_doubt("o-1:weighed", Label::NotScam));
        assert!(!o_ref.closing_clears_doubt("o-1:delivered", Label::Scam));
        assert!(o_ref.closing_clears_doubt("o-1:delivered", Label::NotScam));
        step(
            &mut o,
            r#"{"type":"case_closed","case_id":"o-1:weighed","label":"not_scam","note":""}"#,
        );
        assert!(
            o.as_ref().unwrap().parcel_in_doubt(),
            "the weight case clears nothing"
        );
        step(
            &mut o,
            r#"{"type":"case_closed","case_id":"o-1:delivered","label":"not_scam","note":""}"#,
        );
        assert!(!o.as_ref().unwrap().parcel_in_doubt());
    }
}
