//! `/v1/schemas/{id}`: create, read, replace and delete the table schemas of a product. Every
//! write makes a new product version, classified minor or major by what it changes.

mod create;
mod delete;
mod get;
pub mod json;
mod update;
mod write;

use axum::Json;
use axum::http::header::ETAG;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sqlx::Connection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::table::ChangeBump;
use crate::domain::{TableRef, Version};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::actor::Actor;
use crate::http::data_products::product_not_found;
use crate::http::idempotency::{self, IdempotencyKey};
use crate::store::products;

use json::SchemaWriteResult;
use write::{TableWrite, write_table};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(
        create::create_schema,
        get::get_schema,
        update::replace_schema,
        delete::delete_schema
    ))
}

/// Parse a `{id}` path segment; a malformed id is a 400.
fn parse_table_id(raw: &str) -> Result<TableRef, ApiError> {
    TableRef::parse(raw).map_err(ApiError::BadRequest)
}

/// A strong entity tag for a table as read in one product version. It follows the product
/// version (every version is a new representation: `dataProduct.version` and `versionedId`
/// change), so `If-Match` on a table write also fails if anything else in the product changed
/// since the read: the conservative choice that can never lose an update.
pub fn schema_etag(product_id: i64, version: Version, table: &str) -> String {
    format!(
        "\"{product_id}.{}.{}:{table}\"",
        version.major, version.minor
    )
}

fn table_not_found(reference: &TableRef) -> ApiError {
    ApiError::NotFound(format!(
        "dp:{} has no table `{}`{}",
        reference.product.name,
        reference.table,
        reference
            .product
            .version
            .map(|v| format!(" in version {v}"))
            .unwrap_or_default()
    ))
}

/// What a table write needs besides the change itself.
struct WriteRequest<'a> {
    reference: TableRef,
    actor: &'a Actor,
    headers: &'a HeaderMap,
    dry_run: bool,
    /// Status of a successful (non-dry-run) answer.
    status: StatusCode,
    /// For creates: make retries safe (see `http::idempotency`).
    idempotency_key: Option<IdempotencyKey>,
}

/// Run one table write as one transaction: replay a retried create, apply the change, store
/// the answer for retries, commit.
///
/// A schema replacement (no idempotency record to keep in step) first tries without a
/// transaction: read the latest version, then write the new one with a single statement that
/// only applies if the product has not moved on meanwhile. If another writer got there first,
/// it is redone here behind the product's row lock, where concurrent writers queue.
async fn run_write(
    state: &AppState,
    request: WriteRequest<'_>,
    write: TableWrite,
) -> Result<Response, ApiError> {
    let settings = &state.writes.idempotency;
    let name = &request.reference.product.name;
    let mut conn = state.pool.acquire().await?;
    if request.idempotency_key.is_none() && matches!(write, TableWrite::Replace(_)) {
        let current = products::find_current(&mut conn, name)
            .await?
            .ok_or_else(|| product_not_found(&request.reference.product))?;
        if let Some((result, etag)) =
            write_table(state, &mut conn, current, &request, &write).await?
        {
            log_change(&request, &result);
            return Ok(finish(&request, &result, etag.as_deref()));
        }
    }
    let mut tx = conn.begin().await?;
    if let Some(key) = &request.idempotency_key
        && let Some(replay) = idempotency::replay_or_lock(&mut tx, key, settings).await?
    {
        return Ok(replay);
    }
    let current = products::lock_current(&mut tx, name)
        .await?
        .ok_or_else(|| product_not_found(&request.reference.product))?;
    let (result, etag) = write_table(state, &mut tx, current, &request, &write)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the product moved while its row was locked"))?;
    let mut response = finish(&request, &result, etag.as_deref());
    if let Some(key) = &request.idempotency_key {
        let resource = TableRef::table_id(name, request.reference.table.as_str());
        response = idempotency::remember(&mut tx, key, &resource, response, settings).await?;
    }
    tx.commit().await?;
    log_change(&request, &result);
    Ok(response)
}

/// The answer to a table write that went through.
fn finish(request: &WriteRequest<'_>, result: &SchemaWriteResult, etag: Option<&str>) -> Response {
    let status = if request.dry_run {
        StatusCode::OK
    } else {
        request.status
    };
    with_etag(status, result, etag)
}

/// Log a committed table write that made a version.
fn log_change(request: &WriteRequest<'_>, result: &SchemaWriteResult) {
    if !request.dry_run && result.change.bump != ChangeBump::None {
        tracing::info!(
            product.name = %request.reference.product.name,
            product.version = %result.data_product.version,
            table.name = %request.reference.table,
            "table schema changed"
        );
    }
}

/// A JSON body with an optional `ETag`.
fn with_etag(status: StatusCode, body: &impl Serialize, etag: Option<&str>) -> Response {
    let mut response = (status, Json(body)).into_response();
    if let Some(value) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
        response.headers_mut().insert(ETAG, value);
    }
    response
}
