//! Safe retries: idempotency keys (explicit and derived) on every POST.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use daap::http::WriteSettings;
use daap::http::idempotency::IdempotencySettings;
use serde_json::{Value, json};

use crate::support::{TestApp, TestResponse, product};

async fn post_with(
    app: &TestApp,
    path: &str,
    body: &Value,
    headers: &[(&str, &str)],
) -> TestResponse {
    app.call(Method::POST, path, Some(body), headers).await
}

async fn counts(app: &TestApp) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM data_products), (SELECT count(*) FROM data_product_versions),
                (SELECT count(*) FROM idempotency_records)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

fn table() -> Value {
    json!({"tableDescription": "t", "columns": [{"name": "id", "type": "int", "description": ""}]})
}

#[tokio::test]
async fn a_repeat_with_the_same_key_replays_the_identical_response_and_changes_nothing() {
    let app = TestApp::new().await;
    let key = [(
        "idempotency-key",
        "\"8e03978e-40d5-43e8-bc93-6894a57f9324\"",
    )];
    let first = post_with(&app, "/v1/data-products", &product("prisons"), &key).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert!(first.header("idempotent-replayed").is_none());

    let again = post_with(&app, "/v1/data-products", &product("prisons"), &key).await;

    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.text, first.text, "byte-identical body");
    assert_eq!(again.header("etag"), first.header("etag"));
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("content-type"), Some("application/json"));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(counts(&app).await, (1, 1, 1));
}

#[tokio::test]
async fn the_prototypes_header_is_honoured_too() {
    let app = TestApp::new().await;
    let key = [("x-idempotent-key", "retry-me")];
    post_with(&app, "/v1/data-products", &product("prisons"), &key).await;
    let again = post_with(&app, "/v1/data-products", &product("prisons"), &key).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
}

#[tokio::test]
async fn re_sending_the_same_request_without_a_key_replays_it() {
    let app = TestApp::new().await;
    let first = app.post("/v1/data-products", &product("prisons")).await;
    assert_eq!(first.status, StatusCode::CREATED);
    // Same JSON, other key order and spacing: the derived key uses canonical JSON.
    let original = product("prisons");
    let entries: Vec<String> = original
        .as_object()
        .unwrap()
        .iter()
        .rev()
        .map(|(key, value)| format!("\n  {} :  {}", json!(key), value))
        .collect();
    let reordered = format!("{{{}\n}}", entries.join(" ,"));
    assert_ne!(reordered, original.to_string());
    let request = Request::post("/v1/data-products")
        .header("content-type", "application/json")
        .body(Body::from(reordered))
        .unwrap();
    let again = app.send(request).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.text, first.text);

    let mut other = product("prisons");
    other["description"] = json!("A different request");
    app.post("/v1/data-products", &other)
        .await
        .assert_problem(StatusCode::CONFLICT);
    assert_eq!(counts(&app).await.0, 1);
}

#[tokio::test]
async fn reusing_a_key_for_a_different_request_is_a_422() {
    let app = TestApp::new().await;
    let key = [("idempotency-key", "one-key")];
    post_with(&app, "/v1/data-products", &product("prisons"), &key).await;
    let response = post_with(&app, "/v1/data-products", &product("courts"), &key).await;
    let problem = response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("different request")
    );
    let schema = post_with(&app, "/v1/schemas/dp:prisons:t", &table(), &key).await;
    schema.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(counts(&app).await.0, 1);
}

#[tokio::test]
async fn malformed_keys_are_a_400() {
    let app = TestApp::new().await;
    for key in ["", "\"\"", &"k".repeat(256)] {
        post_with(
            &app,
            "/v1/data-products",
            &product("prisons"),
            &[("idempotency-key", key)],
        )
        .await
        .assert_problem(StatusCode::BAD_REQUEST);
    }
    assert_eq!(counts(&app).await.0, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_identical_posts_create_exactly_one_product_and_one_version() {
    for key in [Some("concurrent-key"), None] {
        let app = Arc::new(TestApp::new().await);
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let app = app.clone();
                tokio::spawn(async move {
                    let headers: Vec<(&str, &str)> = key
                        .map(|k| vec![("idempotency-key", k)])
                        .unwrap_or_default();
                    post_with(&app, "/v1/data-products", &product("prisons"), &headers).await
                })
            })
            .collect();
        let mut bodies = Vec::new();
        for task in tasks {
            let response = task.await.unwrap();
            assert_eq!(
                response.status,
                StatusCode::CREATED,
                "{key:?}: {}",
                response.text
            );
            bodies.push(response.text);
        }
        assert!(
            bodies.windows(2).all(|w| w[0] == w[1]),
            "every client got the same answer"
        );
        assert_eq!(counts(&app).await, (1, 1, 1), "{key:?}");
    }
}

#[tokio::test]
async fn a_repeat_while_the_first_is_still_running_gets_a_409_with_retry_after() {
    let app = TestApp::with_writes(WriteSettings {
        idempotency: IdempotencySettings {
            wait: Duration::from_millis(200),
            ..IdempotencySettings::default()
        },
        ..WriteSettings::default()
    })
    .await;
    // Stand in for a first request that is still running: hold its key's lock.
    let mut first = app.pool.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('key:busy', 0))")
        .execute(&mut *first)
        .await
        .unwrap();

    let repeat = post_with(
        &app,
        "/v1/data-products",
        &product("prisons"),
        &[("idempotency-key", "busy")],
    )
    .await;
    repeat.assert_problem(StatusCode::CONFLICT);
    assert_eq!(repeat.header("retry-after"), Some("1"));
    assert_eq!(
        counts(&app).await.0,
        0,
        "never a second execution while the first runs"
    );

    first.commit().await.unwrap();
    let later = post_with(
        &app,
        "/v1/data-products",
        &product("prisons"),
        &[("idempotency-key", "busy")],
    )
    .await;
    assert_eq!(later.status, StatusCode::CREATED);
}

#[tokio::test]
async fn expired_records_are_not_replayed_never_block_and_are_purged() {
    let app = TestApp::with_writes(WriteSettings {
        idempotency: IdempotencySettings {
            retention: Duration::from_secs(1),
            ..IdempotencySettings::default()
        },
        ..WriteSettings::default()
    })
    .await;
    let key = [("idempotency-key", "short-lived")];
    post_with(&app, "/v1/data-products", &product("prisons"), &key).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let reused = post_with(&app, "/v1/data-products", &product("courts"), &key).await;
    assert_eq!(
        reused.status,
        StatusCode::CREATED,
        "an expired key is free again: {}",
        reused.text
    );
    assert!(reused.header("idempotent-replayed").is_none());
    assert_eq!(reused.body["name"], "courts");

    tokio::time::sleep(Duration::from_millis(1500)).await;
    let purged = daap::store::idempotency::purge_expired(&app.state.pool, 1000)
        .await
        .unwrap();
    assert_eq!(purged, 1);
    assert_eq!(counts(&app).await, (2, 2, 0));
}

#[tokio::test]
async fn a_replay_survives_a_restart_of_the_service() {
    let app = TestApp::new().await;
    let key = [("idempotency-key", "across-restarts")];
    let first = post_with(&app, "/v1/data-products", &product("prisons"), &key).await;
    let restarted = app.restarted().await;
    let again = post_with(&restarted, "/v1/data-products", &product("prisons"), &key).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.text, first.text);
}

#[tokio::test]
async fn after_a_delete_re_sending_the_same_registration_registers_again() {
    let app = TestApp::new().await;
    let first = app.post("/v1/data-products", &product("prisons")).await;
    app.post("/v1/schemas/dp:prisons:cells", &table()).await;
    assert_eq!(
        app.delete("/v1/data-products/dp:prisons").await.status,
        StatusCode::NO_CONTENT
    );

    let again = app.post("/v1/data-products", &product("prisons")).await;

    assert_eq!(again.status, StatusCode::CREATED);
    assert!(
        again.header("idempotent-replayed").is_none(),
        "not a stale replay"
    );
    assert_ne!(again.etag(), first.etag());
    assert_eq!(
        app.get("/v1/data-products/dp:prisons").await.status,
        StatusCode::OK
    );
    let table_again = app.post("/v1/schemas/dp:prisons:cells", &table()).await;
    assert_eq!(table_again.status, StatusCode::CREATED);
    assert!(table_again.header("idempotent-replayed").is_none());
    assert_eq!(table_again.body["dataProduct"]["version"], "v1.1");
}

#[tokio::test]
async fn after_a_table_delete_re_sending_its_creation_creates_it_again() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let created = app.post("/v1/schemas/dp:prisons:cells", &table()).await;
    assert_eq!(created.body["dataProduct"]["version"], "v1.1");
    let replay = app.post("/v1/schemas/dp:prisons:cells", &table()).await;
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.text, created.text);

    app.delete("/v1/schemas/dp:prisons:cells").await;
    let again = app.post("/v1/schemas/dp:prisons:cells", &table()).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert!(again.header("idempotent-replayed").is_none());
    assert_eq!(again.body["dataProduct"]["version"], "v2.1");
}

#[tokio::test]
async fn failed_requests_and_dry_runs_are_not_stored() {
    let app = TestApp::new().await;
    let mut invalid = product("prisons");
    invalid["status"] = json!("live");
    for _ in 0..2 {
        app.post("/v1/data-products", &invalid)
            .await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    }
    app.post("/v1/schemas/dp:nothing:cells", &table())
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.register(&product("prisons")).await;
    let dry = app
        .post("/v1/schemas/dp:prisons:cells?dryRun=true", &table())
        .await;
    assert_eq!(dry.status, StatusCode::OK);
    let real = app.post("/v1/schemas/dp:prisons:cells", &table()).await;
    assert_eq!(
        real.status,
        StatusCode::CREATED,
        "the dry run did not take the derived key"
    );
    assert_eq!(counts(&app).await, (1, 2, 2));
}
