//! Request limits, the basics a web application firewall enforced: URL length (414), header
//! size (431), a deadline for the whole request (408) and the nesting depth of JSON bodies
//! (400). The body size (413) is checked where bodies are read (`DefaultBodyLimit` and
//! `crate::http::extract`), and slow senders of headers are cut off by the server's header read
//! timeout (`crate::server`).

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use std::sync::Arc;

use crate::http::gateway::Gateway;

#[derive(Debug, Clone, Copy)]
pub struct RequestLimits {
    /// Largest total size of the header names and values, in bytes.
    pub header_bytes: usize,
    /// Longest request target (path and query), in bytes.
    pub url_bytes: usize,
    /// Deepest nesting of arrays and objects in a JSON body.
    pub json_depth: usize,
    /// Longest a request may take, reading its body included.
    pub timeout: Duration,
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self {
            header_bytes: 16 * 1024,
            url_bytes: 4096,
            json_depth: 32,
            timeout: Duration::from_secs(30),
        }
    }
}

/// Paths exempt from the request deadline: the local upload store receives files of up to
/// 5 GiB, which take as long as the network needs. (Slow headers are still cut off.)
fn is_exempt_from_deadline(path: &str) -> bool {
    path.starts_with("/local-uploads/")
}

/// Refuses oversized URLs and headers before anything else reads them, then runs the request
/// under the deadline. A write past the deadline keeps running on its own task
/// (`run_to_completion`) and commits or rolls back; only the answer is lost, and a retry with
/// the same idempotency key gets it.
pub async fn enforce(
    State(gateway): State<Arc<Gateway>>,
    request: Request,
    next: Next,
) -> Response {
    let limits = gateway.limits;
    if let Err(error) = check_size(&limits, &request) {
        return error.into_response();
    }
    if is_exempt_from_deadline(request.uri().path()) {
        return next.run(request).await;
    }
    match tokio::time::timeout(limits.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::RequestTimeout(format!(
            "the request took longer than {} s; if it was a write, retry it with the same \
             `Idempotency-Key` to learn its outcome",
            limits.timeout.as_secs_f64()
        ))
        .into_response(),
    }
}

fn check_size(limits: &RequestLimits, request: &Request) -> Result<(), ApiError> {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    if target > limits.url_bytes {
        return Err(ApiError::UriTooLong(format!(
            "the URL's path and query are {target} bytes long; the limit is {}",
            limits.url_bytes
        )));
    }
    // As on the wire: `name: value\r\n`.
    let headers: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if headers > limits.header_bytes {
        return Err(ApiError::HeadersTooLarge(format!(
            "the request headers are {headers} bytes; the limit is {}",
            limits.header_bytes
        )));
    }
    Ok(())
}

/// The deepest nesting of arrays and objects in `json` (0 for a scalar). Reads the bytes once
/// without parsing, skipping strings, so a body nested a million deep costs one pass and no
/// stack; malformed JSON is left for the parser to report.
pub fn nesting_depth(json: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &byte in json {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}
