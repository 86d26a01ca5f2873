//! The engine on real databases: every test runs on SQLite and, when
//! `MARKETGUARD_TEST_DATABASE_URL` is set, on a fresh PostgreSQL database too.

use domain::{BuyerId, Currency, Money, OrderId, SellerId, Timestamp, MS_PER_DAY};
use engine::{Engine, EngineError, Request};
use ledger::{verify, AccountId, AccountKind};
use proptest::prelude::*;
use protection::{Actor, Command, Policy, Rejection, ThreeDs};
use store::testing::stores;
use store::Store;

const T0: i64 = 1_790_000_000_000;

fn at(days: f64) -> Timestamp {
    Timestamp::from_unix_ms(T0 + (days * MS_PER_DAY as f64) as i64)
}

fn usd(s: &str) -> Money {
    Money::parse(s, Currency::parse("USD").unwrap()).unwrap()
}

fn oid(s: &str) -> OrderId {
    OrderId::parse(s).unwrap()
}

fn buyer() -> Actor {
    Actor::Buyer(BuyerId::parse("b-1").unwrap())
}

fn seller() -> Actor {
    Actor::Seller(SellerId::parse("s-1").unwrap())
}

fn req(order: &str, actor: Actor, command: Command, days: f64) -> Request {
    Request {
        idempotency_key: None,
        order: oid(order),
        actor,
        command,
        at: at(days),
    }
}

fn place(order: &str) -> Request {
    req(
        order,
        Actor::Platform,
        Command::Place {
            buyer: BuyerId::parse("b-1").unwrap(),
            seller: SellerId::parse("s-1").unwrap(),
            price: usd("10.00"),
            shipping: usd("0.50"),
            handling_days: None,
            promised_days: 20,
            destination_country: None,
            options: protection::OrderOptions::default(),
        },
        0.0,
    )
}

fn pay(order: &str) -> Request {
    req(
        order,
        Actor::Platform,
        Command::Pay {
            amount: usd("10.50"),
            three_ds: ThreeDs::Authenticated,
        },
        0.0,
    )
}

fn ship(order: &str, days: f64) -> Request {
    req(
        order,
        seller(),
        Command::Ship {
            tracking: "LP00000001".parse().unwrap(),
        },
        days,
    )
}

async fn assert_ledger_sound(store: &Store) {
    let book = store.load_ledger().await.unwrap();
    let report = verify(book.accounts(), book.recorded());
    assert!(report.ok(), "{:?}", report.broken);
}

async fn balance(store: &Store, kind: AccountKind, owner: &str) -> i64 {
    let book = store.load_ledger().await.unwrap();
    book.account(&AccountId::new(
        kind,
        owner,
        Currency::parse("USD").unwrap(),
    ))
    .balance()
}

async fn engines() -> Vec<(Engine, store::testing::tempfile_guard::Guard)> {
    stores()
        .await
        .unwrap()
        .into_iter()
        .map(|(s, g)| (Engine::new(s, Policy::default()), g))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_order_life_moves_money_and_records_every_event() {
    for (e, _g) in engines().await {
        e.execute(&place("o-1")).await.unwrap();
        e.execute(&pay("o-1")).await.unwrap();
        assert_eq!(
            balance(e.store(), AccountKind::OrderEscrow, "o-1").await,
            1050
        );
        e.execute(&ship("o-1", 1.0)).await.unwrap();
        e.execute(&req(
            "o-1",
            Actor::Carrier,
            Command::Deliver { country: None },
            5.0,
        ))
        .await
        .unwrap();
        // Before the promised day 21 only the handling deadline (day 7) and the stale
        // check (day 11) are due, and they find the order shipped and delivered and
        // change nothing.
        assert_eq!(e.run_due_timers(at(20.0), 100).await.unwrap(), 2);
        assert_eq!(e.order(&oid("o-1")).await.unwrap().unwrap().1.len(), 4);
        // Protection ends on day 21 (auto-confirm); the guarantee deadline on day 28
        // finds the order completed and does nothing; payout on day 36.
        assert_eq!(e.run_due_timers(at(40.0), 100).await.unwrap(), 3);
        assert_eq!(
            balance(e.store(), AccountKind::SellerAvailable, "s-1").await,
            1050
        );
        let (order, log) = e.order(&oid("o-1")).await.unwrap().unwrap();
        assert_eq!(order.status.as_str(), "completed");
        let names: Vec<_> = log.iter().map(|r| r.event.name()).collect();
        assert_eq!(
            names,
            [
                "placed",
                "paid",
                "shipped",
                "delivered",
                "auto_confirmed",
                "paid_out"
            ]
        );
        assert_eq!(log[4].actor, Actor::System);
        assert_eq!(
            log[1].actor,
            Actor::Platform,
            "the payment side reports the payment"
        );
        assert_ledger_sound(e.store()).await;
        assert_eq!(e.store().next_due().await.unwrap(), None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_key_returns_the_first_result_and_refuses_other_content() {
    for (e, _g) in engines().await {
        e.execute(&place("o-1")).await.unwrap();
        let mut p = pay("o-1");
        p.idempotency_key = Some("pay-1".into());
        let first = e.execute(&p).await.unwrap();
        let mut again = p.clone();
        again.at = at(0.5);
        let second = e.execute(&again).await.unwrap();
        assert!(!first.replayed && second.replayed);
        assert_eq!(
            (first.seq_from, first.seq_to),
            (second.seq_from, second.seq_to)
        );
        assert_eq!(
            balance(e.store(), AccountKind::OrderEscrow, "o-1").await,
            1050
        );
        let mut other = ship("o-1", 1.0);
        other.idempotency_key = Some("pay-1".into());
        assert!(matches!(
            e.execute(&other).await,
            Err(EngineError::IdempotencyConflict { .. })
        ));
        assert_eq!(e.order(&oid("o-1")).await.unwrap().unwrap().1.len(), 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_commands_on_one_order_have_exactly_one_outcome() {
    for (e, _g) in engines().await {
        for round in 0..3 {
            let order = format!("race-{round}");
            e.execute(&place(&order)).await.unwrap();
            e.execute(&pay(&order)).await.unwrap();
            // Buyer cancels, seller ships, buyer confirms and the handling deadline
            // fires, all at once.
            let mut tasks = Vec::new();
            for i in 0..8 {
                let e = e.clone();
                let order = order.clone();
                tasks.push(tokio::spawn(async move {
                    let r = match i % 3 {
                        0 => req(&order, buyer(), Command::Cancel, 1.0),
                        1 => ship(&order, 1.0),
                        _ => req(
                            &order,
                            buyer(),
                            Command::ConfirmReceipt {
                                acknowledge_no_delivery: true,
                            },
                            1.0,
                        ),
                    };
                    e.execute(&r).await
                }));
            }
            let mut ok = 0;
            for t in tasks {
                match t.await.unwrap() {
                    Ok(_) => ok += 1,
                    Err(EngineError::Rejected(Rejection::InvalidState { .. })) => {}
                    Err(other) => panic!("unexpected {other}"),
                }
            }
            let (o, log) = e.order(&oid(&order)).await.unwrap().unwrap();
            // Ship may be followed by one confirm; cancel and confirm exclude the rest.
            assert!((1..=2).contains(&ok), "{ok} commands succeeded");
            assert!(o.released_minor + o.refunded_minor <= o.captured_minor);
            let decisive = log
                .iter()
                .filter(|r| matches!(r.event.name(), "cancelled" | "confirmed"))
                .count();
            assert_eq!(decisive, 1, "{:?}", log);
        }
        assert_ledger_sound(e.store()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_the_rule_and_changes_nothing() {
    for (e, _g) in engines().await {
        e.execute(&place("o-1")).await.unwrap();
        let before = e.store().load_ledger().await.unwrap();
        let cases = [
            (ship("o-1", 0.0), "rule invalid_state"),
            (
                req(
                    "o-1",
                    Actor::Platform,
                    Command::Pay {
                        amount: Money::parse("10.50", Currency::parse("EUR").unwrap()).unwrap(),
                        three_ds: ThreeDs::Authenticated,
                    },
                    0.0,
                ),
                "rule currency",
            ),
            (
                req("nope", buyer(), Command::Cancel, 0.0),
                "order nope does not exist",
            ),
            (place("o-1"), "order o-1 already exists"),
        ];
        for (r, expect) in cases {
            let err = e.execute(&r).await.unwrap_err();
            assert!(err.to_string().contains(expect), "{err}");
        }
        assert_eq!(e.order(&oid("o-1")).await.unwrap().unwrap().1.len(), 1);
        let after = e.store().load_ledger().await.unwrap();
        assert_eq!(after.accounts().count(), before.accounts().count());
        assert_eq!(after.recorded().count(), before.recorded().count());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlines_fire_once_also_after_a_restart() {
    let dbs = store::testing::databases().await.unwrap();
    for (url, _g) in dbs {
        let e = Engine::new(Store::connect(&url).await.unwrap(), Policy::default());
        e.execute(&place("o-1")).await.unwrap();
        e.execute(&pay("o-1")).await.unwrap();
        e.store().close().await;
        drop(e);
        // A new process: the handling deadline (day 7) is still there, and fires once.
        let e = Engine::new(Store::connect(&url).await.unwrap(), Policy::default());
        assert_eq!(e.store().next_due().await.unwrap(), Some(at(7.0)));
        assert_eq!(e.run_due_timers(at(8.0), 100).await.unwrap(), 1);
        assert_eq!(e.run_due_timers(at(9.0), 100).await.unwrap(), 0);
        let (o, log) = e.order(&oid("o-1")).await.unwrap().unwrap();
        assert_eq!(o.status.as_str(), "cancelled");
        assert_eq!(
            log.iter().filter(|r| r.event.name() == "cancelled").count(),
            1
        );
        assert_eq!(
            balance(e.store(), AccountKind::BuyerFunding, "b-1").await,
            0
        );
        assert_ledger_sound(e.store()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_timer_loops_share_deadlines_without_firing_twice() {
    for (e, _g) in engines().await {
        for i in 0..12 {
            let o = format!("o-{i}");
            e.execute(&place(&o)).await.unwrap();
            e.execute(&pay(&o)).await.unwrap();
        }
        let mut loops = Vec::new();
        for _ in 0..3 {
            let e = e.clone();
            loops.push(tokio::spawn(
                async move { e.run_due_timers(at(8.0), 100).await },
            ));
        }
        let mut total = 0;
        for l in loops {
            total += l.await.unwrap().unwrap();
        }
        assert_eq!(total, 12);
        assert_ledger_sound(e.store()).await;
        assert_eq!(
            balance(e.store(), AccountKind::BuyerFunding, "b-1").await,
            0
        );
    }
}

#[derive(Debug, Clone)]
enum Step {
    Ship(u8),
    Deliver(u8),
    Confirm(u8),
    Cancel(u8),
    Extend(u8, i64),
    /// Two commands on one order at once.
    Race(u8),
    Wait(f64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..3).prop_map(Step::Ship),
        (0u8..3).prop_map(Step::Deliver),
        (0u8..3).prop_map(Step::Confirm),
        (0u8..3).prop_map(Step::Cancel),
        (0u8..3, 1i64..20).prop_map(|(o, d)| Step::Extend(o, d)),
        (0u8..3).prop_map(Step::Race),
        (0.5f64..15.0).prop_map(Step::Wait),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    /// Random command sequences with races, on each backend: the ledger verifies after
    /// every step and no order pays out more than it captured.
    #[test]
    fn random_sequences_with_races_keep_the_ledger_sound(steps in proptest::collection::vec(step(), 1..20)) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async {
            for (store, _g) in stores().await.unwrap() {
                let e = Engine::new(store, Policy::default());
                for o in 0..3 {
                    e.execute(&place(&format!("p-{o}"))).await.unwrap();
                    e.execute(&pay(&format!("p-{o}"))).await.unwrap();
                }
                let mut now = 0.0;
                for s in &steps {
                    let name = |o: &u8| format!("p-{o}");
                    let r = match s {
                        Step::Ship(o) => Some(ship(&name(o), now)),
                        Step::Deliver(o) => Some(req(&name(o), Actor::Carrier, Command::Deliver { country: None }, now)),
                        Step::Confirm(o) => Some(req(&name(o), buyer(), Command::ConfirmReceipt { acknowledge_no_delivery: true }, now)),
                        Step::Cancel(o) => Some(req(&name(o), buyer(), Command::Cancel, now)),
                        Step::Extend(o, d) => Some(req(&name(o), seller(), Command::GrantExtension { days: *d }, now)),
                        Step::Race(o) => {
                            let (ra, rb) = (req(&name(o), buyer(), Command::Cancel, now), ship(&name(o), now));
                            let a = e.execute(&ra);
                            let b = e.execute(&rb);
                            let (x, y) = tokio::join!(a, b);
                            assert!(!(x.is_ok() && y.is_ok()), "cancel and ship both succeeded");
                            None
                        }
                        Step::Wait(d) => {
                            now += d;
                            e.run_due_timers(at(now), 1000).await.unwrap();
                            None
                        }
                    };
                    if let Some(r) = r {
                        match e.execute(&r).await {
                            Ok(_) | Err(EngineError::Rejected(_)) => {}
                            Err(other) => panic!("{other}"),
                        }
                    }
                    let book = e.store().load_ledger().await.unwrap();
                    let report = verify(book.accounts(), book.recorded());
                    assert!(report.ok(), "{:?}", report.broken);
                }
            }
        });
    }
}

fn dispute(order: &str, actor: Actor, command: protection::DisputeCommand, days: f64) -> Request {
    req(order, actor, Command::Dispute(command), days)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispute_after_release_takes_the_refund_back_from_the_seller() {
    use protection::{DisputeCommand as D, Reason};
    for (e, _g) in engines().await {
        e.execute(&place("o-1")).await.unwrap();
        e.execute(&pay("o-1")).await.unwrap();
        e.execute(&ship("o-1", 1.0)).await.unwrap();
        e.execute(&req(
            "o-1",
            Actor::Carrier,
            Command::Deliver { country: None },
            5.0,
        ))
        .await
        .unwrap();
        e.run_due_timers(at(22.0), 100).await.unwrap();
        assert_eq!(
            balance(e.store(), AccountKind::SellerPayable, "s-1").await,
            1050
        );
        e.execute(&dispute(
            "o-1",
            buyer(),
            D::Open {
                reason: Reason::NotAsDescribed,
                requested: Some(usd("4.00")),
                evidence: vec![],
            },
            23.0,
        ))
        .await
        .unwrap();
        // The seller does not answer: on day 28 the request is granted from the
        // seller's payable money, and the payout later moves only the rest.
        e.run_due_timers(at(28.5), 100).await.unwrap();
        assert_eq!(
            balance(e.store(), AccountKind::SellerPayable, "s-1").await,
            650
        );
        assert_eq!(
            balance(e.store(), AccountKind::BuyerFunding, "b-1").await,
            -650
        );
        e.run_due_timers(at(60.0), 100).await.unwrap();
        assert_eq!(
            balance(e.store(), AccountKind::SellerAvailable, "s-1").await,
            650
        );
        assert_eq!(
            balance(e.store(), AccountKind::SellerPayable, "s-1").await,
            0
        );
        let (o, _) = e.order(&oid("o-1")).await.unwrap().unwrap();
        assert_eq!(o.status.as_str(), "resolved");
        assert_ledger_sound(e.store()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_dispute_commands_and_deadlines_never_pay_out_more_than_captured() {
    use protection::{DecideAs, DisputeCommand as D, Reason, RespondWith};
    for (e, _g) in engines().await {
        for round in 0..3 {
            let o = format!("d-{round}");
            e.execute(&place(&o)).await.unwrap();
            e.execute(&pay(&o)).await.unwrap();
            e.execute(&ship(&o, 1.0)).await.unwrap();
            e.execute(&req(
                &o,
                Actor::Carrier,
                Command::Deliver { country: None },
                5.0,
            ))
            .await
            .unwrap();
            e.execute(&dispute(
                &o,
                buyer(),
                D::Open {
                    reason: Reason::Damaged,
                    requested: None,
                    evidence: vec![],
                },
                6.0,
            ))
            .await
            .unwrap();
            // At the seller's deadline: the seller accepts, the buyer withdraws, the
            // deadline fires, and the protection period ends, all at once.
            let mut tasks = Vec::new();
            for i in 0..4 {
                let e = e.clone();
                let o = o.clone();
                tasks.push(tokio::spawn(async move {
                    match i {
                        0 => e
                            .execute(&dispute(
                                &o,
                                seller(),
                                D::Respond {
                                    response: RespondWith::Accept,
                                    evidence: vec![],
                                },
                                10.99,
                            ))
                            .await
                            .map(|_| ()),
                        1 => e
                            .execute(&dispute(
                                &o,
                                buyer(),
                                D::Withdraw {
                                    confirm_protection_ends: true,
                                },
                                10.99,
                            ))
                            .await
                            .map(|_| ()),
                        2 => e.run_due_timers(at(11.5), 100).await.map(|_| ()),
                        _ => e
                            .execute(&dispute(
                                &o,
                                Actor::Agent("a".into()),
                                D::Decide {
                                    outcome: DecideAs::RefundFull,
                                },
                                11.0,
                            ))
                            .await
                            .map(|_| ()),
                    }
                }));
            }
            for t in tasks {
                match t.await.unwrap() {
                    Ok(()) | Err(EngineError::Rejected(_)) => {}
                    Err(other) => panic!("unexpected {other}"),
                }
            }
            let (order, log) = e.order(&oid(&o)).await.unwrap().unwrap();
            assert_eq!(order.status.as_str(), "resolved");
            assert_eq!(
                log.iter()
                    .filter(|r| r.event.name() == "dispute_resolved")
                    .count(),
                1
            );
            assert!(order.refunded_minor + order.released_minor <= order.captured_minor);
        }
        assert_ledger_sound(e.store()).await;
    }
}

/// The rule a refusal names, or what else the engine answered.
fn rule(r: Result<engine::Outcome, EngineError>) -> String {
    match r {
        Ok(o) => format!("ok: {}", o.status),
        Err(EngineError::Rejected(rejection)) => rejection.rule().unwrap_or("none").to_string(),
        Err(e) => format!("not a rule: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_of_i64_max_cents_is_refused_and_later_payments_to_the_seller_work() {
    // Regression: the order was placed and paid, and every later payment to the seller
    // failed with "amount overflows the account totals" (a 500 in the API).
    for (e, _g) in engines().await {
        let mut huge = place("o-huge");
        if let Command::Place { price, .. } = &mut huge.command {
            *price = usd("92233720368547758.07");
        }
        assert_eq!(rule(e.execute(&huge).await), "amount_limit");
        assert!(e.order(&oid("o-huge")).await.unwrap().is_none());
        e.execute(&place("o-1")).await.unwrap();
        let mut over = pay("o-1");
        if let Command::Pay { amount, .. } = &mut over.command {
            *amount = usd("92233720368547758.07");
        }
        assert_eq!(rule(e.execute(&over).await), "amount_limit");
        e.execute(&pay("o-1")).await.unwrap();
        assert_eq!(
            balance(e.store(), AccountKind::OrderEscrow, "o-1").await,
            1050
        );
        assert_ledger_sound(e.store()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_refund_in_another_currency_than_the_order_is_refused_by_currency() {
    use protection::{DecideAs, DisputeCommand as D, Evidence, Reason, RespondWith};
    // Regression: 1.000 BHD decided on a USD order refunded 10.00 USD.
    for (e, _g) in engines().await {
        e.execute(&place("o-1")).await.unwrap();
        e.execute(&pay("o-1")).await.unwrap();
        e.execute(&ship("o-1", 1.0)).await.unwrap();
        e.execute(&req(
            "o-1",
            Actor::Carrier,
            Command::Deliver { country: None },
            5.0,
        ))
        .await
        .unwrap();
        let dispute = |actor, d, days| req("o-1", actor, Command::Dispute(d), days);
        e.execute(&dispute(
            buyer(),
            D::Open {
                reason: Reason::Damaged,
                requested: None,
                evidence: vec![],
            },
            6.0,
        ))
        .await
        .unwrap();
        let jpy = Money::parse("5", Currency::parse("JPY").unwrap()).unwrap();
        let offer = dispute(
            seller(),
            D::Respond {
                response: RespondWith::Partial(jpy),
                evidence: vec![],
            },
            6.5,
        );
        assert_eq!(rule(e.execute(&offer).await), "currency");
        e.execute(&dispute(
            seller(),
            D::Respond {
                response: RespondWith::Reject,
                evidence: vec![Evidence::Text {
                    text: "packed whole".into(),
                }],
            },
            6.6,
        ))
        .await
        .unwrap();
        e.execute(&dispute(buyer(), D::Escalate, 9.5))
            .await
            .unwrap();
        let bhd = Money::parse("1.000", Currency::parse("BHD").unwrap()).unwrap();
        let agent = || Actor::Agent("ann".into());
        let decide = |m| {
            dispute(
                agent(),
                D::Decide {
                    outcome: DecideAs::RefundPartial(m),
                },
                10.0,
            )
        };
        assert_eq!(rule(e.execute(&decide(bhd)).await), "currency");
        assert_eq!(
            balance(e.store(), AccountKind::BuyerFunding, "b-1").await,
            -1050
        );
        e.execute(&decide(usd("1.00"))).await.unwrap();
        assert_eq!(
            balance(e.store(), AccountKind::BuyerFunding, "b-1").await,
            -950
        );
        assert_ledger_sound(e.store()).await;
    }
}

/// Placed, paid, shipped on day 1 (promised day 21, guarantee day 28), and a dispute of
/// `reason` opened on `opened` that the seller rejects half a day later with evidence.
async fn rejected_dispute(e: &Engine, reason: protection::Reason, opened: f64) {
    use protection::{DisputeCommand as D, Evidence, RespondWith};
    e.execute(&place("o-1")).await.unwrap();
    e.execute(&pay("o-1")).await.unwrap();
    e.execute(&ship("o-1", 1.0)).await.unwrap();
    if reason != protection::Reason::NotReceived {
        let deliver = req(
            "o-1",
            Actor::Carrier,
            Command::Deliver { country: None },
            5.0,
        );
        e.execute(&deliver).await.unwrap();
    }
    let open = D::Open {
        reason,
        requested: None,
        evidence: vec![],
    };
    e.execute(&dispute("o-1", buyer(), open, opened))
        .await
        .unwrap();
    let reject = D::Respond {
        response: RespondWith::Reject,
        evidence: vec![Evidence::Tracking {
            number: "LP00000001".parse().unwrap(),
        }],
    };
    e.execute(&dispute("o-1", seller(), reject, opened + 0.5))
        .await
        .unwrap();
}

/// The rule of each `dispute_resolved` in the order's log.
async fn resolutions(e: &Engine) -> Vec<Option<String>> {
    let (_, log) = e.order(&oid("o-1")).await.unwrap().unwrap();
    log.iter()
        .filter_map(|r| match &r.event {
            protection::Event::DisputeResolved { rule, .. } => Some(rule.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guarantee_timer_refunds_a_rejected_not_received_dispute() {
    // Regression: the seller's rejection with a tracking number left the dispute
    // waiting for an agent for ever; the guarantee deadline found it disputed and did
    // nothing.
    for (e, _g) in engines().await {
        rejected_dispute(&e, protection::Reason::NotReceived, 21.5).await;
        e.run_due_timers(at(27.9), 100).await.unwrap();
        assert_eq!(resolutions(&e).await, Vec::<Option<String>>::new());
        e.run_due_timers(at(28.5), 100).await.unwrap();
        assert_eq!(
            resolutions(&e).await,
            [Some("on_time_guarantee".to_string())]
        );
        let (o, _) = e.order(&oid("o-1")).await.unwrap().unwrap();
        assert_eq!(o.status.as_str(), "resolved");
        assert_eq!(
            balance(e.store(), AccountKind::BuyerFunding, "b-1").await,
            0
        );
        // Later deadlines find the dispute closed and change nothing.
        e.run_due_timers(at(90.0), 100).await.unwrap();
        assert_eq!(resolutions(&e).await.len(), 1);
        assert_ledger_sound(e.store()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escalated_dispute_past_its_agent_deadline_is_overdue_then_refunded_once() {
    use protection::DisputeCommand as D;
    // Regression: escalated disputes had no deadline (one sat four months, money held).
    for (e, _g) in engines().await {
        rejected_dispute(&e, protection::Reason::NotAsDescribed, 6.0).await;
        e.execute(&dispute("o-1", buyer(), D::Escalate, 9.5))
            .await
            .unwrap();
        let (o, _) = e.order(&oid("o-1")).await.unwrap().unwrap();
        assert_eq!(o.dispute.unwrap().agent_due, Some(at(19.5)));
        e.run_due_timers(at(19.4), 100).await.unwrap();
        let (o, log) = e.order(&oid("o-1")).await.unwrap().unwrap();
        assert!(!log.iter().any(|r| r.event.name() == "dispute_overdue"));
        assert_eq!(o.status.as_str(), "disputed");
        e.run_due_timers(at(19.6), 100).await.unwrap();
        let (o, log) = e.order(&oid("o-1")).await.unwrap().unwrap();
        let names: Vec<_> = log.iter().map(|r| r.event.name()).collect();
        let at_overdue = names.iter().position(|n| *n == "dispute_overdue").unwrap();
        assert_eq!(names[at_overdue + 1], "dispute_resolved", "{names:?}");
        assert_eq!(log[at_overdue].actor, Actor::System);
        assert_eq!(o.status.as_str(), "resolved");
        assert_eq!(
            resolutions(&e).await,
            [Some("escalation_overdue".to_string())]
        );
        assert_eq!(
            balance(e.store(), AccountKind::BuyerFunding, "b-1").await,
            0
        );
        assert_eq!(e.run_due_timers(at(19.7), 100).await.unwrap(), 0);
        assert_ledger_sound(e.store()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seller_profile_knows_the_store_age_and_items_sold() {
    // Issue 19: the engine's own profile of a seller had no store age and counted only
    // the rating window's orders as items sold.
    for (engine, _guard) in engines().await {
        let later = |r: Request, days: f64| Request { at: at(days), ..r };
        for r in [
            place("o-old"),
            pay("o-old"),
            later(place("o-2"), 400.0),
            later(pay("o-2"), 400.0),
            later(place("o-3"), 401.0),
        ] {
            engine.execute(&r).await.unwrap();
        }
        let seller = SellerId::parse("s-1").unwrap();
        let r = engine
            .seller_ratings(&seller, at(410.0), &protection::RatingPolicy::default())
            .await
            .unwrap();
        assert_eq!(
            r.first_order_at,
            Some(at(0.0)),
            "the first order, a year back"
        );
        assert_eq!(r.items_sold, 2, "paid and not cancelled, all time");
    }
}
