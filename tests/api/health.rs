use axum::http::StatusCode;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn health_endpoints_answer_when_the_database_is_up() {
    let app = TestApp::new().await;
    let health = app.get("/health").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body, json!("OK"));
    let live = app.get("/health/live").await;
    assert_eq!(live.body, json!({"status": "ok"}));
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body, json!({"status": "ok"}));
}

#[tokio::test]
async fn readiness_fails_with_503_when_the_database_is_gone() {
    let app = TestApp::new().await;
    app.state.pool.close();
    let ready = app.get("/health/ready").await;
    ready.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    let live = app.get("/health/live").await;
    assert_eq!(
        live.status,
        StatusCode::OK,
        "liveness does not depend on the database"
    );
    let get = app.get("/v1/data-products/dp:prisons").await;
    get.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
}
