//! Messages on orders: scanned with the order's stage as context, recorded with their
//! signals; a seller's off-site payment, phishing link or dispute-closure pressure
//! opens a case and warns the buyer; a blocked message is held. Both backends.

use domain::{BuyerId, Currency, Kind, Money, OrderId, SellerId, Timestamp, Verdict, MS_PER_DAY};
use engine::{Engine, EngineError, Request};
use protection::{Actor, CaseLabel, Command, Event, Party, Policy, Rejection, ThreeDs};
use store::testing::stores;

const T0: i64 = 1_790_000_000_000;

fn req(order: &str, actor: Actor, command: Command, days: f64) -> Request {
    Request {
        idempotency_key: None,
        order: OrderId::parse(order).unwrap(),
        actor,
        command,
        at: Timestamp::from_unix_ms(T0 + (days * MS_PER_DAY as f64) as i64),
    }
}

fn buyer() -> Actor {
    Actor::Buyer(BuyerId::parse("b-1").unwrap())
}
fn seller() -> Actor {
    Actor::Seller(SellerId::parse("s-1").unwrap())
}

fn message(id: &str, text: &str) -> Command {
    Command::PostMessage {
        id: id.into(),
        from: None,
        text: text.into(),
    }
}

async fn paid_order(engine: &Engine, order: &str) {
    let usd = |s: &str| Money::parse(s, Currency::parse("USD").unwrap()).unwrap();
    engine
        .execute(&req(
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
        ))
        .await
        .unwrap();
    engine
        .execute(&req(
            order,
            Actor::Platform,
            Command::Pay {
                amount: usd("10.50"),
                three_ds: ThreeDs::Authenticated,
            },
            0.0,
        ))
        .await
        .unwrap();
}

async fn events(engine: &Engine, order: &str) -> Vec<Event> {
    engine
        .store()
        .events(&OrderId::parse(order).unwrap())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.event)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sellers_offsite_payment_opens_a_case_warns_the_buyer_and_is_held() {
    for (store, _guard) in stores().await.unwrap() {
        let engine = Engine::new(store.clone(), Policy::default());
        paid_order(&engine, "o-1").await;
        engine
            .execute(&req(
                "o-1",
                buyer(),
                message("m1", "hi, when do you ship?"),
                0.1,
            ))
            .await
            .unwrap();
        engine
            .execute(&req(
                "o-1",
                seller(),
                message(
                    "m2",
                    "pay me by western union and I give 10% discount, add me on w h a t s a p p +34 612 345 678",
                ),
                0.2,
            ))
            .await
            .unwrap();
        let log = events(&engine, "o-1").await;
        let posted: Vec<_> = log
            .iter()
            .filter_map(|e| match e {
                Event::MessagePosted {
                    id,
                    from,
                    held,
                    kinds,
                    verdict,
                    signals,
                    ..
                } => Some((
                    id.clone(),
                    *from,
                    *held,
                    kinds.clone(),
                    *verdict,
                    signals.clone(),
                )),
                _ => None,
            })
            .collect();
        assert_eq!(posted.len(), 2);
        assert_eq!(
            (posted[0].1, posted[0].2, posted[0].4),
            (Party::Buyer, false, Verdict::Allow)
        );
        let (_, from, held, kinds, verdict, signals) = &posted[1];
        assert_eq!(
            (*from, *held, *verdict),
            (Party::Seller, true, Verdict::Block)
        );
        assert!(kinds.contains(&Kind::OffsitePayment) && kinds.contains(&Kind::OffsiteContact));
        assert!(signals[0].span().is_some());
        assert!(log
            .iter()
            .any(|e| matches!(e, Event::CaseOpened { case_id, kinds, .. }
            if case_id == "o-1:m2" && kinds == &vec![Kind::OffsitePayment])));
        assert!(log.iter().any(
            |e| matches!(e, Event::BuyerWarned { warning, .. } if warning.contains("held back"))
        ));

        let queue = store.list_cases("open", None, 10).await.unwrap();
        assert_eq!(queue.len(), 1);
        assert_eq!(queue[0].case_id, "o-1:m2");
        assert_eq!(
            (queue[0].seller_id.as_str(), queue[0].buyer_id.as_str()),
            ("s-1", "b-1")
        );
        assert!(queue[0].risk >= 85);

        // An agent closes it with a finding; a second close is refused.
        let close = Command::CloseCase {
            case_id: "o-1:m2".into(),
            label: CaseLabel::Scam,
            note: "western union".into(),
        };
        let err = engine
            .execute(&req("o-1", seller(), close.clone(), 0.3))
            .await
            .unwrap_err();
        assert!(
            matches!(err, EngineError::Rejected(Rejection::NotPermitted { .. })),
            "{err}"
        );
        engine
            .execute(&req("o-1", Actor::Agent("ann".into()), close.clone(), 0.3))
            .await
            .unwrap();
        let err = engine
            .execute(&req("o-1", Actor::Agent("ann".into()), close, 0.4))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("case_open"), "{err}");
        let closed = store.case("o-1:m2").await.unwrap().unwrap();
        assert_eq!(
            (closed.status.as_str(), closed.label.as_deref()),
            ("closed", Some("scam"))
        );
        assert_eq!(closed.closed_by.as_deref(), Some("agent:ann"));
        assert!(store.list_cases("open", None, 10).await.unwrap().is_empty());
        assert_eq!(store.case_counts().await.unwrap(), (0, 1, 0));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_and_sender_decide_and_bad_messages_change_nothing() {
    for (store, _guard) in stores().await.unwrap() {
        let engine = Engine::new(store.clone(), Policy::default());
        paid_order(&engine, "o-2").await;
        // Before delivery, asking to confirm receipt is pressure (no case: not a case
        // kind by default, but recorded).
        engine
            .execute(&req(
                "o-2",
                seller(),
                message("m1", "please confirm receipt now so I get paid"),
                0.1,
            ))
            .await
            .unwrap();
        // A buyer's message never opens a case.
        engine
            .execute(&req(
                "o-2",
                buyer(),
                message("m2", "seller wants western union, ok?"),
                0.2,
            ))
            .await
            .unwrap();
        let log = events(&engine, "o-2").await;
        let kinds: Vec<Vec<Kind>> = log
            .iter()
            .filter_map(|e| match e {
                Event::MessagePosted { kinds, .. } => Some(kinds.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(kinds[0], vec![Kind::ConfirmReceiptPressure]);
        assert!(!log.iter().any(|e| matches!(e, Event::CaseOpened { .. })));
        let before = log.len();
        for (actor, command, rule) in [
            (seller(), message("m1", "again"), "message_id_unique"),
            (seller(), message("bad id!", "x"), "message id"),
            (seller(), message("m3", "   "), "empty"),
            (
                Actor::Seller(SellerId::parse("s-9").unwrap()),
                message("m4", "hi"),
                "may not",
            ),
            (Actor::Platform, message("m5", "hi"), "give from"),
            (
                buyer(),
                Command::PostMessage {
                    id: "m6".into(),
                    from: Some(Party::Seller),
                    text: "x".into(),
                },
                "own side",
            ),
        ] {
            let err = engine
                .execute(&req("o-2", actor, command, 0.3))
                .await
                .unwrap_err();
            assert!(err.to_string().contains(rule), "{rule}: {err}");
        }
        assert_eq!(events(&engine, "o-2").await.len(), before);
        // The platform relays a notice from an unknown sender: phishing opens a case.
        engine
            .execute(&req(
                "o-2",
                Actor::Platform,
                Command::PostMessage {
                    id: "m7".into(),
                    from: Some(Party::Unknown),
                    text: "AliExpress Security: verify your account at hxxps://aliexpress-verify[.]com/login".into(),
                },
                0.4,
            ))
            .await
            .unwrap();
        assert_eq!(store.list_cases("open", None, 10).await.unwrap().len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reused_or_broken_tracking_and_delivery_elsewhere_open_cases() {
    for (store, _guard) in stores().await.unwrap() {
        let engine = Engine::new(store.clone(), Policy::default());
        for o in ["t-1", "t-2", "t-3"] {
            paid_order(&engine, o).await;
        }
        let ship = |tracking: &str| Command::Ship {
            tracking: tracking.parse().unwrap(),
        };
        // A valid S10 number on one order is fine.
        engine
            .execute(&req("t-1", seller(), ship("RB123456785GB"), 1.0))
            .await
            .unwrap();
        assert!(!events(&engine, "t-1")
            .await
            .iter()
            .any(|e| matches!(e, Event::ParcelFlagged { .. })));
        // The same number (typed with spaces) on another order: fake tracking, a case.
        engine
            .execute(&req("t-2", seller(), ship("rb123456785gb"), 1.0))
            .await
            .unwrap();
        let log = events(&engine, "t-2").await;
        assert!(
            log.iter()
                .any(|e| matches!(e, Event::ParcelFlagged { stage, kinds, .. }
            if stage == "shipped" && kinds == &vec![Kind::FakeTracking])),
            "{log:?}"
        );
        assert!(log
            .iter()
            .any(|e| matches!(e, Event::CaseOpened { case_id, .. } if case_id == "t-2:shipped")));
        // A broken check digit.
        engine
            .execute(&req("t-3", seller(), ship("RB123456784GB"), 1.0))
            .await
            .unwrap();
        let log = events(&engine, "t-3").await;
        let signals = log
            .iter()
            .find_map(|e| match e {
                Event::ParcelFlagged { signals, .. } => Some(signals.clone()),
                _ => None,
            })
            .expect("flagged");
        assert!(
            signals
                .iter()
                .any(|s| s.explanation().contains("check digit")),
            "{signals:?}"
        );
        let cases = store.list_cases("open", None, 10).await.unwrap();
        assert_eq!(cases.len(), 2);
        // A shape no carrier list knows is not evidence: no flag.
        paid_order(&engine, "t-4").await;
        engine
            .execute(&req("t-4", seller(), ship("XZ-77-internal"), 1.0))
            .await
            .unwrap();
        assert!(!events(&engine, "t-4")
            .await
            .iter()
            .any(|e| matches!(e, Event::ParcelFlagged { .. })));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_in_another_country_is_fake_tracking() {
    for (store, _guard) in stores().await.unwrap() {
        let engine = Engine::new(store.clone(), Policy::default());
        let usd = |s: &str| Money::parse(s, Currency::parse("USD").unwrap()).unwrap();
        for (i, dest) in ["DE", "DE"].iter().enumerate() {
            let o = format!("d-{i}");
            for (actor, command) in [
                (
                    Actor::Platform,
                    Command::Place {
                        buyer: BuyerId::parse("b-1").unwrap(),
                        seller: SellerId::parse("s-1").unwrap(),
                        price: usd("10.00"),
                        shipping: usd("0.50"),
                        handling_days: None,
                        promised_days: 20,
                        destination_country: Some(dest.parse().unwrap()),
                        options: protection::OrderOptions::default(),
                    },
                ),
                (
                    Actor::Platform,
                    Command::Pay {
                        amount: usd("10.50"),
                        three_ds: ThreeDs::Authenticated,
                    },
                ),
                (
                    seller(),
                    Command::Ship {
                        tracking: format!("LP{:014}", 12_345_678_901_234_u64 + i as u64)
                            .parse()
                            .unwrap(),
                    },
                ),
                (
                    Actor::Carrier,
                    Command::Deliver {
                        country: Some(if i == 0 { "DE" } else { "FR" }.parse().unwrap()),
                    },
                ),
            ] {
                engine.execute(&req(&o, actor, command, 2.0)).await.unwrap();
            }
        }
        assert!(!events(&engine, "d-0")
            .await
            .iter()
            .any(|e| matches!(e, Event::ParcelFlagged { .. })));
        let log = events(&engine, "d-1").await;
        assert!(log
            .iter()
            .any(|e| matches!(e, Event::ParcelFlagged { stage, .. } if stage == "delivered")));
        let case = store.case("d-1:delivered").await.unwrap();
        assert_eq!(
            case.map(|c| c.kinds),
            Some(vec![Kind::FakeTracking]),
            "{log:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parcel_far_lighter_than_the_item_is_ship_and_switch_and_backs_a_wrong_item_dispute() {
    for (store, _guard) in stores().await.unwrap() {
        let engine = Engine::new(store.clone(), Policy::default());
        let usd = |s: &str| Money::parse(s, Currency::parse("USD").unwrap()).unwrap();
        for (o, weighed) in [("w-1", 1150), ("w-2", 80)] {
            for (actor, command) in [
                (
                    Actor::Platform,
                    Command::Place {
                        buyer: BuyerId::parse("b-1").unwrap(),
                        seller: SellerId::parse("s-1").unwrap(),
                        price: usd("60.00"),
                        shipping: usd("0.00"),
                        handling_days: None,
                        promised_days: 20,
                        destination_country: None,
                        options: protection::OrderOptions {
                            weight_grams: Some(1200),
                            ..Default::default()
                        },
                    },
                ),
                (
                    Actor::Platform,
                    Command::Pay {
                        amount: usd("60.00"),
                        three_ds: ThreeDs::Authenticated,
                    },
                ),
                (
                    seller(),
                    Command::Ship {
                        tracking: format!("LP{:014}", weighed).parse().unwrap(),
                    },
                ),
                (Actor::Carrier, Command::Weigh { grams: weighed }),
                (Actor::Carrier, Command::Deliver { country: None }),
            ] {
                engine.execute(&req(o, actor, command, 2.0)).await.unwrap();
            }
        }
        // Within tolerance: nothing.
        assert!(!events(&engine, "w-1")
            .await
            .iter()
            .any(|e| matches!(e, Event::ParcelFlagged { .. })));
        let log = events(&engine, "w-2").await;
        assert!(
            log.iter()
                .any(|e| matches!(e, Event::ParcelFlagged { stage, kinds, .. }
            if stage == "weighed" && kinds == &vec![Kind::ShipAndSwitch])),
            "{log:?}"
        );
        assert!(store.case("w-2:weighed").await.unwrap().is_some());
        // The buyer's wrong-item dispute carries the weights as evidence.
        engine
            .execute(&req(
                "w-2",
                buyer(),
                Command::Dispute(protection::DisputeCommand::Open {
                    reason: protection::Reason::WrongItem,
                    requested: None,
                    evidence: vec![],
                }),
                3.0,
            ))
            .await
            .unwrap();
        let opened = events(&engine, "w-2")
            .await
            .into_iter()
            .find_map(|e| match e {
                Event::DisputeOpened { evidence, .. } => Some(evidence),
                _ => None,
            })
            .unwrap();
        assert!(format!("{opened:?}").contains("80 g"), "{opened:?}");
        // Bad weights are refused.
        let err = engine
            .execute(&req(
                "w-1",
                Actor::Carrier,
                Command::Weigh { grams: 0 },
                3.0,
            ))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("grams"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parcel_without_carrier_events_is_marked_stale_once() {
    for (store, _guard) in stores().await.unwrap() {
        let engine = Engine::new(store.clone(), Policy::default());
        for o in ["s-a", "s-b"] {
            paid_order(&engine, o).await;
            engine
                .execute(&req(
                    o,
                    seller(),
                    Command::Ship {
                        tracking: "LP12345678901234".parse().unwrap(),
                    },
                    1.0,
                ))
                .await
                .unwrap();
        }
        // The carrier weighs s-b on day 8: its clock starts again.
        engine
            .execute(&req(
                "s-b",
                Actor::Carrier,
                Command::Weigh { grams: 300 },
                8.0,
            ))
            .await
            .unwrap();
        let stale = |log: Vec<Event>| {
            log.iter()
                .filter(|e| matches!(e, Event::ParcelStale { .. }))
                .count()
        };
        // Day 10.9: nothing is due yet (shipped on day 1, 10 days allowed).
        engine
            .run_due_timers(
                req("s-a", Actor::System, Command::Cancel, 10.9).at,
                usize::MAX,
            )
            .await
            .unwrap();
        assert_eq!(stale(events(&engine, "s-a").await), 0);
        // Day 11.5: s-a is stale, s-b (weighed on day 8) not.
        engine
            .run_due_timers(
                req("s-a", Actor::System, Command::Cancel, 11.5).at,
                usize::MAX,
            )
            .await
            .unwrap();
        assert_eq!(stale(events(&engine, "s-a").await), 1);
        assert_eq!(stale(events(&engine, "s-b").await), 0);
        // Day 18.5: s-b too; s-a is not marked twice.
        engine
            .run_due_timers(
                req("s-a", Actor::System, Command::Cancel, 18.5).at,
                usize::MAX,
            )
            .await
            .unwrap();
        assert_eq!(stale(events(&engine, "s-a").await), 1);
        assert_eq!(stale(events(&engine, "s-b").await), 1);
    }
}

/// A chat message of `len` bytes of small talk with `needle` starting near byte `at`;
/// returns the text and where the needle starts.
fn long_message(len: usize, at: usize, needle: &str) -> (String, usize) {
    let filler = "The parcel is packed and the colour is the one you chose. ";
    let mut text = filler.repeat(at / filler.len());
    let start = text.len();
    text.push_str(needle);
    text.push(' ');
    while text.len() < len {
        text.push_str(filler);
    }
    text.truncate(len);
    (text, start)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offsite_contact_deep_in_a_long_message_is_found_and_recorded_with_its_span() {
    // Regression: posting took 64 KiB but the scanner read 16 KiB, so anything past
    // byte 16,384 of a posted message went unscanned and nothing said so.
    let needle = "add me on whatsapp +44 7700 900123";
    let (text, start) = long_message(40_000, 30_000, needle);
    assert_eq!(text.len(), 40_000);
    assert!((29_900..30_000).contains(&start));
    for (store, _guard) in stores().await.unwrap() {
        let engine = Engine::new(store.clone(), Policy::default());
        paid_order(&engine, "o-long").await;
        engine
            .execute(&req("o-long", seller(), message("m1", &text), 0.1))
            .await
            .unwrap();
        let (kinds, signals, truncated, verdict) = events(&engine, "o-long")
            .await
            .into_iter()
            .find_map(|e| match e {
                Event::MessagePosted {
                    kinds,
                    signals,
                    truncated,
                    verdict,
                    ..
                } => Some((kinds, signals, truncated, verdict)),
                _ => None,
            })
            .expect("posted");
        assert!(!truncated, "the whole message is scanned");
        assert_ne!(verdict, Verdict::Allow);
        assert!(kinds.contains(&Kind::OffsiteContact), "{kinds:?}");
        let contact = signals
            .iter()
            .filter(|s| s.kind() == Kind::OffsiteContact)
            .map(|s| s.span().expect("message findings carry a span"))
            .collect::<Vec<_>>();
        assert!(!contact.is_empty());
        for span in contact {
            assert!(
                start <= span.start && span.end <= start + needle.len(),
                "{span:?} lies in the contact at {start}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_number_posted_in_chat_is_recorded_masked() {
    // Regression: a card number posted in chat was stored, shown in the finding's
    // excerpt and sent to webhooks in full.
    let text = "here is my card 4111 1111 1111 1111, charge it please";
    for (store, _guard) in stores().await.unwrap() {
        let engine = Engine::new(store.clone(), Policy::default());
        paid_order(&engine, "o-card").await;
        engine
            .execute(&req("o-card", buyer(), message("m1", text), 0.1))
            .await
            .unwrap();
        let log = events(&engine, "o-card").await;
        let (stored, signals) = log
            .iter()
            .find_map(|e| match e {
                Event::MessagePosted { text, signals, .. } => Some((text.clone(), signals.clone())),
                _ => None,
            })
            .expect("posted");
        assert_eq!(
            stored,
            "here is my card **** **** **** 1111, charge it please"
        );
        let card = signals
            .iter()
            .find(|s| s.kind() == Kind::SensitiveDataShared)
            .expect("the card is a finding");
        assert_eq!(card.excerpt(), "**** **** **** 1111");
        assert_eq!(&text[card.span().unwrap()], "4111 1111 1111 1111");
        let everything = format!("{log:?}");
        assert!(!everything.contains("4111 1111"), "{everything}");
    }
}

/// Places, pays and ships an order to DE on day 0-1 whose parcel the carrier then
/// delivers in FR on day 2: the parcel checks flag it.
async fn delivered_elsewhere(engine: &Engine, o: &str, tracking: u64) {
    shipped_to_de(engine, o, &format!("LP{tracking:014}")).await;
    let deliver = Command::Deliver {
        country: Some("FR".parse().unwrap()),
    };
    engine
        .execute(&req(o, Actor::Carrier, deliver, 2.0))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parcel_delivered_elsewhere_is_not_confirmed_for_the_seller() {
    // Regression: `not_received` stayed refused until the promised date, and the order
    // was then auto-confirmed: the seller was paid for a parcel the buyer never had.
    for (store, _guard) in stores().await.unwrap() {
        let engine = Engine::new(store.clone(), Policy::default());
        let status = |o: &'static str| {
            let engine = &engine;
            async move {
                let (order, _) = engine
                    .order(&OrderId::parse(o).unwrap())
                    .await
                    .unwrap()
                    .unwrap();
                order.status
            }
        };
        // The buyer may say it never came at once (day 3, the promise is day 21).
        delivered_elsewhere(&engine, "e-1", 11_111_111_111_111).await;
        engine
            .execute(&req(
                "e-1",
                buyer(),
                Command::Dispute(protection::DisputeCommand::Open {
                    reason: protection::Reason::NotReceived,
                    requested: None,
                    evidence: Vec::new(),
                }),
                3.0,
            ))
            .await
            .unwrap();
        assert_eq!(status("e-1").await, protection::Status::Disputed);

        // Nobody disputes: the protection period ends (day 21), the order stays
        // unconfirmed while the case is open; an agent clears it (day 30) and the
        // auto-confirm comes then. Another agent finds it a scam: still not confirmed.
        delivered_elsewhere(&engine, "e-2", 22_222_222_222_222).await;
        delivered_elsewhere(&engine, "e-3", 33_333_333_333_333).await;
        let at = |day: f64| req("e-2", Actor::System, Command::Cancel, day).at;
        engine.run_due_timers(at(25.0), usize::MAX).await.unwrap();
        assert_eq!(status("e-2").await, protection::Status::Delivered);
        assert_eq!(status("e-3").await, protection::Status::Delivered);
        for (o, label) in [("e-2", CaseLabel::NotScam), ("e-3", CaseLabel::Scam)] {
            engine
                .execute(&req(
                    o,
                    Actor::Agent("k1".into()),
                    Command::CloseCase {
                        case_id: format!("{o}:delivered"),
                        label,
                        note: String::new(),
                    },
                    30.0,
                ))
                .await
                .unwrap();
        }
        engine.run_due_timers(at(30.1), usize::MAX).await.unwrap();
        assert_eq!(status("e-2").await, protection::Status::Completed);
        assert_eq!(status("e-3").await, protection::Status::Delivered);
    }
}

/// Places, pays and ships (day 1, promised day 21) an order to DE.
async fn shipped_to_de(engine: &Engine, o: &str, tracking: &str) {
    let usd = |s: &str| Money::parse(s, Currency::parse("USD").unwrap()).unwrap();
    for (actor, command, day) in [
        (
            Actor::Platform,
            Command::Place {
                buyer: BuyerId::parse("b-1").unwrap(),
                seller: SellerId::parse("s-1").unwrap(),
                price: usd("10.00"),
                shipping: usd("0.50"),
                handling_days: None,
                promised_days: 20,
                destination_country: Some("DE".parse().unwrap()),
                options: protection::OrderOptions::default(),
            },
            0.0,
        ),
        (
            Actor::Platform,
            Command::Pay {
                amount: usd("10.50"),
                three_ds: ThreeDs::Authenticated,
            },
            0.1,
        ),
        (
            seller(),
            Command::Ship {
                tracking: tracking.parse().unwrap(),
            },
            1.0,
        ),
    ] {
        engine.execute(&req(o, actor, command, day)).await.unwrap();
    }
}

fn carrier_event(kind: protection::CarrierEventKind, tracking: &str, country: &str) -> Command {
    Command::CarrierEvent(protection::CarrierEvent {
        kind,
        tracking: tracking.parse().unwrap(),
        country: country.parse().unwrap(),
        location: None,
        scanned_at: None,
    })
}

fn not_received() -> Command {
    Command::Dispute(protection::DisputeCommand::Open {
        reason: protection::Reason::NotReceived,
        requested: None,
        evidence: Vec::new(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carrier_scans_keep_a_parcel_moving_and_a_delivery_elsewhere_puts_it_in_doubt() {
    // Regression: with no way to record scans, every parcel was marked stale 10 days
    // after shipment, also parcels moving normally.
    use protection::CarrierEventKind as K;
    for (store, _guard) in stores().await.unwrap() {
        let engine = Engine::new(store.clone(), Policy::default());
        let tracking = "LP00000000000777";
        shipped_to_de(&engine, "c-1", tracking).await;
        for (kind, country, day) in [
            (K::Accepted, "CN", 2.0),
            (K::InTransit, "CN", 8.0),
            (K::Customs, "DE", 14.0),
        ] {
            engine
                .execute(&req(
                    "c-1",
                    Actor::Carrier,
                    carrier_event(kind, tracking, country),
                    day,
                ))
                .await
                .unwrap();
        }
        let at = |day: f64| req("c-1", Actor::System, Command::Cancel, day).at;
        engine.run_due_timers(at(23.9), usize::MAX).await.unwrap();
        let stale = |log: &[Event]| log.iter().any(|e| matches!(e, Event::ParcelStale { .. }));
        assert!(!stale(&events(&engine, "c-1").await));
        // Delivered in FR on day 24: a scan of another number is refused; the right
        // one is flagged by the parcel checks as `deliver` in FR is.
        let err = engine
            .execute(&req(
                "c-1",
                Actor::Carrier,
                carrier_event(K::Delivered, "LP00000000000778", "FR"),
                24.0,
            ))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, EngineError::Rejected(r) if r.rule() == Some("tracking")),
            "{err}"
        );
        engine
            .execute(&req(
                "c-1",
                Actor::Carrier,
                carrier_event(K::Delivered, tracking, "FR"),
                24.0,
            ))
            .await
            .unwrap();
        let log = events(&engine, "c-1").await;
        assert!(
            log.iter().any(|e| matches!(e, Event::ParcelFlagged { stage, kinds, .. } if stage == "delivered" && kinds.contains(&Kind::FakeTracking))),
            "{log:?}"
        );
        assert!(log
            .iter()
            .any(|e| matches!(e, Event::CaseOpened { case_id, .. } if case_id == "c-1:delivered")));
        let (order, _) = engine
            .order(&OrderId::parse("c-1").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert!(order.parcel_in_doubt());
        assert_eq!(order.status, protection::Status::Delivered);
        // Delivered: never stale afterwards.
        engine.run_due_timers(at(60.0), usize::MAX).await.unwrap();
        assert!(!stale(&events(&engine, "c-1").await));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_delivery_during_a_dispute_is_recorded_as_evidence() {
    // Regression: a carrier's delivery during a dispute was refused, so it was never
    // recorded. It is evidence for the agent; the dispute stays open.
    use protection::CarrierEventKind as K;
    for (store, _guard) in stores().await.unwrap() {
        let engine = Engine::new(store.clone(), Policy::default());
        let tracking = "LP00000000000888";
        shipped_to_de(&engine, "c-2", tracking).await;
        engine
            .execute(&req("c-2", buyer(), not_received(), 22.0))
            .await
            .unwrap();
        engine
            .execute(&req(
                "c-2",
                Actor::Carrier,
                carrier_event(K::Delivered, tracking, "FR"),
                23.0,
            ))
            .await
            .unwrap();
        let (order, log) = engine
            .order(&OrderId::parse("c-2").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(order.status, protection::Status::Disputed);
        assert!(order.delivered_at.is_some());
        let dispute = order.dispute.as_ref().unwrap();
        assert!(dispute.is_open());
        assert!(
            format!("{:?}", dispute.evidence).contains("carrier event delivered in FR"),
            "{:?}",
            dispute.evidence
        );
        let names: Vec<&str> = log.iter().map(|r| r.event.name()).collect();
        for name in [
            "carrier_scanned",
            "delivered",
            "evidence_added",
            "parcel_flagged",
            "case_opened",
        ] {
            assert!(names.contains(&name), "{name} missing from {names:?}");
        }
        // The carrier's word is on record with the carrier as its actor.
        assert!(log
            .iter()
            .filter(|r| r.event.name() == "evidence_added")
            .all(|r| r.actor == Actor::Carrier));
    }
}
