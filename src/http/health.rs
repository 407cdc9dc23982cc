//! Health endpoints for load balancers and Kubernetes probes.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, Problem};
use crate::http::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    #[schema(example = "ok")]
    pub status: &'static str,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(live))
        .routes(routes!(ready))
}

/// Health (kept from the prototype)
///
/// Always `"OK"` while the process serves HTTP.
#[utoipa::path(get, path = "/health", operation_id = "health", tag = "health",
    responses((status = 200, description = "The process is up", body = String, content_type = "application/json", example = json!("OK"))))]
pub async fn health() -> Json<&'static str> {
    Json("OK")
}

/// Liveness
///
/// 200 while the process serves HTTP; does not touch the database.
#[utoipa::path(get, path = "/health/live", operation_id = "health_live", tag = "health",
    responses((status = 200, description = "The process is up", body = HealthStatus)))]
pub async fn live() -> Json<HealthStatus> {
    Json(HealthStatus { status: "ok" })
}

/// Readiness
///
/// 200 when the database answers, 503 otherwise, and 503 from the moment the instance starts
/// shutting down (so that load balancers stop sending it requests while it finishes the ones
/// it has).
#[utoipa::path(get, path = "/health/ready", operation_id = "health_ready", tag = "health",
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "Shutting down, or the database does not answer", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ready(State(state): State<AppState>) -> Result<Json<HealthStatus>, ApiError> {
    if state.readiness.is_draining() {
        return Err(ApiError::Unavailable(
            "this instance is shutting down".to_owned(),
        ));
    }
    let answer = match state.pool.acquire().await {
        Ok(mut conn) => {
            sqlx::query_scalar!("SELECT 1 AS \"one!\"")
                .fetch_one(&mut *conn)
                .await
        }
        Err(error) => Err(error),
    };
    answer.map_err(|error| {
        tracing::warn!(error = %error, "readiness check failed");
        ApiError::Unavailable("the database does not answer".to_owned())
    })?;
    Ok(Json(HealthStatus { status: "ok" }))
}
