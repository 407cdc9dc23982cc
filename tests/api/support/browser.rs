//! Headless Chromium driven over the W3C WebDriver protocol by ChromeDriver (Debian's
//! `chromium` and `chromium-driver`), for the dashboard's browser test.
//!
//! The client is the few WebDriver commands the test uses, sent as JSON with the reqwest client
//! daap already has: a WebDriver crate would add an HTTP stack and a dozen crates for that.
//! One ChromeDriver per browser, on a free loopback port, dying with the test process
//! (`PR_SET_PDEATHSIG`); Chromium gets a fresh profile and no network beyond what it is sent to.
//!
//! Without Chromium or ChromeDriver a test prints `SKIPPED` and passes, unless
//! `DAAP_REQUIRE_STANDINS=1` (CI), where it fails and says how to install them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::served::free_port;

const INSTALL_HINT: &str = "install them with `apt-get install chromium chromium-driver` (or \
     point DAAP_TEST_CHROMIUM and DAAP_TEST_CHROMEDRIVER at the executables)";

/// The WebDriver key code of Tab.
pub const TAB: &str = "\u{E004}";
/// The WebDriver key code of Enter.
pub const ENTER: &str = "\u{E007}";

/// A headless Chromium session. Ended (and ChromeDriver stopped) when dropped.
pub struct Browser {
    driver: Child,
    base: String,
    http: reqwest::Client,
    _profile: TempDir,
}

/// A directory removed when dropped (Chromium's throwaway profile).
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Browser {
    /// A new browser, or `None` (after printing why) when the test should be skipped.
    pub async fn start(test: &str) -> Option<Self> {
        let (Some(chromium), Some(driver)) = (
            executable("DAAP_TEST_CHROMIUM", &["chromium", "chromium-browser"]),
            executable("DAAP_TEST_CHROMEDRIVER", &["chromedriver"]),
        ) else {
            assert!(
                !required(),
                "Chromium or ChromeDriver not found and DAAP_REQUIRE_STANDINS=1; {INSTALL_HINT}"
            );
            // Straight to the process's stderr: the harness shows captured output only for
            // failing tests.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED {test}: Chromium or ChromeDriver not found; {INSTALL_HINT} ***"
            );
            return None;
        };
        let port = free_port();
        let mut command = Command::new(&driver);
        command
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        die_with_parent(&mut command);
        let driver = command.spawn().expect("start chromedriver");
        let profile = TempDir(
            std::env::temp_dir().join(format!("daap-chromium-{}-{port}", std::process::id())),
        );
        let mut browser = Self {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            http: daap::auth::http_client().expect("an HTTP client"),
            _profile: profile,
        };
        browser.wait_for_driver().await;
        let profile = browser._profile.0.display().to_string();
        let session = browser
            .call(
                reqwest::Method::POST,
                "/session",
                json!({"capabilities": {"alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": chromium,
                        "args": [
                            "--headless", "--no-sandbox", "--disable-gpu",
                            "--disable-background-networking", "--disable-component-update",
                            "--disable-sync", "--no-first-run", "--hide-scrollbars",
                            format!("--user-data-dir={profile}"),
                        ],
                    },
                }}}),
            )
            .await;
        let id = session["sessionId"].as_str().expect("a session id");
        browser.base = format!("{}/session/{id}", browser.base);
        Some(browser)
    }

    async fn wait_for_driver(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let status = self.http.get(format!("{}/status", self.base)).send().await;
            if let Ok(status) = status
                && status
                    .json::<Value>()
                    .await
                    .is_ok_and(|s| s["value"]["ready"] == true)
            {
                return;
            }
            if let Some(exit) = self.driver.try_wait().unwrap() {
                panic!("chromedriver exited early with {exit}");
            }
            assert!(Instant::now() < deadline, "chromedriver did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// One WebDriver command; its `value`, or a panic with the driver's error.
    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method.clone(), &url);
        if method != reqwest::Method::GET && method != reqwest::Method::DELETE {
            request = request.json(&body);
        }
        let response = request.send().await.expect("a WebDriver answer");
        let status = response.status();
        let mut answer: Value = response.json().await.expect("WebDriver JSON");
        assert!(status.is_success(), "{method} {path}: {status} {answer}");
        answer["value"].take()
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({ "url": url }))
            .await;
    }

    pub async fn current_url(&self) -> String {
        let url = self.call(reqwest::Method::GET, "/url", json!(null)).await;
        url.as_str().expect("a URL").to_owned()
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page, returning its
    /// result. Through the driver, so the page's CSP does not apply to it.
    pub async fn run(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({ "script": script, "args": args }),
        )
        .await
    }

    /// The first element matching the CSS `selector`, as a WebDriver element reference.
    pub async fn find(&self, selector: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/element",
            json!({"using": "css selector", "value": selector}),
        )
        .await
    }

    fn element_id(element: &Value) -> &str {
        element
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .expect("an element reference")
    }

    pub async fn click(&self, element: &Value) {
        let path = format!("/element/{}/click", Self::element_id(element));
        self.call(reqwest::Method::POST, &path, json!({})).await;
    }

    /// Presses and releases `key` (a character or a WebDriver key code) where focus is.
    pub async fn press(&self, key: &str) {
        let actions = json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
            {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key},
        ]}]});
        self.call(reqwest::Method::POST, "/actions", actions).await;
    }

    /// Sets the viewport to `width` × `height` CSS pixels (the window's frame aside).
    pub async fn resize(&self, width: u32, height: u32) {
        let rect = json!({"width": width, "height": height});
        self.call(reqwest::Method::POST, "/window/rect", rect).await;
        let inner = self
            .run("return [window.innerWidth, window.innerHeight];", json!([]))
            .await;
        let (w, h) = (inner[0].as_u64().unwrap(), inner[1].as_u64().unwrap());
        let frame = json!({
            "width": 2 * u64::from(width) - w,
            "height": 2 * u64::from(height) - h,
        });
        self.call(reqwest::Method::POST, "/window/rect", frame)
            .await;
    }

    /// A PNG of the whole page at `width` CSS pixels (the viewport grown to the page's height,
    /// up to `max_height`).
    pub async fn screenshot(&self, width: u32, max_height: u32) -> Vec<u8> {
        self.resize(width, 600).await;
        let height = self
            .run("return document.documentElement.scrollHeight;", json!([]))
            .await
            .as_u64()
            .expect("a page height");
        self.resize(width, (height as u32).min(max_height)).await;
        let png = self
            .call(reqwest::Method::GET, "/screenshot", json!(null))
            .await;
        base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            png.as_str().expect("base64"),
        )
        .expect("a PNG")
    }
}

impl Drop for Browser {
    /// Ends the session (ChromeDriver closes Chromium) and stops
    /// ChromeDriver, also after a failed assertion: blocking, with a raw HTTP request, as no
    /// runtime can be awaited in `drop`.
    fn drop(&mut self) {
        if let Some((address, path)) = self
            .base
            .strip_prefix("http://")
            .and_then(|rest| rest.split_once('/'))
        {
            let _ = end_session(address, path);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn end_session(address: &str, path: &str) -> std::io::Result<()> {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "DELETE /{path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )?;
    stream.read_to_end(&mut Vec::new())?;
    Ok(())
}

fn required() -> bool {
    std::env::var("DAAP_REQUIRE_STANDINS").is_ok_and(|v| v == "1")
}

/// `$variable` if set (it must then be an executable), else the first of `names` on `PATH`.
fn executable(variable: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(variable).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            is_executable(&path),
            "{variable}={} is not an executable file; {INSTALL_HINT}",
            path.display()
        );
        return Some(path);
    }
    let dirs = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&dirs)
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: runs in the forked child before exec and only makes an async-signal-safe system
    // call (prctl) without allocating.
    unsafe {
        command.pre_exec(|| {
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)?;
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut Command) {}
