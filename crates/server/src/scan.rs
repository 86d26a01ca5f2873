//! Scans over HTTP (`POST /v1/scan/message`, `POST /v1/scan/link`), the agents'
//! cases queue and the messages on an order. The scans' JSON shapes are `report`'s.

use domain::finding::FindingJson;
use report::{ScanLinkIn, ScanLinkOut, ScanMessageIn, ScanMessageOut};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use axum::extract::{Path, Query, State};
use axum::Json;

use crate::{ApiError, AppState, Caller, Problem, Role, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX};

/// Scan one chat message (the `scan messages` contract, one object in, one out).
/// Scanning changes nothing, so the `Idempotency-Key` header is accepted but not
/// needed here.
#[utoipa::path(
    post,
    path = "/v1/scan/message",
    request_body = ScanMessageIn,
    responses(
        (status = 200, body = ScanMessageOut),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
pub(crate) async fn scan_message(
    State(state): State<AppState>,
    _caller: Caller,
    body: Result<Json<ScanMessageIn>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<ScanMessageOut>, ApiError> {
    let Json(input) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let message = input
        .message()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let report = state.engine.scanner().scan(&message);
    state
        .metrics
        .scans
        .get_or_create(&vec![("what".to_string(), "message".to_string())])
        .inc();
    Ok(Json(ScanMessageOut::new(input.id.clone(), &report)))
}

/// Scan one link (the `scan links` contract).
#[utoipa::path(
    post,
    path = "/v1/scan/link",
    request_body = ScanLinkIn,
    responses(
        (status = 200, body = ScanLinkOut),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
pub(crate) async fn scan_link(
    State(state): State<AppState>,
    _caller: Caller,
    body: Result<Json<ScanLinkIn>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<ScanLinkOut>, ApiError> {
    let Json(input) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if input.url.len() > 8 * 1024 {
        return Err(ApiError::BadRequest("url is longer than 8 KiB".into()));
    }
    let report = state.engine.scanner().links().scan(&input.url);
    state
        .metrics
        .scans
        .get_or_create(&vec![("what".to_string(), "link".to_string())])
        .inc();
    Ok(Json(ScanLinkOut::new(input.url, &report)))
}

/// A case in the agents' queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub case_id: String,
    pub order: String,
    pub seller: String,
    pub buyer: String,
    /// The signal kinds that opened it.
    #[schema(value_type = Vec<String>)]
    pub kinds: Vec<risk::Kind>,
    pub risk: i64,
    /// `open` or `closed`.
    pub status: String,
    /// `scam` or `not_scam` once closed.
    pub label: Option<String>,
    pub opened_at: String,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
}

impl From<store::CaseRow> for CaseView {
    fn from(c: store::CaseRow) -> Self {
        let t = |ms: i64| domain::Timestamp::from_unix_ms(ms).rfc3339();
        CaseView {
            case_id: c.case_id,
            order: c.order_id,
            seller: c.seller_id,
            buyer: c.buyer_id,
            kinds: c.kinds,
            risk: c.risk,
            status: c.status,
            label: c.label,
            opened_at: t(c.opened_ms),
            closed_at: c.closed_ms.map(t),
            closed_by: c.closed_by,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct CaseQuery {
    /// `open` (the default) or `closed`.
    status: Option<String>,
    /// From the previous page's `next_cursor`.
    cursor: Option<String>,
    /// 1 to 100; 20 when absent.
    limit: Option<i64>,
}

fn agents_only(caller: &Caller) -> Result<(), ApiError> {
    if caller.role.reads_all() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "{} keys may not read the cases queue",
            caller.role
        )))
    }
}

/// The cases queue, riskiest and oldest first (admin, agent and platform keys).
#[utoipa::path(
    get,
    path = "/v1/cases",
    params(CaseQuery),
    responses(
        (status = 200, body = CasePage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_cases(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<CaseQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CasePage>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    agents_only(&caller)?;
    let status = q.status.as_deref().unwrap_or("open");
    if !matches!(status, "open" | "closed") {
        return Err(ApiError::BadRequest(format!(
            "status {status:?} must be open or closed"
        )));
    }
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
            let mut parts = c.splitn(3, '.');
            let risk = parts.next().and_then(|p| p.parse::<i64>().ok());
            let ms = parts.next().and_then(|p| p.parse::<i64>().ok());
            let id = parts.next();
            match (risk, ms, id) {
                (Some(r), Some(m), Some(i)) if crate::cursor_text(i) => Ok((r, m, i.to_string())),
                _ => Err(ApiError::BadRequest(format!(
                    "cursor {c:?} is not one this API gave"
                ))),
            }
        })
        .transpose()?;
    let rows = state
        .engine
        .store()
        .list_cases(status, after, limit)
        .await?;
    let next_cursor = (rows.len() as i64 == limit)
        .then(|| {
            rows.last()
                .map(|c| format!("{}.{}.{}", c.risk, c.opened_ms, c.case_id))
        })
        .flatten();
    Ok(Json(CasePage {
        items: rows.into_iter().map(CaseView::from).collect(),
        next_cursor,
    }))
}

/// A message on an order, as its reader may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    pub id: String,
    /// `seller`, `buyer` or `unknown`.
    pub from: String,
    pub at: String,
    /// Null for a buyer when the message was held.
    pub text: Option<String>,
    pub held: bool,
    pub risk: u8,
    /// `allow`, `warn`, `review` or `block`.
    #[schema(value_type = String)]
    pub verdict: risk::Verdict,
    /// The scanner's findings, with spans into `text`; empty for a buyer when held.
    pub signals: Vec<FindingJson>,
    /// Present and true when the text was longer than the scanner reads: the
    /// findings cover its start only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// What the buyer was told about this message, if anything.
    pub warning: Option<String>,
    /// The case this message opened, if any.
    pub case_id: Option<String>,
}

/// The messages on an order from its log; a buyer does not see the text of a held
/// message, only that it was held and the warning.
pub fn message_views(log: &[protection::Recorded], role: &Role) -> Vec<MessageView> {
    let mut out: Vec<MessageView> = Vec::new();
    for r in log {
        match &r.event {
            protection::Event::MessagePosted {
                id,
                from,
                text,
                risk,
                verdict,
                signals,
                truncated,
                held,
                ..
            } => {
                let hide = *held && matches!(role, Role::Buyer(_));
                out.push(MessageView {
                    id: id.clone(),
                    from: from.as_str().to_string(),
                    at: r.at.rfc3339(),
                    text: (!hide).then(|| text.clone()),
                    held: *held,
                    risk: *risk,
                    verdict: *verdict,
                    signals: if hide {
                        Vec::new()
                    } else {
                        signals.iter().cloned().map(FindingJson::from).collect()
                    },
                    truncated: *truncated,
                    warning: None,
                    case_id: None,
                });
            }
            protection::Event::BuyerWarned {
                message_id,
                warning,
                ..
            } => {
                if let Some(m) = out.iter_mut().find(|m| &m.id == message_id) {
                    m.warning = Some(warning.clone());
                }
            }
            protection::Event::CaseOpened {
                case_id,
                message_id,
                ..
            } if !matches!(role, Role::Buyer(_) | Role::Seller(_)) => {
                if let Some(m) = out.iter_mut().find(|m| &m.id == message_id) {
                    m.case_id = Some(case_id.clone());
                }
            }
            _ => {}
        }
    }
    out
}

/// The messages on an order, oldest first.
#[utoipa::path(
    get,
    path = "/v1/orders/{order_id}/messages",
    params(("order_id" = String, Path, description = "The marketplace's order id")),
    responses(
        (status = 200, body = Vec<MessageView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
pub(crate) async fn order_messages(
    State(state): State<AppState>,
    caller: Caller,
    Path(order_id): Path<String>,
) -> Result<Json<Vec<MessageView>>, ApiError> {
    let (_, log) = crate::readable_order(&state, &caller, &order_id).await?;
    Ok(Json(message_views(&log, &caller.role)))
}

/// One case with its evidence: the message (or the parcel check) that opened it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: CaseView,
    /// The message that opened it, when a message did.
    pub message: Option<MessageView>,
    /// The findings behind it (the message's signals, or the parcel checks').
    pub signals: Vec<FindingJson>,
}

/// One case with the message and findings behind it (admin, agent and platform keys).
#[utoipa::path(
    get,
    path = "/v1/cases/{case_id}",
    params(("case_id" = String, Path, description = "`ORDER:MESSAGE`, or `ORDER:shipped|delivered|weighed` for parcel checks")),
    responses(
        (status = 200, body = CaseDetail),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
pub(crate) async fn get_case(
    State(state): State<AppState>,
    caller: Caller,
    Path(case_id): Path<String>,
) -> Result<Json<CaseDetail>, ApiError> {
    agents_only(&caller)?;
    let not_found = || ApiError::NotFound(format!("case {case_id} does not exist"));
    let case = state
        .engine
        .store()
        .case(&case_id)
        .await?
        .ok_or_else(not_found)?;
    let (_, log) = crate::readable_order(&state, &caller, &case.order_id).await?;
    let source = log.iter().find(|r| r.seq == case.message_seq);
    let messages = message_views(&log, &caller.role);
    let (message, signals) = match source.map(|r| &r.event) {
        Some(protection::Event::MessagePosted { id, .. }) => {
            let m = messages.into_iter().find(|m| &m.id == id);
            let signals = m.as_ref().map(|m| m.signals.clone()).unwrap_or_default();
            (m, signals)
        }
        Some(protection::Event::ParcelFlagged { signals, .. }) => (
            None,
            signals.iter().cloned().map(FindingJson::from).collect(),
        ),
        _ => (None, Vec::new()),
    };
    Ok(Json(CaseDetail {
        case: CaseView::from(case),
        message,
        signals,
    }))
}
