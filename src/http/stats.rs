//! `GET /v1/stats`: platform statistics for data stewards and platform engineers, the figures
//! the dashboard shows. Every figure is read from summary rows kept by the write path
//! (`store::stats`, migration 0009), so a request costs the same at 1,000 or 100,000 products.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::{Requirement, Status};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::ApiQuery;
use crate::http::health_query;
use crate::http::responses::{MalformedQuery, Problems, ServerErrors};
use crate::http::sync_queue::{TargetQueue, queue};
use crate::store::stats;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_stats))
}

pub use crate::http::health_query::{DEFAULT_STALE_DAYS, MAX_STALE_DAYS};

/// One part of the statistics document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    Products,
    Schemas,
    Changes,
    Health,
    Sync,
    Uploads,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Only this section of the document (all of them when absent).
    #[param(inline)]
    pub section: Option<Section>,
    /// A product is stale when its latest version was made on a UTC day at least this many
    /// days before today (1 to 3650; default 180).
    #[param(value_type = Option<i32>, minimum = 1, maximum = 3650)]
    pub stale_days: Option<String>,
}

impl StatsQuery {
    /// `staleDays`, checked.
    pub fn stale_days(&self) -> Result<i32, ApiError> {
        match self.stale_days.as_deref() {
            None => Ok(DEFAULT_STALE_DAYS),
            Some(raw) => {
                health_query::stale_days(raw).map_err(|error| ApiError::InvalidQuery(vec![error]))
            }
        }
    }

    fn wants(&self, section: Section) -> bool {
        self.section.is_none_or(|wanted| wanted == section)
    }
}

/// The statistics document; with `?section=`, only that member is present.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub products: Option<ProductStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schemas: Option<SchemaStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<ChangeStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uploads: Option<UploadStats>,
}

/// Live (not deleted) products.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductStats {
    pub total: i64,
    /// Non-empty groups only, by domain then status.
    pub by_domain_and_status: Vec<DomainStatusCount>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DomainStatusCount {
    pub domain: String,
    pub status: Status,
    pub products: i64,
}

/// Tables and columns in the latest versions of live products.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchemaStats {
    pub tables: i64,
    pub columns: i64,
    /// Columns per type family (`decimal(10,2)` counts as `decimal`), most used first.
    pub column_types: Vec<ColumnTypeCount>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ColumnTypeCount {
    #[schema(example = "string")]
    pub r#type: String,
    pub columns: i64,
}

/// How products change.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeStats {
    /// Versions made per ISO week (UTC) for the last 26 weeks, oldest first; deleted
    /// products' versions included.
    pub weekly: Vec<WeekVersions>,
    /// Major (breaking) versions per domain, most first.
    pub major_by_domain: Vec<DomainMajorCount>,
    /// The live products with the most versions after their first (at most 10).
    pub most_changed: Vec<ProductActivity>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WeekVersions {
    /// The Monday the week starts on (`YYYY-MM-DD`).
    #[schema(format = Date, example = "2026-06-01")]
    pub week: String,
    /// First versions (registrations).
    pub registrations: i64,
    pub minor: i64,
    pub major: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DomainMajorCount {
    pub domain: String,
    pub major_versions: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductActivity {
    #[schema(example = "dp:hmpps_use_of_force")]
    pub id: String,
    pub name: String,
    pub domain: String,
    /// Versions after the first.
    pub changes: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub last_change: OffsetDateTime,
}

/// What needs a steward's attention.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthStats {
    pub stale_days: i32,
    /// Live products without a new version for `staleDays` days.
    pub stale_products: i64,
    /// The stalest of them, oldest first (at most 10).
    pub stalest: Vec<ProductActivity>,
    /// Live products lacking what the platform requires.
    pub missing: MissingRequirements,
}

/// Each member is named as the product list's `missing` filter names the requirement:
/// `GET /v1/data-products?missing=<member>` lists exactly the products counted.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MissingRequirements {
    /// No `dataProductMaintainer`.
    pub maintainer: i64,
    /// `dpiaRequired` without a `dpiaLocation` tag recording the decision.
    pub dpia_decision: i64,
    /// At least one table with an empty `tableDescription`.
    pub table_descriptions: i64,
    /// At least one column with an empty `description`.
    pub column_descriptions: i64,
}

impl MissingRequirements {
    /// The products lacking `requirement`.
    pub fn products(&self, requirement: Requirement) -> i64 {
        match requirement {
            Requirement::Maintainer => self.maintainer,
            Requirement::DpiaDecision => self.dpia_decision,
            Requirement::TableDescriptions => self.table_descriptions,
            Requirement::ColumnDescriptions => self.column_descriptions,
        }
    }
}

/// Catalogue sync health.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncStats {
    /// False when this deployment syncs to no catalogue ("not configured").
    pub configured: bool,
    pub targets: Vec<TargetQueue>,
}

/// Uploads issued per day.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadStats {
    /// False when this deployment issues no uploads ("not configured").
    pub configured: bool,
    /// The last 30 days (UTC), oldest first, by each upload's status now.
    pub daily: Vec<UploadDayCount>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadDayCount {
    /// `YYYY-MM-DD` (UTC).
    #[schema(format = Date, example = "2026-06-01")]
    pub day: String,
    pub issued: i64,
    pub received: i64,
    pub expired: i64,
    pub aborted: i64,
}

/// Read platform statistics
///
/// Products by domain and status, tables, columns and column types in latest versions,
/// versions per week, breaking changes per domain, the most changed and the stalest products,
/// products missing what the platform requires, sync health and uploads per day. Each figure
/// is kept up to date by every write, so reading them costs the same at any catalogue size.
#[utoipa::path(
    get,
    path = "/v1/stats",
    operation_id = "get_stats",
    tag = "statistics",
    params(StatsQuery),
    responses(
        (status = 200, description = "The statistics (one section with `?section=`)", body = Stats),
        Problems<(MalformedQuery,)>,
        ServerErrors,
    )
)]
pub async fn get_stats(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<StatsQuery>,
) -> Result<Json<Stats>, ApiError> {
    Ok(Json(read(&state, &query).await?))
}

/// The statistics `query` asks for; what the dashboard shows too.
pub async fn read(state: &AppState, query: &StatsQuery) -> Result<Stats, ApiError> {
    let stale_days = query.stale_days()?;
    let mut conn = state.pool.acquire().await?;
    let conn = &mut *conn;
    let mut stats = Stats {
        generated_at: OffsetDateTime::now_utc(),
        products: None,
        schemas: None,
        changes: None,
        health: None,
        sync: None,
        uploads: None,
    };
    if query.wants(Section::Products) {
        stats.products = Some(products(conn).await?);
    }
    if query.wants(Section::Schemas) {
        stats.schemas = Some(schemas(conn).await?);
    }
    if query.wants(Section::Changes) {
        stats.changes = Some(changes(conn).await?);
    }
    if query.wants(Section::Health) {
        stats.health = Some(health(conn, stale_days).await?);
    }
    if query.wants(Section::Sync) {
        stats.sync = Some(SyncStats {
            configured: !state.writes.sync_targets.is_empty(),
            targets: queue(&state.writes.sync_targets, &mut *conn).await?.targets,
        });
    }
    if query.wants(Section::Uploads) {
        stats.uploads = Some(UploadStats {
            configured: state.uploads.is_some(),
            daily: stats::uploads_daily(conn)
                .await?
                .into_iter()
                .map(|d| UploadDayCount {
                    day: d.day.to_string(),
                    issued: d.issued,
                    received: d.received,
                    expired: d.expired,
                    aborted: d.aborted,
                })
                .collect(),
        });
    }
    Ok(stats)
}

async fn products(conn: &mut PgConnection) -> Result<ProductStats, sqlx::Error> {
    let groups = stats::products_by_group(conn).await?;
    Ok(ProductStats {
        total: groups.iter().map(|g| g.products).sum(),
        by_domain_and_status: groups
            .into_iter()
            .map(|g| DomainStatusCount {
                domain: g.domain,
                status: g.status,
                products: g.products,
            })
            .collect(),
    })
}

async fn schemas(conn: &mut PgConnection) -> Result<SchemaStats, sqlx::Error> {
    let catalogue = stats::catalogue(conn).await?;
    Ok(SchemaStats {
        tables: catalogue.tables,
        columns: catalogue.columns,
        column_types: stats::column_types(conn)
            .await?
            .into_iter()
            .map(|t| ColumnTypeCount {
                r#type: t.type_name,
                columns: t.columns,
            })
            .collect(),
    })
}

async fn changes(conn: &mut PgConnection) -> Result<ChangeStats, sqlx::Error> {
    Ok(ChangeStats {
        weekly: stats::weekly_versions(conn)
            .await?
            .into_iter()
            .map(|w| WeekVersions {
                week: w.week.to_string(),
                registrations: w.registrations,
                minor: w.minor,
                major: w.major,
            })
            .collect(),
        major_by_domain: stats::majors_by_domain(conn)
            .await?
            .into_iter()
            .map(|d| DomainMajorCount {
                domain: d.domain,
                major_versions: d.versions,
            })
            .collect(),
        most_changed: activity(stats::most_changed(conn).await?),
    })
}

async fn health(conn: &mut PgConnection, stale_days: i32) -> Result<HealthStats, sqlx::Error> {
    let mut missing = MissingRequirements::default();
    for count in stats::missing(conn).await? {
        let slot = match Requirement::parse(&count.requirement) {
            Some(Requirement::Maintainer) => &mut missing.maintainer,
            Some(Requirement::DpiaDecision) => &mut missing.dpia_decision,
            Some(Requirement::TableDescriptions) => &mut missing.table_descriptions,
            Some(Requirement::ColumnDescriptions) => &mut missing.column_descriptions,
            None => continue,
        };
        *slot = count.products;
    }
    Ok(HealthStats {
        stale_days,
        stale_products: stats::stale_count(conn, stale_days).await?,
        stalest: activity(stats::stalest(conn, stale_days).await?),
        missing,
    })
}

fn activity(rows: Vec<stats::ProductActivity>) -> Vec<ProductActivity> {
    rows.into_iter()
        .map(|row| ProductActivity {
            id: format!("dp:{}", row.name),
            name: row.name,
            domain: row.domain,
            changes: row.changes,
            last_change: row.last_change,
        })
        .collect()
}
