//! Table schema revisions: which tables each product version has, and their schemas.

use std::collections::HashMap;

use sqlx::PgConnection;
use sqlx::types::Json;

use crate::domain::table::{Column, TableSchema};

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
    pub fn schema(&self) -> TableSchema {
        TableSchema {
            table_description: self.table_description.clone(),
            columns: self.columns.0.clone(),
        }
    }
}

/// Every table of the version `seq` of a product, in name order.
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
           ORDER BY table_name"#,
        product_id,
        seq
    )
    .fetch_all(conn)
    .await
}

/// One table of the version `seq` of a product.
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

/// The table names of many product versions at once (for a page of products), keyed by
/// `(product_id, seq)`.
pub async fn table_names_of(
    conn: &mut PgConnection,
    versions: &[(i64, i32)],
) -> Result<HashMap<(i64, i32), Vec<String>>, sqlx::Error> {
    let mut names: HashMap<(i64, i32), Vec<String>> = HashMap::new();
    if versions.is_empty() {
        return Ok(names);
    }
    let (ids, seqs): (Vec<i64>, Vec<i32>) = versions.iter().copied().unzip();
    let rows = sqlx::query!(
        r#"SELECT q.product_id AS "product_id!", q.seq AS "seq!", r.table_name
           FROM unnest($1::bigint[], $2::integer[]) AS q(product_id, seq)
           JOIN table_revisions r
             ON r.product_id = q.product_id AND int4range(r.first_seq, r.end_seq) @> q.seq
           ORDER BY r.table_name"#,
        &ids,
        &seqs
    )
    .fetch_all(conn)
    .await?;
    for row in rows {
        names
            .entry((row.product_id, row.seq))
            .or_default()
            .push(row.table_name);
    }
    Ok(names)
}

/// End the current revision of `table` at version `end_seq` (it is absent from then on).
pub async fn close_revision(
    conn: &mut PgConnection,
    product_id: i64,
    table: &str,
    end_seq: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE table_revisions SET end_seq = $3
         WHERE product_id = $1 AND table_name = $2 AND end_seq IS NULL",
        product_id,
        table,
        end_seq
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Start a revision of `table` at version `first_seq`.
pub async fn open_revision(
    conn: &mut PgConnection,
    product_id: i64,
    table: &str,
    first_seq: i32,
    schema: &TableSchema,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO table_revisions (product_id, table_name, first_seq, table_description, columns)
         VALUES ($1, $2, $3, $4, $5)",
        product_id,
        table,
        first_seq,
        schema.table_description,
        Json(&schema.columns) as _
    )
    .execute(conn)
    .await?;
    Ok(())
}
