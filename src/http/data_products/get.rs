//! `GET /v1/data-products/{id}`: one product, latest or an exact version.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::error::ApiError;
use crate::http::AppState;
use crate::http::preconditions::{if_none_match_hits, not_modified};
use crate::http::responses::{MalformedId, NoSuchProduct, NoSuchVersion, Problems, ServerErrors};

use super::json::{DataProduct, ProductIdParam};
use super::{etag_of, parse_id, product_response, require_product};

/// Get a data product
///
/// `{id}` is `dp:<name>` for the latest version or `dp:<name>:v<M>.<m>` for that exact
/// version, which never changes once made.
#[utoipa::path(
    get,
    path = "/v1/data-products/{id}",
    operation_id = "get_data_product",
    tag = "data products",
    params(
        ProductIdParam,
        ("If-None-Match" = Option<String>, Header, description = "Answer 304 if the entity tag still matches"),
    ),
    responses(
        (status = 200, description = "The product", body = DataProduct,
            headers(("ETag" = String, description = "Entity tag of this version"))),
        (status = 304, description = "Not modified since the given entity tag"),
        Problems<(MalformedId, NoSuchProduct, NoSuchVersion)>,
        ServerErrors,
    )
)]
pub async fn get_data_product(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let reference = parse_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    let row = require_product(&mut conn, &reference).await?;
    let etag = etag_of(&row);
    if if_none_match_hits(&headers, &etag) {
        return Ok(not_modified(&etag));
    }
    Ok(product_response(StatusCode::OK, &row))
}
