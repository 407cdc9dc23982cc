//! `POST /v1/data-products`: register a data product at `v1.0`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::product::NewProduct;
use crate::error::{ApiError, Problem};
use crate::http::AppState;
use crate::http::actor::Actor;
use crate::http::extract::JsonBody;

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
    request_body = RegisterDataProduct,
    responses(
        (status = 201, description = "Registered", body = DataProduct,
            headers(("ETag" = String, description = "Entity tag of v1.0"),
                    ("Location" = String, description = "URL of the new product"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A product of that name is already registered", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the size limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (all of them listed in `errors`)", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Server error", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn register_data_product(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let new = NewProduct::parse(&body, &state.policy)?;
    let mut tx = state.pool.begin().await?;
    let row =
        crate::store::products::insert_product(&mut tx, &new.name, &new.fields, actor.id()).await?;
    tx.commit().await?;
    tracing::info!(product.name = %new.name, "data product registered");
    Ok(product_response(StatusCode::CREATED, &row, Vec::new()))
}
