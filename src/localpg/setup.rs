//! Filesystem and environment preparation for [`super::LocalPostgres`]: finding the server
//! binaries, choosing the OS user that runs them, preparing directories, and reading the log.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use nix::errno::Errno;
use nix::sys::signal::kill;
use nix::unistd::{Gid, Pid, Uid, User, geteuid};

use super::{LocalPgError, SOCKET_PORT};

/// Longest socket *file* path we accept inside the data directory. The kernel limit for
/// `sun_path` is 108 bytes including the NUL (104 on macOS); PostgreSQL refuses longer paths,
/// so stay comfortably below that.
const MAX_SOCKET_PATH: usize = 100;
/// The server log is moved aside to `postgres.log.1` when it grows past this at startup.
const MAX_LOG_BYTES: u64 = 10 * 1024 * 1024;
/// Prefix of the short socket directories created under `/tmp` when the data directory path
/// is too long for a unix socket.
pub(super) const SOCKET_DIR_PREFIX: &str = "daap-pgsock-";

pub(super) fn io_err(
    what: &'static str,
    path: &Path,
) -> impl FnOnce(std::io::Error) -> LocalPgError {
    let path = path.to_path_buf();
    move |source| LocalPgError::Io { what, path, source }
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn has_server_binaries(dir: &Path) -> bool {
    is_executable(&dir.join("initdb")) && is_executable(&dir.join("postgres"))
}

/// Locate the directory holding `initdb` and `postgres`, in this order: `$DAAP_PG_BIN_DIR`,
/// `pg_config --bindir`, the newest `/usr/lib/postgresql/<major>/bin` (Debian/Ubuntu keep the
/// server binaries there, off `PATH`), then `initdb`/`postgres` on `PATH` (following symlinks,
/// since e.g. `/usr/local/bin/initdb` may point into the real bin directory).
pub(super) fn find_bin_dir() -> Result<PathBuf, LocalPgError> {
    if let Some(dir) = std::env::var_os("DAAP_PG_BIN_DIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return if has_server_binaries(&dir) {
            Ok(dir)
        } else {
            Err(LocalPgError::InvalidBinDir { dir })
        };
    }
    let mut searched = Vec::new();

    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_server_binaries(&dir) {
            return Ok(dir);
        }
        searched.push(format!("{} (from pg_config --bindir)", dir.display()));
    }

    let mut versioned: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let major = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((major, entry.path().join("bin")))
        })
        .filter(|(_, bin)| has_server_binaries(bin))
        .collect();
    versioned.sort();
    if let Some((_, dir)) = versioned.pop() {
        return Ok(dir);
    }
    searched.push("/usr/lib/postgresql/*/bin".to_owned());

    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        for name in ["initdb", "postgres"] {
            let Ok(real) = fs::canonicalize(dir.join(name)) else {
                continue;
            };
            for candidate in [real.parent(), Some(dir.as_path())].into_iter().flatten() {
                if has_server_binaries(candidate) {
                    return Ok(candidate.to_path_buf());
                }
            }
        }
    }
    searched.push("PATH".to_owned());

    Err(LocalPgError::BinariesNotFound {
        searched: searched.join(", "),
    })
}

/// The unprivileged account that runs `initdb` and `postgres` when daap itself runs as root.
#[derive(Debug, Clone)]
pub(super) struct RunAs {
    pub name: String,
    pub uid: Uid,
    pub gid: Gid,
}

/// PostgreSQL refuses to run as root (a superuser-owned server could be used to take over the
/// machine through SQL functions). When daap runs as root we therefore run the server as the
/// existing owner of the data directory, else as the `postgres` system user, else `nobody`.
/// Returns `None` when not root: the server then runs as the current user.
pub(super) fn run_as(existing_pgdata: Option<&Path>) -> Result<Option<RunAs>, LocalPgError> {
    if !geteuid().is_root() {
        return Ok(None);
    }
    if let Some(meta) = existing_pgdata.and_then(|p| fs::metadata(p).ok())
        && meta.uid() != 0
    {
        let uid = Uid::from_raw(meta.uid());
        let name = User::from_uid(uid)
            .ok()
            .flatten()
            .map_or_else(|| format!("uid {uid}"), |u| u.name);
        return Ok(Some(RunAs {
            name,
            uid,
            gid: Gid::from_raw(meta.gid()),
        }));
    }
    for name in ["postgres", "nobody"] {
        let user = User::from_name(name)
            .map_err(|source| LocalPgError::UserLookup { user: name, source })?;
        if let Some(user) = user {
            return Ok(Some(RunAs {
                name: user.name,
                uid: user.uid,
                gid: user.gid,
            }));
        }
    }
    Err(LocalPgError::NoUnprivilegedUser)
}

pub(super) fn chown(path: &Path, run_as: Option<&RunAs>) -> Result<(), LocalPgError> {
    if let Some(user) = run_as {
        std::os::unix::fs::chown(path, Some(user.uid.as_raw()), Some(user.gid.as_raw()))
            .map_err(io_err("could not change the owner of", path))?;
    }
    Ok(())
}

/// Fail early, with a clear message, when the user that will run PostgreSQL cannot even reach
/// the data directory (typical case: root runs daap from a project under `/root`, mode 0700).
/// Only owner/group/other bits are checked: the spawned process has no supplementary groups.
pub(super) fn check_reachable(dir: &Path, user: &RunAs) -> Result<(), LocalPgError> {
    for ancestor in dir.ancestors().skip(1) {
        let Ok(meta) = fs::metadata(ancestor) else {
            continue;
        };
        let mode = meta.mode();
        let ok = if meta.uid() == user.uid.as_raw() {
            mode & 0o100 != 0
        } else if meta.gid() == user.gid.as_raw() {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        };
        if !ok {
            return Err(LocalPgError::DirectoryNotReachable {
                user: user.name.clone(),
                blocking: ancestor.to_path_buf(),
                data_dir: dir.to_path_buf(),
            });
        }
    }
    Ok(())
}

fn pid_alive(pid: i32) -> bool {
    pid > 0 && !matches!(kill(Pid::from_raw(pid), None), Err(Errno::ESRCH))
}

/// Refuse to start when a live postmaster already owns `pgdata`. A `postmaster.pid` whose
/// process is gone, or whose pid now belongs to an unrelated program (pid reuse after a
/// container restart), is stale: remove it so PostgreSQL does not refuse to start.
pub(super) fn check_not_running(pgdata: &Path) -> Result<(), LocalPgError> {
    let pid_file = pgdata.join("postmaster.pid");
    let Ok(contents) = fs::read_to_string(&pid_file) else {
        return Ok(());
    };
    let pid = contents
        .lines()
        .next()
        .and_then(|l| l.trim().parse::<i32>().ok());
    if let Some(pid) = pid
        && pid != std::process::id() as i32
        && pid_alive(pid)
    {
        // Postmasters keep the binary's name as their `comm`; anything else is pid reuse.
        let comm = fs::read_to_string(format!("/proc/{pid}/comm"));
        if comm.as_deref().map_or(true, |c| c.trim() == "postgres") {
            return Err(LocalPgError::AlreadyRunning {
                pid,
                data_dir: pgdata.to_path_buf(),
            });
        }
    }
    tracing::info!(pid_file = %pid_file.display(), "removing stale postmaster.pid");
    fs::remove_file(&pid_file).map_err(io_err("could not remove stale", &pid_file))
}

/// A name that is unique on this machine: `<prefix><pid>-<nanos>-<counter>`. The leading pid
/// lets [`sweep_stale`] recognise directories left behind by dead processes.
pub(super) fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}{}-{nanos}-{n}", std::process::id())
}

/// Create a fresh directory `<parent>/<prefix>...` with mode 0700.
pub(super) fn create_unique_dir(parent: &Path, prefix: &str) -> Result<PathBuf, LocalPgError> {
    loop {
        let dir = parent.join(unique_name(prefix));
        match fs::create_dir(&dir) {
            Ok(()) => {
                fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
                    .map_err(io_err("could not set permissions on", &dir))?;
                return Ok(dir);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_err("could not create", &dir)(e)),
        }
    }
}

/// Remove `<dir>/<prefix><pid>-...` directories whose creating process is dead and that no
/// live postmaster uses. Ephemeral clusters of a test run that was SIGKILLed can't clean up
/// after themselves (the server itself does die, through its parent-death signal).
pub(super) fn sweep_stale(dir: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<i32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() as i32 || pid_alive(pid) {
            continue;
        }
        let postmaster = fs::read_to_string(entry.path().join("pgdata/postmaster.pid"))
            .ok()
            .and_then(|c| c.lines().next().and_then(|l| l.trim().parse::<i32>().ok()));
        if postmaster.is_some_and(pid_alive) {
            continue;
        }
        tracing::debug!(dir = %entry.path().display(), "removing stale local PostgreSQL directory");
        let _ = fs::remove_dir_all(entry.path());
    }
}

/// Pick the unix socket directory. Socket paths are limited to ~107 bytes, and a data
/// directory deep inside a project or under a long `$TMPDIR` easily exceeds that, so use
/// `<root>/run` when `<root>/run/.s.PGSQL.5432` is short enough, else a fresh short directory
/// under `/tmp` (returned with `true`: it must be removed on stop). Paths that are not UTF-8 or
/// contain `"` also go to `/tmp`, because PostgreSQL parses the setting as a quoted list.
/// The directory is 0700 and owned by the server's user: together with `trust`
/// authentication this means only that OS user (and root) can connect.
pub(super) fn socket_dir(
    root: &Path,
    run_as: Option<&RunAs>,
) -> Result<(PathBuf, bool), LocalPgError> {
    let run = root.join("run");
    let socket_len = run
        .join(format!(".s.PGSQL.{SOCKET_PORT}"))
        .as_os_str()
        .len();
    let usable = run.to_str().is_some_and(|s| !s.contains('"'));
    let (dir, temporary) = if socket_len <= MAX_SOCKET_PATH && usable {
        fs::create_dir_all(&run).map_err(io_err("could not create", &run))?;
        fs::set_permissions(&run, fs::Permissions::from_mode(0o700))
            .map_err(io_err("could not set permissions on", &run))?;
        // Leftovers of a previous (already verified dead) server would make it refuse to start.
        for name in [
            format!(".s.PGSQL.{SOCKET_PORT}"),
            format!(".s.PGSQL.{SOCKET_PORT}.lock"),
        ] {
            let _ = fs::remove_file(run.join(name));
        }
        (run, false)
    } else {
        sweep_stale(Path::new("/tmp"), SOCKET_DIR_PREFIX);
        (
            create_unique_dir(Path::new("/tmp"), SOCKET_DIR_PREFIX)?,
            true,
        )
    };
    chown(&dir, run_as)?;
    Ok((dir, temporary))
}

/// Open `<root>/postgres.log` for appending (rotating it once it is large) and return it with
/// its current length, so that errors can quote only what this run wrote.
pub(super) fn open_log(root: &Path) -> Result<(File, PathBuf, u64), LocalPgError> {
    let path = root.join("postgres.log");
    if fs::metadata(&path).is_ok_and(|m| m.len() > MAX_LOG_BYTES) {
        let _ = fs::rename(&path, root.join("postgres.log.1"));
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io_err("could not open server log", &path))?;
    let offset = file.metadata().map_or(0, |m| m.len());
    Ok((file, path, offset))
}

/// The last lines the server wrote to its log since `offset`, for error messages.
pub(super) fn log_tail(path: &Path, offset: u64) -> String {
    const MAX_BYTES: u64 = 8 * 1024;
    const MAX_LINES: usize = 30;
    let mut text = String::new();
    if let Ok(mut file) = File::open(path) {
        let len = file.metadata().map_or(0, |m| m.len());
        let start = offset.max(len.saturating_sub(MAX_BYTES));
        let mut bytes = Vec::new();
        if file.seek(SeekFrom::Start(start)).is_ok() && file.read_to_end(&mut bytes).is_ok() {
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(MAX_LINES)..].join("\n");
    if tail.trim().is_empty() {
        "(the server wrote nothing)".to_owned()
    } else {
        tail
    }
}

/// `true` when `dir` is absent or an empty directory.
pub(super) fn is_empty_or_absent(dir: &Path) -> bool {
    match fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
    }
}

/// Quote a directory for PostgreSQL's list-valued `unix_socket_directories` setting.
pub(super) fn quote_dir(dir: &Path) -> String {
    // `socket_dir` only returns UTF-8 paths without `"`.
    format!("\"{}\"", dir.to_str().unwrap_or_default())
}
