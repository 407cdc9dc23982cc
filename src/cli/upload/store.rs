//! Sending bytes to the upload store (S3, or daap's local store) and saying, in one line, what
//! to do when it refuses them.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use indicatif::ProgressBar;
use reqwest::multipart::{Form, Part};

use super::file::range_stream;

/// POST the signed form with the file as its last field.
pub async fn post_form(
    http: &reqwest::Client,
    url: &str,
    fields: &BTreeMap<String, String>,
    path: &Path,
    filename: &str,
    length: u64,
    progress: &ProgressBar,
) -> anyhow::Result<()> {
    let mut form = Form::new();
    for (name, value) in fields {
        form = form.text(name.clone(), value.clone());
    }
    let stream = range_stream(
        path,
        0,
        length,
        progress.clone(),
        Arc::new(AtomicU64::new(0)),
    );
    let file = Part::stream_with_length(reqwest::Body::wrap_stream(stream), length)
        .file_name(filename.to_owned())
        .mime_str("text/csv")?;
    form = form.part("file", file);
    let response = http
        .post(url)
        .multipart(form)
        .send()
        .await
        .map_err(|error| network_failure(url, &error))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body = response.text().await.unwrap_or_default();
    Err(anyhow::anyhow!(refusal(status.as_u16(), &body).message))
}

/// Why the store refused a request, and whether sending it again may help.
#[derive(Debug)]
pub struct Refusal {
    pub message: String,
    pub retry: bool,
    /// The signature (URL or form) expired: get a fresh one before retrying.
    pub expired: bool,
}

/// What a refusal means for the user: an S3 error document (`<Code>`, `<Message>`) or a daap
/// problem (the local store).
pub fn refusal(status: u16, body: &str) -> Refusal {
    let code = element(body, "Code");
    let detail = element(body, "Message")
        .map(str::to_owned)
        .or_else(|| {
            serde_json::from_str::<serde_json::Value>(body)
                .ok()
                .and_then(|v| v["detail"].as_str().map(str::to_owned))
        })
        .unwrap_or_else(|| body.trim().to_owned());
    let said = |word: &str| detail.to_ascii_lowercase().contains(word);
    let (message, retry, expired) = if said("expired") || code == Some("ExpiredToken") {
        (
            "the upload's signature expired before the file was sent: run the command again"
                .to_owned(),
            true,
            true,
        )
    } else if code == Some("BadDigest") || code == Some("InvalidDigest") || said("md5") {
        (
            "the bytes the store received do not match the file's MD5: make sure nothing writes \
             to the file while it is uploaded, and run the command again"
                .to_owned(),
            true,
            false,
        )
    } else if code == Some("EntityTooLarge")
        || code == Some("EntityTooSmall")
        || said("larger")
        || said("smaller")
    {
        (
            format!(
                "the store refused the file's size ({detail}): the file changed size since it was measured; run the command again"
            ),
            false,
            false,
        )
    } else if status == 409 || said("already been received") {
        (
            "this upload was already received: run the command again for a new upload".to_owned(),
            false,
            false,
        )
    } else if status == 403 {
        (
            format!(
                "the store refused the signed upload (403 {}: {detail}): run the command again; if it persists, the server's upload settings need fixing",
                code.unwrap_or("Forbidden")
            ),
            true,
            false,
        )
    } else {
        (
            format!(
                "the store answered HTTP {status} {}: {detail}; run the command again",
                code.unwrap_or_default()
            ),
            status >= 500 || status == 408 || status == 429,
            false,
        )
    };
    Refusal {
        message,
        retry,
        expired,
    }
}

/// One line for a request that never got an answer.
pub fn network_failure(url: &str, error: &reqwest::Error) -> anyhow::Error {
    let host = reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    anyhow::anyhow!(
        "could not send the file to {host}: {error}; check the network connection and run the command again"
    )
}

/// The text of the first `<name>` element of an XML body.
fn element<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{name}>"))? + start;
    Some(&body[start..end])
}
