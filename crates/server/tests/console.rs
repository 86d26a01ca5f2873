//! The console through `app().oneshot`: sign-in opens an HttpOnly SameSite session,
//! pages need it, and a decision needs the session's CSRF token.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use domain::{Clock, SystemClock, Timestamp};
use engine::Engine;
use http_body_util::BodyExt;
use protection::Policy;
use serde_json::json;
use server::{app, create_key, AppState, Role};
use tower::ServiceExt;

async fn send(
    router: &axum::Router,
    req: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body =
        String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    (status, headers, body)
}

fn form(path: &str, cookie: Option<&str>, body: String) -> Request<Body> {
    let mut r =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    r.body(Body::from(body)).unwrap()
}

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut r = Request::get(path);
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    r.body(Body::empty()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_then_decide_an_escalated_dispute_with_csrf() {
    for (store, _g) in store::testing::stores().await.unwrap() {
        let agent = create_key(&store, &Role::Agent, Timestamp::from_unix_ms(0))
            .await
            .unwrap();
        let buyer = create_key(
            &store,
            &Role::parse("buyer:b-1").unwrap(),
            Timestamp::from_unix_ms(0),
        )
        .await
        .unwrap();
        let router = app(AppState::new(
            Engine::new(store.clone(), Policy::default()),
            Arc::new(SystemClock),
        ));

        // An escalated dispute, driven through the engine at times in the past (the
        // console runs on the real clock, and escalation waits 3 days).
        let engine = Engine::new(store.clone(), Policy::default());
        let now = SystemClock.now();
        // c-1 escalated two days ago; c-2 the same 20 days earlier, so its agent
        // deadline (10 days) has passed: overdue (the test runs no timers).
        for (order, shift) in [("c-1", 0), ("c-2", -20)] {
            let days = |d: i64| now.plus_days(d - 10 + shift);
            for (actor, body, at) in [
                (
                    "platform",
                    json!({"command": "place", "buyer": "b-1", "seller": "s-1", "price": "30.00", "currency": "EUR", "promised_days": 20}),
                    days(0),
                ),
                (
                    "platform",
                    json!({"command": "pay", "amount": "30.00", "currency": "EUR", "three_ds": "authenticated"}),
                    days(0),
                ),
                (
                    "seller:s-1",
                    json!({"command": "ship", "tracking": "LP1"}),
                    days(1),
                ),
                ("carrier", json!({"command": "deliver"}), days(3)),
                (
                    "buyer:b-1",
                    json!({"command": "open_dispute", "reason": "damaged"}),
                    days(4),
                ),
                ("buyer:b-1", json!({"command": "escalate"}), days(8)),
            ] {
                let dto: server::dto::CommandDto = serde_json::from_value(body).unwrap();
                engine
                    .execute(&engine::Request {
                        idempotency_key: None,
                        order: domain::OrderId::parse(order).unwrap(),
                        actor: protection::Actor::parse(actor).unwrap(),
                        command: dto.into_command().unwrap(),
                        at,
                    })
                    .await
                    .unwrap();
            }
        }

        // No session: to the sign-in page.
        let (s, h, _) = send(&router, get("/console", None)).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(h[header::LOCATION], "/console/login");
        // A buyer's key or a wrong key does not open the console.
        for key in [
            buyer.as_str(),
            "mgk_0000000000000000_000000000000000000000000000000000000000000000000",
        ] {
            let (s, h, _) = send(&router, form("/console/login", None, format!("key={key}"))).await;
            assert_eq!(
                (s, h[header::LOCATION].to_str().unwrap()),
                (StatusCode::SEE_OTHER, "/console/login?error=1")
            );
            assert!(h.get(header::SET_COOKIE).is_none());
        }
        let (s, h, _) = send(
            &router,
            form("/console/login", None, format!("key={agent}")),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let set = h[header::SET_COOKIE].to_str().unwrap().to_string();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict"),
            "{set}"
        );
        assert!(!set.contains("Secure"), "plain HTTP on loopback: {set}");
        let cookie = set.split(';').next().unwrap().to_string();
        // Behind a TLS proxy that says so, the session cookie is Secure.
        let mut behind = form("/console/login", None, format!("key={agent}"));
        behind
            .headers_mut()
            .insert("x-forwarded-proto", "https".parse().unwrap());
        let (_, h, _) = send(&router, behind).await;
        let secure = h[header::SET_COOKIE].to_str().unwrap();
        assert!(secure.contains("; Secure"), "{secure}");
        // Regression: console pages came without a content security policy or framing
        // rules.
        let (_, h, _) = send(&router, get("/console/login", None)).await;
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"),
            "{csp}"
        );
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");

        let (s, _, html) = send(&router, get("/console", Some(&cookie))).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("held in escrow") && html.contains("c-1"),
            "dashboard"
        );
        // Regression: escalated disputes had no agent deadline, and nothing showed
        // one waiting past it.
        let overdue_card = "<div class=\"n\"><a href=\"/console/disputes\">1</a></div><div class=\"l\">escalated disputes overdue";
        assert!(html.contains(overdue_card), "dashboard: {html}");
        let (s, _, html) = send(&router, get("/console/disputes", Some(&cookie))).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("escalated") && html.contains("Agent deadline"));
        // The overdue one comes first.
        assert!(
            html.find("c-2").unwrap() < html.find("c-1").unwrap(),
            "{html}"
        );
        assert!(html.contains("overdue"));
        let (s, _, html) = send(&router, get("/console/orders/c-2", Some(&cookie))).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("Agent deadline") && html.contains("overdue"),
            "{html}"
        );
        let (s, _, html) = send(&router, get("/console/orders/c-1", Some(&cookie))).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("dispute opened") && html.contains("Decide"));
        assert!(
            html.contains("Agent deadline") && !html.contains("overdue"),
            "{html}"
        );
        let (s, _, seller_html) = send(&router, get("/console/sellers/s-1", Some(&cookie))).await;
        assert_eq!(s, StatusCode::OK);
        assert!(seller_html.contains("Feedback by stars") && seller_html.contains("<svg"));
        assert!(seller_html.contains("Review report card"));
        let csrf = html
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();

        // Without the CSRF token nothing happens.
        let (s, _, _) = send(
            &router,
            form(
                "/console/orders/c-1/decide",
                Some(&cookie),
                "csrf=forged&outcome=refund_full".into(),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (o, _) = engine
            .order(&domain::OrderId::parse("c-1").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(o.status.as_str(), "disputed");
        let (s, _, _) = send(
            &router,
            form(
                "/console/orders/c-1/decide",
                Some(&cookie),
                format!("csrf={csrf}&outcome=refund_partial&amount=12.50"),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (o, log) = engine
            .order(&domain::OrderId::parse("c-1").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(o.status.as_str(), "resolved");
        assert_eq!(o.refunded_minor, 1250);
        assert!(log
            .iter()
            .any(|r| r.actor.to_string().starts_with("agent:")));

        // Signing out ends the session.
        let (s, _, _) = send(
            &router,
            form("/console/logout", Some(&cookie), format!("csrf={csrf}")),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (s, _, _) = send(&router, get("/console", Some(&cookie))).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_queue_highlights_the_words_and_takes_a_label() {
    for (store, _g) in store::testing::stores().await.unwrap() {
        let agent = create_key(&store, &Role::Agent, Timestamp::from_unix_ms(0))
            .await
            .unwrap();
        let router = app(AppState::new(
            Engine::new(store.clone(), Policy::default()),
            Arc::new(SystemClock),
        ));
        let engine = Engine::new(store.clone(), Policy::default());
        let now = SystemClock.now();
        let text = "Ｗｈａｔｓａｐｐ me <b>now</b>: pay by western union for 10% off";
        for (actor, body) in [
            (
                "platform",
                json!({"command": "place", "buyer": "b-1", "seller": "s-1", "price": "30.00", "currency": "EUR", "promised_days": 20}),
            ),
            (
                "platform",
                json!({"command": "pay", "amount": "30.00", "currency": "EUR", "three_ds": "authenticated"}),
            ),
            (
                "seller:s-1",
                json!({"command": "post_message", "id": "m1", "text": text}),
            ),
        ] {
            let dto: server::dto::CommandDto = serde_json::from_value(body).unwrap();
            engine
                .execute(&engine::Request {
                    idempotency_key: None,
                    order: domain::OrderId::parse("k-1").unwrap(),
                    actor: protection::Actor::parse(actor).unwrap(),
                    command: dto.into_command().unwrap(),
                    at: now,
                })
                .await
                .unwrap();
        }
        let (_, h, _) = send(
            &router,
            form("/console/login", None, format!("key={agent}")),
        )
        .await;
        let cookie = h[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let (s, _, html) = send(&router, get("/console/cases", Some(&cookie))).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("k-1:m1") && html.contains("offsite payment"),
            "{html}"
        );
        let (s, _, html) = send(&router, get("/console/cases/k-1:m1", Some(&cookie))).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("<mark class=\"offsite_payment\"")
                && html.contains(">western union</mark>"),
            "{html}"
        );
        assert!(
            html.contains(">Ｗｈａｔｓａｐｐ</mark>"),
            "spans point into the original text"
        );
        assert!(
            html.contains("&lt;b&gt;now&lt;/b&gt;") && !html.contains("<b>now</b>"),
            "message text is escaped"
        );
        let (_, _, order_html) = send(&router, get("/console/orders/k-1", Some(&cookie))).await;
        assert!(order_html.contains("Messages") && order_html.contains("held"));
        let csrf = html
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let (s, _, _) = send(
            &router,
            form(
                "/console/cases/k-1:m1/label",
                Some(&cookie),
                "csrf=forged&label=scam".into(),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, h, _) = send(
            &router,
            form(
                "/console/cases/k-1:m1/label",
                Some(&cookie),
                format!("csrf={csrf}&label=not_scam&note=a+test"),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(h[header::LOCATION], "/console/cases");
        let case = store.case("k-1:m1").await.unwrap().unwrap();
        assert_eq!(case.label.as_deref(), Some("not_scam"));
        let (_, _, html) = send(&router, get("/console/cases?status=closed", Some(&cookie))).await;
        assert!(html.contains("not scam") && html.contains("labelled false alarm"));

        // The playground scans without storing anything.
        let (s, _, html) = send(
            &router,
            get("/console/scan?text=add+me+on+telegram+%40shop_deals88&sender=seller&url=paypa1.com", Some(&cookie)),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("<mark class=\"offsite_contact\"") && html.contains("poses as"),
            "{html}"
        );
    }
}

/// Runs `(order, actor, command JSON, at)` through the engine, each accepted.
async fn run_all(engine: &Engine, steps: &[(&str, &str, serde_json::Value, Timestamp)]) {
    for (order, actor, body, at) in steps {
        let dto: server::dto::CommandDto = serde_json::from_value(body.clone()).unwrap();
        engine
            .execute(&engine::Request {
                idempotency_key: None,
                order: domain::OrderId::parse(order).unwrap(),
                actor: protection::Actor::parse(actor).unwrap(),
                command: dto.into_command().unwrap(),
                at: *at,
            })
            .await
            .unwrap_or_else(|e| panic!("{order} {body}: {e}"));
    }
}

/// Signs in with `key` and returns the session cookie.
async fn sign_in(router: &axum::Router, key: &str) -> String {
    let (_, h, _) = send(router, form("/console/login", None, format!("key={key}"))).await;
    h[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

/// The part of `html` from `start` to the next `end`.
fn section<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in {html}"));
    let rest = &html[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispute_page_shows_the_evidence_and_the_deadlines_as_they_stand() {
    for (store, _g) in store::testing::stores().await.unwrap() {
        let agent = create_key(&store, &Role::Agent, Timestamp::from_unix_ms(0))
            .await
            .unwrap();
        let admin = create_key(&store, &Role::Admin, Timestamp::from_unix_ms(0))
            .await
            .unwrap();
        let engine = Engine::new(store.clone(), Policy::default());
        let router = app(AppState::new(engine.clone(), Arc::new(SystemClock)));
        let now = SystemClock.now();
        let ago = |days: i64| now.plus_ms(-days * domain::MS_PER_DAY);
        let photo = "ab".repeat(32);
        let place = json!({"command": "place", "buyer": "b-1", "seller": "s-1", "price": "30.00", "currency": "EUR", "promised_days": 20});
        let pay = json!({"command": "pay", "amount": "30.00", "currency": "EUR", "three_ds": "authenticated"});
        run_all(
            &engine,
            &[
                ("e-1", "platform", place.clone(), ago(10)),
                ("e-1", "platform", pay.clone(), ago(10)),
                ("e-1", "seller:s-1", json!({"command": "ship", "tracking": "LP00112233"}), ago(9)),
                ("e-1", "carrier", json!({"command": "deliver"}), ago(8)),
                ("e-1", "buyer:b-1", json!({"command": "post_message", "id": "m1", "text": "the box was empty when it arrived"}), ago(7)),
                ("e-1", "buyer:b-1", json!({"command": "open_dispute", "reason": "missing_parts", "evidence": [
                    {"type": "text", "text": "only <script>alert(1)</script> the cable came"},
                    {"type": "photo", "sha256": photo, "media_type": "image/jpeg"},
                    {"type": "message", "id": "m1"},
                ]}), ago(4)),
                ("e-1", "seller:s-1", json!({"command": "add_evidence", "evidence": [
                    {"type": "tracking", "number": "lp-0011 2233"},
                ]}), ago(3)),
                ("e-1", "buyer:b-1", json!({"command": "escalate"}), ago(1)),
                // Paid, not shipped: its handling deadline is due tomorrow and still acts.
                ("e-2", "platform", place.clone(), ago(6)),
                ("e-2", "platform", pay.clone(), ago(6)),
            ],
        )
        .await;
        let cookie = sign_in(&router, &agent).await;

        // Regression: the page said "3 pieces of evidence" and showed none of them.
        let (s, _, html) = send(&router, get("/console/orders/e-1", Some(&cookie))).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!html.contains("pieces of evidence"), "{html}");
        let evidence = section(&html, "<table class=\"evidence\"", "</table>");
        for shown in [
            "only &lt;script&gt;alert(1)&lt;/script&gt; the cable came",
            photo.as_str(),
            "image/jpeg",
            "LP00112233",
            "the box was empty when it arrived",
            "buyer:b-1",
            "seller:s-1",
        ] {
            assert!(
                evidence.contains(shown),
                "{shown:?} missing from {evidence}"
            );
        }
        assert!(!html.contains("<script>"), "evidence text is escaped");

        // Regression: "ship by ... passed" on an order shipped in time.
        let ship_by = section(&html, "<td>ship by</td>", "</tr>");
        assert!(
            !ship_by.contains("passed") && ship_by.contains("shipped"),
            "{ship_by}"
        );

        // Regression: the dashboard listed the seller's response as due on a dispute
        // already escalated (that deadline does nothing when it fires).
        let (_, _, dash) = send(&router, get("/console", Some(&cookie))).await;
        let due = section(&dash, "Deadlines due soon", "</table>");
        assert!(!due.contains("seller response due"), "{due}");
        assert!(!due.contains("e-1"), "{due}");
        assert!(
            due.contains("e-2") && due.contains("handling deadline"),
            "a deadline that still acts is listed: {due}"
        );

        // The agent decides; an admin key acts as the platform, which the rules do
        // not let decide: no form for it, and a post is refused before the rules.
        assert!(html.contains("/console/orders/e-1/decide"), "agent's form");
        let admin_cookie = sign_in(&router, &admin).await;
        let (s, _, admin_html) =
            send(&router, get("/console/orders/e-1", Some(&admin_cookie))).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            !admin_html.contains("/console/orders/e-1/decide"),
            "regression: an admin got a Decide form that always answered 422"
        );
        assert!(
            admin_html.contains("only agent keys decide"),
            "{admin_html}"
        );
        let csrf = admin_html
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let (s, _, body) = send(
            &router,
            form(
                "/console/orders/e-1/decide",
                Some(&admin_cookie),
                format!("csrf={csrf}&outcome=refund_full"),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
        let (o, _) = engine
            .order(&domain::OrderId::parse("e-1").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(o.status.as_str(), "disputed");
    }
}
