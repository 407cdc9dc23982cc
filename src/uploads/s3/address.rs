//! The bucket's URLs, virtual-hosted or path-style, as S3 signs and reads them.

use reqwest::Url;

use super::S3Settings;
use crate::uploads::sigv4::uri_encode;

/// The bucket's URLs: virtual-hosted (`bucket.s3.<region>.amazonaws.com`) or path-style.
#[derive(Debug, Clone)]
pub(super) struct BucketAddress {
    scheme: String,
    /// `host` or `host:port`, as signed and sent.
    pub(super) host: String,
    /// `""` (virtual-hosted) or `/<bucket>` (path-style).
    prefix: String,
}

impl BucketAddress {
    pub(super) fn new(settings: &S3Settings) -> anyhow::Result<Self> {
        let (scheme, authority) = match &settings.endpoint_url {
            Some(endpoint) => {
                let url = Url::parse(endpoint).map_err(|error| {
                    anyhow::anyhow!("the S3 endpoint URL `{endpoint}`: {error}")
                })?;
                anyhow::ensure!(
                    url.path() == "/" || url.path().is_empty(),
                    "the S3 endpoint URL `{endpoint}` must not have a path"
                );
                let host = url.host_str().ok_or_else(|| {
                    anyhow::anyhow!("the S3 endpoint URL `{endpoint}` has no host")
                })?;
                let authority = match url.port() {
                    Some(port) => format!("{host}:{port}"),
                    None => host.to_owned(),
                };
                (url.scheme().to_owned(), authority)
            }
            None => (
                "https".to_owned(),
                format!("s3.{}.amazonaws.com", settings.region),
            ),
        };
        Ok(if settings.path_style {
            Self {
                scheme,
                host: authority,
                prefix: format!("/{}", uri_encode(&settings.bucket, true)),
            }
        } else {
            Self {
                scheme,
                host: format!("{}.{authority}", settings.bucket),
                prefix: String::new(),
            }
        })
    }

    /// The path of `key`, percent-encoded once, as S3 signs and reads it.
    pub(super) fn object_path(&self, key: &str) -> String {
        format!("{}/{}", self.prefix, uri_encode(key, false))
    }

    pub(super) fn url(&self, path: &str, query: &str) -> String {
        let separator = if query.is_empty() { "" } else { "?" };
        format!("{}://{}{path}{separator}{query}", self.scheme, self.host)
    }

    /// Where a POST form goes: the bucket itself.
    pub(super) fn form_url(&self) -> String {
        if self.prefix.is_empty() {
            format!("{}://{}/", self.scheme, self.host)
        } else {
            format!("{}://{}{}", self.scheme, self.host, self.prefix)
        }
    }
}
