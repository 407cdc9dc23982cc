//! Request metrics, recorded by the access log middleware for every request.
//!
//! Registering a series costs a key with its labels and a registry lookup; daap keeps the
//! handles of each (route, method, status) it has seen, so a request costs one map lookup
//! under a read lock and two atomic updates. The routes are the templates of the route table,
//! so the map stays small whatever paths clients send.

use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use metrics::{Counter, Histogram};

/// The handles of one route.
#[derive(Default)]
struct RouteSeries {
    requests: Vec<(Method, u16, Counter)>,
    latency: Vec<(Method, Histogram)>,
}

impl RouteSeries {
    fn handles(&self, method: &Method, status: u16) -> Option<(&Counter, &Histogram)> {
        let requests = self
            .requests
            .iter()
            .find(|(m, s, _)| m == method && *s == status)?;
        let latency = self.latency.iter().find(|(m, _)| m == method)?;
        Some((&requests.2, &latency.1))
    }

    fn register(&mut self, route: &str, method: &Method, status: u16) {
        if !self.latency.iter().any(|(m, _)| m == method) {
            let latency = metrics::histogram!(
                "daap_http_request_duration_seconds",
                "method" => method.as_str().to_owned(),
                "route" => route.to_owned(),
            );
            self.latency.push((method.clone(), latency));
        }
        if self.handles(method, status).is_none() {
            let requests = metrics::counter!(
                "daap_http_requests_total",
                "method" => method.as_str().to_owned(),
                "route" => route.to_owned(),
                "status" => status.to_string(),
            );
            self.requests.push((method.clone(), status, requests));
        }
    }
}

static SERIES: LazyLock<RwLock<HashMap<String, RouteSeries>>> = LazyLock::new(Default::default);

/// Counts the request and records its latency, by method and matched route template.
pub fn record_request(method: &Method, route: &str, status: StatusCode, elapsed: Duration) {
    let status = status.as_u16();
    let seconds = elapsed.as_secs_f64();
    {
        let series = SERIES
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((requests, latency)) = series
            .get(route)
            .and_then(|route| route.handles(method, status))
        {
            requests.increment(1);
            latency.record(seconds);
            return;
        }
    }
    let mut series = SERIES
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let route_series = series.entry(route.to_owned()).or_default();
    route_series.register(route, method, status);
    if let Some((requests, latency)) = route_series.handles(method, status) {
        requests.increment(1);
        latency.record(seconds);
    }
}
