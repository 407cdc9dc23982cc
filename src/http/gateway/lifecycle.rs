//! API lifecycle headers: every response says which version of the API answered
//! (`API-Version`), and routes the operator marks deprecated say so (`Deprecation`, RFC 9745),
//! when they will go (`Sunset`, RFC 8594) and where to read more (`Link; rel="deprecation"`).
//! The served OpenAPI document marks the same operations `deprecated`.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use time::macros::format_description;
use time::{Date, OffsetDateTime, Time};

use std::sync::Arc;

use crate::http::gateway::Gateway;

pub const API_VERSION: HeaderName = HeaderName::from_static("api-version");
pub const DEPRECATION: HeaderName = HeaderName::from_static("deprecation");
pub const SUNSET: HeaderName = HeaderName::from_static("sunset");

/// The version of the API this build serves: the crate's, as in the OpenAPI document.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One deprecated operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deprecation {
    pub method: Method,
    /// The route template as in the OpenAPI document, e.g. `/v1/data-products/{id}`.
    pub route: String,
    /// When it was (or will be) deprecated.
    pub since: OffsetDateTime,
    /// When it stops answering, if decided.
    pub sunset: Option<OffsetDateTime>,
    /// A page explaining the deprecation and what to use instead.
    pub link: Option<String>,
}

impl Deprecation {
    /// Parses `METHOD /route since=YYYY-MM-DD [sunset=YYYY-MM-DD] [link=URL]`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut words = text.split_whitespace();
        let usage = "write `METHOD /route since=YYYY-MM-DD [sunset=YYYY-MM-DD] [link=URL]`";
        let method = words
            .next()
            .and_then(|word| Method::from_bytes(word.to_ascii_uppercase().as_bytes()).ok())
            .ok_or_else(|| format!("`{text}` does not start with an HTTP method; {usage}"))?;
        let route = words
            .next()
            .filter(|route| route.starts_with('/'))
            .ok_or_else(|| format!("`{text}` names no route; {usage}"))?
            .to_owned();
        let (mut since, mut sunset, mut link) = (None, None, None);
        for word in words {
            match word.split_once('=') {
                Some(("since", date)) => since = Some(parse_date(date)?),
                Some(("sunset", date)) => sunset = Some(parse_date(date)?),
                Some(("link", url))
                    if url.starts_with("https://") || url.starts_with("http://") =>
                {
                    link = Some(url.to_owned())
                }
                _ => return Err(format!("`{word}` is not understood in `{text}`; {usage}")),
            }
        }
        let since = since.ok_or_else(|| format!("`{text}` has no `since=` date; {usage}"))?;
        Ok(Self {
            method,
            route,
            since,
            sunset,
            link,
        })
    }

    fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        let mut headers = vec![(
            DEPRECATION,
            HeaderValue::try_from(format!("@{}", self.since.unix_timestamp())).expect("ASCII"),
        )];
        if let Some(sunset) = self.sunset {
            headers.push((SUNSET, http_date(sunset)));
        }
        if let Some(link) = &self.link
            && let Ok(value) = HeaderValue::try_from(format!("<{link}>; rel=\"deprecation\""))
        {
            headers.push((header::LINK, value));
        }
        headers
    }
}

fn parse_date(text: &str) -> Result<OffsetDateTime, String> {
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map(|date| date.with_time(Time::MIDNIGHT).assume_utc())
        .map_err(|_| format!("`{text}` is not a date like 2027-06-30"))
}

/// An IMF-fixdate, as `Sunset` wants: `Wed, 30 Jun 2027 00:00:00 GMT`.
fn http_date(at: OffsetDateTime) -> HeaderValue {
    let text = at
        .format(format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ))
        .expect("a UTC date formats");
    HeaderValue::try_from(text).expect("ASCII")
}

#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    deprecations: Vec<Deprecation>,
}

impl Lifecycle {
    pub fn new(deprecations: Vec<Deprecation>) -> Self {
        Self { deprecations }
    }

    pub fn deprecations(&self) -> &[Deprecation] {
        &self.deprecations
    }

    fn deprecation(&self, method: &Method, route: &str) -> Option<&Deprecation> {
        self.deprecations.iter().find(|d| {
            d.route == route
                && (d.method == method || (d.method == Method::GET && method == Method::HEAD))
        })
    }

    /// Marks the deprecated operations in the OpenAPI document.
    pub fn mark(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::Deprecated;
        for deprecation in &self.deprecations {
            let Some(item) = openapi.paths.paths.get_mut(&deprecation.route) else {
                continue;
            };
            let operation = match deprecation.method {
                Method::GET => item.get.as_mut(),
                Method::POST => item.post.as_mut(),
                Method::PUT => item.put.as_mut(),
                Method::DELETE => item.delete.as_mut(),
                Method::PATCH => item.patch.as_mut(),
                Method::HEAD => item.head.as_mut(),
                _ => None,
            };
            if let Some(operation) = operation {
                operation.deprecated = Some(Deprecated::True);
            }
        }
    }
}

/// The middleware: `API-Version` everywhere, deprecation headers on deprecated routes.
pub async fn headers(
    State(gateway): State<Arc<Gateway>>,
    request: Request,
    next: Next,
) -> Response {
    let deprecation = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|route| {
            gateway
                .lifecycle
                .deprecation(request.method(), route.as_str())
        })
        .map(Deprecation::headers);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(API_VERSION, HeaderValue::from_static(VERSION));
    for (name, value) in deprecation.into_iter().flatten() {
        headers.insert(name, value);
    }
    response
}
