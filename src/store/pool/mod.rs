//! Connecting to PostgreSQL, the service's connection pool, and the embedded migrations.
//!
//! The pool is deadpool's, holding sqlx connections: queries stay sqlx's compile-time checked
//! ones, and whether a returned connection needs a round trip before its next use is decided
//! by [`manager`] rather than by a ping on every release (sqlx's pool).

mod manager;

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use anyhow::Context;
use deadpool::Runtime;
use deadpool::managed::{self, PoolError, QueueMode, TimeoutType};
use futures_util::future::BoxFuture;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

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

/// A connection taken from the [`Pool`]; it goes back when dropped. Use it as a
/// `&mut PgConnection` (`&mut conn`, `&mut *conn`, `conn.begin()`).
///
/// One left with a transaction sqlx rolls back lazily (a `Transaction` dropped without commit,
/// as every write that refuses does) sends that `ROLLBACK` as it goes back, on a task of its
/// own, so that the transaction's locks are released at once rather than at the connection's
/// next use, which under LIFO reuse may be long after.
pub struct PooledConnection(Option<managed::Object<PgManager>>);

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
    let inner = managed::Pool::builder(PgManager { options })
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
    drop(
        pool.acquire()
            .await
            .context("could not connect to PostgreSQL")?,
    );
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

impl PooledConnection {
    /// Run `work` with this connection on a task of its own, to its end even if the caller is
    /// cancelled (a client that disconnects drops its request). For reads that open a
    /// transaction: a `BEGIN` cancelled on the wire leaves a transaction that nothing on the
    /// connection reveals (sqlx counts it only once answered), which the next request would
    /// then run inside (see [`manager`]). Writes already run to completion as a whole.
    pub async fn run_to_completion<T, F>(mut self, work: F) -> T
    where
        F: for<'c> FnOnce(&'c mut PgConnection) -> BoxFuture<'c, T> + Send + 'static,
        T: Send + 'static,
    {
        let task = tokio::spawn(async move { work(&mut self).await });
        match task.await {
            Ok(output) => output,
            Err(error) => match error.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(error) => panic!("a database task was cancelled: {error}"),
            },
        }
    }
}

impl Deref for PooledConnection {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        self.0
            .as_ref()
            .expect("a pooled connection is present until dropped")
    }
}

impl DerefMut for PooledConnection {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.0
            .as_mut()
            .expect("a pooled connection is present until dropped")
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        let Some(object) = self.0.take() else { return };
        if !(object.should_flush() || object.is_in_transaction()) {
            return; // back to the pool as it is
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(finish_rollback(object))),
            // No runtime to send it on: closing the connection rolls the transaction back.
            Err(_) => drop(managed::Object::take(object)),
        }
    }
}

/// Send the queued `ROLLBACK` and wait for it; a connection that does not answer in time is
/// closed instead of going back to the pool.
async fn finish_rollback(mut object: managed::Object<PgManager>) {
    match tokio::time::timeout(RECYCLE_TIMEOUT, object.ping()).await {
        Ok(Ok(())) => drop(object),
        _ => drop(managed::Object::take(object)),
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
