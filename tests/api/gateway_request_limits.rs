//! The web application firewall's basics: each limit answers with its own status as a
//! problem, and a request under the limits is unaffected.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode};
use daap::http::gateway::Gateway;
use daap::http::gateway::limits::{RequestLimits, nesting_depth};
use futures_util::StreamExt;
use serde_json::json;

use crate::support::{TestApp, product};

fn limits(change: impl FnOnce(&mut RequestLimits)) -> Gateway {
    let mut limits = RequestLimits::default();
    change(&mut limits);
    Gateway {
        limits,
        ..Gateway::default()
    }
}

#[tokio::test]
async fn a_url_over_the_limit_gets_414() {
    let app = TestApp::new()
        .await
        .with_gateway(limits(|l| l.url_bytes = 100));
    assert_eq!(app.get("/v1/data-products").await.status, StatusCode::OK);

    let long = format!("/v1/data-products/dp:{}", "a".repeat(100));
    let problem = app.get(&long).await;
    let problem = problem.assert_problem(StatusCode::URI_TOO_LONG);
    assert_eq!(problem["type"], "urn:daap:problem:uri-too-long");
    assert!(
        problem["detail"].as_str().unwrap().contains("limit is 100"),
        "{problem}"
    );
}

#[tokio::test]
async fn headers_over_the_limit_get_431() {
    let app = TestApp::new()
        .await
        .with_gateway(limits(|l| l.header_bytes = 1024));
    let small = "x".repeat(500);
    let answer = app
        .call(
            Method::GET,
            "/v1/data-products",
            None,
            &[("x-note", &small)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);

    let large = "x".repeat(1100);
    let answer = app
        .call(
            Method::GET,
            "/v1/data-products",
            None,
            &[("x-note", &large)],
        )
        .await;
    let problem = answer.assert_problem(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(problem["type"], "urn:daap:problem:headers-too-large");
}

#[tokio::test]
async fn a_json_body_nested_deeper_than_the_limit_gets_400_and_changes_nothing() {
    let app = TestApp::new()
        .await
        .with_gateway(limits(|l| l.json_depth = 4));
    let mut body = product("prisons");
    // Depth 3: the product object, `tags`, and one more level.
    body["tags"] = json!({"a": {"b": "c"}});
    let answer = app.post("/v1/data-products", &body).await;
    assert_ne!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);

    body["tags"] = json!({"a": {"b": {"c": {"d": "e"}}}});
    let answer = app.post("/v1/data-products", &body).await;
    let problem = answer.assert_problem(StatusCode::BAD_REQUEST);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("nests arrays and objects 5 deep; the limit is 4"),
        "{problem}"
    );
    assert_eq!(
        app.get("/v1/data-products/dp:prisons").await.status,
        StatusCode::NOT_FOUND
    );
}

#[test]
fn nesting_depth_skips_brackets_inside_strings() {
    assert_eq!(nesting_depth(b"1"), 0);
    assert_eq!(nesting_depth(br#"{"a": [1, [2]], "b": {}}"#), 3);
    assert_eq!(nesting_depth(br#"{"a": "[[[[{{{{"}"#), 1);
    assert_eq!(nesting_depth(br#"{"a": "\"[[[["}"#), 1);
    assert_eq!(nesting_depth(br#"["\\", [[]]]"#), 3);
    let deep = "[".repeat(1_000_000);
    assert_eq!(nesting_depth(deep.as_bytes()), 1_000_000);
}

#[tokio::test]
async fn a_body_that_never_finishes_arriving_gets_408_after_the_deadline() {
    let app = TestApp::new()
        .await
        .with_gateway(limits(|l| l.timeout = Duration::from_millis(300)));
    // The client sends the start of a body, then nothing more.
    let stream =
        futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"{\"name\": "))])
            .chain(futures_util::stream::pending());
    let request = Request::builder()
        .method(Method::POST)
        .uri("/v1/data-products")
        .header("content-type", "application/json")
        .body(Body::from_stream(stream))
        .unwrap();
    let started = std::time::Instant::now();
    let answer = app.send(request).await;
    let problem = answer.assert_problem(StatusCode::REQUEST_TIMEOUT);
    assert_eq!(problem["type"], "urn:daap:problem:request-timeout");
    assert!(started.elapsed() < Duration::from_secs(5));
}
