//! `/local-uploads/…`: where the local store receives files, in the shape S3 takes them (a
//! POST form with the file last; a PUT per part). Outside `/v1` because, as with S3, the
//! signature in the form or URL is the authorisation: no bearer token is needed.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::multipart::{Field, MultipartRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header::ETAG;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::error::{ApiError, Problem};
use crate::http::AppState;
use crate::http::responses::ServerErrors;
use crate::store::uploads as store;
use crate::uploads::UploadStatus;
use crate::uploads::local::PartQuery;

use super::{local_store, parse_upload_id};

/// Longest form field but the file (a policy is well under 1 KiB).
const MAX_FIELD_BYTES: usize = 16 * 1024;

/// Send a file to the local store
///
/// The `url` and `fields` of an upload issued by a server without an upload bucket:
/// `multipart/form-data` with every field, then the file as the last field, `file`. The
/// form's signature is the authorisation. Answers 204 once the file is stored.
#[utoipa::path(
    post,
    path = "/local-uploads/{uploadId}",
    operation_id = "receive_local_upload",
    tag = "uploads",
    params(("uploadId" = String, Path, description = "The upload's id", format = Uuid)),
    request_body(content_type = "multipart/form-data", description = "The upload's `fields`, then `file`"),
    responses(
        (status = 204, description = "Stored"),
        (status = 400, description = "Not a form with a file; the file is too large or too small, or its MD5 is not the declared one (the file is discarded)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The form is not one daap signed for this upload, was changed, or has expired", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such upload, or this server uploads to S3", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The upload was already received (a form is single use)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than any upload (5 GiB and the form)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not `multipart/form-data`", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    )
)]
pub async fn receive_form(
    State(state): State<AppState>,
    Path(upload_id): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let local = local_store(&state)?;
    let upload_id = parse_upload_id(&upload_id)?;
    let mut form = form.map_err(|rejection| {
        ApiError::UnsupportedMediaType(format!(
            "send the upload as multipart/form-data: {rejection}"
        ))
    })?;
    ensure_issued(&state, upload_id, false).await?;
    let mut fields = BTreeMap::new();
    while let Some(mut field) = form.next_field().await.map_err(form_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let policy = local.verify_form(upload_id, &fields)?;
            let length = local.receive(&policy, field).await?;
            let mut conn = state.pool.acquire().await?;
            store::mark_received(&mut conn, upload_id, i64::try_from(length).ok()).await?;
            tracing::info!(upload.id = %upload_id, upload.key = %policy.key, length, "local upload received");
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
        let value = read_field(&mut field).await?;
        fields.insert(name, value);
    }
    Err(ApiError::BadRequest(
        "the form has no `file` field: send the fields, then the file last as `file`".to_owned(),
    ))
}

/// Send a part to the local store
///
/// The body is the part's bytes; the answer's `ETag` goes into the list that completes the
/// upload. A `Content-MD5` header is checked. Sending a part again replaces it.
#[utoipa::path(
    put,
    path = "/local-uploads/{uploadId}/parts/{partNumber}",
    operation_id = "receive_local_upload_part",
    tag = "uploads",
    params(
        ("uploadId" = String, Path, description = "The upload's id", format = Uuid),
        ("partNumber" = u32, Path, description = "The part's number, from 1", minimum = 1, maximum = 10000),
        ("expires" = i64, Query, description = "Part of the signed URL"),
        ("size" = u64, Query, description = "Part of the signed URL"),
        ("signature" = String, Query, description = "Part of the signed URL"),
    ),
    request_body(content_type = "application/octet-stream", description = "The part's bytes"),
    responses(
        (status = 200, description = "Stored", headers(("ETag" = String, description = "The part's entity tag (its hex MD5, quoted)"))),
        (status = 400, description = "Too large, or not the declared Content-MD5", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The URL is not one daap signed, or has expired", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such upload, or this server uploads to S3", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The upload is no longer open", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    )
)]
pub async fn receive_part(
    State(state): State<AppState>,
    Path((upload_id, number)): Path<(String, String)>,
    query: Result<Query<PartQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let local = local_store(&state)?;
    let upload_id = parse_upload_id(&upload_id)?;
    // Parsed here rather than by `Path<u32>`, whose rejection is plain text, not a problem.
    let number: u32 = number
        .parse()
        .ok()
        .filter(|number| (1..=10_000).contains(number))
        .ok_or_else(|| {
            ApiError::BadRequest("the part number must be a whole number from 1 to 10000".into())
        })?;
    let Query(query) = query.map_err(|_| {
        ApiError::Forbidden("the part URL is not one daap signed: use it as given".to_owned())
    })?;
    let max = local.verify_part(upload_id, number, &query)?;
    ensure_issued(&state, upload_id, true).await?;
    let content_md5 = headers.get("content-md5").and_then(|v| v.to_str().ok());
    let etag = local
        .receive_part(upload_id, number, max, content_md5, body.into_data_stream())
        .await?;
    let mut response = StatusCode::OK.into_response();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(ETAG, value);
    }
    Ok(response)
}

/// 404 for an upload daap never issued, 409 for one that is no longer waiting for its file.
async fn ensure_issued(state: &AppState, upload_id: Uuid, multipart: bool) -> Result<(), ApiError> {
    let mut conn = state.pool.acquire().await?;
    let row = store::find_by_id(&mut conn, upload_id)
        .await?
        .filter(|row| row.part_size.is_some() == multipart)
        .ok_or_else(|| ApiError::NotFound(format!("no upload {upload_id} takes this request")))?;
    if row.status == UploadStatus::Received.as_str() {
        return Err(ApiError::Conflict(
            "this upload has already been received: ask for a new upload to send another file"
                .to_owned(),
        ));
    }
    if row.status != UploadStatus::Issued.as_str() {
        return Err(ApiError::Conflict(format!(
            "this upload is {}: ask for a new upload",
            row.status
        )));
    }
    Ok(())
}

/// One (small) form field as text.
async fn read_field(field: &mut Field<'_>) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(form_error)? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_FIELD_BYTES {
            return Err(ApiError::BadRequest(format!(
                "a form field is longer than {MAX_FIELD_BYTES} bytes"
            )));
        }
    }
    String::from_utf8(bytes)
        .map_err(|_| ApiError::BadRequest("a form field is not UTF-8 text".to_owned()))
}

fn form_error(error: axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::PayloadTooLarge {
            limit: super::LOCAL_BODY_LIMIT,
        };
    }
    ApiError::BadRequest(format!("could not read the form: {}", error.body_text()))
}
