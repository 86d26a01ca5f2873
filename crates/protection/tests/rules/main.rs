//! The protection rules of design.md section 2, one table per rule with its default
//! number and both sides of each deadline, driven through a pure in-memory harness.

mod carrier;
mod disputes;
mod money;
mod never_worse_off;
mod ratings;
mod three_ds;

use domain::{BuyerId, Currency, Money, OrderId, SellerId, Timestamp, MS_PER_DAY};
use ledger::{verify, AccountId, AccountKind, Book};
use proptest::prelude::*;
use protection::{
    decide, Actor, CancelReason, Command, Event, Order, Policy, Recorded, Rejection, Status,
    ThreeDs, Timer,
};

const T0: i64 = 1_790_000_000_000;

fn day(n: f64) -> Timestamp {
    Timestamp::from_unix_ms(T0 + (n * MS_PER_DAY as f64) as i64)
}

fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

fn usd_m(s: &str) -> Money {
    Money::parse(s, usd()).unwrap()
}

/// One order, its log, the ledger and pending deadlines: a pure engine in miniature.
struct World {
    id: OrderId,
    log: Vec<Recorded>,
    book: Book,
    timers: Vec<Timer>,
    fired: Vec<Timer>,
    policy: Policy,
}

impl World {
    fn new() -> World {
        World::with_id("o-1")
    }

    fn with_id(id: &str) -> World {
        World {
            id: OrderId::parse(id).unwrap(),
            log: vec![],
            book: Book::new(),
            timers: vec![],
            fired: vec![],
            policy: Policy::default(),
        }
    }

    fn order(&self) -> Option<Order> {
        Order::replay(&self.id, &self.log)
    }

    fn run(&mut self, actor: &Actor, command: Command, at: f64) -> Result<(), Rejection> {
        self.advance(at);
        self.exec(actor, &command, day(at))
    }

    fn exec(&mut self, actor: &Actor, command: &Command, now: Timestamp) -> Result<(), Rejection> {
        let before = self.order();
        let d = decide(before.as_ref(), &self.id, command, actor, now, &self.policy)?;
        self.book
            .apply(&d.transfers)
            .unwrap_or_else(|e| panic!("ledger refused {command:?}: {e}"));
        for c in &d.clawbacks {
            let transfers = c.expand(&self.book);
            self.book
                .apply(&transfers)
                .unwrap_or_else(|e| panic!("ledger refused the clawback of {command:?}: {e}"));
        }
        for e in d.events {
            let seq = self.log.len() as i64 + 1;
            self.log.push(Recorded {
                seq,
                at: now,
                actor: actor.clone(),
                event: e,
            });
        }
        // Like the store's timers table: one row per (kind, due).
        for t in d.timers {
            if !self.timers.contains(&t) && !self.fired.contains(&t) {
                self.timers.push(t);
            }
        }
        let report = verify(self.book.accounts(), self.book.recorded());
        assert!(report.ok(), "{:?}", report.broken);
        Ok(())
    }

    /// Fires every deadline due up to `at`, oldest first, each exactly once.
    fn advance(&mut self, at: f64) {
        let now = day(at);
        loop {
            self.timers.sort();
            let Some(pos) = self
                .timers
                .iter()
                .enumerate()
                .filter(|(_, t)| t.due <= now)
                .min_by_key(|(_, t)| t.due)
                .map(|(i, _)| i)
            else {
                break;
            };
            let t = self.timers.remove(pos);
            self.fired.push(t);
            self.exec(&Actor::System, &Command::Fire(t.kind), t.due)
                .expect("timers are never refused");
        }
    }

    fn status(&self) -> Status {
        self.order().unwrap().status
    }

    fn balance(&self, kind: AccountKind, owner: &str) -> i64 {
        self.book
            .account(&AccountId::new(kind, owner, usd()))
            .balance()
    }

    fn events(&self) -> Vec<&'static str> {
        self.log.iter().map(|r| r.event.name()).collect()
    }
}

fn buyer() -> Actor {
    Actor::Buyer(BuyerId::parse("b-1").unwrap())
}
fn seller() -> Actor {
    Actor::Seller(SellerId::parse("s-1").unwrap())
}

fn place(w: &mut World, promised_days: i64, country: Option<&str>) {
    place_with(
        w,
        promised_days,
        country,
        protection::OrderOptions::default(),
    );
}

fn place_with(
    w: &mut World,
    promised_days: i64,
    country: Option<&str>,
    options: protection::OrderOptions,
) {
    w.run(
        &Actor::Platform,
        Command::Place {
            buyer: BuyerId::parse("b-1").unwrap(),
            seller: SellerId::parse("s-1").unwrap(),
            price: usd_m("19.99"),
            shipping: usd_m("2.01"),
            handling_days: None,
            promised_days,
            destination_country: country.map(|c| c.parse().unwrap()),
            options,
        },
        0.0,
    )
    .unwrap();
}

/// The platform's payment side reports the payment, authenticated by 3-D Secure.
fn pay(w: &mut World) {
    w.run(
        &Actor::Platform,
        Command::Pay {
            amount: usd_m("22.00"),
            three_ds: ThreeDs::Authenticated,
        },
        0.0,
    )
    .unwrap();
}

fn ship(w: &mut World, at: f64) {
    w.run(
        &seller(),
        Command::Ship {
            tracking: "RB123456785GB".parse().unwrap(),
        },
        at,
    )
    .unwrap();
}

fn deliver(w: &mut World, at: f64) {
    w.run(&Actor::Carrier, Command::Deliver { country: None }, at)
        .unwrap();
}

/// A paid order shipped on day 1 with 20 days promised: promised date day 21.
fn shipped() -> World {
    let mut w = World::new();
    place(&mut w, 20, None);
    pay(&mut w);
    ship(&mut w, 1.0);
    w
}

#[test]
fn handling_time_default_7_days_then_auto_cancel_with_full_refund() {
    for (ship_at, expect) in [(6.99, Status::Shipped), (7.01, Status::Cancelled)] {
        let mut w = World::new();
        place(&mut w, 20, None);
        pay(&mut w);
        w.advance(ship_at);
        let shipped = w.run(
            &seller(),
            Command::Ship {
                tracking: "LP00123456789012".parse().unwrap(),
            },
            ship_at,
        );
        assert_eq!(w.status(), expect, "ship at day {ship_at}");
        if expect == Status::Cancelled {
            assert!(matches!(shipped, Err(Rejection::InvalidState { .. })));
            assert_eq!(w.balance(AccountKind::BuyerFunding, "b-1"), 0);
            assert!(w.log.iter().any(|r| matches!(
                r.event,
                Event::Cancelled {
                    reason: CancelReason::NotShippedInTime,
                    refunded_minor: 2200
                }
            )));
        }
    }
}

#[test]
fn promised_delivery_is_capped_at_60_days_90_for_ru_120_for_br() {
    for (promised, country, expect_days) in [
        (45, None, 45),
        (75, None, 60),
        (75, Some("RU"), 75),
        (100, Some("RU"), 90),
        (100, Some("BR"), 100),
        (150, Some("BR"), 120),
    ] {
        let mut w = World::new();
        place(&mut w, promised, country);
        pay(&mut w);
        ship(&mut w, 0.0);
        let o = w.order().unwrap();
        assert_eq!(
            o.shipped_at.unwrap().days_until(o.promised_at.unwrap()),
            expect_days,
            "{promised} days to {country:?}"
        );
    }
}

#[test]
fn auto_confirm_when_protection_ends_then_payout_after_15_days() {
    let mut w = shipped();
    deliver(&mut w, 10.0);
    w.advance(20.99);
    assert_eq!(w.status(), Status::Delivered, "before the promised day 21");
    assert_eq!(w.balance(AccountKind::OrderEscrow, "o-1"), 2200);
    w.advance(21.0);
    assert_eq!(w.status(), Status::Completed);
    assert_eq!(w.balance(AccountKind::OrderEscrow, "o-1"), 0);
    assert_eq!(w.balance(AccountKind::SellerPayable, "s-1"), 2200);
    w.advance(35.99);
    assert_eq!(w.balance(AccountKind::SellerAvailable, "s-1"), 0);
    w.advance(36.0);
    assert_eq!(w.balance(AccountKind::SellerAvailable, "s-1"), 2200);
    assert_eq!(w.balance(AccountKind::SellerPayable, "s-1"), 0);
    assert_eq!(
        w.events(),
        [
            "placed",
            "paid",
            "shipped",
            "delivered",
            "auto_confirmed",
            "paid_out"
        ]
    );
}

#[test]
fn on_time_guarantee_compensates_late_delivery_and_refunds_undelivered() {
    // Promised day 21, grace 7 days: delivered on day 20.9 is on time, day 21.1 late
    // (1.00 USD), and nothing by day 28 is a full refund. A late parcel gets 5 days to
    // inspect before auto-confirm.
    for (delivered, compensation, status) in [
        (Some(20.9), 0, Status::Completed),
        (Some(21.1), 100, Status::Completed),
        (Some(27.9), 100, Status::Delivered),
        (None, 0, Status::Cancelled),
    ] {
        let mut w = shipped();
        if let Some(at) = delivered {
            deliver(&mut w, at);
        }
        w.advance(28.0);
        assert_eq!(w.status(), status, "delivered {delivered:?}");
        assert_eq!(
            w.balance(AccountKind::CompensationExpense, "platform"),
            -compensation
        );
        if status == Status::Cancelled {
            assert_eq!(w.balance(AccountKind::BuyerFunding, "b-1"), 0);
            assert_eq!(w.balance(AccountKind::OrderEscrow, "o-1"), 0);
        }
    }
}

#[test]
fn a_late_parcel_leaves_time_to_inspect_before_auto_confirm() {
    let mut w = shipped();
    deliver(&mut w, 23.0);
    w.advance(27.99);
    assert_eq!(w.status(), Status::Delivered);
    w.advance(28.0);
    assert_eq!(w.status(), Status::Completed);
}

#[test]
fn seller_extension_moves_both_deadlines() {
    let mut w = shipped();
    w.run(&buyer(), Command::RequestExtension { days: 10 }, 15.0)
        .unwrap();
    w.run(&seller(), Command::GrantExtension { days: 10 }, 16.0)
        .unwrap();
    w.advance(30.0);
    assert_eq!(
        w.status(),
        Status::Shipped,
        "no refund before day 21 + 10 + 7"
    );
    deliver(&mut w, 30.0);
    w.advance(30.99);
    assert_eq!(w.status(), Status::Delivered);
    w.advance(31.0);
    assert_eq!(w.status(), Status::Completed);
    assert!(matches!(
        w.run(&buyer(), Command::GrantExtension { days: 5 }, 31.0),
        Err(Rejection::NotPermitted { .. })
    ));
}

#[test]
fn extension_limits() {
    let mut w = shipped();
    for (days, ok) in [(31, false), (0, false), (30, true), (30, true), (1, false)] {
        let r = w.run(&seller(), Command::GrantExtension { days }, 2.0);
        assert_eq!(r.is_ok(), ok, "{days} days: {r:?}");
    }
}

#[test]
fn confirming_before_delivery_needs_acknowledgement_and_is_recorded() {
    let mut w = shipped();
    let r = w.run(
        &buyer(),
        Command::ConfirmReceipt {
            acknowledge_no_delivery: false,
        },
        3.0,
    );
    assert_eq!(r, Err(Rejection::NeedsAcknowledgement));
    assert_eq!(w.status(), Status::Shipped);
    w.run(
        &buyer(),
        Command::ConfirmReceipt {
            acknowledge_no_delivery: true,
        },
        3.0,
    )
    .unwrap();
    let last = &w.log.last().unwrap().event;
    assert!(
        matches!(last, Event::Confirmed { early: true, warning: Some(msg), .. } if msg.contains("protection"))
    );
    assert_eq!(w.balance(AccountKind::SellerPayable, "s-1"), 2200);
    // The guarantee deadline later finds a completed order and does nothing.
    w.advance(40.0);
    assert_eq!(w.balance(AccountKind::BuyerFunding, "b-1"), -2200);
}

#[test]
fn confirm_after_delivery_needs_no_acknowledgement() {
    let mut w = shipped();
    deliver(&mut w, 5.0);
    w.run(
        &buyer(),
        Command::ConfirmReceipt {
            acknowledge_no_delivery: false,
        },
        6.0,
    )
    .unwrap();
    assert!(matches!(
        w.log.last().unwrap().event,
        Event::Confirmed { early: false, .. }
    ));
}

#[test]
fn cancel_before_shipment_refunds_in_full_and_after_is_refused() {
    let mut w = World::new();
    place(&mut w, 20, None);
    pay(&mut w);
    w.run(&buyer(), Command::Cancel, 1.0).unwrap();
    assert_eq!(w.status(), Status::Cancelled);
    assert_eq!(w.balance(AccountKind::BuyerFunding, "b-1"), 0);
    let mut w = shipped();
    let r = w.run(&buyer(), Command::Cancel, 2.0);
    assert!(matches!(r, Err(Rejection::InvalidState { .. })), "{r:?}");
}

/// Bad input: the rule is named and nothing changes.
#[test]
fn commands_in_the_wrong_state_or_by_the_wrong_actor_are_refused() {
    let other_buyer = Actor::Buyer(BuyerId::parse("b-2").unwrap());
    type Setup = Box<dyn Fn(&mut World)>;
    let cases: Vec<(Setup, Actor, Command, &str)> = vec![
        (
            Box::new(|w| place(w, 20, None)),
            seller(),
            Command::Ship {
                tracking: "X1".parse().unwrap(),
            },
            "rule invalid_state: cannot ship an order that is placed: wait until it is paid",
        ),
        (
            Box::new(|w| {
                place(w, 20, None);
                pay(w)
            }),
            Actor::Platform,
            Command::Pay {
                amount: usd_m("22.00"),
                three_ds: ThreeDs::Authenticated,
            },
            "rule invalid_state: cannot pay an order that is paid: it was paid already",
        ),
        (
            Box::new(|w| place(w, 20, None)),
            Actor::Platform,
            Command::Pay {
                amount: Money::parse("22.00", Currency::parse("EUR").unwrap()).unwrap(),
                three_ds: ThreeDs::Authenticated,
            },
            "rule currency: EUR given, but the order is in USD",
        ),
        (
            Box::new(|w| place(w, 20, None)),
            Actor::Platform,
            Command::Pay {
                amount: usd_m("21.99"),
                three_ds: ThreeDs::Authenticated,
            },
            "rule exact_amount",
        ),
        (
            Box::new(|w| place(w, 20, None)),
            Actor::Platform,
            Command::Pay {
                amount: usd_m("22.00"),
                three_ds: ThreeDs::Failed,
            },
            "rule three_ds",
        ),
        (
            Box::new(|w| place(w, 20, None)),
            Actor::Platform,
            Command::Pay {
                amount: usd_m("22.00"),
                three_ds: ThreeDs::Exempt("recurring".into()),
            },
            "rule three_ds",
        ),
        (
            Box::new(|w| place(w, 20, None)),
            other_buyer,
            Command::Pay {
                amount: usd_m("22.00"),
                three_ds: ThreeDs::Authenticated,
            },
            "rule permission: buyer:b-2 may not pay",
        ),
        (
            Box::new(|w| {
                place(w, 20, None);
                pay(w);
                w.run(&buyer(), Command::Cancel, 0.5).unwrap();
            }),
            buyer(),
            Command::ConfirmReceipt {
                acknowledge_no_delivery: true,
            },
            "rule invalid_state: cannot confirm_receipt an order that is cancelled",
        ),
        (
            Box::new(|w| place(w, 20, None)),
            Actor::System,
            Command::Cancel,
            "rule permission",
        ),
        (
            Box::new(|_| {}),
            buyer(),
            Command::Cancel,
            "order o-1 does not exist",
        ),
        (
            Box::new(|w| {
                place(w, 20, None);
                pay(w)
            }),
            buyer(),
            Command::Fire(protection::TimerKind::HandlingDeadline),
            "rule permission",
        ),
    ];
    for (setup, actor, command, expect) in cases {
        let mut w = World::new();
        setup(&mut w);
        let log_before = w.log.clone();
        let accounts_before: Vec<_> = w.book.accounts().map(|(a, b)| (a.clone(), *b)).collect();
        let err = w
            .run(&actor, command.clone(), 0.5)
            .expect_err(&format!("{command:?} must be refused"));
        assert!(
            err.to_string().contains(expect),
            "{command:?}: {err} does not contain {expect:?}"
        );
        assert_eq!(w.log, log_before, "{command:?} changed the log");
        let accounts_after: Vec<_> = w.book.accounts().map(|(a, b)| (a.clone(), *b)).collect();
        assert_eq!(accounts_after, accounts_before);
    }
}

#[test]
fn three_ds_exemption_allowed_by_policy_captures() {
    let mut w = World::new();
    place(&mut w, 20, None);
    w.run(
        &Actor::Platform,
        Command::Pay {
            amount: usd_m("22.00"),
            three_ds: ThreeDs::Exempt("low_value".into()),
        },
        0.0,
    )
    .unwrap();
    assert_eq!(w.balance(AccountKind::OrderEscrow, "o-1"), 2200);
}

#[derive(Debug, Clone)]
enum Step {
    Ship,
    Deliver,
    Confirm(bool),
    Cancel,
    Extend(i64),
    Wait(f64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        Just(Step::Ship),
        Just(Step::Deliver),
        any::<bool>().prop_map(Step::Confirm),
        Just(Step::Cancel),
        (1i64..40).prop_map(Step::Extend),
        (0.1f64..30.0).prop_map(Step::Wait),
    ]
}

proptest! {
    /// Any sequence of commands and waits: money never exceeds capture, the ledger
    /// verifies, terminal states stay terminal, and each deadline fires at most once.
    #[test]
    fn random_command_sequences_keep_every_invariant(steps in proptest::collection::vec(step(), 1..25)) {
        let mut w = World::new();
        place(&mut w, 20, None);
        pay(&mut w);
        let mut now = 0.0;
        let mut terminal: Option<Status> = None;
        for s in steps {
            let _ = match s {
                Step::Ship => w.run(&seller(), Command::Ship { tracking: "LP1".parse().unwrap() }, now),
                Step::Deliver => w.run(&Actor::Carrier, Command::Deliver { country: None }, now),
                Step::Confirm(ack) => w.run(&buyer(), Command::ConfirmReceipt { acknowledge_no_delivery: ack }, now),
                Step::Cancel => w.run(&buyer(), Command::Cancel, now),
                Step::Extend(days) => w.run(&seller(), Command::GrantExtension { days }, now),
                Step::Wait(d) => { now += d; w.advance(now); Ok(()) }
            };
            let o = w.order().unwrap();
            prop_assert!(o.released_minor + o.refunded_minor <= o.captured_minor);
            if let Some(t) = terminal {
                prop_assert_eq!(o.status, t, "left a terminal state");
            }
            if matches!(o.status, Status::Completed | Status::Cancelled) {
                terminal = Some(o.status);
            }
            let mut fired = w.fired.clone();
            fired.sort();
            let n = fired.len();
            fired.dedup();
            prop_assert_eq!(fired.len(), n, "a deadline fired twice");
        }
        // In the end every order resolves: completed and paid out, or refunded.
        w.advance(now + 400.0);
        let o = w.order().unwrap();
        prop_assert!(matches!(o.status, Status::Completed | Status::Cancelled | Status::Shipped | Status::Delivered) );
        if o.status == Status::Completed {
            prop_assert_eq!(w.balance(AccountKind::SellerAvailable, "s-1"), o.released_minor);
        }
        if matches!(o.status, Status::Shipped | Status::Delivered) {
            // Only possible when no deadline is pending, which the rules never allow.
            prop_assert!(false, "order left unresolved: {:?}", o.status);
        }
    }
}

#[test]
fn feedback_comes_once_after_completion_with_stars_1_to_5() {
    let fb = |stars, detail: Option<i64>| Command::LeaveFeedback {
        stars,
        item_as_described: detail,
        communication: None,
        shipping_speed: None,
        text: "fast and as described".into(),
    };
    let mut w = shipped();
    deliver(&mut w, 10.0);
    let r = w.run(&buyer(), fb(5, None), 11.0);
    assert!(matches!(r, Err(Rejection::InvalidState { .. })), "{r:?}");
    w.advance(22.0);
    assert_eq!(w.status(), Status::Completed);
    for (stars, detail, ok) in [(0, None, false), (6, None, false), (5, Some(0), false)] {
        assert_eq!(w.run(&buyer(), fb(stars, detail), 22.0).is_ok(), ok);
    }
    assert!(matches!(
        w.run(&seller(), fb(5, None), 22.0),
        Err(Rejection::NotPermitted { .. })
    ));
    w.run(&buyer(), fb(4, Some(5)), 22.0).unwrap();
    let o = w.order().unwrap();
    assert_eq!((o.feedback_stars, o.feedback_detail[0]), (Some(4), Some(5)));
    let again = w.run(&buyer(), fb(1, None), 23.0);
    assert!(again.unwrap_err().to_string().contains("rule one_feedback"));
}

#[test]
fn weights_of_nothing_or_less_are_refused() {
    // Regression: `weight_grams` of 0 or -1 was accepted at placing.
    for grams in [0, -1, protection::WEIGHT_GRAMS_MAX + 1] {
        let mut w = World::new();
        let e = w
            .run(
                &Actor::Platform,
                Command::Place {
                    buyer: BuyerId::parse("b-1").unwrap(),
                    seller: SellerId::parse("s-1").unwrap(),
                    price: usd_m("19.99"),
                    shipping: usd_m("2.01"),
                    handling_days: None,
                    promised_days: 20,
                    destination_country: None,
                    options: protection::OrderOptions {
                        weight_grams: Some(grams),
                        ..Default::default()
                    },
                },
                0.0,
            )
            .unwrap_err();
        assert!(
            e.to_string().contains("rule invalid_input: weight_grams"),
            "{grams}: {e}"
        );
    }
    let mut w = World::new();
    place_with(
        &mut w,
        20,
        None,
        protection::OrderOptions {
            weight_grams: Some(350),
            ..Default::default()
        },
    );
}
