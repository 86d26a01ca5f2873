//! The trust-and-safety console: server-rendered pages that work without JavaScript.
//! Sign-in takes an API key and opens a session in an HttpOnly, SameSite=Strict cookie;
//! every form that changes something carries the session's CSRF token.

use axum::extract::{Form, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use domain::{Money, OrderId, Timestamp, MS_PER_DAY};
use maud::{html, Markup, DOCTYPE};
use protection::{Command, DecideAs, DisputeCommand, Order, Status, TimerKind};
use serde::Deserialize;

use crate::auth::{self, Role};
use crate::{may_read, AppState};

mod cases;
mod evidence;

const COOKIE: &str = "mg_session";
/// How long a console session lasts, in hours.
pub const SESSION_HOURS: i64 = 12;
/// Rows a console table shows at most.
pub const ROWS_MAX: i64 = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(dashboard))
        .route("/console/login", get(login_page).post(login))
        .route("/console/logout", post(logout))
        .route("/console/orders", get(orders))
        .route("/console/orders/{order_id}", get(order_page))
        .route("/console/orders/{order_id}/decide", post(decide))
        .route("/console/disputes", get(disputes))
        .route("/console/sellers/{seller_id}", get(seller_page))
        .route("/console/cases", get(cases::queue))
        .route("/console/cases/{case_id}", get(cases::case_page))
        .route("/console/cases/{case_id}/label", post(cases::label))
        .route("/console/scan", get(cases::playground))
        .layer(axum::middleware::map_response(security_headers))
}

/// What a browser may do with a console page: no scripts at all (the console has
/// none), styles only inline from the page itself, forms only to the console, and no
/// framing by another site (clickjacking).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

/// Whether the browser reached the console over TLS: the request's own scheme, or a
/// proxy in front that says so (`X-Forwarded-Proto: https`, `Forwarded: proto=https`).
fn over_tls(uri: &axum::http::Uri, headers: &HeaderMap) -> bool {
    let said = |name: header::HeaderName, pat: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.to_ascii_lowercase().replace(' ', "").contains(pat))
    };
    uri.scheme_str() == Some("https")
        || said(
            header::HeaderName::from_static("x-forwarded-proto"),
            "https",
        )
        || said(header::FORWARDED, "proto=https")
}

/// A signed-in console user.
pub struct User {
    key_id: String,
    role: Role,
    csrf: String,
    session_hash: String,
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("mg_session=").map(str::to_string))
}

/// Not signed in: to the sign-in page.
pub struct SignIn;

impl IntoResponse for SignIn {
    fn into_response(self) -> Response {
        Redirect::to("/console/login").into_response()
    }
}

impl FromRequestParts<AppState> for User {
    type Rejection = SignIn;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, SignIn> {
        let sid = session_cookie(&parts.headers).ok_or(SignIn)?;
        let hash = auth::sha256_hex(&sid);
        let (key_id, role, csrf) = state
            .engine
            .store()
            .session(&hash, state.clock.now())
            .await
            .ok()
            .flatten()
            .ok_or(SignIn)?;
        Ok(User {
            key_id,
            role: Role::parse(&role).map_err(|_| SignIn)?,
            csrf,
            session_hash: hash,
        })
    }
}

const STYLE: &str = r#"
:root{--ink:#1c2230;--muted:#5d6678;--line:#e3e6ee;--bg:#f6f7fa;--accent:#2f5bd3;--bad:#b3261e;--ok:#1b7a43;--warn:#9a6200}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);background:var(--bg)}
header{background:#fff;border-bottom:1px solid var(--line);padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:center;flex-wrap:wrap}
header b{font-size:1.05rem}header nav a{color:var(--muted);text-decoration:none;margin-right:1rem}header nav a:hover{color:var(--accent)}
header form{margin-left:auto}main{max-width:72rem;margin:1.5rem auto;padding:0 1rem}
h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.6rem 0 .6rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:1rem}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:1rem}.card .n{font-size:1.6rem;font-weight:600}.card .l{color:var(--muted);font-size:.85rem}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid var(--line);border-radius:8px;overflow:hidden}
th,td{text-align:left;padding:.5rem .75rem;border-bottom:1px solid var(--line);vertical-align:top}th{background:#fafbfd;font-weight:600;font-size:.85rem;color:var(--muted)}
tr:last-child td{border-bottom:0}td.num{text-align:right;font-variant-numeric:tabular-nums}a{color:var(--accent)}
.pill{display:inline-block;padding:.05rem .5rem;border-radius:99px;font-size:.8rem;background:#eef1f8}
.pill.disputed,.pill.cancelled{background:#fde8e6;color:var(--bad)}.pill.completed,.pill.resolved{background:#e3f4ea;color:var(--ok)}.pill.shipped,.pill.paid{background:#fff4dc;color:var(--warn)}
form.inline{display:inline}button,input,select{font:inherit;padding:.4rem .7rem;border:1px solid var(--line);border-radius:6px;background:#fff}
button{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer}button.quiet{background:#fff;color:var(--ink)}
.login{max-width:26rem;margin:12vh auto;background:#fff;border:1px solid var(--line);border-radius:10px;padding:1.6rem}
.login input{width:100%;margin:.4rem 0 1rem}
p.message{background:#fff;border:1px solid var(--line);border-radius:8px;padding:.8rem 1rem;white-space:pre-wrap;font-size:1.05rem}
mark{background:#ffe08a;border-radius:3px;padding:0 .1rem}mark.offsite_payment,mark.phishing_link,mark.credential_request,mark.sensitive_data_shared{background:#ffc9c4}
mark.offsite_contact,mark.platform_impersonation{background:#ffd9a8}mark.dispute_closure_pressure,mark.confirm_receipt_pressure,mark.urgency_pressure{background:#e9d5ff}
.pill.kind{background:#fff0e0;color:#8a4b00}.pill.verdict.block,.pill.verdict.review{background:#fde8e6;color:var(--bad)}.pill.verdict.warn{background:#fff4dc;color:var(--warn)}.pill.verdict.allow,.pill.open{background:#e3f4ea;color:var(--ok)}
.msg{margin-bottom:.6rem}table.evidence td.text{white-space:pre-wrap}h3{font-size:1rem;margin:1rem 0 .5rem}textarea{font:inherit;padding:.5rem;border:1px solid var(--line);border-radius:6px}.muted{color:var(--muted)}.err{color:var(--bad)}
@media (max-width:640px){th:nth-child(n+4),td:nth-child(n+4){display:none}}
"#;

fn page(title: &str, user: Option<&User>, body: Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · marketguard" }
                    style { (maud::PreEscaped(STYLE)) }
                }
                body {
                    @if let Some(u) = user {
                        header {
                            b { "marketguard" }
                            nav {
                                a href="/console" { "Dashboard" }
                                a href="/console/orders" { "Orders" }
                                a href="/console/disputes" { "Disputes" }
                                a href="/console/cases" { "Cases" }
                                a href="/console/scan" { "Scan" }
                            }
                            form.inline method="post" action="/console/logout" {
                                span.muted { (u.role.to_string()) " " }
                                input type="hidden" name="csrf" value=(u.csrf);
                                button.quiet type="submit" { "Sign out" }
                            }
                        }
                    }
                    main { (body) }
                }
            }
        }
        .into_string(),
    )
}

#[derive(Deserialize)]
pub struct LoginQuery {
    error: Option<String>,
}

async fn login_page(Query(q): Query<LoginQuery>) -> Html<String> {
    page(
        "Sign in",
        None,
        html! {
            div.login {
                h1 { "marketguard console" }
                p.muted { "Sign in with an API key (" code { "marketguard keys create --role agent" } ")." }
                @if q.error.is_some() { p.err { "That key was not accepted." } }
                form method="post" action="/console/login" {
                    label for="key" { "API key" }
                    input id="key" name="key" type="password" autocomplete="off" required;
                    button type="submit" { "Sign in" }
                }
            }
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    key: String,
}

fn random_hex() -> String {
    auth::new_key().secret_sha256
}

async fn login(
    State(state): State<AppState>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let refused = Redirect::to("/console/login?error=1").into_response();
    let Some((id, secret)) = auth::split_key(f.key.trim()) else {
        return refused;
    };
    let store = state.engine.store();
    let Ok(Some((hash, role))) = store.api_key(id).await else {
        return refused;
    };
    if !auth::same_hash(&auth::sha256_hex(secret), &hash)
        || !matches!(
            Role::parse(&role),
            Ok(Role::Admin | Role::Agent | Role::Platform)
        )
    {
        return refused;
    }
    let sid = random_hex();
    let expires = state.clock.now().plus_ms(SESSION_HOURS * 3_600_000);
    if let Err(e) = store
        .create_session(&auth::sha256_hex(&sid), id, &random_hex(), expires)
        .await
    {
        tracing::error!(error = %e, "cannot open a console session");
        return (StatusCode::INTERNAL_SERVER_ERROR, "the server failed").into_response();
    }
    let mut res = Redirect::to("/console").into_response();
    let cookie = format!(
        "{COOKIE}={sid}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_HOURS * 3600,
        if over_tls(&uri, &headers) {
            "; Secure"
        } else {
            ""
        }
    );
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).expect("hex cookie"),
    );
    res
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

fn csrf_ok(user: &User, token: &str) -> bool {
    auth::same_hash(&user.csrf, token)
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        "the form is stale: reload the page and try again",
    )
        .into_response()
}

async fn logout(State(state): State<AppState>, user: User, Form(f): Form<CsrfForm>) -> Response {
    if !csrf_ok(&user, &f.csrf) {
        return forbidden();
    }
    let _ = state.engine.store().end_session(&user.session_hash).await;
    let mut res = Redirect::to("/console/login").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "mg_session=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    res
}

fn money(minor: i64, code: &str) -> String {
    domain::Currency::parse(code)
        .ok()
        .and_then(|c| Money::from_minor(minor.max(0), c).ok())
        .map_or(minor.to_string(), |m| m.to_string())
}

fn when(ms: i64) -> String {
    let t = Timestamp::from_unix_ms(ms).rfc3339();
    t.replace('T', " ").trim_end_matches('Z').to_string()
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "console");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "the server failed; the error was logged",
    )
        .into_response()
}

async fn dashboard(State(state): State<AppState>, user: User) -> Response {
    let store = state.engine.store();
    let now = state.clock.now();
    let (held, due, disputed, counts, (open_cases, _, _), overdue) = match tokio::try_join!(
        store.escrow_held(),
        store.due_soon(now.plus_ms(2 * MS_PER_DAY), ROWS_MAX),
        store.orders_in_status("disputed", ROWS_MAX),
        store.order_counts(),
        store.case_counts(),
        store.overdue_disputes(now),
    ) {
        Ok(x) => x,
        Err(e) => return internal(e),
    };
    let due = match live_due(&state, due).await {
        Ok(d) => d,
        Err(e) => return internal(e),
    };
    page(
        "Dashboard",
        Some(&user),
        html! {
            h1 { "Dashboard" }
            div.cards {
                @for (cur, minor) in &held {
                    @match minor {
                        Some(minor) => div.card { div.n { (money(*minor, cur)) } div.l { "held in escrow" } },
                        None => div.card { div.n { (cur) " beyond a 64-bit amount" } div.l { "held in escrow: run ledger verify" } },
                    }
                }
                div.card { div.n { (disputed.len()) } div.l { "open disputes" } }
                div.card { div.n { a href="/console/disputes" { (overdue) } } div.l { "escalated disputes overdue" } }
                div.card { div.n { a href="/console/cases" { (open_cases) } } div.l { "open scam cases" } }
                div.card { div.n { (due.len()) } div.l { "deadlines in the next 48 hours" } }
                @for (status, n) in &counts {
                    div.card { div.n { (n) } div.l { "orders " (status) } }
                }
            }
            h2 { "Deadlines due soon" }
            @if due.is_empty() { p.muted { "Nothing due in the next 48 hours." } } @else {
                table {
                    tr { th { "Due" } th { "Order" } th { "Deadline" } }
                    @for t in &due {
                        tr {
                            td { (when(t.due_ms)) }
                            td { a href={ "/console/orders/" (t.order_id) } { (t.order_id) } }
                            td { (t.kind.replace('_', " ")) }
                        }
                    }
                }
            }
            h2 { "Open disputes" }
            (dispute_table(&state, &disputed).await)
        },
    )
    .into_response()
}

/// Deadlines the dashboard lists at most.
const DUE_SHOWN: usize = 20;

/// The deadlines that still act when they fire (`protection::deadline_acts`): a
/// seller's response is moot once the dispute is escalated, a handling deadline once
/// the order has shipped; those are left off.
async fn live_due(
    state: &AppState,
    due: Vec<store::DueTimer>,
) -> Result<Vec<store::DueTimer>, engine::EngineError> {
    let mut orders: std::collections::HashMap<String, Option<Order>> = Default::default();
    let mut out = Vec::new();
    for t in due {
        if out.len() == DUE_SHOWN {
            break;
        }
        if !orders.contains_key(&t.order_id) {
            let order = match OrderId::parse(&t.order_id) {
                Ok(id) => state.engine.order(&id).await?.map(|(o, _)| o),
                Err(_) => None,
            };
            orders.insert(t.order_id.clone(), order);
        }
        let at = Timestamp::from_unix_ms(t.due_ms);
        let acts = orders[&t.order_id]
            .as_ref()
            .zip(TimerKind::parse(&t.kind))
            .is_some_and(|(o, kind)| protection::deadline_acts(o, kind, at, state.engine.policy()));
        if acts {
            out.push(t);
        }
    }
    Ok(out)
}

async fn dispute_table(state: &AppState, rows: &[(String, i64)]) -> Markup {
    let mut items = Vec::new();
    for (id, updated) in rows {
        let Ok(oid) = OrderId::parse(id) else {
            continue;
        };
        if let Ok(Some((o, _))) = state.engine.order(&oid).await {
            items.push((o, *updated));
        }
    }
    // Overdue first, then the other escalated ones: those wait for an agent.
    let now = state.clock.now();
    items.sort_by_key(|(o, u)| {
        let d = o.dispute.as_ref();
        (
            !d.is_some_and(|d| d.overdue_at(now)),
            !d.is_some_and(|d| d.escalated),
            *u,
        )
    });
    html! {
        @if items.is_empty() { p.muted { "No open disputes." } } @else {
            table {
                tr { th { "Order" } th { "Reason" } th { "Stage" } th { "Agent deadline" } th { "Amount" } th { "Since" } }
                @for (o, updated) in &items {
                    @let d = o.dispute.as_ref();
                    tr {
                        td { a href={ "/console/orders/" (o.id) } { (o.id) } }
                        td { (d.map_or("", |d| d.reason.as_str()).replace('_', " ")) }
                        td {
                            @if d.is_some_and(|d| d.overdue_at(now)) { span.pill.disputed { "overdue" } " " }
                            @if d.is_some_and(|d| d.escalated) { span.pill.disputed { "escalated" } } @else { (stage_name(o)) }
                        }
                        td { @if let Some(t) = d.and_then(|d| d.agent_due) { (when(t.unix_ms())) } }
                        td.num { (o.total()) }
                        td { (when(*updated)) }
                    }
                }
            }
        }
    }
}

fn stage_name(o: &Order) -> &'static str {
    match o.dispute.as_ref().map(|d| &d.stage) {
        Some(protection::Stage::AwaitingSeller { .. }) => "awaiting the seller",
        Some(protection::Stage::AwaitingBuyer { .. }) => "awaiting the buyer",
        Some(protection::Stage::Escalated) => "with the platform",
        Some(protection::Stage::Return { .. }) => "return under way",
        Some(protection::Stage::Closed(_)) => "closed",
        None => "",
    }
}

#[derive(Deserialize)]
pub struct Page {
    cursor: Option<String>,
}

async fn orders(State(state): State<AppState>, user: User, Query(p): Query<Page>) -> Response {
    let after = p.cursor.as_deref().and_then(|c| {
        let (ms, id) = c.split_once('.')?;
        Some((ms.parse::<i64>().ok()?, id.to_string()))
    });
    let rows = match state
        .engine
        .store()
        .list_orders(&store::OrderFilter::default(), after, 50)
        .await
    {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    let next = (rows.len() == 50)
        .then(|| rows.last().map(|(id, _, ms)| format!("{ms}.{id}")))
        .flatten();
    page(
        "Orders",
        Some(&user),
        html! {
            h1 { "Orders" }
            table {
                tr { th { "Order" } th { "Status" } th { "Placed" } }
                @for (id, status, ms) in &rows {
                    tr {
                        td { a href={ "/console/orders/" (id) } { (id) } }
                        td { span class={ "pill " (status) } { (status) } }
                        td { (when(*ms)) }
                    }
                }
            }
            @if let Some(c) = next { p { a href={ "/console/orders?cursor=" (c) } { "Older orders →" } } }
        },
    )
    .into_response()
}

async fn order_page(
    State(state): State<AppState>,
    user: User,
    Path(order_id): Path<String>,
) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "no such order").into_response();
    let Ok(id) = OrderId::parse(&order_id) else {
        return not_found();
    };
    let (o, log) = match state.engine.order(&id).await {
        Ok(Some(x)) => x,
        Ok(None) => return not_found(),
        Err(e) => return internal(e),
    };
    if !may_read(&user.role, &o) {
        return not_found();
    }
    let c = o.currency.code();
    let deadlines = [
        ("ship by", o.ship_by),
        ("promised delivery", o.promised_at),
        ("protection ends", o.protection_ends_at),
        ("guarantee refund", o.guarantee_at),
        ("payout", o.payout_due_at()),
        (
            "agent decision",
            o.dispute.as_ref().and_then(|d| d.agent_due),
        ),
    ];
    let now = state.clock.now();
    // Only agents decide: an admin or platform key acts as the platform, which the
    // rules (and so the API) do not let decide a dispute.
    let awaits_decision =
        o.status == Status::Disputed && o.dispute.as_ref().is_some_and(|d| d.escalated);
    let can_decide = awaits_decision && user.role == Role::Agent;
    page(
        &format!("Order {}", o.id),
        Some(&user),
        html! {
            h1 { "Order " (o.id) " " span class={ "pill " (o.status.as_str()) } { (o.status.as_str()) } }
            p.muted { "Buyer " (o.buyer) " · seller " a href={ "/console/sellers/" (o.seller) } { (o.seller) } " · total " (o.total()) }
            div.cards {
                div.card { div.n { (money(o.held_minor(), c)) } div.l { "held in escrow" } }
                div.card { div.n { (money(o.released_minor - o.clawed_back_minor, c)) } div.l { "to the seller" } }
                div.card { div.n { (money(o.refunded_minor + o.clawed_back_minor + o.guarantee_minor, c)) } div.l { "refunded to the buyer" } }
                div.card { div.n { (money(o.compensated_minor, c)) } div.l { "on-time compensation" } }
            }
            @if let Some(d) = &o.dispute {
                h2 { "Dispute" }
                p { "Reason: " b { (d.reason.as_str().replace('_', " ")) } " · " (stage_name(&o)) " · asked " (money(d.requested_minor, c)) }
                @if let Some(due) = d.agent_due {
                    p {
                        "Agent deadline: " (when(due.unix_ms()))
                        @if d.overdue_at(now) { " " span.pill.disputed { "overdue" } }
                        @if d.overdue { " · the deadline passed with no decision (recorded)" }
                    }
                }
                (evidence::section(&o, &log, &user.role))
                @if awaits_decision && !can_decide {
                    p.muted { "Waiting for an agent's decision: only agent keys decide disputes (an " (user.role.to_string()) " key acts as the platform)." }
                }
                @if can_decide {
                    form method="post" action={ "/console/orders/" (o.id) "/decide" } {
                        input type="hidden" name="csrf" value=(user.csrf);
                        label for="outcome" { "Decision " }
                        select id="outcome" name="outcome" {
                            option value="refund_full" { "Refund in full" }
                            option value="refund_partial" { "Refund part" }
                            option value="return_and_refund" { "Return and refund" }
                            option value="rejected" { "Reject (seller keeps the money)" }
                        }
                        " "
                        input name="amount" placeholder={ "amount in " (c) " (partial only)" } inputmode="decimal";
                        " "
                        button type="submit" { "Decide" }
                    }
                }
            }
            (cases::messages_section(&log, &user.role))
            h2 { "Deadlines" }
            table {
                @for (name, t) in deadlines {
                    @if let Some(t) = t {
                        tr { td { (name) } td { (when(t.unix_ms())) } td { span.muted { (deadline_note(&o, name, t, state.clock.now())) } } }
                    }
                }
            }
            h2 { "Timeline" }
            table {
                tr { th { "#" } th { "When" } th { "What" } th { "Who" } }
                @for r in &log {
                    tr { td.num { (r.seq) } td { (when(r.at.unix_ms())) } td { (r.event.name().replace('_', " ")) } td { (r.actor.to_string()) } }
                }
            }
        },
    )
    .into_response()
}

/// What became of an order's deadline: met (shipped, delivered, with the date), passed,
/// or nothing while it is ahead.
fn deadline_note(o: &Order, name: &str, t: Timestamp, now: Timestamp) -> String {
    let met = |verb: &str, at: Timestamp| {
        let late = if at > t { " (late)" } else { "" };
        format!("{verb} {}{late}", when(at.unix_ms()))
    };
    match (name, o.shipped_at, o.delivered_at) {
        ("ship by", Some(s), _) => met("shipped", s),
        ("promised delivery" | "guarantee refund", _, Some(d)) => met("delivered", d),
        _ if t <= now => "passed".to_string(),
        _ => String::new(),
    }
}

#[derive(Deserialize)]
pub struct DecideForm {
    csrf: String,
    outcome: String,
    amount: Option<String>,
}

async fn decide(
    State(state): State<AppState>,
    user: User,
    Path(order_id): Path<String>,
    Form(f): Form<DecideForm>,
) -> Response {
    if !csrf_ok(&user, &f.csrf) {
        return forbidden();
    }
    if user.role != Role::Agent {
        return (
            StatusCode::FORBIDDEN,
            "only agent keys decide disputes: an admin or platform key acts as the platform",
        )
            .into_response();
    }
    let Ok(id) = OrderId::parse(&order_id) else {
        return (StatusCode::NOT_FOUND, "no such order").into_response();
    };
    let order = match state.engine.order(&id).await {
        Ok(Some((o, _))) => o,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such order").into_response(),
        Err(e) => return internal(e),
    };
    let outcome = match f.outcome.as_str() {
        "refund_full" => DecideAs::RefundFull,
        "return_and_refund" => DecideAs::ReturnAndRefund,
        "rejected" => DecideAs::Rejected,
        "refund_partial" => match f.amount.as_deref().map(|a| Money::parse(a, order.currency)) {
            Some(Ok(m)) => DecideAs::RefundPartial(m),
            _ => {
                return (
                    StatusCode::BAD_REQUEST,
                    "a partial refund needs an amount such as 12.50",
                )
                    .into_response()
            }
        },
        _ => return (StatusCode::BAD_REQUEST, "unknown decision").into_response(),
    };
    let request = engine::Request {
        // One decision per form post: the CSRF token and the order key it.
        idempotency_key: Some(format!(
            "console:{}:{}:{}",
            user.key_id,
            order_id,
            &f.csrf[..16]
        )),
        order: id,
        actor: user.role.actor(&user.key_id, false),
        command: Command::Dispute(DisputeCommand::Decide { outcome }),
        at: state.clock.now(),
    };
    match state.engine.execute(&request).await {
        Ok(_) => Redirect::to(&format!("/console/orders/{order_id}")).into_response(),
        Err(engine::EngineError::Rejected(r)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, r.to_string()).into_response()
        }
        Err(e) => internal(e),
    }
}

async fn disputes(State(state): State<AppState>, user: User) -> Response {
    let rows = match state
        .engine
        .store()
        .orders_in_status("disputed", ROWS_MAX)
        .await
    {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    page(
        "Disputes",
        Some(&user),
        html! {
            h1 { "Disputes" }
            p.muted { "Escalated disputes first: they wait for an agent's decision." }
            (dispute_table(&state, &rows).await)
        },
    )
    .into_response()
}

fn pct(r: protection::Rate) -> String {
    r.value()
        .map_or("n/a".to_string(), |v| format!("{:.1}%", v * 100.0))
}

/// Horizontal bars of counted feedback by stars, 5 stars on top; plain SVG so it
/// needs no script.
fn star_chart(stars: &[u64; 5]) -> Markup {
    let max = stars.iter().copied().max().unwrap_or(0).max(1) as f64;
    let total: u64 = stars.iter().sum();
    html! {
        svg width="100%" style="max-width:30rem" viewBox="0 0 420 150" role="img" aria-label="feedback by stars" {
            @for (row, n) in (1..=5).rev().enumerate() {
                @let count = stars[n - 1];
                @let y = row * 28 + 6;
                @let w = (count as f64 / max * 300.0).round();
                @let share = if total > 0 { count as f64 * 100.0 / total as f64 } else { 0.0 };
                text x="0" y=(y + 15) font-size="13" fill="#5d6678" { (n) " ★" }
                rect x="40" y=(y) width="300" height="20" rx="4" fill="#eef1f8" {}
                rect x="40" y=(y) width=(w) height="20" rx="4" fill=(if n >= 4 { "#1b7a43" } else if n == 3 { "#9a6200" } else { "#b3261e" }) {}
                text x="348" y=(y + 15) font-size="13" fill="#1c2230" { (count) " (" (format!("{share:.0}")) "%)" }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct AsOf {
    /// View the ratings as they were on this date (YYYY-MM-DD or RFC 3339).
    as_of: Option<String>,
}

async fn seller_page(
    State(state): State<AppState>,
    user: User,
    Path(seller_id): Path<String>,
    Query(q): Query<AsOf>,
) -> Response {
    let Ok(seller) = domain::SellerId::parse(&seller_id) else {
        return (StatusCode::NOT_FOUND, "no such seller").into_response();
    };
    let as_of = match q
        .as_of
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(Timestamp::parse)
    {
        None => state.clock.now(),
        Some(Ok(t)) => t,
        Some(Err(e)) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    let r = match state
        .engine
        .seller_ratings(&seller, as_of, &protection::RatingPolicy::default())
        .await
    {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    let card = match cases::review_card(&state, &seller, as_of).await {
        Ok(c) => c,
        Err(e) => return internal(e),
    };
    let avg = |a: protection::Average| {
        a.value.map_or("n/a".to_string(), |v| {
            format!("{v:.1} ({} ratings)", a.count)
        })
    };
    page(
        &format!("Seller {seller}"),
        Some(&user),
        html! {
            h1 { "Seller " (seller) }
            form method="get" {
                span.muted { "Store ratings over the " (r.window_days) " days before " (when(r.as_of.unix_ms())) ", as buyers see them. " }
                label for="as_of" { "As of " }
                input id="as_of" name="as_of" type="date";
                " "
                button.quiet type="submit" { "Show" }
            }
            div.cards {
                div.card { div.n { (pct(r.positive_share)) } div.l { "positive feedback (" (r.positive) " positive, " (r.negative) " negative, " (r.neutral) " neutral left out)" } }
                div.card { div.n { (pct(r.on_time_shipping)) } div.l { "shipped on time (" (r.on_time_shipping.numerator) " of " (r.on_time_shipping.denominator) ")" } }
                div.card { div.n { (pct(r.dispute_rate)) } div.l { "dispute rate (" (r.dispute_rate.numerator) " of " (r.dispute_rate.denominator) " paid orders)" } }
                div.card { div.n { (pct(r.repeat_buyers)) } div.l { "repeat buyers (" (r.buyers) " buyers, " (r.orders) " orders)" } }
            }
            h2 { "Feedback by stars" }
            div.card { (star_chart(&r.stars)) }
            h2 { "Detailed ratings" }
            table {
                tr { td { "Item as described" } td.num { (avg(r.item_as_described)) } }
                tr { td { "Communication" } td.num { (avg(r.communication)) } }
                tr { td { "Shipping speed" } td.num { (avg(r.shipping_speed)) } }
            }
            (cases::review_card_section(card.as_ref()))
        },
    )
    .into_response()
}
