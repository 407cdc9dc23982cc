//! `DELETE /v1/schemas/{id}`: remove a table from the product's next version (a major version).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::error::ApiError;
use crate::http::AppState;
use crate::http::actor::Actor;
use crate::http::extract::ApiQuery;
use crate::http::preconditions::require_if_match;
use crate::http::responses::{
    IfMatchFailed, IfMatchRequired, MalformedId, MalformedQuery, NoSuchProduct, NoSuchTable,
    NotLatestVersion, Problems, ServerErrors,
};
use crate::http::write::WriteQuery;

use super::json::{LatestTableIdParam, SchemaWriteResult};
use super::write::TableWrite;
use super::{WriteRequest, parse_table_id, run_write};

/// Delete a table schema
///
/// The table is absent from the next version, a major bump; older versions keep it.
#[utoipa::path(
    delete,
    path = "/v1/schemas/{id}",
    operation_id = "delete_schema",
    tag = "schemas",
    params(
        LatestTableIdParam,
        ("If-Match" = Option<String>, Header, description = "Only delete if the schema's entity tag matches"),
        WriteQuery,
    ),
    responses(
        (status = 200, description = "Deleted (or, in a dry run, what would happen)", body = SchemaWriteResult),
        Problems<(
            MalformedId,
            MalformedQuery,
            NoSuchProduct,
            NoSuchTable,
            NotLatestVersion,
            IfMatchFailed,
        )>,
        IfMatchRequired,
        ServerErrors,
    )
)]
pub async fn delete_schema(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<WriteQuery>,
    actor: Actor,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let reference = parse_table_id(&id)?;
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
    run_write(request, TableWrite::Delete).await
}
