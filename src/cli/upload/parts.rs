//! A multipart upload from the client's side: parts sent in parallel straight to the store,
//! each with its `Content-MD5` and retried on its own, part URLs fetched in batches just before
//! they are needed (they expire in minutes), and the upload completed, or aborted on failure.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use indicatif::ProgressBar;
use reqwest::Method;
use serde_json::json;
use time::OffsetDateTime;
use tokio::sync::Mutex;

use super::file::{md5_of_range, range_stream};
use super::store::refusal;
use super::{PartBatch, Plan, UploadCommand};
use crate::cli::ApiClient;
use crate::uploads::multipart::MAX_PART_URLS;
use crate::uploads::{CompletedPart, PartUrl};

/// A URL is fetched again when it would expire within this.
const URL_MARGIN: Duration = Duration::from_secs(30);

pub struct Multipart<'a> {
    pub client: &'a ApiClient,
    pub command: &'a UploadCommand,
    /// `/v1/schemas/<id>/uploads/<uploadId>`.
    pub path: String,
    pub plan: Plan,
    pub length: u64,
    pub first: Option<&'a PartBatch>,
}

/// Part URLs known so far, each with its expiry.
type UrlBook = Mutex<HashMap<u32, (String, OffsetDateTime)>>;

impl Multipart<'_> {
    /// Send every part, then complete; abort the upload if a part cannot be sent.
    pub async fn send(&self, progress: &ProgressBar) -> anyhow::Result<()> {
        let book: UrlBook = Mutex::new(HashMap::new());
        if let Some(first) = self.first {
            let mut urls = book.lock().await;
            for PartUrl { part_number, url } in &first.urls {
                urls.insert(*part_number, (url.clone(), first.expires_at));
            }
        }
        let queue = Mutex::new((1..=self.plan.part_count).collect::<VecDeque<u32>>());
        let etags = Mutex::new(BTreeMap::new());
        let workers = (0..self.command.parallel.max(1)).map(|_| async {
            while let Some(number) = { queue.lock().await.pop_front() } {
                let etag = self.send_part(number, &book, progress).await?;
                etags.lock().await.insert(number, etag);
            }
            anyhow::Ok(())
        });
        // The first failure ends the upload: the other workers are dropped with it.
        if let Err(error) = futures_util::future::try_join_all(workers).await {
            let aborted: Result<serde_json::Value, _> = self
                .client
                .call(Method::DELETE, &self.path, None::<&()>, None)
                .await;
            if let Err(abort) = aborted {
                tracing::debug!(error = %abort, "could not abort the upload");
            }
            return Err(error);
        }
        let parts: Vec<CompletedPart> = etags
            .into_inner()
            .into_iter()
            .map(|(part_number, etag)| CompletedPart { part_number, etag })
            .collect();
        let _: serde_json::Value = self
            .client
            .call(
                Method::POST,
                &format!("{}/complete", self.path),
                Some(&json!({ "parts": parts })),
                None,
            )
            .await?;
        Ok(())
    }

    /// Send part `number` until it is stored or the retries run out; its ETag.
    async fn send_part(
        &self,
        number: u32,
        book: &UrlBook,
        progress: &ProgressBar,
    ) -> anyhow::Result<String> {
        let offset = u64::from(number - 1) * self.plan.part_size;
        let length = self.plan.part_size.min(self.length - offset);
        let path = &self.command.file;
        let md5 = md5_of_range(path, offset, length)
            .await
            .map_err(|error| anyhow::anyhow!("cannot read {}: {error}", path.display()))?;
        let mut attempt = 0;
        loop {
            let url = self.url(number, book).await?;
            let sent = Arc::new(AtomicU64::new(0));
            let body = range_stream(path, offset, length, progress.clone(), sent.clone());
            let result = self
                .client
                .http()
                .put(&url)
                .header("content-length", length)
                .header("content-md5", STANDARD.encode(md5))
                .body(reqwest::Body::wrap_stream(body))
                .send()
                .await;
            let failure = match result {
                Ok(response) if response.status().is_success() => {
                    let etag = response
                        .headers()
                        .get("etag")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    match etag {
                        Some(etag) => return Ok(etag),
                        None => (
                            "the store stored a part but answered without its ETag".to_owned(),
                            false,
                        ),
                    }
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let body = response.text().await.unwrap_or_default();
                    let refused = refusal(status, &body);
                    if refused.expired {
                        book.lock().await.remove(&number);
                    }
                    (refused.message, refused.retry)
                }
                Err(error) => (
                    format!("could not send part {number}: {error}; check the network connection"),
                    true,
                ),
            };
            // Take this attempt's bytes back off the bar before trying again.
            progress.dec(sent.load(Ordering::Relaxed));
            let (message, retry) = failure;
            if !retry || attempt >= self.command.retries {
                return Err(anyhow::anyhow!(
                    "part {number} of {} failed after {} attempt(s): {message}",
                    self.plan.part_count,
                    attempt + 1
                ));
            }
            attempt += 1;
            tokio::time::sleep(Duration::from_millis(250 << attempt.min(5))).await;
        }
    }

    /// A URL for part `number` valid for a while yet, fetching the next batch when needed.
    async fn url(&self, number: u32, book: &UrlBook) -> anyhow::Result<String> {
        let mut urls = book.lock().await;
        let fresh_until = OffsetDateTime::now_utc() + URL_MARGIN;
        if let Some((url, expires_at)) = urls.get(&number)
            && *expires_at > fresh_until
        {
            return Ok(url.clone());
        }
        let to = (number + MAX_PART_URLS - 1).min(self.plan.part_count);
        let batch: PartBatch = self
            .client
            .call(
                Method::POST,
                &format!("{}/parts", self.path),
                Some(&json!({ "from": number, "to": to })),
                None,
            )
            .await?;
        for PartUrl { part_number, url } in batch.urls {
            urls.insert(part_number, (url, batch.expires_at));
        }
        urls.get(&number)
            .map(|(url, _)| url.clone())
            .ok_or_else(|| anyhow::anyhow!("daap gave no URL for part {number}"))
    }
}
