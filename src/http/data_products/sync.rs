//! `GET /v1/data-products/{id}/sync`: how far the product's changes have reached each
//! catalogue (Glue, DataHub).

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::domain::{ProductRef, Version};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::responses::{MalformedId, NoSuchProduct, Problems, ServerErrors};
use crate::http::write::product_not_found;
use crate::store::outbox::{self, SyncStatusRow};
use crate::store::versions;

use super::json::AnyVersionProductIdParam;
use super::parse_id;

/// The product's sync with every configured catalogue.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    #[schema(example = "dp:hmpps_use_of_force")]
    pub id: String,
    /// One entry per configured target; empty when no catalogue is configured.
    pub targets: Vec<TargetSync>,
}

/// One catalogue's view of the product.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TargetSync {
    /// `glue` or `datahub`.
    #[schema(example = "glue")]
    pub target: String,
    /// The version the catalogue shows; `null` before the first delivery.
    #[schema(value_type = Option<String>, example = "v1.2")]
    pub synced_version: Option<Version>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub synced_at: Option<OffsetDateTime>,
    /// Changes (versions, or the product's removal) not yet delivered.
    pub pending: i32,
    /// When the oldest undelivered change was made.
    #[serde(with = "time::serde::rfc3339::option")]
    pub pending_since: Option<OffsetDateTime>,
    /// Failed attempts at delivering the pending changes.
    pub attempts: i32,
    /// Delivery gave up after too many failures; `daap sync retry` (or a new change) resumes it.
    pub parked: bool,
    /// The last delivery error, kept after later successes for diagnosis.
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_error_at: Option<OffsetDateTime>,
}

impl From<SyncStatusRow> for TargetSync {
    fn from(row: SyncStatusRow) -> Self {
        Self {
            target: row.target,
            synced_version: row
                .synced_major
                .zip(row.synced_minor)
                .map(|(major, minor)| Version { major, minor }),
            synced_at: row.synced_at,
            pending: row.pending,
            pending_since: row.pending_since,
            attempts: row.attempts,
            parked: row.parked,
            last_error: row.last_error,
            last_error_at: row.last_error_at,
        }
    }
}

/// Read a data product's catalogue sync status
///
/// Per configured catalogue: the version it shows, how many changes are still on their way
/// and since when, and the last delivery error.
#[utoipa::path(
    get,
    path = "/v1/data-products/{id}/sync",
    operation_id = "get_data_product_sync",
    tag = "data products",
    params(AnyVersionProductIdParam),
    responses(
        (status = 200, description = "The product's sync with each configured catalogue", body = SyncStatus),
        Problems<(MalformedId, NoSuchProduct)>,
        ServerErrors,
    )
)]
pub async fn get_data_product_sync(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<SyncStatus>, ApiError> {
    let reference = parse_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    let product_id = versions::live_product_id(&mut conn, &reference.name)
        .await?
        .ok_or_else(|| product_not_found(&reference))?;
    let mut rows = outbox::status(&mut conn, product_id).await?;
    let targets = state
        .writes
        .sync_targets
        .iter()
        .map(|target| {
            match rows.iter().position(|row| row.target == target.as_str()) {
                Some(at) => TargetSync::from(rows.swap_remove(at)),
                // Configured after the product's last change: nothing queued for it yet
                // (`daap sync reconcile` queues it).
                None => TargetSync {
                    target: target.as_str().to_owned(),
                    synced_version: None,
                    synced_at: None,
                    pending: 0,
                    pending_since: None,
                    attempts: 0,
                    parked: false,
                    last_error: None,
                    last_error_at: None,
                },
            }
        })
        .collect();
    Ok(Json(SyncStatus {
        id: ProductRef::product_id(&reference.name),
        targets,
    }))
}
