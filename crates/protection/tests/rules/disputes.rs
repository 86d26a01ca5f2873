//! Disputes: one table per rule of design.md section 2 with its default number and
//! both sides of each deadline, and where the money comes from in each case.

use super::*;
use protection::{
    DecideAs, DisputeCommand as D, Evidence, OrderOptions, Outcome, Reason, RespondWith,
};

const PRICE: i64 = 2200;

/// An amount in cents of the order's currency.
fn cents(minor: i64) -> Money {
    Money::from_minor(minor, usd()).unwrap()
}

fn agent() -> Actor {
    Actor::Agent("ann".into())
}

fn text(s: &str) -> Vec<Evidence> {
    vec![Evidence::Text { text: s.into() }]
}

fn open(w: &mut World, reason: Reason, requested: Option<&str>, at: f64) -> Result<(), Rejection> {
    w.run(
        &buyer(),
        Command::Dispute(D::Open {
            reason,
            requested: requested.map(usd_m),
            evidence: text("the sleeve is torn"),
        }),
        at,
    )
}

fn respond(w: &mut World, response: RespondWith, at: f64) -> Result<(), Rejection> {
    w.run(
        &seller(),
        Command::Dispute(D::Respond {
            response,
            evidence: text("photo of the packed item"),
        }),
        at,
    )
}

/// The seller offers a return on day 11.5 and the buyer takes it on day 12.
fn agree_return(w: &mut World) {
    respond(w, RespondWith::Return, 11.5).unwrap();
    w.run(&buyer(), Command::Dispute(D::AcceptOffer), 12.0)
        .unwrap();
}

fn ship_return(w: &mut World, cost: Option<&str>, at: f64) {
    w.run(
        &buyer(),
        Command::Dispute(D::ReturnShipped {
            tracking: "RR123456785CN".parse().unwrap(),
            shipping_cost: cost.map(usd_m),
        }),
        at,
    )
    .unwrap();
}

/// Shipped day 1, delivered day 10, promised day 21: the hold is still in escrow.
fn delivered() -> World {
    let mut w = shipped();
    deliver(&mut w, 10.0);
    w
}

fn resolved_outcome(w: &World) -> Option<Outcome> {
    w.log.iter().rev().find_map(|r| match &r.event {
        Event::DisputeResolved { outcome, .. } => Some(*outcome),
        _ => None,
    })
}

fn rule_of(r: Result<(), Rejection>) -> String {
    match r {
        Ok(()) => "ok".into(),
        Err(e) => e.rule().map_or_else(|| e.to_string(), String::from),
    }
}

#[test]
fn windows_to_open_a_dispute() {
    // (setup, reason, day, expected rule or "ok")
    type Setup = fn() -> World;
    let cases: Vec<(Setup, Reason, f64, &str)> = vec![
        (shipped, Reason::NotReceived, 20.9, "dispute_window"),
        (shipped, Reason::NotReceived, 21.1, "ok"),
        (
            || {
                let mut w = World::new();
                place(&mut w, 20, None);
                pay(&mut w);
                w
            },
            Reason::NotReceived,
            2.0,
            "ok",
        ),
        (shipped, Reason::NotAsDescribed, 5.0, "dispute_window"),
        (delivered, Reason::NotAsDescribed, 11.0, "ok"),
        (delivered, Reason::Counterfeit, 11.0, "ok"),
        // Auto-confirmed on day 21: the post-completion window closes on day 36.
        (delivered, Reason::Damaged, 35.9, "ok"),
        (delivered, Reason::Damaged, 36.1, "dispute_window"),
    ];
    for (setup, reason, at, expect) in cases {
        let mut w = setup();
        w.advance(at);
        let got = rule_of(open(&mut w, reason, None, at));
        assert!(got.contains(expect), "{reason:?} on day {at}: {got}");
        if expect == "ok" {
            assert_eq!(w.status(), Status::Disputed);
        }
    }
}

#[test]
fn one_dispute_per_order_and_never_reopened() {
    let mut w = delivered();
    open(&mut w, Reason::Damaged, None, 11.0).unwrap();
    assert_eq!(
        rule_of(open(&mut w, Reason::Other, None, 11.5)),
        "one_dispute"
    );
    w.run(
        &buyer(),
        Command::Dispute(D::Withdraw {
            confirm_protection_ends: true,
        }),
        12.0,
    )
    .unwrap();
    assert_eq!(
        rule_of(open(&mut w, Reason::Damaged, None, 12.5)),
        "one_dispute"
    );
}

#[test]
fn seller_has_5_days_then_the_request_is_granted() {
    for (respond_at, expect_open) in [(14.9, true), (16.1, false)] {
        let mut w = delivered();
        open(&mut w, Reason::Damaged, None, 11.0).unwrap();
        w.advance(15.99);
        assert_eq!(w.status(), Status::Disputed, "before day 16");
        let r = respond(&mut w, RespondWith::Partial(cents(500)), respond_at);
        assert_eq!(r.is_ok(), expect_open, "respond on day {respond_at}: {r:?}");
        if !expect_open {
            assert_eq!(resolved_outcome(&w), Some(Outcome::RefundFull));
            assert_eq!(w.balance(AccountKind::BuyerFunding, "b-1"), 0);
            assert_eq!(w.balance(AccountKind::OrderEscrow, "o-1"), 0);
        }
    }
}

#[test]
fn a_partial_request_granted_releases_the_rest_to_the_seller() {
    let mut w = delivered();
    open(&mut w, Reason::MissingParts, Some("5.00"), 11.0).unwrap();
    respond(&mut w, RespondWith::Accept, 12.0).unwrap();
    assert_eq!(
        resolved_outcome(&w),
        Some(Outcome::RefundPartial { amount_minor: 500 })
    );
    assert_eq!(w.balance(AccountKind::BuyerFunding, "b-1"), -PRICE + 500);
    assert_eq!(w.balance(AccountKind::SellerPayable, "s-1"), PRICE - 500);
    // The payout hold still applies to what the seller keeps.
    w.advance(26.9);
    assert_eq!(w.balance(AccountKind::SellerAvailable, "s-1"), 0);
    w.advance(27.1);
    assert_eq!(w.balance(AccountKind::SellerAvailable, "s-1"), PRICE - 500);
}

#[test]
fn several_rounds_of_offers_and_counters() {
    let mut w = delivered();
    open(&mut w, Reason::NotAsDescribed, None, 11.0).unwrap();
    respond(&mut w, RespondWith::Partial(cents(300)), 11.5).unwrap();
    w.run(
        &buyer(),
        Command::Dispute(D::Counter {
            requested: usd_m("12.00"),
        }),
        12.0,
    )
    .unwrap();
    respond(&mut w, RespondWith::Partial(cents(900)), 13.0).unwrap();
    w.run(&buyer(), Command::Dispute(D::AcceptOffer), 13.5)
        .unwrap();
    assert_eq!(
        resolved_outcome(&w),
        Some(Outcome::RefundPartial { amount_minor: 900 })
    );
    assert_eq!(w.order().unwrap().dispute.unwrap().rounds, 2);
}

#[test]
fn buyer_escalates_after_3_days_and_it_escalates_itself_on_day_15() {
    for (at, ok) in [(13.9, false), (14.1, true)] {
        let mut w = delivered();
        open(&mut w, Reason::NotAsDescribed, None, 11.0).unwrap();
        respond(&mut w, RespondWith::Reject, 11.5).unwrap();
        let r = rule_of(w.run(&buyer(), Command::Dispute(D::Escalate), at));
        assert_eq!(r == "ok", ok, "escalate on day {at}: {r}");
    }
    let mut w = delivered();
    open(&mut w, Reason::NotAsDescribed, None, 11.0).unwrap();
    respond(&mut w, RespondWith::Reject, 11.5).unwrap();
    w.advance(25.9);
    assert!(!w.order().unwrap().dispute.unwrap().escalated);
    w.advance(26.1);
    assert!(w.order().unwrap().dispute.unwrap().escalated);
    assert!(w.log.iter().any(|r| matches!(
        r.event,
        Event::DisputeEscalated {
            automatic: true,
            ..
        }
    )));
}

#[test]
fn only_an_agent_decides_and_within_what_is_left() {
    let mut w = delivered();
    open(&mut w, Reason::NotAsDescribed, None, 11.0).unwrap();
    respond(&mut w, RespondWith::Reject, 11.5).unwrap();
    w.run(&buyer(), Command::Dispute(D::Escalate), 14.5)
        .unwrap();
    let decide = |outcome| Command::Dispute(D::Decide { outcome });
    let too_much = decide(DecideAs::RefundPartial(cents(PRICE + 1)));
    assert!(matches!(
        w.run(&seller(), decide(DecideAs::Rejected), 15.0),
        Err(Rejection::NotPermitted { .. })
    ));
    assert!(matches!(
        w.run(&buyer(), decide(DecideAs::RefundFull), 15.0),
        Err(Rejection::NotPermitted { .. })
    ));
    assert_eq!(rule_of(w.run(&agent(), too_much, 15.0)), "refund_exceeds");
    assert_eq!(w.status(), Status::Disputed);
    w.run(&agent(), decide(DecideAs::RefundPartial(cents(1000))), 15.0)
        .unwrap();
    assert_eq!(w.balance(AccountKind::BuyerFunding, "b-1"), -PRICE + 1000);
    assert_eq!(w.balance(AccountKind::SellerPayable, "s-1"), PRICE - 1000);
}

#[test]
fn return_must_ship_within_10_days_and_is_refunded_10_days_after_delivery() {
    // Not shipped back in time: the dispute closes for the seller.
    let mut w = delivered();
    open(&mut w, Reason::WrongItem, None, 11.0).unwrap();
    agree_return(&mut w);
    w.advance(21.9);
    assert_eq!(w.status(), Status::Disputed);
    w.advance(22.1);
    assert_eq!(resolved_outcome(&w), Some(Outcome::Rejected));
    assert_eq!(w.balance(AccountKind::SellerPayable, "s-1"), PRICE);

    // Shipped and delivered: refunded 10 days later without the seller.
    let mut w = delivered();
    open(&mut w, Reason::WrongItem, None, 11.0).unwrap();
    agree_return(&mut w);
    ship_return(&mut w, Some("4.00"), 21.0);
    w.run(&Actor::Carrier, Command::Dispute(D::ReturnDelivered), 30.0)
        .unwrap();
    w.advance(39.9);
    assert_eq!(w.status(), Status::Disputed);
    w.advance(40.1);
    assert_eq!(resolved_outcome(&w), Some(Outcome::ReturnAndRefund));
    assert_eq!(w.balance(AccountKind::BuyerFunding, "b-1"), 0);
    // Not a Choice order: the buyer paid the return shipping.
    assert_eq!(w.balance(AccountKind::ReturnShippingExpense, "platform"), 0);
}

#[test]
fn seller_confirming_the_return_refunds_at_once() {
    let mut w = delivered();
    open(&mut w, Reason::Damaged, None, 11.0).unwrap();
    agree_return(&mut w);
    assert!(w
        .run(&seller(), Command::Dispute(D::ReturnReceived), 12.5)
        .is_err());
    ship_return(&mut w, None, 13.0);
    w.run(&seller(), Command::Dispute(D::ReturnReceived), 18.0)
        .unwrap();
    assert_eq!(resolved_outcome(&w), Some(Outcome::ReturnAndRefund));
    assert_eq!(w.balance(AccountKind::BuyerFunding, "b-1"), 0);
}

#[test]
fn withdrawing_needs_explicit_confirmation_and_is_recorded_with_a_warning() {
    let mut w = delivered();
    open(&mut w, Reason::Damaged, None, 11.0).unwrap();
    let r = w.run(
        &buyer(),
        Command::Dispute(D::Withdraw {
            confirm_protection_ends: false,
        }),
        12.0,
    );
    assert_eq!(rule_of(r), "confirm_withdrawal");
    assert_eq!(w.status(), Status::Disputed);
    w.run(
        &buyer(),
        Command::Dispute(D::Withdraw {
            confirm_protection_ends: true,
        }),
        12.0,
    )
    .unwrap();
    assert!(matches!(
        &w.log.last().unwrap().event,
        Event::DisputeResolved { outcome: Outcome::Withdrawn, warning: Some(msg), .. } if msg.contains("protection")
    ));
    assert_eq!(w.balance(AccountKind::SellerPayable, "s-1"), PRICE);
}

#[test]
fn after_release_the_refund_is_taken_back_from_the_seller() {
    // Auto-confirmed day 21: released to the seller's payable account; dispute on day
    // 25 in the post-completion window.
    let mut w = delivered();
    w.advance(25.0);
    assert_eq!(w.status(), Status::Completed);
    open(&mut w, Reason::NotAsDescribed, None, 25.0).unwrap();
    respond(&mut w, RespondWith::Accept, 26.0).unwrap();
    assert_eq!(w.balance(AccountKind::SellerPayable, "s-1"), 0);
    assert_eq!(w.balance(AccountKind::BuyerFunding, "b-1"), 0);
    let o = w.order().unwrap();
    assert_eq!((o.released_minor, o.clawed_back_minor), (PRICE, PRICE));
    // Nothing is left to pay out.
    w.advance(60.0);
    assert_eq!(w.balance(AccountKind::SellerAvailable, "s-1"), 0);
}

#[test]
fn a_seller_who_cannot_pay_is_covered_by_the_guarantee_fund_and_owes_it() {
    // EU legal guarantee: a defect found a year after delivery, long after payout; the
    // seller's available money is then taken first, the fund pays the rest.
    let mut w = World::new();
    place_with(
        &mut w,
        20,
        Some("DE"),
        OrderOptions {
            eu_consumer: true,
            choice: false,
            legal_guarantee: true,
            weight_grams: None,
            guaranteed_genuine: false,
        },
    );
    pay(&mut w);
    ship(&mut w, 1.0);
    deliver(&mut w, 10.0);
    w.advance(60.0);
    assert_eq!(w.balance(AccountKind::SellerAvailable, "s-1"), PRICE);
    // The seller's available money shrinks (a withdrawal, modelled as another claim).
    w.book
        .apply(&[ledger::Transfer {
            id: domain::TransferId::parse("withdrawal-1").unwrap(),
            op: ledger::Op::Posted {
                debit: ledger::AccountId::new(AccountKind::SellerAvailable, "s-1", usd()),
                credit: ledger::AccountId::new(AccountKind::BuyerFunding, "bank", usd()),
                amount: Money::from_minor(1500, usd()).unwrap(),
            },
            code: ledger::Code::Payout,
            order: None,
        }])
        .unwrap();
    assert_eq!(
        rule_of(open(&mut w, Reason::Counterfeit, None, 400.0)),
        "dispute_window"
    );
    open(&mut w, Reason::Damaged, None, 400.0).unwrap();
    assert_eq!(
        w.order().unwrap().dispute.unwrap().claim,
        protection::Claim::EuLegalGuarantee
    );
    respond(&mut w, RespondWith::Accept, 401.0).unwrap();
    assert_eq!(w.balance(AccountKind::BuyerFunding, "b-1"), 0);
    assert_eq!(w.balance(AccountKind::SellerAvailable, "s-1"), 0);
    assert_eq!(w.balance(AccountKind::GuaranteeFund, "platform"), 0);
    assert_eq!(w.balance(AccountKind::SellerDebt, "s-1"), -(PRICE - 700));
}

#[test]
fn the_eu_legal_guarantee_lasts_2_years_after_delivery() {
    for (at, expect) in [(739.0, "ok"), (741.0, "dispute_window")] {
        let mut w = World::new();
        place_with(
            &mut w,
            20,
            Some("FR"),
            OrderOptions {
                eu_consumer: true,
                choice: false,
                legal_guarantee: true,
                weight_grams: None,
                guaranteed_genuine: false,
            },
        );
        pay(&mut w);
        ship(&mut w, 1.0);
        deliver(&mut w, 10.0);
        assert_eq!(
            rule_of(open(&mut w, Reason::Damaged, None, at)),
            expect,
            "day {at}"
        );
    }
}

/// Shipped day 1, delivered day 10, from a listing with Guaranteed Genuine.
fn delivered_genuine() -> World {
    let mut w = World::new();
    place_with(
        &mut w,
        20,
        None,
        OrderOptions {
            guaranteed_genuine: true,
            ..OrderOptions::default()
        },
    );
    pay(&mut w);
    ship(&mut w, 1.0);
    deliver(&mut w, 10.0);
    w
}

#[test]
fn guaranteed_genuine_refunds_price_and_shipping_times_the_multiplier() {
    for (bps, expect_extra) in [(10_000, 0), (15_000, PRICE / 2)] {
        let mut w = delivered_genuine();
        w.policy.genuine_multiplier_bps = bps;
        open(&mut w, Reason::Counterfeit, None, 11.0).unwrap();
        respond(&mut w, RespondWith::Accept, 12.0).unwrap();
        assert_eq!(
            w.balance(AccountKind::BuyerFunding, "b-1"),
            expect_extra,
            "multiplier {bps}"
        );
        assert_eq!(
            w.balance(AccountKind::GuaranteeFund, "platform"),
            -expect_extra
        );
    }
}

#[test]
fn the_guarantee_applies_only_to_orders_whose_listing_carried_it() {
    // Regression: every upheld counterfeit claim drew on the guarantee fund.
    let mut w = delivered();
    w.policy.genuine_multiplier_bps = 15_000;
    open(&mut w, Reason::Counterfeit, None, 11.0).unwrap();
    respond(&mut w, RespondWith::Accept, 12.0).unwrap();
    assert_eq!(
        w.balance(AccountKind::BuyerFunding, "b-1"),
        0,
        "refunded as paid"
    );
    assert_eq!(w.balance(AccountKind::GuaranteeFund, "platform"), 0);
}

#[test]
fn choice_orders_get_return_shipping_paid_by_the_platform() {
    let mut w = World::new();
    place_with(
        &mut w,
        20,
        None,
        OrderOptions {
            choice: true,
            ..OrderOptions::default()
        },
    );
    pay(&mut w);
    ship(&mut w, 1.0);
    deliver(&mut w, 10.0);
    open(&mut w, Reason::WrongItem, None, 11.0).unwrap();
    agree_return(&mut w);
    ship_return(&mut w, Some("4.00"), 13.0);
    assert_eq!(
        w.balance(AccountKind::ReturnShippingExpense, "platform"),
        -400
    );
    assert_eq!(w.balance(AccountKind::BuyerFunding, "b-1"), -PRICE + 400);
}

#[test]
fn eu_consumers_may_withdraw_within_14_days_of_delivery() {
    for (eu, at, expect) in [
        (true, 23.9, "ok"),
        (true, 24.1, "eu_withdrawal"),
        (false, 12.0, "eu_withdrawal"),
    ] {
        let mut w = World::new();
        place_with(
            &mut w,
            30,
            None,
            OrderOptions {
                eu_consumer: eu,
                choice: true,
                legal_guarantee: false,
                weight_grams: None,
                guaranteed_genuine: false,
            },
        );
        pay(&mut w);
        ship(&mut w, 1.0);
        deliver(&mut w, 10.0);
        let r = rule_of(w.run(&buyer(), Command::Dispute(D::EuWithdrawal), at));
        assert_eq!(r, expect, "eu {eu} on day {at}");
        if r == "ok" {
            w.run(
                &buyer(),
                Command::Dispute(D::ReturnShipped {
                    tracking: "RR123456785CN".parse().unwrap(),
                    shipping_cost: Some(usd_m("4.00")),
                }),
                at + 1.0,
            )
            .unwrap();
            // The buyer pays the return shipping of a withdrawal, Choice or not.
            assert_eq!(w.balance(AccountKind::ReturnShippingExpense, "platform"), 0);
            w.run(&seller(), Command::Dispute(D::ReturnReceived), at + 5.0)
                .unwrap();
            assert_eq!(w.balance(AccountKind::BuyerFunding, "b-1"), 0);
        }
    }
}

/// Bad input: the rule is named and nothing changes.
#[test]
fn bad_dispute_commands_are_refused_and_change_nothing() {
    let other = Actor::Buyer(BuyerId::parse("b-2").unwrap());
    let cases: Vec<(Actor, Command, &str)> = vec![
        (
            other,
            Command::Dispute(D::Open {
                reason: Reason::Damaged,
                requested: None,
                evidence: vec![],
            }),
            "rule permission",
        ),
        (
            buyer(),
            Command::Dispute(D::Open {
                reason: Reason::Damaged,
                requested: Some(usd_m("22.01")),
                evidence: vec![],
            }),
            "rule refund_exceeds",
        ),
        (
            buyer(),
            Command::Dispute(D::Open {
                reason: Reason::Damaged,
                requested: None,
                evidence: vec![Evidence::Photo {
                    sha256: "abc".into(),
                    media_type: "image/png".into(),
                }],
            }),
            "rule invalid_input: photo sha256",
        ),
        (
            seller(),
            Command::Dispute(D::Respond {
                response: RespondWith::Accept,
                evidence: vec![],
            }),
            "rule no_open_dispute",
        ),
        (
            agent(),
            Command::Dispute(D::Decide {
                outcome: DecideAs::RefundFull,
            }),
            "rule no_open_dispute",
        ),
    ];
    for (actor, command, expect) in cases {
        let mut w = delivered();
        let log = w.log.clone();
        let err = w.run(&actor, command.clone(), 11.0).unwrap_err();
        assert!(err.to_string().contains(expect), "{command:?}: {err}");
        assert_eq!(w.log, log);
    }
    // A seller rejecting without evidence.
    let mut w = delivered();
    open(&mut w, Reason::Damaged, None, 11.0).unwrap();
    let r = w.run(
        &seller(),
        Command::Dispute(D::Respond {
            response: RespondWith::Reject,
            evidence: vec![],
        }),
        11.5,
    );
    assert_eq!(rule_of(r), "reject_needs_evidence");
}

#[derive(Debug, Clone)]
enum Step {
    Open(u8),
    Respond(u8, i64),
    Accept,
    Counter(i64),
    Escalate,
    Decide(u8, i64),
    Withdraw,
    ReturnShipped,
    ReturnDelivered,
    ReturnReceived,
    Wait(f64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..7).prop_map(Step::Open),
        (0u8..4, 1i64..3000).prop_map(|(k, a)| Step::Respond(k, a)),
        Just(Step::Accept),
        (1i64..3000).prop_map(Step::Counter),
        Just(Step::Escalate),
        (0u8..4, 1i64..3000).prop_map(|(k, a)| Step::Decide(k, a)),
        Just(Step::Withdraw),
        Just(Step::ReturnShipped),
        Just(Step::ReturnDelivered),
        Just(Step::ReturnReceived),
        (0.2f64..8.0).prop_map(Step::Wait),
    ]
}

proptest! {
    /// Random dispute sequences from any point of the order's life: the ledger verifies,
    /// money back to the buyer never exceeds what was paid (bar the genuine guarantee),
    /// a resolved dispute stays resolved, and every deadline fires at most once.
    #[test]
    fn random_dispute_sequences_keep_every_invariant(
        start in 2.0f64..40.0,
        steps in proptest::collection::vec(step(), 1..30),
    ) {
        let mut w = shipped();
        deliver(&mut w, 10.0);
        let mut now = 10.0 + start;
        w.advance(now);
        let mut closed = false;
        for s in steps {
            let usd_minor = |m: i64| Money::from_minor(m, usd()).unwrap();
            let c = |d: D| Command::Dispute(d);
            let _ = match s {
                Step::Open(r) => open(&mut w, Reason::ALL[r as usize], None, now),
                Step::Respond(k, a) => respond(&mut w, [RespondWith::Accept, RespondWith::Partial(usd_minor(a)), RespondWith::Return, RespondWith::Reject][k as usize], now),
                Step::Accept => w.run(&buyer(), c(D::AcceptOffer), now),
                Step::Counter(a) => w.run(&buyer(), c(D::Counter { requested: usd_minor(a) }), now),
                Step::Escalate => w.run(&buyer(), c(D::Escalate), now),
                Step::Decide(k, a) => w.run(&agent(), c(D::Decide { outcome: [DecideAs::RefundFull, DecideAs::RefundPartial(usd_minor(a)), DecideAs::ReturnAndRefund, DecideAs::Rejected][k as usize] }), now),
                Step::Withdraw => w.run(&buyer(), c(D::Withdraw { confirm_protection_ends: true }), now),
                Step::ReturnShipped => w.run(&buyer(), c(D::ReturnShipped { tracking: "RR1".parse().unwrap(), shipping_cost: None }), now),
                Step::ReturnDelivered => w.run(&Actor::Carrier, c(D::ReturnDelivered), now),
                Step::ReturnReceived => w.run(&seller(), c(D::ReturnReceived), now),
                Step::Wait(d) => { now += d; w.advance(now); Ok(()) }
            };
            let o = w.order().unwrap();
            prop_assert!(o.refunded_minor + o.released_minor <= o.captured_minor);
            prop_assert!(o.clawed_back_minor <= o.released_minor);
            // What the buyer got back, in the ledger: never more than paid.
            prop_assert!(w.balance(AccountKind::BuyerFunding, "b-1") <= 0);
            if closed {
                prop_assert_eq!(o.status, Status::Resolved);
            }
            closed = o.status == Status::Resolved;
            let mut fired = w.fired.clone();
            fired.sort();
            let n = fired.len();
            fired.dedup();
            prop_assert_eq!(fired.len(), n);
        }
        // Every open dispute ends: by the seller's deadline, escalation stays for an
        // agent, or a return deadline.
        w.advance(now + 60.0);
        let o = w.order().unwrap();
        if let Some(x) = &o.dispute {
            prop_assert!(!x.is_open() || x.escalated, "stuck: {:?}", x.stage);
        }
    }
}

#[test]
fn a_return_that_never_arrives_goes_to_the_platform_after_30_days() {
    let mut w = delivered();
    open(&mut w, Reason::WrongItem, None, 11.0).unwrap();
    agree_return(&mut w);
    ship_return(&mut w, None, 13.0);
    w.advance(42.9);
    assert!(!w.order().unwrap().dispute.unwrap().escalated);
    w.advance(43.1);
    assert!(w.order().unwrap().dispute.unwrap().escalated);
    w.run(
        &agent(),
        Command::Dispute(D::Decide {
            outcome: DecideAs::RefundFull,
        }),
        44.0,
    )
    .unwrap();
    assert_eq!(w.balance(AccountKind::BuyerFunding, "b-1"), 0);
}

#[test]
fn deadline_acts_says_which_deadlines_an_escalation_or_a_shipment_made_moot() {
    use protection::{deadline_acts, TimerKind as K};
    // Shipped day 1 (handling deadline day 7), delivered day 10, dispute opened day
    // 11: the seller has until day 16.
    let mut w = delivered();
    open(&mut w, Reason::Damaged, None, 11.0).unwrap();
    let o = w.order().unwrap();
    let p = &w.policy;
    assert!(deadline_acts(&o, K::SellerResponseDue, day(16.0), p));
    assert!(
        !deadline_acts(&o, K::SellerResponseDue, day(15.9), p),
        "not due yet"
    );
    assert!(
        !deadline_acts(&o, K::HandlingDeadline, day(7.0), p),
        "shipped"
    );
    // Regression: the console listed "seller response due" on escalated disputes.
    w.run(&buyer(), Command::Dispute(D::Escalate), 14.0)
        .unwrap();
    let o = w.order().unwrap();
    assert!(!deadline_acts(
        &o,
        K::SellerResponseDue,
        day(16.0),
        &w.policy
    ));
    assert!(!deadline_acts(&o, K::AutoEscalate, day(26.0), &w.policy));
}
