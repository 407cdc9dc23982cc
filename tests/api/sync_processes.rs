//! Catalogue sync through the real `daap` binary: a worker killed with SIGKILL in the middle
//! of a delivery loses nothing and applies nothing out of order after a restart; two
//! `daap worker` processes on one database deliver every change; a target outage during 200
//! writes fails none of them nor slows them, and the backlog converges once the target is back.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use daap::http::WriteSettings;
use daap::sync::target::TargetName;
use serde_json::{Value, json};

use crate::fake_gms::FakeGms;
use crate::support::{TestApp, product, product_fields};
use crate::support_moto::{glue_target, moto, unique_name};

/// The URL of `app`'s own database, for a `daap` child process.
fn database_url(app: &TestApp) -> String {
    let options = app.pool.connect_options();
    let database = options.get_database().expect("a database name");
    let user = options.get_username();
    match options.get_socket() {
        Some(socket) => format!(
            "postgres://{user}@localhost/{database}?host={}&port={}",
            socket.display(),
            options.get_port()
        ),
        None => format!(
            "postgres://{user}@{}:{}/{database}",
            options.get_host(),
            options.get_port()
        ),
    }
}

/// `daap worker` for `app`'s database, delivering to `gms` (and to moto, when given).
fn worker(app: &TestApp, gms: &FakeGms, glue_endpoint: Option<&str>) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_daap"));
    command
        .arg("worker")
        .env("DATABASE_URL", database_url(app))
        .env("DAAP_DATAHUB_GMS_URL", &gms.url)
        .env("DAAP_SYNC_TIMEOUT_MS", "2000")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(endpoint) = glue_endpoint {
        command
            .env("DAAP_GLUE_CURATED_LOCATION", "s3://daap-curated/curated")
            .env("DAAP_GLUE_ENDPOINT_URL", endpoint)
            .env("DAAP_GLUE_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE");
    }
    command.spawn().expect("start daap worker")
}

fn signal(child: &Child, signal: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).unwrap();
}

async fn app_syncing_to(targets: Vec<TargetName>) -> TestApp {
    TestApp::with_writes(WriteSettings {
        sync_targets: targets,
        ..WriteSettings::default()
    })
    .await
}

/// Wait (up to `limit`) until nothing is pending for `id` with any target.
async fn wait_synced(app: &TestApp, id: &str, limit: Duration) -> Value {
    let deadline = Instant::now() + limit;
    loop {
        let status = app.get(&format!("/v1/data-products/{id}/sync")).await.body;
        let targets = status["targets"].as_array().cloned().unwrap_or_default();
        if !targets.is_empty() && targets.iter().all(|t| t["pending"] == 0) {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "{id} did not finish syncing: {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The `version` custom property of every `dataProductProperties` proposal for `name`, in
/// the order GMS received them.
fn delivered_versions(gms: &FakeGms, name: &str) -> Vec<(u32, u32)> {
    let urn = format!("urn:li:dataProduct:{name}");
    gms.proposals()
        .iter()
        .filter(|p| p["entityUrn"] == urn.as_str() && p["aspectName"] == "dataProductProperties")
        .map(|p| {
            let version = p["aspect"]["value"]["customProperties"]["version"]
                .as_str()
                .unwrap()
                .trim_start_matches('v')
                .to_owned();
            let (major, minor) = version.split_once('.').unwrap();
            (major.parse().unwrap(), minor.parse().unwrap())
        })
        .collect()
}

fn assert_never_backwards(versions: &[(u32, u32)], name: &str) {
    assert!(
        versions.windows(2).all(|pair| pair[0] <= pair[1]),
        "{name} was sent an older version after a newer one: {versions:?}"
    );
}

fn table(columns: &[(&str, &str)]) -> Value {
    json!({
        "tableDescription": "Incidents",
        "columns": columns.iter().map(|(name, data_type)| json!({
            "name": name, "type": data_type, "description": ""
        })).collect::<Vec<_>>()
    })
}

#[tokio::test]
async fn a_worker_killed_mid_delivery_loses_nothing_and_sends_nothing_out_of_order() {
    let Some(moto) = moto("a_worker_killed_mid_delivery_loses_nothing") else {
        return;
    };
    let app = app_syncing_to(vec![TargetName::Glue, TargetName::DataHub]).await;
    let gms = FakeGms::start().await;
    gms.delay(Duration::from_millis(10));
    let name = unique_name("killed_mid_sync");
    let id = format!("dp:{name}");

    let mut first = worker(&app, &gms, Some(&moto.endpoint));
    app.register(&product(&name)).await;
    app.post(
        &format!("/v1/schemas/{id}:incidents"),
        &table(&[("id", "int")]),
    )
    .await;
    // Kill the worker while GMS is in the middle of receiving a delivery.
    let deadline = Instant::now() + Duration::from_secs(30);
    while gms.proposals().len() < 3 {
        assert!(Instant::now() < deadline, "the worker delivered nothing");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    signal(&first, nix::sys::signal::Signal::SIGKILL);
    first.wait().unwrap();

    // Meanwhile the product moves on: a breaking change and more metadata.
    let changed = app
        .put(
            &format!("/v1/schemas/{id}:incidents"),
            &table(&[("id", "bigint"), ("at", "timestamp")]),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    let mut fields = product_fields(&name);
    for n in 0..3 {
        fields["description"] = json!(format!("Change {n}"));
        app.put(&format!("/v1/data-products/{id}"), &fields).await;
    }

    // A new worker takes over once the dead one's lease runs out (2 x 2 s + 10 s).
    let mut second = worker(&app, &gms, Some(&moto.endpoint));
    let status = wait_synced(&app, &id, Duration::from_secs(60)).await;
    signal(&second, nix::sys::signal::Signal::SIGTERM);
    assert!(
        second.wait().unwrap().success(),
        "daap worker exits 0 on SIGTERM"
    );

    for target in status["targets"].as_array().unwrap() {
        assert_eq!(target["syncedVersion"], "v2.3", "{status}");
    }
    let versions = delivered_versions(&gms, &name);
    assert_never_backwards(&versions, &name);
    assert_eq!(versions.last(), Some(&(2, 3)));
    // Glue shows the latest state: the new major's database with the changed table, and
    // the old major's database as it was.
    let glue = glue_target(moto).await;
    let client = glue.client();
    let v2 = client
        .get_table()
        .database_name(format!("{name}_v2"))
        .name("incidents")
        .send()
        .await
        .expect("the v2 table");
    let columns: Vec<(String, String)> = v2
        .table()
        .and_then(|t| t.storage_descriptor())
        .map(|sd| {
            sd.columns()
                .iter()
                .map(|c| {
                    (
                        c.name().to_owned(),
                        c.r#type().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        columns,
        [
            ("id".to_owned(), "bigint".to_owned()),
            ("at".to_owned(), "timestamp".to_owned())
        ]
    );
    let v1 = client
        .get_table()
        .database_name(format!("{name}_v1"))
        .name("incidents")
        .send()
        .await
        .expect("the v1 table is kept");
    let v1_type = v1
        .table()
        .and_then(|t| t.storage_descriptor())
        .unwrap()
        .columns()[0]
        .r#type()
        .unwrap()
        .to_owned();
    assert_eq!(v1_type, "int");
}

#[tokio::test]
async fn two_worker_processes_deliver_every_change_in_order() {
    let app = app_syncing_to(vec![TargetName::DataHub]).await;
    let gms = FakeGms::start().await;
    gms.delay(Duration::from_millis(5));
    let mut workers = [worker(&app, &gms, None), worker(&app, &gms, None)];

    let names: Vec<String> = (0..4).map(|n| format!("shared_{n}")).collect();
    for name in &names {
        app.register(&product(name)).await;
    }
    for round in 0..4 {
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
        let status = wait_synced(&app, &format!("dp:{name}"), Duration::from_secs(60)).await;
        assert_eq!(status["targets"][0]["syncedVersion"], "v1.4", "{status}");
        let versions = delivered_versions(&gms, name);
        assert_never_backwards(&versions, name);
        assert_eq!(versions.last(), Some(&(1, 4)));
    }
    for worker in &mut workers {
        signal(worker, nix::sys::signal::Signal::SIGTERM);
        assert!(worker.wait().unwrap().success());
    }
}

#[tokio::test]
async fn a_target_outage_during_200_writes_fails_and_slows_none_and_then_converges() {
    let app = app_syncing_to(vec![TargetName::DataHub]).await;
    let gms = FakeGms::start().await;
    let mut child = worker(&app, &gms, None);
    app.register(&product("outage")).await;
    let mut fields = product_fields("outage");

    let mut write = async |n: usize| {
        fields["description"] = json!(format!("Change {n}"));
        let started = Instant::now();
        let response = app.put("/v1/data-products/dp:outage", &fields).await;
        assert_eq!(response.status, StatusCode::OK, "write {n}");
        started.elapsed()
    };
    let mut healthy = Vec::new();
    for n in 0..200 {
        healthy.push(write(n).await);
    }
    gms.force(StatusCode::SERVICE_UNAVAILABLE, "GMS is down");
    let mut outage = Vec::new();
    for n in 200..400 {
        outage.push(write(n).await);
    }
    healthy.sort();
    outage.sort();
    let (healthy_median, outage_median) = (healthy[100], outage[100]);
    assert!(
        outage_median <= healthy_median * 3 + Duration::from_millis(5),
        "writes slowed down during the outage: median {outage_median:?} vs {healthy_median:?}"
    );
    let status = app.get("/v1/data-products/dp:outage/sync").await.body;
    assert!(
        status["targets"][0]["pending"].as_i64().unwrap() > 0,
        "{status}"
    );

    gms.recover();
    let status = wait_synced(&app, "dp:outage", Duration::from_secs(60)).await;
    assert_eq!(status["targets"][0]["syncedVersion"], "v1.400");
    let versions = delivered_versions(&gms, "outage");
    assert_never_backwards(&versions, "outage");
    signal(&child, nix::sys::signal::Signal::SIGTERM);
    assert!(child.wait().unwrap().success());
}

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
