//! The sync worker: claims backlogs from the outbox, builds the delivery, applies it through
//! the target, and records the outcome. Runs inside `daap serve` or as `daap worker`; any
//! number of workers on one database cooperate (see `store::outbox`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::store::pool::Pool;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::store::outbox::{self, Claimed};

use super::load;
use super::target::{DeliveryError, Target, TargetName};

/// How workers behave.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Deliveries this process runs at once.
    pub concurrency: usize,
    /// Failed attempts after which a backlog is parked.
    pub max_attempts: i32,
    /// Longest one delivery may take.
    pub delivery_timeout: Duration,
    /// How long to wait before looking again when nothing is due.
    pub idle_poll: Duration,
    /// First retry delay; doubled per failed attempt up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            concurrency: 4,
            max_attempts: 12,
            delivery_timeout: Duration::from_secs(30),
            idle_poll: Duration::from_millis(250),
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
        }
    }
}

impl WorkerSettings {
    /// A worker holds a row for longer than any delivery can take, so a lease only runs out
    /// when its worker is gone.
    fn lease(&self) -> Duration {
        self.delivery_timeout * 2 + Duration::from_secs(10)
    }

    /// The delay before attempt `attempts + 1` (before jitter).
    pub fn backoff(&self, attempts: i32) -> Duration {
        let factor = 2u32.saturating_pow(attempts.clamp(0, 30) as u32);
        self.base_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// The targets a worker delivers to, by name.
#[derive(Clone, Default)]
pub struct Targets(HashMap<TargetName, Arc<dyn Target>>);

impl Targets {
    pub fn new(targets: impl IntoIterator<Item = Arc<dyn Target>>) -> Self {
        Self(targets.into_iter().map(|t| (t.name(), t)).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.0.keys().map(|t| t.as_str()).collect();
        names.sort_unstable();
        names
    }
}

/// One worker process's identity (unique per start, so that a restarted process never
/// mistakes its predecessor's leases for its own).
pub fn worker_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{}-{}-{nanos:x}", hostname(), std::process::id())
}

fn hostname() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|name| name.into_string().ok())
        .unwrap_or_else(|| "daap".to_owned())
}

/// Deliver until `shutdown` turns true; then finish the deliveries in flight (each bounded by
/// the delivery timeout) and release any lease still held.
pub async fn run(
    pool: Pool,
    targets: Targets,
    settings: WorkerSettings,
    mut shutdown: watch::Receiver<bool>,
) {
    if targets.is_empty() {
        return;
    }
    let id = Arc::new(worker_id());
    tracing::info!(worker = %id, targets = ?targets.names(), "sync worker started");
    let mut lanes = JoinSet::new();
    for _ in 0..settings.concurrency.max(1) {
        lanes.spawn(lane(
            pool.clone(),
            targets.clone(),
            settings.clone(),
            id.clone(),
            shutdown.clone(),
        ));
    }
    let _ = shutdown.wait_for(|stop| *stop).await;
    while lanes.join_next().await.is_some() {}
    match outbox::release(&pool, &id).await {
        Ok(released) => tracing::info!(worker = %id, released, "sync worker stopped"),
        Err(error) => tracing::warn!(worker = %id, %error, "releasing sync leases failed"),
    }
}

/// One delivery at a time, until shutdown.
async fn lane(
    pool: Pool,
    targets: Targets,
    settings: WorkerSettings,
    id: Arc<String>,
    mut shutdown: watch::Receiver<bool>,
) {
    let names = targets.names();
    while !*shutdown.borrow() {
        let claimed = match outbox::claim(&pool, &id, settings.lease(), &names).await {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::warn!(%error, "claiming sync work failed");
                None
            }
        };
        match claimed {
            Some(claimed) => deliver(&pool, &targets, &settings, &id, claimed).await,
            None => {
                let _ = tokio::time::timeout(settings.idle_poll, shutdown.changed()).await;
            }
        }
    }
}

/// Deliver one claimed backlog and record the outcome.
async fn deliver(
    pool: &Pool,
    targets: &Targets,
    settings: &WorkerSettings,
    id: &str,
    claimed: Claimed,
) {
    let outcome = attempt(pool, targets, settings, id, &claimed).await;
    let recorded = match &outcome {
        Ok(()) => outbox::delivered(pool, id, &claimed, claimed.wanted_seq)
            .await
            .map(|_| ()),
        Err(error) => {
            let attempts = claimed.attempts + 1;
            let park = match error {
                DeliveryError::Permanent(_) => attempts >= settings.max_attempts.min(3),
                DeliveryError::Transient(_) => attempts >= settings.max_attempts,
            };
            tracing::warn!(
                product.id = claimed.product_id,
                target = %claimed.target,
                attempts,
                parked = park,
                error = %error,
                "sync delivery failed"
            );
            metrics::counter!("daap_sync_failures_total", "target" => claimed.target.to_string())
                .increment(1);
            let detail = truncate(&error.to_string(), 2000);
            outbox::failed(
                pool,
                id,
                &claimed,
                &detail,
                settings.backoff(claimed.attempts),
                park,
            )
            .await
        }
    };
    if let Err(error) = recorded {
        // The lease runs out and the row is delivered again: at least once.
        tracing::warn!(%error, "recording a sync outcome failed");
    }
}

/// Bring the target from the claim's synced version to its wanted one: the final state of
/// every major the backlog skipped, then the wanted state (or the removal). Progress is
/// recorded after each step, so a failure resumes where it stopped.
async fn attempt(
    pool: &Pool,
    targets: &Targets,
    settings: &WorkerSettings,
    id: &str,
    claimed: &Claimed,
) -> Result<(), DeliveryError> {
    let target = TargetName::parse(&claimed.target)
        .and_then(|name| targets.0.get(&name))
        .ok_or_else(|| DeliveryError::Permanent(format!("unknown target {}", claimed.target)))?;
    let steps = if claimed.remove {
        vec![claimed.wanted_seq]
    } else {
        let mut conn = pool.acquire().await.map_err(database)?;
        outbox::catch_up(
            &mut conn,
            claimed.product_id,
            claimed.synced_seq,
            claimed.wanted_seq,
        )
        .await
        .map_err(database)?
    };
    let (last, skipped) = steps.split_last().expect("at least the wanted version");
    for &seq in skipped {
        deliver_version(pool, target.as_ref(), settings, claimed, seq).await?;
        outbox::advanced(pool, id, claimed, seq)
            .await
            .map_err(database)?;
    }
    deliver_version(pool, target.as_ref(), settings, claimed, *last).await
}

fn database(error: sqlx::Error) -> DeliveryError {
    DeliveryError::Transient(format!("database: {error}"))
}

/// Build and apply the delivery for version `seq` (or the removal).
async fn deliver_version(
    pool: &Pool,
    target: &dyn Target,
    settings: &WorkerSettings,
    claimed: &Claimed,
    seq: i32,
) -> Result<(), DeliveryError> {
    let mut conn = pool.acquire().await.map_err(database)?;
    let delivery = load::delivery(&mut conn, claimed.product_id, seq, claimed.remove)
        .await
        .map_err(database)?
        .ok_or_else(|| DeliveryError::Permanent("the product version no longer exists".into()))?;
    drop(conn);
    let timeout = settings.delivery_timeout;
    match tokio::time::timeout(timeout, target.apply(&delivery, timeout)).await {
        Ok(result) => result,
        Err(_) => Err(DeliveryError::Transient(format!(
            "no answer within {} ms",
            timeout.as_millis()
        ))),
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}
