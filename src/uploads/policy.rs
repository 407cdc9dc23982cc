//! The presigned S3 POST: a policy document that pins everything about one upload, signed with
//! SigV4, and the form fields a client sends with its file. The AWS SDK for Rust cannot make
//! these (awslabs/aws-sdk-rust#863), so daap builds them here.
//!
//! What the policy pins, so that the holder of the form can upload exactly one kind of object
//! and nothing else: the bucket, the exact key (not a prefix), the size range, the file's
//! `Content-MD5`, server-side encryption (and the KMS key), the `bucket-owner-full-control`
//! ACL, the signing credential and time, the session token of temporary credentials, and the
//! expiry. S3 refuses a form whose fields do not meet every condition, and any form field that
//! no condition names.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::sigv4::{ALGORITHM, Keys, Scope};

/// The canned ACL every upload carries: the bucket's owner (the data platform) owns the object
/// whoever wrote it.
pub const ACL: &str = "bucket-owner-full-control";

/// Server-side encryption of uploaded objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encryption {
    /// SSE-S3 (`AES256`).
    Aes256,
    /// SSE-KMS with this key (id, alias or ARN).
    Kms { key_id: String },
}

impl Encryption {
    /// The value of `x-amz-server-side-encryption`.
    pub fn algorithm(&self) -> &'static str {
        match self {
            Encryption::Aes256 => "AES256",
            Encryption::Kms { .. } => "aws:kms",
        }
    }

    /// The headers (or form fields) that ask S3 for this encryption.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = vec![("x-amz-server-side-encryption", self.algorithm().to_owned())];
        if let Encryption::Kms { key_id } = self {
            headers.push((
                "x-amz-server-side-encryption-aws-kms-key-id",
                key_id.clone(),
            ));
        }
        headers
    }
}

/// Everything one presigned POST allows.
#[derive(Debug, Clone)]
pub struct PostPolicy<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    /// Smallest and largest accepted file, in bytes (both inclusive).
    pub length_range: (u64, u64),
    /// The file's MD5, base64, as the client declared it: S3 checks the bytes against it.
    pub content_md5: &'a str,
    pub encryption: &'a Encryption,
    pub expires_at: OffsetDateTime,
}

impl PostPolicy<'_> {
    /// The form fields (including `policy` and `x-amz-signature`) of this policy, signed with
    /// `keys` at `scope`. The client sends them, then its file as the last field, `file`.
    pub fn sign(&self, keys: &Keys, scope: &Scope<'_>) -> BTreeMap<String, String> {
        let mut fields: Vec<(&str, String)> = vec![
            ("key", self.key.to_owned()),
            ("Content-MD5", self.content_md5.to_owned()),
            ("acl", ACL.to_owned()),
        ];
        fields.extend(self.encryption.headers());
        fields.extend([
            ("x-amz-algorithm", ALGORITHM.to_owned()),
            ("x-amz-credential", scope.credential(keys)),
            ("x-amz-date", scope.amz_date()),
        ]);
        if let Some(token) = &keys.session_token {
            fields.push(("x-amz-security-token", token.clone()));
        }
        let mut conditions = vec![
            json!({ "bucket": self.bucket }),
            json!([
                "content-length-range",
                self.length_range.0,
                self.length_range.1
            ]),
        ];
        // Every field is an exact-match condition: a form that changes any of them, or adds
        // one, is refused.
        conditions.extend(fields.iter().map(|(name, value)| json!({ *name: value })));
        let document = json!({
            "expiration": iso8601_millis(self.expires_at),
            "conditions": Value::Array(conditions),
        });
        let policy = STANDARD.encode(document.to_string());
        let signature = scope.sign(keys, &policy);
        let mut form: BTreeMap<String, String> = fields
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect();
        form.insert("policy".to_owned(), policy);
        form.insert("x-amz-signature".to_owned(), signature);
        form
    }
}

/// `2026-01-31T12:05:00.000Z`, the form S3 wants for a policy's expiration.
pub fn iso8601_millis(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}
