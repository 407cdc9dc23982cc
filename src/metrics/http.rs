//! Request metrics, recorded by the access log middleware for every request.

use std::time::Duration;

use axum::http::{Method, StatusCode};

/// Counts the request and records its latency, by method and matched route (the template,
/// so the number of series stays bounded whatever paths clients send).
pub fn record_request(method: &Method, route: &str, status: StatusCode, elapsed: Duration) {
    let method = method.as_str().to_owned();
    let route = route.to_owned();
    metrics::counter!(
        "daap_http_requests_total",
        "method" => method.clone(),
        "route" => route.clone(),
        "status" => status.as_str().to_owned(),
    )
    .increment(1);
    metrics::histogram!(
        "daap_http_request_duration_seconds",
        "method" => method,
        "route" => route,
    )
    .record(elapsed.as_secs_f64());
}
