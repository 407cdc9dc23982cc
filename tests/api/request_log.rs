//! Every request logs one INFO line with its matched route (not the raw path), status and
//! latency, and a 500's error line carries the route too.

use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex, Once};

use axum::http::{Method, StatusCode};
use daap::authz::Policy;
use serde_json::Value;
use tracing_subscriber::fmt::MakeWriter;

use crate::support::callers::{Who, app_with_auth, token};
use crate::support::{TestApp, product};

/// Collects what the subscriber writes for one test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

thread_local! {
    /// Where log lines written on this thread go (nowhere when unset). A `#[tokio::test]`
    /// runs its requests, spawned tasks included, on its own thread.
    static CAPTURE: RefCell<Option<Captured>> = const { RefCell::new(None) };
}

/// Writes to the capture of the current thread's test, if any.
struct ThreadCapture;

impl Write for ThreadCapture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|capture| {
            if let Some(captured) = capture.borrow().as_ref() {
                captured.0.lock().unwrap().extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for ThreadCapture {
    type Writer = ThreadCapture;

    fn make_writer(&'a self) -> Self::Writer {
        ThreadCapture
    }
}

impl Captured {
    /// Every JSON line written so far.
    fn lines(&self) -> Vec<Value> {
        let bytes = self.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON log line"))
            .collect()
    }

    /// The `request finished` lines.
    fn finished(&self) -> Vec<Value> {
        self.lines()
            .into_iter()
            .filter(|line| line["fields"]["message"] == "request finished")
            .collect()
    }
}

/// Stops capturing on this thread when dropped.
struct CaptureGuard;

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CAPTURE.with(|capture| capture.borrow_mut().take());
    }
}

/// Log as `daap serve --log-format json` does, at its default level, and keep what this
/// (single-threaded) test logs in `captured`.
///
/// One process-wide subscriber, installed once, rather than a thread-local default per test:
/// tracing caches each call site's interest globally, and a per-test subscriber coming and
/// going while other tests run in parallel was seen to leave a test with no lines at all.
fn capture_logs(captured: &Captured) -> CaptureGuard {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter("info,sqlx=warn")
            .with_writer(ThreadCapture)
            .init();
    });
    CAPTURE.with(|capture| *capture.borrow_mut() = Some(captured.clone()));
    CaptureGuard
}

#[tokio::test]
async fn each_request_logs_one_info_line_with_route_status_and_latency() {
    let app = TestApp::new().await;
    let captured = Captured::default();
    let _guard = capture_logs(&captured);

    app.register(&product("prisons")).await;
    app.get("/v1/data-products/dp:prisons").await;
    app.get("/v1/data-products/dp:nothing_here")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.get("/no/such/path").await;

    let finished = captured.finished();
    let seen: Vec<(String, String, u64)> = finished
        .iter()
        .map(|line| {
            (
                line["fields"]["method"].as_str().unwrap().to_owned(),
                line["fields"]["route"].as_str().unwrap().to_owned(),
                line["fields"]["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("POST".into(), "/v1/data-products".into(), 201),
            ("GET".into(), "/v1/data-products/{id}".into(), 200),
            ("GET".into(), "/v1/data-products/{id}".into(), 404),
            ("GET".into(), "(unmatched)".into(), 404),
        ]
    );
    for line in &finished {
        assert_eq!(line["level"], "INFO");
        let latency: f64 = line["fields"]["latency_ms"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(latency >= 0.0, "latency {latency}");
    }
    // The route is the template, never the raw path; the product it names is its own field.
    assert_eq!(finished[2]["fields"]["product"], "dp:nothing_here");
    assert_eq!(finished[2]["fields"]["route"], "/v1/data-products/{id}");
    assert!(finished[3]["fields"]["product"].is_null());
}

#[tokio::test]
async fn the_request_line_names_the_request_id_principal_and_product_and_never_the_token() {
    let (app, _idp) = app_with_auth(Policy::default()).await;
    let captured = Captured::default();
    let _guard = capture_logs(&captured);
    let token = token(Who::Steward).unwrap();
    let bearer = format!("Bearer {token}");

    let created = app
        .call(
            Method::POST,
            "/v1/data-products",
            Some(&product("prisons")),
            &[
                ("authorization", &bearer),
                ("x-request-id", "ci-run-42.step:7"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.header("x-request-id"), Some("ci-run-42.step:7"));
    let read = app
        .call(
            Method::GET,
            "/v1/schemas/dp:prisons:cells",
            None,
            &[("authorization", &bearer)],
        )
        .await;
    let generated = read.header("x-request-id").unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&generated).is_ok(), "{generated}");

    let finished = captured.finished();
    assert_eq!(finished.len(), 2, "{finished:?}");
    let principal = finished[0]["fields"]["principal"].as_str().unwrap();
    assert!(
        !principal.is_empty() && !principal.contains('@'),
        "an object id: {principal}"
    );
    assert_eq!(finished[0]["fields"]["request_id"], "ci-run-42.step:7");
    assert_eq!(finished[0]["fields"]["method"], "POST");
    assert_eq!(finished[0]["fields"]["status"], 201);
    assert_eq!(
        finished[0]["fields"]["product"], "dp:prisons",
        "from Location"
    );
    assert_eq!(finished[1]["fields"]["request_id"], generated.as_str());
    assert_eq!(
        finished[1]["fields"]["product"], "dp:prisons",
        "from the table id"
    );
    assert_eq!(finished[1]["fields"]["principal"], principal);

    let all = serde_json::to_string(&captured.lines()).unwrap();
    let signature = token.rsplit('.').next().unwrap();
    assert!(!all.contains(signature), "token logged: {all}");
    assert!(!all.contains(&token[..20]), "token logged: {all}");
    assert!(
        !all.contains("steward@justice.gov.uk"),
        "personal data logged: {all}"
    );
    assert!(!all.contains("tableDescription"), "body logged: {all}");
}

#[tokio::test]
async fn a_request_id_that_could_forge_log_lines_is_replaced() {
    let app = TestApp::new().await;
    for bad in ["", "has space", "quote\"", &"x".repeat(129), "naïve"] {
        let mut request = axum::http::Request::builder().uri("/health/live");
        if let Ok(value) = axum::http::HeaderValue::from_bytes(bad.as_bytes()) {
            request = request.header("x-request-id", value);
        }
        let answer = app
            .send(request.body(axum::body::Body::empty()).unwrap())
            .await;
        let id = answer.header("x-request-id").unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{bad:?} gave {id}");
    }
}

#[tokio::test]
async fn lines_logged_inside_a_request_carry_its_route() {
    let app = TestApp::new().await;
    let captured = Captured::default();
    let _guard = capture_logs(&captured);

    app.register(&product("prisons")).await;

    let registered = captured
        .lines()
        .into_iter()
        .find(|line| line["fields"]["message"] == "data product registered")
        .expect("the registration is logged");
    assert_eq!(registered["span"]["route"], "/v1/data-products");
    assert_eq!(registered["fields"]["product.version"], "v1.0");
}
