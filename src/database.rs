//! Finding the database: the configured server, or a private local cluster.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use crate::localpg::{LocalPgOptions, LocalPostgres};
use crate::store::pool::{self, Pool, PoolSettings};

/// Name of the database daap uses inside its private cluster.
pub const LOCAL_DATABASE: &str = "daap";

/// A connected pool, plus the private cluster behind it when daap runs one.
pub struct Database {
    pub pool: Pool,
    local: Option<LocalPostgres>,
}

impl Database {
    /// Connect to `DATABASE_URL`, or start (and if needed create) the private cluster.
    pub async fn open(args: &DatabaseArgs) -> anyhow::Result<Self> {
        let settings = args.pool_settings();
        match &args.database_url {
            Some(url) => {
                let options: PgConnectOptions = url
                    .parse()
                    .context("DATABASE_URL is not a valid PostgreSQL URL")?;
                let pool = pool::connect(options, &settings).await?;
                Ok(Self { pool, local: None })
            }
            None => {
                let data_dir = std::path::absolute(args.data_dir().join("postgres"))
                    .context("could not resolve DAAP_DATA_DIR")?;
                tracing::warn!(
                    data_dir = %data_dir.display(),
                    "DATABASE_URL is not set: running a private PostgreSQL cluster for this process"
                );
                let local = LocalPostgres::start(LocalPgOptions {
                    data_dir,
                    ephemeral: false,
                })
                .await?;
                let admin = local.connect_options();
                create_database_if_missing(&admin, LOCAL_DATABASE).await?;
                let pool = pool::connect(admin.database(LOCAL_DATABASE), &settings).await?;
                Ok(Self {
                    pool,
                    local: Some(local),
                })
            }
        }
    }

    /// Close the pool and stop the private cluster, if any.
    pub async fn close(self) -> anyhow::Result<()> {
        self.pool.close();
        if let Some(local) = self.local {
            local.stop().await?;
        }
        Ok(())
    }
}

/// Create `name` unless it exists. Used for the private cluster only: on a configured server
/// creating databases is the operator's job.
pub async fn create_database_if_missing(
    admin: &PgConnectOptions,
    name: &str,
) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect_with(admin).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        // `name` is one of our own constants, never client input.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut conn)
            .await?;
    }
    conn.close().await?;
    Ok(())
}

/// Where the database is.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// PostgreSQL URL, e.g. `postgres://user:pass@host:5432/daap`. When unset, daap runs a
    /// private PostgreSQL cluster under `--data-dir` using the server binaries on this machine.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Directory for the private PostgreSQL cluster (used only without DATABASE_URL).
    /// [default: `.daap`, or `/var/lib/daap` when running as root]
    #[arg(long, env = "DAAP_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// Most database connections the service holds open.
    #[arg(long, env = "DAAP_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,

    /// How long a request waits for a free database connection before failing with 503 (ms).
    #[arg(long, env = "DAAP_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 5000)]
    pub db_acquire_timeout_ms: u64,
}

impl DatabaseArgs {
    /// Where the private cluster lives. As root, PostgreSQL runs as an unprivileged user, who
    /// usually cannot enter root's home directory: so root's default is a system directory.
    pub fn data_dir(&self) -> PathBuf {
        match &self.data_dir {
            Some(dir) => dir.clone(),
            None if nix::unistd::geteuid().is_root() => PathBuf::from("/var/lib/daap"),
            None => PathBuf::from(".daap"),
        }
    }

    pub fn pool_settings(&self) -> PoolSettings {
        PoolSettings {
            max_connections: self.db_max_connections.max(1),
            acquire_timeout: Duration::from_millis(self.db_acquire_timeout_ms),
        }
    }
}
