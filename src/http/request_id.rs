//! `X-Request-Id`: the caller's, when it is a sensible identifier, else a new one; returned on
//! every response and logged on every line of the request, so a client's report, the ingress
//! log and daap's log can be matched.

use axum::http::{HeaderMap, HeaderName, HeaderValue};

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest request id taken from a caller (a UUID is 36, a W3C trace id 32).
const MAX_LENGTH: usize = 128;

/// The caller's request id if it is 1 to 128 letters, digits, `-`, `_`, `.`, `:` or `/`
/// (anything else could forge log lines or smuggle data), else a fresh UUID.
pub fn request_id(headers: &HeaderMap) -> HeaderValue {
    headers
        .get(X_REQUEST_ID)
        .filter(|value| is_acceptable(value.as_bytes()))
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::try_from(uuid::Uuid::new_v4().to_string()).expect("a UUID is ASCII")
        })
}

fn is_acceptable(id: &[u8]) -> bool {
    (1..=MAX_LENGTH).contains(&id.len())
        && id
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || b"-_.:/".contains(byte))
}
