//! What the catalogue sync reads to build a delivery: a product's majors and the tables each
//! had, and the tables a major has lost.

use sqlx::PgConnection;

/// The tables a product had at the end of one major version (for the newest major: at
/// `up_to_seq`).
#[derive(Debug, Clone)]
pub struct MajorRow {
    pub major: i32,
    pub tables: Vec<String>,
}

/// Every major version of a product up to version `up_to_seq`, ascending, with its tables at
/// the last version of that major.
pub async fn majors(
    conn: &mut PgConnection,
    product_id: i64,
    up_to_seq: i32,
) -> Result<Vec<MajorRow>, sqlx::Error> {
    sqlx::query_as!(
        MajorRow,
        r#"SELECT m.major AS "major!",
                  COALESCE((SELECT array_agg(r.table_name ORDER BY r.table_name COLLATE "C")
                            FROM table_revisions r
                            WHERE r.product_id = $1
                              AND int4range(r.first_seq, r.end_seq) @> m.last_seq),
                           '{}') AS "tables!"
           FROM (SELECT major, max(seq) AS last_seq
                 FROM data_product_versions
                 WHERE product_id = $1 AND seq <= $2
                 GROUP BY major) m
           ORDER BY m.major"#,
        product_id,
        up_to_seq
    )
    .fetch_all(conn)
    .await
}

/// Tables that some version of the major of version `seq` had, and version `seq` has not.
pub async fn removed_in_major(
    conn: &mut PgConnection,
    product_id: i64,
    seq: i32,
    major: i32,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT DISTINCT r.table_name AS "table_name!"
           FROM table_revisions r
           WHERE r.product_id = $1
             AND int4range(r.first_seq, r.end_seq)
                 && int4range((SELECT min(seq) FROM data_product_versions
                               WHERE product_id = $1 AND major = $3), $2 + 1)
             AND NOT EXISTS (SELECT 1 FROM table_revisions n
                             WHERE n.product_id = $1 AND n.table_name = r.table_name
                               AND int4range(n.first_seq, n.end_seq) @> $2::integer)
           ORDER BY 1"#,
        product_id,
        seq,
        major
    )
    .fetch_all(conn)
    .await
}
