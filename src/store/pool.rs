//! Connecting to PostgreSQL and applying the embedded migrations.

use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// The migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

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
        // request. A connection that died is noticed by the query itself instead (mapped to
        // 503) and dropped from the pool.
        .test_before_acquire(false)
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
