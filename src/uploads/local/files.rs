//! The local store's files: bytes streamed to a temporary file while counted and hashed, then
//! linked into place only when everything checks out, so a key never holds a partial or wrong
//! file and a form cannot be used twice.

use std::fmt::Display;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use axum::body::Bytes;
use futures_util::{Stream, StreamExt};
use md5::{Digest, Md5};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

use super::{LocalPolicy, LocalStore};
use crate::uploads::multipart::bare_etag;
use crate::uploads::sigv4::hex;
use crate::uploads::{CompletedPart, MultipartUpload, UploadError};

/// Files being received, under the root.
pub(super) const INCOMING: &str = ".incoming";
/// Parts of multipart uploads, one directory per upload, under the root.
pub(super) const PARTS: &str = ".parts";

/// Why the local store refused an upload.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// The form or URL is not one daap signed, has expired, or does not match.
    #[error("{0}")]
    Forbidden(String),
    #[error("the file is larger than the {0} bytes allowed")]
    TooLarge(u64),
    #[error("the file is smaller than the {0} bytes required")]
    TooSmall(u64),
    #[error("the file's MD5 is not the Content-MD5 declared: the file was discarded")]
    BadDigest,
    #[error("this upload has already been received: ask for a new upload to send another file")]
    AlreadyReceived,
    #[error("{0}")]
    Malformed(String),
    #[error("could not store the file: {0}")]
    Io(#[from] std::io::Error),
}

/// A temporary file, removed when dropped unless kept.
struct TempFile(Option<PathBuf>);

impl TempFile {
    fn new(root: &Path) -> Self {
        Self(Some(
            root.join(INCOMING)
                .join(format!("{}.partial", Uuid::new_v4())),
        ))
    }

    fn path(&self) -> &Path {
        self.0.as_deref().expect("a live temporary file")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Stream `body` into a new file at `path`, at most `max` bytes; its length and MD5.
async fn write_limited<S, E>(path: &Path, body: S, max: u64) -> Result<(u64, [u8; 16]), LocalError>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Display,
{
    let mut body = std::pin::pin!(body);
    let mut file = tokio::fs::File::create(path).await?;
    let mut md5 = Md5::new();
    let mut length = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk =
            chunk.map_err(|error| LocalError::Malformed(format!("reading the upload: {error}")))?;
        length += chunk.len() as u64;
        if length > max {
            return Err(LocalError::TooLarge(max));
        }
        md5.update(&chunk);
        file.write_all(&chunk).await?;
    }
    file.sync_all().await?;
    Ok((length, md5.finalize().into()))
}

/// Link `temp` to `target` (creating its directories); fails if `target` exists, which is what
/// makes a form single use even when two uploads race.
async fn link_into_place(temp: &TempFile, target: &Path) -> Result<(), LocalError> {
    if let Some(parent) = target.parent() {
        tokio::fs::create_dir_all(parent).await?;
    }
    match tokio::fs::hard_link(temp.path(), target).await {
        Err(error) if error.kind() == ErrorKind::AlreadyExists => Err(LocalError::AlreadyReceived),
        other => Ok(other?),
    }
}

impl LocalStore {
    /// Receive the file of a verified form: streamed, counted, hashed, then put in place.
    pub async fn receive<S, E>(&self, policy: &LocalPolicy, body: S) -> Result<u64, LocalError>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: Display,
    {
        let target = self.object_path(&policy.key)?;
        if tokio::fs::try_exists(&target).await? {
            return Err(LocalError::AlreadyReceived);
        }
        let (min, max) = policy.length_range;
        let temp = TempFile::new(&self.root);
        let (length, md5) = write_limited(temp.path(), body, max).await?;
        if length < min {
            return Err(LocalError::TooSmall(min));
        }
        if base64::Engine::encode(&base64::engine::general_purpose::STANDARD, md5)
            != policy.content_md5
        {
            return Err(LocalError::BadDigest);
        }
        link_into_place(&temp, &target).await?;
        Ok(length)
    }

    /// Receive part `number` of a multipart upload (replacing an earlier attempt, as S3 does);
    /// returns its ETag, the hex MD5 in quotes. A `Content-MD5` sent with it is checked.
    pub async fn receive_part<S, E>(
        &self,
        upload_id: Uuid,
        number: u32,
        max: u64,
        content_md5: Option<&str>,
        body: S,
    ) -> Result<String, LocalError>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: Display,
    {
        let dir = self.root.join(PARTS).join(upload_id.to_string());
        tokio::fs::create_dir_all(&dir).await?;
        let temp = TempFile::new(&self.root);
        let (_, md5) = write_limited(temp.path(), body, max).await?;
        if let Some(declared) = content_md5
            && base64::Engine::encode(&base64::engine::general_purpose::STANDARD, md5) != declared
        {
            return Err(LocalError::BadDigest);
        }
        tokio::fs::rename(temp.path(), dir.join(number.to_string())).await?;
        Ok(format!("\"{}\"", hex(&md5)))
    }

    /// Join the parts into the object, checking each part's ETag, the total size and the whole
    /// file's MD5 against what the upload declared; any mismatch discards the result.
    pub async fn complete(
        &self,
        upload: &MultipartUpload<'_>,
        parts: &[CompletedPart],
    ) -> Result<u64, UploadError> {
        let rejected = |detail: String| UploadError::Rejected(detail);
        let internal = |error: std::io::Error| UploadError::Internal(error.into());
        let target = self
            .object_path(upload.key)
            .map_err(|e| rejected(e.to_string()))?;
        let dir = self.root.join(PARTS).join(upload.id.to_string());
        let temp = TempFile::new(&self.root);
        let mut out = tokio::fs::File::create(temp.path())
            .await
            .map_err(internal)?;
        let mut whole = Md5::new();
        let mut length = 0u64;
        let mut buffer = vec![0u8; 256 * 1024];
        for part in parts {
            let path = dir.join(part.part_number.to_string());
            let mut file = match tokio::fs::File::open(&path).await {
                Ok(file) => file,
                Err(error) if error.kind() == ErrorKind::NotFound => {
                    return Err(rejected(format!(
                        "part {} was not uploaded",
                        part.part_number
                    )));
                }
                Err(error) => return Err(internal(error)),
            };
            let mut md5 = Md5::new();
            loop {
                let read = file.read(&mut buffer).await.map_err(internal)?;
                if read == 0 {
                    break;
                }
                md5.update(&buffer[..read]);
                whole.update(&buffer[..read]);
                out.write_all(&buffer[..read]).await.map_err(internal)?;
                length += read as u64;
            }
            if !hex(&md5.finalize()).eq_ignore_ascii_case(bare_etag(&part.etag)) {
                return Err(rejected(format!(
                    "part {}'s ETag is not the one it was stored with",
                    part.part_number
                )));
            }
        }
        out.sync_all().await.map_err(internal)?;
        if let Some(declared) = upload.content_length
            && length != declared
        {
            return Err(rejected(format!(
                "the parts add up to {length} bytes, not the {declared} declared"
            )));
        }
        if whole.finalize().as_slice() != upload.content_md5 {
            return Err(rejected(
                "the file's MD5 is not the Content-MD5 declared: the file was discarded".to_owned(),
            ));
        }
        link_into_place(&temp, &target)
            .await
            .map_err(|error| rejected(error.to_string()))?;
        let _ = tokio::fs::remove_dir_all(&dir).await;
        Ok(length)
    }

    pub async fn abort(&self, upload: &MultipartUpload<'_>) -> Result<(), UploadError> {
        let dir = self.root.join(PARTS).join(upload.id.to_string());
        match tokio::fs::remove_dir_all(&dir).await {
            Err(error) if error.kind() != ErrorKind::NotFound => {
                Err(UploadError::Internal(error.into()))
            }
            _ => Ok(()),
        }
    }

    pub async fn object_length(&self, key: &str) -> Result<Option<u64>, UploadError> {
        let path = self
            .object_path(key)
            .map_err(|error| UploadError::Rejected(error.to_string()))?;
        match tokio::fs::metadata(&path).await {
            Ok(metadata) => Ok(Some(metadata.len())),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(UploadError::Internal(error.into())),
        }
    }
}
