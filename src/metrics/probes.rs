//! Gauges read at scrape time (pool use, the outbox) and the pool wait probe.

use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::sync::watch;

use crate::sync::target::TargetName;

/// Connections in use and idle, and the pool's size limit.
pub fn record_pool(pool: &PgPool) {
    let size = pool.size() as f64;
    let idle = pool.num_idle() as f64;
    metrics::gauge!("daap_db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("daap_db_pool_connections", "state" => "in_use").set((size - idle).max(0.0));
    metrics::gauge!("daap_db_pool_max_connections")
        .set(f64::from(pool.options().get_max_connections()));
}

/// Per configured catalogue: products waiting, parked, and the age of the oldest waiting
/// change: the figures of `GET /v1/sync`, from one grouped query over undelivered rows.
pub async fn record_outbox(pool: &PgPool, targets: &[TargetName]) {
    if targets.is_empty() {
        return;
    }
    let queue = match crate::http::sync_queue::queue(targets, pool).await {
        Ok(queue) => queue,
        Err(error) => {
            tracing::warn!(%error, "could not read the outbox for metrics");
            return;
        }
    };
    for target in queue.targets {
        let label = target.target;
        metrics::gauge!("daap_sync_pending", "target" => label.clone())
            .set(target.pending_products as f64);
        metrics::gauge!("daap_sync_parked", "target" => label.clone())
            .set(target.parked_products as f64);
        metrics::gauge!("daap_sync_oldest_pending_age_seconds", "target" => label)
            .set(target.oldest_pending_age_seconds);
    }
}

/// Measures how long taking a connection from the pool waits, every `every`: when the pool is
/// exhausted, requests wait as long (up to the acquire timeout, then 503).
pub fn spawn_pool_probe(pool: PgPool, every: Duration, mut stopped: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stopped.wait_for(|stop| *stop) => return,
            }
            let started = Instant::now();
            if pool.acquire().await.is_ok() {
                metrics::histogram!("daap_db_pool_acquire_seconds")
                    .record(started.elapsed().as_secs_f64());
            }
        }
    });
}
