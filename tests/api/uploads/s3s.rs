//! The S3 stand-in: `s3s-fs` 0.14.1, a real S3 server on the local file system that checks
//! SigV4 signatures, expiry and POST policies. Started once per test process on a free port
//! with a temporary root, never assumed running; it dies with the process.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const ACCESS_KEY: &str = "AKIATESTDAAPUPLOADS";
pub const SECRET_KEY: &str = "daap-uploads-test-secret-key";
pub const BUCKET: &str = "landing-bucket";
pub const REGION: &str = "eu-west-2";

/// A running s3s-fs.
pub struct S3sFs {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// Objects of the bucket are files under here, at their keys.
    pub bucket_dir: PathBuf,
}

static SERVER: OnceLock<Option<S3sFs>> = OnceLock::new();

/// The stand-in, or `None` (after saying so) when s3s-fs is not installed; with
/// `DAAP_REQUIRE_STANDINS=1` a missing s3s-fs fails the test instead.
pub fn s3s() -> Option<&'static S3sFs> {
    let server = SERVER.get_or_init(|| {
        let binary = find_binary()?;
        Some(start(&binary))
    });
    if server.is_none() {
        let why = "s3s-fs not found (cargo install s3s-fs@0.14.1 --features binary --locked)";
        assert!(
            std::env::var("DAAP_REQUIRE_STANDINS").as_deref() != Ok("1"),
            "DAAP_REQUIRE_STANDINS=1 but {why}"
        );
        eprintln!("SKIPPED: {why}");
    }
    server.as_ref()
}

/// `DAAP_TEST_S3S_FS`, or `s3s-fs` on the PATH (or in cargo's bin directory).
fn find_binary() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("DAAP_TEST_S3S_FS") {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let cargo_bin = std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo/bin"));
    std::env::split_paths(&path)
        .chain(cargo_bin)
        .map(|dir| dir.join("s3s-fs"))
        .find(|candidate| candidate.is_file())
}

/// Remove the roots of earlier test processes that are no longer running.
fn remove_leftover_roots() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix("daap-s3s-")
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn start(binary: &Path) -> S3sFs {
    remove_leftover_roots();
    let root = std::env::temp_dir().join(format!("daap-s3s-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let bucket_dir = root.join(BUCKET);
    std::fs::create_dir_all(&bucket_dir).expect("the s3s-fs root");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut command = Command::new(binary);
    command
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
        .arg(&root)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: only an async-signal-safe prctl between fork and exec.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut command, || {
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)?;
            Ok(())
        });
    }
    // The child dies when the thread that forked it ends (PR_SET_PDEATHSIG): fork it from a
    // thread that lives as long as the test process.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let child = command.spawn();
        let _ = sender.send(child.map(|c| c.id()));
        loop {
            std::thread::park();
        }
    });
    receiver
        .recv()
        .expect("the s3s-fs thread")
        .expect("s3s-fs starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "s3s-fs did not start listening");
        std::thread::sleep(Duration::from_millis(20));
    }
    S3sFs {
        endpoint: format!("http://127.0.0.1:{port}"),
        bucket_dir,
    }
}
