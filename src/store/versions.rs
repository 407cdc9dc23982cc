//! The version history of one product.

use serde_json::Value;
use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::domain::{Bump, DataProductName};

/// One entry of a product's history.
#[derive(Debug, Clone)]
pub struct VersionEntryRow {
    pub seq: i32,
    pub major: i32,
    pub minor: i32,
    pub bump: Bump,
    pub changes: Value,
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub created_by_name: Option<String>,
}

/// The id of the live product called `name`.
#[tracing::instrument(level = "debug", skip_all, name = "db.versions.live_product_id")]
pub async fn live_product_id(
    conn: &mut PgConnection,
    name: &DataProductName,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT id FROM data_products WHERE name = $1 AND deleted_at IS NULL",
        name.as_str()
    )
    .fetch_optional(conn)
    .await
}

/// Up to `limit` versions older than sequence number `before`, newest first.
#[tracing::instrument(level = "debug", skip_all, name = "db.versions.list_versions")]
pub async fn list_versions(
    conn: &mut PgConnection,
    product_id: i64,
    before: i32,
    limit: i64,
) -> Result<Vec<VersionEntryRow>, sqlx::Error> {
    sqlx::query_as!(
        VersionEntryRow,
        r#"SELECT seq, major, minor, bump AS "bump: Bump", changes, created_at, created_by,
                  created_by_name
           FROM data_product_versions
           WHERE product_id = $1 AND seq < $2
           ORDER BY seq DESC
           LIMIT $3"#,
        product_id,
        before,
        limit
    )
    .fetch_all(conn)
    .await
}
