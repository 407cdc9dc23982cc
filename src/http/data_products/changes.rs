//! `GET /v1/data-products/{id}/changes`: every change between two versions, classified.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::changes::{ChangeSet, TableChangeEntry, TableChangeKind};
use crate::domain::table::{ChangeBump, TableChange};
use crate::domain::{ProductRef, Version};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::ApiQuery;
use crate::http::responses::{
    FromAfterTo, MalformedId, MalformedQuery, NoSuchProduct, NoSuchVersion, Problems, ServerErrors,
};
use crate::store::products::{self, ProductVersionRow};
use crate::store::tables;

use super::json::ProductIdParam;
use super::parse_id;
use crate::http::write::product_not_found;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The older version (default: the version just before `to`, or `to` itself for `v1.0`).
    pub from: Option<String>,
    /// The newer version (default: the latest; or the version in the id, if it has one).
    pub to: Option<String>,
}

/// The net difference between two versions of a product.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductChanges {
    #[schema(example = "v1.0")]
    pub from: String,
    #[schema(example = "v2.1")]
    pub to: String,
    /// What a consumer of `from` must expect in `to`: `major` if anything breaks them.
    pub bump: ChangeBump,
    pub changes: ChangeSet,
}

/// Compare two versions of a data product
///
/// Every difference between two versions, in metadata and in tables (created, updated with
/// column-level detail, deleted), classified by the same rules that version changes.
#[utoipa::path(
    get,
    path = "/v1/data-products/{id}/changes",
    operation_id = "get_data_product_changes",
    tag = "data products",
    params(
        ProductIdParam,
        ChangesQuery,
    ),
    responses(
        (status = 200, description = "The differences", body = ProductChanges),
        Problems<(MalformedId, MalformedQuery, FromAfterTo, NoSuchProduct, NoSuchVersion)>,
        ServerErrors,
    )
)]
pub async fn get_data_product_changes(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ChangesQuery>,
) -> Result<Json<ProductChanges>, ApiError> {
    let reference = parse_id(&id)?;
    let to = parse_version(query.to.as_deref(), "to")?.or(reference.version);
    let from = parse_version(query.from.as_deref(), "from")?;
    let mut conn = state.pool.acquire().await?;
    let latest = products::find_head(&mut conn, &reference.name, None)
        .await?
        .ok_or_else(|| product_not_found(&reference))?;
    let to_row = match to {
        None => latest,
        Some(version) => version_row(&mut conn, &reference, version).await?,
    };
    let from_row = match from {
        Some(version) => version_row(&mut conn, &reference, version).await?,
        None if to_row.seq == 1 => to_row.clone(),
        None => products::find_seq(&mut conn, to_row.product_id, to_row.seq - 1)
            .await?
            .ok_or_else(|| anyhow::anyhow!("version sequence has a gap"))?,
    };
    if from_row.seq > to_row.seq {
        return Err(ApiError::BadRequest(format!(
            "`from` ({}) must not be after `to` ({})",
            from_row.version(),
            to_row.version()
        )));
    }
    let changes = diff(&mut conn, &from_row, &to_row).await?;
    Ok(Json(ProductChanges {
        from: from_row.version().to_string(),
        to: to_row.version().to_string(),
        bump: changes.bump(),
        changes,
    }))
}

/// An absent or empty parameter means "the default".
fn parse_version(raw: Option<&str>, parameter: &str) -> Result<Option<Version>, ApiError> {
    raw.filter(|raw| !raw.is_empty())
        .map(|raw| {
            raw.parse::<Version>()
                .map_err(|why| ApiError::BadRequest(format!("`{parameter}`: {why}")))
        })
        .transpose()
}

async fn version_row(
    conn: &mut sqlx::PgConnection,
    reference: &ProductRef,
    version: Version,
) -> Result<ProductVersionRow, ApiError> {
    products::find_head(conn, &reference.name, Some(version))
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(format!("dp:{} has no version {version}", reference.name))
        })
}

/// The net change from one version to another: compares the two snapshots, so a table that
/// changed and changed back in between shows no change.
pub(crate) async fn diff(
    conn: &mut sqlx::PgConnection,
    from: &ProductVersionRow,
    to: &ProductVersionRow,
) -> Result<ChangeSet, sqlx::Error> {
    let metadata = from.fields().changed_fields(&to.fields());
    let before: BTreeMap<String, _> = tables::tables_at(conn, from.product_id, from.seq)
        .await?
        .into_iter()
        .map(|t| (t.table_name.clone(), t))
        .collect();
    let after: BTreeMap<String, _> = tables::tables_at(conn, to.product_id, to.seq)
        .await?
        .into_iter()
        .map(|t| (t.table_name.clone(), t))
        .collect();
    let mut entries = Vec::new();
    for (name, old) in &before {
        match after.get(name) {
            None => entries.push(entry(
                name,
                TableChangeKind::Deleted,
                TableChange::deleted(&old.schema()),
            )),
            Some(new) if new.first_seq != old.first_seq => {
                let change = TableChange::between(&old.schema(), &new.schema());
                if change.bump != ChangeBump::None {
                    entries.push(entry(name, TableChangeKind::Updated, change));
                }
            }
            Some(_) => {}
        }
    }
    for (name, new) in &after {
        if !before.contains_key(name) {
            entries.push(entry(
                name,
                TableChangeKind::Created,
                TableChange::created(&new.schema()),
            ));
        }
    }
    entries.sort_by(|a, b| a.table.cmp(&b.table));
    let mut changes = ChangeSet::metadata(&metadata);
    changes.tables = entries;
    Ok(changes)
}

fn entry(table: &str, kind: TableChangeKind, change: TableChange) -> TableChangeEntry {
    TableChangeEntry {
        table: table.to_owned(),
        kind,
        change,
    }
}
