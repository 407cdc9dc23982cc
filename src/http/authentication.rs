//! The authentication middleware: every `/v1` request carries a valid bearer token (when an
//! identity provider is configured), and reads are authorised here; writes are authorised by
//! their handlers, which know the product's owners.

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::bearer_token;
use crate::authz::{Action, Caller};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::access_log::LoggedPrincipal;
use crate::http::actor::Actor;

/// Paths that answer without a token: health checks, the OpenAPI document and Swagger UI.
fn is_public(path: &str) -> bool {
    !path.starts_with("/v1/") && path != "/v1"
}

/// Who calls, from the request's bearer token (anonymous when authentication is off), and
/// allowed to read when `method` is a read; else the 401 or 403 answer. Shared with the
/// dashboard, whose pages are reads too.
pub async fn reader(
    state: &AppState,
    method: &Method,
    headers: &axum::http::HeaderMap,
) -> Result<Caller, Response> {
    let caller = match &state.auth {
        None => Caller::Anonymous,
        Some(validator) => {
            let validated = match bearer_token(headers) {
                Ok(token) => validator.validate(token).await,
                Err(error) => Err(error),
            };
            match validated {
                Ok(principal) => Caller::Authenticated(principal),
                Err(error) => return Err(ApiError::Unauthorized(error).into_response()),
            }
        }
    };
    if matches!(*method, Method::GET | Method::HEAD)
        && let Err(error) = Actor::new(caller.clone()).authorize(state, Action::Read, None)
    {
        return Err(error.into_response());
    }
    Ok(caller)
}

pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if is_public(request.uri().path()) {
        return next.run(request).await;
    }
    let caller = match reader(&state, request.method(), request.headers()).await {
        Ok(caller) => caller,
        Err(refusal) => return refusal,
    };
    let principal = match &caller {
        Caller::Authenticated(principal) => Some(LoggedPrincipal(principal.id.clone())),
        Caller::Anonymous => None,
    };
    request.extensions_mut().insert(caller);
    let mut response = next.run(request).await;
    if let Some(principal) = principal {
        response.extensions_mut().insert(principal);
    }
    response
}
