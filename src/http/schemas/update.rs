//! `PUT /v1/schemas/{id}`: replace a table's schema; the change decides the bump.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::domain::table::TableSchema;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::actor::Actor;
use crate::http::extract::{ApiQuery, JsonBody};
use crate::http::preconditions::require_if_match;
use crate::http::responses::{
    BodyErrors, IfMatchFailed, IfMatchRequired, InvalidSchema, MalformedId, MalformedJson,
    MalformedQuery, NoSuchProduct, NoSuchTable, NotLatestVersion, Problems, ServerErrors,
};
use crate::http::write::WriteQuery;

use super::json::{LatestTableIdParam, SchemaWriteResult};
use super::write::TableWrite;
use super::{WriteRequest, parse_table_id, run_write};

/// Replace a table schema
///
/// Removing a column or changing a column's type is a breaking change (major version);
/// adding a column, changing a description or reordering columns is minor; a request that
/// changes nothing answers `bump: none` and writes nothing.
#[utoipa::path(
    put,
    path = "/v1/schemas/{id}",
    operation_id = "replace_schema",
    tag = "schemas",
    params(
        LatestTableIdParam,
        ("If-Match" = Option<String>, Header, description = "Only write if the schema's entity tag matches"),
        WriteQuery,
    ),
    request_body = TableSchema,
    responses(
        (status = 200, description = "The outcome: the schema, the product version and the classified change", body = SchemaWriteResult,
            headers(("ETag" = String, description = "Entity tag of the schema"))),
        Problems<(
            MalformedId,
            MalformedQuery,
            MalformedJson,
            NoSuchProduct,
            NoSuchTable,
            NotLatestVersion,
            IfMatchFailed,
            InvalidSchema,
        )>,
        BodyErrors,
        IfMatchRequired,
        ServerErrors,
    )
)]
pub async fn replace_schema(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<WriteQuery>,
    actor: Actor,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let reference = parse_table_id(&id)?;
    let schema = TableSchema::parse(&body)?;
    require_if_match(&headers, state.writes.require_if_match)?;
    let idempotency_key = None;
    let request = WriteRequest {
        state: &state,
        reference,
        actor: &actor,
        headers: &headers,
        dry_run: query.dry_run,
        status: StatusCode::OK,
        idempotency_key,
    };
    run_write(request, TableWrite::Replace(schema)).await
}
