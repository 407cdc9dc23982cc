//! Reading the file: its size, its MD5 and byte ranges as streams, never the whole file in
//! memory.

use std::io::SeekFrom;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::Stream;
use indicatif::ProgressBar;
use md5::{Digest, Md5};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Bytes read at a time.
const CHUNK: usize = 256 * 1024;

/// The size of the file at `path`; an empty or missing file is an error that says so.
pub async fn length(path: &Path) -> anyhow::Result<u64> {
    let metadata = tokio::fs::metadata(path)
        .await
        .map_err(|error| anyhow::anyhow!("cannot read {}: {error}", path.display()))?;
    anyhow::ensure!(metadata.is_file(), "{} is not a file", path.display());
    anyhow::ensure!(
        metadata.len() > 0,
        "{} is empty: there is nothing to upload",
        path.display()
    );
    Ok(metadata.len())
}

/// The MD5 of `length` bytes of the file from `offset`, read in chunks.
pub async fn md5_of_range(path: &Path, offset: u64, length: u64) -> std::io::Result<[u8; 16]> {
    let mut file = tokio::fs::File::open(path).await?;
    file.seek(SeekFrom::Start(offset)).await?;
    let mut md5 = Md5::new();
    let mut buffer = vec![0u8; CHUNK];
    let mut left = length;
    while left > 0 {
        let want = buffer.len().min(left as usize);
        let read = file.read(&mut buffer[..want]).await?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        md5.update(&buffer[..read]);
        left -= read as u64;
    }
    Ok(md5.finalize().into())
}

/// The base64 MD5 of the whole file, advancing `progress` as it reads.
pub async fn md5_base64(path: &Path, progress: &ProgressBar) -> anyhow::Result<String> {
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|error| anyhow::anyhow!("cannot read {}: {error}", path.display()))?;
    let mut md5 = Md5::new();
    let mut buffer = vec![0u8; CHUNK * 4];
    loop {
        let read = file.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        md5.update(&buffer[..read]);
        progress.inc(read as u64);
    }
    progress.finish_and_clear();
    Ok(STANDARD.encode(md5.finalize()))
}

/// `length` bytes of the file from `offset`, as a body stream: each chunk advances `progress`
/// and adds to `sent` (so that a failed attempt can take its bytes back off the bar).
pub fn range_stream(
    path: &Path,
    offset: u64,
    length: u64,
    progress: ProgressBar,
    sent: Arc<AtomicU64>,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    struct State {
        file: Option<tokio::fs::File>,
        path: std::path::PathBuf,
        left: u64,
    }
    let state = State {
        file: None,
        path: path.to_owned(),
        left: length,
    };
    futures_util::stream::unfold(Some(state), move |state| {
        let progress = progress.clone();
        let sent = sent.clone();
        async move {
            let mut state = state?;
            if state.left == 0 {
                return None;
            }
            let result = async {
                if state.file.is_none() {
                    let mut file = tokio::fs::File::open(&state.path).await?;
                    file.seek(SeekFrom::Start(offset)).await?;
                    state.file = Some(file);
                }
                let file = state.file.as_mut().expect("opened");
                let mut buffer = vec![0u8; CHUNK.min(state.left as usize)];
                let read = file.read(&mut buffer).await?;
                if read == 0 {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the file got shorter while it was being sent",
                    ));
                }
                buffer.truncate(read);
                Ok(Bytes::from(buffer))
            }
            .await;
            match result {
                Ok(chunk) => {
                    state.left -= chunk.len() as u64;
                    progress.inc(chunk.len() as u64);
                    sent.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    Some((Ok(chunk), Some(state)))
                }
                // End the stream after an error.
                Err(error) => Some((Err(error), None)),
            }
        }
    })
}
