//! The dashboard: server-rendered HTML pages for people (`/dashboard…`), over the same store
//! functions as the API. No script, no external asset: one vendored stylesheet served by daap,
//! charts as inline SVG with a data table beside each, so the pages work offline under the
//! strict CSP that `http::gateway::browser` puts on every HTML response.
//!
//! With authentication on, the pages need a bearer token: `signin` signs people in in the
//! browser and fetches the pages with it (see docs/dashboard.md).

mod charts;
mod diff;
mod layout;
mod overview;
mod product;
mod products;
mod signin;

use axum::Router;
use axum::http::header;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

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
        .route("/dashboard/signin", get(signin::landing))
        .route("/dashboard/signin.js", get(signin::script))
        .layer(middleware::from_fn_with_state(state, signin::signed_in))
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
