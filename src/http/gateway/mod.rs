//! What AWS API Gateway did in front of the old API, done by daap itself: rate limits per
//! caller, request limits (the web application firewall's basics), API lifecycle headers and
//! browser safety (CORS, security headers). Each is a middleware in `crate::http::app`.

pub mod args;
pub mod browser;
pub mod client_address;
pub mod lifecycle;
pub mod limits;
pub mod rate_limit;

use client_address::TrustedProxies;
use lifecycle::Lifecycle;
use limits::RequestLimits;
use rate_limit::RateLimits;

/// The gateway's settings and state for one replica.
#[derive(Debug)]
pub struct Gateway {
    pub limits: RequestLimits,
    /// `None`: no rate limiting.
    pub rate_limits: Option<RateLimits>,
    pub trusted_proxies: TrustedProxies,
    pub lifecycle: Lifecycle,
    pub browser: BrowserPolicy,
}

impl Default for Gateway {
    /// Generous limits, no rate limiting, no deprecations, no cross-origin access.
    fn default() -> Self {
        Self {
            limits: RequestLimits::default(),
            rate_limits: None,
            trusted_proxies: TrustedProxies::default(),
            lifecycle: Lifecycle::default(),
            browser: BrowserPolicy::default(),
        }
    }
}

/// What browsers may do with daap's responses.
#[derive(Debug, Clone, Default)]
pub struct BrowserPolicy {
    /// Origins allowed to call the API from another site (CORS); empty: none.
    pub cors_allowed_origins: Vec<String>,
    /// Origins the docs UI may send requests to besides daap itself (the identity provider's
    /// token endpoint, for sign-in).
    pub connect_sources: Vec<String>,
}
