//! `GET /v1/schemas/{id}/uploads/{uploadId}`: one upload, its status checked against the store.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, Problem};
use crate::http::AppState;
use crate::http::responses::ServerErrors;
use crate::http::schemas::json::TableIdParam;

use super::json::Upload;
use super::{find_upload, parse_table_id, parse_upload_id, status, uploads_of};

/// Get an upload
///
/// An issued upload is checked against the store as it is read: its object exists and it is
/// `received`; it does not and its form has expired, and it is `expired`.
#[utoipa::path(
    get,
    path = "/v1/schemas/{id}/uploads/{uploadId}",
    operation_id = "get_upload",
    tag = "uploads",
    params(
        TableIdParam,
        ("uploadId" = String, Path, description = "The upload's id", format = Uuid),
    ),
    responses(
        (status = 200, description = "The upload", body = Upload),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product or upload", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    )
)]
pub async fn get_upload(
    State(state): State<AppState>,
    Path((id, upload_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let uploads = uploads_of(&state)?;
    let reference = parse_table_id(&id)?;
    let upload_id = parse_upload_id(&upload_id)?;
    let (_, row) = find_upload(&state, &reference, upload_id).await?;
    let mut conn = state.pool.acquire().await?;
    let row = status::refresh(uploads, &mut conn, vec![row])
        .await?
        .pop()
        .expect("one row in, one out");
    Ok(Json(Upload::from_row(&reference.product.name, &row)).into_response())
}
