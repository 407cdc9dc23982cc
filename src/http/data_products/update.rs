//! `PUT /v1/data-products/{id}`: replace the editable metadata, making a minor version.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sqlx::{Connection, PgConnection};
use time::OffsetDateTime;

use crate::authz::Action;
use crate::domain::{Bump, ChangeSet, ProductFields, ProductRef};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::actor::Actor;
use crate::http::extract::{ApiQuery, JsonBody};
use crate::http::preconditions::{check_if_match, require_if_match};
use crate::http::responses::{
    BodyErrors, IfMatchFailed, IfMatchRequired, InvalidFields, MalformedId, MalformedJson,
    MalformedQuery, NoSuchProduct, NotLatestVersion, Problems, ServerErrors,
};
use crate::http::schemas::json::WriteQuery;
use crate::store::products::{self, NewVersion, ProductVersionRow};

use super::json::{
    DataProduct, DataProductFields, LatestProductIdParam, ProductDryRun, UpdateOutcome,
};
use super::{ensure_latest, etag_of, parse_id, product_not_found, product_response};

/// Update a data product's metadata
///
/// A full replacement of every editable field except `name`. Any change makes a new minor
/// version; a request that changes nothing returns the current version and writes nothing.
#[utoipa::path(
    put,
    path = "/v1/data-products/{id}",
    operation_id = "update_data_product",
    tag = "data products",
    params(
        LatestProductIdParam,
        ("If-Match" = Option<String>, Header, description = "Only update if the current entity tag matches"),
        WriteQuery,
    ),
    request_body = DataProductFields,
    responses(
        (status = 200, description = "The product after the update (a new version if anything changed); with `dryRun=true`, a `ProductDryRun`", body = UpdateOutcome,
            headers(("ETag" = String, description = "Entity tag of the resulting version"))),
        Problems<(
            MalformedId,
            MalformedQuery,
            MalformedJson,
            NoSuchProduct,
            NotLatestVersion,
            IfMatchFailed,
            InvalidFields,
        )>,
        BodyErrors,
        IfMatchRequired,
        ServerErrors,
    )
)]
pub async fn update_data_product(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<WriteQuery>,
    actor: Actor,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let reference = parse_id(&id)?;
    require_if_match(&headers, state.writes.require_if_match)?;
    let fields = ProductFields::parse(&body, &state.policy)?;
    // First without a transaction: read the latest version, then write the new one with a
    // single statement that only applies if the product has not moved on meanwhile. When
    // another writer got there first, redo it all behind the product's row lock, which makes
    // concurrent writers of one product queue instead of retrying.
    let mut conn = state.pool.acquire().await?;
    let current = products::find_current(&mut conn, &reference.name)
        .await?
        .ok_or_else(|| product_not_found(&reference))?;
    let update = Update {
        reference: &reference,
        actor: &actor,
        headers: &headers,
        fields: &fields,
        dry_run: query.dry_run,
    };
    if let Some(response) = apply_update(&state, &mut conn, current, &update).await? {
        return Ok(response);
    }
    let mut tx = conn.begin().await?;
    let current = products::lock_current(&mut tx, &reference.name)
        .await?
        .ok_or_else(|| product_not_found(&reference))?;
    let response = apply_update(&state, &mut tx, current, &update)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the product moved while its row was locked"))?;
    tx.commit().await?;
    Ok(response)
}

/// One metadata update, as the client asked for it.
#[derive(Clone, Copy)]
struct Update<'a> {
    reference: &'a ProductRef,
    actor: &'a Actor,
    headers: &'a HeaderMap,
    fields: &'a ProductFields,
    dry_run: bool,
}

/// Check the preconditions against `current` and write the version the update makes after it
/// (or, for a dry run or no change, answer without writing). `None`: `current` is no longer
/// the latest version, and nothing was written.
async fn apply_update(
    state: &AppState,
    conn: &mut PgConnection,
    current: ProductVersionRow,
    update: &Update<'_>,
) -> Result<Option<Response>, ApiError> {
    let Update {
        reference,
        actor,
        headers,
        fields,
        dry_run,
    } = *update;
    ensure_latest(reference, &current)?;
    actor.authorize(state, Action::Change, Some(current.ownership()))?;
    check_if_match(headers, &etag_of(&current))?;
    let changes = ChangeSet::metadata(&current.fields().changed_fields(fields));
    let new = NewVersion {
        bump: Bump::Minor,
        changes: serde_json::to_value(&changes).map_err(anyhow::Error::from)?,
        fields,
        author: actor.author(),
        table: None,
    };
    if dry_run {
        let outcome = if changes.is_empty() {
            current
        } else {
            current.successor(&new, OffsetDateTime::now_utc())
        };
        let result = ProductDryRun {
            data_product: DataProduct::from_row(&outcome),
            bump: changes.bump(),
            changes,
            dry_run: true,
        };
        return Ok(Some((StatusCode::OK, Json(result)).into_response()));
    }
    if changes.is_empty() {
        return Ok(Some(product_response(StatusCode::OK, &current)));
    }
    let Some(row) = products::append_version(conn, &current, new).await? else {
        return Ok(None);
    };
    tracing::info!(product.name = %reference.name, product.version = %row.version(), "data product updated");
    Ok(Some(product_response(StatusCode::OK, &row)))
}
