//! Errors of [`super::LocalPostgres`], worded for the person running daap: each says what to do.

use std::path::PathBuf;
use std::time::Duration;

/// Errors starting or stopping a [`super::LocalPostgres`].
#[derive(Debug, thiserror::Error)]
pub enum LocalPgError {
    #[error(
        "PostgreSQL server binaries (`initdb` and `postgres`) were not found (looked in: {searched}). \
         Install them (e.g. `apt-get install postgresql` or `brew install postgresql@15`), \
         or set DAAP_PG_BIN_DIR to the directory that contains `initdb` and `postgres`, \
         or set DATABASE_URL to use an existing PostgreSQL server instead"
    )]
    BinariesNotFound { searched: String },

    #[error(
        "DAAP_PG_BIN_DIR is {}, but that directory does not contain executable `initdb` and \
         `postgres`; point it at the PostgreSQL server bin directory (e.g. /usr/lib/postgresql/15/bin) \
         or unset it",
        dir.display()
    )]
    InvalidBinDir { dir: PathBuf },

    #[error(
        "daap is running as root and PostgreSQL refuses to run as root, but there is neither a \
         `postgres` nor a `nobody` system user to run it as; create one (e.g. `useradd --system postgres`), \
         run daap as a non-root user, or set DATABASE_URL to use an existing PostgreSQL server"
    )]
    NoUnprivilegedUser,

    #[error("could not look up the system user `{user}`: {source}")]
    UserLookup {
        user: &'static str,
        #[source]
        source: nix::Error,
    },

    #[error(
        "daap is running as root, so it runs PostgreSQL as the user `{user}`, but that user cannot \
         enter {} (needed to reach {}); use a data directory that user can reach, run daap as a \
         non-root user, or set DATABASE_URL to use an existing PostgreSQL server",
        blocking.display(),
        data_dir.display()
    )]
    DirectoryNotReachable {
        user: String,
        blocking: PathBuf,
        data_dir: PathBuf,
    },

    #[error("{what} {}: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "{} is not empty but is not a PostgreSQL data directory (it has no PG_VERSION file); \
         move it out of the way or choose another data directory",
        path.display()
    )]
    NotADataDirectory { path: PathBuf },

    #[error(
        "another process (pid {pid}) is already running a PostgreSQL server on {}; stop it (for \
         example another `daap serve` using the same directory) or use a different data directory",
        data_dir.display()
    )]
    AlreadyRunning { pid: i32, data_dir: PathBuf },

    #[error("initdb failed ({status}) for {}:\n{output}", data_dir.display())]
    InitdbFailed {
        status: std::process::ExitStatus,
        data_dir: PathBuf,
        output: String,
    },

    #[error("the PostgreSQL server exited during startup ({status}); last lines of {}:\n{log_tail}", log.display())]
    ServerExited {
        status: String,
        log: PathBuf,
        log_tail: String,
    },

    #[error(
        "the PostgreSQL server did not accept connections within {}s (last error: {last_error}); \
         last lines of {}:\n{log_tail}",
        timeout.as_secs(),
        log.display()
    )]
    StartTimeout {
        timeout: Duration,
        last_error: String,
        log: PathBuf,
        log_tail: String,
    },

    #[error(
        "the PostgreSQL server (pid {pid}) did not shut down within {}s of a fast-shutdown \
         request and had to be killed",
        timeout.as_secs()
    )]
    StopTimeout { pid: u32, timeout: Duration },
}
