//! The catalogue outbox and its workers, against a recording target: every version and
//! deletion is queued by the write itself, delivered at least once and in order, a target
//! outage never fails a write, failures back off and park, and workers never deliver one
//! product concurrently.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::http::StatusCode;
use daap::sync::target::TargetName;
use daap::sync::worker::WorkerSettings;
use serde_json::{Value, json};

use crate::support::daap_process::{self, app_syncing_to};
use crate::support::recording_target::{Recorder, RunningWorker, fast_worker};
use crate::support::tables::table;
use crate::support::{TestApp, product, product_fields};

async fn glue_app() -> TestApp {
    app_syncing_to(vec![TargetName::Glue]).await
}

/// Wait until the product's sync status says nothing is pending for any target.
async fn wait_synced(app: &TestApp, id: &str) -> Value {
    daap_process::wait_synced(app, id, Duration::from_secs(10)).await
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn sync_rows(app: &TestApp) -> Vec<(String, i32, bool)> {
    sqlx::query_as::<_, (String, i32, bool)>(
        "SELECT s.target, s.wanted_seq, s.remove FROM sync_state s ORDER BY 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn with_no_catalogue_configured_nothing_is_queued() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    app.post("/v1/schemas/dp:prisons:incidents", &table(&[("id", "int")]))
        .await;
    app.delete("/v1/data-products/dp:prisons").await;
    assert!(sync_rows(&app).await.is_empty());
}

#[tokio::test]
async fn every_version_and_the_deletion_are_queued_by_the_write_itself() {
    let app = glue_app().await;
    app.register(&product("prisons")).await;
    assert_eq!(sync_rows(&app).await, [("glue".to_owned(), 1, false)]);

    let mut fields = product_fields("prisons");
    fields["description"] = json!("Changed");
    app.put("/v1/data-products/dp:prisons", &fields).await;
    app.post("/v1/schemas/dp:prisons:incidents", &table(&[("id", "int")]))
        .await;
    assert_eq!(sync_rows(&app).await, [("glue".to_owned(), 3, false)]);

    // A dry run and a request that changes nothing queue nothing.
    app.put(
        "/v1/data-products/dp:prisons?dryRun=true",
        &product_fields("prisons"),
    )
    .await;
    app.put("/v1/data-products/dp:prisons", &fields).await;
    assert_eq!(sync_rows(&app).await, [("glue".to_owned(), 3, false)]);

    app.delete("/v1/data-products/dp:prisons").await;
    assert_eq!(sync_rows(&app).await, [("glue".to_owned(), 4, true)]);
}

#[tokio::test]
async fn changes_are_delivered_in_version_order_and_a_deletion_last() {
    let app = glue_app().await;
    let recorder = Arc::new(Recorder::default());
    let worker = RunningWorker::start(&app, &recorder, fast_worker());

    app.register(&product("prisons")).await;
    wait_synced(&app, "dp:prisons").await;
    app.post("/v1/schemas/dp:prisons:incidents", &table(&[("id", "int")]))
        .await;
    wait_synced(&app, "dp:prisons").await;
    app.put(
        "/v1/schemas/dp:prisons:incidents",
        &table(&[("id", "bigint")]),
    )
    .await;
    let status = wait_synced(&app, "dp:prisons").await;
    assert_eq!(status["targets"][0]["target"], "glue");
    assert_eq!(status["targets"][0]["syncedVersion"], "v2.0");
    assert_eq!(status["targets"][0]["parked"], false);
    app.delete("/v1/data-products/dp:prisons").await;
    wait_until("the removal", || {
        recorder.delivered.lock().unwrap().len() == 4
    })
    .await;
    worker.stop().await;

    assert_eq!(
        *recorder.delivered.lock().unwrap(),
        [
            "prisons v1.0 []",
            "prisons v1.1 [\"incidents\"]",
            "prisons v2.0 [\"incidents\"]",
            "prisons removed",
        ]
    );
}

#[tokio::test]
async fn a_target_outage_fails_no_write_and_the_backlog_converges_after_it() {
    let app = glue_app().await;
    let recorder = Arc::new(Recorder::default());
    recorder.down.store(true, Ordering::SeqCst);
    // The outage lasts as long as the writes take on a busy machine: the backlog must not
    // reach the parking limit meanwhile (parking has its own test below).
    let settings = WorkerSettings {
        max_attempts: i32::MAX,
        ..fast_worker()
    };
    let worker = RunningWorker::start(&app, &recorder, settings);

    app.register(&product("prisons")).await;
    let mut fields = product_fields("prisons");
    for n in 0..30 {
        fields["description"] = json!(format!("Change {n}"));
        let response = app.put("/v1/data-products/dp:prisons", &fields).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "write {n} failed during the outage"
        );
    }
    wait_until("failed attempts", || {
        recorder.attempts.load(Ordering::SeqCst) >= 2
    })
    .await;
    let status = app.get("/v1/data-products/dp:prisons/sync").await.body;
    let glue = &status["targets"][0];
    assert!(glue["pending"].as_i64().unwrap() > 0, "{status}");
    assert_eq!(glue["lastError"], "connection refused");
    assert!(glue["pendingSince"].is_string(), "{status}");
    assert!(recorder.delivered.lock().unwrap().is_empty());

    recorder.down.store(false, Ordering::SeqCst);
    let status = wait_synced(&app, "dp:prisons").await;
    worker.stop().await;
    assert_eq!(status["targets"][0]["syncedVersion"], "v1.30");
    let delivered = recorder.delivered.lock().unwrap().clone();
    // The backlog collapsed to the latest state: far fewer deliveries than versions.
    assert_eq!(delivered.last().unwrap(), "prisons v1.30 []");
    assert!(delivered.len() < 5, "{delivered:?}");
}

#[tokio::test]
async fn a_refused_delivery_is_parked_and_retry_resumes_it() {
    let app = glue_app().await;
    let recorder = Arc::new(Recorder::default());
    recorder.refuse.store(true, Ordering::SeqCst);
    let worker = RunningWorker::start(&app, &recorder, fast_worker());

    app.register(&product("prisons")).await;
    let mut parked = Value::Null;
    for _ in 0..500 {
        let status = app.get("/v1/data-products/dp:prisons/sync").await.body;
        if status["targets"][0]["parked"] == true {
            parked = status;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(parked["targets"][0]["attempts"], 3, "{parked}");
    assert_eq!(parked["targets"][0]["pending"], 1);
    assert_eq!(parked["targets"][0]["lastError"], "400 invalid request");
    let attempts = recorder.attempts.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        recorder.attempts.load(Ordering::SeqCst),
        attempts,
        "a parked backlog is not retried by itself"
    );

    recorder.refuse.store(false, Ordering::SeqCst);
    let retried = daap::store::outbox::retry(&app.state.pool, None, &["glue"])
        .await
        .unwrap();
    assert_eq!(retried, 1);
    let status = wait_synced(&app, "dp:prisons").await;
    worker.stop().await;
    assert_eq!(status["targets"][0]["syncedVersion"], "v1.0");
    assert_eq!(status["targets"][0]["parked"], false);
}

#[tokio::test]
async fn two_workers_deliver_every_product_and_never_one_product_twice_at_once() {
    let app = glue_app().await;
    let recorder = Arc::new(Recorder::default());
    *recorder.delay.lock().unwrap() = Duration::from_millis(15);
    let first = RunningWorker::start(&app, &recorder, fast_worker());
    let second = RunningWorker::start(&app, &recorder, fast_worker());

    let names: Vec<String> = (0..6).map(|n| format!("product_{n}")).collect();
    for name in &names {
        app.register(&product(name)).await;
    }
    for round in 0..5 {
        for name in &names {
            let mut fields = product_fields(name);
            fields["description"] = json!(format!("Round {round}"));
            let response = app
                .put(&format!("/v1/data-products/dp:{name}"), &fields)
                .await;
            assert_eq!(response.status, StatusCode::OK);
        }
    }
    for name in &names {
        let status = wait_synced(&app, &format!("dp:{name}")).await;
        assert_eq!(status["targets"][0]["syncedVersion"], "v1.5");
    }
    first.stop().await;
    second.stop().await;
    assert_eq!(
        recorder.max_concurrent_per_product.load(Ordering::SeqCst),
        1
    );
    let delivered = recorder.delivered.lock().unwrap().clone();
    for name in &names {
        // Per product, versions only ever go forward.
        let versions: Vec<&String> = delivered
            .iter()
            .filter(|line| line.starts_with(&format!("{name} ")))
            .collect();
        let mut sorted = versions.clone();
        sorted.sort_by_key(|line| line.split(' ').nth(1).unwrap()[3..].parse::<u32>().unwrap());
        assert_eq!(versions, sorted, "{name} went backwards: {versions:?}");
    }
}

#[tokio::test]
async fn the_sync_status_of_an_unknown_product_is_a_404() {
    let app = glue_app().await;
    app.get("/v1/data-products/dp:nothing/sync")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.register(&product("prisons")).await;
    let status = app.get("/v1/data-products/dp:prisons/sync").await;
    assert_eq!(status.body["id"], "dp:prisons");
    assert_eq!(status.body["targets"][0]["pending"], 1);
    assert_eq!(status.body["targets"][0]["syncedVersion"], Value::Null);
}

#[tokio::test]
async fn a_backlog_across_majors_delivers_each_skipped_major_final_state_first() {
    let app = glue_app().await;
    app.register(&product("prisons")).await;
    app.post("/v1/schemas/dp:prisons:incidents", &table(&[("id", "int")]))
        .await;
    app.put(
        "/v1/schemas/dp:prisons:incidents",
        &table(&[("id", "bigint")]),
    )
    .await;
    app.post("/v1/schemas/dp:prisons:cells", &table(&[("id", "int")]))
        .await;
    app.delete("/v1/schemas/dp:prisons:incidents").await;
    let mut fields = product_fields("prisons");
    fields["description"] = json!("Changed");
    app.put("/v1/data-products/dp:prisons", &fields).await;

    // Nothing was delivered yet: v1 ended at v1.1, v2 at v2.1, and the wanted state is v3.1.
    let recorder = Arc::new(Recorder::default());
    let worker = RunningWorker::start(&app, &recorder, fast_worker());
    let status = wait_synced(&app, "dp:prisons").await;
    worker.stop().await;
    assert_eq!(status["targets"][0]["syncedVersion"], "v3.1");
    assert_eq!(
        *recorder.delivered.lock().unwrap(),
        [
            "prisons v1.1 [\"incidents\"]",
            "prisons v2.1 [\"cells\", \"incidents\"]",
            "prisons v3.1 [\"cells\"]",
        ]
    );
}

#[tokio::test]
async fn the_queue_shows_pending_failing_and_parked_products_per_target() {
    let app = glue_app().await;
    let empty = app.get("/v1/sync").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(
        empty.body,
        json!({"targets": [{"target": "glue", "pendingProducts": 0, "failingProducts": 0,
                            "parkedProducts": 0, "oldestPendingAgeSeconds": 0.0}]})
    );

    app.register(&product("prisons")).await;
    app.register(&product("courts")).await;
    let recorder = Arc::new(Recorder::default());
    recorder.refuse.store(true, Ordering::SeqCst);
    let worker = RunningWorker::start(&app, &recorder, fast_worker());
    let mut queue = Value::Null;
    for _ in 0..500 {
        queue = app.get("/v1/sync").await.body;
        if queue["targets"][0]["parkedProducts"] == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.stop().await;
    let glue = &queue["targets"][0];
    assert_eq!(glue["pendingProducts"], 2, "{queue}");
    assert_eq!(glue["failingProducts"], 2, "{queue}");
    assert_eq!(glue["parkedProducts"], 2, "{queue}");
    assert!(
        glue["oldestPendingAgeSeconds"].as_f64().unwrap() > 0.0,
        "{queue}"
    );

    // With no catalogue configured, there is nothing to show.
    let plain = TestApp::new().await;
    assert_eq!(plain.get("/v1/sync").await.body, json!({"targets": []}));
}
