//! A connection on loan from the pool: used as a `&mut PgConnection`, and what happens when it
//! goes back.

use std::ops::{Deref, DerefMut};

use deadpool::managed;
use futures_util::future::BoxFuture;
use sqlx::{Connection, PgConnection};

use super::{PgManager, RECYCLE_TIMEOUT};

/// A connection taken from the [`Pool`](super::Pool); it goes back when dropped. Use it as a
/// `&mut PgConnection` (`&mut conn`, `&mut *conn`, `conn.begin()`).
///
/// One left with a transaction sqlx rolls back lazily (a `Transaction` dropped without commit,
/// as every write that refuses does) sends that `ROLLBACK` as it goes back, on a task of its
/// own, so that the transaction's locks are released at once rather than at the connection's
/// next use, which under LIFO reuse may be long after.
pub struct PooledConnection(pub(super) Option<managed::Object<PgManager>>);

impl PooledConnection {
    /// Run `work` with this connection on a task of its own, to its end even if the caller is
    /// cancelled (a client that disconnects drops its request). For reads that open a
    /// transaction: a `BEGIN` cancelled on the wire leaves a transaction that nothing on the
    /// connection reveals (sqlx counts it only once answered), which the next request would
    /// then run inside (see `manager.rs`). Writes already run to completion as a whole.
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
