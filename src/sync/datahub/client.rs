//! The GMS REST (Rest.li) client: read one aspect, ingest one proposal.
//!
//! Failures are classified for the sync worker: connection errors, timeouts, throttling (429)
//! and 5xx are [`DeliveryError::Transient`]; any other refusal (422 invalid proposal, 401/403,
//! 404 on a write, a redirect) is [`DeliveryError::Permanent`]. Error texts carry GMS's message,
//! never the token.

use reqwest::StatusCode;
use serde_json::Value;

use crate::sync::target::DeliveryError;

use super::mcp::{Proposal, aspect_class};

/// The largest answer read: a product's `dataProductProperties` lists every asset.
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// How much of a refusal's text goes into the error.
const MAX_ERROR_CHARS: usize = 500;

/// A Rest.li client of one GMS.
#[derive(Clone)]
pub struct GmsClient {
    http: reqwest::Client,
    /// The GMS URL without a trailing `/`.
    base: String,
    token: Option<String>,
}

impl GmsClient {
    pub fn new(http: reqwest::Client, gms_url: &str, token: Option<String>) -> Self {
        Self {
            http,
            base: gms_url.trim_end_matches('/').to_owned(),
            token,
        }
    }

    fn request(&self, method: reqwest::Method, url: String) -> reqwest::RequestBuilder {
        let builder = self
            .http
            .request(method, url)
            .header("X-RestLi-Protocol-Version", "2.0.0")
            .header(reqwest::header::ACCEPT, "application/json");
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// `POST {gms}/aspects?action=ingestProposal` with one proposal.
    pub async fn ingest(&self, proposal: &Proposal) -> Result<(), DeliveryError> {
        let url = format!("{}/aspects?action=ingestProposal", self.base);
        let response = self
            .request(reqwest::Method::POST, url)
            .json(&proposal.rest_li_body())
            .send()
            .await
            .map_err(|error| network_error("ingesting a proposal", error))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body = read_body(response).await.unwrap_or_default();
        Err(refusal(
            status,
            &format!(
                "GMS refused {} of {}",
                proposal.aspect_name, proposal.entity_urn
            ),
            &body,
        ))
    }

    /// The current value of one aspect (`GET {gms}/aspects/{urn}?aspect=…&version=0`), `None`
    /// when the entity has none (404). GMS nests it under the aspect's Pegasus class name:
    /// `{"urn":…,"version":0,"aspect":{"com.linkedin.…":{…}}}`.
    pub async fn get_aspect(
        &self,
        urn: &str,
        aspect_name: &str,
    ) -> Result<Option<Value>, DeliveryError> {
        let Some(class) = aspect_class(aspect_name) else {
            return Err(DeliveryError::Permanent(format!(
                "daap does not read the aspect {aspect_name}"
            )));
        };
        let url = format!(
            "{}/aspects/{}?aspect={aspect_name}&version=0",
            self.base,
            encode_path_segment(urn)
        );
        let response = self
            .request(reqwest::Method::GET, url)
            .send()
            .await
            .map_err(|error| network_error("reading an aspect", error))?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let body = read_body(response).await?;
        if !status.is_success() {
            return Err(refusal(
                status,
                &format!("GMS refused to read {aspect_name} of {urn}"),
                &body,
            ));
        }
        let answer: Value = serde_json::from_slice(&body).map_err(|error| {
            DeliveryError::Permanent(format!(
                "GMS answered reading {aspect_name} of {urn} with something other than JSON: {error}"
            ))
        })?;
        match answer.get("aspect").and_then(|aspect| aspect.get(class)) {
            Some(value) if value.is_object() => Ok(Some(value.clone())),
            _ => Err(DeliveryError::Permanent(format!(
                "GMS answered reading {aspect_name} of {urn} without `aspect.{class}`"
            ))),
        }
    }
}

/// Percent-encode everything but RFC 3986's unreserved characters, as the DataHub SDK does
/// for a URN in a path (`/` included).
pub fn encode_path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, DeliveryError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| network_error("reading GMS's answer", error))?
    {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(DeliveryError::Permanent(format!(
                "GMS's answer is larger than {MAX_BODY_BYTES} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn network_error(doing: &str, error: reqwest::Error) -> DeliveryError {
    // Every transport failure (refused, reset, DNS, TLS handshake, timeout) may pass later.
    let error = error.without_url();
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    DeliveryError::Transient(format!("GMS {kind} {doing}: {error}"))
}

/// A non-success answer as an error: throttling and server errors are worth retrying.
fn refusal(status: StatusCode, what: &str, body: &[u8]) -> DeliveryError {
    let message = gms_message(body);
    let text = if message.is_empty() {
        format!("{what}: HTTP {status}")
    } else {
        format!("{what}: HTTP {status}: {message}")
    };
    if status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
    {
        DeliveryError::Transient(text)
    } else {
        DeliveryError::Permanent(text)
    }
}

/// GMS's Rest.li errors are `{"message": …, "status": …, "exceptionClass": …}`; anything else
/// is shown as text, shortened.
fn gms_message(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(json) => match json.get("message").and_then(Value::as_str) {
            Some(message) => message.to_owned(),
            None => json.to_string(),
        },
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let text = text.trim();
    match text.char_indices().nth(MAX_ERROR_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}
