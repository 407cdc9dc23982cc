//! Uploads of data files into the landing area the pipeline reads, without the bytes passing
//! through daap: daap decides where a file goes and what it must be, and hands the client a
//! signed form (or signed part URLs) for the store itself.
//!
//! Two stores, one contract ([`Uploads`]):
//! * **S3** (a landing bucket is configured): presigned POST policies ([`policy`]) and multipart
//!   uploads with presigned `UploadPart` URLs ([`s3`]), all signed by daap with SigV4
//!   ([`sigv4`]) using credentials from the AWS default chain.
//! * **Local** (no bucket, the zero-config run): daap receives the file itself under its data
//!   directory, with the same guarantees, checked by daap instead of S3 ([`local`]).
//!
//! Every upload is recorded (`store::uploads`) in the transaction of its idempotency record;
//! issuing one makes no product version.

pub mod config;
pub mod local;
pub mod multipart;
pub mod policy;
pub mod request;
pub mod s3;
pub mod sigv4;

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::DataProductName;
use crate::store::uploads::UploadRow;

pub use multipart::CompletedPart;

const MIB: u64 = 1024 * 1024;
/// S3's limit for one request (a POST or one part): 5 GiB.
pub const MAX_SINGLE_BYTES: u64 = 5 * 1024 * MIB;
/// S3's limit for one object: 5 TiB.
pub const MAX_OBJECT_BYTES: u64 = 5 * 1024 * 1024 * MIB;
/// S3's most parts in one multipart upload.
pub const MAX_PARTS: u64 = 10_000;
/// S3's smallest part (but the last); the floor of the configured part size in production.
pub const MIN_PART_BYTES: u64 = 5 * MIB;
/// Longest a presigned form or part URL may be valid.
pub const MAX_EXPIRY: Duration = Duration::from_secs(3600);
/// How long a multipart upload may stay open: daap issues part URLs until then, and counts it
/// as expired afterwards unless completed. A bucket lifecycle rule should abort incomplete
/// multipart uploads some time after this (docs/uploads.md).
pub const MULTIPART_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Where an upload stands. Only moves forward from `issued`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UploadStatus {
    /// Issued; the file has not arrived (yet).
    Issued,
    /// The object exists in the store.
    Received,
    /// It expired without the object arriving.
    Expired,
    /// A multipart upload that was aborted.
    Aborted,
}

impl UploadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UploadStatus::Issued => "issued",
            UploadStatus::Received => "received",
            UploadStatus::Expired => "expired",
            UploadStatus::Aborted => "aborted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Issued, Self::Received, Self::Expired, Self::Aborted]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// The key of an upload, in the layout the pipeline expects:
/// `landing/<name>/v<major>/<table>/load_timestamp=<YYYYMMDDTHHMMSSZ>/<uuid>.csv`. Data follows
/// major versions (one Glue database per major), so the minor version is not in the key.
pub fn landing_key(
    product: &DataProductName,
    major: i32,
    table: &str,
    at: OffsetDateTime,
    id: Uuid,
) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "landing/{product}/v{major}/{table}/load_timestamp={:04}{:02}{:02}T{:02}{:02}{:02}Z/{id}.csv",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// What the store is asked to accept for one single-request upload.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub id: Uuid,
    pub key: &'a str,
    /// Base64 MD5 of the file.
    pub content_md5: &'a str,
    /// Smallest and largest accepted size in bytes.
    pub length_range: (u64, u64),
    pub expires_at: OffsetDateTime,
}

/// A multipart upload, as the stores need to know it.
#[derive(Debug, Clone)]
pub struct MultipartUpload<'a> {
    pub id: Uuid,
    pub key: &'a str,
    /// S3's id of the upload (`None` in the local store, which uses daap's id).
    pub s3_upload_id: Option<&'a str>,
    pub part_size: u64,
    /// What the whole file must be (checked by the local store; S3 checks each part).
    pub content_length: Option<u64>,
    pub content_md5: &'a [u8],
}

impl<'a> MultipartUpload<'a> {
    /// The multipart upload a row records, if it is one.
    pub fn of(row: &'a UploadRow) -> Option<Self> {
        Some(Self {
            id: row.id,
            key: &row.object_key,
            s3_upload_id: row.s3_upload_id.as_deref(),
            part_size: u64::try_from(row.part_size?).ok()?,
            content_length: row.content_length.and_then(|n| u64::try_from(n).ok()),
            content_md5: &row.content_md5,
        })
    }
}

/// A signed form: POST it as `multipart/form-data` to `url`, with `fields` and then the file
/// as the last field, `file`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignedForm {
    pub url: String,
    pub fields: BTreeMap<String, String>,
    /// When the form stops being accepted (sooner than asked if the credentials expire first).
    #[serde(skip)]
    pub expires_at: OffsetDateTime,
}

/// A presigned URL for one part of a multipart upload: `PUT` the part's bytes to it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartUrl {
    pub part_number: u32,
    pub url: String,
}

/// Why the store did not do what daap asked. Never carries a credential.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The store refused the request as made by the client (e.g. a part with a wrong ETag, a
    /// file of the wrong size or MD5).
    #[error("{0}")]
    Rejected(String),
    /// The store could not be reached or failed, or daap has no usable credentials.
    #[error("{0}")]
    Unavailable(String),
    /// Something went wrong inside daap (a local file operation).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// How uploads behave in this deployment.
#[derive(Debug, Clone)]
pub struct UploadSettings {
    /// How long a presigned form or part URL is valid (at most [`MAX_EXPIRY`]).
    pub expiry: Duration,
    /// The part size of multipart uploads, raised when a file would need more than
    /// [`MAX_PARTS`] parts.
    pub part_size: u64,
}

impl Default for UploadSettings {
    fn default() -> Self {
        Self {
            expiry: Duration::from_secs(300),
            part_size: 64 * MIB,
        }
    }
}

/// The configured upload store and its settings.
#[derive(Debug)]
pub struct Uploads {
    pub settings: UploadSettings,
    pub store: Store,
}

/// One per process, behind an `Arc`: the size of the S3 variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Store {
    S3(s3::S3Store),
    Local(local::LocalStore),
}

impl Uploads {
    /// `s3` or `local`, as recorded on upload rows.
    pub fn store_name(&self) -> &'static str {
        match &self.store {
            Store::S3(_) => "s3",
            Store::Local(_) => "local",
        }
    }

    pub fn bucket(&self) -> Option<&str> {
        match &self.store {
            Store::S3(s3) => Some(s3.bucket()),
            Store::Local(_) => None,
        }
    }

    /// A signed form for `target`. `origin` is daap's own base URL as the client reached it
    /// (the local store's forms are posted back to daap).
    pub async fn sign_form(
        &self,
        target: &Target<'_>,
        origin: &str,
    ) -> Result<SignedForm, UploadError> {
        match &self.store {
            Store::S3(s3) => s3.sign_form(target).await,
            Store::Local(local) => Ok(local.sign_form(target, origin)),
        }
    }

    /// Start a multipart upload of `key`: S3's upload id (`None` for the local store, which
    /// uses daap's upload id).
    pub async fn start_multipart(&self, key: &str) -> Result<Option<String>, UploadError> {
        match &self.store {
            Store::S3(s3) => s3.create_multipart(key).await.map(Some),
            Store::Local(_) => Ok(None),
        }
    }

    /// Presigned URLs for the parts `parts` of the multipart `upload`, valid until the returned
    /// time.
    pub async fn part_urls(
        &self,
        upload: &MultipartUpload<'_>,
        parts: RangeInclusive<u32>,
        origin: &str,
    ) -> Result<(Vec<PartUrl>, OffsetDateTime), UploadError> {
        let expires_at = OffsetDateTime::now_utc() + self.settings.expiry;
        match &self.store {
            Store::S3(s3) => s3.part_urls(upload, parts, expires_at).await,
            Store::Local(local) => Ok((
                local.part_urls(upload, parts, expires_at, origin),
                expires_at,
            )),
        }
    }

    /// Finish the multipart `upload` from `parts`; returns the object's size.
    pub async fn complete(
        &self,
        upload: &MultipartUpload<'_>,
        parts: &[CompletedPart],
    ) -> Result<u64, UploadError> {
        match &self.store {
            Store::S3(s3) => s3.complete(upload, parts).await,
            Store::Local(local) => local.complete(upload, parts).await,
        }
    }

    /// Abort the multipart `upload`, discarding its parts.
    pub async fn abort(&self, upload: &MultipartUpload<'_>) -> Result<(), UploadError> {
        match &self.store {
            Store::S3(s3) => s3.abort(upload).await,
            Store::Local(local) => local.abort(upload).await,
        }
    }

    /// The size of the object at `key`, or `None` when it does not exist.
    pub async fn object_length(&self, key: &str) -> Result<Option<u64>, UploadError> {
        match &self.store {
            Store::S3(s3) => s3.object_length(key).await,
            Store::Local(local) => local.object_length(key).await,
        }
    }
}
