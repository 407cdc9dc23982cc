//! What a client sees when PostgreSQL drops daap's connections: a connection the server closed
//! while idle in the pool (a restart, an idle timeout) is replaced without an error, and a request whose connection is
//! terminated mid-query gets `503` with `Retry-After` (never `500`), with nothing written.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::json;
use sqlx::{Executor, PgConnection};

use crate::support::{TestApp, product, product_fields};

/// Other sessions on this database idle in daap's pool.
const IDLE: &str = "state = 'idle'";
/// Other sessions on this database waiting for a lock.
const WAITING_FOR_A_LOCK: &str = "wait_event_type = 'Lock'";

/// Terminate every other session on this database in `state`; how many there were.
async fn terminate(session: &mut PgConnection, state: &'static str) -> i64 {
    let query = match state {
        IDLE => {
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'"
        }
        _ => {
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() \
             AND wait_event_type = 'Lock'"
        }
    };
    sqlx::query_scalar(query).fetch_one(session).await.unwrap()
}

#[tokio::test]
async fn connections_the_server_closed_while_pooled_are_replaced_without_an_error() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    for _ in 0..3 {
        assert_eq!(
            app.get("/v1/data-products/dp:prisons").await.status,
            StatusCode::OK
        );
    }
    let mut operator = app.other_session().await;
    let terminated = terminate(&mut operator, IDLE).await;
    assert!(terminated >= 1, "the pool held an idle connection");
    // Longer than a connection may idle and still be handed out unchecked.
    tokio::time::sleep(daap::store::pool::TRUSTED_IDLE * 2).await;
    for _ in 0..20 {
        let response = app.get("/v1/data-products/dp:prisons").await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    }
}

#[tokio::test]
async fn a_write_whose_connection_is_terminated_mid_query_gets_503_with_retry_after() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    // Another session holds the product's row, so the update waits inside its transaction.
    let mut holder = app.other_session().await;
    holder.execute("BEGIN").await.unwrap();
    holder
        .execute("SELECT * FROM data_products WHERE name = 'prisons' FOR UPDATE")
        .await
        .unwrap();
    let mut fields = product_fields("prisons");
    fields["description"] = json!("changed");
    let update = {
        let app_router = app.router.clone();
        let body = fields.to_string();
        tokio::spawn(async move {
            use tower::ServiceExt;
            let request = axum::http::Request::builder()
                .method("PUT")
                .uri("/v1/data-products/dp:prisons")
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body))
                .unwrap();
            app_router.oneshot(request).await.unwrap()
        })
    };
    // Once the update waits for the lock, an operator terminates its session.
    let mut operator = app.other_session().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while terminate(&mut operator, WAITING_FOR_A_LOCK).await == 0 {
        assert!(
            Instant::now() < deadline,
            "the update never waited for the lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let response = update.await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert_eq!(response.headers()["retry-after"], "1");
    holder.execute("ROLLBACK").await.unwrap();

    // Nothing was written, and the retry the answer invites succeeds.
    let versions = app.get("/v1/data-products/dp:prisons/versions").await;
    assert_eq!(versions.body["value"].as_array().unwrap().len(), 1);
    let retry = app.put("/v1/data-products/dp:prisons", &fields).await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.text);
    assert_eq!(retry.body["version"], "v1.1");
}
