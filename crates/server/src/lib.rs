//! The HTTP API: the only crate that knows HTTP and the API's JSON shapes. Bearer API
//! keys with roles, RFC 9457 problem details, an `Idempotency-Key` on every POST, cursor
//! pagination, OpenAPI 3.1 at `/openapi.json`, health and readiness probes, and the
//! timer loop beside the server with a graceful shutdown.

pub mod assess;
pub mod auth;
mod console;
mod error;
/// The order commands' JSON lives in `report`, shared with `marketguard orders exec`.
pub use report::command as dto;
pub mod ops;
pub mod scan;
pub mod webhooks;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::{Clock, OrderId, Timestamp};
use engine::{Engine, Request as EngineRequest};
use protection::{Command, DisputeCommand, Order};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

pub use auth::Role;
pub use error::{ApiError, Problem};

/// Largest request body accepted, in bytes.
pub const BODY_BYTES_MAX: usize = 64 * 1024;
/// Longest `Idempotency-Key` accepted, in bytes.
pub const IDEMPOTENCY_KEY_BYTES_MAX: usize = 100;
/// Page sizes: the default and the most one request may ask for.
pub const PAGE_SIZE_DEFAULT: i64 = 20;
pub const PAGE_SIZE_MAX: i64 = 100;
/// Deadlines the timer loop fires per batch, and its pause when nothing is due.
pub const TIMER_BATCH_MAX: usize = 500;
pub const TIMER_POLL_MS: u64 = 1000;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub engine: Engine,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<ops::Metrics>,
    pub limiter: Arc<ops::RateLimiter>,
}

impl AppState {
    pub fn new(engine: Engine, clock: Arc<dyn Clock>) -> AppState {
        AppState {
            engine,
            clock,
            metrics: Arc::default(),
            limiter: Arc::default(),
        }
    }
}

/// The whole API as a router, for `serve` and for tests (`oneshot`).
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/openapi.json", get(openapi))
        .route("/metrics", get(metrics))
        .route("/v1/orders", get(list_orders))
        .route("/v1/orders/{order_id}", get(get_order))
        .route("/v1/orders/{order_id}/commands", post(order_command))
        .route("/v1/sellers/{seller_id}/profile", get(seller_profile))
        .route("/v1/orders/{order_id}/money", get(order_money))
        .route("/v1/ledger/verify", get(ledger_verify))
        .route("/v1/ledger/accounts", get(ledger_accounts))
        .route("/v1/assess/seller", post(assess::assess_seller))
        .route(
            "/v1/sellers/{seller_id}/assessment",
            get(assess::seller_assessment),
        )
        .route("/v1/assess/listing", post(assess::assess_listing))
        .route("/v1/assess/tracking", post(assess::assess_tracking))
        .route(
            "/v1/assess/reviews",
            post(assess::assess_reviews)
                .layer(DefaultBodyLimit::max(assess::REVIEWS_CSV_BYTES_MAX)),
        )
        .route("/v1/scan/message", post(scan::scan_message))
        .route("/v1/scan/link", post(scan::scan_link))
        .route("/v1/cases", get(scan::list_cases))
        .route("/v1/cases/{case_id}", get(scan::get_case))
        .route("/v1/orders/{order_id}/messages", get(scan::order_messages))
        .merge(console::routes())
        .layer(DefaultBodyLimit::max(BODY_BYTES_MAX))
        .layer(axum::middleware::from_fn(utf8_bodies_only))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            request_log,
        ))
        .with_state(state)
}

/// Refuses a body declared in another charset than UTF-8 (`charset=utf-16`, say): the
/// API reads UTF-8 only, and bytes read as the wrong encoding are not what was sent.
async fn utf8_bodies_only(req: Request, next: Next) -> Response {
    let charset = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| {
            ct.split(';').skip(1).find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("charset")
                    .then(|| v.trim().trim_matches('"').to_ascii_lowercase())
            })
        });
    match charset {
        Some(c) if c != "utf-8" && c != "utf8" => {
            ApiError::UnsupportedMediaType(format!("the body's charset is {c:?}: send UTF-8"))
                .into_response()
        }
        _ => next.run(req).await,
    }
}

/// Whether the id part of a cursor can be one this API gave: ids never hold control
/// characters, and a NUL byte would reach the database (PostgreSQL refuses it in text
/// with an error, which must be the caller's 400, not a 500).
pub(crate) fn cursor_text(id: &str) -> bool {
    id.len() <= 2 * domain::ID_BYTES_MAX && !id.chars().any(char::is_control)
}

async fn metrics(State(state): State<AppState>) -> Response {
    // Read from the database at each scrape, so every replica reports the same figure.
    match state
        .engine
        .store()
        .overdue_disputes(state.clock.now())
        .await
    {
        Ok(n) => {
            state.metrics.disputes_overdue.set(n);
        }
        Err(e) => tracing::error!(error = format!("{e:#}"), "counting overdue disputes"),
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

static REQUEST_SEQ: AtomicU64 = AtomicU64::new(0);

/// Gives each request an id (kept from `x-request-id` when the caller sent a sane
/// one) and logs one line per request: method, path, status and time; never headers
/// or bodies, which hold keys and personal data.
async fn request_log(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map(str::to_string)
        .unwrap_or_else(|| {
            format!(
                "r{:x}-{}",
                std::process::id(),
                REQUEST_SEQ.fetch_add(1, Ordering::Relaxed)
            )
        });
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    // The route template, not the path: ids must not become metric labels.
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("unmatched".to_string(), |m| m.as_str().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let started = Instant::now();
    let mut response = next.run(req).await;
    state
        .metrics
        .http_seconds
        .observe(started.elapsed().as_secs_f64());
    state
        .metrics
        .http_requests
        .get_or_create(&vec![
            ("route".to_string(), route),
            ("method".to_string(), method_label(&method).to_string()),
            ("status".to_string(), response.status().as_u16().to_string()),
        ])
        .inc();
    tracing::info!(
        request_id = %id,
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

/// The method as a metric label: the standard methods by name, every other one
/// (anyone may send `FOO`, or a method a kilobyte long) as `other`, so callers cannot
/// grow the series without bound.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    const KNOWN: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::PATCH, "PATCH"),
        (Method::DELETE, "DELETE"),
        (Method::HEAD, "HEAD"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    KNOWN
        .iter()
        .find(|(m, _)| m == method)
        .map_or("other", |(_, name)| name)
}

#[derive(Clone)]
struct RequestId(#[allow(dead_code)] String);

/// The authenticated caller.
pub struct Caller {
    pub key_id: String,
    pub role: Role,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthorized = || ApiError::Unauthorized("a valid bearer API key is required".into());
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(unauthorized)?;
        let key = header.strip_prefix("Bearer ").ok_or_else(unauthorized)?;
        let (id, secret) = auth::split_key(key.trim()).ok_or_else(unauthorized)?;
        // Read on every request, never cached: a revoked key is refused at once.
        let (hash, role) = state
            .engine
            .store()
            .api_key(id)
            .await?
            .ok_or_else(unauthorized)?;
        if !auth::same_hash(&auth::sha256_hex(secret), &hash) {
            return Err(unauthorized());
        }
        let role = Role::parse(&role).map_err(|e| ApiError::Internal(e.into()))?;
        let (rate, burst) = match role {
            Role::Platform | Role::Admin => {
                (ops::PLATFORM_RATE_PER_SECOND, ops::PLATFORM_RATE_BURST)
            }
            _ => (ops::RATE_PER_SECOND, ops::RATE_BURST),
        };
        if let Err(wait) = state.limiter.take(id, rate, burst, Instant::now()) {
            return Err(ApiError::TooManyRequests {
                retry_after_seconds: wait.ceil().max(1.0) as u64,
            });
        }
        Ok(Caller {
            key_id: id.to_string(),
            role,
        })
    }
}

#[derive(Serialize, ToSchema)]
struct Health {
    status: &'static str,
}

#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

#[utoipa::path(get, path = "/readyz", responses((status = 200, body = Health), (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn readyz(State(state): State<AppState>) -> Response {
    match state.engine.store().ping().await {
        Ok(()) => Json(Health { status: "ready" }).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "database not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "database unavailable",
                }),
            )
                .into_response()
        }
    }
}

async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        ApiDoc::openapi()
            .to_json()
            .unwrap_or_else(|_| "{}".to_string()),
    )
        .into_response()
}

/// What a command did.
#[derive(Serialize, ToSchema)]
pub struct CommandResult {
    order: String,
    status: String,
    /// Seqs of the events it appended; `seq_to < seq_from` when it changed nothing.
    seq_from: i64,
    seq_to: i64,
    /// True when this answers an earlier request with the same Idempotency-Key.
    replayed: bool,
}

fn is_carrier_command(c: &Command) -> bool {
    matches!(
        c,
        Command::Deliver { .. }
            | Command::CarrierEvent(_)
            | Command::Weigh { .. }
            | Command::Dispute(DisputeCommand::ReturnDelivered)
    )
}

/// Run a command on an order (`place` creates it).
#[utoipa::path(
    post,
    path = "/v1/orders/{order_id}/commands",
    request_body = dto::CommandDto,
    params(
        ("order_id" = String, Path, description = "The marketplace's order id"),
        ("Idempotency-Key" = String, Header, description = "Required: the same key with the same request returns the first result")
    ),
    responses(
        (status = 200, body = CommandResult),
        (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
async fn order_command(
    State(state): State<AppState>,
    caller: Caller,
    Path(order_id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<dto::CommandDto>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<CommandResult>, ApiError> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= IDEMPOTENCY_KEY_BYTES_MAX)
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "an Idempotency-Key header of 1 to {IDEMPOTENCY_KEY_BYTES_MAX} bytes is required on every POST"
            ))
        })?;
    let Json(body) =
        body.map_err(|e| ApiError::BadRequest(dto::with_suggestion(&e.body_text())))?;
    let order = OrderId::parse(&order_id).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let command = body
        .into_command()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let actor = caller
        .role
        .actor(&caller.key_id, is_carrier_command(&command));
    let request = EngineRequest {
        // Keys are per API key: two clients cannot collide.
        idempotency_key: Some(format!("{}:{key}", caller.key_id)),
        order,
        actor,
        command,
        at: state.clock.now(),
    };
    let name = request.command.name();
    let result = state.engine.execute(&request).await;
    state
        .metrics
        .commands
        .get_or_create(&vec![
            ("command".to_string(), name.to_string()),
            (
                "result".to_string(),
                match &result {
                    Ok(o) if o.replayed => "replayed",
                    Ok(_) => "ok",
                    Err(engine::EngineError::Rejected(_)) => "refused",
                    Err(_) => "error",
                }
                .to_string(),
            ),
        ])
        .inc();
    let outcome = result?;
    Ok(Json(CommandResult {
        order: outcome.order.to_string(),
        status: outcome.status,
        seq_from: outcome.seq_from,
        seq_to: outcome.seq_to,
        replayed: outcome.replayed,
    }))
}

/// The order and its log if the caller may read it; someone else's order answers
/// exactly like a missing one.
pub(crate) async fn readable_order(
    state: &AppState,
    caller: &Caller,
    order_id: &str,
) -> Result<(Order, Vec<protection::Recorded>), ApiError> {
    let not_found = || ApiError::NotFound(format!("order {order_id} does not exist"));
    let id = OrderId::parse(order_id).map_err(|_| not_found())?;
    let (o, log) = state.engine.order(&id).await?.ok_or_else(not_found)?;
    if !may_read(&caller.role, &o) {
        return Err(not_found());
    }
    Ok((o, log))
}

fn may_read(role: &Role, o: &Order) -> bool {
    role.reads_all()
        || matches!(role, Role::Buyer(b) if *b == o.buyer)
        || matches!(role, Role::Seller(s) if *s == o.seller)
}

/// An order: state, deadlines, money and its event log.
#[derive(Serialize, ToSchema)]
pub struct OrderView {
    order: String,
    status: String,
    buyer: String,
    seller: String,
    currency: String,
    total: String,
    held: String,
    released: String,
    /// Everything that went back to the buyer: the three sources below.
    refunded: String,
    compensated: String,
    /// Taken back from the seller after release (the same as `refunded_from_seller`).
    taken_back_from_seller: String,
    paid_out: String,
    /// Refunded out of the order's escrow.
    refunded_from_escrow: String,
    /// Taken back from the seller after release.
    refunded_from_seller: String,
    /// Paid by the guarantee fund: in the seller's place, or the Guaranteed Genuine
    /// extra.
    refunded_from_guarantee_fund: String,
    /// Deadlines still to come or past; `payout` only while the seller keeps some of
    /// what was released.
    deadlines: Vec<Deadline>,
    events: Vec<EventView>,
    /// The order's dispute, open or closed; absent when it never had one.
    dispute: Option<DisputeView>,
}

/// Where a dispute stands, with the agent deadline of an escalated one.
#[derive(Serialize, ToSchema)]
pub struct DisputeView {
    reason: &'static str,
    /// `awaiting_seller`, `awaiting_buyer`, `escalated`, `return` or `closed`.
    stage: &'static str,
    escalated: bool,
    /// When an agent must have decided (escalated disputes).
    agent_deadline: Option<String>,
    /// Escalated, still waiting for an agent, and past the agent deadline.
    overdue: bool,
}

impl DisputeView {
    pub(crate) fn new(d: &protection::Dispute, now: domain::Timestamp) -> DisputeView {
        DisputeView {
            reason: d.reason.as_str(),
            stage: match d.stage {
                protection::Stage::AwaitingSeller { .. } => "awaiting_seller",
                protection::Stage::AwaitingBuyer { .. } => "awaiting_buyer",
                protection::Stage::Escalated => "escalated",
                protection::Stage::Return { .. } => "return",
                protection::Stage::Closed(_) => "closed",
            },
            escalated: d.escalated,
            agent_deadline: d.agent_due.map(|t| t.rfc3339()),
            overdue: d.overdue_at(now),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Deadline {
    name: &'static str,
    at: String,
}

#[derive(Serialize, ToSchema)]
pub struct EventView {
    seq: i64,
    at: String,
    actor: String,
    event: &'static str,
    #[schema(value_type = Object)]
    detail: Value,
}

#[utoipa::path(
    get,
    path = "/v1/orders/{order_id}",
    params(("order_id" = String, Path, description = "The order id")),
    responses((status = 200, body = OrderView), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
async fn get_order(
    State(state): State<AppState>,
    caller: Caller,
    Path(order_id): Path<String>,
) -> Result<Json<OrderView>, ApiError> {
    let (o, log) = readable_order(&state, &caller, &order_id).await?;
    let transfers = state.engine.store().order_transfers(&o.id).await?;
    let refunds = ledger::Refunds::of(transfers.iter().map(|(r, _)| r));
    let m = |minor: i64| {
        domain::Money::from_minor(minor.max(0), o.currency)
            .map(|m| m.decimal())
            .unwrap_or_default()
    };
    let r = |v: i128| m(ledger::Refunds::minor(v));
    let deadlines = [
        ("ship_by", o.ship_by),
        ("promised_delivery", o.promised_at),
        ("protection_ends", o.protection_ends_at),
        ("guarantee_refund", o.guarantee_at),
        ("payout", o.payout_due_at()),
        (
            "agent_decision",
            o.dispute.as_ref().and_then(|d| d.agent_due),
        ),
    ]
    .into_iter()
    .filter_map(|(name, t)| {
        t.map(|t| Deadline {
            name,
            at: t.rfc3339(),
        })
    })
    .collect();
    // Buyers and sellers see what happened, not the platform's inside: which agent
    // (an API key id) acted, or the note an agent left on a case.
    let party = matches!(caller.role, Role::Buyer(_) | Role::Seller(_));
    let events = log
        .iter()
        .map(|r| EventView {
            seq: r.seq,
            at: r.at.rfc3339(),
            actor: match &r.actor {
                protection::Actor::Agent(_) if party => "agent".to_string(),
                a => a.to_string(),
            },
            event: r.event.name(),
            detail: {
                let mut detail = serde_json::to_value(&r.event).unwrap_or(Value::Null);
                if let protection::Event::CaseClosed { .. } = &r.event {
                    if party {
                        if let Some(body) = detail.as_object_mut() {
                            body.remove("note");
                        }
                    }
                }
                // A held message never reaches the buyer, not even through the log.
                if let protection::Event::MessagePosted { held: true, .. } = &r.event {
                    if matches!(caller.role, Role::Buyer(_)) {
                        if let Some(body) = detail.as_object_mut() {
                            body.remove("text");
                            body.remove("signals");
                        }
                    }
                }
                detail
            },
        })
        .collect();
    Ok(Json(OrderView {
        order: o.id.to_string(),
        status: o.status.as_str().to_string(),
        buyer: o.buyer.to_string(),
        seller: o.seller.to_string(),
        currency: o.currency.code().to_string(),
        total: o.total().decimal(),
        held: m(o.held_minor()),
        released: m(o.released_minor),
        refunded: r(refunds.total()),
        compensated: m(o.compensated_minor),
        taken_back_from_seller: r(refunds.from_seller),
        paid_out: m(o.paid_out_minor),
        refunded_from_escrow: r(refunds.from_escrow),
        refunded_from_seller: r(refunds.from_seller),
        refunded_from_guarantee_fund: r(refunds.from_guarantee_fund),
        deadlines,
        events,
        dispute: o
            .dispute
            .as_ref()
            .map(|d| DisputeView::new(d, state.clock.now())),
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct ListQuery {
    /// From the previous page's `next_cursor`.
    cursor: Option<String>,
    /// 1 to 100; 20 when absent.
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct OrderSummary {
    order: String,
    status: String,
    placed_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrderPage {
    items: Vec<OrderSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

/// Orders, newest first: all of them for admin, agent and platform keys, a buyer's or
/// seller's own for theirs.
#[utoipa::path(
    get,
    path = "/v1/orders",
    params(ListQuery),
    responses((status = 200, body = OrderPage), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
async fn list_orders(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<OrderPage>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let limit = q.limit.unwrap_or(PAGE_SIZE_DEFAULT);
    if !(1..=PAGE_SIZE_MAX).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit {limit} must be 1 to {PAGE_SIZE_MAX}"
        )));
    }
    let after = q
        .cursor
        .as_deref()
        .map(|c| {
            c.split_once('.')
                .filter(|(_, id)| cursor_text(id))
                .and_then(|(ms, id)| Some((ms.parse::<i64>().ok()?, id.to_string())))
                .ok_or_else(|| {
                    ApiError::BadRequest(format!("cursor {c:?} is not one this API gave"))
                })
        })
        .transpose()?;
    let (buyer, seller) = match &caller.role {
        Role::Buyer(b) => (Some(b.to_string()), None),
        Role::Seller(s) => (None, Some(s.to_string())),
        _ => (None, None),
    };
    let rows = state
        .engine
        .store()
        .list_orders(
            &store::OrderFilter {
                buyer: buyer.as_deref(),
                seller: seller.as_deref(),
                ..Default::default()
            },
            after,
            limit,
        )
        .await?;
    let next_cursor = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|(id, _, ms)| format!("{ms}.{id}")))
        .flatten();
    Ok(Json(OrderPage {
        items: rows
            .into_iter()
            .map(|(order, status, ms)| OrderSummary {
                order,
                status,
                placed_at: Timestamp::from_unix_ms(ms).rfc3339(),
            })
            .collect(),
        next_cursor,
    }))
}

/// A share with the counts behind it.
#[derive(Serialize, ToSchema)]
pub struct RateView {
    value: Option<f64>,
    numerator: u64,
    denominator: u64,
}

impl From<protection::Rate> for RateView {
    fn from(r: protection::Rate) -> Self {
        RateView {
            value: r.value(),
            numerator: r.numerator,
            denominator: r.denominator,
        }
    }
}

/// An average of 1-5 ratings and how many it rests on.
#[derive(Serialize, ToSchema)]
pub struct AverageView {
    average: Option<f64>,
    count: u64,
}

impl From<protection::Average> for AverageView {
    fn from(a: protection::Average) -> Self {
        AverageView {
            average: a.value,
            count: a.count,
        }
    }
}

/// A seller's store ratings.
#[derive(Serialize, ToSchema)]
pub struct SellerProfile {
    seller: String,
    as_of: String,
    window_days: i64,
    /// positive / (positive + negative); 3 stars are neutral and left out.
    positive_feedback: RateView,
    positive: u64,
    neutral: u64,
    negative: u64,
    feedback_count: u64,
    item_as_described: AverageView,
    communication: AverageView,
    shipping_speed: AverageView,
    orders: u64,
    buyers: u64,
    repeat_buyers: RateView,
    dispute_rate: RateView,
    on_time_shipping: RateView,
    /// When the seller's first order was placed (RFC 3339): the store is at least this old.
    first_order_at: Option<String>,
    /// Orders paid and not cancelled, over all the seller's orders.
    items_sold: u64,
}

/// A seller's store ratings as of now; readable with any valid key.
#[utoipa::path(
    get,
    path = "/v1/sellers/{seller_id}/profile",
    params(("seller_id" = String, Path, description = "The seller id")),
    responses((status = 200, body = SellerProfile), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
async fn seller_profile(
    State(state): State<AppState>,
    _caller: Caller,
    Path(seller_id): Path<String>,
) -> Result<Json<SellerProfile>, ApiError> {
    let seller =
        domain::SellerId::parse(&seller_id).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let r = state
        .engine
        .seller_ratings(
            &seller,
            state.clock.now(),
            &protection::RatingPolicy::default(),
        )
        .await?;
    Ok(Json(SellerProfile {
        seller: seller.to_string(),
        as_of: r.as_of.rfc3339(),
        window_days: r.window_days,
        positive_feedback: r.positive_share.into(),
        positive: r.positive,
        neutral: r.neutral,
        negative: r.negative,
        feedback_count: r.feedback_count,
        item_as_described: r.item_as_described.into(),
        communication: r.communication.into(),
        shipping_speed: r.shipping_speed.into(),
        orders: r.orders,
        buyers: r.buyers,
        repeat_buyers: r.repeat_buyers.into(),
        dispute_rate: r.dispute_rate.into(),
        on_time_shipping: r.on_time_shipping.into(),
        first_order_at: r.first_order_at.map(|t| t.rfc3339()),
        items_sold: r.items_sold,
    }))
}

/// One ledger transfer of an order.
#[derive(Serialize, ToSchema)]
pub struct TransferView {
    id: String,
    /// posted, pending, post_pending or void_pending.
    op: String,
    /// capture, hold, release, refund, compensation, payout, void, clawback, ...
    code: String,
    debit: String,
    credit: String,
    amount: String,
    currency: String,
    at: String,
}

/// Every transfer that moved this order's money.
#[utoipa::path(
    get,
    path = "/v1/orders/{order_id}/money",
    params(("order_id" = String, Path, description = "The order id")),
    responses((status = 200, body = [TransferView]), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
async fn order_money(
    State(state): State<AppState>,
    caller: Caller,
    Path(order_id): Path<String>,
) -> Result<Json<Vec<TransferView>>, ApiError> {
    let (o, _) = readable_order(&state, &caller, &order_id).await?;
    let transfers = state.engine.store().order_transfers(&o.id).await?;
    Ok(Json(
        transfers
            .into_iter()
            .map(|(r, at)| TransferView {
                id: r.transfer.id.to_string(),
                op: match r.transfer.op {
                    ledger::Op::Posted { .. } => "posted",
                    ledger::Op::Pending { .. } => "pending",
                    ledger::Op::PostPending { .. } => "post_pending",
                    ledger::Op::VoidPending { .. } => "void_pending",
                }
                .to_string(),
                code: r.transfer.code.as_str().to_string(),
                debit: r.debit.to_string(),
                credit: r.credit.to_string(),
                amount: r.amount.decimal(),
                currency: r.amount.currency().code().to_string(),
                at: Timestamp::from_unix_ms(at).rfc3339(),
            })
            .collect(),
    ))
}

/// The ledger's invariants, checked now.
#[derive(Serialize, ToSchema)]
pub struct LedgerCheck {
    ok: bool,
    accounts: usize,
    transfers: usize,
    /// Each broken invariant in words; empty when the ledger is sound.
    broken: Vec<String>,
}

/// Verifies every ledger invariant (admin and agent keys).
#[utoipa::path(
    get,
    path = "/v1/ledger/verify",
    responses((status = 200, body = LedgerCheck), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
async fn ledger_verify(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<LedgerCheck>, ApiError> {
    if !matches!(caller.role, Role::Admin | Role::Agent) {
        return Err(ApiError::Forbidden(
            "the whole ledger is for admin and agent keys".into(),
        ));
    }
    let book = state.engine.store().load_ledger().await?;
    let report = ledger::verify(book.accounts(), book.recorded());
    Ok(Json(LedgerCheck {
        ok: report.ok(),
        accounts: report.accounts,
        transfers: report.transfers,
        broken: report.broken,
    }))
}

/// One ledger account's balances, as decimal strings in its currency.
#[derive(Serialize, ToSchema)]
pub struct AccountView {
    /// `kind:owner:CURRENCY`, e.g. `seller_available:s-1:EUR`.
    account: String,
    /// Posted credits less posted debits.
    balance: String,
    /// Posted credits less every debit, pending ones included.
    available: String,
    pending_debits: String,
    pending_credits: String,
}

#[derive(Deserialize, utoipa::IntoParams)]
struct AccountQuery {
    /// Only the accounts of this owner (a buyer, seller or order id, or `platform`).
    owner: Option<String>,
}

/// Ledger balances: every account for admin, agent and platform keys (optionally of
/// one owner), a seller's or buyer's own accounts for theirs.
#[utoipa::path(
    get,
    path = "/v1/ledger/accounts",
    params(AccountQuery),
    responses((status = 200, body = Vec<AccountView>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
async fn ledger_accounts(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<AccountQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<AccountView>>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    // Buyers and sellers read their own accounts by kind AND owner: ids of buyers and
    // sellers are separate namespaces, so a buyer named like a seller must not see the
    // seller's money.
    use ledger::AccountKind as K;
    let (owner, kinds): (Option<String>, &[K]) = match &caller.role {
        Role::Seller(s) => (
            Some(s.to_string()),
            &[K::SellerPayable, K::SellerAvailable, K::SellerDebt],
        ),
        Role::Buyer(b) => (Some(b.to_string()), &[K::BuyerFunding]),
        _ => (q.owner.clone(), &K::ALL),
    };
    let book = state.engine.store().load_ledger().await?;
    let m = |minor: i64, c: domain::Currency| {
        let sign = if minor < 0 { "-" } else { "" };
        domain::Money::from_minor(minor.unsigned_abs().min(i64::MAX as u64) as i64, c)
            .map(|m| format!("{sign}{}", m.decimal()))
            .unwrap_or_default()
    };
    let mut out: Vec<AccountView> = book
        .accounts()
        .filter(|(id, _)| {
            kinds.contains(&id.kind()) && owner.as_deref().is_none_or(|o| id.owner() == o)
        })
        .map(|(id, b)| {
            let c = id.currency();
            AccountView {
                account: id.to_string(),
                balance: m(b.credits_posted - b.debits_posted, c),
                available: m(b.available(), c),
                pending_debits: m(b.debits_pending, c),
                pending_credits: m(b.credits_pending, c),
            }
        })
        .collect();
    out.sort_by(|a, b| a.account.cmp(&b.account));
    Ok(Json(out))
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "marketguard", description = "Buyer protection and scam detection for online marketplaces"),
    paths(healthz, readyz, order_command, get_order, list_orders, seller_profile, order_money, ledger_verify, ledger_accounts, assess::assess_seller, assess::seller_assessment, assess::assess_listing, assess::assess_tracking, assess::assess_reviews, scan::scan_message, scan::scan_link, scan::list_cases, scan::get_case, scan::order_messages),
    components(schemas(dto::CommandDto, dto::EvidenceDto, Problem, CommandResult, OrderView, DisputeView, OrderPage, SellerProfile, TransferView, LedgerCheck, AccountView, report::ScanMessageIn, report::ScanMessageOut, report::ScanLinkIn, report::ScanLinkOut, domain::finding::FindingJson, report::AssessmentOut, report::SellerOut, report::ListingOut, report::TrackingOut, report::reviews::ReviewsOut, scan::CaseView, scan::CasePage, scan::CaseDetail, scan::MessageView)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// Creates an API key with `role` and returns the full key (to be shown once).
pub async fn create_key(
    store: &store::Store,
    role: &Role,
    now: Timestamp,
) -> anyhow::Result<String> {
    let key = auth::new_key();
    store
        .insert_api_key(&key.id, &key.secret_sha256, &role.to_string(), now)
        .await?;
    Ok(key.full)
}

/// Serves the API on `listener` and runs the timer loop and webhook delivery beside it
/// until `shutdown` completes; then stops taking requests, lets in-flight ones, the
/// current timer batch and the current delivery round finish, and returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let timers = {
        let state = state.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            loop {
                match state
                    .engine
                    .run_due_timers(state.clock.now(), TIMER_BATCH_MAX)
                    .await
                {
                    Ok(n) if n == TIMER_BATCH_MAX => {
                        state.metrics.deadlines_fired.inc_by(n as u64);
                        continue;
                    }
                    Ok(n) => {
                        state.metrics.deadlines_fired.inc_by(n as u64);
                    }
                    Err(e) => tracing::error!(error = format!("{e:#}"), "timer loop"),
                }
                tokio::select! {
                    _ = stop.changed() => break,
                    _ = tokio::time::sleep(Duration::from_millis(TIMER_POLL_MS)) => {}
                }
            }
        })
    };
    let deliveries = {
        let state = state.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let client = webhooks::client();
            loop {
                let store = state.engine.store();
                match webhooks::deliver_due(store, &client, state.clock.now()).await {
                    Ok(r) if r.fanned_out as i64 == webhooks::BATCH_MAX => continue,
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = format!("{e:#}"), "webhook delivery"),
                }
                tokio::select! {
                    _ = stop.changed() => break,
                    _ = tokio::time::sleep(Duration::from_millis(TIMER_POLL_MS)) => {}
                }
            }
        })
    };
    let mut stop = stop_rx;
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
            let _ = stop.changed().await;
        })
        .await?;
    timers.await?;
    deliveries.await?;
    Ok(())
}
