//! The S3 landing bucket: presigned POST forms and part URLs, and the four REST calls daap makes
//! itself (CreateMultipartUpload, CompleteMultipartUpload, AbortMultipartUpload, HeadObject),
//! each signed with SigV4 by [`super::sigv4`] and sent with reqwest.

mod address;
mod credentials;

use std::fmt;
use std::ops::RangeInclusive;
use std::time::Duration;

use aws_credential_types::provider::SharedCredentialsProvider;
use reqwest::{Method, StatusCode};
use time::OffsetDateTime;

use address::BucketAddress;
use credentials::CredentialCache;

use super::multipart::bare_etag;
use super::policy::{ACL, Encryption, PostPolicy};
use super::sigv4::{Scope, authorization_headers, canonical_query, presigned_query};
use super::{CompletedPart, MultipartUpload, PartUrl, SignedForm, Target, UploadError};

/// How long one S3 call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the landing bucket is and how objects are written to it.
#[derive(Debug, Clone)]
pub struct S3Settings {
    pub bucket: String,
    pub region: String,
    /// Another endpoint than AWS's regional one (an S3-compatible store, a VPC endpoint).
    pub endpoint_url: Option<String>,
    /// Address the bucket in the path (`https://host/bucket/key`) instead of the host name.
    pub path_style: bool,
    pub encryption: Encryption,
}

/// The landing bucket, with the credentials daap signs for it.
pub struct S3Store {
    settings: S3Settings,
    address: BucketAddress,
    credentials: CredentialCache,
    http: reqwest::Client,
}

impl fmt::Debug for S3Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Store")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl S3Store {
    /// A store signing with credentials from `provider` (the AWS default chain in production).
    pub fn new(settings: S3Settings, provider: SharedCredentialsProvider) -> anyhow::Result<Self> {
        let address = BucketAddress::new(&settings)?;
        let http = crate::auth::http_client_builder()
            .timeout(CALL_TIMEOUT)
            .build()?;
        Ok(Self {
            settings,
            address,
            credentials: CredentialCache {
                provider,
                current: tokio::sync::Mutex::new(None),
            },
            http,
        })
    }

    pub fn bucket(&self) -> &str {
        &self.settings.bucket
    }

    pub async fn sign_form(&self, target: &Target<'_>) -> Result<SignedForm, UploadError> {
        let now = OffsetDateTime::now_utc();
        let wanted = (target.expires_at - now).unsigned_abs();
        let (keys, keys_expire) = self.credentials.keys(wanted).await?;
        // A form signed with temporary credentials dies with them.
        let expires_at = keys_expire.map_or(target.expires_at, |at| at.min(target.expires_at));
        let scope = Scope {
            time: now,
            region: &self.settings.region,
        };
        let policy = PostPolicy {
            bucket: &self.settings.bucket,
            key: target.key,
            length_range: target.length_range,
            content_md5: target.content_md5,
            encryption: &self.settings.encryption,
            expires_at,
        };
        Ok(SignedForm {
            url: self.address.form_url(),
            fields: policy.sign(&keys, &scope),
            expires_at,
        })
    }

    pub async fn part_urls(
        &self,
        upload: &MultipartUpload<'_>,
        parts: RangeInclusive<u32>,
        expires_at: OffsetDateTime,
    ) -> Result<(Vec<PartUrl>, OffsetDateTime), UploadError> {
        let now = OffsetDateTime::now_utc();
        let wanted = (expires_at - now).unsigned_abs();
        let (keys, keys_expire) = self.credentials.keys(wanted).await?;
        let expires_at = keys_expire.map_or(expires_at, |at| at.min(expires_at));
        let scope = Scope {
            time: now,
            region: &self.settings.region,
        };
        let upload_id = upload.s3_upload_id.unwrap_or_default().to_owned();
        let path = self.address.object_path(upload.key);
        let valid_for = Duration::from_secs((expires_at - now).whole_seconds().max(1) as u64);
        let urls = parts
            .map(|number| {
                let query = presigned_query(
                    &keys,
                    &scope,
                    "PUT",
                    &self.address.host,
                    &path,
                    &[
                        ("partNumber", number.to_string()),
                        ("uploadId", upload_id.clone()),
                    ],
                    valid_for,
                );
                PartUrl {
                    part_number: number,
                    url: self.address.url(&path, &query),
                }
            })
            .collect();
        Ok((urls, expires_at))
    }

    /// CreateMultipartUpload with the same ACL and encryption as a POST: S3's upload id.
    pub async fn create_multipart(&self, key: &str) -> Result<String, UploadError> {
        let mut headers = vec![
            ("x-amz-acl".to_owned(), ACL.to_owned()),
            ("content-type".to_owned(), "text/csv".to_owned()),
        ];
        headers.extend(
            self.settings
                .encryption
                .headers()
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value)),
        );
        let body = self
            .call(
                Method::POST,
                key,
                &[("uploads", String::new())],
                headers,
                Vec::new(),
            )
            .await?;
        xml_element(&body, "UploadId")
            .map(str::to_owned)
            .ok_or_else(|| {
                UploadError::Unavailable(
                    "S3 answered CreateMultipartUpload without an UploadId".to_owned(),
                )
            })
    }

    /// CompleteMultipartUpload; returns the object's size (from a HeadObject after it).
    pub async fn complete(
        &self,
        upload: &MultipartUpload<'_>,
        parts: &[CompletedPart],
    ) -> Result<u64, UploadError> {
        let mut xml = String::from(
            r#"<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#,
        );
        for part in parts {
            // ETags were checked to be hex and dashes: nothing here needs escaping but quotes.
            xml.push_str(&format!(
                "<Part><PartNumber>{}</PartNumber><ETag>&quot;{}&quot;</ETag></Part>",
                part.part_number,
                bare_etag(&part.etag)
            ));
        }
        xml.push_str("</CompleteMultipartUpload>");
        let query = [(
            "uploadId",
            upload.s3_upload_id.unwrap_or_default().to_owned(),
        )];
        let headers = vec![("content-type".to_owned(), "application/xml".to_owned())];
        let body = self
            .call(Method::POST, upload.key, &query, headers, xml.into_bytes())
            .await?;
        // S3 can answer 200 and still fail, with an <Error> document in the body.
        if let Some(code) = xml_element(&body, "Code") {
            let message = xml_element(&body, "Message").unwrap_or_default();
            return Err(UploadError::Rejected(format!("S3 {code}: {message}")));
        }
        self.object_length(upload.key).await?.ok_or_else(|| {
            UploadError::Unavailable(
                "S3 completed the upload but the object is not there".to_owned(),
            )
        })
    }

    pub async fn abort(&self, upload: &MultipartUpload<'_>) -> Result<(), UploadError> {
        let query = [(
            "uploadId",
            upload.s3_upload_id.unwrap_or_default().to_owned(),
        )];
        match self
            .call(Method::DELETE, upload.key, &query, Vec::new(), Vec::new())
            .await
        {
            // Already gone (aborted before, or completed): nothing is left to discard.
            Err(UploadError::Rejected(message)) if message.contains("NoSuchUpload") => Ok(()),
            other => other.map(|_| ()),
        }
    }

    /// HeadObject: the object's size, or `None` when there is no such object.
    pub async fn object_length(&self, key: &str) -> Result<Option<u64>, UploadError> {
        let response = self
            .send(Method::HEAD, key, &[], Vec::new(), Vec::new())
            .await?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(None),
            // The header, not the (empty) body of a HEAD answer.
            status if status.is_success() => Ok(response
                .headers()
                .get("content-length")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())),
            status => Err(UploadError::Unavailable(format!(
                "S3 answered HeadObject with HTTP {status}"
            ))),
        }
    }

    /// Send a signed request and return the body of a successful answer.
    async fn call(
        &self,
        method: Method,
        key: &str,
        query: &[(&str, String)],
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, UploadError> {
        let action = format!("{method} {key}");
        let response = self.send(method, key, query, headers, body).await?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|error| UploadError::Unavailable(format!("S3 {action}: {error}")))?
            .to_vec();
        if status.is_success() {
            return Ok(body);
        }
        let code = xml_element(&body, "Code").unwrap_or("an error").to_owned();
        let message = xml_element(&body, "Message").unwrap_or_default();
        let detail = format!("S3 answered {action} with HTTP {status} {code}: {message}");
        // daap's own credentials or permissions, or S3 itself: not the client's doing.
        if status.is_server_error() || status == StatusCode::FORBIDDEN {
            Err(UploadError::Unavailable(detail))
        } else {
            Err(UploadError::Rejected(detail))
        }
    }

    async fn send(
        &self,
        method: Method,
        key: &str,
        query: &[(&str, String)],
        mut headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<reqwest::Response, UploadError> {
        let (keys, _) = self.credentials.keys(CALL_TIMEOUT).await?;
        let scope = Scope {
            time: OffsetDateTime::now_utc(),
            region: &self.settings.region,
        };
        let path = self.address.object_path(key);
        headers.push(("host".to_owned(), self.address.host.clone()));
        let signed = authorization_headers(
            &keys,
            &scope,
            method.as_str(),
            &path,
            query,
            headers.clone(),
            &body,
        );
        let canonical_query = canonical_query(query.iter().map(|(k, v)| (*k, v.as_str())));
        let mut request = self
            .http
            .request(method, self.address.url(&path, &canonical_query))
            .body(body);
        for (name, value) in headers.iter().chain(&signed) {
            if name != "host" {
                request = request.header(name, value);
            }
        }
        request
            .send()
            .await
            .map_err(|error| UploadError::Unavailable(format!("could not reach S3: {error}")))
    }
}

/// The text of the first `<name>` element of an S3 XML document.
fn xml_element<'a>(body: &'a [u8], name: &str) -> Option<&'a str> {
    let text = std::str::from_utf8(body).ok()?;
    let open = format!("<{name}>");
    let start = text.find(&open)? + open.len();
    let end = text[start..].find(&format!("</{name}>"))? + start;
    Some(&text[start..end])
}
