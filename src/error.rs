//! The one error type at the HTTP boundary, rendered as RFC 9457 `application/problem+json`.
//!
//! Handlers return `Result<_, ApiError>` and use `?` everywhere. Anything a client can cause maps
//! to a 4xx with a useful `detail`; anything else becomes a 500 whose body carries only an error
//! id, while the cause goes to the log (never SQL or stack traces to clients).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

use crate::store::StoreError;
pub use crate::validation::FieldError;
use crate::validation::InvalidFields;

/// The RFC 9457 problem document daap sends for every error.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// Stable, machine-readable problem type (a URN), e.g. `urn:daap:problem:validation`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the problem type; the same for every occurrence.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong for this request, in words meant for the caller.
    pub detail: String,
    /// Every problem found in the request at once (validation errors only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The resource's current `ETag` (precondition failures only), so a client can re-read and retry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_etag: Option<String>,
    /// Correlates a 500 with the server log (server errors only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    /// Query parameters with bad values: a 400 (like any malformed query) that names each
    /// parameter in `errors`.
    #[error("{}", query_summary(.0))]
    InvalidQuery(Vec<FieldError>),
    #[error("{detail}")]
    Validation {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{}", .0.description())]
    Unauthorized(crate::auth::AuthError),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{detail}")]
    PreconditionFailed {
        detail: String,
        current_etag: Option<String>,
    },
    #[error("{0}")]
    PreconditionRequired(String),
    /// A repeat of a request that is still running: 409 with `Retry-After`.
    #[error("{0}")]
    InFlight(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The request took longer than the configured limit (408).
    #[error("{0}")]
    RequestTimeout(String),
    /// The URL is longer than the configured limit (414).
    #[error("{0}")]
    UriTooLong(String),
    /// The headers are larger than the configured limit (431).
    #[error("{0}")]
    HeadersTooLarge(String),
    /// The caller spent its budget; the rate limiter adds `Retry-After` and `RateLimit` (429).
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A 422 for one field.
    pub fn invalid_field(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        InvalidFields::one(pointer, detail).into()
    }

    /// A 422 for a list of problems (must be non-empty).
    pub fn validation(errors: Vec<FieldError>) -> Self {
        InvalidFields(errors).into()
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) | Self::InvalidQuery(_) => StatusCode::BAD_REQUEST,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized(error) => error.status(),
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) | Self::InFlight(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            Self::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable slug that ends the problem `type` URN.
    fn slug(&self) -> &'static str {
        match self {
            Self::BadRequest(_) | Self::InvalidQuery(_) => "bad-request",
            Self::Validation { .. } => "validation",
            Self::Unauthorized(crate::auth::AuthError::KeysUnavailable) => "unavailable",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not-found",
            Self::Conflict(_) => "conflict",
            Self::InFlight(_) => "in-flight",
            Self::PreconditionFailed { .. } => "precondition-failed",
            Self::PreconditionRequired(_) => "precondition-required",
            Self::UnsupportedMediaType(_) => "unsupported-media-type",
            Self::PayloadTooLarge { .. } => "payload-too-large",
            Self::MethodNotAllowed(_) => "method-not-allowed",
            Self::RequestTimeout(_) => "request-timeout",
            Self::UriTooLong(_) => "uri-too-long",
            Self::HeadersTooLarge(_) => "headers-too-large",
            Self::TooManyRequests(_) => "too-many-requests",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    pub fn to_problem(&self) -> Problem {
        let status = self.status();
        let mut problem = Problem {
            problem_type: format!("urn:daap:problem:{}", self.slug()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.to_string(),
            errors: Vec::new(),
            current_etag: None,
            error_id: None,
        };
        match self {
            Self::Validation { errors, .. } | Self::InvalidQuery(errors) => {
                problem.errors = errors.clone()
            }
            Self::PreconditionFailed { current_etag, .. } => {
                problem.current_etag = current_etag.clone()
            }
            Self::Internal(cause) => {
                let error_id = new_error_id();
                tracing::error!(error.id = %error_id, error.cause = ?cause, "internal error");
                problem.detail =
                    "the server failed to handle this request; quote `errorId` when reporting it"
                        .to_owned();
                problem.error_id = Some(error_id);
            }
            _ => {}
        }
        problem
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = problem_response(&self.to_problem());
        match &self {
            // Both pass within moments: a repeat still running, a database busy or restarting.
            Self::InFlight(_) | Self::Unavailable(_) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            Self::Unauthorized(error) if error.status() == StatusCode::UNAUTHORIZED => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, error.www_authenticate());
            }
            _ => {}
        }
        response
    }
}

/// Serialise a problem with the right status and media type.
pub fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

/// The `detail` of an [`ApiError::InvalidQuery`]: the problem itself when there is one.
fn query_summary(errors: &[FieldError]) -> String {
    match errors {
        [one] => format!("`{}`: {}", one.location(), one.detail),
        many => format!(
            "the query has {} invalid parameters; see `errors`",
            many.len()
        ),
    }
}

impl From<InvalidFields> for ApiError {
    fn from(invalid: InvalidFields) -> Self {
        Self::Validation {
            detail: invalid.to_string(),
            errors: invalid.0,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NameTaken(name) => Self::Conflict(format!(
                "a data product called `{name}` is already registered; \
                 update it with PUT /v1/data-products/dp:{name}"
            )),
            StoreError::Database(error) => error.into(),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    /// Database errors a client can trigger by racing another client become 409/503; the rest
    /// are internal. Named unique constraints are mapped where they are violated, not here.
    fn from(error: sqlx::Error) -> Self {
        match &error {
            // No connection within the acquire timeout: every one is busy, or none can be
            // opened because the server is down or restarting.
            sqlx::Error::PoolTimedOut => {
                Self::Unavailable("the database is busy or unavailable; retry shortly".to_owned())
            }
            sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed => {
                tracing::warn!(error = %error, "database unavailable");
                Self::Unavailable("the database is unavailable; retry shortly".to_owned())
            }
            // The server is shutting down or restarting (57P01-57P03), or the connection
            // broke (class 08): the request may succeed on a retry once it is back.
            sqlx::Error::Database(db)
                if db.code().is_some_and(|code| {
                    matches!(code.as_ref(), "57P01" | "57P02" | "57P03") || code.starts_with("08")
                }) =>
            {
                tracing::warn!(error = %error, "database unavailable");
                Self::Unavailable("the database is unavailable; retry shortly".to_owned())
            }
            // Out of disk, memory or connections (class 53): nothing was written (the
            // transaction rolled back), and a retry succeeds once an operator has made room.
            // Logged as an error: it needs one.
            sqlx::Error::Database(db) if db.code().is_some_and(|code| code.starts_with("53")) => {
                tracing::error!(error = %error, "database out of resources");
                Self::Unavailable(
                    "the database is out of resources (disk, memory or connections); nothing \
                     was written; retry later"
                        .to_owned(),
                )
            }
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("40001" | "40P01")) =>
            {
                Self::Conflict(
                    "a concurrent change to the same resource won; re-read it and retry".to_owned(),
                )
            }
            _ => Self::Internal(anyhow::Error::new(error)),
        }
    }
}

/// Short random id to correlate a 500 with the log line that explains it.
fn new_error_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    format!("{:x}-{:x}", nanos, COUNTER.fetch_add(1, Ordering::Relaxed))
}
