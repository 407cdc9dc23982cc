//! One INFO line and one set of metrics per request: request id, method, matched route (the
//! template, e.g. `/v1/data-products/{id}`, never the raw path), status, latency, and, when
//! known, the caller's principal id and the product concerned. Everything logged while the
//! request runs (a 500's error id, say) carries the same `request` span, so a log line always
//! says which request and route it came from. Bodies, tokens and other personal data are never
//! logged.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::http::request_id::{X_REQUEST_ID, request_id};

/// Route recorded for a request no route matched (a 404 or 405 fallback).
const UNMATCHED: &str = "(unmatched)";

/// The caller's principal id, left in the response's extensions by the authentication
/// middleware for this log line.
#[derive(Debug, Clone)]
pub struct LoggedPrincipal(pub String);

pub async fn access_log(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(request.headers());
    request.headers_mut().insert(X_REQUEST_ID, id.clone());
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let product = product_in_path(&route, request.uri().path());
    let request_id = id.to_str().unwrap_or_default().to_owned();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %method,
        route = %route,
    );
    crate::telemetry::adopt_remote_parent(&span, request.headers());
    let mut response = next.run(request).instrument(span).await;
    let elapsed = started.elapsed();
    let status = response.status();
    let product = product.or_else(|| created_product(&response));
    let principal = response
        .extensions()
        .get::<LoggedPrincipal>()
        .map(|principal| principal.0.clone());
    // Outside the span (gone by now): the line carries every field itself, and inside it the
    // formatter would copy the span's fields into the line again.
    tracing::info!(
        request_id = %request_id,
        method = %method,
        route = %route,
        status = status.as_u16(),
        latency_ms = format_args!("{:.3}", elapsed.as_secs_f64() * 1000.0),
        principal = principal.as_deref(),
        product = product.as_deref(),
        "request finished"
    );
    crate::metrics::http::record_request(&method, &route, status, elapsed);
    response.headers_mut().insert(X_REQUEST_ID, id);
    response
}

/// The product a request is about, from its path: `{id}` of a product route, or the product
/// part (`dp:<name>`) of a table id (`dp:<name>:<table>`).
fn product_in_path(route: &str, path: &str) -> Option<String> {
    let id = path.split('/').nth(3)?;
    if route.starts_with("/v1/data-products/{id}") {
        Some(id.to_owned())
    } else if route.starts_with("/v1/schemas/{id}") {
        id.rsplit_once(':').map(|(product, _)| product.to_owned())
    } else {
        None
    }
}

/// The product a registration created, from its `Location`.
fn created_product(response: &Response) -> Option<String> {
    if !response.status().is_success() {
        return None;
    }
    let location = response.headers().get(header::LOCATION)?.to_str().ok()?;
    location
        .strip_prefix("/v1/data-products/")
        .filter(|id| !id.contains('/'))
        .map(str::to_owned)
}
