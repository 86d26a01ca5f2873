//! Console pages for scam detection: the cases queue, one case with the message's
//! words highlighted and a labelling form, and a scan playground for messages and
//! links.

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::OrderId;
use maud::{html, Markup};
use protection::{CaseLabel, Command, Event};
use serde::Deserialize;

use super::{forbidden, internal, page, when, User, ROWS_MAX};
use crate::auth::Role;
use crate::AppState;
use domain::finding::FindingJson;
use report::ScanMessageIn;

/// The message with each signal's span marked; the mark's title is the explanation.
/// Overlapping spans keep the first.
pub(super) fn highlighted(text: &str, signals: &[FindingJson]) -> Markup {
    let mut spans: Vec<(usize, usize, &FindingJson)> = signals
        .iter()
        .filter_map(|s| s.span.map(|[a, b]| (a, b, s)))
        .filter(|(a, b, _)| {
            a < b && *b <= text.len() && text.is_char_boundary(*a) && text.is_char_boundary(*b)
        })
        .collect();
    spans.sort_by_key(|(a, b, _)| (*a, std::cmp::Reverse(*b)));
    // Plain text and marked pieces in order; an overlapping span is skipped.
    let mut pieces: Vec<(&str, Option<&FindingJson>)> = Vec::new();
    let mut at = 0;
    for (a, b, s) in spans {
        if a >= at {
            pieces.push((&text[at..a], None));
            pieces.push((&text[a..b], Some(s)));
            at = b;
        }
    }
    pieces.push((&text[at..], None));
    html! {
        p.message {
            @for (piece, signal) in &pieces {
                @match signal {
                    Some(s) => { mark class=(s.kind) title=(s.explanation) { (piece) } }
                    None => { (piece) }
                }
            }
        }
    }
}

fn kinds_pills(kinds: &[impl std::fmt::Display]) -> Markup {
    html! { @for k in kinds { span class={ "pill kind " (k) } { (k.to_string().replace('_', " ")) } " " } }
}

fn agent(user: &User) -> bool {
    matches!(user.role, Role::Agent | Role::Admin | Role::Platform)
}

#[derive(Deserialize)]
pub struct QueueQuery {
    status: Option<String>,
}

pub(super) async fn queue(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<QueueQuery>,
) -> Response {
    if !agent(&user) {
        return (StatusCode::FORBIDDEN, "only agents see the cases queue").into_response();
    }
    let status = if q.status.as_deref() == Some("closed") {
        "closed"
    } else {
        "open"
    };
    let store = state.engine.store();
    let (rows, (open, scam, not_scam)) = match tokio::try_join!(
        store.list_cases(status, None, ROWS_MAX),
        store.case_counts()
    ) {
        Ok(x) => x,
        Err(e) => return internal(e),
    };
    let labelled = scam + not_scam;
    page(
        "Cases",
        Some(&user),
        html! {
            h1 { "Cases" }
            div.cards {
                div.card { div.n { (open) } div.l { "open cases" } }
                div.card { div.n { (scam) } div.l { "labelled scam" } }
                div.card { div.n { (not_scam) } div.l { "labelled false alarm" } }
                @if labelled > 0 {
                    div.card { div.n { (format!("{:.0}%", 100.0 * scam as f64 / labelled as f64)) } div.l { "of labelled cases were scams" } }
                }
            }
            p {
                a href="/console/cases" { "Open" } " · " a href="/console/cases?status=closed" { "Closed" }
            }
            @if rows.is_empty() { p.muted { "No " (status) " cases." } } @else {
                table.cases {
                    tr { th { "Risk" } th { "Case" } th { "Found" } th { "Seller" } th { "Opened" } @if status == "closed" { th { "Label" } } }
                    @for c in &rows {
                        tr {
                            td.num { (c.risk) }
                            td { a href={ "/console/cases/" (c.case_id) } { (c.case_id) } }
                            td { (kinds_pills(&c.kinds)) }
                            td { a href={ "/console/sellers/" (c.seller_id) } { (c.seller_id) } }
                            td { (when(c.opened_ms)) }
                            @if status == "closed" { td { (c.label.as_deref().unwrap_or("").replace('_', " ")) } }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

pub(super) async fn case_page(
    State(state): State<AppState>,
    user: User,
    Path(case_id): Path<String>,
) -> Response {
    if !agent(&user) {
        return (StatusCode::FORBIDDEN, "only agents see cases").into_response();
    }
    let not_found = || (StatusCode::NOT_FOUND, "no such case").into_response();
    let case = match state.engine.store().case(&case_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return not_found(),
        Err(e) => return internal(e),
    };
    let Ok(order_id) = OrderId::parse(&case.order_id) else {
        return not_found();
    };
    let (order, log) = match state.engine.order(&order_id).await {
        Ok(Some(x)) => x,
        Ok(None) => return not_found(),
        Err(e) => return internal(e),
    };
    let messages = crate::scan::message_views(&log, &user.role);
    let source = log.iter().find(|r| r.seq == case.message_seq);
    // A case comes from a message, or from the parcel checks (no text to highlight).
    let parcel: Option<(String, Vec<FindingJson>)> = source.and_then(|r| match &r.event {
        Event::ParcelFlagged { stage, signals, .. } => Some((
            stage.clone(),
            signals.iter().cloned().map(FindingJson::from).collect(),
        )),
        _ => None,
    });
    let message = source.and_then(|r| match &r.event {
        Event::MessagePosted { id, .. } => messages.iter().find(|m| &m.id == id),
        _ => None,
    });
    if message.is_none() && parcel.is_none() {
        return not_found();
    }
    let (from, held, signals, warning) = match (message, &parcel) {
        (Some(m), _) => (m.from.clone(), m.held, m.signals.clone(), m.warning.clone()),
        (None, Some((stage, signals))) => (
            format!("parcel checks when {stage}"),
            false,
            signals.clone(),
            None,
        ),
        (None, None) => unreachable!("checked above"),
    };
    let tracking = order.tracking.clone().unwrap_or_default();
    let text = message.and_then(|m| m.text.clone()).unwrap_or_default();
    let note = log.iter().rev().find_map(|r| match &r.event {
        Event::CaseClosed {
            case_id: c, note, ..
        } if *c == case.case_id => Some(note.clone()),
        _ => None,
    });
    page(
        &format!("Case {}", case.case_id),
        Some(&user),
        html! {
            h1 { "Case " (case.case_id) " " span class={ "pill " (case.status) } { (case.status) } }
            p.muted {
                "Order " a href={ "/console/orders/" (case.order_id) } { (case.order_id) } " (" (order.status.as_str()) ")"
                " · seller " a href={ "/console/sellers/" (case.seller_id) } { (case.seller_id) }
                " · buyer " (case.buyer_id) " · risk " b { (case.risk) } " · " (when(case.opened_ms))
            }
            @if message.is_some() {
                h2 { "Message from the " (from) @if held { " " span.pill.disputed { "held from the buyer" } } }
                (highlighted(&text, &signals))
            } @else {
                h2 { "Found by the " (from) }
                p { "Tracking number " code { (tracking) } @if let Some(c) = &order.destination_country { " · destination " (c) } }
            }
            h2 { "What the scanner found" }
            table {
                tr { th { "Kind" } th { "Severity" } th { "Score" } th { "Words" } th { "Why" } }
                @for s in &signals {
                    tr {
                        td { (kinds_pills(&[s.kind.to_string()])) }
                        td { (s.severity.as_str()) }
                        td.num { (format!("{:.2}", s.score)) }
                        td { mark class=(s.kind) { (s.excerpt) } }
                        td { (s.explanation) }
                    }
                }
            }
            @if let Some(w) = &warning {
                h2 { "Told to the buyer" }
                p { (w) }
            }
            @if case.status == "open" {
                h2 { "Your finding" }
                form method="post" action={ "/console/cases/" (case.case_id) "/label" } {
                    input type="hidden" name="csrf" value=(user.csrf);
                    p {
                        label { input type="radio" name="label" value="scam" required; " A scam attempt: the signals are right" } br;
                        label { input type="radio" name="label" value="not_scam"; " A false alarm: the signals are wrong" }
                    }
                    p { input name="note" placeholder="Note (optional)" maxlength="2000" style="width:100%"; }
                    button type="submit" { "Close the case" }
                }
            } @else {
                h2 { "Finding" }
                p { b { (case.label.as_deref().unwrap_or("").replace('_', " ")) } " by " (case.closed_by.as_deref().unwrap_or("")) " on " (case.closed_ms.map(when).unwrap_or_default()) }
                @if let Some(n) = note.filter(|n| !n.is_empty()) { p.muted { (n) } }
            }
        },
    )
    .into_response()
}

#[derive(Deserialize)]
pub struct LabelForm {
    csrf: String,
    label: String,
    #[serde(default)]
    note: String,
}

pub(super) async fn label(
    State(state): State<AppState>,
    user: User,
    Path(case_id): Path<String>,
    Form(f): Form<LabelForm>,
) -> Response {
    if !super::csrf_ok(&user, &f.csrf) {
        return forbidden();
    }
    if !agent(&user) {
        return (StatusCode::FORBIDDEN, "only agents label cases").into_response();
    }
    let Some(label) = CaseLabel::parse(&f.label) else {
        return (StatusCode::BAD_REQUEST, "label must be scam or not_scam").into_response();
    };
    let case = match state.engine.store().case(&case_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such case").into_response(),
        Err(e) => return internal(e),
    };
    let Ok(order) = OrderId::parse(&case.order_id) else {
        return (StatusCode::NOT_FOUND, "no such case").into_response();
    };
    let request = engine::Request {
        idempotency_key: Some(format!(
            "console:{}:{}:{}",
            user.key_id,
            case_id,
            &f.csrf[..16]
        )),
        order,
        actor: user.role.actor(&user.key_id, false),
        command: Command::CloseCase {
            case_id: case_id.clone(),
            label,
            note: f.note,
        },
        at: state.clock.now(),
    };
    match state.engine.execute(&request).await {
        // On to the next case in the queue, or back to the queue when it is empty.
        Ok(_) => match state.engine.store().list_cases("open", None, 1).await {
            Ok(next) if !next.is_empty() => {
                Redirect::to(&format!("/console/cases/{}", next[0].case_id)).into_response()
            }
            _ => Redirect::to("/console/cases").into_response(),
        },
        Err(engine::EngineError::Rejected(r)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, r.to_string()).into_response()
        }
        Err(e) => internal(e),
    }
}

#[derive(Deserialize, Default)]
pub struct PlaygroundQuery {
    text: Option<String>,
    sender: Option<String>,
    context: Option<String>,
    url: Option<String>,
}

/// Try the scanners on a message or a link: a GET form, nothing is stored.
pub(super) async fn playground(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<PlaygroundQuery>,
) -> Response {
    let scanner = state.engine.scanner();
    let text = q.text.clone().unwrap_or_default();
    let message = (!text.trim().is_empty()).then(|| {
        let input = ScanMessageIn {
            id: None,
            text: text.clone(),
            sender: q.sender.clone().filter(|s| !s.is_empty()),
            context: q.context.clone().filter(|s| !s.is_empty()),
            lang: None,
        };
        input
            .message()
            .map(|m| scanner.scan(&m))
            .map_err(|e| e.to_string())
    });
    let url = q.url.clone().unwrap_or_default();
    let link = (!url.trim().is_empty()).then(|| scanner.links().scan(&url));
    let selected = |v: &Option<String>, x: &str| v.as_deref() == Some(x);
    page(
        "Scan",
        Some(&user),
        html! {
            h1 { "Scan a message or a link" }
            form method="get" action="/console/scan" {
                p { textarea name="text" rows="4" style="width:100%" placeholder="Paste a chat message, in any of the six languages" { (text) } }
                p {
                    label { "Sender " select name="sender" {
                        option value="" { "unknown" }
                        option value="seller" selected[selected(&q.sender, "seller")] { "seller" }
                        option value="buyer" selected[selected(&q.sender, "buyer")] { "buyer" }
                    } }
                    " "
                    label { "Order stage " select name="context" {
                        option value="" { "unknown" }
                        @for c in ["pre_order", "in_transit", "delivered", "dispute_open"] {
                            option value=(c) selected[selected(&q.context, c)] { (c.replace('_', " ")) }
                        }
                    } }
                    " " button type="submit" { "Scan" }
                }
                p { input name="url" value=(url) placeholder="or a link: https://..." style="width:70%"; " " button type="submit" { "Scan" } }
            }
            @match &message {
                Some(Ok(report)) => {
                    @let signals: Vec<FindingJson> = report.assessment.signals().iter().cloned().map(FindingJson::from).collect();
                    h2 { "Message: " span class={ "pill verdict " (report.assessment.verdict().as_str()) } { (report.assessment.verdict().as_str()) } " risk " (report.assessment.risk()) }
                    (highlighted(&text, &signals))
                    @if signals.is_empty() { p.muted { "Nothing found." } }
                    ul { @for s in &signals { li { (kinds_pills(&[s.kind.to_string()])) " " (s.explanation) } } }
                }
                Some(Err(e)) => { p.err { (e) } }
                None => {}
            }
            @if let Some(r) = &link {
                h2 { "Link: " span class={ "pill verdict " (r.assessment.verdict().as_str()) } { (r.assessment.verdict().as_str()) } " risk " (r.assessment.risk()) }
                p {
                    "Registrable domain " b { (r.registrable_domain.as_deref().unwrap_or("none")) }
                    @if r.official { " (official)" }
                    @if let Some(b) = &r.impersonates { " · poses as " b { (b) } }
                }
                ul { @for s in r.assessment.signals() { li { (s.kind().as_str().replace('_', " ")) ": " (s.explanation()) } } }
            }
        },
    )
    .into_response()
}

/// The messages of an order for its page, highlighted.
pub(super) fn messages_section(log: &[protection::Recorded], role: &Role) -> Markup {
    let messages = crate::scan::message_views(log, role);
    html! {
        @if !messages.is_empty() {
            h2 { "Messages" }
            @for m in &messages {
                div.msg {
                    p.muted {
                        (m.from) " · " (m.at.replace('T', " ").trim_end_matches('Z'))
                        @if m.verdict != risk::Verdict::Allow { " · " span class={ "pill verdict " (m.verdict.as_str()) } { (m.verdict.as_str()) " " (m.risk) } }
                        @if m.held { " " span.pill.disputed { "held" } }
                        @if let Some(c) = &m.case_id { " · " a href={ "/console/cases/" (c) } { "case" } }
                    }
                    @match &m.text {
                        Some(t) => { (highlighted(t, &m.signals)) }
                        None => { p.muted { "(held: not shown)" } }
                    }
                }
            }
        }
    }
}

/// The review report card of a seller from the feedback its buyers left on the
/// engine's orders (the year before `as_of`): the `reviews` crate's tests, adjusted
/// rating and grade.
pub(super) async fn review_card(
    state: &AppState,
    seller: &domain::SellerId,
    as_of: domain::Timestamp,
) -> Result<Option<reviews::Card>, store::StoreError> {
    let since = as_of.plus_days(-365);
    let logs = state
        .engine
        .store()
        .seller_order_logs(seller.as_str(), since)
        .await?;
    let mut builder = reviews::Builder::new();
    let mut buyers_seen = 0usize;
    for (_, log) in &logs {
        let Some(buyer) = log.iter().find_map(|r| match &r.event {
            Event::Placed { buyer, .. } => Some(buyer.clone()),
            _ => None,
        }) else {
            continue;
        };
        for r in log {
            if let Event::FeedbackLeft { stars, text, .. } = &r.event {
                if r.at > as_of {
                    continue;
                }
                let row = reviews::Row {
                    review_id: None,
                    reviewer_id: buyer.clone(),
                    product_id: seller.to_string(),
                    seller_id: Some(seller.to_string()),
                    rating: *stars as f32,
                    created_at: Some(r.at.unix_ms() / 1000),
                    text: (!text.trim().is_empty()).then(|| text.clone()),
                    verified_purchase: Some(true),
                    reviewer_created_at: None,
                    reviewer_links: Vec::new(),
                    seller_links: Vec::new(),
                    linked_to_seller: None,
                };
                if builder.push(&row).is_ok() {
                    buyers_seen += 1;
                }
            }
        }
    }
    if buyers_seen == 0 {
        return Ok(None);
    }
    let reviews = builder.finish();
    let report = reviews::assess(&reviews);
    Ok(report.sellers.into_iter().next())
}

/// The report card as a table.
pub(super) fn review_card_section(card: Option<&reviews::Card>) -> Markup {
    html! {
        h2 { "Review report card" }
        @match card {
            None => { p.muted { "No feedback in the year before this date." } }
            Some(c) => {
                div.cards {
                    div.card { div.n { (c.grade) } div.l { "grade" } }
                    div.card { div.n { (format!("{:.2}", c.rating)) } div.l { "rating from " (c.reviews) " reviews" } }
                    div.card { div.n { (c.adjusted_rating.map_or("n/a".to_string(), |r| format!("{r:.2}"))) } div.l { "adjusted rating from the " (c.remaining) " reviews that keep trust" } }
                }
                table.tests {
                    tr { th { "Test" } th { "Result" } th { "Why" } }
                    @for t in &c.tests {
                        tr {
                            td { (t.name.replace('_', " ")) }
                            td { span class={ "pill verdict " (match t.result { reviews::Outcome::Pass => "allow", reviews::Outcome::Warn => "warn", reviews::Outcome::Fail => "block" }) } { (t.result.as_str()) } }
                            td { (t.detail) }
                        }
                    }
                }
            }
        }
    }
}
