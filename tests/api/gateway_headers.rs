//! Lifecycle and browser headers: `API-Version` on every answer, `Deprecation`/`Sunset`/`Link`
//! on routes marked deprecated (and `deprecated` in the served document), CORS only for
//! configured origins, and security headers on HTML pages.

use axum::http::{Method, StatusCode};
use daap::http::gateway::lifecycle::{Deprecation, Lifecycle};
use daap::http::gateway::{BrowserPolicy, Gateway};

use crate::support::{TestApp, product};

#[tokio::test]
async fn every_answer_names_the_api_version_of_the_document() {
    let app = TestApp::new().await;
    let document = app.get("/openapi.json").await;
    let version = document.body["info"]["version"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    for path in ["/v1/data-products", "/health/live", "/no/such/path"] {
        assert_eq!(
            app.get(path).await.header("api-version"),
            Some(version.as_str()),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_route_marked_deprecated_says_so_and_when_it_goes() {
    let deprecation = Deprecation::parse(
        "GET /v1/data-products/{id} since=2026-12-01 sunset=2027-06-30 \
         link=https://docs.example.org/migrate",
    )
    .unwrap();
    let app = TestApp::new().await.with_gateway(Gateway {
        lifecycle: Lifecycle::new(vec![deprecation]),
        ..Gateway::default()
    });
    app.register(&product("prisons")).await;

    let answer = app.get("/v1/data-products/dp:prisons").await;
    assert_eq!(answer.status, StatusCode::OK);
    // 2026-12-01T00:00:00Z
    assert_eq!(answer.header("deprecation"), Some("@1796083200"));
    assert_eq!(
        answer.header("sunset"),
        Some("Wed, 30 Jun 2027 00:00:00 GMT")
    );
    assert_eq!(
        answer.header("link"),
        Some("<https://docs.example.org/migrate>; rel=\"deprecation\"")
    );
    // Only that operation: PUT on the same path and other routes are not deprecated.
    let list = app.get("/v1/data-products").await;
    assert_eq!(list.header("deprecation"), None);
    let document = app.get("/openapi.json").await.body;
    assert_eq!(
        document["paths"]["/v1/data-products/{id}"]["get"]["deprecated"],
        true
    );
    assert!(document["paths"]["/v1/data-products/{id}"]["put"]["deprecated"].is_null());
}

#[test]
fn a_deprecation_setting_that_cannot_be_read_is_refused_with_the_reason() {
    for (text, reason) in [
        ("/v1/data-products since=2026-12-01", "HTTP method"),
        ("GET since=2026-12-01", "names no route"),
        ("GET /v1/data-products", "no `since=` date"),
        ("GET /v1/data-products since=01/12/2026", "not a date"),
        ("GET /v1/data-products since=2026-12-01 soon=1", "`soon=1`"),
    ] {
        let error = Deprecation::parse(text).unwrap_err();
        assert!(error.contains(reason), "{text}: {error}");
    }
}

#[tokio::test]
async fn no_origin_may_call_from_a_browser_unless_configured() {
    let app = TestApp::new().await;
    let preflight = app
        .call(
            Method::OPTIONS,
            "/v1/data-products",
            None,
            &[
                ("origin", "https://docs.example.org"),
                ("access-control-request-method", "POST"),
            ],
        )
        .await;
    assert_eq!(preflight.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn a_configured_origin_may_call_and_read_the_headers_clients_need() {
    let app = TestApp::new().await.with_gateway(Gateway {
        browser: BrowserPolicy {
            cors_allowed_origins: vec!["https://docs.example.org".to_owned()],
            connect_sources: Vec::new(),
        },
        ..Gateway::default()
    });
    let preflight = app
        .call(
            Method::OPTIONS,
            "/v1/data-products",
            None,
            &[
                ("origin", "https://docs.example.org"),
                ("access-control-request-method", "POST"),
                (
                    "access-control-request-headers",
                    "authorization, content-type, idempotency-key",
                ),
            ],
        )
        .await;
    assert!(preflight.status.is_success(), "{}", preflight.status);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("https://docs.example.org")
    );
    let allowed = preflight
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("idempotency-key"), "{allowed}");

    let read = app
        .call(
            Method::GET,
            "/v1/data-products",
            None,
            &[("origin", "https://docs.example.org")],
        )
        .await;
    assert_eq!(
        read.header("access-control-allow-origin"),
        Some("https://docs.example.org")
    );
    let exposed = read
        .header("access-control-expose-headers")
        .unwrap()
        .to_ascii_lowercase();
    for header in ["etag", "ratelimit", "x-request-id", "api-version"] {
        assert!(exposed.contains(header), "{header} in {exposed}");
    }

    let stranger = app
        .call(
            Method::GET,
            "/v1/data-products",
            None,
            &[("origin", "https://evil.example.com")],
        )
        .await;
    assert_eq!(stranger.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn html_pages_carry_a_strict_content_security_policy_and_refuse_framing() {
    let app = TestApp::new().await.with_gateway(Gateway {
        browser: BrowserPolicy {
            cors_allowed_origins: Vec::new(),
            connect_sources: vec!["https://login.microsoftonline.com".to_owned()],
        },
        ..Gateway::default()
    });
    let page = app.get("/docs/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let policy = page.header("content-security-policy").unwrap();
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(
        policy.contains("connect-src 'self' https://login.microsoftonline.com;"),
        "{policy}"
    );
    assert!(!policy.contains("unsafe-eval"), "{policy}");
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));

    // JSON answers are not pages: only `nosniff`.
    let json = app.get("/v1/data-products").await;
    assert_eq!(json.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(json.header("content-security-policy"), None);
}
