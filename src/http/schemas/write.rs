//! What a table write does to the product's latest version: check the preconditions, classify
//! the change, and write the new version (with two rows at most in `table_revisions`). It runs
//! inside the one write sequence of `http::write`, optimistically or under the row lock.

use crate::authz::Action;
use crate::domain::TableRef;
use crate::domain::changes::{ChangeSet, TableChangeEntry, TableChangeKind};
use crate::domain::table::{TableChange, TableSchema};
use crate::error::ApiError;
use crate::http::preconditions::{check_if_match, if_none_match_star};
use crate::http::write::{Applied, Effect, VersionWriter, ensure_latest};
use crate::store::products::{CurrentRevision, NewVersion, ProductVersionRow, TableRevisionChange};
use crate::store::tables::TableRow;

use super::json::{ProductVersionRef, Schema, SchemaWriteResult};
use super::{WriteRequest, finish, schema_etag, table_not_found};

/// What the client asked to do to a table.
pub enum TableWrite {
    Create(TableSchema),
    Replace(TableSchema),
    Delete,
}

/// Apply `write` to the table `reference` as a new version after `current`, the latest version
/// the caller read with `existing`, that version's table of this name (or, for a dry run or no
/// change, compute the outcome and write nothing).
/// `None` if the product has moved on from `current` (possible only when the caller did not
/// lock it), in which case nothing was written.
pub(super) async fn write_table(
    writer: &mut VersionWriter<'_>,
    current: ProductVersionRow,
    existing: Option<TableRow>,
    request: &WriteRequest<'_>,
    write: &TableWrite,
) -> Result<Option<Applied>, ApiError> {
    let WriteRequest {
        state,
        reference,
        actor,
        headers,
        dry_run,
        ..
    } = request;
    let (headers, dry_run) = (*headers, *dry_run);
    let name = &reference.product.name;
    let table = reference.table.as_str();
    ensure_latest(&reference.product, &current)?;
    actor.authorize(state, Action::Change, Some(current.ownership()))?;
    if let Some(existing) = &existing {
        check_if_match(
            headers,
            &schema_etag(current.product_id, current.version(), &existing.table_name),
        )?;
    }
    // The revision this write ends, if any, and the schema it had (the row's, not a copy).
    let closes = existing.as_ref().map(|old| old.first_seq);
    let existing = existing.map(TableRow::into_schema);
    let (kind, change, new_schema) = match write {
        TableWrite::Create(schema) => {
            if existing.is_some() {
                if if_none_match_star(headers) {
                    return Err(ApiError::PreconditionFailed {
                        detail: format!(
                            "If-None-Match: * failed: dp:{name} already has a table `{table}`"
                        ),
                        current_etag: Some(schema_etag(
                            current.product_id,
                            current.version(),
                            table,
                        )),
                    });
                }
                return Err(ApiError::Conflict(format!(
                    "dp:{name} already has a table `{table}`; change it with PUT /v1/schemas/dp:{name}:{table}"
                )));
            }
            (
                TableChangeKind::Created,
                TableChange::created(schema),
                Some(schema.clone()),
            )
        }
        TableWrite::Replace(schema) => {
            let old = existing
                .as_ref()
                .ok_or_else(|| table_not_found(reference))?;
            let change = TableChange::between(old, schema);
            (TableChangeKind::Updated, change, Some(schema.clone()))
        }
        TableWrite::Delete => {
            let old = existing
                .as_ref()
                .ok_or_else(|| table_not_found(reference))?;
            (TableChangeKind::Deleted, TableChange::deleted(old), None)
        }
    };
    let Some(bump) = change.bump.as_bump() else {
        // Nothing changes: answer with the current state and write nothing.
        let schema = new_schema.map(|s| {
            Schema::new(
                name,
                current.version(),
                table,
                s.table_description,
                s.columns,
            )
        });
        let etag = schema_etag(current.product_id, current.version(), table);
        let result = SchemaWriteResult {
            schema,
            data_product: ProductVersionRef::new(name, current.version()),
            change,
            dry_run,
        };
        return Ok(Some(Applied::unchanged(finish(
            request,
            &result,
            Some(&etag),
        ))));
    };
    let version = current.version().bumped(bump);
    if !dry_run {
        let changes = ChangeSet::table(TableChangeEntry {
            table: table.to_owned(),
            kind,
            change: change.clone(),
        });
        let appended = writer
            .append_version(
                &current,
                NewVersion {
                    bump,
                    changes: serde_json::to_value(&changes).map_err(anyhow::Error::from)?,
                    fields: &current.fields(),
                    author: actor.author(),
                    table: Some(TableRevisionChange {
                        table,
                        closes: closes
                            .zip(existing.as_ref())
                            .map(|(first_seq, schema)| CurrentRevision { first_seq, schema }),
                        opens: new_schema.as_ref(),
                    }),
                },
            )
            .await?;
        if appended.is_none() {
            return Ok(None);
        }
        if new_schema.is_none() {
            // The table is gone: re-sending the request that created it must create it again.
            writer
                .forget_derived_keys(&TableRef::table_id(name, table))
                .await?;
        }
    }
    let etag = new_schema
        .is_some()
        .then(|| schema_etag(current.product_id, version, table));
    let result = SchemaWriteResult {
        schema: new_schema
            .map(|s| Schema::new(name, version, table, s.table_description, s.columns)),
        data_product: ProductVersionRef::new(name, version),
        change,
        dry_run,
    };
    let effect = if dry_run {
        Effect::None
    } else {
        Effect::Version(version)
    };
    Ok(Some(Applied {
        response: finish(request, &result, etag.as_deref()),
        effect,
    }))
}
