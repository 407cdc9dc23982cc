//! Response bodies of the upload endpoints.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::{DataProductName, TableRef};
use crate::store::uploads::UploadRow;
use crate::uploads::{PartUrl, UploadStatus};

/// One upload of a file into a table, as recorded.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Upload {
    pub upload_id: Uuid,
    /// `issued` (waiting for the file), `received` (the object exists), `expired` (it never
    /// arrived) or `aborted` (a multipart upload given up).
    pub status: UploadStatus,
    /// The table: `dp:<name>:<table>`.
    #[schema(example = "dp:hmpps_use_of_force:incidents")]
    pub schema_id: String,
    /// The version whose schema the file will be checked against (the latest when issued).
    #[schema(example = "v1.2")]
    pub schema_version: String,
    #[schema(example = "dp:hmpps_use_of_force:v1.2:incidents")]
    pub versioned_schema_id: String,
    /// The client's name for the file.
    pub filename: String,
    /// Where the file lands (the pipeline's layout).
    #[schema(
        example = "landing/hmpps_use_of_force/v1/incidents/load_timestamp=20260131T120000Z/0b6f3d58-0a5e-4a43-9a4e-0d0f8b1f6c11.csv"
    )]
    pub key: String,
    /// `s3` or `local`.
    pub store: String,
    /// The landing bucket (`s3` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// Base64 MD5 the file must have.
    #[serde(rename = "contentMD5")]
    pub content_md5: String,
    /// Declared size in bytes, when given.
    pub content_length: Option<i64>,
    /// The parts of a multipart upload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multipart: Option<Multipart>,
    /// When the form expires (single upload), or when daap stops issuing part URLs (multipart).
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Who asked for the upload: a user's object id, an application's client id, or `anonymous`.
    pub created_by: String,
    pub created_by_name: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub received_at: Option<OffsetDateTime>,
    /// Size of the object received, in bytes.
    pub received_length: Option<i64>,
}

/// How a multipart upload is cut: every part is `partSize` bytes but the last.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Multipart {
    pub part_size: i64,
    pub part_count: i32,
}

impl Upload {
    pub fn from_row(name: &DataProductName, row: &UploadRow) -> Self {
        let version = row.version();
        Self {
            upload_id: row.id,
            status: UploadStatus::parse(&row.status).unwrap_or(UploadStatus::Issued),
            schema_id: TableRef::table_id(name, &row.table_name),
            schema_version: version.to_string(),
            versioned_schema_id: TableRef::versioned_table_id(name, version, &row.table_name),
            filename: row.filename.clone(),
            key: row.object_key.clone(),
            store: row.store.clone(),
            bucket: row.bucket.clone(),
            content_md5: STANDARD.encode(&row.content_md5),
            content_length: row.content_length,
            multipart: row
                .part_size
                .zip(row.part_count)
                .map(|(part_size, part_count)| Multipart {
                    part_size,
                    part_count,
                }),
            expires_at: row.expires_at,
            created_at: row.created_at,
            created_by: row.created_by.clone(),
            created_by_name: row.created_by_name.clone(),
            received_at: row.received_at,
            received_length: row.received_length,
        }
    }
}

/// A new upload and how to send the file: a form (`url` and `fields`) for a single upload, or
/// part URLs for a multipart one.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedUpload {
    #[serde(flatten)]
    pub upload: Upload,
    /// Single upload: POST `multipart/form-data` here, with `fields` and then the file as the
    /// last field, `file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
    /// Multipart upload: the first part URLs (ask `…/parts` for the rest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parts: Option<PartUrls>,
}

/// Presigned part URLs: `PUT` each part's bytes to its URL and keep the `ETag` answered.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartUrls {
    pub urls: Vec<PartUrl>,
    /// When these URLs stop working (ask again for fresh ones).
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// A page of uploads, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadPage {
    pub value: Vec<Upload>,
    /// The next page, absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}
