//! `POST /v1/schemas/{id}/uploads`: issue an upload of a CSV file into a table.

use std::sync::Mutex;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::authz::Action;
use crate::domain::TableRef;
use crate::error::{ApiError, Problem};
use crate::http::AppState;
use crate::http::actor::Actor;
use crate::http::extract::JsonBody;
use crate::http::idempotency::IdempotencyKey;
use crate::http::responses::{BodyErrors, ServerErrors};
use crate::http::schemas::json::LatestTableIdParam;
use crate::http::write::{
    Applied, ChangeFuture, Idempotent, ProductChange, VersionWriter, WritePlan, change_product,
    ensure_latest,
};
use crate::store::products::ProductVersionRow;
use crate::store::tables::TableRow;
use crate::store::uploads::NewUpload;
use crate::uploads::multipart::MAX_PART_URLS;
use crate::uploads::request::{UploadRequest, UploadRequestBody};
use crate::uploads::{MULTIPART_LIFETIME, MultipartUpload, Target, Uploads, landing_key};

use super::json::{IssuedUpload, PartUrls, Upload};
use super::{origin, parse_table_id, uploads_of};

/// Issue an upload
///
/// Reserves a key for one CSV file in the table's landing area and answers how to send it
/// there: a presigned POST form (`url`, `fields`) pinning the key, the size, the MD5,
/// encryption and an expiry; or, for a multipart upload (`multipart`, or any file over 5 GiB),
/// presigned part URLs. The upload is recorded; it makes no new version.
#[utoipa::path(
    post,
    path = "/v1/schemas/{id}/uploads",
    operation_id = "create_upload",
    tag = "uploads",
    params(
        LatestTableIdParam,
        ("Idempotency-Key" = Option<String>, Header, pattern = r#"^"?[ -~]{1,255}"?$"#, description = "Retry safely: a repeat with the same key gets the same upload while it is valid (without a key, one is derived from the request)"),
    ),
    request_body = UploadRequestBody,
    responses(
        (status = 201, description = "Issued: send the file as the answer says", body = IssuedUpload,
            headers(("Location" = String, description = "URL of the upload"))),
        (status = 400, description = "Malformed id or JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller may not change this product", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product, or no such table in its latest version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The id names a version that is not the latest, or a request with this idempotency key is still running", body = Problem, content_type = "application/problem+json"),
        BodyErrors,
        (status = 422, description = "Invalid request: not a `.csv` name (`/filename`), not a base64 MD5 (`/contentMD5`), a bad size", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    )
)]
pub async fn create_upload(
    State(state): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let uploads = uploads_of(&state)?.clone();
    let reference = parse_table_id(&id)?;
    let request = UploadRequest::parse(&body, uploads.settings.part_size)?;
    let path = format!("/v1/schemas/{id}/uploads");
    let key = IdempotencyKey::for_request(&headers, &Method::POST, &path, &body)?;
    // Deleting the table forgets derived keys under its id: re-sending then gets a 404.
    let resource = format!(
        "{}:uploads",
        TableRef::table_id(&reference.product.name, reference.table.as_str())
    );
    // The answer is worth replaying only while its form (or multipart upload) is valid: a
    // retry after that, or the same file sent again later, gets a new upload.
    let lifetime = match request.parts {
        Some(_) => MULTIPART_LIFETIME,
        None => uploads.settings.expiry,
    };
    let plan = WritePlan {
        product: &reference.product,
        optimistic: false,
        idempotency: Some(Idempotent {
            key: &key,
            resource,
            retention: Some(lifetime),
        }),
    };
    let issue = IssueUpload {
        state: &state,
        uploads: &uploads,
        reference: &reference,
        actor: &actor,
        request: &request,
        origin: origin(&headers),
        started_multipart: Mutex::new(None),
    };
    let result = change_product(&state, plan, &issue).await;
    let started = issue.started_multipart.lock().expect("not poisoned").take();
    if result.is_err()
        && let Some(s3_key) = started
    {
        // The record was not written: give the store's multipart upload up too.
        abort_orphan(&uploads, s3_key).await;
    }
    if let Ok(response) = &result
        && response.status() == axum::http::StatusCode::CREATED
    {
        let kind = if request.parts.is_some() {
            "multipart"
        } else {
            "single"
        };
        metrics::counter!("daap_uploads_issued_total", "kind" => kind).increment(1);
    }
    result
}

/// One upload being issued, as a change to its product (it writes no version).
struct IssueUpload<'a> {
    state: &'a AppState,
    uploads: &'a Uploads,
    reference: &'a TableRef,
    actor: &'a Actor,
    request: &'a UploadRequest,
    origin: String,
    /// The key and S3 id of a multipart upload started by this change, to abort it if the
    /// transaction does not commit.
    started_multipart: Mutex<Option<(String, String)>>,
}

impl ProductChange for IssueUpload<'_> {
    fn describe(&self) -> &'static str {
        "upload issued"
    }

    fn apply<'a>(
        &'a self,
        writer: &'a mut VersionWriter<'_>,
        current: ProductVersionRow,
        _table: Option<TableRow>,
    ) -> ChangeFuture<'a> {
        Box::pin(self.issue(writer, current))
    }
}

impl IssueUpload<'_> {
    async fn issue(
        &self,
        writer: &mut VersionWriter<'_>,
        current: ProductVersionRow,
    ) -> Result<Option<Applied>, ApiError> {
        let name = &self.reference.product.name;
        let table = self.reference.table.as_str();
        ensure_latest(&self.reference.product, &current)?;
        self.actor
            .authorize(self.state, Action::Change, Some(current.ownership()))?;
        if current
            .tables
            .binary_search_by(|t| t.as_str().cmp(table))
            .is_err()
        {
            return Err(ApiError::NotFound(format!(
                "dp:{name} has no table `{table}` in its latest version ({}); create it first",
                current.version()
            )));
        }
        let id = Uuid::new_v4();
        let now = OffsetDateTime::now_utc();
        let key = landing_key(name, current.major, table, now, id);
        let request = self.request;
        let (form, s3_upload_id, expires_at) = match request.parts {
            None => {
                let target = Target {
                    id,
                    key: &key,
                    content_md5: &request.content_md5_base64,
                    length_range: request.length_range(),
                    expires_at: now + self.uploads.settings.expiry,
                };
                let form = self.uploads.sign_form(&target, &self.origin).await?;
                let expires_at = form.expires_at;
                (Some(form), None, expires_at)
            }
            Some(_) => {
                let s3_id = self.uploads.start_multipart(&key).await?;
                if let Some(s3_id) = &s3_id {
                    *self.started_multipart.lock().expect("not poisoned") =
                        Some((key.clone(), s3_id.clone()));
                }
                (None, s3_id, now + MULTIPART_LIFETIME)
            }
        };
        let row = writer
            .record_upload(&NewUpload {
                id,
                product_id: current.product_id,
                table,
                version: current.version(),
                filename: &request.filename,
                key: &key,
                store: self.uploads.store_name(),
                bucket: self.uploads.bucket(),
                content_md5: &request.content_md5,
                content_length: request.content_length.map(|n| n as i64),
                part_size: request.parts.map(|p| p.part_size as i64),
                part_count: request.parts.map(|p| p.part_count as i32),
                s3_upload_id: s3_upload_id.as_deref(),
                expires_at,
                created_at: now,
                author: self.actor.author(),
            })
            .await?;
        let parts = match request.parts {
            Some(plan) => {
                let last = plan.part_count.min(MAX_PART_URLS);
                let upload = MultipartUpload::of(&row).expect("a multipart upload's row");
                let (urls, expires_at) = self
                    .uploads
                    .part_urls(&upload, 1..=last, &self.origin)
                    .await?;
                Some(PartUrls { urls, expires_at })
            }
            None => None,
        };
        let location = format!(
            "/v1/schemas/{}/uploads/{id}",
            TableRef::table_id(name, table)
        );
        tracing::info!(
            product.name = %name, table, upload.id = %id, upload.key = %key,
            multipart = request.parts.is_some(), "upload issued"
        );
        let body = IssuedUpload {
            upload: Upload::from_row(name, &row),
            url: form.as_ref().map(|f| f.url.clone()),
            fields: form.map(|f| f.fields),
            parts,
        };
        let mut response = (StatusCode::CREATED, Json(body)).into_response();
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(LOCATION, value);
        }
        Ok(Some(Applied::unchanged(response)))
    }
}

/// Abort a multipart upload started for a record that was never written; a failure only
/// leaves parts for the bucket's lifecycle rule to clear, so it is logged, not returned.
async fn abort_orphan(uploads: &Uploads, (key, s3_id): (String, String)) {
    let upload = MultipartUpload {
        id: Uuid::nil(),
        key: &key,
        s3_upload_id: Some(&s3_id),
        part_size: uploads.settings.part_size,
        content_length: None,
        content_md5: &[],
    };
    if let Err(error) = uploads.abort(&upload).await {
        tracing::warn!(error = %error, upload.key = %key, "could not abort an unrecorded multipart upload");
    }
}
