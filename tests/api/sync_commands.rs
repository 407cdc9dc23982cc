//! `daap sync status|retry|reconcile`, run as the real binary against a test's database.

use std::process::Command;
use std::time::Duration;

use daap::sync::target::TargetName;

use crate::fake_gms::FakeGms;
use crate::support::daap_process::{
    app_syncing_to, database_url, delivered_versions, signal, wait_synced, worker,
};
use crate::support::{TestApp, product};

/// Run `daap sync <args>` against `app`'s database; its standard output.
fn sync_command(app: &TestApp, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_daap"))
        .arg("sync")
        .args(args)
        .env("DATABASE_URL", database_url(app))
        .env("RUST_LOG", "error")
        .output()
        .expect("run daap sync");
    assert!(
        output.status.success(),
        "daap sync {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn the_sync_commands_show_resume_and_reconcile_the_queue() {
    let app = app_syncing_to(vec![TargetName::DataHub]).await;
    app.register(&product("prisons")).await;
    app.register(&product("courts")).await;
    // Park one backlog by hand, as a worker would after too many failures.
    sqlx::query(
        "UPDATE sync_state SET parked = true, attempts = 3, last_error = 'GMS answered 422'
         WHERE name = 'courts'",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    let status = sync_command(&app, &["status", "--target", "datahub"]);
    let datahub_line = status.lines().nth(1).unwrap();
    let columns: Vec<&str> = datahub_line.split_whitespace().collect();
    assert_eq!(&columns[..3], ["datahub", "2", "1"], "{status}");
    assert!(
        status.contains("dp:courts datahub after 3 attempts: GMS answered 422"),
        "{status}"
    );

    let would = sync_command(&app, &["retry", "--dry-run"]);
    assert_eq!(would.trim(), "would resume 1 parked backlog(s)");
    let retried = sync_command(&app, &["retry", "--product", "dp:courts"]);
    assert_eq!(retried.trim(), "resumed 1 parked backlog(s)");
    let parked: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_state WHERE parked")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(parked, 0);

    // Everything delivered; then a reconcile queues every live product again.
    sqlx::query("UPDATE sync_state SET synced_seq = wanted_seq, pending_since = NULL")
        .execute(&app.pool)
        .await
        .unwrap();
    let dry = sync_command(&app, &["reconcile", "--dry-run"]);
    assert_eq!(
        dry.trim(),
        "would queue the current state of 2 product(s) for glue, datahub"
    );
    let pending: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sync_state WHERE wanted_seq > synced_seq")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(pending, 0, "a dry run queues nothing");
    let reconciled = sync_command(&app, &["reconcile", "--target", "datahub"]);
    assert_eq!(
        reconciled.trim(),
        "queued 2 product/target state(s) for delivery"
    );
    let status = app.get("/v1/data-products/dp:prisons/sync").await.body;
    assert_eq!(status["targets"][0]["pending"], 1, "{status}");

    // A worker then delivers the reconciled state.
    let gms = FakeGms::start().await;
    let mut child = worker(&app, &gms, None);
    let status = wait_synced(&app, "dp:prisons", Duration::from_secs(60)).await;
    signal(&child, nix::sys::signal::Signal::SIGTERM);
    assert!(child.wait().unwrap().success());
    assert_eq!(status["targets"][0]["syncedVersion"], "v1.0");
    assert_eq!(delivered_versions(&gms, "prisons"), [(1, 0)]);
}
