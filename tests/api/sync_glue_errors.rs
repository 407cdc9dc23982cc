//! How the Glue target fails: a curated location that is not S3 is refused at setup; against a
//! canned loopback server (no moto needed), refusals are permanent, throttling and outages
//! transient, and a silent server is given up on at the timeout.

use std::time::{Duration, Instant};

use daap::sync::glue::{GlueSetupError, GlueTarget};
use daap::sync::snapshot::Delivery;
use daap::sync::target::{DeliveryError, Target};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support_moto::glue_settings;
use crate::sync_glue_fixtures::{TIMEOUT, snapshot, staff};

#[tokio::test]
async fn glue_target_refuses_a_curated_location_that_is_not_s3() {
    for bad in [
        "",
        "curated",
        "s3://",
        "s3:///x",
        "https://bucket/x",
        "s3://bucket//x",
    ] {
        let mut settings = glue_settings("http://127.0.0.1:9");
        settings.curated_location = bad.to_owned();
        let err = GlueTarget::new(&settings).await.unwrap_err();
        assert!(
            matches!(err, GlueSetupError::CuratedLocation(_)),
            "{bad:?}: {err}"
        );
    }
    for good in ["s3://bucket", "s3://bucket/", "s3://bucket/a/b"] {
        let mut settings = glue_settings("http://127.0.0.1:9");
        settings.curated_location = good.to_owned();
        GlueTarget::new(&settings)
            .await
            .unwrap_or_else(|e| panic!("{good:?}: {e}"));
    }
}

// ---------------------------------------------------------------------------------------------
// Errors and the timeout, against a canned loopback server

/// A loopback server answering every request with `status` and the Glue error `code`.
async fn canned_glue(status: u16, code: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                read_request(&mut socket).await;
                let body = format!(r#"{{"__type":"{code}","message":"canned {code}"}}"#);
                let response = format!(
                    "HTTP/1.1 {status} Canned\r\ncontent-type: application/x-amz-json-1.1\r\n\
                     x-amzn-errortype: {code}\r\nx-amzn-requestid: canned\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    format!("http://{address}")
}

/// Read one HTTP/1.1 request (head, then `content-length` bytes of body).
async fn read_request(socket: &mut tokio::net::TcpStream) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let Ok(n) = socket.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buffer);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buffer.len() >= end + 4 + length {
                return;
            }
        }
    }
}

async fn outcome(endpoint: &str, timeout: Duration) -> Result<(), DeliveryError> {
    let target = GlueTarget::new(&glue_settings(endpoint)).await.unwrap();
    let v1_0 = snapshot("glue_errors", (1, 0), "Errors", vec![staff()], &[]);
    target.apply(&Delivery::Publish(v1_0), timeout).await
}

#[tokio::test]
async fn glue_refusals_are_permanent_and_throttling_and_outages_transient() {
    for (status, code) in [
        (400, "AccessDeniedException"),
        (400, "InvalidInputException"),
        (400, "ResourceNumberLimitExceededException"),
    ] {
        match outcome(&canned_glue(status, code).await, TIMEOUT).await {
            Err(DeliveryError::Permanent(message)) => {
                assert!(message.contains(code), "{message}");
                assert!(message.contains("GetDatabase glue_errors_v1"), "{message}");
            }
            other => panic!("{status} {code}: {other:?}"),
        }
    }
    for (status, code) in [
        (400, "ThrottlingException"),
        (400, "ConcurrentModificationException"),
        (500, "InternalServiceException"),
        (503, "ServiceUnavailable"),
    ] {
        match outcome(&canned_glue(status, code).await, TIMEOUT).await {
            Err(DeliveryError::Transient(message)) => {
                assert!(message.contains("GetDatabase glue_errors_v1"), "{message}");
            }
            other => panic!("{status} {code}: {other:?}"),
        }
    }

    // Nothing listening: a dispatch failure.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    match outcome(&endpoint, TIMEOUT).await {
        Err(DeliveryError::Transient(_)) => {}
        other => panic!("connection refused: {other:?}"),
    }
}

#[tokio::test]
async fn glue_gives_up_at_the_timeout() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let started = Instant::now();
    match outcome(&endpoint, Duration::from_millis(300)).await {
        Err(DeliveryError::Transient(message)) => assert!(message.contains("within"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
