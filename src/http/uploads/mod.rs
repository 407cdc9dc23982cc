//! `/v1/schemas/{id}/uploads`: presigned uploads of CSV files into a table, and
//! `/local-uploads/…`, where the local store receives them (see `crate::uploads`).

mod abort;
mod complete;
mod create;
mod get;
pub mod json;
mod list;
mod local;
mod parts;
mod status;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::HeaderMap;
use axum::http::header::HOST;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::authz::Action;
use crate::domain::TableRef;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::actor::Actor;
use crate::http::write::product_not_found;
use crate::store::products::{self, ProductVersionRow};
use crate::store::uploads::{self as store, UploadRow};
use crate::uploads::local::LocalError;
use crate::uploads::{MAX_SINGLE_BYTES, Store, UploadError, Uploads};

/// Largest request the local store's endpoints read: one file or part of the largest size S3
/// takes in one request, plus the form around it. Their own limits are enforced while
/// streaming; this replaces the small body limit of the JSON endpoints for these routes only.
const LOCAL_BODY_LIMIT: usize = (MAX_SINGLE_BYTES + 1024 * 1024) as usize;

pub fn router() -> OpenApiRouter<AppState> {
    let local = OpenApiRouter::new()
        .routes(routes!(local::receive_form))
        .routes(routes!(local::receive_part))
        .layer(DefaultBodyLimit::max(LOCAL_BODY_LIMIT));
    OpenApiRouter::new()
        .routes(routes!(create::create_upload, list::list_uploads))
        .routes(routes!(get::get_upload, abort::abort_upload))
        .routes(routes!(parts::part_urls))
        .routes(routes!(complete::complete_upload))
        .merge(local)
}

/// The `limit` newest uploads of a product's table with their status brought up to date, as
/// `GET /v1/schemas/{id}/uploads` lists them, and whether there are more; empty when this
/// instance issues no uploads. For the dashboard's product page.
pub async fn recent(
    state: &AppState,
    conn: &mut sqlx::PgConnection,
    product_id: i64,
    table: &str,
    limit: usize,
) -> Result<(Vec<crate::store::uploads::UploadRow>, bool), ApiError> {
    let Some(uploads) = &state.uploads else {
        return Ok((Vec::new(), false));
    };
    let mut rows =
        crate::store::uploads::list(conn, product_id, table, None, None, limit as i64 + 1).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    Ok((status::refresh(uploads, conn, rows).await?, more))
}

/// The upload store, or 503 when this instance has none.
fn uploads_of(state: &AppState) -> Result<&Arc<Uploads>, ApiError> {
    state.uploads.as_ref().ok_or_else(|| {
        ApiError::Unavailable("uploads are not configured on this server".to_owned())
    })
}

fn parse_table_id(raw: &str) -> Result<TableRef, ApiError> {
    TableRef::parse(raw).map_err(ApiError::BadRequest)
}

fn parse_upload_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw)
        .map_err(|_| ApiError::BadRequest(format!("`{raw}` is not an upload id (a UUID)")))
}

/// daap's base URL as the client reached it, for the local store's forms (`Host`, and
/// `X-Forwarded-Proto` behind a TLS-terminating proxy).
fn origin(headers: &HeaderMap) -> String {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let scheme = match header("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    format!(
        "{scheme}://{}",
        header(HOST.as_str()).unwrap_or("localhost")
    )
}

/// The latest version of the table's product, and the upload `upload_id` of the table.
async fn find_upload(
    state: &AppState,
    reference: &TableRef,
    upload_id: Uuid,
) -> Result<(ProductVersionRow, UploadRow), ApiError> {
    let mut conn = state.pool.acquire().await?;
    let current = products::find_current(&mut conn, &reference.product.name)
        .await?
        .ok_or_else(|| product_not_found(&reference.product))?;
    let upload = store::find(
        &mut conn,
        current.product_id,
        reference.table.as_str(),
        upload_id,
    )
    .await?
    .ok_or_else(|| {
        ApiError::NotFound(format!(
            "{} has no upload {upload_id}",
            TableRef::table_id(&reference.product.name, reference.table.as_str())
        ))
    })?;
    Ok((current, upload))
}

/// The upload `upload_id` of a multipart upload the caller may change, still open.
async fn open_multipart(
    state: &AppState,
    actor: &Actor,
    reference: &TableRef,
    upload_id: Uuid,
) -> Result<(ProductVersionRow, UploadRow), ApiError> {
    let (current, upload) = find_upload(state, reference, upload_id).await?;
    actor.authorize(state, Action::Change, Some(current.ownership()))?;
    if upload.part_size.is_none() {
        return Err(ApiError::Conflict(format!(
            "upload {upload_id} is a single POST, not a multipart upload"
        )));
    }
    Ok((current, upload))
}

impl From<UploadError> for ApiError {
    fn from(error: UploadError) -> Self {
        match error {
            UploadError::Rejected(detail) => ApiError::BadRequest(detail),
            UploadError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "upload store unavailable");
                ApiError::Unavailable(format!("the upload store is unavailable: {detail}"))
            }
            UploadError::Internal(error) => ApiError::Internal(error),
        }
    }
}

impl From<LocalError> for ApiError {
    fn from(error: LocalError) -> Self {
        match error {
            LocalError::Forbidden(detail) => ApiError::Forbidden(detail),
            LocalError::AlreadyReceived => ApiError::Conflict(error.to_string()),
            LocalError::Io(io) => ApiError::Internal(anyhow::anyhow!("local upload store: {io}")),
            other => ApiError::BadRequest(other.to_string()),
        }
    }
}

/// The local store, or 404 when uploads go to S3 (the local endpoints do not exist then).
fn local_store(state: &AppState) -> Result<&crate::uploads::local::LocalStore, ApiError> {
    match state.uploads.as_deref().map(|uploads| &uploads.store) {
        Some(Store::Local(local)) => Ok(local),
        _ => Err(ApiError::NotFound(
            "this server stores uploads in S3; send files to the URL the upload gave".to_owned(),
        )),
    }
}
