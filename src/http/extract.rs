//! Request extractors whose rejections use daap's problem format instead of axum's plain text.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;
use crate::http::AppState;
use crate::http::gateway::limits::nesting_depth;

/// A JSON request body, parsed but not yet validated (validation reports every problem at
/// once, which needs the whole document). Rejects a non-JSON media type with 415, a body over
/// the configured limit with 413 and malformed JSON with 400.
pub struct JsonBody(pub Value);

impl FromRequest<AppState> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        if !is_json_media_type(content_type) {
            return Err(ApiError::UnsupportedMediaType(if content_type.is_empty() {
                "send the request body as JSON with `Content-Type: application/json`".to_owned()
            } else {
                format!(
                    "`{content_type}` is not accepted; send the request body as JSON with \
                     `Content-Type: application/json`"
                )
            }));
        }
        let bytes =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection {
                    BytesRejection::FailedToBufferBody(_) if is_length_limit(&rejection) => {
                        ApiError::PayloadTooLarge {
                            limit: state.body_limit,
                        }
                    }
                    other => {
                        ApiError::BadRequest(format!("could not read the request body: {other}"))
                    }
                })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::BadRequest(
                "the request body is empty; send a JSON object".to_owned(),
            ));
        }
        let depth = nesting_depth(&bytes);
        if depth > state.gateway.limits.json_depth {
            return Err(ApiError::BadRequest(format!(
                "the request body nests arrays and objects {depth} deep; the limit is {}",
                state.gateway.limits.json_depth
            )));
        }
        crate::http::strict_json::parse(&bytes).map(JsonBody)
    }
}

fn is_length_limit(rejection: &BytesRejection) -> bool {
    rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE
}

/// `application/json`, optionally with parameters, or any `application/*+json`.
fn is_json_media_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Query parameters; a malformed or unknown parameter is a 400 naming it.
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|Query(value)| ApiQuery(value))
            .map_err(|rejection| {
                ApiError::BadRequest(format!("invalid query string: {}", rejection.body_text()))
            })
    }
}
