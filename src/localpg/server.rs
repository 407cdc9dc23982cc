//! The postmaster child process, owned by a dedicated supervisor thread.

use std::ffi::OsString;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::sync::{oneshot, watch};

use super::setup::RunAs;

/// What to run: the `postgres` binary with its arguments, as which user, logging where.
pub(super) struct ServerCommand {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    pub run_as: Option<RunAs>,
    pub log: File,
}

/// A running (or exited) postmaster.
#[derive(Debug)]
pub(super) struct ServerProcess {
    pid: u32,
    /// `true` once the supervisor thread has reaped the child. Held while signalling, so a
    /// signal can never hit an unrelated process that reused the pid.
    reaped: Arc<Mutex<bool>>,
    /// Becomes `Some(description of the exit status)` when the postmaster has exited.
    exit: watch::Receiver<Option<String>>,
}

impl ServerProcess {
    /// Start the postmaster from a dedicated, long-lived `std::thread`.
    ///
    /// Why a thread: the child gets `PR_SET_PDEATHSIG(SIGQUIT)` so that the cluster shuts down
    /// (immediately) when daap dies, even by SIGKILL. But Linux delivers that signal when the
    /// *thread* that forked the child exits, not the process, and tokio worker/blocking threads
    /// and `cargo test` threads come and go. The supervisor thread forks the child and then
    /// blocks in `wait()` for as long as the child lives, so the signal fires exactly when the
    /// whole process dies; it also reports the exit status.
    ///
    /// The child is put in its own process group so that a Ctrl-C in the terminal reaches only
    /// daap, which then shuts the server down in order (after draining its own requests).
    pub(super) async fn spawn(spec: ServerCommand) -> std::io::Result<Self> {
        let (started_tx, started_rx) = oneshot::channel();
        let (exit_tx, exit_rx) = watch::channel(None);
        let reaped = Arc::new(Mutex::new(false));
        let thread_reaped = Arc::clone(&reaped);
        std::thread::Builder::new()
            .name("daap-postgres".to_owned())
            .spawn(move || {
                let mut child = match build(spec).and_then(|mut cmd| cmd.spawn()) {
                    Ok(child) => child,
                    Err(e) => {
                        let _ = started_tx.send(Err(e));
                        return;
                    }
                };
                let _ = started_tx.send(Ok(child.id()));
                // Wait for the exit *without* reaping, then reap while holding the lock that
                // `signal` takes, so the pid cannot be recycled under a pending `kill`.
                #[cfg(any(target_os = "linux", target_os = "android"))]
                {
                    use nix::sys::wait::{Id, WaitPidFlag, waitid};
                    let pid = Pid::from_raw(child.id() as i32);
                    let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT;
                    while waitid(Id::Pid(pid), flags) == Err(nix::errno::Errno::EINTR) {}
                }
                let mut reaped = thread_reaped.lock().unwrap_or_else(PoisonError::into_inner);
                let status = match child.wait() {
                    Ok(status) => status.to_string(),
                    Err(e) => format!("unknown exit status: {e}"),
                };
                *reaped = true;
                drop(reaped);
                exit_tx.send_replace(Some(status));
            })?;
        let pid = started_rx
            .await
            .map_err(|_| std::io::Error::other("the PostgreSQL supervisor thread died"))??;
        Ok(Self {
            pid,
            reaped,
            exit: exit_rx,
        })
    }

    pub(super) fn pid(&self) -> u32 {
        self.pid
    }

    /// How the postmaster exited, or `None` while it is running.
    pub(super) fn exit_status(&self) -> Option<String> {
        self.exit.borrow().clone()
    }

    /// Send `signal` to the postmaster unless it has already exited.
    pub(super) fn signal(&self, signal: Signal) {
        let reaped = self.reaped.lock().unwrap_or_else(PoisonError::into_inner);
        if !*reaped {
            let _ = kill(Pid::from_raw(self.pid as i32), signal);
        }
    }

    /// Wait up to `timeout` for the postmaster to exit; `true` if it has.
    pub(super) async fn wait_exit(&self, timeout: Duration) -> bool {
        let mut exit = self.exit.clone();
        let _ = tokio::time::timeout(timeout, exit.wait_for(Option::is_some)).await;
        self.exit_status().is_some()
    }

    /// Blocking variant of [`Self::wait_exit`] for `Drop`, which may run outside (or inside)
    /// an async runtime; polls briefly instead of blocking on the runtime.
    pub(super) fn wait_exit_blocking(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.exit_status().is_none() {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    }
}

fn build(spec: ServerCommand) -> std::io::Result<Command> {
    let mut cmd = Command::new(&spec.program);
    cmd.args(&spec.args)
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(spec.log.try_clone()?)
        .stderr(spec.log)
        .process_group(0);
    if let Some(user) = &spec.run_as {
        cmd.uid(user.uid.as_raw()).gid(user.gid.as_raw());
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let parent = nix::unistd::getpid();
        // SAFETY: the closure runs in the forked child before exec and only makes
        // async-signal-safe system calls (prctl, getppid) without allocating. std runs it
        // after setuid/setgid, which matters because a credential change clears the
        // parent-death signal.
        unsafe {
            cmd.pre_exec(move || {
                nix::sys::prctl::set_pdeathsig(Signal::SIGQUIT)?;
                // The parent may have died between fork and prctl: then nobody would signal us.
                if nix::unistd::getppid() != parent {
                    return Err(nix::errno::Errno::ESRCH.into());
                }
                Ok(())
            });
        }
    }
    Ok(cmd)
}
