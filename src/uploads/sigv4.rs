//! AWS Signature Version 4, the parts daap signs itself for S3: the derived signing key, the
//! canonical request, presigned URLs (`UploadPart`) and the `Authorization` header of the few
//! REST calls it makes (multipart create/complete/abort, `HeadObject`). The POST policy, which
//! the AWS SDK for Rust cannot produce (awslabs/aws-sdk-rust#863), is built on this in
//! [`super::policy`].
//!
//! Why not `aws-sdk-s3`: daap makes four S3 calls, all simple, and needs its own SigV4 code for
//! the POST policy anyway; the SDK crate would add minutes to every cold build on 2 cores.

use std::fmt;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The only algorithm S3 accepts for SigV4.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The payload hash of a presigned URL: the body is not part of the signature.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// The service every scope here names.
const SERVICE: &str = "s3";

/// The credentials one signature is made with. `Debug` shows neither the secret nor the token.
#[derive(Clone)]
pub struct Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// The session token of temporary credentials (a role, Kubernetes service-account roles):
    /// it travels with every request as `x-amz-security-token`.
    pub session_token: Option<String>,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .finish()
    }
}

/// When a signature is made and for which region: together they are the credential scope.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub time: OffsetDateTime,
    pub region: &'a str,
}

impl Scope<'_> {
    /// `20130524T000000Z`.
    pub fn amz_date(&self) -> String {
        let t = self.time;
        format!(
            "{}T{:02}{:02}{:02}Z",
            self.date(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }

    /// `20130524`.
    pub fn date(&self) -> String {
        let t = self.time;
        format!("{:04}{:02}{:02}", t.year(), u8::from(t.month()), t.day())
    }

    /// `20130524/us-east-1/s3/aws4_request`.
    pub fn credential_scope(&self) -> String {
        format!("{}/{}/{SERVICE}/aws4_request", self.date(), self.region)
    }

    /// `<access key id>/<credential scope>`, the `x-amz-credential` of a request.
    pub fn credential(&self, keys: &Keys) -> String {
        format!("{}/{}", keys.access_key_id, self.credential_scope())
    }

    /// The key derived from the secret for this scope (day, region, service).
    pub fn signing_key(&self, keys: &Keys) -> [u8; 32] {
        let secret = format!("AWS4{}", keys.secret_access_key);
        let day = hmac_sha256(secret.as_bytes(), self.date().as_bytes());
        let region = hmac_sha256(&day, self.region.as_bytes());
        let service = hmac_sha256(&region, SERVICE.as_bytes());
        hmac_sha256(&service, b"aws4_request")
    }

    /// The hex signature of `string_to_sign` with `keys` in this scope.
    pub fn sign(&self, keys: &Keys, string_to_sign: &str) -> String {
        hex(&hmac_sha256(
            &self.signing_key(keys),
            string_to_sign.as_bytes(),
        ))
    }
}

pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Percent-encode everything but RFC 3986's unreserved characters (and `/`, unless
/// `encode_slash`), with upper-case hex: the encoding SigV4 signs and S3 expects.
pub fn uri_encode(text: &str, encode_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            b'/' if !encode_slash => out.push('/'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// Query parameters encoded and sorted, as SigV4 signs them (and as a request can send them).
pub fn canonical_query<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<(String, String)> = pairs
        .map(|(k, v)| (uri_encode(k, true), uri_encode(v, true)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// One request as SigV4 sees it.
#[derive(Debug, Clone)]
pub struct CanonicalRequest<'a> {
    pub method: &'a str,
    /// The path exactly as sent, already percent-encoded (S3 paths are encoded once).
    pub path: &'a str,
    /// Query parameters, not encoded; sorted and encoded when signing.
    pub query: Vec<(String, String)>,
    /// Signed headers: lower-case names, values as sent.
    pub headers: Vec<(String, String)>,
    /// Hex SHA-256 of the body, or [`UNSIGNED_PAYLOAD`].
    pub payload_hash: &'a str,
}

impl CanonicalRequest<'_> {
    /// `host;x-amz-date`: the names of the signed headers, sorted.
    pub fn signed_headers(&self) -> String {
        let mut names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        names.join(";")
    }

    /// The query string in canonical form (also what the request sends).
    pub fn query_string(&self) -> String {
        canonical_query(self.query.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    pub fn canonical(&self) -> String {
        let mut headers: Vec<(&str, String)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str(),
                    v.split_whitespace().collect::<Vec<_>>().join(" "),
                )
            })
            .collect();
        headers.sort();
        let headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}",
            self.method,
            self.path,
            self.query_string(),
            headers,
            self.signed_headers(),
            self.payload_hash
        )
    }

    pub fn string_to_sign(&self, scope: &Scope<'_>) -> String {
        format!(
            "{ALGORITHM}\n{}\n{}\n{}",
            scope.amz_date(),
            scope.credential_scope(),
            sha256_hex(self.canonical().as_bytes())
        )
    }
}

/// The query string of a presigned URL for `method` on `host` + `path` with `params`: valid for
/// `expires` from `scope.time`, for the body the holder chooses (`UNSIGNED-PAYLOAD`).
pub fn presigned_query(
    keys: &Keys,
    scope: &Scope<'_>,
    method: &str,
    host: &str,
    path: &str,
    params: &[(&str, String)],
    expires: Duration,
) -> String {
    let mut query: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    query.extend([
        ("X-Amz-Algorithm".to_owned(), ALGORITHM.to_owned()),
        ("X-Amz-Credential".to_owned(), scope.credential(keys)),
        ("X-Amz-Date".to_owned(), scope.amz_date()),
        ("X-Amz-Expires".to_owned(), expires.as_secs().to_string()),
        ("X-Amz-SignedHeaders".to_owned(), "host".to_owned()),
    ]);
    if let Some(token) = &keys.session_token {
        query.push(("X-Amz-Security-Token".to_owned(), token.clone()));
    }
    let request = CanonicalRequest {
        method,
        path,
        query,
        headers: vec![("host".to_owned(), host.to_owned())],
        payload_hash: UNSIGNED_PAYLOAD,
    };
    let signature = scope.sign(keys, &request.string_to_sign(scope));
    format!("{}&X-Amz-Signature={signature}", request.query_string())
}

/// The headers that sign a request in the `Authorization` header: `x-amz-date`,
/// `x-amz-content-sha256`, `x-amz-security-token` (temporary credentials) and `authorization`.
/// `headers` are the other headers to sign (at least `host`).
pub fn authorization_headers(
    keys: &Keys,
    scope: &Scope<'_>,
    method: &str,
    path: &str,
    query: &[(&str, String)],
    mut headers: Vec<(String, String)>,
    body: &[u8],
) -> Vec<(String, String)> {
    let payload_hash = sha256_hex(body);
    let mut added = vec![
        ("x-amz-date".to_owned(), scope.amz_date()),
        ("x-amz-content-sha256".to_owned(), payload_hash.clone()),
    ];
    if let Some(token) = &keys.session_token {
        added.push(("x-amz-security-token".to_owned(), token.clone()));
    }
    headers.extend(added.iter().cloned());
    let request = CanonicalRequest {
        method,
        path,
        query: query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
        headers,
        payload_hash: &payload_hash,
    };
    let signature = scope.sign(keys, &request.string_to_sign(scope));
    added.push((
        "authorization".to_owned(),
        format!(
            "{ALGORITHM} Credential={}, SignedHeaders={}, Signature={signature}",
            scope.credential(keys),
            request.signed_headers()
        ),
    ));
    added
}
