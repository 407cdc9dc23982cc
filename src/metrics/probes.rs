//! Gauges read at scrape time (pool use, the outbox) and the pool wait probe.

use std::time::{Duration, Instant};

use crate::store::pool::Pool;
use tokio::sync::watch;

use crate::sync::target::TargetName;

/// Connections in use and idle, and the pool's size limit.
pub fn record_pool(pool: &Pool) {
    let status = pool.status();
    metrics::gauge!("daap_db_pool_connections", "state" => "idle").set(status.idle as f64);
    metrics::gauge!("daap_db_pool_connections", "state" => "in_use")
        .set(status.open.saturating_sub(status.idle) as f64);
    metrics::gauge!("daap_db_pool_max_connections").set(status.max as f64);
}

/// Per configured catalogue: products waiting, parked, and the age of the oldest waiting
/// change: the figures of `GET /v1/sync`, from one grouped query over undelivered rows.
pub async fn record_outbox(pool: &Pool, targets: &[TargetName]) {
    if targets.is_empty() {
        return;
    }
    let queue = match pool.acquire().await {
        Ok(mut conn) => crate::http::sync_queue::queue(targets, &mut *conn).await,
        Err(error) => Err(error),
    };
    let queue = match queue {
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
pub fn spawn_pool_probe(pool: Pool, every: Duration, mut stopped: watch::Receiver<bool>) {
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
