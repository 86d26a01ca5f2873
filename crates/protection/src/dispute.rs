//! Disputes: opening within the windows, seller responses and buyer counters over
//! several rounds, escalation, an agent's decision, returns, withdrawal, and the money
//! that follows the outcome (design.md section 2).

use domain::{Kind, Money, Timestamp};
use ledger::{Clawback, Code, Op};
use serde::{Deserialize, Serialize};

use crate::decide::{Accounts, Decision, Rejection, Timer, TimerKind};
use crate::order::{Actor, Event, Order, Status};
use crate::policy::Policy;

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
    Tracking { number: String },
    Message { id: String },
}

impl Evidence {
    fn check(&self) -> Result<(), Rejection> {
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
            Evidence::Tracking { number }
                if number.is_empty()
                    || number.len() > 40
                    || !number.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                bad(format!("tracking number {number:?} is not valid"))
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
}

impl Dispute {
    pub fn is_open(&self) -> bool {
        !matches!(self.stage, Stage::Closed(_))
    }
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
        response: Response,
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
        outcome: Outcome,
    },
    Withdraw {
        /// The buyer confirms that protection for this order then ends.
        confirm_protection_ends: bool,
    },
    ReturnShipped {
        tracking: String,
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

fn refuse(rule: &'static str, why: impl Into<String>) -> Rejection {
    Rejection::Rule {
        rule,
        why: why.into(),
    }
}

/// What can still go back to the buyer from this order's own money.
pub fn refundable_minor(o: &Order) -> i64 {
    o.captured_minor - o.refunded_minor - o.clawed_back_minor
}

fn check_amount(o: &Order, m: Money, what: &str) -> Result<i64, Rejection> {
    if m.currency() != o.currency {
        return Err(Rejection::WrongCurrency {
            got: m.currency().to_string(),
            expected: o.currency.to_string(),
        });
    }
    let left = refundable_minor(o);
    if m.is_zero() || m.amount_minor() > left {
        return Err(refuse(
            "refund_exceeds",
            format!(
                "{what} of {m} must be above zero and at most the {} left to refund",
                Money::from_minor(left, o.currency).expect("non-negative")
            ),
        ));
    }
    Ok(m.amount_minor())
}

fn check_evidence(d: Option<&Dispute>, evidence: &[Evidence]) -> Result<(), Rejection> {
    let have = d.map_or(0, |d| d.evidence.len());
    if have + evidence.len() > EVIDENCE_PER_DISPUTE_MAX {
        return Err(Rejection::InvalidInput(format!(
            "a dispute keeps at most {EVIDENCE_PER_DISPUTE_MAX} pieces of evidence"
        )));
    }
    evidence.iter().try_for_each(Evidence::check)
}

/// Decides a dispute command; `is_buyer` / `is_seller` include the platform.
#[allow(clippy::too_many_arguments)]
pub(crate) fn decide_dispute(
    o: &Order,
    a: &Accounts<'_>,
    d: &mut Decision,
    command: &DisputeCommand,
    actor: &Actor,
    is_buyer: bool,
    is_seller: bool,
    now: Timestamp,
    policy: &Policy,
) -> Result<(), Rejection> {
    let permit = |ok: bool| crate::decide::permit(ok, actor, command.name());
    let open = o.dispute.as_ref().filter(|x| x.is_open());
    let need_open = || {
        open.ok_or_else(|| {
            refuse(
                "no_open_dispute",
                format!("order {} has no open dispute", o.id),
            )
        })
    };
    match command {
        DisputeCommand::Open {
            reason,
            requested,
            evidence,
        } => {
            permit(is_buyer)?;
            let claim = check_window(o, *reason, now, policy)?;
            let requested_minor = match requested {
                Some(m) => check_amount(o, *m, "the requested refund")?,
                None => refundable_minor(o),
            };
            check_evidence(None, evidence)?;
            let due = now.plus_days(policy.seller_response_days);
            // A wrong item the carrier's scale already caught: the weights back the claim.
            let mut evidence = evidence.clone();
            if *reason == Reason::WrongItem && o.parcel_kinds.contains(&Kind::ShipAndSwitch) {
                if let (Some(listed), Some(weighed)) = (o.weight_grams, o.carrier_weight_grams) {
                    evidence.push(Evidence::Text {
                        text: format!(
                            "ship_and_switch: the carrier weighed the parcel at {weighed} g; the items ordered weigh about {listed} g"
                        ),
                    });
                }
            }
            d.events.push(Event::DisputeOpened {
                reason: *reason,
                claim,
                requested_minor,
                evidence,
                seller_due_ms: due.unix_ms(),
            });
            d.timers.push(Timer {
                kind: TimerKind::SellerResponseDue,
                due,
            });
            d.timers.push(Timer {
                kind: TimerKind::AutoEscalate,
                due: now.plus_days(policy.auto_escalate_days),
            });
        }
        DisputeCommand::EuWithdrawal => {
            permit(is_buyer)?;
            if o.dispute.is_some() {
                return Err(one_dispute(o));
            }
            let delivered = o.delivered_at.ok_or_else(|| {
                refuse(
                    "eu_withdrawal",
                    "the right of withdrawal runs from delivery; there is no delivery event",
                )
            })?;
            if !o.eu_consumer {
                return Err(refuse(
                    "eu_withdrawal",
                    "the right of withdrawal applies to EU consumers",
                ));
            }
            if now > delivered.plus_days(policy.eu_withdrawal_days) {
                return Err(refuse(
                    "eu_withdrawal",
                    format!(
                        "the {}-day withdrawal period after delivery has ended",
                        policy.eu_withdrawal_days
                    ),
                ));
            }
            if !matches!(o.status, Status::Delivered | Status::Completed) {
                return Err(Rejection::InvalidState {
                    command: command.name(),
                    status: o.status.as_str(),
                    hint: "",
                });
            }
            let refund = refundable_minor(o);
            d.events.push(Event::DisputeOpened {
                reason: Reason::Other,
                claim: Claim::EuWithdrawal,
                requested_minor: refund,
                evidence: vec![],
                seller_due_ms: now.unix_ms(),
            });
            start_return(d, now, policy, refund, false);
        }
        DisputeCommand::Respond { response, evidence } => {
            permit(is_seller)?;
            let x = need_open()?;
            let Stage::AwaitingSeller { due } = x.stage else {
                return Err(refuse(
                    "dispute_stage",
                    "the seller can respond only while the dispute awaits the seller",
                ));
            };
            if now > due {
                return Err(refuse(
                    "seller_response_deadline",
                    format!(
                        "the {}-day response time has passed",
                        policy.seller_response_days
                    ),
                ));
            }
            check_evidence(Some(x), evidence)?;
            if let Response::Partial { amount_minor } = response {
                check_amount(o, money(*amount_minor, o), "the offered refund")?;
            }
            if *response == Response::Reject && evidence.is_empty() {
                return Err(refuse(
                    "reject_needs_evidence",
                    "a seller rejecting a dispute must give evidence",
                ));
            }
            d.events.push(Event::SellerResponded {
                response: response.clone(),
                evidence: evidence.clone(),
            });
            if *response == Response::Accept {
                settle(o, a, d, granted(o, x), now, policy, None);
            }
        }
        DisputeCommand::AcceptOffer => {
            permit(is_buyer)?;
            let x = need_open()?;
            let Stage::AwaitingBuyer { offer } = &x.stage else {
                return Err(refuse("dispute_stage", "there is no offer to accept"));
            };
            d.events.push(Event::OfferAccepted);
            match offer {
                Response::Partial { amount_minor } => settle(
                    o,
                    a,
                    d,
                    Outcome::RefundPartial {
                        amount_minor: *amount_minor,
                    },
                    now,
                    policy,
                    None,
                ),
                Response::Return => start_return(d, now, policy, refundable_minor(o), o.choice),
                Response::Reject => settle(o, a, d, Outcome::Rejected, now, policy, None),
                Response::Accept => unreachable!("an accepted request closes the dispute"),
            }
        }
        DisputeCommand::Counter { requested } => {
            permit(is_buyer)?;
            let x = need_open()?;
            if !matches!(x.stage, Stage::AwaitingBuyer { .. }) {
                return Err(refuse("dispute_stage", "there is no offer to answer"));
            }
            if x.rounds >= policy.dispute_rounds_max {
                return Err(refuse(
                    "dispute_rounds",
                    format!(
                        "after {} rounds, escalate to the platform",
                        policy.dispute_rounds_max
                    ),
                ));
            }
            let requested_minor = check_amount(o, *requested, "the requested refund")?;
            let due = now.plus_days(policy.seller_response_days);
            d.events.push(Event::BuyerCountered {
                requested_minor,
                seller_due_ms: due.unix_ms(),
            });
            d.timers.push(Timer {
                kind: TimerKind::SellerResponseDue,
                due,
            });
        }
        DisputeCommand::AddEvidence { evidence } => {
            permit(is_buyer || is_seller || matches!(actor, Actor::Agent(_)))?;
            let x = need_open()?;
            if evidence.is_empty() {
                return Err(Rejection::InvalidInput("no evidence given".into()));
            }
            check_evidence(Some(x), evidence)?;
            d.events.push(Event::EvidenceAdded {
                evidence: evidence.clone(),
            });
        }
        DisputeCommand::Escalate => {
            permit(is_buyer)?;
            let x = need_open()?;
            if x.escalated || matches!(x.stage, Stage::Return { .. }) {
                return Err(refuse(
                    "dispute_stage",
                    "the dispute is already with the platform or in a return",
                ));
            }
            let from = x.opened_at.plus_days(policy.escalation_after_days);
            if now < from {
                return Err(refuse(
                    "escalation_wait",
                    format!(
                        "the buyer may escalate {} days after opening, from {from}",
                        policy.escalation_after_days
                    ),
                ));
            }
            d.events.push(Event::DisputeEscalated { automatic: false });
        }
        DisputeCommand::Decide { outcome } => {
            permit(matches!(actor, Actor::Agent(_)))?;
            let x = need_open()?;
            if !x.escalated {
                return Err(refuse(
                    "dispute_stage",
                    "an agent decides escalated disputes",
                ));
            }
            match outcome {
                Outcome::Withdrawn => {
                    return Err(refuse("decision", "only the buyer withdraws a dispute"))
                }
                Outcome::RefundPartial { amount_minor } => {
                    check_amount(o, money(*amount_minor, o), "the decided refund")?;
                }
                _ => {}
            }
            d.events.push(Event::DisputeDecided { outcome: *outcome });
            if *outcome == Outcome::ReturnAndRefund {
                start_return(d, now, policy, refundable_minor(o), o.choice);
            } else {
                settle(o, a, d, *outcome, now, policy, None);
            }
        }
        DisputeCommand::Withdraw {
            confirm_protection_ends,
        } => {
            permit(is_buyer)?;
            need_open()?;
            if !confirm_protection_ends {
                return Err(refuse(
                    "confirm_withdrawal",
                    "a closed dispute cannot be reopened and buyer protection for this order ends: confirm explicitly",
                ));
            }
            settle(
                o,
                a,
                d,
                Outcome::Withdrawn,
                now,
                policy,
                Some(
                    "the buyer withdrew the dispute and confirmed that buyer protection for this order ends"
                        .into(),
                ),
            );
        }
        DisputeCommand::ReturnShipped {
            tracking,
            shipping_cost,
        } => {
            permit(is_buyer)?;
            let x = need_open()?;
            let Stage::Return {
                ship_by, shipped, ..
            } = x.stage
            else {
                return Err(refuse("dispute_stage", "no return was agreed"));
            };
            if shipped {
                return Err(refuse("dispute_stage", "the return was shipped already"));
            }
            if now > ship_by {
                return Err(refuse(
                    "return_ship_deadline",
                    format!("the return had to ship by {ship_by}"),
                ));
            }
            Evidence::Tracking {
                number: tracking.clone(),
            }
            .check()?;
            let cost = match shipping_cost {
                Some(c) if c.currency() != o.currency => {
                    return Err(Rejection::WrongCurrency {
                        got: c.currency().to_string(),
                        expected: o.currency.to_string(),
                    })
                }
                Some(c) if c.amount_minor() > o.total().amount_minor() => {
                    return Err(Rejection::InvalidInput(format!(
                        "return shipping of {c} is more than the order"
                    )))
                }
                Some(c) => c.amount_minor(),
                None => 0,
            };
            let platform_pays = o.choice && x.claim == Claim::Dispute && cost > 0;
            d.events.push(Event::ReturnShipped {
                tracking: tracking.clone(),
                platform_paid_minor: if platform_pays { cost } else { 0 },
            });
            d.timers.push(Timer {
                kind: TimerKind::ReturnOverdue,
                due: now.plus_days(policy.return_transit_days_max),
            });
            if platform_pays {
                d.transfers.push(a.t(
                    "return-shipping",
                    Op::Posted {
                        debit: a.return_shipping.clone(),
                        credit: a.buyer.clone(),
                        amount: money(cost, o),
                    },
                    Code::ReturnShipping,
                ));
            }
        }
        DisputeCommand::ReturnDelivered => {
            permit(matches!(actor, Actor::Carrier | Actor::Platform))?;
            let x = need_open()?;
            if !matches!(
                x.stage,
                Stage::Return {
                    shipped: true,
                    refund_due: None,
                    ..
                }
            ) {
                return Err(refuse("dispute_stage", "no return is on its way"));
            }
            let due = now.plus_days(policy.refund_after_return_days);
            d.events.push(Event::ReturnDelivered {
                refund_due_ms: due.unix_ms(),
            });
            d.timers.push(Timer {
                kind: TimerKind::RefundAfterReturn,
                due,
            });
        }
        DisputeCommand::ReturnReceived => {
            permit(is_seller)?;
            let x = need_open()?;
            if !matches!(x.stage, Stage::Return { shipped: true, .. }) {
                return Err(refuse("dispute_stage", "no return has been shipped"));
            }
            settle(o, a, d, Outcome::ReturnAndRefund, now, policy, None);
        }
    }
    Ok(())
}

/// The buyer's request as it stands, granted.
fn granted(o: &Order, x: &Dispute) -> Outcome {
    if x.requested_minor >= refundable_minor(o) {
        Outcome::RefundFull
    } else {
        Outcome::RefundPartial {
            amount_minor: x.requested_minor,
        }
    }
}

fn money(minor: i64, o: &Order) -> Money {
    Money::from_minor(minor.max(0), o.currency).expect("non-negative")
}

fn one_dispute(o: &Order) -> Rejection {
    refuse(
        "one_dispute",
        format!(
            "order {} already had a dispute; a closed dispute cannot be reopened",
            o.id
        ),
    )
}

/// Which claim a new dispute is, or the window rule that refuses it.
fn check_window(
    o: &Order,
    reason: Reason,
    now: Timestamp,
    policy: &Policy,
) -> Result<Claim, Rejection> {
    if o.dispute.is_some() {
        return Err(one_dispute(o));
    }
    let window = |why: String| Err(refuse("dispute_window", why));
    if !matches!(
        o.status,
        Status::Paid | Status::Shipped | Status::Delivered | Status::Completed
    ) {
        return window(format!(
            "an order that is {} cannot be disputed",
            o.status.as_str()
        ));
    }
    if let Some(done) = o.completed_at {
        let closes = done.plus_days(policy.post_completion_window_days);
        if now > closes {
            // Past the dispute window, EU consumers keep the legal guarantee for
            // defects of eligible items.
            let delivered = o.delivered_at.unwrap_or(done);
            let defect = !matches!(reason, Reason::NotReceived | Reason::Counterfeit);
            if o.eu_consumer
                && o.legal_guarantee
                && defect
                && now <= delivered.plus_days(policy.legal_guarantee_days)
            {
                return Ok(Claim::EuLegalGuarantee);
            }
            return window(format!(
                "the {}-day dispute window after completion closed on {closes}",
                policy.post_completion_window_days
            ));
        }
    }
    match reason {
        Reason::NotReceived => {
            let promised_passed = o.promised_at.is_some_and(|p| now > p);
            if o.status != Status::Paid && !promised_passed {
                let p = o.promised_at.map(|p| p.to_string()).unwrap_or_default();
                return window(format!(
                    "not_received can be opened once the promised delivery date ({p}) has passed"
                ));
            }
        }
        _ => {
            if o.delivered_at.is_none() && o.status != Status::Completed {
                return window(format!("{} can be opened after delivery", reason.as_str()));
            }
        }
    }
    Ok(Claim::Dispute)
}

fn start_return(
    d: &mut Decision,
    now: Timestamp,
    policy: &Policy,
    refund_minor: i64,
    platform_pays_shipping: bool,
) {
    let ship_by = now.plus_days(policy.return_ship_days);
    d.events.push(Event::ReturnStarted {
        ship_by_ms: ship_by.unix_ms(),
        refund_minor,
        platform_pays_shipping,
    });
    d.timers.push(Timer {
        kind: TimerKind::ReturnShipDeadline,
        due: ship_by,
    });
}

/// Closes the dispute with `outcome` and moves the money: from escrow while it is
/// held; from the seller (payable, then available, then the guarantee fund with the
/// debt recorded) once released. The seller keeps what is not refunded.
pub(crate) fn settle(
    o: &Order,
    a: &Accounts<'_>,
    d: &mut Decision,
    outcome: Outcome,
    now: Timestamp,
    policy: &Policy,
    warning: Option<String>,
) {
    let left = refundable_minor(o);
    let x = o.dispute.as_ref();
    let refund = match outcome {
        Outcome::RefundFull | Outcome::ReturnAndRefund => left,
        Outcome::RefundPartial { amount_minor } => amount_minor.min(left),
        Outcome::Rejected | Outcome::Withdrawn => 0,
    };
    // Guaranteed Genuine: an upheld counterfeit claim refunds price and shipping times
    // the multiplier; what exceeds the order's own money comes from the guarantee fund.
    let genuine_extra = if x.is_some_and(|x| x.reason == Reason::Counterfeit)
        && matches!(outcome, Outcome::RefundFull | Outcome::ReturnAndRefund)
    {
        let target = o
            .total()
            .mul_ratio(policy.genuine_multiplier_bps, 10_000)
            .map(|m| m.amount_minor())
            .unwrap_or(0);
        (target - refund).max(0)
    } else {
        0
    };
    let held = o.held_minor();
    let mut from_escrow = 0;
    let mut released = 0;
    let mut clawback = 0;
    if held > 0 {
        from_escrow = refund.min(held);
        released = held - from_escrow;
        d.transfers.push(a.void_hold("dispute-void"));
        if from_escrow > 0 {
            let m = money(from_escrow, o);
            d.transfers
                .push(a.out_of_escrow("dispute-refund", &a.buyer, m, Code::Refund));
        }
        if released > 0 {
            let m = money(released, o);
            d.transfers.push(a.out_of_escrow(
                "dispute-release",
                &a.seller_payable,
                m,
                Code::Release,
            ));
        }
    }
    let from_seller = (refund - from_escrow).min(o.released_minor - o.clawed_back_minor);
    if from_seller > 0 {
        clawback = from_seller;
        d.clawbacks.push(Clawback {
            id: a.id("clawback"),
            order: o.id.clone(),
            seller_payable: a.seller_payable.clone(),
            seller_available: a.seller_available.clone(),
            guarantee_fund: a.guarantee_fund.clone(),
            seller_debt: a.seller_debt.clone(),
            buyer: a.buyer.clone(),
            amount: money(from_seller, o),
        });
    }
    if genuine_extra > 0 {
        d.transfers.push(a.t(
            "genuine-guarantee",
            Op::Posted {
                debit: a.guarantee_fund.clone(),
                credit: a.buyer.clone(),
                amount: money(genuine_extra, o),
            },
            Code::GuaranteeCover,
        ));
    }
    let payout = now.plus_days(policy.post_completion_window_days);
    d.events.push(Event::DisputeResolved {
        outcome,
        refunded_minor: from_escrow,
        released_minor: released,
        clawed_back_minor: clawback,
        guarantee_minor: genuine_extra,
        payout_ms: payout.unix_ms(),
        warning,
    });
    if released > 0 || o.released_minor > o.paid_out_minor {
        d.timers.push(Timer {
            kind: TimerKind::PayoutHoldEnds,
            due: payout.max(o.payout_at.unwrap_or(payout)),
        });
    }
}

/// A dispute deadline fired: act only if it is still due.
pub(crate) fn fire(
    o: &Order,
    a: &Accounts<'_>,
    d: &mut Decision,
    kind: TimerKind,
    now: Timestamp,
    policy: &Policy,
) {
    let Some(x) = o.dispute.as_ref().filter(|x| x.is_open()) else {
        return;
    };
    match (kind, &x.stage) {
        (TimerKind::SellerResponseDue, Stage::AwaitingSeller { due }) if *due <= now => {
            // No answer in time: the buyer's request is granted.
            d.events.push(Event::SellerResponseMissed);
            settle(o, a, d, granted(o, x), now, policy, None);
        }
        (TimerKind::AutoEscalate, stage)
            if !x.escalated
                && !matches!(stage, Stage::Return { .. })
                && x.opened_at.plus_days(policy.auto_escalate_days) <= now =>
        {
            d.events.push(Event::DisputeEscalated { automatic: true });
        }
        (
            TimerKind::ReturnShipDeadline,
            Stage::Return {
                ship_by,
                shipped: false,
                ..
            },
        ) if *ship_by <= now => {
            // Not shipped back in time: the dispute closes for the seller.
            settle(o, a, d, Outcome::Rejected, now, policy, None);
        }
        (
            TimerKind::ReturnOverdue,
            Stage::Return {
                shipped: true,
                refund_due: None,
                ..
            },
        ) if !x.escalated => {
            // Shipped back but never delivered: the platform looks at the tracking.
            d.events.push(Event::DisputeEscalated { automatic: true });
        }
        (
            TimerKind::RefundAfterReturn,
            Stage::Return {
                refund_due: Some(due),
                ..
            },
        ) if *due <= now => {
            settle(o, a, d, Outcome::ReturnAndRefund, now, policy, None);
        }
        _ => {}
    }
}
