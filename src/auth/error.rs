//! Why a request's credentials were refused, and how to say so in a `WWW-Authenticate` challenge.
//!
//! Neither `Display` nor [`AuthError::description`] ever contains any part of the token, a
//! claim value or a header value, so an `AuthError` is safe to log and to send to the client.

use axum::http::{HeaderValue, StatusCode};

/// A bearer token that was not accepted, or the keys to check it against could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header, or one with a scheme other than `Bearer`.
    #[error("no bearer token in the request")]
    Missing,
    /// The header or the token is not a well-formed `Bearer` JWT (JWS compact serialization).
    #[error("the bearer token is not a well-formed JWT")]
    Malformed,
    /// The token's `alg` is not `RS256`. Holds the algorithm's name if it is a plausible one
    /// (letters and digits, at most 16), otherwise `"unrecognised"`: it is never displayed.
    #[error("the token's signing algorithm is not accepted (only RS256 is)")]
    UnsupportedAlgorithm(String),
    /// The token has no `kid`, or names a key the issuer does not publish.
    #[error("the token's signing key is not one of the issuer's keys")]
    UnknownKey,
    /// The RS256 signature does not verify with the issuer's key.
    #[error("the token's signature does not verify")]
    BadSignature,
    /// `exp` is in the past (beyond the leeway).
    #[error("the token has expired")]
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `iss` is not one of the accepted issuers.
    #[error("the token's issuer is not accepted")]
    WrongIssuer,
    /// `aud` names none of the accepted audiences.
    #[error("the token's audience is not accepted")]
    WrongAudience,
    /// A claim the service needs is absent (the name of the claim, never its value).
    #[error("the token lacks the {0} claim")]
    MissingClaim(&'static str),
    /// A claim has the wrong type (e.g. `exp` as a string, `roles` not an array of strings).
    #[error("the token's {0} claim has an invalid value")]
    InvalidClaim(&'static str),
    /// The identity provider's signing keys have never been fetched successfully (discovery or
    /// JWKS unreachable or invalid). Not the caller's fault: answer 503, not 401.
    #[error("the identity provider's signing keys are unavailable")]
    KeysUnavailable,
}

impl AuthError {
    /// The `error_description` for `WWW-Authenticate: Bearer error="invalid_token",
    /// error_description="..."`: short, fixed text that never echoes the token, and contains no
    /// `"` or `\`, so it can go inside a quoted-string as it is.
    pub fn description(&self) -> &'static str {
        match self {
            AuthError::Missing => "a bearer token is required",
            AuthError::Malformed => "the bearer token is not a well-formed JWT",
            AuthError::UnsupportedAlgorithm(_) => "the token must be signed with RS256",
            AuthError::UnknownKey => "the token is signed with an unknown key",
            AuthError::BadSignature => "the token signature is invalid",
            AuthError::Expired => "the token has expired",
            AuthError::NotYetValid => "the token is not valid yet",
            AuthError::WrongIssuer => "the token issuer is not accepted",
            AuthError::WrongAudience => "the token audience is not accepted",
            AuthError::MissingClaim(claim) => match *claim {
                "exp" => "the token has no exp claim",
                "iss" => "the token has no iss claim",
                "aud" => "the token has no aud claim",
                "oid" => "the token has no oid claim",
                "azp" => "the token has no azp or appid claim",
                _ => "the token lacks a required claim",
            },
            AuthError::InvalidClaim(_) => "the token has a claim of the wrong type",
            AuthError::KeysUnavailable => "the token cannot be checked right now",
        }
    }

    /// The RFC 6750 `error` code: none when the request carried no bearer token at all (the
    /// challenge then only names the scheme), none for [`AuthError::KeysUnavailable`] (a server
    /// problem), `invalid_token` otherwise.
    pub fn error_code(&self) -> Option<&'static str> {
        match self {
            AuthError::Missing | AuthError::KeysUnavailable => None,
            _ => Some("invalid_token"),
        }
    }

    /// `401 Unauthorized`, except `503 Service Unavailable` for [`AuthError::KeysUnavailable`].
    pub fn status(&self) -> StatusCode {
        match self {
            AuthError::KeysUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// The `WWW-Authenticate` value to send with a 401: `Bearer` alone for a missing token,
    /// `Bearer error="invalid_token", error_description="..."` for a refused one.
    pub fn www_authenticate(&self) -> HeaderValue {
        match self.error_code() {
            None => HeaderValue::from_static("Bearer"),
            Some(code) => {
                let value = format!(
                    "Bearer error=\"{code}\", error_description=\"{}\"",
                    self.description()
                );
                // Only fixed ASCII text goes in, so this cannot fail.
                HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
            }
        }
    }

    /// `UnsupportedAlgorithm` for a header's `alg`, keeping the name only if it looks like one.
    pub(crate) fn unsupported_algorithm(alg: &str) -> AuthError {
        let plausible =
            !alg.is_empty() && alg.len() <= 16 && alg.bytes().all(|b| b.is_ascii_alphanumeric());
        AuthError::UnsupportedAlgorithm(if plausible {
            alg.to_owned()
        } else {
            "unrecognised".to_owned()
        })
    }
}
