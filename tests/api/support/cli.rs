//! The `daap` client commands as a test runs them: the real binary, against a daap served
//! on a loopback port (the real router over the test's database), with its own empty config
//! directory (so the token cache is the test's own) and no `DAAP_*` settings inherited.

use std::path::PathBuf;

use serde_json::Value;

use super::TestApp;

/// A daap answering HTTP on 127.0.0.1, for a child process to call.
pub struct ServedApp {
    pub app: TestApp,
    pub base: String,
}

impl ServedApp {
    pub async fn start(app: TestApp) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let address = listener.local_addr().expect("the bound address");
        let router = app.router.clone();
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self {
            app,
            base: format!("http://{address}"),
        }
    }

    pub async fn new() -> Self {
        Self::start(TestApp::new().await).await
    }
}

/// What one run of `daap` did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout as JSON (for `--output json`).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }

    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "exit code: {self:#?}");
        self
    }
}

/// A scratch directory: the config home and product files of one test.
pub struct Workspace {
    dir: PathBuf,
    pub server: String,
}

impl Workspace {
    pub fn new(server: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "daap-cli-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Self {
            dir,
            server: server.to_owned(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The token cache `daap login` writes.
    pub fn token_file(&self) -> PathBuf {
        self.dir.join("config/daap/tokens.json")
    }

    /// Write `name` (parents created), returning its path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// `daap <args> --server <server>` with stdin, stdout and stderr not terminals.
    pub async fn daap(&self, args: &[&str]) -> Run {
        self.daap_with(args, &[]).await
    }

    /// As [`Workspace::daap`], with extra environment variables.
    pub async fn daap_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_daap"));
        command
            .args(args)
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .env("DAAP_SERVER", &self.server)
            .env("RUST_LOG", "warn")
            .stdin(std::process::Stdio::null());
        for name in [
            "DAAP_TOKEN",
            "DAAP_TENANT_ID",
            "DAAP_AUTHORITY",
            "DAAP_CLIENT_ID",
            "DAAP_CLIENT_SECRET",
            "DAAP_API",
            "DAAP_SCOPE",
            "NO_COLOR",
        ] {
            command.env_remove(name);
        }
        command.envs(env.iter().copied());
        let output = command.output().await.expect("the daap binary runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
