//! `GET /v1/data-products/{id}/versions`: a product's history, newest first.

use axum::Json;
use axum::extract::{Path, State};

use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::ApiQuery;
use crate::http::pagination::PageQuery;
use crate::http::responses::{
    MalformedCursor, MalformedId, MalformedQuery, NoSuchProduct, Problems, ServerErrors,
};
use crate::store::versions;

use super::json::{AnyVersionProductIdParam, VersionEntry, VersionPage};
use super::parse_id;
use crate::http::write::product_not_found;

/// List a data product's versions
///
/// Every version, newest first, with the kind of change that made it, a summary, and who
/// made it and when.
#[utoipa::path(
    get,
    path = "/v1/data-products/{id}/versions",
    operation_id = "list_data_product_versions",
    tag = "data products",
    params(AnyVersionProductIdParam, PageQuery),
    responses(
        (status = 200, description = "A page of versions, newest first", body = VersionPage),
        Problems<(MalformedId, MalformedQuery, MalformedCursor, NoSuchProduct)>,
        ServerErrors,
    )
)]
pub async fn list_data_product_versions(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<VersionPage>, ApiError> {
    let reference = parse_id(&id)?;
    let size = page.size()?;
    let before: i32 = page.after()?.unwrap_or(i32::MAX);
    let mut conn = state.pool.acquire().await?;
    let product_id = versions::live_product_id(&mut conn, &reference.name)
        .await?
        .ok_or_else(|| product_not_found(&reference))?;
    let mut rows =
        versions::list_versions(&mut conn, product_id, before, i64::from(size) + 1).await?;
    let next_link = if rows.len() > size as usize {
        rows.truncate(size as usize);
        let last = rows.last().map(|row| row.seq).unwrap_or_default();
        let path = format!("/v1/data-products/dp:{}/versions", reference.name);
        Some(page.next_link(&path, &(), last)?)
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
