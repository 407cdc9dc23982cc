//! Graceful shutdown of the real `daap serve`: on SIGTERM readiness turns 503 while requests
//! are still served (the delay), then the listener closes, the request in flight finishes,
//! and the process exits 0. And the slow-client guard: headers must arrive in time.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::served::{Served, command};
use crate::support::{TestApp, product, product_fields};

#[tokio::test]
async fn readiness_answers_503_once_the_instance_is_draining() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/health/ready").await.status, StatusCode::OK);
    app.state.readiness.start_draining();
    let ready = app.get("/health/ready").await;
    let problem = ready.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("shutting down"),
        "{problem}"
    );
    assert_eq!(
        app.get("/v1/data-products").await.status,
        StatusCode::OK,
        "a draining instance still serves what reaches it"
    );
}

/// Rows waiting for a lock in this test's database: the blocked `PUT`.
async fn lock_waiters(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND wait_event_type = 'Lock'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn sigterm_turns_readiness_off_serves_through_the_delay_then_drains_the_request_in_flight_and_exits_0()
 {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let (mut serve, port) = command(&app);
    serve
        .env("DAAP_SHUTDOWN_DELAY_SECS", "2")
        .env("DAAP_SHUTDOWN_TIMEOUT_SECS", "30")
        .env("DAAP_LOG_FORMAT", "json")
        .env("RUST_LOG", "info");
    let mut served = Served::spawn(serve, port);
    served.wait_ready().await;

    // Hold the product row, so that a PUT (which moves the head on that row) has to wait.
    let mut holder = app.pool.begin().await.unwrap();
    sqlx::query("SELECT id FROM data_products WHERE name = 'prisons' FOR UPDATE")
        .execute(&mut *holder)
        .await
        .unwrap();
    let mut fields = product_fields("prisons");
    fields["description"] = json!("Changed while the service was stopping");
    let put = tokio::spawn({
        let client = daap::auth::http_client().unwrap();
        let url = served.url("/v1/data-products/dp:prisons");
        async move { client.put(url).json(&fields).send().await }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while lock_waiters(&app).await == 0 {
        assert!(Instant::now() < deadline, "the PUT never reached the lock");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let signalled = Instant::now();
    served.terminate();
    let client = daap::auth::http_client().unwrap();
    let ready = client
        .get(served.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503, "not ready from the signal on");
    let live = client.get(served.url("/health/live")).send().await.unwrap();
    assert_eq!(live.status(), 200, "still serving during the delay");
    assert!(
        signalled.elapsed() < Duration::from_secs(2),
        "those answers came within the delay"
    );

    // After the delay the listener closes, while the PUT is still held.
    let deadline = Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_ok()
    {
        assert!(Instant::now() < deadline, "the listener never closed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        signalled.elapsed() >= Duration::from_secs(2),
        "the listener stayed open for the delay"
    );
    assert!(served.is_running(), "it waits for the request in flight");

    holder.rollback().await.unwrap();
    let answer = put
        .await
        .unwrap()
        .expect("the PUT is answered, not cut off");
    assert_eq!(answer.status(), 200);
    let status = served.exited_within(Duration::from_secs(15)).await;
    let stderr = served.stderr();
    assert!(status.success(), "exit status {status}: {stderr}");
    // The drained request's line, logged just before the exit, is written too.
    let put_line = stderr
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|line| {
            line["fields"]["message"] == "request finished" && line["fields"]["method"] == "PUT"
        });
    let put_line = put_line.unwrap_or_else(|| panic!("no request line for the PUT in {stderr}"));
    assert_eq!(put_line["fields"]["status"], 200, "{put_line}");
    assert_eq!(put_line["fields"]["route"], "/v1/data-products/{id}");
    let current = app.get("/v1/data-products/dp:prisons").await;
    assert_eq!(
        current.body["description"],
        "Changed while the service was stopping"
    );
}

#[tokio::test]
async fn a_client_that_does_not_finish_its_headers_in_time_is_disconnected() {
    let app = TestApp::new().await;
    let (mut serve, port) = command(&app);
    serve.env("DAAP_HEADER_READ_TIMEOUT_SECS", "1");
    let mut served = Served::spawn(serve, port);
    served.wait_ready().await;

    let mut slow = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    slow.write_all(b"GET /health/live HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut buffer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(8), slow.read_to_end(&mut buffer)).await;
    assert!(
        read.is_ok(),
        "the connection was still open 8 s after the headers stalled"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "closed by the timeout, not at once"
    );

    // A client that sends its headers in time is served as usual.
    let mut prompt = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    prompt
        .write_all(b"GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    prompt.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    served.terminate();
    assert!(
        served
            .exited_within(Duration::from_secs(15))
            .await
            .success()
    );
}
