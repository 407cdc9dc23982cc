//! The dashboard: server-rendered HTML pages for people (`/dashboard…`), over the same store
//! functions as the API. No script, no external asset: one vendored stylesheet served by daap,
//! charts as inline SVG with a data table beside each, so the pages work offline under the
//! strict CSP that `http::gateway::browser` puts on every HTML response.
//!
//! With authentication on, browser navigations carry no bearer token: the pages then answer
//! 401 until sign-in is built (see docs/dashboard.md); `/v1/stats` serves the same figures to
//! token holders.

mod charts;
mod diff;
mod layout;
mod overview;
mod product;
mod products;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::ApiError;
use crate::http::AppState;

/// The vendored stylesheet (WCAG 2.2 AA contrast, readable from phone to laptop).
const STYLESHEET: &str = include_str!("dashboard.css");

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(overview::page))
        .route("/dashboard/products", get(products::page))
        .route("/dashboard/products/{name}", get(product::page))
        .route("/dashboard/products/{name}/diff", get(diff::page))
        .route("/dashboard/dashboard.css", get(stylesheet))
        .layer(middleware::from_fn_with_state(state, signed_in))
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// With authentication on, the pages are not served: a browser navigation carries no token.
async fn signed_in(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if state.auth.is_some() {
        return ApiError::Unauthorized(crate::auth::AuthError::Missing).into_response();
    }
    next.run(request).await
}
