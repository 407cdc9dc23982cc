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
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::{TableRef, Version};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::actor::Actor;
use crate::http::idempotency::IdempotencyKey;
use crate::http::write::{
    ChangeFuture, Idempotent, ProductChange, VersionWriter, WritePlan, change_product,
};
use crate::store::products::ProductVersionRow;
use crate::store::tables::TableRow;

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
    state: &'a AppState,
    reference: TableRef,
    actor: &'a Actor,
    headers: &'a HeaderMap,
    dry_run: bool,
    /// Status of a successful (non-dry-run) answer.
    status: StatusCode,
    /// For creates: make retries safe (see `http::idempotency`).
    idempotency_key: Option<IdempotencyKey>,
}

/// Run one table write through the one write sequence (`http::write`). A schema replacement
/// makes one statement and keeps no idempotency record, so it may take the optimistic path.
async fn run_write(request: WriteRequest<'_>, write: TableWrite) -> Result<Response, ApiError> {
    let state = request.state;
    let product = request.reference.product.clone();
    let optimistic = matches!(write, TableWrite::Replace(_));
    let resource = TableRef::table_id(&product.name, request.reference.table.as_str());
    let key = request.idempotency_key.clone();
    let plan = WritePlan {
        product: &product,
        optimistic,
        idempotency: key.as_ref().map(|key| Idempotent {
            key,
            resource,
            retention: None,
        }),
    };
    let change = TableChangeRequest { request, write };
    change_product(state, plan, &change).await
}

/// A table write as a change to its product.
struct TableChangeRequest<'a> {
    request: WriteRequest<'a>,
    write: TableWrite,
}

impl ProductChange for TableChangeRequest<'_> {
    fn describe(&self) -> &'static str {
        match self.write {
            TableWrite::Create(_) => "table created",
            TableWrite::Replace(_) => "table schema changed",
            TableWrite::Delete => "table deleted",
        }
    }

    fn table(&self) -> Option<&str> {
        Some(self.request.reference.table.as_str())
    }

    fn apply<'a>(
        &'a self,
        writer: &'a mut VersionWriter<'_>,
        current: ProductVersionRow,
        table: Option<TableRow>,
    ) -> ChangeFuture<'a> {
        Box::pin(write_table(
            writer,
            current,
            table,
            &self.request,
            &self.write,
        ))
    }
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

/// A JSON body with an optional `ETag`.
fn with_etag(status: StatusCode, body: &impl Serialize, etag: Option<&str>) -> Response {
    let mut response = (status, Json(body)).into_response();
    if let Some(value) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
        response.headers_mut().insert(ETAG, value);
    }
    response
}
