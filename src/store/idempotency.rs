//! Stored responses for idempotent retries (see migrations/0003_idempotency.sql).

use std::time::Duration;

use serde_json::Value;
use sqlx::PgConnection;

use crate::store::pool::Pool;

/// A response remembered for a key.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub request_hash: Vec<u8>,
    pub status: i16,
    pub headers: Value,
    pub body: Vec<u8>,
}

/// Wait (up to `wait`) for any other transaction working on `key` to finish, then hold the
/// key until this transaction ends. Returns false if the wait timed out.
#[tracing::instrument(level = "debug", skip_all, name = "db.idempotency.lock_key")]
pub async fn lock_key(
    conn: &mut PgConnection,
    key: &str,
    wait: Duration,
) -> Result<bool, sqlx::Error> {
    // The usual case, nobody else holds the key: one round trip, no waiting.
    let free = sqlx::query_scalar!(
        r#"SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS "free!""#,
        key
    )
    .fetch_one(&mut *conn)
    .await?;
    if free {
        return Ok(true);
    }
    // Someone is running the same request: wait for them, but not forever.
    // `set_config(..., true)` is SET LOCAL: the timeout ends with the transaction.
    sqlx::query!(
        "SELECT set_config('lock_timeout', $1, true)",
        format!("{}ms", wait.as_millis().max(1))
    )
    .fetch_one(&mut *conn)
    .await?;
    let locked = sqlx::query!("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key)
        .fetch_one(&mut *conn)
        .await;
    let reset = sqlx::query!("SELECT set_config('lock_timeout', '0', true)")
        .fetch_one(&mut *conn)
        .await;
    match locked {
        Ok(_) => {
            reset?;
            Ok(true)
        }
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("55P03") => Ok(false),
        Err(error) => Err(error),
    }
}

/// The live (unexpired) response stored for `key`, if any.
#[tracing::instrument(level = "debug", skip_all, name = "db.idempotency.find")]
pub async fn find(
    conn: &mut PgConnection,
    key: &str,
) -> Result<Option<StoredResponse>, sqlx::Error> {
    sqlx::query_as!(
        StoredResponse,
        "SELECT request_hash, status, headers, body FROM idempotency_records
         WHERE key = $1 AND expires_at > now()",
        key
    )
    .fetch_optional(conn)
    .await
}

/// Everything needed to remember one response.
pub struct NewRecord<'a> {
    pub key: &'a str,
    pub request_hash: &'a [u8],
    pub derived: bool,
    pub resource: &'a str,
    pub status: i16,
    pub headers: Value,
    pub body: &'a [u8],
    pub retention: Duration,
}

/// Remember a response; an expired record for the same key is replaced.
#[tracing::instrument(level = "debug", skip_all, name = "db.idempotency.insert")]
pub async fn insert(conn: &mut PgConnection, record: NewRecord<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO idempotency_records
             (key, request_hash, derived, resource, status, headers, body, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))
         ON CONFLICT (key) DO UPDATE SET
             request_hash = EXCLUDED.request_hash, derived = EXCLUDED.derived,
             resource = EXCLUDED.resource, status = EXCLUDED.status,
             headers = EXCLUDED.headers, body = EXCLUDED.body,
             created_at = now(), expires_at = EXCLUDED.expires_at
         WHERE idempotency_records.expires_at <= now()",
        record.key,
        record.request_hash,
        record.derived,
        record.resource,
        record.status,
        record.headers,
        record.body,
        record.retention.as_secs_f64()
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Forget the derived records of a resource and everything inside it (a product's tables),
/// because it was deleted: re-sending the request that created it must create it again.
#[tracing::instrument(level = "debug", skip_all, name = "db.idempotency.forget_derived")]
pub async fn forget_derived(conn: &mut PgConnection, resource: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM idempotency_records
         WHERE derived AND (resource = $1 OR starts_with(resource, $1 || ':'))",
        resource
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Delete up to `batch` expired records; returns how many went. Run periodically.
pub async fn purge_expired(pool: &Pool, batch: i64) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query!(
        "DELETE FROM idempotency_records WHERE key IN (
             SELECT key FROM idempotency_records WHERE expires_at <= now()
             ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)",
        batch
    )
    .execute(&mut *pool.acquire().await?)
    .await?;
    Ok(deleted.rows_affected())
}
