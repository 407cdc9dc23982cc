//! Reading product versions: the latest (from the head on the product row), an exact one,
//! a page of the list, and the latest under the product's row lock for writers.

use std::collections::BTreeMap;

use sqlx::types::Json;
use sqlx::{Connection, PgConnection};

use crate::domain::table::Column;
use crate::domain::{Bump, DataProductName, Requirement, Status, Version};
use crate::store::tables::TableRow;

use super::{HeadWithTableRow, ProductVersionRow};

/// Select the latest version of products from their rows alone (the head kept on
/// `data_products`, migration 0005); `$filter` completes the query. One index lookup per
/// product. `with_tables` includes the table names (an array that is TOASTed for products
/// with many tables, so `without_tables` leaves it unread).
///
/// `with_table_named` also reads that version's table named `$2` (columns prefixed `table_`,
/// all null when it has none), for [`HeadWithTableRow`].
macro_rules! select_head {
    (with_tables, $filter:literal $(, $arg:expr)* $(,)?) => {
        select_head!(@query ProductVersionRow, "p.current_tables", "", "", $filter $(, $arg)*)
    };
    (without_tables, $filter:literal $(, $arg:expr)* $(,)?) => {
        select_head!(@query ProductVersionRow, "ARRAY[]::text[]", "", "", $filter $(, $arg)*)
    };
    (with_table_named, $filter:literal $(, $arg:expr)* $(,)?) => {
        select_head!(@query HeadWithTableRow, "p.current_tables",
            r#", t.first_seq AS "table_first_seq?", t.table_description AS "table_description?",
               t.columns AS "table_columns?: Json<Vec<Column>>""#,
            "LEFT JOIN LATERAL (SELECT r.first_seq, r.table_description, r.columns
                                FROM table_revisions r
                                WHERE r.product_id = p.id AND r.table_name = $2
                                  AND int4range(r.first_seq, r.end_seq) @> p.current_seq) t
                 ON true ",
            $filter $(, $arg)*)
    };
    (@query $row:ident, $tables:literal, $extra:literal, $join:literal, $filter:literal
     $(, $arg:expr)*) => {
        sqlx::query_as!(
            $row,
            r#"SELECT p.id AS product_id, p.name, p.created_at, p.current_seq AS seq, p.major,
                      p.minor, p.bump AS "bump: Bump", p.description, p.domain,
                      p.data_product_owner, p.data_product_owner_display_name,
                      p.data_product_maintainer, p.data_product_maintainer_display_name,
                      p.email, p.status AS "status: Status", p.retention_period,
                      p.dpia_required, p.tags AS "tags: Json<BTreeMap<String, String>>",
                      p.updated_at, p.updated_by, "# + $tables + r#" AS "tables!" "# + $extra + r#"
               FROM data_products p "# + $join + $filter
            $(, $arg)*
        )
    };
}

/// Select exact versions from the history, joined with their product; `$filter` completes
/// the query. `with_tables` also reads the names of the version's tables (from the product
/// row for the latest version, otherwise with one index lookup in `table_revisions`, in the
/// same round trip); `without_tables` leaves them empty, for reads that do not need them.
macro_rules! select_product_version {
    (with_tables, $filter:literal $(, $arg:expr)* $(,)?) => {
        select_product_version!(@query
            "CASE WHEN v.seq = p.current_seq THEN p.current_tables
                  ELSE COALESCE((SELECT array_agg(r.table_name ORDER BY r.table_name COLLATE \"C\")
                                 FROM table_revisions r
                                 WHERE r.product_id = p.id
                                   AND int4range(r.first_seq, r.end_seq) @> v.seq), '{}')
             END",
            $filter $(, $arg)*)
    };
    (without_tables, $filter:literal $(, $arg:expr)* $(,)?) => {
        select_product_version!(@query "ARRAY[]::text[]", $filter $(, $arg)*)
    };
    (@query $tables:literal, $filter:literal $(, $arg:expr)*) => {
        sqlx::query_as!(
            ProductVersionRow,
            r#"SELECT p.id AS product_id, p.name, p.created_at, v.seq, v.major, v.minor,
                      v.bump AS "bump: Bump", v.description, v.domain,
                      v.data_product_owner, v.data_product_owner_display_name,
                      v.data_product_maintainer, v.data_product_maintainer_display_name,
                      v.email, v.status AS "status: Status", v.retention_period,
                      v.dpia_required, v.tags AS "tags: Json<BTreeMap<String, String>>",
                      v.created_at AS updated_at, v.created_by AS updated_by, "# + $tables + r#"
                          AS "tables!"
               FROM data_products p
               JOIN data_product_versions v ON v.product_id = p.id "# + $filter
            $(, $arg)*
        )
    };
}

/// The latest version of the live product called `name`, with its table names.
#[tracing::instrument(level = "debug", skip_all, name = "db.products.find_current")]
pub async fn find_current(
    conn: &mut PgConnection,
    name: &DataProductName,
) -> Result<Option<ProductVersionRow>, sqlx::Error> {
    select_head!(
        with_tables,
        "WHERE p.name = $1 AND p.deleted_at IS NULL",
        name.as_str()
    )
    .fetch_optional(conn)
    .await
}

/// The latest version of the live product called `name` and, read in the same statement (one
/// snapshot), its table `table` (`None` when that version has none): what an optimistic table
/// write reads. Not for a locked read: after waiting for another writer's lock, PostgreSQL
/// re-reads the locked product row but keeps the table row it had joined, the one that writer
/// has just replaced; `lock_current` and then the table, in a statement of its own, see it.
#[tracing::instrument(
    level = "debug",
    skip_all,
    name = "db.products.find_current_with_table"
)]
pub async fn find_current_with_table(
    conn: &mut PgConnection,
    name: &DataProductName,
    table: &str,
) -> Result<Option<(ProductVersionRow, Option<TableRow>)>, sqlx::Error> {
    let row = select_head!(
        with_table_named,
        "WHERE p.name = $1 AND p.deleted_at IS NULL",
        name.as_str(),
        table
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| row.split(table)))
}

/// One exact version of the live product called `name`, with its table names.
#[tracing::instrument(level = "debug", skip_all, name = "db.products.find_version")]
pub async fn find_version(
    conn: &mut PgConnection,
    name: &DataProductName,
    version: Version,
) -> Result<Option<ProductVersionRow>, sqlx::Error> {
    select_product_version!(
        with_tables,
        "WHERE p.name = $1 AND p.deleted_at IS NULL AND v.major = $2 AND v.minor = $3",
        name.as_str(),
        version.major,
        version.minor
    )
    .fetch_optional(conn)
    .await
}

/// The latest version or the exact `version` of the live product called `name`, without its
/// table names: for requests that compare versions.
#[tracing::instrument(level = "debug", skip_all, name = "db.products.find_head")]
pub async fn find_head(
    conn: &mut PgConnection,
    name: &DataProductName,
    version: Option<Version>,
) -> Result<Option<ProductVersionRow>, sqlx::Error> {
    match version {
        None => {
            select_head!(
                without_tables,
                "WHERE p.name = $1 AND p.deleted_at IS NULL",
                name.as_str()
            )
            .fetch_optional(conn)
            .await
        }
        Some(version) => {
            select_product_version!(
                without_tables,
                "WHERE p.name = $1 AND p.deleted_at IS NULL AND v.major = $2 AND v.minor = $3",
                name.as_str(),
                version.major,
                version.minor
            )
            .fetch_optional(conn)
            .await
        }
    }
}

/// The version with sequence number `seq` of a product, without its table names.
#[tracing::instrument(level = "debug", skip_all, name = "db.products.find_seq")]
pub async fn find_seq(
    conn: &mut PgConnection,
    product_id: i64,
    seq: i32,
) -> Result<Option<ProductVersionRow>, sqlx::Error> {
    select_product_version!(
        without_tables,
        "WHERE p.id = $1 AND v.seq = $2",
        product_id,
        seq
    )
    .fetch_optional(conn)
    .await
}

/// The latest version of the live product called `name`, with its table names, and the
/// product row locked until the transaction ends, so that every writer of one product goes
/// one after the other.
///
/// One statement does both because the latest version lives on the locked row: a writer that
/// waited for another gets the row as that writer left it (PostgreSQL re-reads a locked row
/// after the wait), never the version it saw before waiting. Its cost never depends on the
/// length of the history.
#[tracing::instrument(level = "debug", skip_all, name = "db.products.lock_current")]
pub async fn lock_current(
    conn: &mut PgConnection,
    name: &DataProductName,
) -> Result<Option<ProductVersionRow>, sqlx::Error> {
    select_head!(
        with_tables,
        "WHERE p.name = $1 AND p.deleted_at IS NULL FOR UPDATE",
        name.as_str()
    )
    .fetch_optional(conn)
    .await
}

/// Filters of the product list; every one is optional.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub domain: Option<String>,
    pub status: Option<Status>,
    pub owner: Option<String>,
    pub text: Option<String>,
    /// Only stale products: no new version for this many days, as `staleProducts` counts them.
    pub stale_days: Option<i32>,
    /// Only products lacking every one of these, as the `missing` counts count them.
    pub missing: Vec<Requirement>,
}

/// Up to `limit` current product versions with a name after `after`, in name order.
///
/// The statistics filters read what the statistics read: `stats_product` (one row per live
/// product, kept by the write path's triggers) for staleness and descriptions, and the
/// product row for the maintainer and the DPIA decision, with the conditions of
/// `stats_missing_flags` (migration 0009), so a filtered list is exactly the products a count
/// of `GET /v1/stats` counts. Each has an index (migrations 0009, 0010).
#[tracing::instrument(level = "debug", skip_all, name = "db.products.list_current")]
pub async fn list_current(
    conn: &mut PgConnection,
    filter: &ListFilter,
    after: &str,
    limit: i64,
) -> Result<Vec<ProductVersionRow>, sqlx::Error> {
    let missing: Vec<&str> = filter.missing.iter().map(|r| r.as_str()).collect();
    // Plan this query with the actual values every time: a cached generic plan cannot know
    // how selective the filters are or how small the page is, and was seen to scan and sort
    // every product instead of walking the name index (100x slower). With the values known,
    // the conditions of absent filters fold to true and vanish from the plan, the join with
    // stats_product too when no condition is left on it (a LEFT JOIN on its key: every live
    // product has its row), and those of a `missing` filter become the predicates of its
    // partial index. The planner then walks the name index (or a partial one) from the cursor,
    // probing stats_product by key, or, where its statistics say few products match, starts
    // from the stats_product index of the filter and sorts those few by name.
    let mut tx = conn.begin().await?;
    sqlx::query!("SET LOCAL plan_cache_mode = force_custom_plan")
        .execute(&mut *tx)
        .await?;
    let rows = select_head!(
        with_tables,
        "LEFT JOIN stats_product s ON s.product_id = p.id
         WHERE p.deleted_at IS NULL AND p.name > $1
           AND ($2::text IS NULL OR p.domain = $2)
           AND ($3::product_status IS NULL OR p.status = $3)
           AND ($4::text IS NULL OR lower(p.data_product_owner) = lower($4))
           AND ($5::text IS NULL OR strpos(lower(p.name), lower($5)) > 0
                OR strpos(lower(p.description), lower($5)) > 0)
           AND ($7::integer IS NULL OR s.last_change < stats_stale_before($7))
           AND (NOT $8::text[] @> '{maintainer}' OR stats_blank(p.data_product_maintainer))
           AND (NOT $8::text[] @> '{dpiaDecision}'
                OR (p.dpia_required AND NOT (p.tags ? 'dpiaLocation')))
           AND (NOT $8::text[] @> '{tableDescriptions}' OR s.undescribed_tables > 0)
           AND (NOT $8::text[] @> '{columnDescriptions}' OR s.undescribed_columns > 0)
         ORDER BY p.name
         LIMIT $6",
        after,
        filter.domain.as_deref(),
        filter.status as Option<Status>,
        filter.owner.as_deref(),
        filter.text.as_deref(),
        limit,
        filter.stale_days,
        &missing as &[&str],
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}
