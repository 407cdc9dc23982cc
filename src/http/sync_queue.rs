//! `GET /v1/sync`: the catalogue outbox as a whole, per target: how much is waiting, how
//! long the oldest change has waited, and how much is failing. What alerts and dashboards
//! watch (the metrics endpoint exports the same figures).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::ApiQuery;
use crate::http::responses::{MalformedQuery, Problems, ServerErrors};
use crate::store::outbox;
use crate::sync::target::TargetName;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_sync_queue))
}

/// This operation takes no query parameters: any one is a mistake worth a 400.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParameters {}

/// The outbox per configured target.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncQueue {
    /// One entry per configured target; empty when no catalogue is configured.
    pub targets: Vec<TargetQueue>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TargetQueue {
    #[schema(example = "glue")]
    pub target: String,
    /// Products with changes not yet delivered (parked ones included).
    pub pending_products: i64,
    /// Products whose delivery failed at least once since their last success.
    pub failing_products: i64,
    /// Products whose delivery gave up (retry with `daap sync retry`).
    pub parked_products: i64,
    /// Age of the oldest undelivered change, in seconds (0 when nothing waits).
    pub oldest_pending_age_seconds: f64,
}

/// Read the catalogue sync queue
///
/// Per configured catalogue: how many products wait for delivery, how many are failing or
/// parked, and how long the oldest change has waited.
#[utoipa::path(
    get,
    path = "/v1/sync",
    operation_id = "get_sync_queue",
    tag = "sync",
    responses(
        (status = 200, description = "The queue per configured catalogue", body = SyncQueue),
        Problems<(MalformedQuery,)>,
        ServerErrors,
    )
)]
pub async fn get_sync_queue(
    State(state): State<AppState>,
    ApiQuery(NoParameters {}): ApiQuery<NoParameters>,
) -> Result<Json<SyncQueue>, ApiError> {
    let mut conn = state.pool.acquire().await?;
    Ok(Json(queue(&state.writes.sync_targets, &mut *conn).await?))
}

/// The queue per configured target (also a section of `/v1/stats`, which passes the connection
/// it already holds: taking a second one from the pool while holding one deadlocks once as many
/// requests as the pool has connections wait for their second).
pub async fn queue(
    targets: &[TargetName],
    executor: impl sqlx::PgExecutor<'_>,
) -> Result<SyncQueue, sqlx::Error> {
    let figures = outbox::queue_figures(executor).await?;
    let now = OffsetDateTime::now_utc();
    let targets = targets
        .iter()
        .map(|target| {
            let row = figures.iter().find(|f| f.target == target.as_str());
            TargetQueue {
                target: target.as_str().to_owned(),
                pending_products: row.map_or(0, |f| f.pending),
                failing_products: row.map_or(0, |f| f.failing),
                parked_products: row.map_or(0, |f| f.parked),
                oldest_pending_age_seconds: row
                    .and_then(|f| f.oldest_pending_since)
                    .map_or(0.0, |since| (now - since).as_seconds_f64().max(0.0)),
            }
        })
        .collect();
    Ok(SyncQueue { targets })
}
