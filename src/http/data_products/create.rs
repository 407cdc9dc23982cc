//! `POST /v1/data-products`: register a data product at `v1.0`.

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;

use crate::authz::Action;
use crate::domain::ProductRef;
use crate::domain::product::NewProduct;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::actor::Actor;
use crate::http::extract::JsonBody;
use crate::http::idempotency::{self, IdempotencyKey};
use crate::http::preconditions::if_none_match_star;
use crate::http::responses::{
    BodyErrors, IdempotencyKeyInFlight, IdempotencyKeyReused, IfNoneMatchNameTaken, InvalidFields,
    MalformedIdempotencyKey, MalformedJson, NameTaken, Problems, ServerErrors,
};
use crate::store::products;

use super::json::{DataProduct, RegisterDataProduct};
use super::product_response;

/// Register a data product
///
/// Creates the product at version `v1.0`. Every invalid field is reported at once.
#[utoipa::path(
    post,
    path = "/v1/data-products",
    operation_id = "register_data_product",
    tag = "data products",
    params(
        ("Idempotency-Key" = Option<String>, Header, pattern = r#"^"?[ -~]{1,255}"?$"#, description = "Retry safely: a repeat with the same key replays the first response (`x-idempotent-key` also works; without either, a key is derived from the request)"),
        ("If-None-Match" = Option<String>, Header, description = "`*`: answer 412 instead of 409 if the name is taken"),
    ),
    request_body = RegisterDataProduct,
    responses(
        (status = 201, description = "Registered", body = DataProduct,
            headers(("ETag" = String, description = "Entity tag of v1.0"),
                    ("Location" = String, description = "URL of the new product"))),
        Problems<(
            MalformedJson,
            MalformedIdempotencyKey,
            NameTaken,
            IdempotencyKeyInFlight,
            IfNoneMatchNameTaken,
            InvalidFields,
            IdempotencyKeyReused,
        )>,
        BodyErrors,
        ServerErrors,
    )
)]
pub async fn register_data_product(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    actor.authorize(&state, Action::Register, None)?;
    let new = NewProduct::parse(&body, &state.policy)?;
    let key = IdempotencyKey::for_request(&headers, &Method::POST, "/v1/data-products", &body)?;
    let settings = &state.writes.idempotency;
    let mut tx = state.pool.begin().await?;
    if let Some(replay) = idempotency::replay_or_lock(&mut tx, &key, settings).await? {
        return Ok(replay);
    }
    let row = products::insert_product(&mut tx, &new.name, &new.fields, actor.author())
        .await
        .map_err(|error| match error {
            ApiError::Conflict(detail) if if_none_match_star(&headers) => {
                ApiError::PreconditionFailed {
                    detail: format!("If-None-Match: * failed: {detail}"),
                    current_etag: None,
                }
            }
            other => other,
        })?;
    let response = product_response(StatusCode::CREATED, &row);
    let resource = ProductRef::product_id(&new.name);
    let response = idempotency::remember(&mut tx, &key, &resource, response, settings).await?;
    tx.commit().await?;
    tracing::info!(product.name = %new.name, "data product registered");
    Ok(response)
}
