//! An upload's status as it is now. The store, not daap, sees the file arrive, so an `issued`
//! single upload is checked when read: its object exists (HeadObject, or the local file) and
//! it is `received`; it does not and its form has expired, and it is `expired`.

use std::time::Duration;

use futures_util::{StreamExt, stream};
use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::store::uploads::{self as store, UploadRow};
use crate::uploads::{UploadStatus, Uploads};

/// Store lookups a page of uploads makes at once.
const LOOKUPS_AT_ONCE: usize = 8;

/// How long after its form expired a missing object is still looked for before `expired` is
/// recorded for good: S3 checks a form's expiry when an upload starts, and a large file that
/// started in time can take this long to arrive. Until then `expired` is shown, not stored.
const LATE_ARRIVAL: Duration = Duration::from_secs(3600);

/// `rows` with the status of each brought up to date, recording what changed. The store is
/// asked about each issued single upload, a few at a time; a store that cannot answer leaves
/// a row as it was (and is logged).
pub async fn refresh(
    uploads: &Uploads,
    conn: &mut PgConnection,
    rows: Vec<UploadRow>,
) -> Result<Vec<UploadRow>, sqlx::Error> {
    let now = OffsetDateTime::now_utc();
    // Collected first: a lazy map inside the stream would not be `Send` for every lifetime.
    let lookups: Vec<_> = rows.iter().map(|row| look_up(uploads, row)).collect();
    let found: Vec<_> = stream::iter(lookups)
        .buffered(LOOKUPS_AT_ONCE)
        .collect()
        .await;
    let mut refreshed = Vec::with_capacity(rows.len());
    for (row, found) in rows.into_iter().zip(found) {
        refreshed.push(settle(conn, row, found, now).await?);
    }
    Ok(refreshed)
}

/// Whether the object of an issued single upload exists (and its size); `None` when there is
/// nothing to ask or the store could not answer.
async fn look_up(uploads: &Uploads, row: &UploadRow) -> Option<Option<u64>> {
    if row.status != UploadStatus::Issued.as_str() || row.part_size.is_some() {
        return None;
    }
    match uploads.object_length(&row.object_key).await {
        Ok(found) => Some(found),
        Err(error) => {
            tracing::warn!(upload.id = %row.id, error = %error, "could not check whether an upload arrived");
            None
        }
    }
}

/// The row after what the store said (`found`: `Some(size)` of an object that exists, `None`
/// when it was not asked or could not answer).
async fn settle(
    conn: &mut PgConnection,
    mut row: UploadRow,
    found: Option<Option<u64>>,
    now: OffsetDateTime,
) -> Result<UploadRow, sqlx::Error> {
    if row.status != UploadStatus::Issued.as_str() {
        return Ok(row);
    }
    if let Some(Some(length)) = found {
        let length = i64::try_from(length).ok();
        return Ok(match store::mark_received(conn, row.id, length).await? {
            Some(updated) => updated,
            None => reread(conn, row).await?,
        });
    }
    let multipart = row.part_size.is_some();
    let expired = now >= row.expires_at;
    // A multipart upload ends when completed (not by a file turning up): past its lifetime it
    // is expired at once. A single upload's object may still arrive for a while.
    if expired && (multipart || (found.is_some() && now >= row.expires_at + LATE_ARRIVAL)) {
        if let Some(updated) =
            store::mark_ended(conn, row.id, UploadStatus::Expired.as_str()).await?
        {
            return Ok(updated);
        }
        return reread(conn, row).await;
    }
    if expired && found.is_some() {
        UploadStatus::Expired.as_str().clone_into(&mut row.status);
    }
    Ok(row)
}

/// The row as stored now (another request changed it first).
async fn reread(conn: &mut PgConnection, row: UploadRow) -> Result<UploadRow, sqlx::Error> {
    Ok(store::find_by_id(conn, row.id).await?.unwrap_or(row))
}
