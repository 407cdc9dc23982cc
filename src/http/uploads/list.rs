//! `GET /v1/schemas/{id}/uploads`: the uploads of a table, newest first, a page at a time.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::ApiQuery;
use crate::http::pagination::PageQuery;
use crate::http::responses::{
    MalformedCursor, MalformedId, MalformedQuery, NoSuchProduct, NoSuchTable, Problems,
    ServerErrors,
};
use crate::http::schemas::json::TableIdParam;
use crate::http::write::product_not_found;
use crate::store::products;
use crate::store::uploads as store;

use super::json::{Upload, UploadPage};
use super::{parse_table_id, status, uploads_of};

/// List the uploads of a table
///
/// Newest first; follow `nextLink` until it is absent. An issued upload's status is checked
/// against the store as it is read. With a versioned id, only the uploads checked against that
/// version.
#[utoipa::path(
    get,
    path = "/v1/schemas/{id}/uploads",
    operation_id = "list_uploads",
    tag = "uploads",
    params(TableIdParam, PageQuery),
    responses(
        (status = 200, description = "A page of uploads", body = UploadPage),
        Problems<(MalformedId, MalformedQuery, MalformedCursor, NoSuchProduct, NoSuchTable)>,
        ServerErrors,
    )
)]
pub async fn list_uploads(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Response, ApiError> {
    let uploads = uploads_of(&state)?;
    let reference = parse_table_id(&id)?;
    let size = page.size()?;
    let after = match page.after::<(i128, Uuid)>()? {
        Some((nanos, id)) => {
            let at = OffsetDateTime::from_unix_timestamp_nanos(nanos)
                .map_err(|_| ApiError::BadRequest("`cursor` is not valid".to_owned()))?;
            Some((at, id))
        }
        None => None,
    };
    let table = reference.table.as_str();
    let mut conn = state.pool.acquire().await?;
    let current = products::find_current(&mut conn, &reference.product.name)
        .await?
        .ok_or_else(|| product_not_found(&reference.product))?;
    let mut rows = store::list(
        &mut conn,
        current.product_id,
        table,
        reference.product.version,
        after,
        i64::from(size) + 1,
    )
    .await?;
    let has_table = current.tables.iter().any(|t| t == table);
    if rows.is_empty() && after.is_none() && !has_table {
        return Err(ApiError::NotFound(format!(
            "dp:{} has no table `{table}` and no uploads for one",
            reference.product.name
        )));
    }
    let next_link = if rows.len() > size as usize {
        rows.truncate(size as usize);
        let last = rows.last().expect("a full page");
        let path = format!("/v1/schemas/{id}/uploads");
        let key = (last.created_at.unix_timestamp_nanos(), last.id);
        Some(page.next_link(&path, &(), key)?)
    } else {
        None
    };
    let rows = status::refresh(uploads, &mut conn, rows).await?;
    let name = &reference.product.name;
    Ok(Json(UploadPage {
        value: rows.iter().map(|row| Upload::from_row(name, row)).collect(),
        next_link,
    })
    .into_response())
}
