//! `DELETE /v1/schemas/{id}/uploads/{uploadId}`: abort a multipart upload.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, Problem};
use crate::http::AppState;
use crate::http::actor::Actor;
use crate::http::responses::ServerErrors;
use crate::http::schemas::json::LatestTableIdParam;
use crate::store::uploads as store;
use crate::uploads::{MultipartUpload, UploadStatus};

use super::{open_multipart, parse_table_id, parse_upload_id, uploads_of};

/// Abort a multipart upload
///
/// Discards the parts sent so far; the upload is then `aborted`. Aborting an aborted upload
/// again answers the same. A single POST cannot be revoked: its form simply expires.
#[utoipa::path(
    delete,
    path = "/v1/schemas/{id}/uploads/{uploadId}",
    operation_id = "abort_upload",
    tag = "uploads",
    params(
        LatestTableIdParam,
        ("uploadId" = String, Path, description = "The upload's id", format = Uuid),
    ),
    responses(
        (status = 204, description = "Aborted"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller may not change this product", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product or upload", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a multipart upload, or already completed", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    )
)]
pub async fn abort_upload(
    State(state): State<AppState>,
    Path((id, upload_id)): Path<(String, String)>,
    actor: Actor,
) -> Result<Response, ApiError> {
    let uploads = uploads_of(&state)?;
    let reference = parse_table_id(&id)?;
    let upload_id = parse_upload_id(&upload_id)?;
    let (_, row) = open_multipart(&state, &actor, &reference, upload_id).await?;
    if row.status == UploadStatus::Received.as_str() {
        return Err(ApiError::Conflict(format!(
            "upload {upload_id} was completed; its file is in the landing area"
        )));
    }
    if row.status == UploadStatus::Aborted.as_str() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let upload = MultipartUpload::of(&row).expect("checked to be multipart");
    uploads.abort(&upload).await?;
    let mut conn = state.pool.acquire().await?;
    store::mark_ended(&mut conn, upload_id, UploadStatus::Aborted.as_str()).await?;
    tracing::info!(product.name = %reference.product.name, upload.id = %upload_id, "multipart upload aborted");
    Ok(StatusCode::NO_CONTENT.into_response())
}
