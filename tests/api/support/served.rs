//! `daap serve` as a child process on a test's own database: for what only the real binary
//! shows (the listener, TLS, signals, the exit status, exported traces).

use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::TestApp;
use super::daap_process::database_url;

/// A running `daap serve` on `127.0.0.1:port`. Killed if the test ends without stopping it.
pub struct Served {
    pub child: Child,
    pub port: u16,
}

impl Drop for Served {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `daap serve` for `app`'s database on a free port, quiet but for warnings (on stderr,
/// piped: read it once the process has exited).
pub fn command(app: &TestApp) -> (Command, u16) {
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_daap"));
    command
        .arg("serve")
        .env("DATABASE_URL", database_url(app))
        .env("DAAP_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    (command, port)
}

impl Served {
    pub fn spawn(mut command: Command, port: u16) -> Self {
        let child = command.spawn().expect("start daap serve");
        Self { child, port }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Wait until `probe` says the server answers (at most 30 s), failing if it exits.
    pub async fn wait_until<F, Fut>(&mut self, mut probe: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if probe().await {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("daap serve exited early with {status}: {}", self.stderr());
            }
            assert!(Instant::now() < deadline, "daap serve did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Wait until `GET /health/ready` answers 200 over plain HTTP.
    pub async fn wait_ready(&mut self) {
        let client = daap::auth::http_client().unwrap();
        let url = self.url("/health/ready");
        self.wait_until(|| {
            let request = client.get(&url).send();
            async move { request.await.is_ok_and(|r| r.status() == 200) }
        })
        .await;
    }

    pub fn terminate(&self) {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .unwrap();
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// The exit status, waiting at most `limit` for it.
    pub async fn exited_within(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "daap serve did not exit within {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What the process wrote to stderr (only once it has exited, or the read would block).
    pub fn stderr(&mut self) -> String {
        let mut text = String::new();
        if let Some(stderr) = self.child.stderr.as_mut() {
            let _ = std::io::Read::read_to_string(stderr, &mut text);
        }
        text
    }
}
