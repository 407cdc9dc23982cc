//! Traces from the real `daap serve` to a fake OTLP/HTTP collector (JSON): a request that
//! carries a W3C `traceparent` is exported as a child of the caller's span, with its route and
//! the spans of its database work, the last spans are flushed when the process stops, and the
//! log lines are written as without traces.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::routing::post;
use serde_json::{Value, json};

use crate::support::served::{Served, command};
use crate::support::{TestApp, product};

/// Every span the fake collector was sent, flattened, each with its resource's attributes.
#[derive(Clone, Default)]
struct Collector {
    spans: Arc<Mutex<Vec<(Value, Value)>>>,
}

impl Collector {
    async fn start(&self) -> u16 {
        let router = axum::Router::new()
            .route("/v1/traces", post(receive))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, router).await });
        port
    }

    fn spans(&self) -> Vec<(Value, Value)> {
        self.spans.lock().unwrap().clone()
    }
}

async fn receive(State(collector): State<Collector>, Json(body): Json<Value>) -> Json<Value> {
    let mut spans = collector.spans.lock().unwrap();
    for resource_spans in body["resourceSpans"].as_array().into_iter().flatten() {
        let resource = resource_spans["resource"].clone();
        for scope in resource_spans["scopeSpans"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for span in scope["spans"].as_array().into_iter().flatten() {
                spans.push((resource.clone(), span.clone()));
            }
        }
    }
    Json(json!({}))
}

/// The string value of attribute `key` of a span or resource.
fn attribute<'a>(item: &'a Value, key: &str) -> Option<&'a str> {
    item["attributes"]
        .as_array()?
        .iter()
        .find(|a| a["key"] == key)?["value"]["stringValue"]
        .as_str()
}

#[tokio::test]
async fn a_request_with_a_traceparent_is_exported_as_a_child_span_with_its_route_and_database_work()
{
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let collector = Collector::default();
    let collector_port = collector.start().await;
    let (mut serve, port) = command(&app);
    serve
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{collector_port}"),
        )
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("OTEL_SERVICE_NAME")
        .env_remove("OTEL_SDK_DISABLED")
        .env_remove("OTEL_TRACES_EXPORTER");
    let mut served = Served::spawn(serve, port);
    served.wait_ready().await;

    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let parent_id = "00f067aa0ba902b7";
    let client = daap::auth::http_client().unwrap();
    let response = client
        .get(served.url("/v1/data-products/dp:prisons"))
        .header("traceparent", format!("00-{trace_id}-{parent_id}-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let deadline = Instant::now() + Duration::from_secs(15);
    let (resource, request) = loop {
        let found = collector
            .spans()
            .into_iter()
            .find(|(_, span)| span["name"] == "request" && span["traceId"] == trace_id);
        if let Some(found) = found {
            break found;
        }
        assert!(
            Instant::now() < deadline,
            "no request span of the trace was exported: {:?}",
            collector.spans()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(request["parentSpanId"], parent_id, "{request}");
    assert_eq!(
        attribute(&request, "route"),
        Some("/v1/data-products/{id}"),
        "{request}"
    );
    assert_eq!(attribute(&request, "method"), Some("GET"), "{request}");
    assert_eq!(attribute(&resource, "service.name"), Some("daap"));

    // Its database work, as children of the request span.
    let request_span_id = request["spanId"].as_str().unwrap().to_owned();
    served.terminate();
    let status = served.exited_within(Duration::from_secs(15)).await;
    let stderr = served.stderr();
    assert!(status.success(), "exit status {status}: {stderr}");
    assert!(
        stderr.contains("route=/v1/data-products/{id}") && stderr.contains("request finished"),
        "exporting traces leaves the request log as it was: {stderr}"
    );
    let database_work: Vec<Value> = collector
        .spans()
        .into_iter()
        .map(|(_, span)| span)
        .filter(|span| span["traceId"] == trace_id && span["parentSpanId"] == request_span_id)
        .filter(|span| span["name"].as_str().is_some_and(|n| n.starts_with("db.")))
        .collect();
    assert!(
        database_work
            .iter()
            .any(|span| span["name"] == "db.products.find_current"),
        "the read's statement is a child span: {database_work:?}"
    );
}
