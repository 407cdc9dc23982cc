//! When a pooled connection may be handed out again, and at what cost.
//!
//! sqlx's own pool pings PostgreSQL every time a connection goes back (a round trip and a
//! backend wake-up per request, the largest single cost of a product read in the profile of
//! `docs/performance-log.md`), and has no setting to skip it. This manager decides from what
//! the connection itself knows, and pays a round trip only when that is not enough:
//!
//! - **left clean** (nothing queued, nothing awaited, no transaction): handed out as it is;
//! - **a transaction was dropped** (sqlx queued its `ROLLBACK`) or is still open: the rollback
//!   is sent and answered (`ping`) before anyone else gets the connection. It is normally
//!   sent already as the connection goes back (`PooledConnection`'s `drop`), so that the
//!   transaction's locks go at once; this check catches what that could not send;
//! - **left in the middle of a query** (a read whose request was cancelled): what the server
//!   already answered is read off without waiting; if the answer is still to come, the
//!   connection is dropped, never handed to a request that would wait behind someone else's
//!   query or read its rows;
//! - **idle for longer than [`TRUSTED_IDLE`](super::TRUSTED_IDLE)**: pinged first, since the
//!   server may have closed it meanwhile (a restart, an idle timeout, a terminated session);
//!   a busy connection was alive a moment ago and is not;
//! - **older than [`MAX_LIFETIME`]**: replaced, so that a server-side change (a failover, a
//!   new setting) reaches every connection eventually.
//!
//! The checks use sqlx's `should_flush`, `is_in_transaction` and `flush`; the last two are
//! hidden from sqlx's documentation, so `tests/api/pool_guarantees.rs` pins their behaviour.
//! Transactions begin only in writes, which run to completion (`http::run_to_completion`):
//! a `BEGIN` cancelled on the wire, which no connection state reveals, cannot happen.

use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use super::TRUSTED_IDLE;

/// A connection is replaced once it is this old (sqlx's default).
pub const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// Opens connections to one database and vets them before each reuse.
#[derive(Debug)]
pub struct PgManager {
    pub(super) options: PgConnectOptions,
    /// The longest pause between two attempts to connect to a server that is restarting.
    pub(super) max_backoff: Duration,
}

impl managed::Manager for PgManager {
    type Type = PgConnection;
    type Error = sqlx::Error;

    /// Connect, trying again while the server is restarting (connection refused, "the
    /// database system is starting up", a slot not yet freed) with a doubling pause: a
    /// request then rides through a restart of a second or two, as under sqlx's pool, instead
    /// of failing at once. The caller's acquire timeout bounds the attempts.
    async fn create(&self) -> Result<PgConnection, sqlx::Error> {
        let mut backoff = Duration::from_millis(10);
        loop {
            match PgConnection::connect_with(&self.options).await {
                Err(error) if is_restarting(&error) => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(self.max_backoff);
                }
                connected => return connected,
            }
        }
    }

    async fn recycle(
        &self,
        conn: &mut PgConnection,
        metrics: &Metrics,
    ) -> RecycleResult<sqlx::Error> {
        if metrics.age() >= MAX_LIFETIME {
            return Err(RecycleError::message("reached its maximum lifetime"));
        }
        if conn.should_flush() || conn.is_in_transaction() {
            // Sends the queued ROLLBACK and waits for it (bounded by the pool's recycle
            // timeout, after which the connection is dropped instead).
            conn.ping().await?;
            return Ok(());
        }
        if !settled_without_waiting(conn)? {
            return Err(RecycleError::message(
                "left in the middle of a query by a cancelled request",
            ));
        }
        if metrics.last_used() >= TRUSTED_IDLE {
            conn.ping().await?;
        }
        Ok(())
    }
}

/// A connection attempt refused by a server that is (re)starting, or whose slots are still
/// held by connections it has not yet noticed closed (`53300`, `57P03`).
fn is_restarting(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(io) => io.kind() == std::io::ErrorKind::ConnectionRefused,
        sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("53300" | "57P03")),
        _ => false,
    }
}

/// Whether `conn` has no query outstanding once whatever the server has already sent is
/// read: sqlx's `flush` returns at once when nothing is awaited, and otherwise reads
/// answers until none is awaited. It is polled exactly once, so it never waits.
fn settled_without_waiting(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    let mut context = Context::from_waker(Waker::noop());
    match pin!(conn.flush()).as_mut().poll(&mut context) {
        Poll::Ready(result) => result.map(|()| true),
        Poll::Pending => Ok(false),
    }
}
