//! `POST /v1/schemas/{id}/uploads/{uploadId}/parts`: fresh presigned URLs for a range of parts.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;

use crate::error::{ApiError, Problem};
use crate::http::AppState;
use crate::http::actor::Actor;
use crate::http::extract::JsonBody;
use crate::http::responses::{BodyErrors, ServerErrors};
use crate::http::schemas::json::LatestTableIdParam;
use crate::uploads::MultipartUpload;
use crate::uploads::multipart::{PartRangeBody, parse_part_range};

use super::json::PartUrls;
use super::{open_multipart, origin, parse_table_id, parse_upload_id, uploads_of};

/// Get part URLs
///
/// Presigned URLs for parts `from` to `to` of an open multipart upload (at most 100 at a
/// time). URLs expire quickly: ask for each batch shortly before sending it. Signing changes
/// nothing, so a repeat simply signs again.
#[utoipa::path(
    post,
    path = "/v1/schemas/{id}/uploads/{uploadId}/parts",
    operation_id = "get_upload_part_urls",
    tag = "uploads",
    params(
        LatestTableIdParam,
        ("uploadId" = String, Path, description = "The upload's id", format = Uuid),
    ),
    request_body = PartRangeBody,
    responses(
        (status = 200, description = "The part URLs", body = PartUrls),
        (status = 400, description = "Malformed id or JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller may not change this product", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product or upload", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a multipart upload, or no longer open (completed, aborted or expired)", body = Problem, content_type = "application/problem+json"),
        BodyErrors,
        (status = 422, description = "Not a range of this upload's parts", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    )
)]
pub async fn part_urls(
    State(state): State<AppState>,
    Path((id, upload_id)): Path<(String, String)>,
    actor: Actor,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let uploads = uploads_of(&state)?;
    let reference = parse_table_id(&id)?;
    let upload_id = parse_upload_id(&upload_id)?;
    let (_, row) = open_multipart(&state, &actor, &reference, upload_id).await?;
    if row.status != "issued" || OffsetDateTime::now_utc() >= row.expires_at {
        return Err(ApiError::Conflict(format!(
            "upload {upload_id} is no longer open (it is {}); issue a new upload",
            if row.status == "issued" {
                "expired"
            } else {
                &row.status
            }
        )));
    }
    let upload = MultipartUpload::of(&row).expect("checked to be multipart");
    let range = parse_part_range(&body, row.part_count.unwrap_or(1) as u32)?;
    let (urls, expires_at) = uploads.part_urls(&upload, range, &origin(&headers)).await?;
    Ok(Json(PartUrls { urls, expires_at }).into_response())
}
