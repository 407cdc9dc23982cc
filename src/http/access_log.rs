//! One INFO line per request: method, matched route (the template, e.g.
//! `/v1/data-products/{id}`, never the raw path, which may carry names), status and latency.
//! Everything logged while the request runs (a 500's error id, say) carries the same `request`
//! span, so a log line always says which route it came from.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// Route recorded for a request no route matched (a 404 or 405 fallback).
const UNMATCHED: &str = "(unmatched)";

pub async fn access_log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!("request", method = %request.method(), route = %route);
    crate::telemetry::adopt_remote_parent(&span, request.headers());
    let response = next.run(request).instrument(span.clone()).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            latency_ms = format_args!("{latency_ms:.3}"),
            "request finished"
        );
    });
    response
}
