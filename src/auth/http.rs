//! The HTTP client that fetches discovery and JWKS documents, and the one fetch they share.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

/// The largest discovery or JWKS document accepted (Entra's are a few KiB).
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// A `reqwest` client builder set up for fetching keys: TLS by rustls with the *ring* provider
/// (the one sqlx already uses: no aws-lc, and no process-wide provider has to be installed),
/// Mozilla's root certificates, HTTP/1.1, no redirects (the documents must come from the
/// configured URLs), a connect timeout. Proxies come from `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY`
/// as usual; call `.no_proxy()` on the builder to ignore them.
pub fn http_client_builder() -> reqwest::ClientBuilder {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let builder = reqwest::Client::builder()
        .http1_only()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("daap/", env!("CARGO_PKG_VERSION")));
    match rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
    {
        Ok(tls) => builder
            .tls_backend_preconfigured(tls.with_root_certificates(roots).with_no_client_auth()),
        // The ring provider supports the safe default versions; if that ever changed, reqwest
        // would panic building the client without a provider, so fail loudly here instead.
        Err(error) => panic!("rustls with ring cannot be configured: {error}"),
    }
}

/// [`http_client_builder`], built.
pub fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    http_client_builder().build()
}

/// Why a discovery or JWKS document could not be had. Logged, never shown to clients.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FetchError {
    #[error("request failed: {0}")]
    Http(#[from] reqwest::Error),
    #[error("answered HTTP {0}")]
    Status(u16),
    #[error("the document is larger than {MAX_DOCUMENT_BYTES} bytes")]
    TooLarge,
    #[error("the document is not the expected JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the discovery document has no usable jwks_uri")]
    NoJwksUri,
    #[error("the key set has no usable RS256 signing key")]
    NoUsableKeys,
}

/// GETs `url` as JSON within `timeout` (connecting and reading the whole body), refusing any
/// status but 200 and bodies over [`MAX_DOCUMENT_BYTES`].
pub(crate) async fn fetch_json<T: DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    timeout: Duration,
) -> Result<T, FetchError> {
    let mut response = http
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .timeout(timeout)
        .send()
        .await?;
    if response.status() != reqwest::StatusCode::OK {
        return Err(FetchError::Status(response.status().as_u16()));
    }
    if response
        .content_length()
        .is_some_and(|length| length > MAX_DOCUMENT_BYTES as u64)
    {
        return Err(FetchError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(serde_json::from_slice(&body)?)
}
