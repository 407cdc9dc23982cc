//! `DELETE /v1/data-products/{id}`: delete a product, freeing its name; the deletion is recorded.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::authz::Action;
use crate::domain::ProductRef;
use crate::error::{ApiError, Problem};
use crate::http::AppState;
use crate::http::actor::Actor;
use crate::http::preconditions::{check_if_match, require_if_match};
use crate::http::responses::{IfMatchRequired, ServerErrors};
use crate::http::write::{
    self, Applied, ChangeFuture, Effect, ProductChange, VersionWriter, WritePlan, ensure_latest,
};
use crate::store::products::ProductVersionRow;

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
        ("id" = String, Path, description = "`dp:<name>`, or `dp:<name>:v<M>.<m>` naming the latest version", example = "dp:hmpps_use_of_force", pattern = r"^dp:[a-z][a-z0-9_]{0,62}(:v[1-9][0-9]{0,8}\\.(0|[1-9][0-9]{0,8}))?$"),
        ("If-Match" = Option<String>, Header, description = "Only delete if the current entity tag matches"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The id names a version that is not the latest", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version", body = Problem, content_type = "application/problem+json"),
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
