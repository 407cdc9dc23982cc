//! The request for an upload, parsed: every problem reported at once, each with its pointer.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::validation::{Fields, InvalidFields};

use super::multipart::{PartPlan, plan_parts};
use super::{MAX_OBJECT_BYTES, MAX_SINGLE_BYTES};

/// Longest accepted file name.
pub const MAX_FILENAME_CHARS: usize = 255;

/// Ask for an upload of one CSV file into the table.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)] // the OpenAPI description of the body; parsing is `UploadRequest::parse`
pub struct UploadRequestBody {
    /// The file's name, for people (the object key is daap's); must end in `.csv`, without
    /// `/`, `\` or control characters.
    #[schema(
        example = "incidents-2026-01.csv",
        max_length = 255,
        pattern = r"^[^/\\\u0000-\u001f\u007f-\u009f]+\.[cC][sS][vV]$"
    )]
    filename: String,
    /// Base64 of the file's 16-byte MD5 digest (`openssl md5 -binary FILE | base64`): the store
    /// refuses any other bytes.
    #[serde(rename = "contentMD5")]
    #[schema(
        example = "1B2M2Y8AsgTpgAmY7PhCfg==",
        pattern = "^[A-Za-z0-9+/]{21}[AQgw]==$"
    )]
    content_md5: String,
    /// The file's size in bytes. When given, the store accepts exactly this size; required
    /// for a multipart upload, and one over 5 GiB is always multipart.
    #[schema(minimum = 1, maximum = 5_497_558_138_880_i64)]
    content_length: Option<i64>,
    /// Upload in parts (S3 multipart): for files over 5 GiB, or to send parts in parallel and
    /// retry them one by one.
    multipart: Option<bool>,
}

/// A valid request for an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRequest {
    pub filename: String,
    /// The digest, and its canonical base64 spelling (what the store is told).
    pub content_md5: [u8; 16],
    pub content_md5_base64: String,
    pub content_length: Option<u64>,
    /// `Some` for a multipart upload: the parts daap chose.
    pub parts: Option<PartPlan>,
}

impl UploadRequest {
    /// Parse `body`; a multipart upload gets parts of `part_size` bytes (or larger, to stay
    /// within S3's 10,000 parts).
    pub fn parse(body: &Value, part_size: u64) -> Result<Self, InvalidFields> {
        let mut fields = Fields::of(body)?;
        let filename = fields.required_exact("filename", MAX_FILENAME_CHARS);
        if let Some(problem) = filename_problem(&filename).filter(|_| !filename.is_empty()) {
            fields.error("filename", problem);
        }
        let md5_text = fields.required_exact("contentMD5", 64);
        let content_md5 = match STANDARD.decode(md5_text.as_bytes()) {
            Ok(bytes) => <[u8; 16]>::try_from(bytes.as_slice()).ok(),
            Err(_) => None,
        };
        if content_md5.is_none() && !md5_text.is_empty() {
            fields.error(
                "contentMD5",
                "must be the base64 of the file's 16-byte MD5 digest, e.g. the output of \
                 `openssl md5 -binary FILE | base64`",
            );
        }
        let content_length = fields
            .optional_int("contentLength", 1, MAX_OBJECT_BYTES as i64)
            .map(|n| n as u64);
        let asked_multipart = fields.optional_bool("multipart").unwrap_or(false);
        let multipart = asked_multipart || content_length.is_some_and(|n| n > MAX_SINGLE_BYTES);
        if multipart && content_length.is_none() {
            fields.error(
                "contentLength",
                "is required for a multipart upload: daap chooses the parts from the size",
            );
        }
        fields.finish()?;
        let content_md5 = content_md5.unwrap_or_default();
        Ok(Self {
            filename,
            content_md5,
            content_md5_base64: STANDARD.encode(content_md5),
            content_length,
            parts: match (multipart, content_length) {
                (true, Some(length)) => Some(plan_parts(length, part_size)),
                _ => None,
            },
        })
    }

    /// The sizes a single-request upload accepts: exactly the declared size, or 1 byte to 5 GiB.
    pub fn length_range(&self) -> (u64, u64) {
        match self.content_length {
            Some(length) => (length, length),
            None => (1, MAX_SINGLE_BYTES),
        }
    }
}

/// Why `filename` is not acceptable, if it is not.
fn filename_problem(filename: &str) -> Option<&'static str> {
    if filename
        .chars()
        .any(|c| c.is_control() || c == '/' || c == '\\')
    {
        return Some("must be a file name, without `/`, `\\` or control characters");
    }
    let is_csv = filename
        .rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && ext.eq_ignore_ascii_case("csv"));
    (!is_csv).then_some("only CSV files can be uploaded: the name must end in `.csv`")
}
