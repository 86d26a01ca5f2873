//! The API through `app().oneshot(request)`, on SQLite and (when configured)
//! PostgreSQL: auth, the permission matrix, idempotency, problem details, pagination.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use domain::{Clock, Timestamp};
use engine::Engine;
use http_body_util::BodyExt;
use protection::Policy;
use serde_json::{json, Value};
use server::{app, create_key, AppState, Role};
use tower::ServiceExt;

/// A clock the test moves by hand.
struct TestClock(Mutex<i64>);

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_ms(*self.0.lock().unwrap())
    }
}

struct Api {
    router: axum::Router,
    keys: std::collections::HashMap<&'static str, String>,
    clock: Arc<TestClock>,
    _guard: store::testing::tempfile_guard::Guard,
}

impl Api {
    async fn call(
        &self,
        who: &str,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value, String) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(k) = self.keys.get(who) {
            req = req.header("authorization", format!("Bearer {k}"));
        }
        if let Some(k) = key {
            req = req.header("idempotency-key", k);
        }
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let ctype = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, v, ctype)
    }

    async fn command(&self, who: &str, order: &str, key: &str, body: Value) -> (StatusCode, Value) {
        let (s, v, _) = self
            .call(
                who,
                "POST",
                &format!("/v1/orders/{order}/commands"),
                Some(key),
                Some(body),
            )
            .await;
        (s, v)
    }

    fn advance_days(&self, days: i64) {
        *self.clock.0.lock().unwrap() += days * domain::MS_PER_DAY;
    }
}

async fn apis() -> Vec<Api> {
    let mut out = Vec::new();
    for (store, guard) in store::testing::stores().await.unwrap() {
        let mut keys = std::collections::HashMap::new();
        for (who, role) in [
            ("admin", "admin"),
            ("agent", "agent"),
            ("platform", "platform"),
            ("buyer", "buyer:b-1"),
            ("other_buyer", "buyer:b-2"),
            ("seller", "seller:s-1"),
            ("other_seller", "seller:s-2"),
            // A buyer whose id is a seller's: ids of buyers and sellers are apart.
            ("buyer_named_s1", "buyer:s-1"),
        ] {
            let key = create_key(
                &store,
                &Role::parse(role).unwrap(),
                Timestamp::from_unix_ms(0),
            )
            .await
            .unwrap();
            keys.insert(who, key);
        }
        let clock = Arc::new(TestClock(Mutex::new(1_790_000_000_000)));
        let state = AppState::new(Engine::new(store, Policy::default()), clock.clone());
        out.push(Api {
            router: app(state),
            keys,
            clock,
            _guard: guard,
        });
    }
    out
}

fn place(buyer: &str) -> Value {
    json!({"command": "place", "buyer": buyer, "seller": "s-1", "price": "10.00", "shipping": "0.50", "currency": "EUR", "promised_days": 20})
}

fn pay() -> Value {
    json!({"command": "pay", "amount": "10.50", "currency": "EUR", "three_ds": "authenticated"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_and_openapi() {
    for api in apis().await {
        let (s, v, _) = api.call("", "GET", "/healthz", None, None).await;
        assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("ok")));
        let (s, _, _) = api.call("", "GET", "/readyz", None, None).await;
        assert_eq!(s, StatusCode::OK);
        let (s, doc, _) = api.call("", "GET", "/openapi.json", None, None).await;
        assert_eq!(s, StatusCode::OK);
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        assert!(doc["paths"]["/v1/orders/{order_id}/commands"]["post"].is_object());
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
        let (s, _, ctype) = api.call("", "GET", "/metrics", None, None).await;
        assert_eq!(s, StatusCode::OK);
        assert!(ctype.starts_with("application/openmetrics-text"));
        let text = metrics_text(&api).await;
        assert!(
            text.contains("marketguard_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1"),
            "{text}"
        );
    }
}

/// The names of the properties a schema promises, through `$ref` and `allOf`.
fn properties(doc: &Value, schema: &Value) -> Vec<String> {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return properties(doc, &doc["components"]["schemas"][name]);
    }
    let mut names: Vec<String> = schema["properties"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        names.extend(properties(doc, part));
    }
    names
}

// Regression: the assessments' JSON was a `Map`, documented as a bare `object` that
// schemathesis could not check.
#[test]
fn every_scan_and_assessment_response_has_named_properties() {
    use utoipa::OpenApi;
    let doc = serde_json::to_value(server::ApiDoc::openapi()).unwrap();
    let expect: [(&str, &str, &[&str]); 6] = [
        (
            "/v1/scan/message",
            "post",
            &["id", "risk", "verdict", "signals", "truncated"],
        ),
        (
            "/v1/scan/link",
            "post",
            &[
                "url",
                "risk",
                "signals",
                "registrable_domain",
                "impersonates",
            ],
        ),
        (
            "/v1/assess/seller",
            "post",
            &[
                "trust_score",
                "tier",
                "positive_lower_bound_pct",
                "signals",
                "advice",
            ],
        ),
        (
            "/v1/assess/listing",
            "post",
            &["title", "peer_median", "seller", "signals", "advice"],
        ),
        (
            "/v1/assess/tracking",
            "post",
            &["number", "carrier", "format_valid", "signals", "verdict"],
        ),
        (
            "/v1/assess/reviews",
            "post",
            &["reviewers", "products", "sellers"],
        ),
    ];
    for (path, method, names) in expect {
        let schema = &doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]
            ["schema"];
        let found = properties(&doc, schema);
        for name in names {
            assert!(
                found.iter().any(|f| f == name),
                "{path}: no {name} in {found:?}"
            );
        }
    }
    let paths = doc["paths"].as_object().unwrap();
    let checked: Vec<&String> = paths
        .keys()
        .filter(|p| p.starts_with("/v1/scan/") || p.starts_with("/v1/assess/"))
        .collect();
    assert_eq!(checked.len(), expect.len(), "{checked:?}");
    let finding = properties(&doc, &doc["components"]["schemas"]["Finding"]);
    assert_eq!(finding.len(), 6, "{finding:?}");
    let seller = properties(
        &doc,
        &doc["paths"]["/v1/sellers/{seller_id}/assessment"]["get"]["responses"]["200"]["content"]
            ["application/json"]["schema"],
    );
    assert!(seller.iter().any(|f| f == "trust_score"), "{seller:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_idempotency_and_problem_details() {
    for api in apis().await {
        let (s, v, ctype) = api.call("", "GET", "/v1/orders", None, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(ctype, "application/problem+json");
        assert_eq!(v["status"], 401);
        // A forged key with a real id and a wrong secret.
        let real = api.keys["buyer"].clone();
        let forged = format!("{}{}", &real[..real.len() - 4], "0000");
        let mut api2_keys = api.keys.clone();
        api2_keys.insert("forged", forged);
        let forged_api = Api {
            router: api.router.clone(),
            keys: api2_keys,
            clock: api.clock.clone(),
            _guard: store::testing::tempfile_guard::Guard::None,
        };
        let (s, _, _) = forged_api
            .call("forged", "GET", "/v1/orders", None, None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        let (s, v, _) = api
            .call(
                "platform",
                "POST",
                "/v1/orders/o-1/commands",
                None,
                Some(place("b-1")),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        assert!(v["detail"].as_str().unwrap().contains("Idempotency-Key"));

        let (s, first) = api.command("platform", "o-1", "k1", place("b-1")).await;
        assert_eq!(s, StatusCode::OK, "{first}");
        let (s, again) = api.command("platform", "o-1", "k1", place("b-1")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(again["replayed"], true);
        assert_eq!(again["seq_from"], first["seq_from"]);
        let (s, v) = api.command("platform", "o-1", "k1", pay()).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["rule"], "idempotency_key");

        let (s, v) = api
            .command("platform", "o-1", "p1", json!({"command": "pay", "amount": "10.499", "currency": "EUR", "three_ds": "authenticated"}))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(
            v["detail"].as_str().unwrap().contains("field \"amount\""),
            "{v}"
        );
        let (s, v) = api
            .command("platform", "o-1", "p2", json!({"command": "pay", "amount": "10.50", "currency": "USD", "three_ds": "authenticated"}))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["rule"], "currency");
        let (s, v, _) = api
            .call(
                "buyer",
                "POST",
                "/v1/orders/o-1/commands",
                Some("p3"),
                Some(json!({"command": "fly"})),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    }
}

/// Who may do what: each row is (caller, command, expected status).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permission_matrix() {
    for api in apis().await {
        assert_eq!(
            api.command("platform", "o-1", "a", place("b-1")).await.0,
            StatusCode::OK
        );
        // Buyers place their own orders only.
        assert_eq!(
            api.command("buyer", "o-2", "b", place("b-2")).await.0,
            StatusCode::FORBIDDEN
        );
        let rows: Vec<(&str, Value, StatusCode)> = vec![
            ("other_buyer", pay(), StatusCode::FORBIDDEN),
            ("seller", pay(), StatusCode::FORBIDDEN),
            ("agent", pay(), StatusCode::FORBIDDEN),
            // The buyer's own key cannot report its 3-D Secure result (rule
            // three_ds_source); the platform's payment side does.
            ("buyer", pay(), StatusCode::UNPROCESSABLE_ENTITY),
            ("platform", pay(), StatusCode::OK),
            (
                "buyer",
                json!({"command": "ship", "tracking": "LP1"}),
                StatusCode::FORBIDDEN,
            ),
            (
                "other_seller",
                json!({"command": "ship", "tracking": "LP1"}),
                StatusCode::FORBIDDEN,
            ),
            (
                "seller",
                json!({"command": "ship", "tracking": "LP1"}),
                StatusCode::OK,
            ),
            (
                "seller",
                json!({"command": "deliver"}),
                StatusCode::FORBIDDEN,
            ),
            ("platform", json!({"command": "deliver"}), StatusCode::OK),
            (
                "buyer",
                json!({"command": "open_dispute", "reason": "damaged"}),
                StatusCode::OK,
            ),
            (
                "seller",
                json!({"command": "decide_dispute", "outcome": "rejected"}),
                StatusCode::FORBIDDEN,
            ),
            (
                "buyer",
                json!({"command": "decide_dispute", "outcome": "refund_full"}),
                StatusCode::FORBIDDEN,
            ),
            (
                "other_buyer",
                json!({"command": "escalate"}),
                StatusCode::FORBIDDEN,
            ),
        ];
        for (i, (who, body, expect)) in rows.into_iter().enumerate() {
            let (s, v) = api
                .command(who, "o-1", &format!("m{i}"), body.clone())
                .await;
            assert_eq!(s, expect, "{who} {body}: {v}");
        }
        // Reading: the parties and the staff see the order; nobody else does.
        for (who, expect) in [
            ("buyer", StatusCode::OK),
            ("seller", StatusCode::OK),
            ("agent", StatusCode::OK),
            ("admin", StatusCode::OK),
            ("other_buyer", StatusCode::NOT_FOUND),
            ("other_seller", StatusCode::NOT_FOUND),
        ] {
            let (s, _, _) = api.call(who, "GET", "/v1/orders/o-1", None, None).await;
            assert_eq!(s, expect, "{who} reads o-1");
        }
        // The agent decides once the dispute is escalated (after 3 days).
        api.advance_days(4);
        assert_eq!(
            api.command("buyer", "o-1", "esc", json!({"command": "escalate"}))
                .await
                .0,
            StatusCode::OK
        );
        let (s, v) = api
            .command("agent", "o-1", "dec", json!({"command": "decide_dispute", "outcome": "refund_partial", "amount": "4.00", "currency": "EUR"}))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (_, o, _) = api.call("buyer", "GET", "/v1/orders/o-1", None, None).await;
        assert_eq!(o["status"], "resolved");
        assert_eq!(o["refunded"], "4.00");
        assert_eq!(o["released"], "6.50");
        let (s, money, _) = api
            .call("seller", "GET", "/v1/orders/o-1/money", None, None)
            .await;
        assert_eq!(s, StatusCode::OK, "{money}");
        let mut codes: Vec<&str> = money
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["code"].as_str().unwrap())
            .collect();
        codes.sort();
        assert_eq!(codes, ["capture", "hold", "refund", "release", "void"]);
        let amounts: Vec<&str> = money
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["amount"].as_str().unwrap())
            .collect();
        assert!(
            amounts.contains(&"4.00") && amounts.contains(&"6.50"),
            "{amounts:?}"
        );
        assert_eq!(
            api.call("other_seller", "GET", "/v1/orders/o-1/money", None, None)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        let (s, check, _) = api
            .call("agent", "GET", "/v1/ledger/verify", None, None)
            .await;
        assert_eq!((s, check["ok"].as_bool()), (StatusCode::OK, Some(true)));
        assert_eq!(
            api.call("buyer", "GET", "/v1/ledger/verify", None, None)
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        let (s, profile, _) = api
            .call("other_buyer", "GET", "/v1/sellers/s-1/profile", None, None)
            .await;
        assert_eq!(s, StatusCode::OK, "{profile}");
        assert_eq!(profile["dispute_rate"]["numerator"], 1);
        assert_eq!(profile["orders"], 1);
        let actors: Vec<&str> = o["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["actor"].as_str().unwrap())
            .collect();
        // The buyer sees that an agent decided, not which API key did.
        assert!(
            actors.contains(&"carrier") && actors.contains(&"agent"),
            "{actors:?}"
        );
        assert!(
            !actors.iter().any(|a| a.starts_with("agent:")),
            "{actors:?}"
        );
        let (_, o, _) = api.call("agent", "GET", "/v1/orders/o-1", None, None).await;
        assert!(
            o["events"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["actor"].as_str().unwrap().starts_with("agent:")),
            "{o}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_are_listed_by_cursor_and_only_ones_own() {
    for api in apis().await {
        for i in 0..5 {
            let buyer = if i % 2 == 0 { "b-1" } else { "b-2" };
            api.advance_days(1);
            assert_eq!(
                api.command(
                    "platform",
                    &format!("o-{i}"),
                    &format!("k{i}"),
                    place(buyer)
                )
                .await
                .0,
                StatusCode::OK
            );
        }
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/orders?limit=2&cursor={c}"),
                None => "/v1/orders?limit=2".to_string(),
            };
            let (s, page, _) = api.call("admin", "GET", &path, None, None).await;
            assert_eq!(s, StatusCode::OK, "{page}");
            for item in page["items"].as_array().unwrap() {
                seen.push(item["order"].as_str().unwrap().to_string());
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(seen, ["o-4", "o-3", "o-2", "o-1", "o-0"]);
        let (_, page, _) = api.call("buyer", "GET", "/v1/orders", None, None).await;
        let mine: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["order"].as_str().unwrap())
            .collect();
        assert_eq!(mine, ["o-4", "o-2", "o-0"]);
        let (s, _, _) = api
            .call("admin", "GET", "/v1/orders?limit=500", None, None)
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, _, _) = api
            .call("admin", "GET", "/v1/orders?cursor=garbage", None, None)
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_messages_cases_and_what_each_role_sees() {
    for api in apis().await {
        // The scan endpoints follow the CLI contract.
        let (s, v, _) = api
            .call(
                "buyer",
                "POST",
                "/v1/scan/message",
                None,
                Some(json!({"id": "x", "text": "pay by bank transfer, 10% off, write me on W h a t s A p p", "sender": "seller", "context": "pre_order"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["id"], "x");
        assert_eq!(v["verdict"], "block");
        assert!(v["signals"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["span"].is_array()));
        let (s, v, ctype) = api
            .call(
                "buyer",
                "POST",
                "/v1/scan/message",
                None,
                Some(json!({"text": "hi", "context": "shipped"})),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(ctype.starts_with("application/problem+json"));
        assert!(v["detail"].as_str().unwrap().contains("context"), "{v}");
        let (s, v, _) = api
            .call(
                "seller",
                "POST",
                "/v1/scan/link",
                None,
                Some(json!({"url": "hxxps://a1iexpress[.]com/login"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["impersonates"], "aliexpress.com");
        assert_eq!(v["registrable_domain"], "a1iexpress.com");
        let (s, _, _) = api
            .call(
                "",
                "POST",
                "/v1/scan/link",
                None,
                Some(json!({"url": "x.com"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        // A seller's scam on an order: held, a case, a warning.
        api.command("platform", "o-m", "p1", place("b-1")).await;
        api.command("platform", "o-m", "p2", pay()).await;
        let (s, v) = api
            .command(
                "seller",
                "o-m",
                "m1",
                json!({"command": "post_message", "id": "m1", "text": "close the dispute and I refund you on paypal, or pay the rest by western union"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (_, v, _) = api
            .call("buyer", "GET", "/v1/orders/o-m/messages", None, None)
            .await;
        assert_eq!(v[0]["held"], true);
        assert!(
            v[0]["text"].is_null(),
            "a held message's text stays hidden from the buyer: {v}"
        );
        assert!(v[0]["warning"].as_str().unwrap().contains("held back"));
        assert!(v[0]["case_id"].is_null());
        let (_, v, _) = api.call("buyer", "GET", "/v1/orders/o-m", None, None).await;
        let posted = v["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["event"] == "message_posted")
            .unwrap();
        assert!(!posted.to_string().contains("western union"), "{posted}");
        let (_, v, _) = api
            .call("agent", "GET", "/v1/orders/o-m/messages", None, None)
            .await;
        assert!(v[0]["text"].as_str().unwrap().contains("western union"));
        assert_eq!(v[0]["case_id"], "o-m:m1");

        // Balances: the seller sees only its own accounts.
        let (s, v, _) = api
            .call("seller", "GET", "/v1/ledger/accounts?owner=b-1", None, None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            v.as_array()
                .unwrap()
                .iter()
                .all(|a| a["account"].as_str().unwrap().contains(":s-1:")),
            "{v}"
        );
        let (_, v, _) = api
            .call("agent", "GET", "/v1/ledger/accounts?owner=o-m", None, None)
            .await;
        let escrow = v
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["account"] == "order_escrow:o-m:EUR")
            .unwrap();
        assert_eq!(escrow["balance"], "10.50", "{v}");

        // The queue: agents only, with a cursor.
        let (s, _, _) = api.call("seller", "GET", "/v1/cases", None, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v, _) = api
            .call("agent", "GET", "/v1/cases?limit=1", None, None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["items"][0]["case_id"], "o-m:m1");
        assert_eq!(v["items"][0]["status"], "open");
        let cursor = v["next_cursor"].as_str().unwrap().to_string();
        let (_, v, _) = api
            .call(
                "agent",
                "GET",
                &format!("/v1/cases?limit=1&cursor={cursor}"),
                None,
                None,
            )
            .await;
        assert!(v["items"].as_array().unwrap().is_empty());
        let (s, _, _) = api
            .call("agent", "GET", "/v1/cases?status=maybe", None, None)
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        let (s, v, _) = api
            .call("agent", "GET", "/v1/cases/o-m:m1", None, None)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(v["message"]["text"]
            .as_str()
            .unwrap()
            .contains("western union"));
        assert!(v["signals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == "offsite_payment"));
        let (s, _, _) = api
            .call("agent", "GET", "/v1/cases/o-m:nope", None, None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _, _) = api
            .call("buyer", "GET", "/v1/cases/o-m:m1", None, None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // An agent labels it.
        let (s, v) = api
            .command("agent", "o-m", "c1", json!({"command": "close_case", "case_id": "o-m:m1", "label": "scam", "note": "classic"}))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (_, v, _) = api
            .call("agent", "GET", "/v1/cases?status=closed", None, None)
            .await;
        assert_eq!(v["items"][0]["label"], "scam");
        assert!(
            v["items"][0]["closed_by"]
                .as_str()
                .unwrap()
                .starts_with("agent:"),
            "{v}"
        );
        // Regression: the seller read the agent's note and key id in its order's log.
        for who in ["seller", "buyer"] {
            let (_, v, _) = api.call(who, "GET", "/v1/orders/o-m", None, None).await;
            let closed = v["events"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["event"] == "case_closed")
                .unwrap();
            assert_eq!(closed["actor"], "agent", "{who}: {closed}");
            assert!(!closed.to_string().contains("classic"), "{who}: {closed}");
        }
        let (_, v, _) = api.call("agent", "GET", "/v1/orders/o-m", None, None).await;
        assert!(
            v.to_string().contains("classic"),
            "agents keep the note: {v}"
        );
        let (s, v) = api
            .command(
                "agent",
                "o-m",
                "c2",
                json!({"command": "close_case", "case_id": "o-m:m1", "label": "perhaps"}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assessments_through_the_api() {
    let example = |name: &str| {
        std::fs::read_to_string(format!(
            "{}/../../examples/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let api = apis().await.into_iter().next().unwrap();
    // The examples are dated in late 2026; assess them a year on.
    api.advance_days(365);
    let seller: Value = serde_json::from_str(&example("seller.json")).unwrap();
    let (s, v, _) = api
        .call("buyer", "POST", "/v1/assess/seller", None, Some(seller))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v["trust_score"].as_u64().unwrap() <= 100 && v["verdict"].is_string(),
        "{v}"
    );
    let (s, v, _) = api
        .call("buyer", "POST", "/v1/assess/seller", None, Some(json!({"opened": "2020-01-01", "positive_feedback_pct": 130, "feedback_count": 3, "items_sold": 1})))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("positive_feedback_pct"),
        "{v}"
    );
    let (s, v, _) = api
        .call(
            "buyer",
            "GET",
            "/v1/sellers/s-1/assessment?opened=2024-01-01",
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "s-1");
    assert!(v["trust_score"].is_u64());
    let (s, v, _) = api
        .call(
            "buyer",
            "GET",
            "/v1/sellers/s-1/assessment?opened=yesterday",
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let listing: Value = serde_json::from_str(&example("listing.json")).unwrap();
    let (s, v, _) = api
        .call("buyer", "POST", "/v1/assess/listing", None, Some(listing))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["signals"].is_array());
    let (s, v, _) = api
        .call(
            "buyer",
            "POST",
            "/v1/assess/tracking",
            None,
            Some(json!({"number": "RB123456785GB"})),
        )
        .await;
    assert_eq!(
        (s, v["format_valid"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{v}"
    );
    let (_, v, _) = api
        .call(
            "buyer",
            "POST",
            "/v1/assess/tracking",
            None,
            Some(json!({"number": "RB123456784GB"})),
        )
        .await;
    assert_eq!(v["format_valid"], false);

    // Reviews as a CSV upload, larger than the JSON body limit.
    let csv = example("reviews.csv");
    let send = |body: String| {
        let req = Request::builder()
            .method("POST")
            .uri("/v1/assess/reviews")
            .header("authorization", format!("Bearer {}", api.keys["buyer"]))
            .header("content-type", "text/csv")
            .body(Body::from(body))
            .unwrap();
        api.router.clone().oneshot(req)
    };
    let res = send(csv.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value =
        serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert!(
        !v["reviewers"].as_array().unwrap().is_empty() && v["products"][0]["grade"].is_string()
    );
    let res = send("reviewer_id,product_id,rating\nr1,p1,4\nr2,p1,9\n".into())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let v: Value =
        serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains("line 3") && detail.contains("rating"),
        "{detail}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_message_shows_its_finding_deep_in_the_text() {
    // 40,000 bytes with an off-site contact near byte 30,000: past the 16 KiB the
    // scanner once read, inside the 64 KiB an order accepts.
    let filler = "The parcel is packed and the colour is the one you chose. ";
    let needle = "add me on whatsapp +44 7700 900123";
    let mut text = filler.repeat(30_000 / filler.len());
    let start = text.len();
    text.push_str(needle);
    while text.len() < 40_000 {
        text.push_str(filler);
    }
    text.truncate(40_000);
    for api in apis().await {
        api.command("platform", "o-l", "p1", place("b-1")).await;
        api.command("platform", "o-l", "p2", pay()).await;
        let (s, v) = api
            .command(
                "seller",
                "o-l",
                "m1",
                json!({"command": "post_message", "id": "m1", "text": text}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let inside = |s: &Value| {
            s["kind"] == "offsite_contact"
                && s["span"][0].as_u64().unwrap() as usize >= start
                && s["span"][1].as_u64().unwrap() as usize <= start + needle.len()
        };
        let (s, v, _) = api
            .call("buyer", "GET", "/v1/orders/o-l/messages", None, None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            v[0]["signals"].as_array().unwrap().iter().any(inside),
            "{}",
            v[0]["signals"]
        );
        assert!(v[0].get("truncated").is_none(), "read whole: no note");
        // The order's log carries the findings as an array, not as JSON in a string.
        let (_, v, _) = api.call("agent", "GET", "/v1/orders/o-l", None, None).await;
        let posted = v["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["event"] == "message_posted")
            .unwrap();
        assert!(
            posted["detail"]["signals"]
                .as_array()
                .unwrap()
                .iter()
                .any(inside),
            "{}",
            posted["detail"]["signals"]
        );
        assert!(posted["detail"]["kinds"]
            .as_array()
            .unwrap()
            .contains(&json!("offsite_contact")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_are_read_by_kind_and_owner() {
    // Regression: a key `buyer:s-1` listed `seller_payable:s-1:EUR`, the owner filter
    // ignoring the account's kind.
    for api in apis().await {
        for (step, (who, command)) in [
            ("platform", place("b-1")),
            ("platform", pay()),
            ("seller", json!({"command": "ship", "tracking": "LP1"})),
            ("platform", json!({"command": "deliver"})),
            ("buyer", json!({"command": "confirm_receipt"})),
        ]
        .into_iter()
        .enumerate()
        {
            let (s, v) = api.command(who, "o-k", &format!("k{step}"), command).await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        let accounts = |v: Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|a| a["account"].as_str().unwrap().to_string())
                .collect()
        };
        let (s, v, _) = api
            .call("seller", "GET", "/v1/ledger/accounts", None, None)
            .await;
        assert_eq!(s, StatusCode::OK);
        let seller = accounts(v);
        assert!(
            seller.contains(&"seller_payable:s-1:EUR".to_string()),
            "{seller:?}"
        );
        assert!(
            seller.iter().all(|a| a.starts_with("seller_")),
            "{seller:?}"
        );
        let (_, v, _) = api
            .call("buyer_named_s1", "GET", "/v1/ledger/accounts", None, None)
            .await;
        let impostor = accounts(v);
        assert!(
            impostor.iter().all(|a| a.starts_with("buyer_funding:s-1:")),
            "{impostor:?}"
        );
        let (_, v, _) = api
            .call("buyer", "GET", "/v1/ledger/accounts?owner=s-1", None, None)
            .await;
        let buyer = accounts(v);
        assert_eq!(buyer, ["buyer_funding:b-1:EUR"], "{buyer:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nul_bytes_in_paths_and_cursors_are_the_callers_error() {
    // Regression: on PostgreSQL `/v1/cases/a%00` answered 500 (text with a NUL byte
    // reached the database).
    for api in apis().await {
        for (path, want) in [
            ("/v1/cases/a%00", StatusCode::NOT_FOUND),
            ("/v1/cases/o-1:m%001", StatusCode::NOT_FOUND),
            ("/v1/cases?cursor=1.1.a%00", StatusCode::BAD_REQUEST),
            ("/v1/orders?cursor=1.a%00", StatusCode::BAD_REQUEST),
            ("/v1/orders/a%00", StatusCode::NOT_FOUND),
        ] {
            let (s, v, _) = api.call("agent", "GET", path, None, None).await;
            assert_eq!(s, want, "{path}: {v}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amounts_over_the_limit_or_in_another_currency_are_4xx_naming_the_rule() {
    // Regressions: a buyer's key placed and paid 92233720368547758.07 USD; refund_partial
    // "1.000" BHD refunded 10.00 on a USD order; a 5 JPY offer was recorded as 0.05.
    for api in apis().await {
        let huge = json!({"command": "place", "buyer": "b-1", "seller": "s-1", "price": "92233720368547758.07",
                          "currency": "USD", "promised_days": 20});
        let (s, v) = api.command("buyer", "o-huge", "h1", huge).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["rule"], "amount_limit");
        assert!(v["detail"].as_str().unwrap().contains("price"), "{v}");
        let (s, _, _) = api
            .call("admin", "GET", "/v1/orders/o-huge", None, None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "nothing was placed");

        let steps = [
            ("platform", place("b-1")),
            ("platform", pay()),
            (
                "seller",
                json!({"command": "ship", "tracking": "RB123456785GB"}),
            ),
            ("platform", json!({"command": "deliver"})),
            (
                "buyer",
                json!({"command": "open_dispute", "reason": "damaged"}),
            ),
        ];
        for (i, (who, body)) in steps.into_iter().enumerate() {
            let (s, v) = api.command(who, "o-1", &format!("s{i}"), body).await;
            assert_eq!(s, StatusCode::OK, "step {i}: {v}");
        }
        let (s, v) = api
            .command(
                "seller",
                "o-1",
                "offer",
                json!({"command": "respond_to_dispute", "response": "partial",
                     "amount": "5", "currency": "JPY"}),
            )
            .await;
        assert_eq!(
            (s, v["rule"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("currency")),
            "{v}"
        );
        let (s, v) = api
            .command(
                "seller",
                "o-1",
                "reject",
                json!({"command": "respond_to_dispute", "response": "reject",
                     "evidence": [{"type": "text", "text": "packed whole"}]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        api.advance_days(4);
        let (s, v) = api
            .command("buyer", "o-1", "esc", json!({"command": "escalate"}))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = api
            .command(
                "agent",
                "o-1",
                "bhd",
                json!({"command": "decide_dispute", "outcome": "refund_partial",
                     "amount": "1.000", "currency": "BHD"}),
            )
            .await;
        assert_eq!(
            (s, v["rule"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("currency")),
            "{v}"
        );
        let (s, v, _) = api.call("admin", "GET", "/v1/orders/o-1", None, None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["status"], "disputed", "{v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misspelt_command_fields_are_refused_and_nothing_is_placed() {
    // Regression: `"destinaton_country":"BR"` answered `placed`, with the defaults.
    for api in apis().await {
        let mut body = place("b-1");
        body["destinaton_country"] = json!("BR");
        let (s, v) = api.command("platform", "o-typo", "t1", body).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        let detail = v["detail"].as_str().unwrap();
        assert!(
            detail.contains("destinaton_country")
                && detail.contains("did you mean `destination_country`?"),
            "{detail}"
        );
        let (s, _, _) = api
            .call("admin", "GET", "/v1/orders/o-typo", None, None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "nothing was placed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_in_another_charset_than_utf8_are_refused() {
    // Regression: `charset=utf-16` bodies were accepted (and read as UTF-8).
    for api in apis().await {
        for (ctype, want) in [
            (
                "application/json; charset=utf-16",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            (
                "application/json; Charset=\"UTF-16LE\"",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            ("application/json; charset=UTF-8", StatusCode::OK),
            ("application/json", StatusCode::OK),
        ] {
            let req = Request::builder()
                .method("POST")
                .uri("/v1/scan/link")
                .header("authorization", format!("Bearer {}", api.keys["agent"]))
                .header("idempotency-key", "c1")
                .header("content-type", ctype)
                .body(Body::from(json!({"url": "x.com"}).to_string()))
                .unwrap();
            let res = api.router.clone().oneshot(req).await.unwrap();
            assert_eq!(res.status(), want, "{ctype}");
        }
    }
}

/// The text of `/metrics`.
async fn metrics_text(api: &Api) -> String {
    let res = api
        .router
        .clone()
        .oneshot(
            Request::builder()
                .uri("/metrics")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escalated_dispute_shows_its_agent_deadline_and_is_surfaced_overdue() {
    // Regression: escalated disputes had no deadline, nothing showed one waiting for
    // months.
    for api in apis().await {
        let steps = [
            ("platform", place("b-1")),
            ("platform", pay()),
            ("seller", json!({"command": "ship", "tracking": "LP1"})),
            ("platform", json!({"command": "deliver"})),
            (
                "buyer",
                json!({"command": "open_dispute", "reason": "damaged"}),
            ),
            (
                "seller",
                json!({"command": "respond_to_dispute", "response": "reject",
                       "evidence": [{"type": "text", "text": "it left intact"}]}),
            ),
        ];
        for (i, (who, body)) in steps.into_iter().enumerate() {
            let (s, v) = api.command(who, "o-1", &format!("s{i}"), body).await;
            assert_eq!(s, StatusCode::OK, "step {i}: {v}");
        }
        api.advance_days(3);
        let (s, v) = api
            .command("buyer", "o-1", "esc", json!({"command": "escalate"}))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let due = api.clock.now().plus_days(10).rfc3339();
        let (_, o, _) = api.call("buyer", "GET", "/v1/orders/o-1", None, None).await;
        assert_eq!(o["dispute"]["stage"], "escalated", "{o}");
        assert_eq!(o["dispute"]["agent_deadline"], due.as_str());
        assert_eq!(o["dispute"]["overdue"], false);
        assert!(o["deadlines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["name"] == "agent_decision" && d["at"] == due.as_str()));
        assert!(metrics_text(&api)
            .await
            .contains("marketguard_disputes_overdue 0\n"));

        api.advance_days(11);
        let (_, o, _) = api.call("agent", "GET", "/v1/orders/o-1", None, None).await;
        assert_eq!(o["dispute"]["overdue"], true, "{o}");
        let text = metrics_text(&api).await;
        assert!(text.contains("marketguard_disputes_overdue 1\n"), "{text}");
        // An agent's decision takes it off the count.
        let (s, v) = api
            .command(
                "agent",
                "o-1",
                "dec",
                json!({"command": "decide_dispute", "outcome": "rejected"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (_, o, _) = api.call("agent", "GET", "/v1/orders/o-1", None, None).await;
        assert_eq!(
            (
                o["dispute"]["stage"].as_str(),
                o["dispute"]["overdue"].as_bool()
            ),
            (Some("closed"), Some(false))
        );
        assert!(metrics_text(&api)
            .await
            .contains("marketguard_disputes_overdue 0\n"));
        let (_, doc, _) = api.call("", "GET", "/openapi.json", None, None).await;
        let props = &doc["components"]["schemas"]["DisputeView"]["properties"];
        assert!(
            props["overdue"].is_object() && props["agent_deadline"].is_object(),
            "{props}"
        );
    }
}

/// Carrier events: from the platform's carrier feed (platform and admin keys act as
/// the carrier) or an agent, never a seller's or buyer's key; strict fields; the
/// tracking number must be the shipment's; recorded during a dispute.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carrier_events_through_the_api() {
    let scan = |event: &str, tracking: &str| json!({"command": "carrier_event", "event": event, "tracking": tracking, "country": "DE", "location": "Leipzig hub"});
    const TRACKING: &str = "LP00000000000555";
    for api in apis().await {
        for (who, body, i) in [
            ("platform", place("b-1")),
            ("platform", pay()),
            ("seller", json!({"command": "ship", "tracking": TRACKING})),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, (who, body))| (who, body, i))
        {
            let (s, v) = api.command(who, "c-1", &format!("setup-{i}"), body).await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        for (i, (who, body, status, rule)) in [
            (
                "seller",
                scan("in_transit", TRACKING),
                StatusCode::FORBIDDEN,
                Some("permission"),
            ),
            (
                "buyer",
                scan("delivered", TRACKING),
                StatusCode::FORBIDDEN,
                Some("permission"),
            ),
            ("platform", scan("accepted", TRACKING), StatusCode::OK, None),
            ("agent", scan("in_transit", TRACKING), StatusCode::OK, None),
            ("admin", scan("customs", TRACKING), StatusCode::OK, None),
            (
                "platform",
                scan("delivered", "LP00000000000556"),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("tracking"),
            ),
            (
                "platform",
                scan("lost", TRACKING),
                StatusCode::BAD_REQUEST,
                None,
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let (s, v) = api
                .command(who, "c-1", &format!("scan-{i}"), body.clone())
                .await;
            assert_eq!(s, status, "{who} {body}: {v}");
            if let Some(rule) = rule {
                // Forbidden answers name the rule in the detail.
                let named = v["rule"] == rule
                    || v["detail"]
                        .as_str()
                        .is_some_and(|d| d.starts_with(&format!("rule {rule}:")));
                assert!(named, "{who} {body}: {v}");
            }
        }
        // A misspelt field is refused, naming the right one.
        let mut misspelt = scan("in_transit", TRACKING);
        misspelt["locaton"] = misspelt["location"].take();
        misspelt.as_object_mut().unwrap().remove("location");
        let (s, v) = api.command("platform", "c-1", "misspelt", misspelt).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        assert!(v["detail"].as_str().unwrap().contains("`location`"), "{v}");
        // The buyer disputes after the promised date; the carrier's delivery is then
        // recorded, and the dispute stays open.
        api.advance_days(22);
        let (s, v) = api
            .command(
                "buyer",
                "c-1",
                "dispute",
                json!({"command": "open_dispute", "reason": "not_received"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = api
            .command("platform", "c-1", "delivered", scan("delivered", TRACKING))
            .await;
        assert_eq!(
            (s, v["status"].as_str()),
            (StatusCode::OK, Some("disputed")),
            "{v}"
        );
        let (_, o, _) = api.call("buyer", "GET", "/v1/orders/c-1", None, None).await;
        let scans: Vec<(&str, &str)> = o["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event"] == "carrier_scanned")
            .map(|e| {
                (
                    e["actor"].as_str().unwrap(),
                    e["detail"]["kind"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            scans,
            [
                ("carrier", "accepted"),
                ("agent", "in_transit"),
                ("carrier", "customs"),
                ("carrier", "delivered")
            ]
        );
        assert!(o["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "evidence_added"
                && e["detail"]
                    .to_string()
                    .contains("carrier event delivered in DE (Leipzig hub)")));
    }
}

#[test]
fn openapi_documents_the_carrier_event_command() {
    use utoipa::OpenApi;
    let doc = serde_json::to_value(server::ApiDoc::openapi()).unwrap();
    let variants = doc["components"]["schemas"]["CommandDto"]["oneOf"]
        .as_array()
        .unwrap();
    let carrier = variants
        .iter()
        .find(|v| v["properties"]["command"]["enum"][0] == "carrier_event")
        .expect("carrier_event is documented");
    let mut fields: Vec<String> = carrier["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "command",
            "country",
            "event",
            "location",
            "scanned_at",
            "tracking"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_order_view_shows_a_refund_after_release_and_no_payout() {
    // Regression: an order refunded in full by its seller after release read
    // "refunded": "0.00" and still listed a payout deadline.
    for api in apis().await {
        let text = json!([{"type": "text", "text": "the colour is wrong"}]);
        for (step, (who, command)) in [
            ("platform", place("b-1")),
            ("platform", pay()),
            ("seller", json!({"command": "ship", "tracking": "LP1"})),
            ("platform", json!({"command": "deliver"})),
            ("buyer", json!({"command": "confirm_receipt"})),
            (
                "buyer",
                json!({"command": "open_dispute", "reason": "not_as_described", "evidence": text}),
            ),
            (
                "seller",
                json!({"command": "respond_to_dispute", "response": "accept"}),
            ),
        ]
        .into_iter()
        .enumerate()
        {
            api.advance_days(1);
            let (s, v) = api.command(who, "o-r", &format!("r{step}"), command).await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        let (s, v, _) = api.call("buyer", "GET", "/v1/orders/o-r", None, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let figures = [
            "released",
            "refunded",
            "refunded_from_escrow",
            "refunded_from_seller",
            "refunded_from_guarantee_fund",
            "taken_back_from_seller",
        ]
        .map(|k| v[k].as_str().unwrap_or("missing").to_string());
        assert_eq!(
            figures,
            ["10.50", "10.50", "0.00", "10.50", "0.00", "10.50"],
            "{v}"
        );
        let deadlines: Vec<&str> = v["deadlines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap())
            .collect();
        assert!(!deadlines.contains(&"payout"), "{deadlines:?}");
        let (_, doc, _) = api.call("admin", "GET", "/openapi.json", None, None).await;
        let view = &doc["components"]["schemas"]["OrderView"]["properties"];
        for k in [
            "refunded_from_escrow",
            "refunded_from_seller",
            "refunded_from_guarantee_fund",
        ] {
            assert!(view.get(k).is_some(), "{k} not documented: {view}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_key_is_refused_at_once() {
    for (store, _g) in store::testing::stores().await.unwrap() {
        let key = create_key(&store, &Role::Agent, Timestamp::from_unix_ms(0))
            .await
            .unwrap();
        let clock = Arc::new(TestClock(Mutex::new(1_790_000_000_000)));
        let router = app(AppState::new(
            Engine::new(store.clone(), Policy::default()),
            clock,
        ));
        let list = || {
            Request::get("/v1/orders")
                .header("authorization", format!("Bearer {key}"))
                .body(Body::empty())
                .unwrap()
        };
        let res = router.clone().oneshot(list()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let id = key.split('_').nth(1).unwrap();
        let revoked = store
            .revoke_api_key(id, Timestamp::from_unix_ms(1_790_000_000_000))
            .await
            .unwrap()
            .expect("the key exists");
        assert_eq!(revoked.revoked_ms, Some(1_790_000_000_000));
        // Regression: keys were trusted from a cache for 10 seconds after a read, so
        // a revoked key kept working.
        let res = router.clone().oneshot(list()).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
}
