//! Sign-in to the dashboard when authentication is on.
//!
//! A browser navigation carries no bearer token, so a page asked for without one answers 401
//! with a small sign-in page instead of the figures. That page loads `signin.js` (served by
//! daap: the CSP's `script-src 'self'` allows it, no inline script), which signs the person in
//! with the docs UI's app registration (authorization code + PKCE, in the browser), keeps the
//! access token in memory only, and from then on fetches the dashboard's pages with it and
//! shows them in place. The server keeps no session: each page request is checked like any
//! `/v1` read, by the same code (`http::authentication::reader`).

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{DOCTYPE, html};

use crate::http::AppState;
use crate::http::access_log::LoggedPrincipal;
use crate::openapi::DocsSignIn;

/// The sign-in script (written for daap, no library).
const SCRIPT: &str = include_str!("signin.js");

/// Paths served to anyone: what the sign-in page itself needs.
const PUBLIC: [&str; 3] = [
    "/dashboard/dashboard.css",
    "/dashboard/signin.js",
    "/dashboard/signin",
];

/// The middleware: with authentication on, a page is served only for a valid bearer token that
/// may read; a request without `Authorization` gets the sign-in page (401).
pub async fn signed_in(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if state.auth.is_none() || PUBLIC.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    if !request.headers().contains_key(header::AUTHORIZATION) {
        return sign_in_page(state.docs.sign_in.as_ref(), StatusCode::UNAUTHORIZED);
    }
    let caller = crate::http::authentication::reader(&state, request.method(), request.headers());
    let principal = match caller.await {
        Ok(crate::authz::Caller::Authenticated(principal)) => principal.id,
        Ok(crate::authz::Caller::Anonymous) => String::new(),
        Err(refusal) => return refusal,
    };
    let mut response = next.run(request).await;
    response.extensions_mut().insert(LoggedPrincipal(principal));
    response
}

/// `GET /dashboard/signin`: where the identity provider sends the browser back (the redirect
/// URI to register). The script redeems the code; without authentication there is nothing to
/// do.
pub async fn landing(State(state): State<AppState>) -> Response {
    if state.auth.is_none() {
        return Redirect::to("/dashboard").into_response();
    }
    sign_in_page(state.docs.sign_in.as_ref(), StatusCode::OK)
}

pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        SCRIPT,
    )
        .into_response()
}

/// The page that signs people in: the settings for the script as data attributes, and what to
/// do without script or without a configured sign-in.
fn sign_in_page(sign_in: Option<&DocsSignIn>, status: StatusCode) -> Response {
    let usable = sign_in.and_then(|s| s.authority.as_ref().map(|authority| (s, authority)));
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Sign in · daap dashboard" }
                link rel="stylesheet" href="/dashboard/dashboard.css";
                @if usable.is_some() {
                    script src="/dashboard/signin.js" defer {}
                }
            }
            body {
                main id="main" {
                    h1 { "Sign in" }
                    @if let Some((sign_in, authority)) = usable {
                        p id="sign-in" role="status"
                            data-client-id=(sign_in.client_id)
                            data-authority=(authority.trim_end_matches('/'))
                            data-scopes=(sign_in.scopes.join(" ")) {
                            "Signing you in with your organisation's account…"
                        }
                        noscript { p { "Signing in needs JavaScript." } }
                    } @else {
                        p {
                            "This deployment checks tokens but has no browser sign-in configured "
                            "(DAAP_DOCS_CLIENT_ID). The same figures are at "
                            code { "/v1/stats" } " with a bearer token."
                        }
                    }
                }
            }
        }
    };
    let mut response = (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        markup.into_string(),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
    }
    response
}
