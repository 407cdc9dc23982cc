//! `PUT /v1/data-products/{id}`: replace the editable metadata, making a minor version.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
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
use crate::http::write::{
    self, Applied, ChangeFuture, Effect, ProductChange, VersionWriter, WritePlan, WriteQuery,
    ensure_latest,
};
use crate::store::products::{NewVersion, ProductVersionRow};
use crate::store::tables::TableRow;

use super::json::{
    DataProduct, DataProductFields, LatestProductIdParam, ProductDryRun, UpdateOutcome,
};
use super::{etag_of, parse_id, product_response};

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
    let update = MetadataUpdate {
        state: &state,
        reference: &reference,
        actor: &actor,
        headers: &headers,
        fields: &fields,
        dry_run: query.dry_run,
    };
    let plan = WritePlan {
        product: &reference,
        optimistic: true,
        idempotency: None,
    };
    write::change_product(&state, plan, &update).await
}

/// One metadata update, as the client asked for it.
struct MetadataUpdate<'a> {
    state: &'a AppState,
    reference: &'a ProductRef,
    actor: &'a Actor,
    headers: &'a HeaderMap,
    fields: &'a ProductFields,
    dry_run: bool,
}

impl ProductChange for MetadataUpdate<'_> {
    fn describe(&self) -> &'static str {
        "data product updated"
    }

    fn apply<'a>(
        &'a self,
        writer: &'a mut VersionWriter<'_>,
        current: ProductVersionRow,
        _table: Option<TableRow>,
    ) -> ChangeFuture<'a> {
        Box::pin(self.run(writer, current))
    }
}

impl MetadataUpdate<'_> {
    /// Check the preconditions against `current` and write the version the update makes after
    /// it (or, for a dry run or no change, answer without writing).
    async fn run(
        &self,
        writer: &mut VersionWriter<'_>,
        current: ProductVersionRow,
    ) -> Result<Option<Applied>, ApiError> {
        ensure_latest(self.reference, &current)?;
        self.actor
            .authorize(self.state, Action::Change, Some(current.ownership()))?;
        check_if_match(self.headers, &etag_of(&current))?;
        let changes = ChangeSet::metadata(&current.fields().changed_fields(self.fields));
        let new = NewVersion {
            bump: Bump::Minor,
            changes: serde_json::to_value(&changes).map_err(anyhow::Error::from)?,
            fields: self.fields,
            author: self.actor.author(),
            table: None,
        };
        if self.dry_run {
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
            return Ok(Some(Applied::unchanged(
                (StatusCode::OK, Json(result)).into_response(),
            )));
        }
        if changes.is_empty() {
            return Ok(Some(Applied::unchanged(product_response(
                StatusCode::OK,
                &current,
            ))));
        }
        let Some(row) = writer.append_version(&current, new).await? else {
            return Ok(None);
        };
        Ok(Some(Applied {
            response: product_response(StatusCode::OK, &row),
            effect: Effect::Version(row.version()),
        }))
    }
}
