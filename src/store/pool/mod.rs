//! Connecting to PostgreSQL, the service's connection pool, and the embedded migrations.
//!
//! The pool is deadpool's, holding sqlx connections: queries stay sqlx's compile-time checked
//! ones, and whether a returned connection needs a round trip before its next use is decided
//! by [`manager`] rather than by a ping on every release (sqlx's pool).

mod connection;
mod manager;

use std::time::Duration;

use anyhow::Context;
use deadpool::Runtime;
use deadpool::managed::{self, PoolError, QueueMode, TimeoutType};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

pub use connection::PooledConnection;
pub use manager::{MAX_LIFETIME, PgManager};

/// The migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long a connection may sit unused in the pool and still be handed out without a ping.
pub const TRUSTED_IDLE: Duration = Duration::from_millis(250);

/// Connections unused for this long are closed (sqlx's default), so a burst's connections do
/// not stay open on the server for good.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// The longest a returned connection's vetting (a rollback or a ping) may take before the
/// connection is dropped and another one taken instead.
const RECYCLE_TIMEOUT: Duration = Duration::from_secs(1);

/// How the service's pool is sized and how long a request may wait for a connection.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

/// The service's connection pool. Cheap to clone (one shared pool).
#[derive(Clone)]
pub struct Pool {
    inner: managed::Pool<PgManager>,
    settings: PoolSettings,
}

/// How many connections the pool holds, and how many of those are idle.
#[derive(Debug, Clone, Copy)]
pub struct PoolStatus {
    pub open: usize,
    pub idle: usize,
    pub max: usize,
}

/// Open the pool and one connection, so that a wrong address or password fails here rather
/// than on the first request.
pub async fn connect(options: PgConnectOptions, settings: &PoolSettings) -> anyhow::Result<Pool> {
    let manager = PgManager {
        options: options.clone(),
        max_backoff: (settings.acquire_timeout / 5).max(Duration::from_millis(10)),
    };
    let inner = managed::Pool::builder(manager)
        .max_size(settings.max_connections as usize)
        // The connection returned last is taken first: under load the same few connections
        // serve everything and stay within `TRUSTED_IDLE`, and surplus ones age out.
        .queue_mode(QueueMode::Lifo)
        .recycle_timeout(Some(RECYCLE_TIMEOUT))
        .runtime(Runtime::Tokio1)
        .build()
        .context("could not build the connection pool")?;
    let pool = Pool {
        inner,
        settings: settings.clone(),
    };
    if let Err(error) = pool.acquire().await {
        // A server still refusing after the acquire timeout: say what it answers (connection
        // refused, starting up) rather than only that the wait timed out.
        let answer = PgConnection::connect_with(&options).await.err();
        return Err(anyhow::Error::new(answer.unwrap_or(error)))
            .context("could not connect to PostgreSQL");
    }
    spawn_idle_reaper(pool.inner.weak());
    Ok(pool)
}

impl Pool {
    /// A connection, waiting at most the acquire timeout for one to be free or opened.
    pub async fn acquire(&self) -> Result<PooledConnection, sqlx::Error> {
        match tokio::time::timeout(self.settings.acquire_timeout, self.inner.get()).await {
            Ok(Ok(object)) => Ok(PooledConnection(Some(object))),
            Ok(Err(error)) => Err(sqlx_error(error)),
            Err(_elapsed) => Err(sqlx::Error::PoolTimedOut),
        }
    }

    /// Close every idle connection and refuse new acquisitions; connections in use close when
    /// they come back.
    pub fn close(&self) {
        self.inner.close();
    }

    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    pub fn status(&self) -> PoolStatus {
        let status = self.inner.status();
        PoolStatus {
            open: status.size,
            idle: status.available,
            max: status.max_size,
        }
    }

    /// Where the pool connects (for tools and tests that need a connection of their own).
    pub fn connect_options(&self) -> &PgConnectOptions {
        &self.inner.manager().options
    }
}

fn sqlx_error(error: PoolError<sqlx::Error>) -> sqlx::Error {
    match error {
        PoolError::Backend(error) => error,
        PoolError::Closed => sqlx::Error::PoolClosed,
        PoolError::Timeout(TimeoutType::Wait | TimeoutType::Create | TimeoutType::Recycle) => {
            sqlx::Error::PoolTimedOut
        }
        PoolError::NoRuntimeSpecified | PoolError::PostCreateHook(_) => {
            sqlx::Error::Configuration(error.to_string().into())
        }
    }
}

/// Every minute, close the connections unused for [`IDLE_TIMEOUT`]; ends with the pool.
fn spawn_idle_reaper(pool: managed::WeakPool<PgManager>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(60));
        loop {
            ticks.tick().await;
            let Some(pool) = pool.upgrade() else { return };
            if pool.is_closed() {
                return;
            }
            pool.retain(|_, metrics| metrics.last_used() < IDLE_TIMEOUT);
        }
    });
}

/// Apply every migration not yet applied. Safe to run from several replicas at once: sqlx
/// takes an advisory lock for the duration.
pub async fn migrate(pool: &Pool) -> anyhow::Result<()> {
    let mut conn = pool
        .acquire()
        .await
        .context("could not connect to PostgreSQL")?;
    MIGRATOR
        .run(&mut *conn)
        .await
        .context("could not apply database migrations")
}
