//! What the token validator accepts and where it finds the issuer's keys.
//!
//! Everything is plain data: [`AuthConfig::entra`] fills it in for a Microsoft Entra ID tenant,
//! [`AuthConfig::new`] for any other OpenID Connect provider (tests point it at a loopback
//! server), and every field can be changed afterwards.

use std::time::Duration;

/// Where Microsoft Entra ID signs in, for [`AuthConfig::entra`].
pub const ENTRA_LOGIN_HOST: &str = "https://login.microsoftonline.com";

/// How the token validator is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// The OpenID Connect authority: discovery is at
    /// `<authority>/.well-known/openid-configuration`, e.g.
    /// `https://login.microsoftonline.com/<tenant id>/v2.0`.
    pub authority: String,
    /// Accepted `iss` values, compared exactly (Entra's v1 issuer ends with `/`, v2's does not).
    /// Empty accepts no token.
    pub issuers: Vec<String>,
    /// Accepted `aud` values (a token passes if its `aud` names any of them), e.g. the API's
    /// client id and `api://<client id>`. Empty accepts no token.
    pub audiences: Vec<String>,
    /// The JWKS URL to use instead of discovery's `jwks_uri` (discovery is then not fetched).
    pub jwks_url: Option<String>,
    /// Clock skew allowed on `exp` and `nbf` (whole seconds; the fraction is ignored).
    pub leeway: Duration,
    /// The app role names that grant daap's permissions.
    pub roles: RoleNames,
    /// Keys older than this are fetched again: by the task of
    /// [`TokenValidator::spawn_key_refresh`](super::TokenValidator::spawn_key_refresh) if it
    /// runs, otherwise in the background by the first validation that finds them stale.
    pub jwks_refresh_interval: Duration,
    /// A token with an unknown `kid` makes the keys be fetched again at most once per this
    /// interval, however many such tokens arrive.
    pub min_unknown_kid_refresh_interval: Duration,
    /// The most one fetch of discovery or JWKS may take, connecting and reading included.
    pub fetch_timeout: Duration,
    /// After a failed fetch, no other fetch is tried for this long (requests meanwhile keep
    /// using the keys they have, or get [`AuthError::KeysUnavailable`](super::AuthError) if
    /// there are none yet).
    pub failed_fetch_backoff: Duration,
}

/// The app roles (Entra "app roles", the `roles` claim) that daap's permissions map to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleNames {
    /// May register and change data products. Default `DataProducer`.
    pub producer: String,
    /// May change any data product and its governance metadata. Default `DataSteward`.
    pub steward: String,
    /// May read. Default `DataReader`.
    pub reader: String,
}

impl Default for RoleNames {
    fn default() -> Self {
        Self {
            producer: "DataProducer".to_owned(),
            steward: "DataSteward".to_owned(),
            reader: "DataReader".to_owned(),
        }
    }
}

/// Something in an [`AuthConfig`] that would make every token be refused, or every fetch fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthConfigError {
    #[error("the authority must be an http:// or https:// URL")]
    BadAuthority,
    #[error("the JWKS URL must be an http:// or https:// URL")]
    BadJwksUrl,
    #[error("no accepted token issuer is configured")]
    NoIssuers,
    #[error("no accepted token audience is configured")]
    NoAudiences,
    #[error("the key fetch timeout must be more than zero")]
    NoFetchTimeout,
}

impl AuthConfig {
    pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);
    pub const DEFAULT_JWKS_REFRESH_INTERVAL: Duration = Duration::from_secs(60 * 60);
    pub const DEFAULT_MIN_UNKNOWN_KID_REFRESH_INTERVAL: Duration = Duration::from_secs(5 * 60);
    pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_FAILED_FETCH_BACKOFF: Duration = Duration::from_secs(10);

    /// Any OpenID Connect provider: `authority` is also the one accepted issuer (as discovery
    /// requires), with the default timings and role names.
    pub fn new(authority: impl Into<String>, audiences: Vec<String>) -> Self {
        let authority = authority.into();
        Self {
            issuers: vec![authority.clone()],
            authority,
            audiences,
            jwks_url: None,
            leeway: Self::DEFAULT_LEEWAY,
            roles: RoleNames::default(),
            jwks_refresh_interval: Self::DEFAULT_JWKS_REFRESH_INTERVAL,
            min_unknown_kid_refresh_interval: Self::DEFAULT_MIN_UNKNOWN_KID_REFRESH_INTERVAL,
            fetch_timeout: Self::DEFAULT_FETCH_TIMEOUT,
            failed_fetch_backoff: Self::DEFAULT_FAILED_FETCH_BACKOFF,
        }
    }

    /// A Microsoft Entra ID tenant's v2.0 endpoint, accepting v2.0 tokens issued for the API
    /// whose application (client) id is `client_id`, as `<client id>` or `api://<client id>`.
    ///
    /// `tenant_id` must be the directory (tenant) id, a GUID: tokens carry it in `iss`, never
    /// a domain name.
    pub fn entra(tenant_id: &str, client_id: &str) -> Self {
        let authority = Self::entra_v2_issuer(tenant_id);
        Self::new(authority, Vec::new()).with_client_id(client_id)
    }

    /// Also accept tokens for another client id of the API (both audience forms).
    pub fn with_client_id(mut self, client_id: &str) -> Self {
        for audience in [client_id.to_owned(), format!("api://{client_id}")] {
            if !self.audiences.contains(&audience) {
                self.audiences.push(audience);
            }
        }
        self
    }

    /// Also accept Entra v1.0 access tokens (`iss` = `https://sts.windows.net/<tenant>/`), as
    /// issued when the API's app registration has `accessTokenAcceptedVersion` null or 1.
    /// They are signed with the same keys.
    pub fn with_entra_v1_issuer(mut self, tenant_id: &str) -> Self {
        let issuer = Self::entra_v1_issuer(tenant_id);
        if !self.issuers.contains(&issuer) {
            self.issuers.push(issuer);
        }
        self
    }

    /// `https://login.microsoftonline.com/<tenant>/v2.0`: the v2.0 issuer and authority.
    pub fn entra_v2_issuer(tenant_id: &str) -> String {
        format!("{ENTRA_LOGIN_HOST}/{tenant_id}/v2.0")
    }

    /// `https://sts.windows.net/<tenant>/`: the v1.0 issuer (with its trailing slash).
    pub fn entra_v1_issuer(tenant_id: &str) -> String {
        format!("https://sts.windows.net/{tenant_id}/")
    }

    /// `<authority>/.well-known/openid-configuration`.
    pub fn discovery_url(&self) -> String {
        format!(
            "{}/.well-known/openid-configuration",
            self.authority.trim_end_matches('/')
        )
    }

    /// Finds settings that would refuse every token or fail every fetch; call it at start-up.
    /// (The validator works without it, failing closed.)
    pub fn check(&self) -> Result<(), AuthConfigError> {
        if !is_http_url(&self.authority) {
            return Err(AuthConfigError::BadAuthority);
        }
        if self
            .jwks_url
            .as_deref()
            .is_some_and(|url| !is_http_url(url))
        {
            return Err(AuthConfigError::BadJwksUrl);
        }
        if self.issuers.iter().all(|issuer| issuer.trim().is_empty()) {
            return Err(AuthConfigError::NoIssuers);
        }
        if self
            .audiences
            .iter()
            .all(|audience| audience.trim().is_empty())
        {
            return Err(AuthConfigError::NoAudiences);
        }
        if self.fetch_timeout.is_zero() {
            return Err(AuthConfigError::NoFetchTimeout);
        }
        Ok(())
    }
}

fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
}
