//! `DELETE /v1/data-products/{id}`: delete a product, freeing its name; the deletion is recorded.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

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
use crate::http::write::{
    self, Applied, ChangeFuture, Effect, ProductChange, VersionWriter, WritePlan, ensure_latest,
};
use crate::store::products::ProductVersionRow;
use crate::store::tables::TableRow;

use super::json::LatestProductIdParam;
use super::{etag_of, parse_id};

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
) -> Result<Response, ApiError> {
    let reference = parse_id(&id)?;
    require_if_match(&headers, state.writes.require_if_match)?;
    actor.authorize(&state, Action::Delete, None)?;
    let deletion = ProductDeletion {
        reference: &reference,
        actor: &actor,
        headers: &headers,
    };
    let plan = WritePlan {
        product: &reference,
        optimistic: false,
        idempotency: None,
    };
    write::change_product(&state, plan, &deletion).await
}

/// The deletion of a whole product.
struct ProductDeletion<'a> {
    reference: &'a ProductRef,
    actor: &'a Actor,
    headers: &'a HeaderMap,
}

impl ProductChange for ProductDeletion<'_> {
    fn describe(&self) -> &'static str {
        "data product deleted"
    }

    fn apply<'a>(
        &'a self,
        writer: &'a mut VersionWriter<'_>,
        current: ProductVersionRow,
        _table: Option<TableRow>,
    ) -> ChangeFuture<'a> {
        Box::pin(async move {
            ensure_latest(self.reference, &current)?;
            check_if_match(self.headers, &etag_of(&current))?;
            writer.delete_product(&current, self.actor.author()).await?;
            // Re-sending the request that registered the product must register it again.
            writer
                .forget_derived_keys(&ProductRef::product_id(&self.reference.name))
                .await?;
            Ok(Some(Applied {
                response: StatusCode::NO_CONTENT.into_response(),
                effect: Effect::Deleted,
            }))
        })
    }
}
