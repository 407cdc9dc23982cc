//! `GET /v1/schemas/{id}`: a table schema, latest or in an exact version.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::error::ApiError;
use crate::http::AppState;
use crate::http::preconditions::{if_none_match_hits, not_modified};
use crate::http::responses::{
    MalformedId, NoSuchProduct, NoSuchTable, NoSuchVersion, Problems, ServerErrors,
};
use crate::http::write::product_not_found;
use crate::store::tables;

use super::json::{Schema, TableIdParam};
use super::{parse_table_id, schema_etag, table_not_found, with_etag};

/// Get a table schema
///
/// `{id}` is `dp:<name>:<table>` for the table in the latest version, or
/// `dp:<name>:v<M>.<m>:<table>` for the table as it was in that version.
#[utoipa::path(
    get,
    path = "/v1/schemas/{id}",
    operation_id = "get_schema",
    tag = "schemas",
    params(
        TableIdParam,
        ("If-None-Match" = Option<String>, Header, description = "Answer 304 if the entity tag still matches"),
    ),
    responses(
        (status = 200, description = "The schema", body = Schema,
            headers(("ETag" = String, description = "Entity tag of the schema in this version"))),
        (status = 304, description = "Not modified since the given entity tag"),
        Problems<(MalformedId, NoSuchProduct, NoSuchVersion, NoSuchTable)>,
        ServerErrors,
    )
)]
pub async fn get_schema(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let reference = parse_table_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    let found = tables::find_table(
        &mut conn,
        &reference.product.name,
        reference.product.version,
        reference.table.as_str(),
    )
    .await?
    .ok_or_else(|| product_not_found(&reference.product))?;
    let row = found.table.ok_or_else(|| table_not_found(&reference))?;
    let (product_id, version) = (found.product_id, found.version);
    let etag = schema_etag(product_id, version, &row.table_name);
    if if_none_match_hits(&headers, &etag) {
        return Ok(not_modified(&etag));
    }
    let name = &reference.product.name;
    let schema = Schema::new(
        name,
        version,
        &row.table_name,
        row.table_description,
        row.columns,
    );
    Ok(with_etag(StatusCode::OK, &schema, Some(&etag)))
}
