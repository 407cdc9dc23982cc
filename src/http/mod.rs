//! The HTTP layer: routing, extractors, and one module per resource.

pub mod access_log;
pub mod actor;
pub mod authentication;
pub mod data_products;
pub mod extract;
pub mod gateway;
pub mod health;
pub mod health_query;
pub mod idempotency;
pub mod pagination;
pub mod preconditions;
pub mod readable;
pub mod request_id;
pub mod responses;
pub mod schemas;
pub mod stats;
pub mod strict_json;
pub mod sync_queue;
pub mod uploads;
pub mod write;

use std::sync::Arc;

use crate::store::pool::Pool;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{Method, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tracing::Instrument;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::TokenValidator;
use crate::authz::Policy;
use crate::domain::product::MetadataPolicy;
use crate::error::ApiError;
use crate::openapi::{ApiDoc, DocsSettings};

/// What every handler can reach: one shared allocation, so that the copy each middleware
/// layer and handler takes of it per request is one reference count, not one per field (a
/// request cloned and dropped it several times, each touching about ten shared counters).
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl AppState {
    pub fn new(shared: SharedState) -> Self {
        Self(Arc::new(shared))
    }

    /// This state with `change` made to a copy of its parts (a test's variant of an
    /// instance); the original is untouched.
    pub fn with(&self, change: impl FnOnce(&mut SharedState)) -> Self {
        let mut parts = (*self.0).clone();
        change(&mut parts);
        Self::new(parts)
    }
}

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

/// The parts of an [`AppState`].
#[derive(Clone)]
pub struct SharedState {
    pub pool: Pool,
    pub policy: Arc<MetadataPolicy>,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    pub writes: Arc<WriteSettings>,
    /// Validates bearer tokens; `None` runs without authentication (see `server.rs` for when
    /// that is allowed).
    pub auth: Option<TokenValidator>,
    /// Who may do what.
    pub authz: Arc<Policy>,
    pub docs: Arc<DocsSettings>,
    /// Where uploaded files go (`None`: this instance issues no uploads).
    pub uploads: Option<Arc<crate::uploads::Uploads>>,
    /// Rate limits, request limits, lifecycle and browser headers.
    pub gateway: Arc<gateway::Gateway>,
    /// Set when shutdown begins: `/health/ready` then answers 503.
    pub readiness: crate::readiness::Readiness,
}

/// How writes behave in this deployment.
#[derive(Debug, Clone, Default)]
pub struct WriteSettings {
    pub idempotency: idempotency::IdempotencySettings,
    /// Refuse `PUT` and `DELETE` without `If-Match` (428), so no client can overwrite a change
    /// it has not seen.
    pub require_if_match: bool,
    /// The catalogues every version and deletion is queued for (none: nothing is queued).
    pub sync_targets: Vec<crate::sync::target::TargetName>,
}

/// The route table and its OpenAPI document, declared together so they cannot drift apart.
pub fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(data_products::router())
        .merge(schemas::router())
        .merge(stats::router())
        .merge(sync_queue::router())
        .merge(uploads::router())
        .split_for_parts();
    utoipa::Modify::modify(&crate::openapi::BearerSecurity, &mut openapi);
    utoipa::Modify::modify(&crate::openapi_rules::ExactParameters, &mut openapi);
    utoipa::Modify::modify(&crate::openapi_rules::CrossFieldRules, &mut openapi);
    utoipa::Modify::modify(&crate::openapi_rules::Links, &mut openapi);
    (router, openapi)
}

/// The OpenAPI document of the whole API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().1
}

/// The complete application: routes, `/openapi.json`, Swagger UI at `/docs`, error fallbacks
/// and middleware.
pub fn app(state: AppState) -> Router {
    let body_limit = state.body_limit;
    let (router, mut openapi) = routes();
    state.gateway.lifecycle.mark(&mut openapi);
    let mut swagger = SwaggerUi::new("/docs");
    if let Some(sign_in) = &state.docs.sign_in {
        crate::openapi::add_sign_in(&mut openapi, sign_in);
        swagger = swagger.oauth(
            utoipa_swagger_ui::oauth::Config::new()
                .client_id(&sign_in.client_id)
                .scopes(sign_in.scopes.clone())
                .use_pkce_with_authorization_code_grant(true),
        );
    }
    let content_security_policy = Arc::new(state.gateway.browser.content_security_policy());
    // Layers run outermost (last added) first: the access log sees everything, limits refuse
    // oversized requests before authentication reads them, and the rate limiter runs after
    // authentication, which names the caller.
    let mut router = router
        .merge(swagger.url("/openapi.json", openapi))
        .merge(crate::web::router(state.clone()))
        // Only on matched routes (so after authentication, and a method no route takes still
        // gets its 405): input daap cannot read exactly is refused before any handler.
        .route_layer(middleware::from_fn(readable::refuse_unreadable))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(
            state.gateway.clone(),
            gateway::rate_limit::enforce,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            authentication::authenticate,
        ))
        .layer(middleware::from_fn(run_to_completion))
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                ApiError::Internal(anyhow::anyhow!("a request handler panicked")).into_response()
            },
        ))
        .layer(middleware::from_fn_with_state(
            state.gateway.clone(),
            gateway::limits::enforce,
        ));
    if let Some(cors) = state.gateway.browser.cors() {
        router = router.layer(cors);
    }
    router
        .layer(middleware::from_fn_with_state(
            content_security_policy,
            gateway::browser::security_headers,
        ))
        .layer(middleware::from_fn_with_state(
            state.gateway.clone(),
            gateway::lifecycle::headers,
        ))
        .layer(middleware::from_fn(access_log::access_log))
        .with_state(state)
}

/// Runs every write to completion on its own task, even if the client disconnects. Dropping
/// a handler halfway (say between `BEGIN` and `COMMIT`) could hand a pooled connection back
/// inside an open transaction; a write that has started always finishes or rolls back.
/// Reads (`GET`, `HEAD`, `OPTIONS`) change nothing, so dropping one is harmless: they run in
/// place and spare the task (a measurable share of a product read).
async fn run_to_completion(request: Request, next: Next) -> Response {
    if request.method().is_safe() {
        return next.run(request).await;
    }
    match tokio::spawn(next.run(request).in_current_span()).await {
        Ok(response) => response,
        Err(error) => {
            ApiError::Internal(anyhow::anyhow!("request task failed: {error}")).into_response()
        }
    }
}

async fn not_found(uri: Uri) -> Response {
    ApiError::NotFound(format!("no resource at {}", uri.path())).into_response()
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    ApiError::MethodNotAllowed(format!("{method} is not supported on {}", uri.path()))
        .into_response()
}
