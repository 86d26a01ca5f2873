//! Errors as RFC 9457 problem details. Rule refusals say which rule; storage and other
//! internal failures become an opaque 500, logged with their cause chain, never shown.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use engine::EngineError;
use protection::Rejection;
use serde::Serialize;
use utoipa::ToSchema;

/// RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The rule that refused a command, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    Unauthorized(String),
    Forbidden(String),
    NotFound(String),
    /// A body in an encoding the API does not read (only UTF-8).
    UnsupportedMediaType(String),
    Conflict {
        detail: String,
        rule: Option<String>,
    },
    Unprocessable {
        detail: String,
        rule: Option<String>,
    },
    TooManyRequests {
        retry_after_seconds: u64,
    },
    Internal(anyhow::Error),
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad-request", "Bad request"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            ApiError::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            ApiError::Conflict { .. } => (StatusCode::CONFLICT, "conflict", "Conflict"),
            ApiError::Unprocessable { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "rule-refused",
                "Refused by a rule",
            ),
            ApiError::TooManyRequests { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Rejected(r) => {
                let rule = rule_of(&r);
                match r {
                    Rejection::UnknownOrder(_) => ApiError::NotFound(r.to_string()),
                    Rejection::NotPermitted { .. } => ApiError::Forbidden(r.to_string()),
                    Rejection::OrderExists(_) => ApiError::Conflict {
                        detail: r.to_string(),
                        rule,
                    },
                    _ => ApiError::Unprocessable {
                        detail: r.to_string(),
                        rule,
                    },
                }
            }
            EngineError::IdempotencyConflict { .. } => ApiError::Conflict {
                detail: e.to_string(),
                rule: Some("idempotency_key".into()),
            },
            EngineError::Busy(_) => ApiError::Conflict {
                detail: e.to_string(),
                rule: None,
            },
            EngineError::Ledger(_) | EngineError::Store(_) => {
                ApiError::Internal(anyhow::Error::new(e))
            }
        }
    }
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> Self {
        ApiError::Internal(anyhow::Error::new(e))
    }
}

/// The name of the rule that refused, for problem details' `rule`.
fn rule_of(r: &Rejection) -> Option<String> {
    r.rule().map(String::from)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, slug, title) = self.parts();
        let retry_after = match &self {
            ApiError::TooManyRequests {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        };
        let (detail, rule) = match self {
            ApiError::TooManyRequests {
                retry_after_seconds,
            } => (
                format!("this API key's rate limit is reached; retry in {retry_after_seconds} s"),
                None,
            ),
            ApiError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "internal error");
                ("the server failed; the error was logged".to_string(), None)
            }
            ApiError::Conflict { detail, rule } | ApiError::Unprocessable { detail, rule } => {
                (detail, rule)
            }
            ApiError::BadRequest(d)
            | ApiError::Unauthorized(d)
            | ApiError::Forbidden(d)
            | ApiError::NotFound(d)
            | ApiError::UnsupportedMediaType(d) => (d, None),
        };
        let body = Problem {
            kind: format!("https://marketguard.invalid/problems/{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail,
            rule,
        };
        let mut response = (status, axum::Json(body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        if let Some(s) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(s));
        }
        response
    }
}
