//! `POST /v1/schemas/{id}`: add a table to a product (a minor version).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;

use crate::domain::table::TableSchema;
use crate::error::{ApiError, Problem};
use crate::http::AppState;
use crate::http::actor::Actor;
use crate::http::extract::{ApiQuery, JsonBody};
use crate::http::idempotency::IdempotencyKey;
use crate::http::responses::{BodyErrors, ServerErrors};
use crate::http::write::WriteQuery;

use super::json::SchemaWriteResult;
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
        ("id" = String, Path, description = "`dp:<name>:<table>` (or with the latest version: `dp:<name>:v<M>.<m>:<table>`)", example = "dp:hmpps_use_of_force:incidents", pattern = r"^dp:[a-z][a-z0-9_]{0,62}(:v[1-9][0-9]{0,8}\\.(0|[1-9][0-9]{0,8}))?:[a-z][a-z0-9_]{0,127}$"),
        ("Idempotency-Key" = Option<String>, Header, pattern = r#"^"?[ -~]{1,255}"?$"#, description = "Retry safely: a repeat with the same key replays the first response (`x-idempotent-key` also works; without either, a key is derived from the request)"),
        ("If-None-Match" = Option<String>, Header, description = "`*`: answer 412 instead of 409 if the table exists"),
        WriteQuery,
    ),
    request_body = TableSchema,
    responses(
        (status = 201, description = "Created; the product has a new minor version", body = SchemaWriteResult,
            headers(("ETag" = String, description = "Entity tag of the schema"))),
        (status = 200, description = "Dry run: what would happen; nothing written", body = SchemaWriteResult),
        (status = 400, description = "Malformed id or JSON", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The table exists, the id names a version that is not the latest, or a request with this idempotency key is still running (see `Retry-After`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-None-Match: *` and the table exists", body = Problem, content_type = "application/problem+json"),
        BodyErrors,
        (status = 422, description = "Invalid schema (every problem listed in `errors`)", body = Problem, content_type = "application/problem+json"),
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
