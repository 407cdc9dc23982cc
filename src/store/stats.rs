//! Platform statistics, read from the summary rows that the statistics triggers keep exact with
//! every write (migrations 0009 and 0012). A counter table holds deltas, any number of rows per
//! key (writers only insert, so they never wait for each other): every figure is a sum per key,
//! exact whether or not [`compact`] has folded the rows yet. Each query reads O(groups + recent
//! writes) rows (domains × statuses, type families, weeks, days) or walks an index for a top N:
//! none scans the catalogue, so the cost of `GET /v1/stats` does not grow with the number of
//! products.

use std::time::Duration;

use sqlx::PgConnection;
use time::{Date, OffsetDateTime};

use crate::domain::Status;
use crate::store::pool::Pool;

/// How many products the "most changed" and "stalest" lists hold.
pub const TOP_N: i64 = 10;
/// How many weeks of version counts there are (this week included).
pub const WEEKS: i32 = 26;
/// How many days of upload counts there are (today included).
pub const UPLOAD_DAYS: i32 = 30;

/// Live products with one domain and status.
#[derive(Debug, Clone)]
pub struct ProductGroup {
    pub domain: String,
    pub status: Status,
    pub products: i64,
}

/// Tables and columns of the live products' latest versions.
#[derive(Debug, Clone, Copy)]
pub struct Catalogue {
    pub tables: i64,
    pub columns: i64,
}

/// Columns of one type family (`decimal`, `array`, …) in the latest versions.
#[derive(Debug, Clone)]
pub struct TypeCount {
    pub type_name: String,
    pub columns: i64,
}

/// Versions made in one ISO week (UTC), by kind.
#[derive(Debug, Clone)]
pub struct WeekCount {
    pub week: Date,
    pub registrations: i64,
    pub minor: i64,
    pub major: i64,
}

/// Major (breaking) versions made in one domain.
#[derive(Debug, Clone)]
pub struct DomainMajors {
    pub domain: String,
    pub versions: i64,
}

/// A live product with its activity.
#[derive(Debug, Clone)]
pub struct ProductActivity {
    pub name: String,
    pub domain: String,
    pub changes: i32,
    pub last_change: OffsetDateTime,
}

/// Live products lacking one requirement.
#[derive(Debug, Clone)]
pub struct MissingCount {
    pub requirement: String,
    pub products: i64,
}

/// How often a daap instance folds the counters' rows: at a few thousand writes per second,
/// a read then sums some ten thousand rows at most, and an idle catalogue costs one scan of
/// each (small) counter table per period.
pub const COMPACT_EVERY: Duration = Duration::from_secs(5);

/// Fold each counter key's rows into one row, their sum (migration 0012's `stats_compact`):
/// the figures stay the same, and reads stay O(groups + recent writes). Safe beside writers
/// and other instances (one folds at a time; the others return at once). Returns the number of
/// rows folded away.
#[tracing::instrument(level = "debug", skip_all, name = "db.stats.compact")]
pub async fn compact(pool: &Pool) -> Result<i64, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    sqlx::query_scalar!(r#"SELECT stats_compact() AS "folded!""#)
        .fetch_one(&mut *conn)
        .await
}

/// Uploads issued on one day (UTC), by their status now.
#[derive(Debug, Clone)]
pub struct UploadDay {
    pub day: Date,
    pub issued: i64,
    pub received: i64,
    pub expired: i64,
    pub aborted: i64,
}

#[tracing::instrument(level = "debug", skip_all, name = "db.stats.products_by_group")]
pub async fn products_by_group(conn: &mut PgConnection) -> Result<Vec<ProductGroup>, sqlx::Error> {
    sqlx::query_as!(
        ProductGroup,
        r#"SELECT domain, status AS "status: Status", sum(products)::bigint AS "products!"
           FROM stats_products
           GROUP BY domain, status HAVING sum(products) > 0
           ORDER BY domain, status"#
    )
    .fetch_all(conn)
    .await
}

#[tracing::instrument(level = "debug", skip_all, name = "db.stats.catalogue")]
pub async fn catalogue(conn: &mut PgConnection) -> Result<Catalogue, sqlx::Error> {
    sqlx::query_as!(
        Catalogue,
        r#"SELECT COALESCE(sum(tables), 0)::bigint AS "tables!",
                  COALESCE(sum(columns), 0)::bigint AS "columns!"
           FROM stats_catalogue"#
    )
    .fetch_one(conn)
    .await
}

#[tracing::instrument(level = "debug", skip_all, name = "db.stats.column_types")]
pub async fn column_types(conn: &mut PgConnection) -> Result<Vec<TypeCount>, sqlx::Error> {
    sqlx::query_as!(
        TypeCount,
        r#"SELECT type_name, sum(columns)::bigint AS "columns!"
           FROM stats_column_types
           GROUP BY type_name HAVING sum(columns) > 0
           ORDER BY 2 DESC, 1"#
    )
    .fetch_all(conn)
    .await
}

/// The last [`WEEKS`] weeks, oldest first, weeks without versions included.
#[tracing::instrument(level = "debug", skip_all, name = "db.stats.weekly_versions")]
pub async fn weekly_versions(conn: &mut PgConnection) -> Result<Vec<WeekCount>, sqlx::Error> {
    sqlx::query_as!(
        WeekCount,
        r#"SELECT w.week AS "week!",
                  COALESCE(sum(s.versions) FILTER (WHERE s.bump = 'initial'), 0)::bigint
                      AS "registrations!",
                  COALESCE(sum(s.versions) FILTER (WHERE s.bump = 'minor'), 0)::bigint
                      AS "minor!",
                  COALESCE(sum(s.versions) FILTER (WHERE s.bump = 'major'), 0)::bigint
                      AS "major!"
           FROM (SELECT stats_week(now()) - 7 * k AS week
                 FROM generate_series(0, $1 - 1) AS k) AS w
           LEFT JOIN stats_versions_weekly s ON s.week = w.week
           GROUP BY w.week
           ORDER BY w.week"#,
        WEEKS,
    )
    .fetch_all(conn)
    .await
}

#[tracing::instrument(level = "debug", skip_all, name = "db.stats.majors_by_domain")]
pub async fn majors_by_domain(conn: &mut PgConnection) -> Result<Vec<DomainMajors>, sqlx::Error> {
    sqlx::query_as!(
        DomainMajors,
        r#"SELECT domain, sum(versions)::bigint AS "versions!"
           FROM stats_majors
           GROUP BY domain HAVING sum(versions) > 0
           ORDER BY 2 DESC, domain"#
    )
    .fetch_all(conn)
    .await
}

/// The [`TOP_N`] live products with the most versions after their first (an index walk).
#[tracing::instrument(level = "debug", skip_all, name = "db.stats.most_changed")]
pub async fn most_changed(conn: &mut PgConnection) -> Result<Vec<ProductActivity>, sqlx::Error> {
    sqlx::query_as!(
        ProductActivity,
        r#"SELECT p.name, p.domain, s.changes, s.last_change
           FROM stats_product s JOIN data_products p ON p.id = s.product_id
           WHERE s.changes > 0
           ORDER BY s.changes DESC, s.product_id
           LIMIT $1"#,
        TOP_N,
    )
    .fetch_all(conn)
    .await
}

/// How many live products are stale: their latest version was made on a UTC day at least
/// `stale_days` days before today (a sum over the per-day histogram).
#[tracing::instrument(level = "debug", skip_all, name = "db.stats.stale_count")]
pub async fn stale_count(conn: &mut PgConnection, stale_days: i32) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT COALESCE(sum(products), 0)::bigint AS "n!"
           FROM stats_last_change WHERE day <= stats_day(now()) - $1::integer"#,
        stale_days,
    )
    .fetch_one(conn)
    .await
}

/// The [`TOP_N`] stalest live products (an index range walk from the oldest change, up to the
/// first UTC midnight that is not stale, `stats_stale_before`, so it stops early when few
/// products are stale). The product list's `staleDays` filter uses the same bound.
#[tracing::instrument(level = "debug", skip_all, name = "db.stats.stalest")]
pub async fn stalest(
    conn: &mut PgConnection,
    stale_days: i32,
) -> Result<Vec<ProductActivity>, sqlx::Error> {
    sqlx::query_as!(
        ProductActivity,
        r#"SELECT p.name, p.domain, s.changes, s.last_change
           FROM stats_product s JOIN data_products p ON p.id = s.product_id
           WHERE s.last_change < stats_stale_before($1)
           ORDER BY s.last_change, s.product_id
           LIMIT $2"#,
        stale_days,
        TOP_N,
    )
    .fetch_all(conn)
    .await
}

#[tracing::instrument(level = "debug", skip_all, name = "db.stats.missing")]
pub async fn missing(conn: &mut PgConnection) -> Result<Vec<MissingCount>, sqlx::Error> {
    sqlx::query_as!(
        MissingCount,
        r#"SELECT requirement, sum(products)::bigint AS "products!"
           FROM stats_missing
           GROUP BY requirement HAVING sum(products) > 0
           ORDER BY requirement"#
    )
    .fetch_all(conn)
    .await
}

/// The last [`UPLOAD_DAYS`] days, oldest first, days without uploads included.
#[tracing::instrument(level = "debug", skip_all, name = "db.stats.uploads_daily")]
pub async fn uploads_daily(conn: &mut PgConnection) -> Result<Vec<UploadDay>, sqlx::Error> {
    sqlx::query_as!(
        UploadDay,
        r#"SELECT d.day AS "day!",
                  COALESCE(sum(s.uploads) FILTER (WHERE s.status = 'issued'), 0)::bigint
                      AS "issued!",
                  COALESCE(sum(s.uploads) FILTER (WHERE s.status = 'received'), 0)::bigint
                      AS "received!",
                  COALESCE(sum(s.uploads) FILTER (WHERE s.status = 'expired'), 0)::bigint
                      AS "expired!",
                  COALESCE(sum(s.uploads) FILTER (WHERE s.status = 'aborted'), 0)::bigint
                      AS "aborted!"
           FROM (SELECT stats_day(now()) - k AS day FROM generate_series(0, $1 - 1) AS k) AS d
           LEFT JOIN stats_uploads_daily s ON s.day = d.day
           GROUP BY d.day
           ORDER BY d.day"#,
        UPLOAD_DAYS,
    )
    .fetch_all(conn)
    .await
}
