//! Command-line and environment configuration. Every option can be set either way; the
//! environment variable names are listed by `daap serve --help` and in docs/configuration.md.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::domain::product::MetadataPolicy;
use crate::http::WriteSettings;
use crate::http::idempotency::IdempotencySettings;
use crate::store::pool::PoolSettings;

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
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(MigrateArgs),
    /// Print the OpenAPI document (JSON) and exit.
    Openapi,
}

/// Where the database is.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// PostgreSQL URL, e.g. `postgres://user:pass@host:5432/daap`. When unset, daap runs a
    /// private PostgreSQL cluster under `--data-dir` using the server binaries on this machine.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Directory for the private PostgreSQL cluster (used only without DATABASE_URL).
    #[arg(long, env = "DAAP_DATA_DIR", default_value = ".daap")]
    pub data_dir: PathBuf,

    /// Most database connections the service holds open.
    #[arg(long, env = "DAAP_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,

    /// How long a request waits for a free database connection before failing with 503 (ms).
    #[arg(long, env = "DAAP_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 5000)]
    pub db_acquire_timeout_ms: u64,
}

impl DatabaseArgs {
    pub fn pool_settings(&self) -> PoolSettings {
        PoolSettings {
            max_connections: self.db_max_connections.max(1),
            acquire_timeout: Duration::from_millis(self.db_acquire_timeout_ms),
        }
    }
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
}

impl ServeArgs {
    pub fn write_settings(&self) -> WriteSettings {
        WriteSettings {
            idempotency: IdempotencySettings {
                retention: Duration::from_secs(self.idempotency_retention_secs),
                wait: Duration::from_millis(self.idempotency_wait_ms),
            },
            require_if_match: self.require_if_match,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}
