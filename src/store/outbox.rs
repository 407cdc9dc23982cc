//! The catalogue outbox (`sync_state`, migration 0007): claiming a backlog to deliver,
//! recording the outcome, and what operators see and do (status, retry, reconcile).
//!
//! A worker *claims* a (product, target) row by taking a lease on it in a short statement
//! (`FOR UPDATE SKIP LOCKED` lets many workers look at once without waiting for each other),
//! delivers without holding any database lock, then records the outcome only if it still holds
//! the lease. So any number of workers cooperate, none delivers a row another is delivering,
//! and a crashed worker's lease runs out and the row is delivered again (at least once).

use std::time::Duration;

use sqlx::PgConnection;

use crate::store::pool::Pool;
use time::OffsetDateTime;

/// A backlog a worker holds the lease on.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub product_id: i64,
    pub target: String,
    /// The state to deliver: this version, or (when `remove`) the product's removal.
    pub wanted_seq: i32,
    pub remove: bool,
    /// The last version the target acknowledged (0: none).
    pub synced_seq: i32,
    /// Failed attempts so far.
    pub attempts: i32,
}

/// Take the lease on the most overdue backlog for one of `targets`, if any. A product whose
/// name an older product (deleted since) had waits until that one's backlog is delivered:
/// they share catalogue names, so their changes must apply in registration order.
pub async fn claim(
    pool: &Pool,
    worker: &str,
    lease: Duration,
    targets: &[&str],
) -> Result<Option<Claimed>, sqlx::Error> {
    sqlx::query_as!(
        Claimed,
        r#"UPDATE sync_state s
           SET lease_owner = $1, lease_until = now() + $2::bigint * interval '1 millisecond'
           FROM (SELECT c.product_id, c.target
                 FROM sync_state c
                 WHERE c.wanted_seq > c.synced_seq AND NOT c.parked
                   AND c.next_attempt_at <= now()
                   AND (c.lease_until IS NULL OR c.lease_until < now())
                   AND c.target = ANY($3::text[])
                   AND NOT EXISTS (SELECT 1 FROM sync_state o
                                   WHERE o.name = c.name AND o.target = c.target
                                     AND o.product_id < c.product_id
                                     AND o.wanted_seq > o.synced_seq)
                 ORDER BY c.next_attempt_at
                 LIMIT 1
                 FOR UPDATE SKIP LOCKED) due
           WHERE s.product_id = due.product_id AND s.target = due.target
           RETURNING s.product_id, s.target, s.wanted_seq, s.remove, s.synced_seq, s.attempts"#,
        worker,
        lease.as_millis() as i64,
        targets as &[&str],
    )
    .fetch_optional(&mut *pool.acquire().await?)
    .await
}

/// Record that the target now shows version `seq` of `claimed`'s product (its `wanted_seq`, or
/// a step on the way, see [`catch_up`]), and give up the lease. Changes that arrived meanwhile
/// stay pending (and are due at once). `false`: the lease was lost (it ran out and another
/// worker took over), so nothing was recorded.
pub async fn delivered(
    pool: &Pool,
    worker: &str,
    claimed: &Claimed,
    seq: i32,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query!(
        r#"UPDATE sync_state s
           SET synced_seq = GREATEST(s.synced_seq, $4), synced_at = now(), attempts = 0,
               next_attempt_at = now(), lease_owner = NULL, lease_until = NULL,
               pending_since = CASE WHEN s.wanted_seq > $4
                   THEN COALESCE((SELECT v.created_at FROM data_product_versions v
                                  WHERE v.product_id = s.product_id AND v.seq = $4 + 1), now())
                   END
           WHERE s.product_id = $1 AND s.target = $2 AND s.lease_owner = $3"#,
        claimed.product_id,
        claimed.target,
        worker,
        seq,
    )
    .execute(&mut *pool.acquire().await?)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Record progress on the way to `claimed.wanted_seq` and keep the lease: the target now
/// shows version `seq`.
pub async fn advanced(
    pool: &Pool,
    worker: &str,
    claimed: &Claimed,
    seq: i32,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query!(
        r#"UPDATE sync_state s
           SET synced_seq = GREATEST(s.synced_seq, $4), synced_at = now(),
               pending_since = COALESCE((SELECT v.created_at FROM data_product_versions v
                                         WHERE v.product_id = s.product_id AND v.seq = $4 + 1),
                                        s.pending_since)
           WHERE s.product_id = $1 AND s.target = $2 AND s.lease_owner = $3"#,
        claimed.product_id,
        claimed.target,
        worker,
        seq,
    )
    .execute(&mut *pool.acquire().await?)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// The versions to deliver, in order, to bring a target from `synced_seq` to `wanted_seq`:
/// the last version of every major in between (each major has its own Glue database and
/// DataHub container, which must exist with that major's final state even when the backlog
/// skipped it), then `wanted_seq` itself.
pub async fn catch_up(
    conn: &mut PgConnection,
    product_id: i64,
    synced_seq: i32,
    wanted_seq: i32,
) -> Result<Vec<i32>, sqlx::Error> {
    let mut steps = sqlx::query_scalar!(
        r#"SELECT max(v.seq) AS "seq!"
           FROM data_product_versions v
           WHERE v.product_id = $1 AND v.seq > $2 AND v.seq < $3
             AND v.major < (SELECT w.major FROM data_product_versions w
                            WHERE w.product_id = $1 AND w.seq = $3)
           GROUP BY v.major
           ORDER BY 1"#,
        product_id,
        synced_seq,
        wanted_seq
    )
    .fetch_all(conn)
    .await?;
    steps.push(wanted_seq);
    Ok(steps)
}

/// Record a failed attempt: try again after `retry_in` (jittered by up to half, so that many
/// rows failing together do not retry together), or park the row once `park` is true.
pub async fn failed(
    pool: &Pool,
    worker: &str,
    claimed: &Claimed,
    error: &str,
    retry_in: Duration,
    park: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE sync_state
           SET attempts = attempts + 1, last_error = $4, last_error_at = now(),
               next_attempt_at = now() + ($5::bigint * (0.5 + random() / 2)) * interval '1 millisecond',
               parked = $6, lease_owner = NULL, lease_until = NULL
           WHERE product_id = $1 AND target = $2 AND lease_owner = $3"#,
        claimed.product_id,
        claimed.target,
        worker,
        error,
        retry_in.as_millis() as i64,
        park,
    )
    .execute(&mut *pool.acquire().await?)
    .await?;
    Ok(())
}

/// Give up the leases `worker` holds (at shutdown): their rows are due again at once.
pub async fn release(pool: &Pool, worker: &str) -> Result<u64, sqlx::Error> {
    let released = sqlx::query!(
        "UPDATE sync_state SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1",
        worker
    )
    .execute(&mut *pool.acquire().await?)
    .await?;
    Ok(released.rows_affected())
}

/// One product's sync with one target, for operators.
#[derive(Debug, Clone)]
pub struct SyncStatusRow {
    pub target: String,
    /// The version the target shows (`None`: nothing delivered yet, or the product's removal).
    pub synced_major: Option<i32>,
    pub synced_minor: Option<i32>,
    pub synced_at: Option<OffsetDateTime>,
    /// Changes (versions, or the removal) not yet delivered.
    pub pending: i32,
    pub pending_since: Option<OffsetDateTime>,
    pub attempts: i32,
    pub parked: bool,
    pub last_error: Option<String>,
    pub last_error_at: Option<OffsetDateTime>,
}

/// The sync of product `product_id` with every target that has a row for it.
#[tracing::instrument(level = "debug", skip_all, name = "db.outbox.status")]
pub async fn status(
    conn: &mut PgConnection,
    product_id: i64,
) -> Result<Vec<SyncStatusRow>, sqlx::Error> {
    sqlx::query_as!(
        SyncStatusRow,
        r#"SELECT s.target, v.major AS "synced_major?", v.minor AS "synced_minor?", s.synced_at,
                  GREATEST(s.wanted_seq - s.synced_seq, 0) AS "pending!", s.pending_since,
                  s.attempts, s.parked, s.last_error, s.last_error_at
           FROM sync_state s
           LEFT JOIN data_product_versions v
                  ON v.product_id = s.product_id AND v.seq = s.synced_seq
           WHERE s.product_id = $1
           ORDER BY s.target"#,
        product_id
    )
    .fetch_all(conn)
    .await
}

/// Un-park the parked backlogs of `product_id` (every product when `None`) for `targets`:
/// they are due at once, with fresh attempts. Returns how many.
pub async fn retry(
    pool: &Pool,
    product_id: Option<i64>,
    targets: &[&str],
) -> Result<u64, sqlx::Error> {
    let retried = sqlx::query!(
        r#"UPDATE sync_state SET parked = false, attempts = 0, next_attempt_at = now()
           WHERE parked AND ($1::bigint IS NULL OR product_id = $1)
             AND target = ANY($2::text[])"#,
        product_id,
        targets as &[&str],
    )
    .execute(&mut *pool.acquire().await?)
    .await?;
    Ok(retried.rows_affected())
}

/// How many backlogs [`retry`] would resume.
pub async fn count_parked(
    pool: &Pool,
    product_id: Option<i64>,
    targets: &[&str],
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM sync_state
           WHERE parked AND ($1::bigint IS NULL OR product_id = $1)
             AND target = ANY($2::text[])"#,
        product_id,
        targets as &[&str],
    )
    .fetch_one(&mut *pool.acquire().await?)
    .await
}

/// Queue the current state of every live product for `targets` again (repair after drift, or
/// fill a new target). Returns how many rows were queued.
pub async fn reconcile(pool: &Pool, targets: &[&str]) -> Result<u64, sqlx::Error> {
    let queued = sqlx::query!(
        r#"INSERT INTO sync_state AS s (product_id, target, name, wanted_seq, synced_seq,
                                        pending_since)
           SELECT p.id, target, p.name, p.current_seq, p.current_seq - 1, now()
           FROM data_products p, unnest($1::text[]) AS target
           WHERE p.deleted_at IS NULL
           ON CONFLICT (product_id, target) DO UPDATE
           SET wanted_seq = EXCLUDED.wanted_seq, remove = false,
               synced_seq = LEAST(s.synced_seq, EXCLUDED.wanted_seq - 1),
               pending_since = COALESCE(s.pending_since, now()),
               parked = false, attempts = 0, next_attempt_at = now()"#,
        targets as &[&str],
    )
    .execute(&mut *pool.acquire().await?)
    .await?;
    Ok(queued.rows_affected())
}

/// Queue figures per target, for metrics and `/v1/stats`.
#[derive(Debug, Clone)]
pub struct QueueFigures {
    pub target: String,
    /// Rows with changes not yet delivered (parked ones included).
    pub pending: i64,
    /// Rows whose delivery failed at least once since their last success.
    pub failing: i64,
    pub parked: i64,
    pub oldest_pending_since: Option<OffsetDateTime>,
}

#[tracing::instrument(level = "debug", skip_all, name = "db.outbox.queue_figures")]
pub async fn queue_figures(
    executor: impl sqlx::PgExecutor<'_>,
) -> Result<Vec<QueueFigures>, sqlx::Error> {
    sqlx::query_as!(
        QueueFigures,
        r#"SELECT target, count(*) AS "pending!", count(*) FILTER (WHERE attempts > 0) AS "failing!",
                  count(*) FILTER (WHERE parked) AS "parked!",
                  min(pending_since) AS oldest_pending_since
           FROM sync_state
           WHERE wanted_seq > synced_seq
           GROUP BY target
           ORDER BY target"#
    )
    .fetch_all(executor)
    .await
}

/// A parked backlog, for `daap sync status`.
#[derive(Debug, Clone)]
pub struct ParkedRow {
    pub name: String,
    pub target: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

pub async fn parked(pool: &Pool, targets: &[&str]) -> Result<Vec<ParkedRow>, sqlx::Error> {
    sqlx::query_as!(
        ParkedRow,
        r#"SELECT name, target, attempts, last_error
           FROM sync_state
           WHERE parked AND target = ANY($1::text[])
           ORDER BY name, target"#,
        targets as &[&str],
    )
    .fetch_all(&mut *pool.acquire().await?)
    .await
}

/// How many live products there are (what a reconcile would queue per target).
pub async fn live_products(pool: &Pool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM data_products WHERE deleted_at IS NULL"#)
        .fetch_one(&mut *pool.acquire().await?)
        .await
}
