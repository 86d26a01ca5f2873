//! A buyer is never worse off for having disputed: the on-time guarantee and the
//! handling deadline still refund while a dispute is open, and an escalated dispute
//! has an agent deadline after which it is overdue and, by default, refunded.

use super::*;
use protection::{
    DecideAs, DisputeCommand as D, Evidence, Outcome, Reason, RespondWith, TimerKind,
};

fn open_not_received(w: &mut World, at: f64) {
    w.run(
        &buyer(),
        Command::Dispute(D::Open {
            reason: Reason::NotReceived,
            requested: None,
            evidence: vec![],
        }),
        at,
    )
    .unwrap();
}

fn reject_with_tracking(w: &mut World, at: f64) {
    w.run(
        &seller(),
        Command::Dispute(D::Respond {
            response: RespondWith::Reject,
            evidence: vec![Evidence::Tracking {
                number: "RB123456785GB".parse().unwrap(),
            }],
        }),
        at,
    )
    .unwrap();
}

/// The last `dispute_resolved`: its outcome, what it refunded from escrow and the rule
/// that closed it.
fn resolution(w: &World) -> Option<(Outcome, i64, Option<String>)> {
    w.log.iter().rev().find_map(|r| match &r.event {
        Event::DisputeResolved {
            outcome,
            refunded_minor,
            rule,
            ..
        } => Some((*outcome, *refunded_minor, rule.clone())),
        _ => None,
    })
}

#[test]
fn a_rejected_not_received_dispute_still_gets_the_on_time_refund() {
    // Regression: the seller rejected with a tracking number for a parcel that never
    // came, and the dispute waited for an agent for ever, while a buyer who did nothing
    // was refunded at the promised date plus 7 days.
    let mut silent = shipped();
    silent.advance(40.0);
    assert_eq!(silent.status(), Status::Cancelled);
    let silent_back = silent.balance(AccountKind::BuyerFunding, "b-1");

    let mut w = shipped(); // promised day 21, guarantee day 28
    open_not_received(&mut w, 21.5);
    reject_with_tracking(&mut w, 22.0);
    w.advance(27.9);
    assert_eq!(
        w.status(),
        Status::Disputed,
        "not before the guarantee date"
    );
    w.advance(28.1);
    assert_eq!(w.status(), Status::Resolved);
    assert_eq!(
        resolution(&w),
        Some((Outcome::RefundFull, 2200, Some("on_time_guarantee".into())))
    );
    assert_eq!(w.balance(AccountKind::BuyerFunding, "b-1"), silent_back);
    let o = w.order().unwrap();
    assert!(!o.dispute.unwrap().is_open());
    assert_eq!(o.refunded_minor, 2200);
}

#[test]
fn a_dispute_opened_before_shipping_still_gets_the_handling_refund() {
    // Same hole before shipment: a not_received dispute on a paid order stopped the
    // refund for an order the seller never shipped.
    let mut w = World::new();
    place(&mut w, 20, None);
    pay(&mut w);
    open_not_received(&mut w, 1.0);
    reject_with_tracking(&mut w, 2.0);
    w.advance(6.9);
    assert_eq!(w.status(), Status::Disputed);
    w.advance(7.1);
    assert_eq!(w.status(), Status::Resolved);
    assert_eq!(
        resolution(&w),
        Some((
            Outcome::RefundFull,
            2200,
            Some("not_shipped_in_time".into())
        ))
    );
}

#[test]
fn a_buyer_who_confirmed_early_is_not_refunded_by_the_guarantee_during_a_dispute() {
    // Never better off either: an early confirmation ended the guarantee for a silent
    // buyer, so it does for one who disputes afterwards.
    let mut w = shipped();
    w.run(
        &buyer(),
        Command::ConfirmReceipt {
            acknowledge_no_delivery: true,
        },
        2.0,
    )
    .unwrap();
    w.policy.escalation_agent_days = 60;
    w.run(
        &buyer(),
        Command::Dispute(D::Open {
            reason: Reason::NotAsDescribed,
            requested: None,
            evidence: vec![],
        }),
        3.0,
    )
    .unwrap();
    reject_with_tracking(&mut w, 4.0);
    w.advance(28.5);
    assert_eq!(w.status(), Status::Disputed);
    assert!(resolution(&w).is_none(), "{:?}", w.events());
}

/// Delivered day 10; a not-as-described dispute opened on day 11, rejected on day
/// 11.5, escalated by the buyer on day 14.1: the agent deadline is day 24.1.
fn escalated(policy: Policy) -> World {
    let mut w = shipped();
    w.policy = policy;
    deliver(&mut w, 10.0);
    w.run(
        &buyer(),
        Command::Dispute(D::Open {
            reason: Reason::NotAsDescribed,
            requested: None,
            evidence: vec![Evidence::Text {
                text: "the sleeve is torn".into(),
            }],
        }),
        11.0,
    )
    .unwrap();
    w.run(
        &seller(),
        Command::Dispute(D::Respond {
            response: RespondWith::Reject,
            evidence: vec![Evidence::Text {
                text: "it left intact".into(),
            }],
        }),
        11.5,
    )
    .unwrap();
    w.run(&buyer(), Command::Dispute(D::Escalate), 14.1)
        .unwrap();
    w
}

#[test]
fn escalated_disputes_have_an_agent_deadline_then_are_overdue_and_refunded() {
    // Regression: an escalated dispute had no deadline at all (one sat four months
    // with 40.00 held).
    let mut w = escalated(Policy::default());
    let x = w.order().unwrap().dispute.unwrap();
    assert_eq!(x.agent_due, Some(day(24.1)));
    assert!(!x.overdue_at(day(24.0)) && x.overdue_at(day(24.1)));
    w.advance(24.0);
    assert_eq!(w.status(), Status::Disputed);
    w.advance(24.2);
    let names = w.events();
    let at = names
        .iter()
        .position(|n| *n == "dispute_overdue")
        .expect("surfaced");
    assert_eq!(names[at + 1], "dispute_resolved");
    assert_eq!(
        resolution(&w),
        Some((Outcome::RefundFull, 2200, Some("escalation_overdue".into())))
    );
    assert_eq!(w.balance(AccountKind::BuyerFunding, "b-1"), 0, "all back");
    // Each state change once: firing the deadline again changes nothing.
    let log = w.log.clone();
    w.exec(
        &Actor::System,
        &Command::Fire(TimerKind::EscalationDeadline),
        day(30.0),
    )
    .unwrap();
    assert_eq!(w.log, log);
}

#[test]
fn with_the_refund_switched_off_an_overdue_dispute_waits_for_the_agent_surfaced() {
    let mut w = escalated(Policy {
        refund_overdue_escalations: false,
        ..Policy::default()
    });
    w.advance(30.0);
    assert_eq!(w.status(), Status::Disputed);
    assert_eq!(
        w.events()
            .iter()
            .filter(|n| **n == "dispute_overdue")
            .count(),
        1
    );
    let x = w.order().unwrap().dispute.unwrap();
    assert!(x.overdue && x.overdue_at(day(30.0)));
    w.run(
        &Actor::Agent("ann".into()),
        Command::Dispute(D::Decide {
            outcome: DecideAs::Rejected,
        }),
        31.0,
    )
    .unwrap();
    assert_eq!(
        resolution(&w).map(|r| (r.0, r.2)),
        Some((Outcome::Rejected, None))
    );
}

#[test]
fn a_decision_in_time_or_a_return_under_way_is_not_overdue() {
    let mut w = escalated(Policy::default());
    w.run(
        &Actor::Agent("ann".into()),
        Command::Dispute(D::Decide {
            outcome: DecideAs::ReturnAndRefund,
        }),
        20.0,
    )
    .unwrap();
    w.advance(24.5);
    assert!(!w.events().contains(&"dispute_overdue"), "{:?}", w.events());
    assert!(!w.order().unwrap().dispute.unwrap().overdue_at(day(24.5)));
}

#[test]
fn disputes_that_escalate_themselves_get_the_deadline_too() {
    let mut w = shipped();
    w.policy.escalation_agent_days = 4;
    deliver(&mut w, 10.0);
    w.run(
        &buyer(),
        Command::Dispute(D::Open {
            reason: Reason::Damaged,
            requested: None,
            evidence: vec![],
        }),
        11.0,
    )
    .unwrap();
    w.run(
        &seller(),
        Command::Dispute(D::Respond {
            response: RespondWith::Reject,
            evidence: vec![Evidence::Text { text: "no".into() }],
        }),
        12.0,
    )
    .unwrap();
    w.advance(26.5); // escalates itself on day 26
    let x = w.order().unwrap().dispute.unwrap();
    assert!(x.escalated);
    assert_eq!(x.agent_due, Some(day(30.0)));
    w.advance(30.1);
    assert_eq!(
        resolution(&w).and_then(|r| r.2),
        Some("escalation_overdue".into())
    );
}

#[test]
fn the_agent_deadline_policy_is_checked() {
    let mut p = Policy::default();
    assert_eq!(p.escalation_agent_days, 10);
    assert!(p.refund_overdue_escalations);
    p.escalation_agent_days = 0;
    assert!(p.check().unwrap_err().contains("escalation_agent_days"));
}
