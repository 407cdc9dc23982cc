//! `GET /v1/schemas/{id}/uploads`: the uploads of a table, newest first, a page at a time.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::error::{ApiError, Problem};
use crate::http::AppState;
use crate::http::extract::ApiQuery;
use crate::http::pagination::{decode_cursor, encode_cursor, page_size};
use crate::http::responses::ServerErrors;
use crate::http::write::product_not_found;
use crate::store::products;
use crate::store::uploads as store;

use super::json::{Upload, UploadPage};
use super::{parse_table_id, status, uploads_of};

/// Query parameters of the upload list.
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadListQuery {
    /// Page size, 1 to 1000 (default 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `nextLink`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

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
    params(
        ("id" = String, Path, description = "`dp:<name>:<table>` or `dp:<name>:v<M>.<m>:<table>`", example = "dp:hmpps_use_of_force:incidents"),
        UploadListQuery,
    ),
    responses(
        (status = 200, description = "A page of uploads", body = UploadPage),
        (status = 400, description = "Malformed id, query parameter or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product, or a table it never had", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    )
)]
pub async fn list_uploads(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<UploadListQuery>,
) -> Result<Response, ApiError> {
    let uploads = uploads_of(&state)?;
    let reference = parse_table_id(&id)?;
    let size = page_size(query.limit)?;
    let after = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(cursor) => {
            let (nanos, id): (i128, Uuid) = decode_cursor(cursor)?;
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
        let next = UploadListQuery {
            cursor: Some(encode_cursor((
                last.created_at.unix_timestamp_nanos(),
                last.id,
            ))),
            ..query
        };
        Some(format!(
            "/v1/schemas/{id}/uploads?{}",
            serde_urlencoded::to_string(&next).map_err(anyhow::Error::from)?
        ))
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
