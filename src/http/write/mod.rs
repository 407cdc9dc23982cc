//! The one write sequence. Every request that makes a product version, or deletes a product,
//! goes through [`change_product`] (an existing product) or [`register_product`] (a new one),
//! so that whatever a write must also record in the same transaction is added here once.
//!
//! [`change_product`] runs a [`ProductChange`] against the product's latest version:
//!
//! 1. **Optimistic** (only for changes whose whole effect is one statement, and without an
//!    idempotency record to keep in step): read the latest version from the product row
//!    without a transaction and let the change write with a compare-and-set statement that
//!    applies only if the product has not moved on. Nobody else writing the product (the usual
//!    case): done in two statements, no `BEGIN`/`COMMIT`.
//! 2. **Locked** (every other change, and an optimistic one that lost the race): in one
//!    transaction, replay a retried request from its idempotency record (or hold its key),
//!    lock the product row and read the latest version with the same statement, apply the
//!    change, store the answer for retries, commit. Concurrent writers of one product queue
//!    on the row lock instead of retrying, and each gets its own version.
//!
//! A change checks its own preconditions (versioned id, `If-Match`, authorisation) against the
//! version it is given, so they are checked again, correctly, when step 2 redoes step 1.

mod checks;
mod query;
mod writer;

use std::future::Future;
use std::pin::Pin;

use axum::response::Response;
use sqlx::{Connection, PgConnection};

use crate::domain::{DataProductName, ProductRef, Version};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::idempotency::{self, IdempotencyKey};
use crate::store::products::{self, ProductVersionRow};
use crate::store::tables::{self, TableRow};

pub use checks::{ensure_latest, product_not_found};
pub use query::WriteQuery;
pub use writer::VersionWriter;

/// What a change answers, and what it did.
pub struct Applied {
    pub response: Response,
    pub effect: Effect,
}

/// What a change did to the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Nothing: a dry run, or a request that changed nothing.
    None,
    /// It made this version.
    Version(Version),
    /// It deleted the product.
    Deleted,
}

impl Applied {
    /// An answer that wrote nothing.
    pub fn unchanged(response: Response) -> Self {
        Self {
            response,
            effect: Effect::None,
        }
    }
}

/// `Ok(None)`: the product moved on from the version the change was given before it could
/// write (possible only on the optimistic path); nothing was written.
pub type ChangeFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<Applied>, ApiError>> + Send + 'a>>;

/// One change to an existing product, as a client asked for it.
pub trait ProductChange: Sync {
    /// What the change is, for the log line of a committed write (e.g. "table created").
    fn describe(&self) -> &'static str;

    /// The table the change reads, if any: it is read with the product's latest version, in
    /// the same statement, and given to [`apply`](Self::apply).
    fn table(&self) -> Option<&str> {
        None
    }

    /// Check the change's preconditions against `current`, the product's latest version, and
    /// write what it implies through `writer` (or answer without writing: a dry run, nothing
    /// to change). `table` is `current`'s table named by [`table`](Self::table), if it has it.
    fn apply<'a>(
        &'a self,
        writer: &'a mut VersionWriter<'_>,
        current: ProductVersionRow,
        table: Option<TableRow>,
    ) -> ChangeFuture<'a>;
}

/// How a request wants its change run.
pub struct WritePlan<'a> {
    pub product: &'a ProductRef,
    /// Try the compare-and-set path first. Only for a change that writes one statement and
    /// has no idempotency record.
    pub optimistic: bool,
    /// Make the write safe to retry: replay the stored answer, or store this one.
    pub idempotency: Option<Idempotent<'a>>,
}

/// A write that is safe to retry: its key, the id of the resource it creates (whose
/// deletion forgets the derived keys that created it), and how long its answer is replayed.
pub struct Idempotent<'a> {
    pub key: &'a IdempotencyKey,
    pub resource: String,
    /// `None`: the deployment's retention (`DAAP_IDEMPOTENCY_RETENTION_SECS`); a write whose answer
    /// stops being useful sooner (an upload's signed URLs) keeps it for that long instead.
    pub retention: Option<std::time::Duration>,
}

/// Run `change` on the product `plan.product` through the one write sequence (module docs).
pub async fn change_product(
    state: &AppState,
    plan: WritePlan<'_>,
    change: &dyn ProductChange,
) -> Result<Response, ApiError> {
    let name = &plan.product.name;
    let mut conn = state.pool.acquire().await?;
    if plan.optimistic && plan.idempotency.is_none() {
        let (current, table) = read_latest(&mut conn, name, change.table(), false)
            .await?
            .ok_or_else(|| product_not_found(plan.product))?;
        let mut writer = VersionWriter::new(state, &mut conn);
        if let Some(applied) = change.apply(&mut writer, current, table).await? {
            return Ok(finish(plan.product, change.describe(), applied));
        }
    }
    let mut tx = conn.begin().await?;
    if let Some(replay) = replay(state, &mut tx, plan.idempotency.as_ref()).await? {
        return Ok(replay);
    }
    let (current, table) = read_latest(&mut tx, name, change.table(), true)
        .await?
        .ok_or_else(|| product_not_found(plan.product))?;
    let mut writer = VersionWriter::new(state, &mut tx);
    let mut applied = change
        .apply(&mut writer, current, table)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the product moved while its row was locked"))?;
    applied.response =
        remember(state, &mut tx, plan.idempotency.as_ref(), applied.response).await?;
    tx.commit().await?;
    Ok(finish(plan.product, change.describe(), applied))
}

/// The latest version of the product `name` (under its row lock when `lock`), with its table
/// `table` when the change names one. Without the lock, one statement (one snapshot; the
/// write's compare-and-set refuses it if the product has moved on since). Under the lock the
/// table is read by a statement of its own, after the lock is held, so that it sees what the
/// writer the lock waited for committed (see `products::find_current_with_table`).
async fn read_latest(
    conn: &mut PgConnection,
    name: &DataProductName,
    table: Option<&str>,
    lock: bool,
) -> Result<Option<(ProductVersionRow, Option<TableRow>)>, sqlx::Error> {
    let current = match (table, lock) {
        (Some(table), false) => {
            return products::find_current_with_table(conn, name, table).await;
        }
        (_, false) => products::find_current(conn, name).await?,
        (_, true) => products::lock_current(conn, name).await?,
    };
    let Some(current) = current else {
        return Ok(None);
    };
    // The product row lists the latest version's tables: a table it does not list is not read.
    let table = match table {
        Some(table)
            if current
                .tables
                .binary_search_by(|t| t.as_str().cmp(table))
                .is_ok() =>
        {
            tables::table_at(conn, current.product_id, current.seq, table).await?
        }
        _ => None,
    };
    Ok(Some((current, table)))
}

/// The registration of a new product.
pub trait NewProduct: Sync {
    /// Write `v1.0` through `writer` and answer.
    fn insert<'a>(&'a self, writer: &'a mut VersionWriter<'_>) -> ChangeFuture<'a>;
}

/// Register a product through the same transaction, idempotency and logging as every other
/// write.
pub async fn register_product(
    state: &AppState,
    idempotency: Idempotent<'_>,
    product: &ProductRef,
    registration: &dyn NewProduct,
) -> Result<Response, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let mut tx = conn.begin().await?;
    if let Some(replay) = replay(state, &mut tx, Some(&idempotency)).await? {
        return Ok(replay);
    }
    let mut writer = VersionWriter::new(state, &mut tx);
    let mut applied = registration
        .insert(&mut writer)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a registration wrote nothing"))?;
    applied.response = remember(state, &mut tx, Some(&idempotency), applied.response).await?;
    tx.commit().await?;
    Ok(finish(product, "data product registered", applied))
}

/// The stored answer to a repeat of an idempotent request; otherwise the key is held until the
/// transaction ends.
async fn replay(
    state: &AppState,
    tx: &mut PgConnection,
    idempotency: Option<&Idempotent<'_>>,
) -> Result<Option<Response>, ApiError> {
    match idempotency {
        Some(idempotent) => {
            idempotency::replay_or_lock(tx, idempotent.key, &state.writes.idempotency).await
        }
        None => Ok(None),
    }
}

/// Store the answer of an idempotent request in the write's transaction.
async fn remember(
    state: &AppState,
    tx: &mut PgConnection,
    idempotency: Option<&Idempotent<'_>>,
    response: Response,
) -> Result<Response, ApiError> {
    match idempotency {
        Some(idempotent) => {
            idempotency::remember(
                tx,
                idempotent.key,
                &idempotent.resource,
                response,
                idempotent
                    .retention
                    .unwrap_or(state.writes.idempotency.retention),
            )
            .await
        }
        None => Ok(response),
    }
}

/// Log a committed write and answer it.
fn finish(product: &ProductRef, describe: &'static str, applied: Applied) -> Response {
    match applied.effect {
        Effect::Version(version) => {
            tracing::info!(product.name = %product.name, product.version = %version, "{describe}")
        }
        Effect::Deleted => tracing::info!(product.name = %product.name, "{describe}"),
        Effect::None => {}
    }
    applied.response
}
