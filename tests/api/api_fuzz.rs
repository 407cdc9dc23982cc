//! The whole API fuzzed from its own OpenAPI document by schemathesis (PyPI), against a real
//! `daap serve` with authentication on: a steward's token from the tests' fake Entra ID, so
//! every operation is reachable. All phases (examples, coverage, fuzzing, stateful through
//! the document's links) and all checks; the run must find nothing. What the document cannot
//! express is listed, each entry with its reason, in `tests/fuzz/schemathesis.toml`.
//!
//! The executable is `$DAAP_TEST_SCHEMATHESIS`, else `st` on `PATH`. Without one the test
//! prints `SKIPPED` and passes, unless `DAAP_REQUIRE_STANDINS=1` (CI), where it fails.
//! `DAAP_FUZZ_EXAMPLES` (cases per operation and phase) and `DAAP_FUZZ_SEED` size the run;
//! `bash tests/fuzz/long.sh` runs it longer.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::support::TestApp;
use crate::support::cli::Workspace;
use crate::support::identity_provider::{API_CLIENT_ID, FakeIdp, TENANT, key_a, machine_claims};
use crate::support::served::{Served, command};

const INSTALL_HINT: &str = "install it with `python3 -m venv /opt/st && /opt/st/bin/pip install \
     schemathesis==4.32.5` and point DAAP_TEST_SCHEMATHESIS at /opt/st/bin/st (or put st on PATH)";

fn schemathesis() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DAAP_TEST_SCHEMATHESIS") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("st"))
        .find(|candidate| candidate.is_file())
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_disagreement_with_the_document() {
    let Some(st) = schemathesis() else {
        if std::env::var("DAAP_REQUIRE_STANDINS").as_deref() == Ok("1") {
            panic!("schemathesis (`st`) not found and DAAP_REQUIRE_STANDINS=1: {INSTALL_HINT}");
        }
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED api_fuzz: schemathesis (`st`) not found; {INSTALL_HINT} ***"
        );
        return;
    };
    let idp = FakeIdp::start(&[&key_a()]).await;
    let token = key_a().sign(&machine_claims());
    let app = TestApp::new().await;
    let scratch = Workspace::new("");
    let (mut serve, port) = command(&app);
    serve
        .env("DAAP_AUTH_TENANT_ID", TENANT)
        .env("DAAP_AUTH_CLIENT_ID", API_CLIENT_ID)
        .env("DAAP_AUTH_AUTHORITY", idp.authority())
        .env("DAAP_DATA_DIR", scratch.path("data"))
        .env("RUST_LOG", "error");
    let mut served = Served::spawn(serve, port);
    served.wait_ready().await;

    let examples = setting("DAAP_FUZZ_EXAMPLES", 25);
    let seed = setting("DAAP_FUZZ_SEED", 20261130);
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/schemathesis.toml");
    std::fs::create_dir_all(scratch.path("report")).expect("a report directory");
    let started = Instant::now();
    let output = tokio::process::Command::new(&st)
        .arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(served.url("/openapi.json"))
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--max-examples", &examples.to_string()])
        .args(["--seed", &seed.to_string()])
        .args(["--workers", "2", "--no-color", "--output-truncate", "false"])
        .args(["--report", "junit,ndjson", "--report-dir"])
        .arg(scratch.path("report"))
        // schemathesis keeps a crash cache in its working directory: the scratch one, not
        // the repository.
        .current_dir(scratch.path("report"))
        .env("NO_COLOR", "1")
        .env("SCHEMATHESIS_HOOKS", config.with_file_name("hooks.py"))
        .output()
        .await
        .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary = stdout
        .lines()
        .rev()
        .take(40)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("\n");
    let _ = writeln!(
        std::io::stderr(),
        "api_fuzz: schemathesis ran {examples} cases per operation and phase, seed {seed}, in \
         {:.0?}:\n{summary}",
        started.elapsed()
    );
    assert!(
        output.status.success(),
        "schemathesis found problems (exit {}):\n{stdout}\n{}\nserver stderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr),
        {
            served.terminate();
            let _ = served
                .exited_within(std::time::Duration::from_secs(10))
                .await;
            served.stderr()
        }
    );
    // A run that tested nothing would also exit 0: the summary says how many cases it sent
    // ("1958 generated, 1958 passed").
    let generated: u64 = stdout
        .lines()
        .find_map(|line| line.trim().split_once(" generated,"))
        .and_then(|(count, _)| count.trim().parse().ok())
        .unwrap_or(0);
    assert!(generated > 0, "schemathesis tested nothing:\n{stdout}");
}
