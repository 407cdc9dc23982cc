//! The `daap` binary as a child process for the sync tests: `daap worker` on a test's own
//! database, signals, and what the catalogues were sent.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use daap::http::WriteSettings;
use daap::sync::target::TargetName;
use serde_json::Value;

use super::TestApp;
use crate::fake_gms::FakeGms;

/// The URL of `app`'s own database, for a `daap` child process.
pub fn database_url(app: &TestApp) -> String {
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
pub fn worker(app: &TestApp, gms: &FakeGms, glue_endpoint: Option<&str>) -> Child {
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

pub fn signal(child: &Child, signal: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).unwrap();
}

pub async fn app_syncing_to(targets: Vec<TargetName>) -> TestApp {
    TestApp::with_writes(WriteSettings {
        sync_targets: targets,
        ..WriteSettings::default()
    })
    .await
}

/// Wait (up to `limit`) until nothing is pending for `id` with any target.
pub async fn wait_synced(app: &TestApp, id: &str, limit: Duration) -> Value {
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
pub fn delivered_versions(gms: &FakeGms, name: &str) -> Vec<(u32, u32)> {
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

pub fn assert_never_backwards(versions: &[(u32, u32)], name: &str) {
    assert!(
        versions.windows(2).all(|pair| pair[0] <= pair[1]),
        "{name} was sent an older version after a newer one: {versions:?}"
    );
}
