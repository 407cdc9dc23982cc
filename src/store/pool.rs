//! Connecting to PostgreSQL and applying the embedded migrations.

use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool};

/// The migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long a connection may sit idle in the pool and still be handed out without a ping.
pub const TRUSTED_IDLE: Duration = Duration::from_millis(250);

/// How the service's pool is sized and how long a request may wait for a connection.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

pub async fn connect(options: PgConnectOptions, settings: &PoolSettings) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        // sqlx pings every connection before handing it out by default: a round trip per
        // request. sqlx also pings each one as it comes back, so a connection idle for less
        // than `TRUSTED_IDLE` was alive a moment ago and is handed out as it is (under load,
        // every one); one idle longer is pinged first, and replaced if the server closed it
        // meanwhile (a PostgreSQL restart, an idle timeout, a terminated session), so that no
        // request but those in flight at that moment sees the broken connection.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for < TRUSTED_IDLE {
                    return Ok(true);
                }
                Ok(conn.ping().await.is_ok())
            })
        })
        .connect_with(options)
        .await
        .context("could not connect to PostgreSQL")
}

/// Apply every migration not yet applied. Safe to run from several replicas at once: sqlx
/// takes an advisory lock for the duration.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR
        .run(pool)
        .await
        .context("could not apply database migrations")
}
