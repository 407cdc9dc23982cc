//! Catalogue sync through the real `daap` binary: a worker killed with SIGKILL in the middle
//! of a delivery loses nothing and applies nothing out of order after a restart; two
//! `daap worker` processes on one database deliver every change; a target outage during 200
//! writes fails none of them nor slows them, and the backlog converges once the target is back.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use daap::sync::target::TargetName;
use serde_json::json;

use crate::fake_gms::FakeGms;
use crate::support::daap_process::{
    app_syncing_to, assert_never_backwards, delivered_versions, signal, wait_synced, worker,
};
use crate::support::tables::table;
use crate::support::{product, product_fields};
use crate::support_moto::{glue_target, moto, unique_name};

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
