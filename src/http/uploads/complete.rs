//! `POST /v1/schemas/{id}/uploads/{uploadId}/complete`: finish a multipart upload.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, Problem};
use crate::http::AppState;
use crate::http::actor::Actor;
use crate::http::extract::JsonBody;
use crate::http::responses::{BodyErrors, ServerErrors};
use crate::http::schemas::json::LatestTableIdParam;
use crate::store::uploads as store;
use crate::uploads::MultipartUpload;
use crate::uploads::multipart::{CompleteBody, parse_completed_parts};

use super::json::Upload;
use super::{open_multipart, parse_table_id, parse_upload_id, uploads_of};

/// Complete a multipart upload
///
/// Joins the parts, listed in order with the `ETag` each `PUT` was answered with, into the
/// object; the upload is then `received`. Completing a received upload again answers the same:
/// a retry is safe.
#[utoipa::path(
    post,
    path = "/v1/schemas/{id}/uploads/{uploadId}/complete",
    operation_id = "complete_upload",
    tag = "uploads",
    params(
        LatestTableIdParam,
        ("uploadId" = String, Path, description = "The upload's id", format = Uuid),
    ),
    request_body = CompleteBody,
    responses(
        (status = 200, description = "Completed: the object exists", body = Upload),
        (status = 400, description = "Malformed id or JSON, or the store refused the parts (a wrong ETag, a missing part, the wrong size or MD5)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller may not change this product", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product or upload", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a multipart upload, or aborted or expired", body = Problem, content_type = "application/problem+json"),
        BodyErrors,
        (status = 422, description = "Not every part, in order, with its ETag", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    )
)]
pub async fn complete_upload(
    State(state): State<AppState>,
    Path((id, upload_id)): Path<(String, String)>,
    actor: Actor,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let uploads = uploads_of(&state)?;
    let reference = parse_table_id(&id)?;
    let upload_id = parse_upload_id(&upload_id)?;
    let (_, row) = open_multipart(&state, &actor, &reference, upload_id).await?;
    let name = &reference.product.name;
    match row.status.as_str() {
        "received" => return Ok(Json(Upload::from_row(name, &row)).into_response()),
        "issued" => {}
        other => {
            return Err(ApiError::Conflict(format!(
                "upload {upload_id} is {other}; issue a new upload"
            )));
        }
    }
    let parts = parse_completed_parts(&body, row.part_count.unwrap_or(1) as u32)?;
    let upload = MultipartUpload::of(&row).expect("checked to be multipart");
    let length = uploads.complete(&upload, &parts).await?;
    let mut conn = state.pool.acquire().await?;
    let row = match store::mark_received(&mut conn, upload_id, i64::try_from(length).ok()).await? {
        Some(row) => row,
        None => store::find_by_id(&mut conn, upload_id)
            .await?
            .unwrap_or(row),
    };
    tracing::info!(product.name = %name, upload.id = %upload_id, length, "multipart upload completed");
    Ok(Json(Upload::from_row(name, &row)).into_response())
}
