//! `/v1/data-products`: register, list, read, update and delete data products, and read their
//! version history. One file per operation.

pub mod changes;
mod contract;
mod create;
mod delete;
mod get;
pub mod json;
mod list;
mod sync;
mod update;
mod versions;

use axum::Json;
use axum::http::header::{ETAG, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::ProductRef;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::preconditions::product_etag;
use crate::http::write::product_not_found;
use crate::store::products::{self, ProductVersionRow};

use json::DataProduct;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            create::register_data_product,
            list::list_data_products
        ))
        .routes(routes!(
            get::get_data_product,
            update::update_data_product,
            delete::delete_data_product
        ))
        .routes(routes!(versions::list_data_product_versions))
        .routes(routes!(changes::get_data_product_changes))
        .routes(routes!(contract::get_data_product_contract))
        .routes(routes!(sync::get_data_product_sync))
}

/// Parse a `{id}` path segment; a malformed id is a 400.
fn parse_id(raw: &str) -> Result<ProductRef, ApiError> {
    ProductRef::parse(raw).map_err(ApiError::BadRequest)
}

fn etag_of(row: &ProductVersionRow) -> String {
    product_etag(row.product_id, row.major, row.minor)
}

/// The latest version of a product, or the exact version the reference names.
pub async fn find_product(
    conn: &mut sqlx::PgConnection,
    reference: &ProductRef,
) -> Result<Option<ProductVersionRow>, sqlx::Error> {
    match reference.version {
        None => products::find_current(conn, &reference.name).await,
        Some(version) => products::find_version(conn, &reference.name, version).await,
    }
}

/// [`find_product`], or the 404 to answer: for an exact version the product never had, one
/// that names its latest version.
async fn require_product(
    conn: &mut sqlx::PgConnection,
    reference: &ProductRef,
) -> Result<ProductVersionRow, ApiError> {
    if let Some(row) = find_product(conn, reference).await? {
        return Ok(row);
    }
    Err(match reference.version {
        None => product_not_found(reference),
        Some(version) => match products::find_current(conn, &reference.name).await? {
            Some(current) => ApiError::NotFound(format!(
                "dp:{} has no version {version}; its latest version is {}",
                reference.name,
                current.version()
            )),
            None => product_not_found(reference),
        },
    })
}

/// A product body with its `ETag` (and `Location`, for a registration).
fn product_response(status: StatusCode, row: &ProductVersionRow) -> Response {
    let body = DataProduct::from_row(row);
    let location =
        (status == StatusCode::CREATED).then(|| format!("/v1/data-products/{}", body.id));
    let mut response = (status, Json(body)).into_response();
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&etag_of(row)) {
        headers.insert(ETAG, etag);
    }
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(LOCATION, location);
    }
    response
}
