//! `DELETE /v1/data-products/{id}`: delete a product, freeing its name; the deletion is recorded.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};

use crate::authz::Action;
use crate::domain::ProductRef;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::actor::Actor;
use crate::http::preconditions::{check_if_match, require_if_match};
use crate::http::responses::{
    IfMatchFailed, IfMatchRequired, MalformedId, NoSuchProduct, NotLatestVersion, Problems,
    ServerErrors,
};
use crate::store::idempotency;
use crate::store::products;

use super::json::LatestProductIdParam;
use super::{ensure_latest, etag_of, parse_id, product_not_found};

/// Delete a data product
///
/// Afterwards the product and all its versions answer 404 and its name can be registered
/// again. Who deleted it and when is kept for audit.
#[utoipa::path(
    delete,
    path = "/v1/data-products/{id}",
    operation_id = "delete_data_product",
    tag = "data products",
    params(
        LatestProductIdParam,
        ("If-Match" = Option<String>, Header, description = "Only delete if the current entity tag matches"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        Problems<(MalformedId, NoSuchProduct, NotLatestVersion, IfMatchFailed)>,
        IfMatchRequired,
        ServerErrors,
    )
)]
pub async fn delete_data_product(
    State(state): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let reference = parse_id(&id)?;
    require_if_match(&headers, state.writes.require_if_match)?;
    actor.authorize(&state, Action::Delete, None)?;
    let mut tx = state.pool.begin().await?;
    let current = products::lock_current(&mut tx, &reference.name)
        .await?
        .ok_or_else(|| product_not_found(&reference))?;
    ensure_latest(&reference, &current)?;
    check_if_match(&headers, &etag_of(&current))?;
    products::mark_deleted(&mut tx, current.product_id, actor.author()).await?;
    // Re-sending the request that registered the product must register it again.
    idempotency::forget_derived(&mut tx, &ProductRef::product_id(&reference.name)).await?;
    tx.commit().await?;
    tracing::info!(product.name = %reference.name, "data product deleted");
    Ok(StatusCode::NO_CONTENT)
}
