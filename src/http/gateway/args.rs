//! The settings of the gateway duties (`daap serve --help` lists them; docs/configuration.md
//! explains them).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use clap::{Args, ValueEnum};
use ipnet::IpNet;

use super::client_address::TrustedProxies;
use super::lifecycle::{Deprecation, Lifecycle};
use super::limits::RequestLimits;
use super::rate_limit::{BudgetKind, RateLimits};
use super::{BrowserPolicy, Gateway};

/// On, off, or decided by the listen address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    /// On unless daap listens on a loopback address (a laptop).
    Auto,
    On,
    Off,
}

#[derive(Debug, Clone, Args)]
pub struct GatewayArgs {
    /// Rate limiting per caller: `auto` (on unless bound to a loopback address), `on`, `off`.
    #[arg(long, env = "DAAP_RATE_LIMIT", value_enum, default_value_t = Switch::Auto)]
    pub rate_limit: Switch,

    /// Reads (GET, HEAD) one caller may make per minute, per replica.
    #[arg(long, env = "DAAP_RATE_LIMIT_READS_PER_MINUTE", default_value = "1200")]
    pub rate_limit_reads_per_minute: NonZeroU32,

    /// Writes (POST, PUT, DELETE other than upload issuance) one caller may make per minute,
    /// per replica.
    #[arg(long, env = "DAAP_RATE_LIMIT_WRITES_PER_MINUTE", default_value = "120")]
    pub rate_limit_writes_per_minute: NonZeroU32,

    /// Uploads started and part URLs issued per caller per minute, per replica.
    #[arg(long, env = "DAAP_RATE_LIMIT_UPLOADS_PER_MINUTE", default_value = "30")]
    pub rate_limit_uploads_per_minute: NonZeroU32,

    /// Comma-separated addresses or CIDR ranges of proxies (the ingress controller) whose
    /// `X-Forwarded-For` is believed when telling callers without a token apart.
    #[arg(long, env = "DAAP_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_network)]
    pub trusted_proxies: Vec<IpNet>,

    /// Largest total size of the request headers in bytes; larger gets 431.
    #[arg(long, env = "DAAP_MAX_HEADER_BYTES", default_value_t = 16 * 1024)]
    pub max_header_bytes: usize,

    /// Longest request target (path and query) in bytes; longer gets 414.
    #[arg(long, env = "DAAP_MAX_URL_BYTES", default_value_t = 4096)]
    pub max_url_bytes: usize,

    /// Deepest nesting of arrays and objects in a JSON body; deeper gets 400.
    #[arg(long, env = "DAAP_MAX_JSON_DEPTH", default_value_t = 32)]
    pub max_json_depth: usize,

    /// Longest a request may take, reading its body included, before it gets 408 (s). A
    /// write that has started still finishes or rolls back; retry it with its idempotency key.
    #[arg(long, env = "DAAP_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Comma-separated origins allowed to call the API from a browser (CORS), e.g. the docs
    /// UI's `https://docs.example.org`. Empty: no cross-origin access.
    #[arg(long, env = "DAAP_CORS_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub cors_allowed_origins: Vec<String>,

    /// Semicolon-separated deprecated routes, each `METHOD /route/{template} since=DATE
    /// [sunset=DATE] [link=URL]`; answered with `Deprecation`, `Sunset` and `Link` headers.
    #[arg(long, env = "DAAP_DEPRECATED_ROUTES", value_delimiter = ';', value_parser = Deprecation::parse)]
    pub deprecated_routes: Vec<Deprecation>,
}

impl GatewayArgs {
    /// The gateway for a service listening on `bind`.
    pub fn gateway(&self, bind_ip: IpAddr) -> Gateway {
        let rate_limited = match self.rate_limit {
            Switch::On => true,
            Switch::Off => false,
            Switch::Auto => !bind_ip.is_loopback(),
        };
        let minute = Duration::from_secs(60);
        Gateway {
            limits: RequestLimits {
                header_bytes: self.max_header_bytes,
                url_bytes: self.max_url_bytes,
                json_depth: self.max_json_depth,
                timeout: Duration::from_secs(self.request_timeout_secs),
            },
            rate_limits: rate_limited.then(|| {
                RateLimits::new([
                    (BudgetKind::Reads, self.rate_limit_reads_per_minute, minute),
                    (
                        BudgetKind::Writes,
                        self.rate_limit_writes_per_minute,
                        minute,
                    ),
                    (
                        BudgetKind::Uploads,
                        self.rate_limit_uploads_per_minute,
                        minute,
                    ),
                ])
            }),
            trusted_proxies: TrustedProxies::new(self.trusted_proxies.clone()),
            lifecycle: Lifecycle::new(self.deprecated_routes.clone()),
            browser: BrowserPolicy {
                cors_allowed_origins: self
                    .cors_allowed_origins
                    .iter()
                    .map(|origin| origin.trim().trim_end_matches('/').to_owned())
                    .filter(|origin| !origin.is_empty())
                    .collect(),
                connect_sources: Vec::new(),
            },
        }
    }
}

/// An address (`10.0.0.7`) or a range (`10.0.0.0/8`).
fn parse_network(value: &str) -> Result<IpNet, String> {
    let value = value.trim();
    if let Ok(network) = value.parse::<IpNet>() {
        return Ok(network);
    }
    value
        .parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| format!("`{value}` is neither an IP address nor a CIDR range"))
}
