//! Checks every write makes against the product's latest version.

use crate::domain::ProductRef;
use crate::error::ApiError;
use crate::store::products::ProductVersionRow;

/// A product id in a write is only accepted for the latest version, where it acts as a
/// precondition; writing through an older version would silently discard later changes.
pub fn ensure_latest(reference: &ProductRef, current: &ProductVersionRow) -> Result<(), ApiError> {
    match reference.version {
        Some(version) if version != current.version() => Err(ApiError::Conflict(format!(
            "dp:{name}:{version} is not the latest version of dp:{name} (that is {latest}); \
             old versions are immutable, so write to dp:{name} or dp:{name}:{latest}",
            name = reference.name,
            latest = current.version()
        ))),
        _ => Ok(()),
    }
}

/// 404 for a product that does not exist (or was deleted).
pub fn product_not_found(reference: &ProductRef) -> ApiError {
    ApiError::NotFound(format!(
        "no data product dp:{} is registered",
        reference.name
    ))
}
