//! A real moto server (the AWS stand-in, from PyPI `moto[server]`) for the Glue tests: one per
//! test process, on a free loopback port, started on first use and killed when the process
//! exits (even by SIGKILL: the server gets `PR_SET_PDEATHSIG`).
//!
//! The executable is `$DAAP_TEST_MOTO_SERVER`, else `moto_server` on `PATH`. Without one, a
//! test that needs it prints `SKIPPED` and passes, unless `DAAP_REQUIRE_STANDINS=1` (CI), where
//! it fails and says how to install it.

use std::fs::File;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use daap::sync::glue::{GlueSettings, GlueTarget, StaticCredentials};

const INSTALL_HINT: &str = "install it with `python3 -m venv /opt/moto && /opt/moto/bin/pip install \
     'moto[server,glue]'` and point DAAP_TEST_MOTO_SERVER at /opt/moto/bin/moto_server (or put \
     moto_server on PATH)";

/// The running server every test of this process shares.
pub struct Moto {
    pub endpoint: String,
}

static MOTO: OnceLock<Option<Moto>> = OnceLock::new();
static NAMES: AtomicUsize = AtomicUsize::new(0);

/// The shared moto server, or `None` (after printing why) when the test should be skipped.
pub fn moto(test: &str) -> Option<&'static Moto> {
    let moto = MOTO.get_or_init(start).as_ref();
    if moto.is_none() {
        // Straight to the process's stderr: `eprintln!` would be captured by the test harness
        // and shown only for failing tests.
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED {test}: moto_server not found (pip install 'moto[server]'); set \
             DAAP_TEST_MOTO_SERVER or put it on PATH ***"
        );
    }
    moto
}

/// A Glue target on the shared moto server with static dummy credentials (no credential
/// chain, so no instance-metadata lookups), curated data under `s3://daap-curated/curated`.
pub async fn glue_target(moto: &Moto) -> GlueTarget {
    GlueTarget::new(&glue_settings(&moto.endpoint))
        .await
        .expect("a Glue target for moto")
}

pub fn glue_settings(endpoint: &str) -> GlueSettings {
    GlueSettings {
        region: Some("us-east-1".to_owned()),
        endpoint_url: Some(endpoint.to_owned()),
        curated_location: "s3://daap-curated/curated/".to_owned(),
        static_credentials: Some(StaticCredentials {
            access_key_id: "testing".to_owned(),
            secret_access_key: "testing".to_owned(),
        }),
    }
}

/// A product name no other test of this process uses (they share one moto server).
pub fn unique_name(base: &str) -> String {
    format!("{base}_{}", NAMES.fetch_add(1, Ordering::Relaxed))
}

fn required() -> bool {
    std::env::var("DAAP_REQUIRE_STANDINS").is_ok_and(|v| v == "1")
}

fn find_executable() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DAAP_TEST_MOTO_SERVER").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            is_executable(&path),
            "DAAP_TEST_MOTO_SERVER={} is not an executable file; {INSTALL_HINT}",
            path.display()
        );
        return Some(path);
    }
    let dirs = std::env::var_os("PATH")?;
    std::env::split_paths(&dirs)
        .map(|dir| dir.join("moto_server"))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn start() -> Option<Moto> {
    let Some(program) = find_executable() else {
        assert!(
            !required(),
            "moto_server not found and DAAP_REQUIRE_STANDINS=1; {INSTALL_HINT}"
        );
        return None;
    };
    let port = free_port();
    let log_path = std::env::temp_dir().join(format!("daap-moto-{}.log", std::process::id()));
    let log = File::create(&log_path).expect("a log file for moto_server");
    let mut command = Command::new(&program);
    command
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("a second handle on the log"))
        .stderr(log);
    die_with_parent(&mut command);

    // The child is started and waited for by a thread that lives as long as it does: Linux
    // sends the parent-death signal when the forking *thread* exits, so this thread must
    // outlive every test (it does: it only returns once the server has exited).
    let (started_tx, started_rx) = mpsc::channel();
    let (exited_tx, exited_rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("moto-server".to_owned())
        .spawn(move || match command.spawn() {
            Ok(mut child) => {
                let _ = started_tx.send(Ok(()));
                let status = child.wait();
                let _ = exited_tx.send(format!("{status:?}"));
            }
            Err(e) => {
                let _ = started_tx.send(Err(e));
            }
        })
        .expect("a thread for moto_server");
    if let Err(e) = started_rx.recv().expect("the moto thread reports") {
        panic!("could not start {}: {e}; {INSTALL_HINT}", program.display());
    }

    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            break;
        }
        let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
        if let Ok(status) = exited_rx.try_recv() {
            panic!("moto_server exited ({status}) before listening:\n{}", log());
        }
        if Instant::now() > deadline {
            panic!(
                "moto_server did not listen on {address} within 60 s:\n{}",
                log()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // Kept only to explain a failed start: unlinked now, so that test runs leave no files
    // behind (moto keeps writing to it until it exits).
    let _ = std::fs::remove_file(&log_path);
    Some(Moto {
        endpoint: format!("http://{address}"),
    })
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    let parent = nix::unistd::getpid();
    // SAFETY: runs in the forked child before exec and only makes async-signal-safe system
    // calls (prctl, getppid) without allocating.
    unsafe {
        command.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)?;
            // The parent may have died between fork and prctl: then nobody would signal us.
            if nix::unistd::getppid() != parent {
                return Err(nix::errno::Errno::ESRCH.into());
            }
            Ok(())
        });
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn die_with_parent(_command: &mut Command) {}
