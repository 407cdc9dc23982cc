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

/// The names of the tables of the version `seq` of a product, in name order.
pub async fn names_at(
    conn: &mut PgConnection,
    product_id: i64,
    seq: i32,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT table_name FROM table_revisions
         WHERE product_id = $1 AND int4range(first_seq, end_seq) @> $2::integer
         ORDER BY table_name",
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
