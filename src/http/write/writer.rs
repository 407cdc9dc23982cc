//! The only way a change writes: through a [`VersionWriter`], which owns the connection (or
//! transaction) of the write, so that everything a version implies is recorded with it.

use sqlx::PgConnection;

use crate::domain::{Author, DataProductName, ProductFields};
use crate::http::AppState;
use crate::store::StoreError;
use crate::store::idempotency;
use crate::store::products::{self, NewVersion, ProductVersionRow};
use crate::store::uploads::{self, NewUpload, UploadRow};

/// The connection of one write and what the deployment says a write must also record: the
/// catalogue targets whose outbox (`sync_state`) every version and deletion raises, in the
/// statement that writes it.
pub struct VersionWriter<'c> {
    conn: &'c mut PgConnection,
    sync_targets: Vec<&'static str>,
}

impl<'c> VersionWriter<'c> {
    pub(super) fn new(state: &AppState, conn: &'c mut PgConnection) -> Self {
        let sync_targets = state
            .writes
            .sync_targets
            .iter()
            .map(|target| target.as_str())
            .collect();
        Self { conn, sync_targets }
    }

    /// The write's connection, for reads that belong to it (they see its own writes).
    pub fn conn(&mut self) -> &mut PgConnection {
        self.conn
    }

    /// Register a product at `v1.0`.
    pub async fn insert_product(
        &mut self,
        name: &DataProductName,
        fields: &ProductFields,
        author: &Author,
    ) -> Result<ProductVersionRow, StoreError> {
        products::insert_product(self.conn, name, fields, author, &self.sync_targets).await
    }

    /// Make the version after `current`; `None` if the product moved on from `current`
    /// (nothing written). See [`products::append_version`].
    pub async fn append_version(
        &mut self,
        current: &ProductVersionRow,
        new: NewVersion<'_>,
    ) -> Result<Option<ProductVersionRow>, sqlx::Error> {
        products::append_version(self.conn, current, new, &self.sync_targets).await
    }

    /// Delete the product `current` belongs to (its row must be locked).
    pub async fn delete_product(
        &mut self,
        current: &ProductVersionRow,
        author: &Author,
    ) -> Result<(), sqlx::Error> {
        products::mark_deleted(self.conn, current.product_id, author, &self.sync_targets).await
    }

    /// Forget the derived idempotency keys of a deleted resource: re-sending the request that
    /// created it must create it again.
    pub async fn forget_derived_keys(&mut self, resource: &str) -> Result<(), sqlx::Error> {
        idempotency::forget_derived(self.conn, resource).await
    }

    /// Record an upload this write issues, in its transaction: with the idempotency record
    /// that replays it, so a retry gets this upload and never a second one.
    pub async fn record_upload(
        &mut self,
        upload: &NewUpload<'_>,
    ) -> Result<UploadRow, sqlx::Error> {
        uploads::insert(self.conn, upload).await
    }
}
