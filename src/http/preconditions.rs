//! Entity tags and the conditional request headers `If-Match` / `If-None-Match` (RFC 9110 §13).

use axum::http::header::{ETAG, IF_MATCH, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// A strong entity tag for one version of one product. Versions are immutable, so the tag
/// changes exactly when the resource does; the internal product id distinguishes a product
/// from an earlier one of the same name that was deleted.
pub fn product_etag(product_id: i64, major: i32, minor: i32) -> String {
    format!("\"{product_id}.{major}.{minor}\"")
}

/// Whether `If-None-Match` matches `etag` (weak comparison, as RFC 9110 prescribes for it).
pub fn if_none_match_hits(headers: &HeaderMap, etag: &str) -> bool {
    header_tags(headers, IF_NONE_MATCH).is_some_and(|tags| {
        tags.iter()
            .any(|tag| *tag == "*" || opaque(tag) == opaque(etag))
    })
}

/// Enforce `If-Match` against the current tag (strong comparison): 412 with the current tag
/// when it does not match; nothing when the header is absent.
pub fn check_if_match(headers: &HeaderMap, current: &str) -> Result<(), ApiError> {
    let Some(tags) = header_tags(headers, IF_MATCH) else {
        return Ok(());
    };
    if tags.iter().any(|tag| *tag == "*" || *tag == current) {
        return Ok(());
    }
    Err(ApiError::PreconditionFailed {
        detail: format!(
            "If-Match {} does not match the current version {current}; someone changed the \
             resource since you read it: re-read it and retry",
            tags.join(", ")
        ),
        current_etag: Some(current.to_owned()),
    })
}

/// With `required`, a write without `If-Match` is refused with 428 before anything is read.
pub fn require_if_match(headers: &HeaderMap, required: bool) -> Result<(), ApiError> {
    if required && !headers.contains_key(IF_MATCH) {
        return Err(ApiError::PreconditionRequired(
            "this server requires `If-Match` on every update and delete: read the resource, \
             then send its `ETag` as `If-Match`"
                .to_owned(),
        ));
    }
    Ok(())
}

/// Whether a create carries `If-None-Match: *` ("only if it does not exist yet").
pub fn if_none_match_star(headers: &HeaderMap) -> bool {
    header_tags(headers, IF_NONE_MATCH).is_some_and(|tags| tags.iter().any(|t| t == "*"))
}

/// The comma-separated entity tags of a header, or `None` when it is absent.
fn header_tags(headers: &HeaderMap, name: axum::http::HeaderName) -> Option<Vec<String>> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    if values.is_empty() {
        return None;
    }
    Some(
        values
            .iter()
            .flat_map(|value| value.split(','))
            .map(|tag| tag.trim().to_owned())
            .filter(|tag| !tag.is_empty())
            .collect(),
    )
}

/// The tag without its weakness indicator.
fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

/// `304 Not Modified` carrying the tag the client already has.
pub fn not_modified(etag: &str) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    if let Ok(value) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(ETAG, value);
    }
    response
}
