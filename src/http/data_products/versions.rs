//! `GET /v1/data-products/{id}/versions`: a product's history, newest first.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::error::{ApiError, Problem};
use crate::http::AppState;
use crate::http::extract::ApiQuery;
use crate::http::pagination::{decode_cursor, encode_cursor, page_size};
use crate::http::responses::ServerErrors;
use crate::store::versions;

use super::json::{VersionEntry, VersionPage};
use super::parse_id;
use crate::http::write::product_not_found;

#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VersionsQuery {
    /// Page size, 1 to 1000 (default 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `nextLink`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// List a data product's versions
///
/// Every version, newest first, with the kind of change that made it, a summary, and who
/// made it and when.
#[utoipa::path(
    get,
    path = "/v1/data-products/{id}/versions",
    operation_id = "list_data_product_versions",
    tag = "data products",
    params(
        ("id" = String, Path, description = "`dp:<name>` (a versioned id is accepted and names the same product)", example = "dp:hmpps_use_of_force", pattern = r"^dp:[a-z][a-z0-9_]{0,62}(:v[1-9][0-9]{0,8}\\.(0|[1-9][0-9]{0,8}))?$"),
        VersionsQuery,
    ),
    responses(
        (status = 200, description = "A page of versions, newest first", body = VersionPage),
        (status = 400, description = "Malformed id, query parameter or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    )
)]
pub async fn list_data_product_versions(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<VersionsQuery>,
) -> Result<Json<VersionPage>, ApiError> {
    let reference = parse_id(&id)?;
    let size = page_size(query.limit)?;
    let before: i32 = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(cursor) => decode_cursor(cursor)?,
        None => i32::MAX,
    };
    let mut conn = state.pool.acquire().await?;
    let product_id = versions::live_product_id(&mut conn, &reference.name)
        .await?
        .ok_or_else(|| product_not_found(&reference))?;
    let mut rows =
        versions::list_versions(&mut conn, product_id, before, i64::from(size) + 1).await?;
    let next_link = if rows.len() > size as usize {
        rows.truncate(size as usize);
        let last = rows.last().map(|row| row.seq).unwrap_or_default();
        let next = VersionsQuery {
            cursor: Some(encode_cursor(last)),
            ..query
        };
        Some(format!(
            "/v1/data-products/dp:{}/versions?{}",
            reference.name,
            serde_urlencoded::to_string(&next).map_err(anyhow::Error::from)?
        ))
    } else {
        None
    };
    Ok(Json(VersionPage {
        value: rows
            .iter()
            .map(|row| VersionEntry::from_row(&reference.name, row))
            .collect(),
        next_link,
    }))
}
