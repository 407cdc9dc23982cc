//! `daap upload dp:<name>:<table> FILE.csv`: hash the file (streaming), ask daap for an
//! upload, send the file straight to the store with a progress bar, and print the upload's id
//! and key. Files above a threshold go as a multipart upload, parts in parallel, each retried.

mod file;
mod parts;
mod store;

pub use store::{Refusal, refusal};

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use crate::uploads::PartUrl;

const MIB: u64 = 1024 * 1024;

#[derive(Debug, Clone, Args)]
pub struct UploadCommand {
    /// The table to upload into: `dp:<name>:<table>`.
    pub table: String,

    /// The CSV file to upload.
    pub file: PathBuf,

    #[command(flatten)]
    pub connect: super::connect::ConnectArgs,

    /// Files larger than this many bytes are sent as a multipart upload.
    #[arg(long, default_value_t = 64 * MIB)]
    pub multipart_threshold: u64,

    /// Parts sent at once in a multipart upload.
    #[arg(long, default_value_t = 4)]
    pub parallel: usize,

    /// Times a failed part is sent again before giving up.
    #[arg(long, default_value_t = 3)]
    pub retries: u32,
}

/// What daap answered: the parts of an issued upload this client needs.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Issued {
    upload_id: String,
    key: String,
    schema_version: String,
    url: Option<String>,
    fields: Option<BTreeMap<String, String>>,
    multipart: Option<Plan>,
    parts: Option<PartBatch>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Plan {
    part_size: u64,
    part_count: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PartBatch {
    urls: Vec<PartUrl>,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: time::OffsetDateTime,
}

pub async fn run(command: UploadCommand) -> anyhow::Result<()> {
    let client = command.connect.client().await?;
    let length = file::length(&command.file).await?;
    let started = Instant::now();
    let md5 = file::md5_base64(&command.file, &bar(length, "hashing")).await?;
    let filename = command
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let body = json!({
        "filename": filename,
        "contentMD5": md5,
        "contentLength": length,
        "multipart": length > command.multipart_threshold,
    });
    // A key of this run's own: running the command again uploads again, even the same file
    // (without a key, daap would derive one from the request and hand back the first upload).
    let key = uuid::Uuid::new_v4().to_string();
    let path = format!("/v1/schemas/{}/uploads", command.table);
    let issued: Issued = client
        .call(Method::POST, &path, Some(&body), Some(&key))
        .await?;
    let progress = bar(length, "uploading");
    let sent = match (&issued.multipart, &issued.url, &issued.fields) {
        (Some(plan), _, _) => {
            let upload = parts::Multipart {
                client: &client,
                command: &command,
                path: format!("{path}/{}", issued.upload_id),
                plan: *plan,
                length,
                first: issued.parts.as_ref(),
            };
            upload.send(&progress).await
        }
        (None, Some(url), Some(fields)) => {
            store::post_form(
                client.http(),
                url,
                fields,
                &command.file,
                &filename,
                length,
                &progress,
            )
            .await
        }
        _ => Err(anyhow::anyhow!(
            "daap answered without a way to send the file; is the server a daap?"
        )),
    };
    progress.finish_and_clear();
    sent?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "uploaded {filename} ({} in {seconds:.1} s, {}/s) against schema {}: upload {} key {}",
        human_bytes(length),
        human_bytes((length as f64 / seconds.max(0.001)) as u64),
        issued.schema_version,
        issued.upload_id,
        issued.key
    );
    Ok(())
}

/// A progress bar on stderr (bytes, rate, ETA); indicatif hides it when stderr is not a
/// terminal, so logs and pipes get only the summary line.
fn bar(length: u64, action: &'static str) -> ProgressBar {
    let style = ProgressStyle::with_template(
        "{msg:9} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
    )
    .expect("a valid template")
    .progress_chars("=> ");
    ProgressBar::new(length)
        .with_style(style)
        .with_message(action)
}

fn human_bytes(bytes: u64) -> String {
    match bytes {
        b if b >= 1024 * MIB => format!("{:.2} GiB", b as f64 / (1024 * MIB) as f64),
        b if b >= MIB => format!("{:.1} MiB", b as f64 / MIB as f64),
        b if b >= 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}
