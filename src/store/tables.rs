//! Table schema revisions: which tables each product version has, and their schemas.

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

/// Every table of the version `seq` of a product, sorted by name (by its bytes).
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
