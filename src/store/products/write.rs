//! Writing product versions: registration, appending a version (one statement that also
//! moves the head and the table's revisions), and deletion.

use serde_json::Value;
use sqlx::PgConnection;
use sqlx::types::Json;

use crate::domain::table::TableSchema;
use crate::domain::{Author, Bump, DataProductName, ProductFields, Status, Version};
use crate::store::error::{StoreError, is_unique_violation};
use crate::store::table_counts::TableCountDeltas;

use super::ProductVersionRow;

/// Register a product at `v1.0` in one statement; [`StoreError::NameTaken`] when a live product
/// already has that name.
#[tracing::instrument(level = "debug", skip_all, name = "db.products.insert_product")]
pub async fn insert_product(
    conn: &mut PgConnection,
    name: &DataProductName,
    fields: &ProductFields,
    author: &Author,
    sync_targets: &[&str],
) -> Result<ProductVersionRow, StoreError> {
    let inserted = sqlx::query!(
        r#"WITH product AS (
               INSERT INTO data_products (
                   name, current_seq, created_by, major, minor, bump, description, domain,
                   data_product_owner, data_product_owner_display_name, data_product_maintainer,
                   data_product_maintainer_display_name, email, status, retention_period,
                   dpia_required, tags, updated_at, updated_by)
               VALUES ($1, 1, $2, 1, 0, 'initial', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
                       $13, now(), $2)
               RETURNING id, created_at
           ), queued AS (
               INSERT INTO sync_state (product_id, target, name, wanted_seq, pending_since)
               SELECT product.id, target, $1, 1, now()
               FROM product, unnest($15::text[]) AS target
           )
           INSERT INTO data_product_versions (
               product_id, seq, major, minor, bump, changes, description, domain,
               data_product_owner, data_product_owner_display_name, data_product_maintainer,
               data_product_maintainer_display_name, email, status, retention_period,
               dpia_required, tags, created_at, created_by, created_by_name)
           SELECT id, 1, 1, 0, 'initial', '{}', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
                  created_at, $2, $14
           FROM product
           RETURNING product_id, created_at"#,
        name.as_str(),
        author.id,
        fields.description,
        fields.domain,
        fields.owner,
        fields.owner_display_name,
        fields.maintainer.as_deref(),
        fields.maintainer_display_name.as_deref(),
        fields.email,
        fields.status as Status,
        fields.retention_period,
        fields.dpia_required,
        Json(&fields.tags) as _,
        author.display_name.as_deref(),
        sync_targets as &[&str],
    )
    .fetch_one(conn)
    .await
    .map_err(|error| {
        if is_unique_violation(&error, "data_products_live_name_key") {
            StoreError::NameTaken(name.clone())
        } else {
            error.into()
        }
    })?;
    Ok(ProductVersionRow {
        product_id: inserted.product_id,
        name: name.to_string(),
        created_at: inserted.created_at,
        seq: 1,
        major: Version::FIRST.major,
        minor: Version::FIRST.minor,
        bump: Bump::Initial,
        description: String::new(),
        domain: String::new(),
        data_product_owner: String::new(),
        data_product_owner_display_name: String::new(),
        data_product_maintainer: None,
        data_product_maintainer_display_name: None,
        email: String::new(),
        status: fields.status,
        retention_period: 0,
        dpia_required: false,
        tags: Json(Default::default()),
        updated_at: inserted.created_at,
        updated_by: author.id.clone(),
        tables: Vec::new(),
    }
    .with_fields(fields))
}

/// What a new version records about how it came to be.
pub struct NewVersion<'a> {
    pub bump: Bump,
    pub changes: Value,
    pub fields: &'a ProductFields,
    pub author: &'a Author,
    /// The table the version changes, for a version made by a table write.
    pub table: Option<TableRevisionChange<'a>>,
}

/// What a version does to one table: end its current revision, start a new one, or both.
pub struct TableRevisionChange<'a> {
    pub table: &'a str,
    /// The table's current revision, which the version ends; `None` when the version creates
    /// the table.
    pub closes: Option<CurrentRevision<'a>>,
    /// The table's schema from the version on; `None` when the version deletes the table.
    pub opens: Option<&'a TableSchema>,
}

/// A table's revision in the version a write builds on.
pub struct CurrentRevision<'a> {
    /// The version that opened it (part of its key).
    pub first_seq: i32,
    pub schema: &'a TableSchema,
}

impl TableRevisionChange<'_> {
    /// The product's table names after this change, given those before it (sorted by bytes).
    pub fn tables_after(&self, before: &[String]) -> Vec<String> {
        let mut names = before.to_vec();
        match (
            names.binary_search_by(|n| n.as_str().cmp(self.table)),
            self.opens,
        ) {
            (Err(at), Some(_)) => names.insert(at, self.table.to_owned()),
            (Ok(at), None) => {
                names.remove(at);
            }
            _ => {}
        }
        names
    }

    /// Whether the set of tables changes (a table is created or deleted).
    fn changes_names(&self) -> bool {
        self.closes.is_none() || self.opens.is_none()
    }
}

/// Append the version after `current` and make it the product's latest, in one statement:
/// the product row's head, the version row, and for a table write the end of the table's
/// current revision and the start of its new one.
///
/// The statement only writes if the product is still at `current` (its head has not moved
/// since it was read): it returns `None` otherwise and changes nothing. Under the product's row
/// lock ([`lock_current`]) that cannot happen; without it, this is a compare-and-set that
/// lets a write skip the explicit transaction when nobody else is writing the product.
///
/// The same statement raises the product's `sync_state` to the new version for every target in
/// `sync_targets` (the catalogue outbox, see migration 0007), so a version exists exactly when
/// its delivery is queued; and for a table write it marks the change as counted and applies
/// its deltas to the dashboard's counters, computed here from the two schemas (migration
/// 0014), which spares the revision triggers from re-reading both revisions.
#[tracing::instrument(level = "debug", skip_all, name = "db.products.append_version")]
pub async fn append_version(
    conn: &mut PgConnection,
    current: &ProductVersionRow,
    new: NewVersion<'_>,
    sync_targets: &[&str],
) -> Result<Option<ProductVersionRow>, sqlx::Error> {
    let seq = current.seq + 1;
    let version = current.version().bumped(new.bump);
    let fields = new.fields;
    let table = new.table.as_ref();
    // Only pass the table names when they change: an unchanged (possibly large, TOASTed)
    // array is then kept as it is instead of being written again.
    let new_tables = table
        .filter(|change| change.changes_names())
        .map(|change| change.tables_after(&current.tables));
    let opens = table.and_then(|change| change.opens);
    // The dashboard counters' deltas, passed only when one is not zero (a revised description
    // that stays non-blank changes none).
    let counts = table
        .map(|change| {
            TableCountDeltas::between(change.closes.as_ref().map(|c| c.schema), change.opens)
        })
        .filter(|counts| !counts.is_zero());
    let counts = counts.as_ref();
    // Every other part reads `head`, so nothing is written unless the head moved; the new
    // revision is inserted only after the old one is ended (`closed` feeds it), so the
    // no-overlap constraint never sees both open at once.
    let created_at = sqlx::query_scalar!(
        r#"WITH head AS (
               UPDATE data_products
               SET current_seq = $2, major = $3, minor = $4, bump = $5, description = $7,
                   domain = $8, data_product_owner = $9, data_product_owner_display_name = $10,
                   data_product_maintainer = $11, data_product_maintainer_display_name = $12,
                   email = $13, status = $14, retention_period = $15, dpia_required = $16,
                   tags = $17, updated_at = now(), updated_by = $18,
                   current_tables = COALESCE($20, current_tables)
               WHERE id = $1 AND current_seq = $2 - 1
               -- Before any revision row is written (they all wait for this row): the
               -- revision triggers skip a change marked as counted by its writer.
               RETURNING id, name,
                         CASE WHEN $21::text IS NOT NULL
                              THEN stats_mark_counted(id, $21::text, $2) END AS counted
           ), queued AS (
               INSERT INTO sync_state AS s (product_id, target, name, wanted_seq, pending_since)
               SELECT head.id, target, head.name, $2, now()
               FROM head, unnest($25::text[]) AS target
               ON CONFLICT (product_id, target) DO UPDATE
               SET wanted_seq = EXCLUDED.wanted_seq,
                   pending_since = CASE WHEN s.synced_seq >= s.wanted_seq THEN now()
                                        ELSE s.pending_since END,
                   -- A new change gets a parked backlog going again, with fresh attempts.
                   attempts = CASE WHEN s.parked THEN 0 ELSE s.attempts END,
                   next_attempt_at = CASE WHEN s.parked THEN now() ELSE s.next_attempt_at END,
                   parked = false
           ), version AS (
               INSERT INTO data_product_versions (
                   product_id, seq, major, minor, bump, changes, description, domain,
                   data_product_owner, data_product_owner_display_name, data_product_maintainer,
                   data_product_maintainer_display_name, email, status, retention_period,
                   dpia_required, tags, created_by, created_by_name)
               SELECT head.id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                      $16, $17, $18, $19
               FROM head
               RETURNING created_at
           ), closed AS (
               UPDATE table_revisions r SET end_seq = $2
               FROM head
               WHERE r.product_id = head.id AND r.table_name = $21 AND r.first_seq = $22
               RETURNING 1
           ), opened AS (
               INSERT INTO table_revisions (product_id, table_name, first_seq, table_description,
                                            columns)
               SELECT head.id, $21::text, $2, $23::text, $24::jsonb
               FROM head, (SELECT count(*) FROM closed) AS after_close
               WHERE $23::text IS NOT NULL
           ), counted AS (
               SELECT stats_apply_table_deltas(head.id, $26, $27, $28, $29, $30::text[],
                                               $31::int4[])
               FROM head
               WHERE $26::int4 IS NOT NULL
           )
           SELECT created_at FROM version, (SELECT count(*) FROM counted) AS counted"#,
        current.product_id,
        seq,
        version.major,
        version.minor,
        new.bump as Bump,
        new.changes,
        fields.description,
        fields.domain,
        fields.owner,
        fields.owner_display_name,
        fields.maintainer.as_deref(),
        fields.maintainer_display_name.as_deref(),
        fields.email,
        fields.status as Status,
        fields.retention_period,
        fields.dpia_required,
        Json(&fields.tags) as _,
        new.author.id,
        new.author.display_name.as_deref(),
        new_tables.as_deref(),
        table.map(|change| change.table),
        table.and_then(|change| change.closes.as_ref().map(|c| c.first_seq)),
        opens.map(|schema| schema.table_description.as_str()),
        opens.map(|schema| Json(&schema.columns)) as _,
        sync_targets as &[&str],
        counts.map(|c| c.tables),
        counts.map(|c| c.columns),
        counts.map(|c| c.undescribed_tables),
        counts.map(|c| c.undescribed_columns),
        counts.map(|c| c.type_names.as_slice()),
        counts.map(|c| c.type_columns.as_slice()),
    )
    .fetch_optional(conn)
    .await?;
    Ok(created_at.map(|created_at| current.successor(&new, created_at)))
}

/// Mark a product deleted (recording who and when), which frees its name, and queue its
/// removal from every target in `sync_targets` in the same statement. The caller must hold the
/// product's row lock.
#[tracing::instrument(level = "debug", skip_all, name = "db.products.mark_deleted")]
pub async fn mark_deleted(
    conn: &mut PgConnection,
    product_id: i64,
    author: &Author,
    sync_targets: &[&str],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"WITH gone AS (
               UPDATE data_products SET deleted_at = now(), deleted_by = $2
               WHERE id = $1
               RETURNING id, name, current_seq
           )
           INSERT INTO sync_state AS s (product_id, target, name, wanted_seq, remove,
                                        pending_since)
           SELECT gone.id, target, gone.name, gone.current_seq + 1, true, now()
           FROM gone, unnest($3::text[]) AS target
           ON CONFLICT (product_id, target) DO UPDATE
           SET wanted_seq = EXCLUDED.wanted_seq, remove = true,
               pending_since = CASE WHEN s.synced_seq >= s.wanted_seq THEN now()
                                    ELSE s.pending_since END,
               attempts = CASE WHEN s.parked THEN 0 ELSE s.attempts END,
               next_attempt_at = CASE WHEN s.parked THEN now() ELSE s.next_attempt_at END,
               parked = false"#,
        product_id,
        author.id,
        sync_targets as &[&str],
    )
    .execute(conn)
    .await?;
    Ok(())
}
