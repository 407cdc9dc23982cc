//! The local upload store, for running daap with no cloud account: files land under the data
//! directory (`<data dir>/uploads/<key>`, the same key layout as the bucket), received by daap
//! itself at `POST /local-uploads/{uploadId}` (a form shaped like S3's) and, for multipart
//! uploads, `PUT /local-uploads/{uploadId}/parts/{n}`.
//!
//! The guarantees are S3's, checked by daap: forms and part URLs are signed (HMAC-SHA256 with a
//! secret generated once per data directory and kept in a 0600 file), expire, name one exact
//! key, limit the size (counted while streaming), and carry the file's MD5 (computed while
//! streaming; a mismatch discards the file). A form is single use. Bytes stream to disk: a
//! file is never held in memory.

mod files;

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::OffsetDateTime;
use uuid::Uuid;

use super::sigv4::hex;
use super::{MultipartUpload, PartUrl, SignedForm, Target};

pub use files::LocalError;

/// The secret's file in the data directory.
const SECRET_FILE: &str = "upload-signing.key";
/// What a signature is for, so that a form's signature can never pass as a part URL's.
const FORM_PURPOSE: &str = "daap-local-upload-form-v1";
const PART_PURPOSE: &str = "daap-local-upload-part-v1";
/// The signature field of a local form (S3's is `x-amz-signature`).
pub const SIGNATURE_FIELD: &str = "x-daap-signature";

/// Uploads under a data directory.
pub struct LocalStore {
    root: PathBuf,
    secret: [u8; 32],
}

impl std::fmt::Debug for LocalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalStore")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

/// What a local form allows, as signed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalPolicy {
    pub upload_id: Uuid,
    pub key: String,
    #[serde(rename = "contentMD5")]
    pub content_md5: String,
    pub length_range: (u64, u64),
    /// Unix time after which the form is refused.
    pub expiration: i64,
}

/// The query of a signed part URL.
#[derive(Debug, Deserialize)]
pub struct PartQuery {
    pub expires: i64,
    /// Largest accepted part, in bytes.
    pub size: u64,
    pub signature: String,
}

impl LocalStore {
    /// The store of `data_dir`: files under `<data_dir>/uploads`, the signing secret in
    /// `<data_dir>/upload-signing.key` (made on first use).
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let root = std::path::absolute(data_dir.join("uploads"))?;
        for dir in [
            root.clone(),
            root.join(files::INCOMING),
            root.join(files::PARTS),
        ] {
            std::fs::create_dir_all(&dir).map_err(|error| {
                anyhow::anyhow!(
                    "could not create the upload directory {}: {error}",
                    dir.display()
                )
            })?;
        }
        let secret = load_or_create_secret(&data_dir.join(SECRET_FILE))?;
        Ok(Self { root, secret })
    }

    /// Where received files are: `<root>/<key>`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn sign_form(&self, target: &Target<'_>, origin: &str) -> SignedForm {
        let policy = LocalPolicy {
            upload_id: target.id,
            key: target.key.to_owned(),
            content_md5: target.content_md5.to_owned(),
            length_range: target.length_range,
            expiration: target.expires_at.unix_timestamp(),
        };
        let encoded = STANDARD.encode(serde_json::to_vec(&policy).expect("a policy serialises"));
        let signature = hex(&self.mac(FORM_PURPOSE, &encoded).finalize().into_bytes());
        let fields = BTreeMap::from([
            ("key".to_owned(), policy.key),
            ("Content-MD5".to_owned(), policy.content_md5),
            ("policy".to_owned(), encoded),
            (SIGNATURE_FIELD.to_owned(), signature),
        ]);
        SignedForm {
            url: format!("{origin}/local-uploads/{}", target.id),
            fields,
            expires_at: target.expires_at,
        }
    }

    /// The policy of a form posted for `upload_id`, if the form is exactly what daap signed and
    /// has not expired. Like S3, any field the policy does not name is refused.
    pub fn verify_form(
        &self,
        upload_id: Uuid,
        fields: &BTreeMap<String, String>,
    ) -> Result<LocalPolicy, LocalError> {
        let field = |name: &str| {
            fields
                .get(name)
                .ok_or_else(|| LocalError::Forbidden(format!("the form has no `{name}` field")))
        };
        let encoded = field("policy")?;
        let signature = field(SIGNATURE_FIELD)?;
        self.verify(FORM_PURPOSE, encoded, signature)?;
        let policy: LocalPolicy = STANDARD
            .decode(encoded)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or_else(|| LocalError::Forbidden("the policy is not one daap signed".to_owned()))?;
        if policy.upload_id != upload_id {
            return Err(LocalError::Forbidden(
                "the form is for another upload".to_owned(),
            ));
        }
        expired(policy.expiration)?;
        if field("key")? != &policy.key {
            return Err(LocalError::Forbidden(
                "`key` is not the key the policy allows".to_owned(),
            ));
        }
        if field("Content-MD5")? != &policy.content_md5 {
            return Err(LocalError::Forbidden(
                "`Content-MD5` is not the one the policy names".to_owned(),
            ));
        }
        let allowed = ["key", "Content-MD5", "policy", SIGNATURE_FIELD];
        if let Some(extra) = fields.keys().find(|name| !allowed.contains(&name.as_str())) {
            return Err(LocalError::Forbidden(format!(
                "the policy does not allow the field `{extra}`"
            )));
        }
        Ok(policy)
    }

    pub fn part_urls(
        &self,
        upload: &MultipartUpload<'_>,
        parts: std::ops::RangeInclusive<u32>,
        expires_at: OffsetDateTime,
        origin: &str,
    ) -> Vec<PartUrl> {
        let expires = expires_at.unix_timestamp();
        let size = upload.part_size;
        parts
            .map(|number| {
                let message = format!("{}\n{number}\n{expires}\n{size}", upload.id);
                let signature = hex(&self.mac(PART_PURPOSE, &message).finalize().into_bytes());
                PartUrl {
                    part_number: number,
                    url: format!(
                        "{origin}/local-uploads/{}/parts/{number}?expires={expires}&size={size}&signature={signature}",
                        upload.id
                    ),
                }
            })
            .collect()
    }

    /// Check a part URL's signature and expiry; returns the largest part it accepts.
    pub fn verify_part(
        &self,
        upload_id: Uuid,
        number: u32,
        query: &PartQuery,
    ) -> Result<u64, LocalError> {
        let message = format!("{upload_id}\n{number}\n{}\n{}", query.expires, query.size);
        self.verify(PART_PURPOSE, &message, &query.signature)?;
        expired(query.expires)?;
        Ok(query.size)
    }

    fn mac(&self, purpose: &str, message: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"\n");
        mac.update(message.as_bytes());
        mac
    }

    /// Constant-time check of a hex signature.
    fn verify(&self, purpose: &str, message: &str, signature: &str) -> Result<(), LocalError> {
        let bytes = decode_hex(signature).unwrap_or_default();
        self.mac(purpose, message)
            .verify_slice(&bytes)
            .map_err(|_| LocalError::Forbidden("the signature does not match".to_owned()))
    }

    /// `<root>/<key>` for a key daap made; never a path outside the root.
    fn object_path(&self, key: &str) -> Result<PathBuf, LocalError> {
        let relative = Path::new(key);
        if relative
            .components()
            .all(|part| matches!(part, Component::Normal(_)))
        {
            Ok(self.root.join(relative))
        } else {
            Err(LocalError::Forbidden(format!(
                "`{key}` is not an upload key"
            )))
        }
    }
}

fn expired(expiration: i64) -> Result<(), LocalError> {
    if OffsetDateTime::now_utc().unix_timestamp() >= expiration {
        return Err(LocalError::Forbidden(
            "the upload's signature has expired: ask for a new upload".to_owned(),
        ));
    }
    Ok(())
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Read the secret, or make it: 32 random bytes, hex, in a file only daap's user can read.
/// Two processes starting at once agree: only one can create the file.
fn load_or_create_secret(path: &Path) -> anyhow::Result<[u8; 32]> {
    let read = |path: &Path| -> anyhow::Result<[u8; 32]> {
        let text = std::fs::read_to_string(path)?;
        decode_hex(text.trim())
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| anyhow::anyhow!("{} is not an upload signing key", path.display()))
    };
    if path.exists() {
        return read(path);
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|error| anyhow::anyhow!("no randomness for the upload signing key: {error}"))?;
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
    match created {
        Ok(mut file) => {
            writeln!(file, "{}", hex(&secret))?;
            file.sync_all()?;
            Ok(secret)
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => read(path),
        Err(error) => Err(anyhow::anyhow!(
            "could not create the upload signing key {}: {error}",
            path.display()
        )),
    }
}
