//! The `daap` binary itself: `serve` on a fresh machine (no DATABASE_URL), `openapi`, and the
//! message when no PostgreSQL server binaries can be found.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub use crate::support::served::free_port;

fn scratch_dir(label: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::env::temp_dir().join(format!("daap-{label}-{}-{nanos}", std::process::id()))
}

/// A minimal HTTP/1.1 exchange, so the test needs no HTTP client crate.
pub async fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Option<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    let body = body.unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await.ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Some((status, body))
}

fn postgres_running_in(dir: &Path) -> bool {
    Command::new("pgrep")
        .args(["-f", &dir.join("postgres").display().to_string()])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn daap(data_dir: &Path, port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_daap"));
    command
        .arg("serve")
        .env_remove("DATABASE_URL")
        .env("DAAP_DATA_DIR", data_dir)
        .env("DAAP_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

pub async fn wait_until_ready(port: u16, child: &mut std::process::Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some((200, _)) = http(port, "GET", "/health/ready", None).await {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("daap serve exited early with {status}");
        }
        assert!(Instant::now() < deadline, "daap serve did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn stop(child: &mut std::process::Child) -> std::process::ExitStatus {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    child.wait().unwrap()
}

#[tokio::test]
async fn serve_without_a_database_url_runs_a_private_cluster_that_keeps_data_between_runs() {
    let data_dir = scratch_dir("serve");
    let port = free_port();
    let mut first = daap(&data_dir, port).spawn().unwrap();
    wait_until_ready(port, &mut first).await;
    let body = crate::support::product("prisons").to_string();
    let (status, text) = http(port, "POST", "/v1/data-products", Some(&body))
        .await
        .unwrap();
    assert_eq!(status, 201, "{text}");
    assert!(
        postgres_running_in(&data_dir),
        "the private cluster runs while daap does"
    );

    assert!(stop(&mut first).success(), "SIGTERM is a clean shutdown");
    assert!(
        !postgres_running_in(&data_dir),
        "the cluster stops with daap"
    );

    let port = free_port();
    let mut second = daap(&data_dir, port).spawn().unwrap();
    wait_until_ready(port, &mut second).await;
    let (status, text) = http(port, "GET", "/v1/data-products/dp:prisons", None)
        .await
        .unwrap();
    assert_eq!(status, 200, "the data survived the restart: {text}");
    stop(&mut second);
    std::fs::remove_dir_all(&data_dir).ok();
}

#[test]
fn serve_without_server_binaries_says_what_to_install_or_set() {
    let data_dir = scratch_dir("nobin");
    let output = daap(&data_dir, free_port())
        .env("DAAP_PG_BIN_DIR", "/nonexistent/postgresql/bin")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("DAAP_PG_BIN_DIR"), "{stderr}");
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
    assert!(
        !data_dir.join("postgres").join("pgdata").exists(),
        "nothing was initialised"
    );
    std::fs::remove_dir_all(&data_dir).ok();
}

#[test]
fn the_openapi_command_prints_the_served_document() {
    let output = Command::new(env!("CARGO_BIN_EXE_daap"))
        .arg("openapi")
        .output()
        .unwrap();
    assert!(output.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        printed,
        serde_json::to_value(daap::http::openapi()).unwrap()
    );
}

#[test]
fn serve_refuses_a_non_loopback_address_without_an_identity_provider() {
    let data_dir = scratch_dir("open");
    let output = daap(&data_dir, free_port())
        .env("DAAP_BIND", format!("0.0.0.0:{}", free_port()))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("refusing to serve on 0.0.0.0"), "{stderr}");
    assert!(stderr.contains("DAAP_AUTH_TENANT_ID"), "{stderr}");
    assert!(!data_dir.exists(), "it refused before touching anything");
}

#[tokio::test]
async fn serve_runs_open_on_a_non_loopback_address_only_when_told_to_in_words() {
    let data_dir = scratch_dir("insecure");
    let port = free_port();
    let mut child = daap(&data_dir, port)
        .env("DAAP_BIND", format!("0.0.0.0:{port}"))
        .env("DAAP_INSECURE_DISABLE_AUTH", "true")
        .spawn()
        .unwrap();
    wait_until_ready(port, &mut child).await;
    stop(&mut child);
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(
        stderr.contains("AUTHENTICATION IS OFF"),
        "it says so loudly: {stderr}"
    );
    std::fs::remove_dir_all(&data_dir).ok();
}
