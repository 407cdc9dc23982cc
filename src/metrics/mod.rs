//! Prometheus metrics, served on their own listener (`DAAP_METRICS_BIND`), never on the public
//! one: request rates, latencies and errors by matched route, the database pool, the catalogue
//! outbox, sync failures, uploads issued and rate-limit refusals. docs/operations.md lists
//! every series and the alerts worth having.
//!
//! Without a listener no recorder is installed, and every `metrics::…!` call in daap is a
//! no-op.

pub mod http;
mod probes;

use std::net::SocketAddr;
use std::time::Duration;

use crate::store::pool::Pool;
use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use clap::Args;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::sync::watch;

/// Latency buckets in seconds: fine below 10 ms, where daap's reads are, up to the request
/// deadline.
const SECONDS_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Debug, Clone, Args)]
pub struct MetricsArgs {
    /// Address for the Prometheus endpoint (`GET /metrics`), e.g. `0.0.0.0:9464`. Unset: no
    /// metrics. Keep it off the public listener's port: it is not authenticated.
    #[arg(long, env = "DAAP_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,
}

/// What the scrape handler reads fresh on every scrape.
#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    pool: Pool,
    targets: Vec<crate::sync::target::TargetName>,
}

/// Installs the recorder and serves `/metrics` until `stopped`, when a listener is configured.
pub async fn start(
    args: &MetricsArgs,
    pool: &Pool,
    targets: Vec<crate::sync::target::TargetName>,
    stopped: watch::Receiver<bool>,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let Some(bind) = args.metrics_bind else {
        return Ok(None);
    };
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), SECONDS_BUCKETS)
        .context("metric buckets")?
        .install_recorder()
        .context("could not install the metrics recorder")?;
    metrics::gauge!("daap_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("could not listen on {bind} for metrics"))?;
    tracing::info!(address = %listener.local_addr()?, "serving Prometheus metrics at /metrics");
    probes::spawn_pool_probe(pool.clone(), Duration::from_secs(5), stopped.clone());
    spawn_upkeep(handle.clone(), Duration::from_secs(5), stopped.clone());
    let scrape = Scrape {
        handle,
        pool: pool.clone(),
        targets,
    };
    let app = Router::new()
        .route("/metrics", get(render))
        .with_state(scrape);
    let mut stopped = stopped;
    Ok(Some(tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            })
            .await;
        if let Err(error) = served {
            tracing::warn!(%error, "the metrics listener failed");
        }
    })))
}

/// `GET /metrics`: refresh the gauges read from the pool and the database, then render.
async fn render(State(scrape): State<Scrape>) -> impl IntoResponse {
    probes::record_pool(&scrape.pool);
    probes::record_outbox(&scrape.pool, &scrape.targets).await;
    scrape.handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        scrape.handle.render(),
    )
}

/// Histogram samples wait in per-series buffers until upkeep folds them into the buckets; a
/// scrape does it too, but without regular scrapes the buffers would grow with every request.
fn spawn_upkeep(handle: PrometheusHandle, every: Duration, mut stopped: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = ticks.tick() => handle.run_upkeep(),
                _ = stopped.wait_for(|stop| *stop) => return,
            }
        }
    });
}
