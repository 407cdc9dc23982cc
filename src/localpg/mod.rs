//! A private PostgreSQL cluster run from the PostgreSQL server binaries installed on this
//! machine, for when no `DATABASE_URL` is given.
//!
//! Two uses:
//! * `daap serve`: a *persistent* cluster in a directory kept between runs (for example
//!   `.daap/postgres`), started with daap and stopped with it.
//! * the test suite: an *ephemeral* cluster in a fresh temporary directory, tuned for speed
//!   (`fsync`, `synchronous_commit` and `full_page_writes` off) and removed on [`LocalPostgres::stop`].
//!
//! Layout of the directory given as [`LocalPgOptions::data_dir`] (all of it is daap's):
//! * `pgdata/`: the PostgreSQL data directory (`initdb` output);
//! * `run/`: the unix socket directory (unless its path is too long, see below);
//! * `postgres.log`: everything the server prints (rotated to `postgres.log.1` past 10 MiB).
//!
//! The server listens on no TCP address at all (`listen_addresses=''`), only on a unix socket
//! in a private 0700 directory, so it can never clash with another server's port and only the
//! OS user running it (and root) can connect, which is what makes `trust` authentication OK.
//! The server is the `postgres` binary run directly as a child process (not `pg_ctl start`,
//! which daemonises), so its lifetime is tied to daap's; see `ServerProcess::spawn` in
//! `server.rs` for how it is made to die with daap.

mod error;
mod server;
mod setup;

pub use error::LocalPgError;

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgSslMode};

use server::{ServerCommand, ServerProcess};
use setup::{RunAs, io_err};

/// Port number used only to name the socket file (`.s.PGSQL.5432`): TCP is disabled, and the
/// socket directory is private, so it cannot clash with any other server.
const SOCKET_PORT: u16 = 5432;
const READY_TIMEOUT: Duration = Duration::from_secs(30);
const READY_POLL: Duration = Duration::from_millis(50);
const STOP_TIMEOUT: Duration = Duration::from_secs(60);
const DROP_WAIT: Duration = Duration::from_secs(2);
/// Prefix of ephemeral cluster directories under [`std::env::temp_dir`].
const EPHEMERAL_PREFIX: &str = "daap-pg-";

/// Where and how to run a [`LocalPostgres`].
#[derive(Debug, Clone)]
pub struct LocalPgOptions {
    /// Directory owned by daap holding the cluster (`pgdata/`), its socket (`run/`) and its log
    /// (`postgres.log`). Created and initialised when absent or empty.
    pub data_dir: PathBuf,
    /// Throwaway cluster: durability settings off, and the whole `data_dir` is deleted on
    /// stop (or when start fails), so only use it on a directory made for the purpose.
    pub ephemeral: bool,
}

/// A PostgreSQL server running as a child of this process. Stop it with [`Self::stop`];
/// dropping it instead sends an immediate-shutdown signal (SIGQUIT) and waits at most ~2s.
#[derive(Debug)]
pub struct LocalPostgres {
    root: PathBuf,
    socket_dir: PathBuf,
    /// The socket directory is a throwaway under `/tmp` (data dir path too long).
    socket_dir_is_temp: bool,
    log: PathBuf,
    ephemeral: bool,
    cleaned_up: bool,
    server: ServerProcess,
}

impl LocalPostgres {
    /// Initialise the cluster if the directory is empty/absent, then start the server as a
    /// child process and wait until it accepts connections.
    pub async fn start(opts: LocalPgOptions) -> Result<LocalPostgres, LocalPgError> {
        let result = Self::start_inner(&opts).await;
        if result.is_err() && opts.ephemeral {
            let _ = std::fs::remove_dir_all(&opts.data_dir);
        }
        result
    }

    /// Convenience for tests: ephemeral cluster in a new temp dir under [`std::env::temp_dir`].
    /// Also removes directories left there by earlier ephemeral clusters whose process died.
    pub async fn start_ephemeral() -> Result<LocalPostgres, LocalPgError> {
        let tmp = std::env::temp_dir();
        setup::sweep_stale(&tmp, EPHEMERAL_PREFIX);
        let data_dir = setup::create_unique_dir(&tmp, EPHEMERAL_PREFIX)?;
        Self::start(LocalPgOptions {
            data_dir,
            ephemeral: true,
        })
        .await
    }

    async fn start_inner(opts: &LocalPgOptions) -> Result<LocalPostgres, LocalPgError> {
        let root = std::path::absolute(&opts.data_dir)
            .map_err(io_err("could not resolve", &opts.data_dir))?;
        let bin_dir = setup::find_bin_dir()?;
        let pgdata = root.join("pgdata");
        let initialised = pgdata.join("PG_VERSION").is_file();
        let run_as = setup::run_as(initialised.then_some(pgdata.as_path()))?;

        if let Some(user) = &run_as {
            setup::check_reachable(&root, user)?;
        }
        if !root.exists() {
            std::fs::create_dir_all(&root).map_err(io_err("could not create", &root))?;
            std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o700))
                .map_err(io_err("could not set permissions on", &root))?;
        }
        setup::chown(&root, run_as.as_ref())?;

        if initialised {
            setup::check_not_running(&pgdata)?;
        } else if setup::is_empty_or_absent(&pgdata) {
            initdb(&bin_dir, &pgdata, opts.ephemeral, run_as.as_ref()).await?;
        } else {
            return Err(LocalPgError::NotADataDirectory { path: pgdata });
        }

        let (socket_dir, socket_dir_is_temp) = setup::socket_dir(&root, run_as.as_ref())?;
        let (log_file, log, log_offset) = setup::open_log(&root)?;

        let mut args: Vec<OsString> = vec![
            "-D".into(),
            pgdata.into(),
            "-p".into(),
            SOCKET_PORT.to_string().into(),
            "-k".into(),
            setup::quote_dir(&socket_dir).into(),
        ];
        let mut settings = vec!["listen_addresses="];
        if opts.ephemeral {
            settings.extend([
                "fsync=off",
                "synchronous_commit=off",
                "full_page_writes=off",
            ]);
        }
        for setting in settings {
            args.extend(["-c".into(), setting.into()]);
        }

        tracing::info!(
            data_dir = %root.display(),
            ephemeral = opts.ephemeral,
            bin_dir = %bin_dir.display(),
            user = run_as.as_ref().map(|u| u.name.as_str()),
            "starting local PostgreSQL"
        );
        let postgres = bin_dir.join("postgres");
        let server = ServerProcess::spawn(ServerCommand {
            program: postgres.clone(),
            args,
            run_as,
            log: log_file,
        })
        .await
        .map_err(io_err("could not start", &postgres))?;

        // From here on, dropping `pg` (on error) shuts the server down and cleans up.
        let pg = LocalPostgres {
            root,
            socket_dir,
            socket_dir_is_temp,
            log,
            ephemeral: opts.ephemeral,
            cleaned_up: false,
            server,
        };
        pg.wait_ready(log_offset).await?;
        tracing::info!(
            pid = pg.server.pid(),
            socket_dir = %pg.socket_dir.display(),
            log = %pg.log.display(),
            "local PostgreSQL is ready"
        );
        Ok(pg)
    }

    /// Poll until a connection succeeds; fail fast, quoting the log, if the server exits.
    async fn wait_ready(&self, log_offset: u64) -> Result<(), LocalPgError> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let options = self.connect_options();
        let socket = self.socket_dir.join(format!(".s.PGSQL.{SOCKET_PORT}"));
        let mut last_error = "the server socket was never created".to_owned();
        loop {
            if let Some(status) = self.server.exit_status() {
                return Err(LocalPgError::ServerExited {
                    status,
                    log: self.log.clone(),
                    log_tail: setup::log_tail(&self.log, log_offset),
                });
            }
            if socket.exists() {
                let attempt = tokio::time::timeout(
                    Duration::from_secs(5),
                    sqlx::PgConnection::connect_with(&options),
                );
                match attempt.await {
                    Ok(Ok(conn)) => {
                        let _ = conn.close().await;
                        return Ok(());
                    }
                    Ok(Err(e)) => last_error = e.to_string(),
                    Err(_) => last_error = "connection attempt timed out".to_owned(),
                }
            }
            if Instant::now() >= deadline {
                return Err(LocalPgError::StartTimeout {
                    timeout: READY_TIMEOUT,
                    last_error,
                    log: self.log.clone(),
                    log_tail: setup::log_tail(&self.log, log_offset),
                });
            }
            tokio::time::sleep(READY_POLL).await;
        }
    }

    /// Options to connect as superuser `postgres` to database `postgres` over the cluster's
    /// unix socket (`trust` authentication: no password).
    pub fn connect_options(&self) -> sqlx::postgres::PgConnectOptions {
        PgConnectOptions::new_without_pgpass()
            .socket(&self.socket_dir)
            .port(SOCKET_PORT)
            .username("postgres")
            .database("postgres")
            .ssl_mode(PgSslMode::Disable)
    }

    /// Fast shutdown (SIGINT to the postmaster: active sessions are rolled back, then a
    /// checkpoint is written), wait for it to exit, and remove an ephemeral cluster's
    /// directory. A server that ignores the request for 60s is killed (`StopTimeout`).
    pub async fn stop(mut self) -> Result<(), LocalPgError> {
        let pid = self.server.pid();
        tracing::info!(pid, data_dir = %self.root.display(), "stopping local PostgreSQL");
        self.server.signal(Signal::SIGINT);
        let mut result = Ok(());
        if !self.server.wait_exit(STOP_TIMEOUT).await {
            tracing::warn!(
                pid,
                "local PostgreSQL ignored fast shutdown; sending SIGQUIT"
            );
            self.server.signal(Signal::SIGQUIT);
            if !self.server.wait_exit(Duration::from_secs(10)).await {
                self.server.signal(Signal::SIGKILL);
                self.server.wait_exit(Duration::from_secs(5)).await;
            }
            result = Err(LocalPgError::StopTimeout {
                pid,
                timeout: STOP_TIMEOUT,
            });
        }
        self.clean_up();
        tracing::info!(pid, "local PostgreSQL stopped");
        result
    }

    /// Remove what must not outlive the server: the temporary socket directory and, for an
    /// ephemeral cluster, everything. Only call once the server has exited.
    fn clean_up(&mut self) {
        if self.cleaned_up || self.server.exit_status().is_none() {
            return;
        }
        self.cleaned_up = true;
        if self.socket_dir_is_temp {
            let _ = std::fs::remove_dir_all(&self.socket_dir);
        }
        if self.ephemeral
            && let Err(e) = std::fs::remove_dir_all(&self.root)
        {
            tracing::warn!(dir = %self.root.display(), error = %e, "could not remove ephemeral PostgreSQL directory");
        }
    }
}

impl Drop for LocalPostgres {
    /// Best effort without `stop`: immediate shutdown (SIGQUIT: no checkpoint, crash recovery
    /// on next start, which is harmless), waiting at most 2s before cleaning up.
    fn drop(&mut self) {
        if self.server.exit_status().is_none() {
            tracing::info!(pid = self.server.pid(), data_dir = %self.root.display(), "local PostgreSQL dropped without stop; sending SIGQUIT");
            self.server.signal(Signal::SIGQUIT);
            self.server.wait_exit_blocking(DROP_WAIT);
        }
        self.clean_up();
    }
}

/// Create the cluster. `-A trust` is safe because the server has no TCP listener and its socket
/// directory is private (see the module docs); `--no-locale` gives a C-locale cluster that
/// behaves the same on every machine; `--no-sync` skips fsync for throwaway clusters.
async fn initdb(
    bin_dir: &Path,
    pgdata: &Path,
    ephemeral: bool,
    run_as: Option<&RunAs>,
) -> Result<(), LocalPgError> {
    tracing::info!(data_dir = %pgdata.display(), "initialising local PostgreSQL cluster");
    let program = bin_dir.join("initdb");
    let mut cmd = tokio::process::Command::new(&program);
    cmd.arg("-D")
        .arg(pgdata)
        .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"])
        .current_dir("/")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    if ephemeral {
        cmd.arg("--no-sync");
    }
    if let Some(user) = run_as {
        cmd.uid(user.uid.as_raw()).gid(user.gid.as_raw());
    }
    let out = cmd
        .output()
        .await
        .map_err(io_err("could not run", &program))?;
    if out.status.success() {
        return Ok(());
    }
    Err(LocalPgError::InitdbFailed {
        status: out.status,
        data_dir: pgdata.to_path_buf(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    })
}
