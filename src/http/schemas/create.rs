//! `POST /v1/schemas/{id}`: add a table to a product (a minor version).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;

use crate::domain::table::TableSchema;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::actor::Actor;
use crate::http::extract::{ApiQuery, JsonBody};
use crate::http::idempotency::IdempotencyKey;
use crate::http::responses::{
    BodyErrors, IdempotencyKeyInFlight, IdempotencyKeyReused, IfNoneMatchTableExists,
    InvalidSchema, MalformedId, MalformedIdempotencyKey, MalformedJson, MalformedQuery,
    NoSuchProduct, NotLatestVersion, Problems, ServerErrors, TableExists,
};
use crate::http::write::WriteQuery;

use super::json::{LatestTableIdParam, SchemaWriteResult};
use super::write::TableWrite;
use super::{WriteRequest, parse_table_id, run_write};

/// Create a table schema
///
/// Adds a table to the product's next version (a minor bump: nothing consumers rely on breaks).
#[utoipa::path(
    post,
    path = "/v1/schemas/{id}",
    operation_id = "create_schema",
    tag = "schemas",
    params(
        LatestTableIdParam,
        ("Idempotency-Key" = Option<String>, Header, pattern = r#"^"?[ -~]{1,255}"?$"#, description = "Retry safely: a repeat with the same key replays the first response (`x-idempotent-key` also works; without either, a key is derived from the request)"),
        ("If-None-Match" = Option<String>, Header, description = "`*`: answer 412 instead of 409 if the table exists"),
        WriteQuery,
    ),
    request_body = TableSchema,
    responses(
        (status = 201, description = "Created; the product has a new minor version", body = SchemaWriteResult,
            headers(("ETag" = String, description = "Entity tag of the schema"))),
        (status = 200, description = "Dry run: what would happen; nothing written", body = SchemaWriteResult),
        Problems<(
            MalformedId,
            MalformedQuery,
            MalformedJson,
            MalformedIdempotencyKey,
            NoSuchProduct,
            TableExists,
            NotLatestVersion,
            IdempotencyKeyInFlight,
            IfNoneMatchTableExists,
            InvalidSchema,
            IdempotencyKeyReused,
        )>,
        BodyErrors,
        ServerErrors,
    )
)]
pub async fn create_schema(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<WriteQuery>,
    actor: Actor,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let reference = parse_table_id(&id)?;
    let schema = TableSchema::parse(&body)?;
    let idempotency_key = if query.dry_run {
        None
    } else {
        Some(IdempotencyKey::for_request(
            &headers,
            &Method::POST,
            &format!("/v1/schemas/{id}"),
            &body,
        )?)
    };
    let request = WriteRequest {
        state: &state,
        reference,
        actor: &actor,
        headers: &headers,
        dry_run: query.dry_run,
        status: StatusCode::CREATED,
        idempotency_key,
    };
    run_write(request, TableWrite::Create(schema)).await
}
