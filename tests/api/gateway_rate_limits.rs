//! Rate limits per caller: a burst over the budget gets 429 with `Retry-After` and the IETF
//! `RateLimit` headers and recovers after the window; budgets are separate per kind of
//! request and per caller; `X-Forwarded-For` counts only from trusted proxies.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use clap::Parser;
use daap::authz::Policy;
use daap::config::{Cli, Command};
use daap::http::gateway::Gateway;
use daap::http::gateway::client_address::TrustedProxies;
use daap::http::gateway::rate_limit::{BudgetKind, RateLimits};

use crate::support::callers::{Who, app_with_auth, token};
use crate::support::{TestApp, TestResponse, product};

/// `reads` read and `writes` write requests per `window`.
fn gateway(reads: u32, writes: u32, window: Duration) -> Gateway {
    let n = |n: u32| NonZeroU32::new(n).unwrap();
    Gateway {
        rate_limits: Some(RateLimits::new([
            (BudgetKind::Reads, n(reads), window),
            (BudgetKind::Writes, n(writes), window),
            (BudgetKind::Uploads, n(1), window),
        ])),
        ..Gateway::default()
    }
}

/// A request from `peer`, with `headers`.
async fn from(
    app: &TestApp,
    peer: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
) -> TestResponse {
    let mut request = Request::builder().method(method.clone()).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = if method == Method::POST {
        request = request.header("content-type", "application/json");
        Body::from(product("prisons").to_string())
    } else {
        Body::empty()
    };
    let mut request = request.body(body).unwrap();
    let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    app.send(request).await
}

async fn read(app: &TestApp, peer: &str) -> TestResponse {
    from(app, peer, Method::GET, "/v1/data-products", &[]).await
}

#[tokio::test]
async fn a_burst_over_the_budget_gets_429_with_the_headers_and_recovers_after_the_window() {
    let app = TestApp::new()
        .await
        .with_gateway(gateway(3, 10, Duration::from_secs(1)));

    let mut remaining = Vec::new();
    for _ in 0..3 {
        let answer = read(&app, "10.1.1.1").await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        assert_eq!(answer.header("ratelimit-policy"), Some("\"reads\";q=3;w=1"));
        remaining.push(answer.header("ratelimit").unwrap().to_owned());
    }
    assert!(
        remaining[0].starts_with("\"reads\";r=2;t="),
        "{remaining:?}"
    );
    assert!(
        remaining[1].starts_with("\"reads\";r=1;t="),
        "{remaining:?}"
    );
    assert!(
        remaining[2].starts_with("\"reads\";r=0;t="),
        "{remaining:?}"
    );

    let refused = read(&app, "10.1.1.1").await;
    let problem = refused.assert_problem(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(problem["type"], "urn:daap:problem:too-many-requests");
    assert!(
        problem["detail"].as_str().unwrap().contains("reads budget"),
        "{problem}"
    );
    let retry_after: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert_eq!(retry_after, 1, "a third of a second, rounded up");
    assert!(
        refused
            .header("ratelimit")
            .unwrap()
            .starts_with("\"reads\";r=0;t=1"),
        "{:?}",
        refused.headers
    );
    assert_eq!(
        refused.header("ratelimit-policy"),
        Some("\"reads\";q=3;w=1")
    );

    tokio::time::sleep(Duration::from_millis(1100)).await;
    for _ in 0..3 {
        assert_eq!(read(&app, "10.1.1.1").await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn reads_writes_and_callers_have_budgets_of_their_own() {
    let app = TestApp::new()
        .await
        .with_gateway(gateway(1, 1, Duration::from_secs(60)));

    assert_eq!(read(&app, "10.1.1.1").await.status, StatusCode::OK);
    assert_eq!(
        read(&app, "10.1.1.1").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The same caller may still write; its write budget is then spent too.
    let written = from(&app, "10.1.1.1", Method::POST, "/v1/data-products", &[]).await;
    assert_eq!(written.status, StatusCode::CREATED, "{}", written.text);
    assert_eq!(
        written.header("ratelimit-policy"),
        Some("\"writes\";q=1;w=60")
    );
    let again = from(&app, "10.1.1.1", Method::POST, "/v1/data-products", &[]).await;
    again.assert_problem(StatusCode::TOO_MANY_REQUESTS);
    assert!(
        again.text.contains("writes budget"),
        "refused before the handler ran: {}",
        again.text
    );
    // Another address has its own budgets.
    assert_eq!(read(&app, "10.2.2.2").await.status, StatusCode::OK);
}

#[tokio::test]
async fn health_checks_and_docs_are_never_rate_limited() {
    let app = TestApp::new()
        .await
        .with_gateway(gateway(1, 1, Duration::from_secs(60)));
    for _ in 0..5 {
        let answer = from(&app, "10.1.1.1", Method::GET, "/health/live", &[]).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.header("ratelimit"), None);
    }
}

#[tokio::test]
async fn a_caller_with_a_token_is_limited_by_principal_not_by_address() {
    let (app, _idp) = app_with_auth(Policy::default()).await;
    let app = app.with_gateway(gateway(2, 1, Duration::from_secs(60)));
    let bearer = |who| format!("Bearer {}", token(who).unwrap());
    // A person and a pipeline (application): two principals.
    let (reader, steward) = (bearer(Who::Reader), bearer(Who::MachineSteward));
    let as_caller = |address: &'static str, bearer: String| {
        let app = &app;
        async move {
            from(
                app,
                address,
                Method::GET,
                "/v1/data-products",
                &[("authorization", bearer.as_str())],
            )
            .await
            .status
        }
    };

    // One principal from two addresses shares one budget...
    assert_eq!(as_caller("10.1.1.1", reader.clone()).await, StatusCode::OK);
    assert_eq!(as_caller("10.9.9.9", reader.clone()).await, StatusCode::OK);
    assert_eq!(
        as_caller("10.1.1.1", reader.clone()).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ...and two principals from one address have one each.
    assert_eq!(as_caller("10.1.1.1", steward).await, StatusCode::OK);
}

#[test]
fn x_forwarded_for_counts_only_when_a_trusted_proxy_sent_it() {
    let proxies = TrustedProxies::new(vec![
        "10.0.0.0/8".parse().unwrap(),
        "fd00::/8".parse().unwrap(),
    ]);
    let ip = |text: &str| text.parse::<IpAddr>().unwrap();
    let forwarded = |value: &str| {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    };

    // From an untrusted peer the header is ignored: anyone can write it.
    assert_eq!(
        proxies.resolve(ip("203.0.113.9"), &forwarded("198.51.100.1")),
        ip("203.0.113.9")
    );
    // From the ingress: the nearest address that is not a trusted proxy.
    assert_eq!(
        proxies.resolve(ip("10.0.0.5"), &forwarded("198.51.100.1")),
        ip("198.51.100.1")
    );
    // A client cannot choose its bucket by prepending addresses of its own.
    assert_eq!(
        proxies.resolve(
            ip("10.0.0.5"),
            &forwarded("1.2.3.4, 198.51.100.1, 10.0.0.7")
        ),
        ip("198.51.100.1")
    );
    // Garbage ends what can be believed; IPv4-mapped IPv6 peers count as IPv4.
    assert_eq!(
        proxies.resolve(ip("::ffff:10.0.0.5"), &forwarded("not-an-ip")),
        ip("10.0.0.5")
    );
    // No header from a trusted proxy: the proxy itself.
    assert_eq!(
        proxies.resolve(ip("fd00::1"), &HeaderMap::new()),
        ip("fd00::1")
    );
}

#[test]
fn rate_limiting_is_on_by_default_except_on_a_loopback_address() {
    let gateway_for = |args: &[&str]| {
        let mut argv = vec!["daap", "serve"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv).unwrap().command {
            Command::Serve(serve) => serve.gateway(),
            _ => unreachable!(),
        }
    };
    assert!(gateway_for(&[]).rate_limits.is_none());
    assert!(
        gateway_for(&["--bind", "0.0.0.0:8080"])
            .rate_limits
            .is_some()
    );
    assert!(
        gateway_for(&["--bind", "0.0.0.0:8080", "--rate-limit", "off"])
            .rate_limits
            .is_none()
    );
    assert!(gateway_for(&["--rate-limit", "on"]).rate_limits.is_some());
}
