//! Checking a bearer token (an Entra ID access token, or any RS256 JWT from an OpenID Connect
//! provider) and turning its claims into a [`Principal`].

use std::collections::HashSet;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;

use super::config::{AuthConfig, RoleNames};
use super::error::AuthError;
use super::jwks::KeyCache;
use super::principal::Principal;

/// Longer tokens are refused unread (Entra's are 1–4 KiB).
const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Longer key ids are refused without a look-up.
const MAX_KID_BYTES: usize = 256;

/// Validates bearer tokens against the configured issuer's keys. Cheap to clone: clones share
/// the key cache.
#[derive(Clone)]
pub struct TokenValidator {
    inner: Arc<Inner>,
}

struct Inner {
    keys: Arc<KeyCache>,
    validation: Validation,
    roles: RoleNames,
}

impl TokenValidator {
    /// A validator for `config`, fetching keys with `http` (see
    /// [`http_client`](super::http_client)). Nothing is fetched until the first token arrives,
    /// [`refresh_keys`](Self::refresh_keys) is called or
    /// [`spawn_key_refresh`](Self::spawn_key_refresh) runs.
    pub fn new(config: AuthConfig, http: reqwest::Client) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = config.leeway.as_secs();
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.set_issuer(&config.issuers);
        validation.set_audience(&config.audiences);
        validation.required_spec_claims = ["exp", "iss", "aud"]
            .into_iter()
            .map(str::to_owned)
            .collect::<HashSet<_>>();
        let keys = Arc::new(KeyCache::new(&config, http));
        Self {
            inner: Arc::new(Inner {
                keys,
                validation,
                roles: config.roles,
            }),
        }
    }

    /// The configured app role names, to check a [`Principal`]'s roles against.
    pub fn role_names(&self) -> &RoleNames {
        &self.inner.roles
    }

    /// Fetches the signing keys now (discovery first, unless a JWKS URL is configured), e.g. at
    /// start-up so the first request does not wait. Waits for a fetch under way, if any.
    pub async fn refresh_keys(&self) -> Result<(), AuthError> {
        self.inner.keys.refresh(None).await
    }

    /// Spawns a task that fetches the keys now and then every `jwks_refresh_interval` (after
    /// `failed_fetch_backoff` when a fetch fails), so requests never wait for a fetch of stale
    /// keys. It ends by itself once every clone of this validator is dropped; abort the handle
    /// to end it sooner. Needs a tokio runtime.
    pub fn spawn_key_refresh(&self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(KeyCache::refresh_periodically(Arc::downgrade(
            &self.inner.keys,
        )))
    }

    /// Validate a raw bearer token string: RS256 only, signed by one of the issuer's current
    /// keys, with an accepted `iss` and `aud`, within `exp`/`nbf` (give or take the leeway).
    pub async fn validate(&self, token: &str) -> Result<Principal, AuthError> {
        let header = peek_header(token)?;
        if header.alg != "RS256" {
            return Err(AuthError::unsupported_algorithm(&header.alg));
        }
        if header.crit.is_some() {
            // Critical header extensions must be understood, and none are.
            return Err(AuthError::Malformed);
        }
        let kid = match header.kid {
            Some(kid) if !kid.is_empty() && kid.len() <= MAX_KID_BYTES => kid,
            _ => return Err(AuthError::UnknownKey),
        };
        let key = self.inner.keys.key(&kid).await?;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &self.inner.validation)
            .map_err(|error| map_error(error.into_kind()))?;
        principal(data.claims)
    }
}

/// The protected header fields looked at before anything else.
#[derive(Deserialize)]
struct PeekedHeader {
    alg: String,
    kid: Option<String>,
    crit: Option<serde_json::Value>,
}

/// Checks the compact serialization's shape (three base64url parts) and reads the header.
fn peek_header(token: &str) -> Result<PeekedHeader, AuthError> {
    if token.is_empty() || token.len() > MAX_TOKEN_BYTES {
        return Err(AuthError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthError::Malformed);
    };
    let base64url = |part: &str| {
        part.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if header.is_empty()
        || payload.is_empty()
        || ![header, payload, signature].into_iter().all(base64url)
    {
        return Err(AuthError::Malformed);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| AuthError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| AuthError::Malformed)
}

fn map_error(kind: ErrorKind) -> AuthError {
    match kind {
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::MissingRequiredClaim(claim) => AuthError::MissingClaim(claim_name(&claim)),
        ErrorKind::InvalidClaimFormat(claim) => AuthError::InvalidClaim(claim_name(&claim)),
        ErrorKind::InvalidAlgorithm
        | ErrorKind::MissingAlgorithm
        | ErrorKind::UnsupportedAlgorithm => AuthError::unsupported_algorithm(""),
        // A key that cannot verify anything (e.g. a malformed modulus) verifies no signature.
        ErrorKind::InvalidRsaKey(_) | ErrorKind::InvalidKeyFormat | ErrorKind::Provider(_) => {
            AuthError::BadSignature
        }
        // Bad base64, JSON or UTF-8 in the signed parts; claims of the wrong type for `Claims`.
        _ => AuthError::Malformed,
    }
}

fn claim_name(claim: &str) -> &'static str {
    match claim {
        "exp" => "exp",
        "nbf" => "nbf",
        "iss" => "iss",
        "aud" => "aud",
        "sub" => "sub",
        _ => "claim",
    }
}

/// The claims a [`Principal`] is made from (`exp`, `nbf`, `iss` and `aud` are checked by
/// `jsonwebtoken` itself). Entra ID v2.0 and v1.0 access tokens both fit.
#[derive(Deserialize)]
struct Claims {
    oid: Option<String>,
    name: Option<String>,
    preferred_username: Option<String>,
    email: Option<String>,
    upn: Option<String>,
    /// v1.0 tokens' sign-in name.
    unique_name: Option<String>,
    /// v2.0: the client application.
    azp: Option<String>,
    /// v1.0: the client application.
    appid: Option<String>,
    /// `app` or `user`, when the optional claim is configured.
    idtyp: Option<String>,
    /// Delegated scopes, space-separated.
    scp: Option<String>,
    roles: Option<Vec<String>>,
}

fn present(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

fn principal(claims: Claims) -> Result<Principal, AuthError> {
    let client_id = present(claims.azp).or(present(claims.appid));
    let scp = present(claims.scp);
    let preferred_username = present(claims.preferred_username);
    let upn = present(claims.upn);
    let unique_name = present(claims.unique_name);
    // `idtyp` says it when present. Without it: an app-only token has no scopes (delegated
    // tokens always do) and no user sign-in name.
    let is_application = match present(claims.idtyp) {
        Some(idtyp) => idtyp.eq_ignore_ascii_case("app"),
        None => {
            scp.is_none() && preferred_username.is_none() && upn.is_none() && unique_name.is_none()
        }
    };
    let roles = claims.roles.unwrap_or_default();
    if is_application {
        let id = client_id.clone().ok_or(AuthError::MissingClaim("azp"))?;
        return Ok(Principal {
            id,
            display_name: present(claims.name),
            email: None,
            client_id,
            is_application: true,
            roles,
            scopes: Vec::new(),
        });
    }
    let id = present(claims.oid).ok_or(AuthError::MissingClaim("oid"))?;
    let scopes = scp
        .map(|scp| scp.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    Ok(Principal {
        id,
        display_name: present(claims.name),
        email: preferred_username
            .or(present(claims.email))
            .or(upn)
            .or(unique_name),
        client_id,
        is_application: false,
        roles,
        scopes,
    })
}
