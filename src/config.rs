//! Command-line and environment configuration. Every option can be set either way; the
//! environment variable names are listed by `daap serve --help` and in docs/configuration.md.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand};

use crate::auth::{AuthConfig, RoleNames};
pub use crate::database::DatabaseArgs;
use crate::domain::product::MetadataPolicy;
use crate::http::WriteSettings;
use crate::http::idempotency::IdempotencySettings;
use crate::logging::LogFormat;
use crate::openapi::{DocsSettings, DocsSignIn};

#[derive(Debug, Parser)]
#[command(
    name = "daap",
    version,
    about = "Data-as-a-Product API: a versioned registry of data products"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (applies pending migrations first unless disabled).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate(MigrateArgs),
    /// Print the OpenAPI document (JSON) and exit.
    Openapi,
    /// Deliver queued changes to the configured catalogues (Glue, DataHub) without serving
    /// HTTP: for a separate worker deployment.
    Worker(Box<crate::sync::commands::WorkerArgs>),
    /// Inspect and repair catalogue sync: `status`, `retry`, `reconcile`.
    Sync(crate::sync::commands::SyncCommandArgs),
    /// Upload a CSV file into a table: `daap upload dp:<name>:<table> FILE.csv`.
    Upload(crate::cli::upload::UploadCommand),
    /// Export a product as a Bitol ODCS contract or ODPS document:
    /// `daap export dp:<name> --format odcs|odps [--output FILE]`.
    Export(crate::cli::export::ExportCommand),
    /// Show what `apply` would change for a product file (exit 0: nothing, 2: changes,
    /// 3: a breaking change without --allow-major).
    Plan(crate::cli::plan::PlanArgs),
    /// Make the changes of a product file, one version each (exit 3: a breaking change
    /// without --allow-major, nothing changed).
    Apply(crate::cli::apply::ApplyArgs),
    /// Read products: `get`, `list`, `versions`, `changes`; `delete` one.
    Product(crate::cli::products::ProductArgs),
    /// Read tables: `get`, `diff`.
    Schema(crate::cli::schemas::SchemaArgs),
    /// Sign in to Entra ID (device code, or client credentials with a client secret) and
    /// keep the token for later commands.
    Login(crate::cli::login::LoginArgs),
    /// Forget the kept token.
    Logout(crate::cli::login::LogoutArgs),
    /// Print shell completions: `daap completions bash > /etc/bash_completion.d/daap`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Clone, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Address and port to listen on.
    #[arg(long, env = "DAAP_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Largest accepted request body in bytes; larger bodies get 413.
    #[arg(long, env = "DAAP_BODY_LIMIT_BYTES", default_value_t = 1024 * 1024)]
    pub body_limit_bytes: usize,

    /// Comma-separated list of allowed `domain` values; empty allows any domain.
    #[arg(long, env = "DAAP_ALLOWED_DOMAINS", value_delimiter = ',')]
    pub allowed_domains: Vec<String>,

    /// Apply pending migrations at start (`false` when a separate `daap migrate` job does it).
    #[arg(long, env = "DAAP_MIGRATE_ON_START", default_value_t = true, action = ArgAction::Set)]
    pub migrate_on_start: bool,

    /// How long a POST's response is replayed to a retry with the same idempotency key (s).
    #[arg(
        long,
        env = "DAAP_IDEMPOTENCY_RETENTION_SECS",
        default_value_t = 86_400
    )]
    pub idempotency_retention_secs: u64,

    /// How long a retry waits for the same request, still running, before getting 409 (ms).
    #[arg(long, env = "DAAP_IDEMPOTENCY_WAIT_MS", default_value_t = 5000)]
    pub idempotency_wait_ms: u64,

    /// Refuse PUT and DELETE without `If-Match` (428 Precondition Required).
    #[arg(long, env = "DAAP_REQUIRE_IF_MATCH", default_value_t = false, action = ArgAction::Set)]
    pub require_if_match: bool,

    /// Log format: human-readable `text` or one JSON object per line.
    #[arg(long, env = "DAAP_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    #[command(flatten)]
    pub serving: crate::serving::ServingArgs,

    #[command(flatten)]
    pub auth: AuthArgs,

    #[command(flatten)]
    pub sync: crate::sync::config::SyncArgs,

    #[command(flatten)]
    pub uploads: crate::uploads::config::UploadArgs,

    #[command(flatten)]
    pub gateway: crate::http::gateway::args::GatewayArgs,

    #[command(flatten)]
    pub metrics: crate::metrics::MetricsArgs,
}

/// The identity provider (Microsoft Entra ID, or any OpenID Connect provider) and the roles.
/// With none configured, daap runs without authentication only on a loopback address.
#[derive(Debug, Clone, Args)]
pub struct AuthArgs {
    /// Entra ID tenant (directory) id.
    #[arg(long, env = "DAAP_AUTH_TENANT_ID")]
    pub auth_tenant_id: Option<String>,

    /// Client (application) id of the API's app registration; tokens must be issued for it.
    #[arg(long, env = "DAAP_AUTH_CLIENT_ID")]
    pub auth_client_id: Option<String>,

    /// OpenID Connect authority, when not Entra's public cloud for the tenant (e.g. a
    /// sovereign cloud or another provider): discovery is `<authority>/.well-known/openid-configuration`.
    #[arg(long, env = "DAAP_AUTH_AUTHORITY")]
    pub auth_authority: Option<String>,

    /// Comma-separated accepted token issuers (default: the tenant's v2.0 issuer, or the authority).
    #[arg(long, env = "DAAP_AUTH_ISSUERS", value_delimiter = ',')]
    pub auth_issuers: Vec<String>,

    /// Also accept v1.0 tokens (issuer `https://sts.windows.net/<tenant>/`).
    #[arg(long, env = "DAAP_AUTH_ACCEPT_V1_TOKENS", default_value_t = false, action = ArgAction::Set)]
    pub auth_accept_v1_tokens: bool,

    /// Comma-separated accepted audiences (default: the client id and `api://<client id>`).
    #[arg(long, env = "DAAP_AUTH_AUDIENCES", value_delimiter = ',')]
    pub auth_audiences: Vec<String>,

    /// JWKS URL, skipping discovery.
    #[arg(long, env = "DAAP_AUTH_JWKS_URL")]
    pub auth_jwks_url: Option<String>,

    /// Clock skew allowed when checking `exp` and `nbf` (seconds).
    #[arg(long, env = "DAAP_AUTH_LEEWAY_SECS", default_value_t = 60)]
    pub auth_leeway_secs: u64,

    /// App role that may register products and change the products it owns or maintains.
    #[arg(long, env = "DAAP_ROLE_PRODUCER", default_value = "DataProducer")]
    pub role_producer: String,

    /// App role that may change and delete any product.
    #[arg(long, env = "DAAP_ROLE_STEWARD", default_value = "DataSteward")]
    pub role_steward: String,

    /// App role that may read (only checked with DAAP_REQUIRE_READER_ROLE).
    #[arg(long, env = "DAAP_ROLE_READER", default_value = "DataReader")]
    pub role_reader: String,

    /// Reading needs the reader (or producer or steward) role, not just a valid token.
    #[arg(long, env = "DAAP_REQUIRE_READER_ROLE", default_value_t = false, action = ArgAction::Set)]
    pub require_reader_role: bool,

    /// Run without authentication even on a non-loopback address. Anyone who can reach daap
    /// can then change anything: only for networks where that is true of every client anyway.
    #[arg(long, env = "DAAP_INSECURE_DISABLE_AUTH", default_value_t = false, action = ArgAction::Set)]
    pub insecure_disable_auth: bool,

    /// Client id of the Swagger UI's app registration (a single-page application), enabling
    /// "Authorize" at /docs with the authorization-code flow and PKCE.
    #[arg(long, env = "DAAP_DOCS_CLIENT_ID")]
    pub docs_client_id: Option<String>,

    /// Comma-separated scopes Swagger UI asks for (default `api://<client id>/user_impersonation`).
    #[arg(long, env = "DAAP_DOCS_SCOPES", value_delimiter = ',')]
    pub docs_scopes: Vec<String>,
}

impl AuthArgs {
    pub fn role_names(&self) -> RoleNames {
        RoleNames {
            producer: self.role_producer.clone(),
            steward: self.role_steward.clone(),
            reader: self.role_reader.clone(),
        }
    }

    /// The token validation settings, or `None` when no identity provider is configured.
    pub fn auth_config(&self) -> Option<AuthConfig> {
        let client_id = self.auth_client_id.as_deref().filter(|c| !c.is_empty());
        let tenant = self.auth_tenant_id.as_deref().filter(|t| !t.is_empty());
        let mut config = match (tenant, client_id, self.auth_authority.as_deref()) {
            (Some(tenant), Some(client_id), _) => AuthConfig::entra(tenant, client_id),
            (None, Some(client_id), Some(authority)) => {
                AuthConfig::new(authority, Vec::new()).with_client_id(client_id)
            }
            (None, None, Some(authority)) => AuthConfig::new(authority, Vec::new()),
            _ => return None,
        };
        if let Some(authority) = &self.auth_authority {
            config.authority = authority.clone();
        }
        if let (true, Some(tenant)) = (self.auth_accept_v1_tokens, tenant) {
            config = config.with_entra_v1_issuer(tenant);
        }
        if !self.auth_issuers.is_empty() {
            config.issuers = self.auth_issuers.clone();
        }
        if !self.auth_audiences.is_empty() {
            config.audiences = self.auth_audiences.clone();
        }
        config.jwks_url = self.auth_jwks_url.clone();
        config.leeway = Duration::from_secs(self.auth_leeway_secs);
        config.roles = self.role_names();
        Some(config)
    }

    /// The scopes Swagger UI asks for.
    pub fn docs_scopes(&self) -> Vec<String> {
        if !self.docs_scopes.is_empty() {
            return self.docs_scopes.clone();
        }
        self.auth_client_id
            .iter()
            .map(|client| format!("api://{client}/user_impersonation"))
            .collect()
    }
}

impl ServeArgs {
    /// Swagger UI sign-in, when a UI client id is configured.
    pub fn docs_settings(&self) -> DocsSettings {
        let auth = &self.auth;
        let sign_in = auth.docs_client_id.clone().map(|client_id| DocsSignIn {
            client_id,
            scopes: auth.docs_scopes(),
            authority: auth.auth_authority.clone().or_else(|| {
                auth.auth_tenant_id
                    .as_ref()
                    .map(|tenant| format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0"))
            }),
        });
        DocsSettings { sign_in }
    }

    /// The gateway duties for this listener; the docs UI may also talk to the identity
    /// provider that signs its users in.
    pub fn gateway(&self) -> crate::http::gateway::Gateway {
        let mut gateway = self.gateway.gateway(self.bind.ip());
        if let Some(authority) = self.docs_settings().sign_in.and_then(|s| s.authority) {
            gateway.browser.connect_sources.push(origin_of(&authority));
        }
        gateway
    }

    pub fn write_settings(&self) -> WriteSettings {
        WriteSettings {
            idempotency: IdempotencySettings {
                retention: Duration::from_secs(self.idempotency_retention_secs),
                wait: Duration::from_millis(self.idempotency_wait_ms),
            },
            require_if_match: self.require_if_match,
            sync_targets: self.sync.targets(),
        }
    }

    pub fn metadata_policy(&self) -> MetadataPolicy {
        let allowed: Vec<String> = self
            .allowed_domains
            .iter()
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty())
            .collect();
        MetadataPolicy {
            allowed_domains: (!allowed.is_empty()).then_some(allowed),
        }
    }
}

/// `https://host[:port]` of a URL (the part a content security policy names).
fn origin_of(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    url[..end].to_owned()
}
