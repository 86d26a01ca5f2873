//! Webhooks end to end on each backend: events reach a receiver on loopback, signed,
//! at least once, with a retry after a failure, and the delivery log says so.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use domain::{BuyerId, Currency, Money, OrderId, SellerId, Timestamp};
use engine::{Engine, Request};
use protection::{Actor, Command, OrderOptions, Policy, ThreeDs};
use server::webhooks;

type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// A receiver that fails its first request with 500 and takes the rest.
async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: String| {
            let s = s.clone();
            async move {
                let sig = headers
                    .get(webhooks::SIGNATURE_HEADER)
                    .map(|v| v.to_str().unwrap().to_string())
                    .unwrap_or_default();
                let mut seen = s.lock().unwrap();
                seen.push((sig, body));
                if seen.len() == 1 {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_delivered_signed_at_least_once_with_retries() {
    for (store, _g) in store::testing::stores().await.unwrap() {
        let (url, seen) = receiver().await;
        let t0 = Timestamp::from_unix_ms(1_790_000_000_000);
        let (_, secret) = webhooks::add_endpoint(&store, &url, t0).await.unwrap();
        let engine = Engine::new(store.clone(), Policy::default());
        let usd = |s: &str| Money::parse(s, Currency::parse("USD").unwrap()).unwrap();
        let order = OrderId::parse("w-1").unwrap();
        for (actor, command) in [
            (
                Actor::Platform,
                Command::Place {
                    buyer: BuyerId::parse("b-1").unwrap(),
                    seller: SellerId::parse("s-1").unwrap(),
                    price: usd("5.00"),
                    shipping: usd("0"),
                    handling_days: None,
                    promised_days: 20,
                    destination_country: None,
                    options: OrderOptions::default(),
                },
            ),
            (
                Actor::Platform,
                Command::Pay {
                    amount: usd("5.00"),
                    three_ds: ThreeDs::Authenticated,
                },
            ),
        ] {
            engine
                .execute(&Request {
                    idempotency_key: None,
                    order: order.clone(),
                    actor,
                    command,
                    at: t0,
                })
                .await
                .unwrap();
        }
        let client = webhooks::client();
        let r1 = webhooks::deliver_due(&store, &client, t0).await.unwrap();
        assert_eq!((r1.fanned_out, r1.delivered, r1.retrying), (2, 1, 1));
        // Nothing is due again before the 30-second backoff.
        let r2 = webhooks::deliver_due(&store, &client, t0.plus_ms(29_000))
            .await
            .unwrap();
        assert_eq!(r2.delivered + r2.retrying, 0);
        let r3 = webhooks::deliver_due(&store, &client, t0.plus_ms(31_000))
            .await
            .unwrap();
        assert_eq!((r3.delivered, r3.retrying), (1, 0));
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 3);
        let mut types = Vec::new();
        for (sig, body) in &seen {
            let t = sig
                .split(',')
                .find_map(|p| p.strip_prefix("t="))
                .unwrap()
                .parse::<i64>()
                .unwrap();
            assert!(webhooks::verify(&secret, sig, body, t, 300), "{sig}");
            assert!(!webhooks::verify("whsec_wrong", sig, body, t, 300));
            let v: serde_json::Value = serde_json::from_str(body).unwrap();
            types.push(v["type"].as_str().unwrap().to_string());
        }
        types.sort();
        types.dedup();
        assert_eq!(types, ["paid", "placed"]);
        let log = store.delivery_log(10).await.unwrap();
        assert_eq!(log.len(), 2);
        assert!(log.iter().all(|d| d.delivered_ms.is_some()));
        assert_eq!(log.iter().map(|d| d.attempts).max(), Some(2));
        assert!(log.iter().any(|d| d.last_status == Some(200)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overdue_escalated_dispute_reaches_the_webhooks() {
    use protection::{DisputeCommand as D, Evidence, Reason, RespondWith};
    for (store, _g) in store::testing::stores().await.unwrap() {
        let (url, seen) = receiver().await;
        let t0 = Timestamp::from_unix_ms(1_790_000_000_000);
        webhooks::add_endpoint(&store, &url, t0).await.unwrap();
        let engine = Engine::new(store.clone(), Policy::default());
        let usd = |s: &str| Money::parse(s, Currency::parse("USD").unwrap()).unwrap();
        let buyer = || Actor::Buyer(BuyerId::parse("b-1").unwrap());
        let steps = [
            (
                0,
                Actor::Platform,
                Command::Place {
                    buyer: BuyerId::parse("b-1").unwrap(),
                    seller: SellerId::parse("s-1").unwrap(),
                    price: usd("40.00"),
                    shipping: usd("0"),
                    handling_days: None,
                    promised_days: 20,
                    destination_country: None,
                    options: OrderOptions::default(),
                },
            ),
            (
                0,
                Actor::Platform,
                Command::Pay {
                    amount: usd("40.00"),
                    three_ds: ThreeDs::Authenticated,
                },
            ),
            (
                1,
                Actor::Seller(SellerId::parse("s-1").unwrap()),
                Command::Ship {
                    tracking: "LP1".parse().unwrap(),
                },
            ),
            (3, Actor::Carrier, Command::Deliver { country: None }),
            (
                4,
                buyer(),
                Command::Dispute(D::Open {
                    reason: Reason::Damaged,
                    requested: None,
                    evidence: vec![],
                }),
            ),
            (
                5,
                Actor::Seller(SellerId::parse("s-1").unwrap()),
                Command::Dispute(D::Respond {
                    response: RespondWith::Reject,
                    evidence: vec![Evidence::Text {
                        text: "it left intact".into(),
                    }],
                }),
            ),
            (8, buyer(), Command::Dispute(D::Escalate)),
        ];
        let order = OrderId::parse("w-2").unwrap();
        for (day, actor, command) in steps {
            let request = Request {
                idempotency_key: None,
                order: order.clone(),
                actor,
                command,
                at: t0.plus_days(day),
            };
            engine.execute(&request).await.unwrap();
        }
        // The agent deadline is day 18; the timer loop fires it on day 19.
        engine.run_due_timers(t0.plus_days(19), 100).await.unwrap();
        let client = webhooks::client();
        for i in 0..3 {
            webhooks::deliver_due(&store, &client, t0.plus_days(19).plus_ms(i * 60_000))
                .await
                .unwrap();
        }
        let seen = seen.lock().unwrap().clone();
        let overdue: Vec<serde_json::Value> = seen
            .iter()
            .map(|(_, body)| serde_json::from_str::<serde_json::Value>(body).unwrap())
            .filter(|v| v["type"] == "dispute_overdue")
            .collect();
        assert!(!overdue.is_empty(), "{seen:?}");
        let body = overdue[0].to_string();
        assert!(
            body.contains("w-2") && body.contains("agent_due_ms"),
            "{body}"
        );
        let resolved = seen
            .iter()
            .any(|(_, b)| b.contains("dispute_resolved") && b.contains("escalation_overdue"));
        assert!(resolved, "the refund is sent too: {seen:?}");
    }
}
