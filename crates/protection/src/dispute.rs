//! Disputes: opening within the windows, seller responses and buyer counters over
//! several rounds, escalation, an agent's decision, returns, withdrawal, and the money
//! that follows the outcome (design.md section 2).

use domain::{Kind, Money, Timestamp, TrackingNumber};
use ledger::{Clawback, Code, Op};

use crate::command::{
    Claim, DecideAs, DisputeCommand, Evidence, Outcome, Reason, RespondWith, Response, Timer,
    TimerKind, EVIDENCE_PER_DISPUTE_MAX,
};
use crate::context::{Ctx, Decision};
use crate::order::{Actor, Dispute, Event, Order, Stage, Status};
use crate::policy::Policy;
use crate::rejection::{Rejection, Window, Withdrawal, WrongStage};

/// What can still go back to the buyer from this order's own money.
pub fn refundable_minor(o: &Order) -> i64 {
    o.captured_minor - o.refunded_minor - o.clawed_back_minor
}

fn check_amount(o: &Order, m: Money, what: &'static str) -> Result<i64, Rejection> {
    if m.currency() != o.currency {
        return Err(Rejection::WrongCurrency {
            got: m.currency().to_string(),
            expected: o.currency.to_string(),
        });
    }
    let left = refundable_minor(o);
    if m.is_zero() || m.amount_minor() > left {
        return Err(Rejection::RefundExceeds {
            what,
            amount: m.to_string(),
            left: Money::from_minor(left, o.currency)
                .expect("non-negative")
                .to_string(),
        });
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

/// Decides a dispute command.
pub(crate) fn decide(c: &Ctx<'_>, command: &DisputeCommand) -> Result<Decision, Rejection> {
    match command {
        DisputeCommand::Open {
            reason,
            requested,
            evidence,
        } => open(c, *reason, *requested, evidence),
        DisputeCommand::EuWithdrawal => eu_withdrawal(c),
        DisputeCommand::Respond { response, evidence } => respond(c, *response, evidence),
        DisputeCommand::AcceptOffer => accept_offer(c),
        DisputeCommand::Counter { requested } => counter(c, *requested),
        DisputeCommand::AddEvidence { evidence } => add_evidence(c, evidence),
        DisputeCommand::Escalate => escalate(c),
        DisputeCommand::Decide { outcome } => decide_outcome(c, *outcome),
        DisputeCommand::Withdraw {
            confirm_protection_ends,
        } => withdraw(c, *confirm_protection_ends),
        DisputeCommand::ReturnShipped {
            tracking,
            shipping_cost,
        } => return_shipped(c, tracking, *shipping_cost),
        DisputeCommand::ReturnDelivered => return_delivered(c),
        DisputeCommand::ReturnReceived => return_received(c),
    }
}

/// The order's open dispute, or the refusal for a command that needs one.
fn need_open(o: &Order) -> Result<&Dispute, Rejection> {
    o.dispute
        .as_ref()
        .filter(|x| x.is_open())
        .ok_or_else(|| Rejection::NoOpenDispute(o.id.clone()))
}

/// The buyer opens a dispute within its window.
fn open(
    c: &Ctx<'_>,
    reason: Reason,
    requested: Option<Money>,
    evidence: &[Evidence],
) -> Result<Decision, Rejection> {
    let (o, now, policy) = (c.order, c.now, c.policy);
    let mut d = Decision::default();
    c.permit(c.is_buyer)?;
    let claim = check_window(o, reason, now, policy)?;
    let requested_minor = match requested {
        Some(m) => check_amount(o, m, "the requested refund")?,
        None => refundable_minor(o),
    };
    check_evidence(None, evidence)?;
    let due = now.plus_days(policy.seller_response_days);
    // A wrong item the carrier's scale already caught: the weights back the claim.
    let mut evidence = evidence.to_vec();
    if reason == Reason::WrongItem && o.parcel_kinds.contains(&Kind::ShipAndSwitch) {
        if let (Some(listed), Some(weighed)) = (o.weight_grams, o.carrier_weight_grams) {
            evidence.push(Evidence::Text {
                text: format!(
                    "ship_and_switch: the carrier weighed the parcel at {weighed} g; the items ordered weigh about {listed} g"
                ),
            });
        }
    }
    d.events.push(Event::DisputeOpened {
        reason,
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
    Ok(d)
}

/// An EU consumer withdraws from the purchase within the withdrawal period after
/// delivery: a return and a full refund.
fn eu_withdrawal(c: &Ctx<'_>) -> Result<Decision, Rejection> {
    let (o, now, policy) = (c.order, c.now, c.policy);
    let mut d = Decision::default();
    c.permit(c.is_buyer)?;
    if o.dispute.is_some() {
        return Err(one_dispute(o));
    }
    let delivered = o
        .delivered_at
        .ok_or(Rejection::EuWithdrawal(Withdrawal::NotDelivered))?;
    if !o.eu_consumer {
        return Err(Rejection::EuWithdrawal(Withdrawal::NotEuConsumer));
    }
    if now > delivered.plus_days(policy.eu_withdrawal_days) {
        return Err(Rejection::EuWithdrawal(Withdrawal::PeriodEnded {
            days: policy.eu_withdrawal_days,
        }));
    }
    if !matches!(o.status, Status::Delivered | Status::Completed) {
        return Err(c.invalid(""));
    }
    let refund = refundable_minor(o);
    d.events.push(Event::DisputeOpened {
        reason: Reason::Other,
        claim: Claim::EuWithdrawal,
        requested_minor: refund,
        evidence: vec![],
        seller_due_ms: now.unix_ms(),
    });
    start_return(c, &mut d, refund, false);
    Ok(d)
}

/// The seller answers the buyer's request.
fn respond(
    c: &Ctx<'_>,
    response: RespondWith,
    evidence: &[Evidence],
) -> Result<Decision, Rejection> {
    let (o, now, policy) = (c.order, c.now, c.policy);
    let mut d = Decision::default();
    c.permit(c.is_seller)?;
    let x = need_open(o)?;
    let Stage::AwaitingSeller { due } = x.stage else {
        return Err(Rejection::DisputeStage(WrongStage::NotAwaitingSeller));
    };
    if now > due {
        return Err(Rejection::SellerResponseDeadline {
            days: policy.seller_response_days,
        });
    }
    check_evidence(Some(x), evidence)?;
    if let RespondWith::Partial(m) = response {
        check_amount(o, m, "the offered refund")?;
    }
    let response = response.recorded();
    if response == Response::Reject && evidence.is_empty() {
        return Err(Rejection::RejectNeedsEvidence);
    }
    d.events.push(Event::SellerResponded {
        response: response.clone(),
        evidence: evidence.to_vec(),
    });
    if response == Response::Accept {
        settle(c, &mut d, granted(o, x), None);
    }
    Ok(d)
}

/// The buyer accepts the seller's offer.
fn accept_offer(c: &Ctx<'_>) -> Result<Decision, Rejection> {
    let o = c.order;
    let mut d = Decision::default();
    c.permit(c.is_buyer)?;
    let x = need_open(o)?;
    let Stage::AwaitingBuyer { offer } = &x.stage else {
        return Err(Rejection::DisputeStage(WrongStage::NoOfferToAccept));
    };
    d.events.push(Event::OfferAccepted);
    match offer {
        Response::Partial { amount_minor } => settle(
            c,
            &mut d,
            Outcome::RefundPartial {
                amount_minor: *amount_minor,
            },
            None,
        ),
        Response::Return => start_return(c, &mut d, refundable_minor(o), o.choice),
        Response::Reject => settle(c, &mut d, Outcome::Rejected, None),
        Response::Accept => unreachable!("an accepted request closes the dispute"),
    }
    Ok(d)
}

/// The buyer answers an offer with a new request: another round.
fn counter(c: &Ctx<'_>, requested: Money) -> Result<Decision, Rejection> {
    let (o, now, policy) = (c.order, c.now, c.policy);
    let mut d = Decision::default();
    c.permit(c.is_buyer)?;
    let x = need_open(o)?;
    if !matches!(x.stage, Stage::AwaitingBuyer { .. }) {
        return Err(Rejection::DisputeStage(WrongStage::NoOfferToAnswer));
    }
    if x.rounds >= policy.dispute_rounds_max {
        return Err(Rejection::DisputeRounds {
            max: policy.dispute_rounds_max,
        });
    }
    let requested_minor = check_amount(o, requested, "the requested refund")?;
    let due = now.plus_days(policy.seller_response_days);
    d.events.push(Event::BuyerCountered {
        requested_minor,
        seller_due_ms: due.unix_ms(),
    });
    d.timers.push(Timer {
        kind: TimerKind::SellerResponseDue,
        due,
    });
    Ok(d)
}

/// Either party, or an agent, adds evidence.
fn add_evidence(c: &Ctx<'_>, evidence: &[Evidence]) -> Result<Decision, Rejection> {
    let o = c.order;
    let mut d = Decision::default();
    c.permit(c.is_buyer || c.is_seller || matches!(c.actor, Actor::Agent(_)))?;
    let x = need_open(o)?;
    if evidence.is_empty() {
        return Err(Rejection::InvalidInput("no evidence given".into()));
    }
    check_evidence(Some(x), evidence)?;
    d.events.push(Event::EvidenceAdded {
        evidence: evidence.to_vec(),
    });
    Ok(d)
}

/// The buyer takes the dispute to the platform, after the waiting time.
fn escalate(c: &Ctx<'_>) -> Result<Decision, Rejection> {
    let (o, now, policy) = (c.order, c.now, c.policy);
    let mut d = Decision::default();
    c.permit(c.is_buyer)?;
    let x = need_open(o)?;
    if x.escalated || matches!(x.stage, Stage::Return { .. }) {
        return Err(Rejection::DisputeStage(WrongStage::WithPlatformOrReturn));
    }
    let from = x.opened_at.plus_days(policy.escalation_after_days);
    if now < from {
        return Err(Rejection::EscalationWait {
            days: policy.escalation_after_days,
            from,
        });
    }
    escalate_to_agents(c, &mut d, false);
    Ok(d)
}

/// The dispute goes to the platform, with the agent deadline of the policy.
fn escalate_to_agents(c: &Ctx<'_>, d: &mut Decision, automatic: bool) {
    let due = c.now.plus_days(c.policy.escalation_agent_days);
    d.events.push(Event::DisputeEscalated {
        automatic,
        agent_due_ms: Some(due.unix_ms()),
    });
    d.timers.push(Timer {
        kind: TimerKind::EscalationDeadline,
        due,
    });
}

/// An agent decides an escalated dispute.
fn decide_outcome(c: &Ctx<'_>, outcome: DecideAs) -> Result<Decision, Rejection> {
    let o = c.order;
    let mut d = Decision::default();
    c.permit(matches!(c.actor, Actor::Agent(_)))?;
    let x = need_open(o)?;
    if !x.escalated {
        return Err(Rejection::DisputeStage(WrongStage::NotEscalated));
    }
    match outcome {
        DecideAs::Withdrawn => return Err(Rejection::AgentWithdrawal),
        DecideAs::RefundPartial(m) => {
            check_amount(o, m, "the decided refund")?;
        }
        _ => {}
    }
    let outcome = outcome.recorded();
    d.events.push(Event::DisputeDecided { outcome });
    if outcome == Outcome::ReturnAndRefund {
        start_return(c, &mut d, refundable_minor(o), o.choice);
    } else {
        settle(c, &mut d, outcome, None);
    }
    Ok(d)
}

/// The buyer withdraws the dispute, knowingly ending protection.
fn withdraw(c: &Ctx<'_>, confirm_protection_ends: bool) -> Result<Decision, Rejection> {
    let o = c.order;
    let mut d = Decision::default();
    c.permit(c.is_buyer)?;
    need_open(o)?;
    if !confirm_protection_ends {
        return Err(Rejection::ConfirmWithdrawal);
    }
    settle(c, &mut d,
        Outcome::Withdrawn,
        Some(
            "the buyer withdrew the dispute and confirmed that buyer protection for this order ends"
                .into(),
        ),
    );
    Ok(d)
}

/// The buyer shipped the return.
fn return_shipped(
    c: &Ctx<'_>,
    tracking: &TrackingNumber,
    shipping_cost: Option<Money>,
) -> Result<Decision, Rejection> {
    let (o, a, now, policy) = (c.order, &c.accounts, c.now, c.policy);
    let mut d = Decision::default();
    c.permit(c.is_buyer)?;
    let x = need_open(o)?;
    let Stage::Return {
        ship_by, shipped, ..
    } = x.stage
    else {
        return Err(Rejection::DisputeStage(WrongStage::NoReturnAgreed));
    };
    if shipped {
        return Err(Rejection::DisputeStage(WrongStage::ReturnShippedAlready));
    }
    if now > ship_by {
        return Err(Rejection::ReturnShipDeadline { ship_by });
    }
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
        tracking: tracking.to_string(),
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
    Ok(d)
}

/// The carrier delivered the return to the seller.
fn return_delivered(c: &Ctx<'_>) -> Result<Decision, Rejection> {
    let (o, now, policy) = (c.order, c.now, c.policy);
    let mut d = Decision::default();
    c.permit(matches!(c.actor, Actor::Carrier | Actor::Platform))?;
    let x = need_open(o)?;
    if !matches!(
        x.stage,
        Stage::Return {
            shipped: true,
            refund_due: None,
            ..
        }
    ) {
        return Err(Rejection::DisputeStage(WrongStage::NoReturnOnItsWay));
    }
    let due = now.plus_days(policy.refund_after_return_days);
    d.events.push(Event::ReturnDelivered {
        refund_due_ms: due.unix_ms(),
    });
    d.timers.push(Timer {
        kind: TimerKind::RefundAfterReturn,
        due,
    });
    Ok(d)
}

/// The seller confirms the return arrived.
fn return_received(c: &Ctx<'_>) -> Result<Decision, Rejection> {
    let o = c.order;
    let mut d = Decision::default();
    c.permit(c.is_seller)?;
    let x = need_open(o)?;
    if !matches!(x.stage, Stage::Return { shipped: true, .. }) {
        return Err(Rejection::DisputeStage(WrongStage::NoReturnShipped));
    }
    settle(c, &mut d, Outcome::ReturnAndRefund, None);
    Ok(d)
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
    Rejection::OneDispute(o.id.clone())
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
    let window = |why: Window| Err(Rejection::DisputeWindow(why));
    if !matches!(
        o.status,
        Status::Paid | Status::Shipped | Status::Delivered | Status::Completed
    ) {
        return window(Window::Status(o.status.as_str()));
    }
    if let Some(done) = o.completed_at {
        let closes = policy.dispute_window_closes(done);
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
            return window(Window::AfterCompletion {
                days: policy.post_completion_window_days,
                closes,
            });
        }
    }
    match reason {
        Reason::NotReceived => {
            let promised_passed = o.promised_at.is_some_and(|p| now > p);
            // A parcel the checks put in doubt (fake or reused tracking, delivered in
            // another country), or one the carrier sends back, need not be waited for.
            let doubt = o.parcel_in_doubt() || o.returned_to_sender;
            if o.status != Status::Paid && !promised_passed && !doubt {
                return window(Window::BeforePromisedDate(o.promised_at));
            }
        }
        _ => {
            if o.delivered_at.is_none() && o.status != Status::Completed {
                return window(Window::BeforeDelivery(reason.as_str()));
            }
        }
    }
    Ok(Claim::Dispute)
}

fn start_return(c: &Ctx<'_>, d: &mut Decision, refund_minor: i64, platform_pays_shipping: bool) {
    let ship_by = c.now.plus_days(c.policy.return_ship_days);
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

/// Closes the open dispute with a full refund because a rule says so, not a party or
/// an agent: the on-time guarantee, the handling deadline, an overdue escalation. The
/// resolution names the rule.
pub(crate) fn refund_by_rule(c: &Ctx<'_>, d: &mut Decision, rule: &'static str) {
    settle_as(c, d, Outcome::RefundFull, None, Some(rule));
}

/// Closes the dispute with `outcome` and moves the money: from escrow while it is
/// held; from the seller (payable, then available, then the guarantee fund with the
/// debt recorded) once released. The seller keeps what is not refunded.
fn settle(c: &Ctx<'_>, d: &mut Decision, outcome: Outcome, warning: Option<String>) {
    settle_as(c, d, outcome, warning, None);
}

/// [`settle`], recording the rule that closed the dispute when one did.
fn settle_as(
    c: &Ctx<'_>,
    d: &mut Decision,
    outcome: Outcome,
    warning: Option<String>,
    rule: Option<&'static str>,
) {
    let (o, a, now, policy) = (c.order, &c.accounts, c.now, c.policy);
    let left = refundable_minor(o);
    let x = o.dispute.as_ref();
    let refund = match outcome {
        Outcome::RefundFull | Outcome::ReturnAndRefund => left,
        Outcome::RefundPartial { amount_minor } => amount_minor.min(left),
        Outcome::Rejected | Outcome::Withdrawn => 0,
    };
    // Guaranteed Genuine: an upheld counterfeit claim on an order whose listing carried
    // it refunds price and shipping times the multiplier; what exceeds the order's own
    // money comes from the guarantee fund. Other orders' claims are refunded as they
    // stand.
    let genuine_extra = if o.guaranteed_genuine
        && x.is_some_and(|x| x.reason == Reason::Counterfeit)
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
        rule: rule.map(String::from),
    });
    if released > 0 || o.released_minor > o.paid_out_minor {
        d.timers.push(Timer {
            kind: TimerKind::PayoutHoldEnds,
            due: payout.max(o.payout_at.unwrap_or(payout)),
        });
    }
}

/// A dispute deadline fired: act only if it is still due.
pub(crate) fn fire(c: &Ctx<'_>, d: &mut Decision, kind: TimerKind) {
    let (o, now, policy) = (c.order, c.now, c.policy);
    let Some(x) = o.dispute.as_ref().filter(|x| x.is_open()) else {
        return;
    };
    match (kind, &x.stage) {
        (TimerKind::SellerResponseDue, Stage::AwaitingSeller { due }) if *due <= now => {
            // No answer in time: the buyer's request is granted.
            d.events.push(Event::SellerResponseMissed);
            settle(c, d, granted(o, x), None);
        }
        (TimerKind::AutoEscalate, stage)
            if !x.escalated
                && !matches!(stage, Stage::Return { .. })
                && x.opened_at.plus_days(policy.auto_escalate_days) <= now =>
        {
            escalate_to_agents(c, d, true);
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
            settle(c, d, Outcome::Rejected, None);
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
            escalate_to_agents(c, d, true);
        }
        (TimerKind::EscalationDeadline, Stage::Escalated)
            if !x.overdue && x.agent_due.is_some_and(|due| due <= now) =>
        {
            let due = x.agent_due.expect("checked");
            d.events.push(Event::DisputeOverdue {
                agent_due_ms: due.unix_ms(),
            });
            if policy.refund_overdue_escalations {
                refund_by_rule(c, d, "escalation_overdue");
            }
        }
        (
            TimerKind::RefundAfterReturn,
            Stage::Return {
                refund_due: Some(due),
                ..
            },
        ) if *due <= now => {
            settle(c, d, Outcome::ReturnAndRefund, None);
        }
        _ => {}
    }
}
