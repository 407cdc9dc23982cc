//! `daap upload`, the real binary, against a served daap uploading to S3 (s3s-fs) and to the
//! local store: single and multipart uploads, a part that fails and is retried, output on a
//! non-terminal (no progress bar, one summary line), and one-line failures that say what to do.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use daap::uploads::policy::Encryption;

use super::{Backend, Scratch, Served, csv, settings};

const PART: u64 = 64 * 1024;

/// Run `daap upload` against `server` with stdout and stderr captured (not terminals).
async fn upload(server: &str, table: &str, file: &Path, extra: &[&str]) -> (bool, String, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_daap"))
        .arg("upload")
        .arg(table)
        .arg(file)
        .args(["--server", server])
        .args(extra)
        .env_remove("DAAP_TOKEN")
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("the daap binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `incidents.csv` holding `bytes`, in a directory of its own (removed with the guard).
fn write_file(bytes: &[u8]) -> (Scratch, std::path::PathBuf) {
    let dir = Scratch::new("cli");
    let path = dir.join("incidents.csv");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// The key the summary line names (`... key <key>`).
fn printed_key(stdout: &str) -> &str {
    stdout.trim().rsplit(" key ").next().unwrap()
}

async fn uploads_and_prints_one_line(backend: Backend, size: usize, extra: &[&str]) {
    // s3s-fs, like S3, refuses parts under 5 MiB (but the last); the local store takes any.
    let part = if backend == Backend::S3 {
        5 << 20
    } else {
        PART
    };
    let Some(served) = Served::start(backend, settings(Duration::from_secs(300), part)).await
    else {
        return;
    };
    let bytes = csv(size);
    let (_dir, file) = write_file(&bytes);
    let (ok, stdout, stderr) = upload(&served.base, "dp:prisons:incidents", &file, extra).await;
    assert!(ok, "the upload succeeds: {stdout} {stderr}");
    assert_eq!(stdout.lines().count(), 1, "one summary line: {stdout}");
    assert!(stdout.starts_with("uploaded incidents.csv ("), "{stdout}");
    assert!(
        stdout.contains(" upload ") && stdout.contains("against schema v1.1"),
        "{stdout}"
    );
    assert!(
        !stderr.contains('\r') && !stderr.contains('\u{1b}') && !stderr.contains("ETA"),
        "no progress bar on a non-terminal: {stderr:?}"
    );
    let key = printed_key(&stdout);
    assert_eq!(
        served.stored(key).as_deref(),
        Some(&bytes[..]),
        "the file, at the key printed"
    );
    let id = stdout
        .split(" upload ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert_eq!(served.upload(id).await["status"], "received");
}

#[tokio::test]
async fn the_cli_uploads_a_file_to_s3_in_one_post() {
    uploads_and_prints_one_line(Backend::S3, 50_000, &[]).await;
}

#[tokio::test]
async fn the_cli_uploads_a_file_above_the_threshold_to_s3_in_parallel_parts() {
    uploads_and_prints_one_line(
        Backend::S3,
        (10 << 20) + 123,
        &["--multipart-threshold", "100000"],
    )
    .await;
}

#[tokio::test]
async fn the_cli_uploads_a_file_to_the_local_store_in_one_post() {
    uploads_and_prints_one_line(Backend::Local, 50_000, &[]).await;
}

#[tokio::test]
async fn the_cli_uploads_a_file_above_the_threshold_to_the_local_store_in_parts() {
    uploads_and_prints_one_line(
        Backend::Local,
        (PART * 5 + 123) as usize,
        &["--multipart-threshold", "100000", "--parallel", "3"],
    )
    .await;
}

#[tokio::test]
async fn the_cli_retries_a_part_the_store_failed() {
    // The first attempt at part 2 fails with a 500, as a store under load might answer.
    let attempts = Arc::new(AtomicUsize::new(0));
    let seen = attempts.clone();
    let flaky = move |router: Router| {
        router.layer(middleware::from_fn(move |request: Request, next: Next| {
            let seen = seen.clone();
            async move {
                let path = request.uri().path();
                if path.contains("/local-uploads/")
                    && path.ends_with("/parts/2")
                    && seen.fetch_add(1, Ordering::SeqCst) == 0
                {
                    return (StatusCode::INTERNAL_SERVER_ERROR, "try again").into_response();
                }
                let response: Response = next.run(request).await;
                response
            }
        }))
    };
    let Some(served) = Served::start_with(
        Backend::Local,
        settings(Duration::from_secs(300), PART),
        None,
        Encryption::Aes256,
        flaky,
    )
    .await
    else {
        return;
    };
    let bytes = csv((PART * 3) as usize);
    let (_dir, file) = write_file(&bytes);
    let (ok, stdout, stderr) = upload(
        &served.base,
        "dp:prisons:incidents",
        &file,
        &["--multipart-threshold", "1000"],
    )
    .await;
    assert!(ok, "{stdout} {stderr}");
    assert_eq!(attempts.load(Ordering::SeqCst), 2, "part 2 was sent twice");
    assert_eq!(
        served.stored(printed_key(&stdout)).as_deref(),
        Some(&bytes[..])
    );
}

#[tokio::test]
async fn the_cli_says_in_one_line_what_to_do_when_it_fails() {
    let Some(served) =
        Served::start(Backend::Local, settings(Duration::from_secs(300), PART)).await
    else {
        return;
    };
    let (_dir, file) = write_file(&csv(100));
    let (ok, stdout, stderr) = upload(&served.base, "dp:prisons:cells", &file, &[]).await;
    assert!(!ok && stdout.is_empty());
    let message = stderr.trim();
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("(404)") && message.contains("check the id"),
        "{message}"
    );

    let unreachable = "http://127.0.0.1:9";
    let (ok, _, stderr) = upload(unreachable, "dp:prisons:incidents", &file, &[]).await;
    assert!(!ok);
    assert!(
        stderr.contains("could not reach daap at http://127.0.0.1:9")
            && stderr.contains("DAAP_SERVER"),
        "{stderr}"
    );

    let (_empty_dir, empty) = write_file(b"");
    let (ok, _, stderr) = upload(unreachable, "dp:prisons:incidents", &empty, &[]).await;
    assert!(!ok && stderr.contains("is empty"), "{stderr}");
}

#[tokio::test]
async fn the_cli_says_to_run_again_when_the_form_expired_before_the_file_was_sent() {
    // The form expires after 1 s; the test holds the file's POST for 2 s on its way to daap.
    let slow = |router: Router| {
        router.layer(middleware::from_fn(
            |request: Request, next: Next| async move {
                if request.uri().path().starts_with("/local-uploads/") {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                next.run(request).await
            },
        ))
    };
    let Some(served) = Served::start_with(
        Backend::Local,
        settings(Duration::from_secs(1), PART),
        None,
        Encryption::Aes256,
        slow,
    )
    .await
    else {
        return;
    };
    let (_dir, file) = write_file(&csv(100));
    let (ok, _, stderr) = upload(&served.base, "dp:prisons:incidents", &file, &[]).await;
    assert!(!ok);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("expired before the file was sent: run the command again"),
        "{stderr}"
    );
}

#[test]
fn store_refusals_become_one_line_of_advice() {
    let s3 = |code: &str, message: &str| {
        format!(
            "<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
        )
    };
    let cases = [
        (
            403,
            s3("AccessDenied", "Request has expired"),
            "expired",
            true,
        ),
        (
            400,
            s3("BadDigest", "The Content-MD5 you specified did not match"),
            "MD5",
            true,
        ),
        (
            400,
            s3("EntityTooLarge", "Your proposed upload exceeds the maximum"),
            "changed size",
            false,
        ),
        (
            403,
            s3("SignatureDoesNotMatch", ""),
            "server's upload settings",
            true,
        ),
        (
            503,
            s3("SlowDown", "Reduce your request rate"),
            "HTTP 503",
            true,
        ),
        (
            409,
            r#"{"detail": "this upload has already been received"}"#.to_owned(),
            "already received",
            false,
        ),
    ];
    for (status, body, says, retry) in cases {
        let refused = daap::cli::upload::refusal(status, &body);
        assert!(
            refused.message.contains(says),
            "{status} {body}: {}",
            refused.message
        );
        assert!(!refused.message.contains('\n'));
        assert_eq!(refused.retry, retry, "{status} {body}");
    }
}
