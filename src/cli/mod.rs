//! Client subcommands of the `daap` binary: they talk to a daap server over its HTTP API.

pub mod export;
pub mod upload;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A daap server and the bearer token to call it with.
pub struct ApiClient {
    http: reqwest::Client,
    server: String,
    token: Option<String>,
}

/// A failed call to daap, in one line that says what to do.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CallError(pub String);

impl ApiClient {
    pub fn new(server: &str, token: Option<String>) -> anyhow::Result<Self> {
        Ok(Self {
            http: crate::auth::http_client_builder().build()?,
            server: server.trim_end_matches('/').to_owned(),
            token: token.filter(|t| !t.is_empty()),
        })
    }

    /// The HTTP client, for requests to the upload store (no token: the form is the
    /// authorisation).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Send `method path` (with a JSON `body`) to daap and decode a successful answer.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&impl Serialize>,
        idempotency_key: Option<&str>,
    ) -> Result<T, CallError> {
        let mut request = self.http.request(method, format!("{}{path}", self.server));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(key) = idempotency_key {
            request = request.header("idempotency-key", key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|error| {
            CallError(format!(
                "could not reach daap at {}: {error}; check --server (or DAAP_SERVER) and that the server is running",
                self.server
            ))
        })?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if status.is_success() {
            return serde_json::from_str(if text.is_empty() { "null" } else { &text }).map_err(
                |error| CallError(format!("daap answered something unexpected: {error}")),
            );
        }
        Err(CallError(problem_message(status.as_u16(), &text)))
    }
}

/// One line for a problem daap answered with: its detail, and what to do about it.
fn problem_message(status: u16, body: &str) -> String {
    let problem: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let mut detail = problem["detail"].as_str().unwrap_or(body).trim().to_owned();
    if let Some(errors) = problem["errors"].as_array().filter(|e| !e.is_empty()) {
        detail = errors
            .iter()
            .map(|e| {
                // A problem in the body has a `pointer`, one with a query parameter its name.
                let place = e["pointer"].as_str().or(e["parameter"].as_str());
                format!(
                    "{}: {}",
                    place.unwrap_or_default(),
                    e["detail"].as_str().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
    }
    let advice = match status {
        401 => "get a new token and pass it with --token (or DAAP_TOKEN)",
        403 => "ask the product's owner or a data steward for access",
        404 => "check the id (dp:<name>:<table>) and that the table exists",
        409 => "run the command again once the conflict is resolved",
        422 => "fix the request and run the command again",
        503 => "the server or its upload store is unavailable; try again later",
        _ => "try again; if it persists, report it with the error id",
    };
    format!("daap refused the request ({status}): {detail}; {advice}")
}
