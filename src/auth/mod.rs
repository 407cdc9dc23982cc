//! Authentication: bearer JWTs issued by Microsoft Entra ID (or any OpenID Connect provider),
//! validated locally.
//!
//! - `config`: what is accepted and where the keys are ([`AuthConfig`], [`RoleNames`]).
//! - `jwks`: discovery, the key cache and its single-flight refresh (private).
//! - `token`: checking a token and reading its claims into a [`Principal`] ([`TokenValidator`]).
//! - `principal`: who the caller is, with its roles and scopes ([`Principal`]).
//! - `error`: why a token was refused, and the `WWW-Authenticate` challenge ([`AuthError`]).
//! - `http`: the HTTP client the key fetches use ([`http_client`]).
//!
//! Only RS256 is accepted. The identity is the `oid` claim for users and the client id (`azp`
//! or `appid`) for applications. Nothing here logs a token, a claim value or a header value.
//!
//! ```no_run
//! # async fn example(headers: axum::http::HeaderMap) -> Result<(), daap::auth::AuthError> {
//! use daap::auth::{AuthConfig, TokenValidator, bearer_token, http_client};
//!
//! let config = AuthConfig::entra("<tenant id>", "<API client id>");
//! let validator = TokenValidator::new(config, http_client().expect("an HTTP client"));
//! validator.spawn_key_refresh();
//! let principal = validator.validate(bearer_token(&headers)?).await?;
//! let can_write = principal.has_role(&validator.role_names().producer);
//! # Ok(()) }
//! ```

mod config;
mod error;
mod http;
mod jwks;
mod principal;
mod token;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

pub use config::{AuthConfig, AuthConfigError, ENTRA_LOGIN_HOST, RoleNames};
pub use error::AuthError;
pub use http::{http_client, http_client_builder};
pub use principal::Principal;
pub use token::TokenValidator;

/// The token in an `Authorization: Bearer <token>` header. The scheme is matched without
/// regard to case; spaces around the token are ignored.
///
/// [`AuthError::Missing`] when there is no `Authorization` header or its scheme is not
/// `Bearer`; [`AuthError::Malformed`] when there are several, or the value is not visible
/// ASCII, or the token is empty or has spaces in it.
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, AuthError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(AuthError::Missing);
    };
    if values.next().is_some() {
        return Err(AuthError::Malformed);
    }
    let value = value.to_str().map_err(|_| AuthError::Malformed)?.trim();
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Missing);
    }
    let token = token.trim();
    if token.is_empty() || token.contains(|c: char| c.is_ascii_whitespace()) {
        return Err(AuthError::Malformed);
    }
    Ok(token)
}
