//! Upload records (migrations/0008_uploads.sql): one row per upload issued, its status moving
//! forward only (`issued` to `received`, `expired` or `aborted`).

use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::{Author, Version};

/// An upload as stored.
#[derive(Debug, Clone)]
pub struct UploadRow {
    pub id: Uuid,
    pub product_id: i64,
    pub table_name: String,
    pub major: i32,
    pub minor: i32,
    pub filename: String,
    pub object_key: String,
    pub store: String,
    pub bucket: Option<String>,
    pub content_md5: Vec<u8>,
    pub content_length: Option<i64>,
    pub part_size: Option<i64>,
    pub part_count: Option<i32>,
    pub s3_upload_id: Option<String>,
    pub status: String,
    pub expires_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub created_by_name: Option<String>,
    pub received_at: Option<OffsetDateTime>,
    pub received_length: Option<i64>,
}

impl UploadRow {
    pub fn version(&self) -> Version {
        Version {
            major: self.major,
            minor: self.minor,
        }
    }
}

/// A new upload, as the write that issues it records it.
#[derive(Debug)]
pub struct NewUpload<'a> {
    pub id: Uuid,
    pub product_id: i64,
    pub table: &'a str,
    pub version: Version,
    pub filename: &'a str,
    pub key: &'a str,
    pub store: &'a str,
    pub bucket: Option<&'a str>,
    pub content_md5: &'a [u8],
    pub content_length: Option<i64>,
    pub part_size: Option<i64>,
    pub part_count: Option<i32>,
    pub s3_upload_id: Option<&'a str>,
    pub expires_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub author: &'a Author,
}

/// Record a new upload; the row as stored.
#[tracing::instrument(level = "debug", skip_all, name = "db.uploads.insert")]
pub async fn insert(
    conn: &mut PgConnection,
    new: &NewUpload<'_>,
) -> Result<UploadRow, sqlx::Error> {
    sqlx::query_as!(
        UploadRow,
        "INSERT INTO uploads (id, product_id, table_name, major, minor, filename, object_key,
                              store, bucket, content_md5, content_length, part_size, part_count,
                              s3_upload_id, expires_at, created_at, created_by, created_by_name)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
         RETURNING id, product_id, table_name, major, minor, filename, object_key, store, bucket,
                   content_md5, content_length, part_size, part_count, s3_upload_id, status,
                   expires_at, created_at, created_by, created_by_name, received_at,
                   received_length",
        new.id,
        new.product_id,
        new.table,
        new.version.major,
        new.version.minor,
        new.filename,
        new.key,
        new.store,
        new.bucket,
        new.content_md5,
        new.content_length,
        new.part_size,
        new.part_count,
        new.s3_upload_id,
        new.expires_at,
        new.created_at,
        &new.author.id,
        new.author.display_name.as_deref(),
    )
    .fetch_one(conn)
    .await
}

/// The upload `id`, if it belongs to the table `table` of the product `product_id`.
#[tracing::instrument(level = "debug", skip_all, name = "db.uploads.find")]
pub async fn find(
    conn: &mut PgConnection,
    product_id: i64,
    table: &str,
    id: Uuid,
) -> Result<Option<UploadRow>, sqlx::Error> {
    sqlx::query_as!(
        UploadRow,
        "SELECT id, product_id, table_name, major, minor, filename, object_key, store, bucket,
                content_md5, content_length, part_size, part_count, s3_upload_id, status,
                expires_at, created_at, created_by, created_by_name, received_at, received_length
         FROM uploads WHERE id = $1 AND product_id = $2 AND table_name = $3",
        id,
        product_id,
        table
    )
    .fetch_optional(conn)
    .await
}

/// The upload `id`, whatever it belongs to (the local store's receiving endpoint).
#[tracing::instrument(level = "debug", skip_all, name = "db.uploads.find_by_id")]
pub async fn find_by_id(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<UploadRow>, sqlx::Error> {
    sqlx::query_as!(
        UploadRow,
        "SELECT id, product_id, table_name, major, minor, filename, object_key, store, bucket,
                content_md5, content_length, part_size, part_count, s3_upload_id, status,
                expires_at, created_at, created_by, created_by_name, received_at, received_length
         FROM uploads WHERE id = $1",
        id
    )
    .fetch_optional(conn)
    .await
}

/// Up to `limit` uploads of a table, newest first, after the keyset `after` (the
/// `created_at` and id of the last upload of the previous page); only those checked against
/// `version` when one is given.
#[tracing::instrument(level = "debug", skip_all, name = "db.uploads.list")]
pub async fn list(
    conn: &mut PgConnection,
    product_id: i64,
    table: &str,
    version: Option<Version>,
    after: Option<(OffsetDateTime, Uuid)>,
    limit: i64,
) -> Result<Vec<UploadRow>, sqlx::Error> {
    sqlx::query_as!(
        UploadRow,
        "SELECT id, product_id, table_name, major, minor, filename, object_key, store, bucket,
                content_md5, content_length, part_size, part_count, s3_upload_id, status,
                expires_at, created_at, created_by, created_by_name, received_at, received_length
         FROM uploads
         WHERE product_id = $1 AND table_name = $2
           AND ($3::integer IS NULL OR (major = $3 AND minor = $4))
           AND ($5::timestamptz IS NULL OR (created_at, id) < ($5, $6::uuid))
         ORDER BY created_at DESC, id DESC
         LIMIT $7",
        product_id,
        table,
        version.map(|v| v.major),
        version.map(|v| v.minor),
        after.map(|(at, _)| at),
        after.map(|(_, id)| id),
        limit
    )
    .fetch_all(conn)
    .await
}

/// Record that the object of the issued upload `id` exists (`length` bytes, when known).
/// Returns the row as it now is; `None` if the upload was no longer `issued`.
#[tracing::instrument(level = "debug", skip_all, name = "db.uploads.mark_received")]
pub async fn mark_received(
    conn: &mut PgConnection,
    id: Uuid,
    length: Option<i64>,
) -> Result<Option<UploadRow>, sqlx::Error> {
    sqlx::query_as!(
        UploadRow,
        "UPDATE uploads SET status = 'received', received_at = now(), received_length = $2
         WHERE id = $1 AND status = 'issued'
         RETURNING id, product_id, table_name, major, minor, filename, object_key, store, bucket,
                   content_md5, content_length, part_size, part_count, s3_upload_id, status,
                   expires_at, created_at, created_by, created_by_name, received_at,
                   received_length",
        id,
        length
    )
    .fetch_optional(conn)
    .await
}

/// Move the issued upload `id` to `status` (`expired` or `aborted`); the row as it now is, or
/// `None` if it was no longer `issued`.
#[tracing::instrument(level = "debug", skip_all, name = "db.uploads.mark_ended")]
pub async fn mark_ended(
    conn: &mut PgConnection,
    id: Uuid,
    status: &str,
) -> Result<Option<UploadRow>, sqlx::Error> {
    sqlx::query_as!(
        UploadRow,
        "UPDATE uploads SET status = $2
         WHERE id = $1 AND status = 'issued' AND $2 IN ('expired', 'aborted')
         RETURNING id, product_id, table_name, major, minor, filename, object_key, store, bucket,
                   content_md5, content_length, part_size, part_count, s3_upload_id, status,
                   expires_at, created_at, created_by, created_by_name, received_at,
                   received_length",
        id,
        status
    )
    .fetch_optional(conn)
    .await
}
