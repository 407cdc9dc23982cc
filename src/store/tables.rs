//! Table schema revisions: which tables each product version has, and their schemas.

use serde_json::value::RawValue;
use sqlx::PgConnection;
use sqlx::types::Json;

use crate::domain::table::{Column, TableSchema};
use crate::domain::{DataProductName, Version};

/// One table as it is in some version.
#[derive(Debug, Clone)]
pub struct TableRow {
    pub table_name: String,
    /// Sequence number of the version that made this revision; names it in ETags.
    pub first_seq: i32,
    pub table_description: String,
    pub columns: Json<Vec<Column>>,
}

impl TableRow {
    /// The schema, taking the row's strings instead of copying them.
    pub fn into_schema(self) -> TableSchema {
        TableSchema {
            table_description: self.table_description,
            columns: self.columns.0,
        }
    }

    pub fn schema(&self) -> TableSchema {
        TableSchema {
            table_description: self.table_description.clone(),
            columns: self.columns.0.clone(),
        }
    }
}

/// Every table of the version `seq` of a product, sorted by name (by its bytes).
#[tracing::instrument(level = "debug", skip_all, name = "db.tables.tables_at")]
pub async fn tables_at(
    conn: &mut PgConnection,
    product_id: i64,
    seq: i32,
) -> Result<Vec<TableRow>, sqlx::Error> {
    sqlx::query_as!(
        TableRow,
        r#"SELECT table_name, first_seq, table_description,
                  columns AS "columns: Json<Vec<Column>>"
           FROM table_revisions
           WHERE product_id = $1 AND int4range(first_seq, end_seq) @> $2::integer
           ORDER BY table_name COLLATE "C""#,
        product_id,
        seq
    )
    .fetch_all(conn)
    .await
}

/// One table of the version `seq` of a product.
#[tracing::instrument(level = "debug", skip_all, name = "db.tables.table_at")]
pub async fn table_at(
    conn: &mut PgConnection,
    product_id: i64,
    seq: i32,
    table: &str,
) -> Result<Option<TableRow>, sqlx::Error> {
    sqlx::query_as!(
        TableRow,
        r#"SELECT table_name, first_seq, table_description,
                  columns AS "columns: Json<Vec<Column>>"
           FROM table_revisions
           WHERE product_id = $1 AND table_name = $3 AND int4range(first_seq, end_seq) @> $2::integer"#,
        product_id,
        seq,
        table
    )
    .fetch_optional(conn)
    .await
}

/// A product version and, when it has a table of the name asked for, that table.
#[derive(Debug)]
pub struct VersionTable {
    pub product_id: i64,
    pub version: Version,
    pub table: Option<StoredTable>,
}

/// One table as stored, its columns left as the stored JSON: for reads that only pass them on.
#[derive(Debug)]
pub struct StoredTable {
    pub table_name: String,
    pub table_description: String,
    /// `[{"name", "type", "description"}, ...]`, written by daap from a validated schema.
    pub columns: Box<RawValue>,
}

/// The table `table` of the live product called `name`, in its latest version or in the exact
/// `version`: one statement, which also tells a missing product (`None`) from a missing table
/// (`Some` without a table).
#[tracing::instrument(level = "debug", skip_all, name = "db.tables.find_table")]
pub async fn find_table(
    conn: &mut PgConnection,
    name: &DataProductName,
    version: Option<Version>,
    table: &str,
) -> Result<Option<VersionTable>, sqlx::Error> {
    // The latest version's numbers are on the product row; an exact version is looked up in
    // the history by its number. `$3`/`$4` NULL selects the latest.
    let row = sqlx::query!(
        r#"SELECT p.id AS product_id, v.major AS "major!", v.minor AS "minor!",
                  r.table_name AS "table_name?", r.table_description AS "table_description?",
                  r.columns AS "columns?: Json<Box<RawValue>>"
           FROM data_products p
           CROSS JOIN LATERAL (
               SELECT p.current_seq AS seq, p.major, p.minor
               WHERE $3::integer IS NULL
               UNION ALL
               SELECT d.seq, d.major, d.minor
               FROM data_product_versions d
               WHERE $3::integer IS NOT NULL
                 AND d.product_id = p.id AND d.major = $3 AND d.minor = $4
           ) v
           LEFT JOIN LATERAL (
               -- At most one revision matches (the exclusion constraint); LIMIT keeps this a
               -- lookup parameterised by v.seq, so the range is part of the index condition
               -- instead of a filter over every revision of the table.
               SELECT t.table_name, t.table_description, t.columns
               FROM table_revisions t
               WHERE t.product_id = p.id AND t.table_name = $2
                 AND int4range(t.first_seq, t.end_seq) @> v.seq
               LIMIT 1
           ) r ON true
           WHERE p.name = $1 AND p.deleted_at IS NULL"#,
        name.as_str(),
        table,
        version.map(|v| v.major),
        version.map(|v| v.minor),
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| VersionTable {
        product_id: row.product_id,
        version: Version {
            major: row.major,
            minor: row.minor,
        },
        table: match (row.table_name, row.table_description, row.columns) {
            (Some(table_name), Some(table_description), Some(columns)) => Some(StoredTable {
                table_name,
                table_description,
                columns: columns.0,
            }),
            _ => None,
        },
    }))
}
