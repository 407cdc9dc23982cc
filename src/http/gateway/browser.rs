//! Browser safety: which other sites may call the API (CORS, none by default) and the
//! security headers that keep daap's own pages (Swagger UI at `/docs`) from being framed,
//! sniffed or made to run scripts from elsewhere.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::BrowserPolicy;
use super::lifecycle::{API_VERSION, DEPRECATION, SUNSET};
use super::rate_limit::{RATELIMIT, RATELIMIT_POLICY};

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

impl BrowserPolicy {
    /// The CORS layer, or `None` when no origin is allowed (then browsers refuse every
    /// cross-origin call, the safe default).
    pub fn cors(&self) -> Option<CorsLayer> {
        let origins: Vec<HeaderValue> = self
            .cors_allowed_origins
            .iter()
            .filter_map(|origin| HeaderValue::try_from(origin.as_str()).ok())
            .collect();
        if origins.is_empty() {
            return None;
        }
        Some(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([
                    Method::GET,
                    Method::HEAD,
                    Method::POST,
                    Method::PUT,
                    Method::DELETE,
                ])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    header::IF_MATCH,
                    header::IF_NONE_MATCH,
                    IDEMPOTENCY_KEY,
                    X_REQUEST_ID,
                ])
                .expose_headers([
                    header::ETAG,
                    header::LOCATION,
                    header::RETRY_AFTER,
                    header::LINK,
                    RATELIMIT,
                    RATELIMIT_POLICY,
                    X_REQUEST_ID,
                    API_VERSION,
                    DEPRECATION,
                    SUNSET,
                ])
                .max_age(Duration::from_secs(600)),
        )
    }

    /// The `Content-Security-Policy` of daap's HTML pages: scripts, styles and images only from
    /// daap itself (Swagger UI's assets are compiled in), requests only to daap and the
    /// identity provider, and no framing. Swagger UI sets inline `style` attributes, hence
    /// `'unsafe-inline'` for styles (never for scripts).
    pub fn content_security_policy(&self) -> HeaderValue {
        let connect = std::iter::once("'self'")
            .chain(self.connect_sources.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        HeaderValue::try_from(format!(
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; font-src 'self'; connect-src {connect}; \
             frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
    }
}

/// The middleware: `nosniff` on every response; on HTML pages also the content security
/// policy, frame denial and no referrer.
pub async fn security_headers(
    State(policy): State<Arc<HeaderValue>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if is_html {
        headers.insert(header::CONTENT_SECURITY_POLICY, (*policy).clone());
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    response
}
