//! What can go wrong in the store beyond the database failing: outcomes a caller must tell the
//! client about. The HTTP layer turns them into problems; the store knows nothing of HTTP.

use crate::domain::DataProductName;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A live product already has this name (the partial unique index on `data_products`).
    #[error("a data product called `{0}` is already registered")]
    NameTaken(DataProductName),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Whether `error` is a violation of the unique constraint or index called `name`.
pub fn is_unique_violation(error: &sqlx::Error, name: &str) -> bool {
    match error {
        sqlx::Error::Database(db) => {
            db.code().as_deref() == Some("23505") && db.constraint() == Some(name)
        }
        _ => false,
    }
}
