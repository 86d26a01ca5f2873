//! The shopper's checks over HTTP: `/v1/assess/*` and a seller's assessment from the
//! engine's own figures. Inputs, JSON shapes and reports are `report`'s; the
//! detectors are in `risk` and `reviews`.

use report::input::date;
use report::reviews::{reviews_json, ReviewsOut};
use report::{
    from_json, listing_report, profile_from_ratings, seller_from_input, seller_report,
    tracking_report, ListingInput, ListingOut, SellerInput, SellerOut, TrackingLine, TrackingOut,
};
use risk::seller::SellerConfig;
use serde::Deserialize;

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;

use crate::{ApiError, AppState, Caller, Problem};

/// Largest review CSV accepted by `POST /v1/assess/reviews`, in bytes.
pub const REVIEWS_CSV_BYTES_MAX: usize = 16 * 1024 * 1024;

fn body_json<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::BadRequest("the body is not UTF-8".into()))?;
    from_json(text).map_err(|e| ApiError::BadRequest(format!("{e:#}")))
}

fn bad(e: anyhow::Error) -> ApiError {
    ApiError::BadRequest(format!("{e:#}"))
}

/// A seller from its store figures (the JSON of `marketguard assess seller`): trust
/// score 0-100, tier, risk, verdict, signals and advice.
#[utoipa::path(
    post,
    path = "/v1/assess/seller",
    request_body(content = SellerInput, description = "store figures: opened, positive_feedback_pct, feedback_count, items_sold, ... (see examples/seller.json)"),
    responses(
        (status = 200, body = SellerOut),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
pub(crate) async fn assess_seller(
    State(state): State<AppState>,
    _caller: Caller,
    body: Bytes,
) -> Result<Json<SellerOut>, ApiError> {
    let input: SellerInput = body_json(&body)?;
    let done = seller_from_input(input, state.clock.now()).map_err(bad)?;
    Ok(Json(done.json))
}

/// A listing (the JSON of `marketguard assess listing`): price against peers,
/// counterfeit and compliance risks, implausible materials, listing quality.
#[utoipa::path(
    post,
    path = "/v1/assess/listing",
    request_body(content = ListingInput, description = "title, description, price, currency, category, brand, photos, ... (see examples/listing.json)"),
    responses(
        (status = 200, body = ListingOut),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
pub(crate) async fn assess_listing(
    State(state): State<AppState>,
    _caller: Caller,
    body: Bytes,
) -> Result<Json<ListingOut>, ApiError> {
    let input: ListingInput = body_json(&body)?;
    let done = listing_report(input, state.clock.now()).map_err(bad)?;
    Ok(Json(done.json))
}

/// One tracking number with what is known of its order (`number`, and optionally
/// order_country, delivered_country, other_orders, days_since_last_event,
/// carrier_weight_g, expected_weight_g, ...).
#[utoipa::path(
    post,
    path = "/v1/assess/tracking",
    request_body(content = TrackingLine, description = "{\"number\": \"RB123456785GB\", ...}"),
    responses(
        (status = 200, body = TrackingOut),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
pub(crate) async fn assess_tracking(
    _caller: Caller,
    body: Bytes,
) -> Result<Json<TrackingOut>, ApiError> {
    let line: TrackingLine = body_json(&body)?;
    let mut done = tracking_report(std::slice::from_ref(&line), false).map_err(bad)?;
    Ok(Json(done.remove(0).json))
}

/// Reviews uploaded as CSV (`text/csv`, the columns of `marketguard assess
/// reviews`): reviewers with suspicion and reasons, products and sellers with report
/// cards, adjusted ratings and grades. A bad cell refuses the whole file, naming its
/// line and column.
#[utoipa::path(
    post,
    path = "/v1/assess/reviews",
    request_body(content = String, content_type = "text/csv", description = "CSV with a header: reviewer_id, product_id, rating required"),
    responses(
        (status = 200, body = ReviewsOut),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
pub(crate) async fn assess_reviews(
    _caller: Caller,
    body: Bytes,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let out = tokio::task::spawn_blocking(move || {
        let data =
            reviews::parse_csv(&body[..]).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let report = reviews::assess(&data);
        let mut out = Vec::new();
        reviews_json(&mut out, &data, &report).map_err(|e| ApiError::Internal(e.into()))?;
        Ok::<_, ApiError>(out)
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))??;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        out,
    )
        .into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct StoreQuery {
    /// When the store opened (YYYY-MM-DD or RFC 3339); without it, or when it is later,
    /// the store counts as open since its first order.
    opened: Option<String>,
}

/// A seller assessed from the engine's own figures of its orders (store ratings as
/// of now), as `marketguard assess seller --store ID` does.
#[utoipa::path(
    get,
    path = "/v1/sellers/{seller_id}/assessment",
    params(("seller_id" = String, Path, description = "The seller id"), StoreQuery),
    responses(
        (status = 200, body = SellerOut),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
pub(crate) async fn seller_assessment(
    State(state): State<AppState>,
    _caller: Caller,
    axum::extract::Path(seller_id): axum::extract::Path<String>,
    query: Result<axum::extract::Query<StoreQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SellerOut>, ApiError> {
    let axum::extract::Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let seller =
        domain::SellerId::parse(&seller_id).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let opened = q
        .opened
        .as_deref()
        .map(|o| date("opened", o))
        .transpose()
        .map_err(bad)?;
    let now = state.clock.now();
    let ratings = state
        .engine
        .seller_ratings(&seller, now, &protection::RatingPolicy::default())
        .await?;
    let profile = profile_from_ratings(opened, &ratings);
    let done =
        seller_report(Some(&seller_id), &profile, &SellerConfig::default(), now).map_err(bad)?;
    Ok(Json(done.json))
}
