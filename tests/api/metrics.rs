//! The Prometheus endpoint of a real `daap serve`: on its own listener, and after traffic it
//! exposes every series the operator's guide lists.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::serve::{free_port, stop, wait_until_ready};
use crate::support::daap_process::database_url;
use crate::support::tables::incidents;
use crate::support::{TestApp, product};

async fn scrape(client: &reqwest::Client, port: u16) -> String {
    let answer = client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .expect("the metrics listener answers");
    assert_eq!(answer.status(), 200);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    answer.text().await.unwrap()
}

/// The value of the sample whose line starts with `series` (name and labels, as rendered).
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|line| line.starts_with(series) && line[series.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test]
async fn the_metrics_endpoint_exposes_the_series_after_traffic() {
    let app = TestApp::new().await;
    let (port, metrics_port) = (free_port(), free_port());
    let data_dir = std::env::temp_dir().join(format!("daap-metrics-{}-{port}", std::process::id()));
    // A DataHub that refuses connections: deliveries fail and the outbox fills.
    let dead_gms = format!("http://127.0.0.1:{}", free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_daap"))
        .arg("serve")
        .env("DATABASE_URL", database_url(&app))
        .env("DAAP_MIGRATE_ON_START", "false")
        .env("DAAP_DATA_DIR", &data_dir)
        .env("DAAP_BIND", format!("127.0.0.1:{port}"))
        .env("DAAP_METRICS_BIND", format!("127.0.0.1:{metrics_port}"))
        .env("DAAP_RATE_LIMIT", "on")
        .env("DAAP_RATE_LIMIT_WRITES_PER_MINUTE", "2")
        .env("DAAP_DATAHUB_GMS_URL", &dead_gms)
        .env("DAAP_SYNC_TIMEOUT_MS", "1000")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_ready(port, &mut child).await;
    let client = daap::auth::http_client().unwrap();
    let api = |path: &str| format!("http://127.0.0.1:{port}{path}");

    let post = |path: String, body: serde_json::Value| {
        let client = client.clone();
        async move {
            client
                .post(path)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        post(api("/v1/data-products"), product("prisons")).await,
        201
    );
    assert_eq!(
        post(api("/v1/schemas/dp:prisons:incidents"), incidents()).await,
        201
    );
    // The third write within the minute is over the budget of 2.
    assert_eq!(
        post(api("/v1/data-products"), product("probation")).await,
        429
    );
    let upload = json!({"filename": "incidents.csv", "contentMD5": "1B2M2Y8AsgTpgAmY7PhCfg==", "contentLength": 10});
    assert_eq!(
        post(api("/v1/schemas/dp:prisons:incidents/uploads"), upload).await,
        201
    );
    let read = client
        .get(api("/v1/data-products/dp:prisons"))
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    // Not on the public listener.
    let public = client.get(api("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404);

    // Wait for the worker's failed deliveries to be counted.
    let deadline = Instant::now() + Duration::from_secs(30);
    let metrics = loop {
        let metrics = scrape(&client, metrics_port).await;
        if sample(&metrics, "daap_sync_failures_total{target=\"datahub\"}").is_some() {
            break metrics;
        }
        assert!(
            Instant::now() < deadline,
            "no sync failure counted:\n{metrics}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

    let expect = |series: &str| {
        sample(&metrics, series).unwrap_or_else(|| panic!("no `{series}` in:\n{metrics}"))
    };
    assert_eq!(
        expect(r#"daap_http_requests_total{method="POST",route="/v1/data-products",status="201"}"#),
        1.0
    );
    assert_eq!(
        expect(r#"daap_http_requests_total{method="POST",route="/v1/data-products",status="429"}"#),
        1.0
    );
    assert_eq!(
        expect(
            r#"daap_http_requests_total{method="GET",route="/v1/data-products/{id}",status="200"}"#
        ),
        1.0
    );
    assert_eq!(
        expect(
            r#"daap_http_request_duration_seconds_count{method="GET",route="/v1/data-products/{id}"}"#
        ),
        1.0
    );
    assert_eq!(
        expect(
            r#"daap_http_request_duration_seconds_bucket{method="GET",route="/v1/data-products/{id}",le="+Inf"}"#
        ),
        1.0
    );
    assert_eq!(
        expect(r#"daap_rate_limit_rejections_total{budget="writes"}"#),
        1.0
    );
    assert_eq!(expect(r#"daap_uploads_issued_total{kind="single"}"#), 1.0);
    assert!(expect(r#"daap_sync_failures_total{target="datahub"}"#) >= 1.0);
    assert_eq!(expect(r#"daap_sync_pending{target="datahub"}"#), 1.0);
    assert!(expect(r#"daap_sync_oldest_pending_age_seconds{target="datahub"}"#) > 0.0);
    assert_eq!(expect(r#"daap_sync_parked{target="datahub"}"#), 0.0);
    let idle = expect(r#"daap_db_pool_connections{state="idle"}"#);
    let in_use = expect(r#"daap_db_pool_connections{state="in_use"}"#);
    assert!(idle + in_use >= 1.0, "idle {idle}, in use {in_use}");
    assert_eq!(expect("daap_db_pool_max_connections"), 16.0);
    assert!(expect("daap_db_pool_acquire_seconds_count") >= 1.0);
    assert_eq!(
        expect(&format!(
            "daap_build_info{{version=\"{}\"}}",
            env!("CARGO_PKG_VERSION")
        )),
        1.0
    );
    // Series are by route template: no raw path, so no product name, becomes a label.
    assert!(!metrics.contains("dp:prisons"), "{metrics}");

    let status = stop(&mut child);
    assert!(status.success(), "daap serve exited with {status}");
    std::fs::remove_dir_all(&data_dir).ok();
}
