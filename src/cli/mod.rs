//! Client subcommands of the `daap` binary: they talk to a daap server over its HTTP API.
//!
//! - `connect`: `--server`, `--token` and the cached login, shared by every client command;
//! - `problem`: what a refusal from daap says, for people;
//! - `output`: tables for people, JSON or YAML for scripts, colour only on a terminal;
//! - `definition`: the product file `daap plan|apply -f` read;
//! - `plan`, `apply`: products as code;
//! - `products`, `schemas`: `daap product ...` and `daap schema ...`;
//! - `login`: Entra ID sign-in and the token cache;
//! - `upload`: `daap upload`.

pub mod apply;
pub mod connect;
pub mod definition;
pub mod export;
pub mod login;
pub mod output;
pub mod plan;
mod problem;
pub mod products;
pub mod schemas;
pub mod upload;

use reqwest::Method;
use reqwest::header::ETAG;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A daap server and the bearer token to call it with.
pub struct ApiClient {
    http: reqwest::Client,
    server: String,
    token: Option<String>,
}

/// A failed call to daap, saying what to do; `status` is daap's answer, when it gave one.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CallError {
    pub status: Option<u16>,
    pub message: String,
}

impl CallError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            status: None,
            message: message.into(),
        }
    }
}

/// A successful answer: its status, `ETag` and JSON body (`null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub etag: Option<String>,
    pub body: Value,
}

/// The headers a write may carry.
#[derive(Debug, Default, Clone, Copy)]
pub struct Conditions<'a> {
    pub idempotency_key: Option<&'a str>,
    pub if_match: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
}

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

    pub fn server(&self) -> &str {
        &self.server
    }

    /// Send `method path` (with a JSON `body`) to daap and decode a successful answer.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
        idempotency_key: Option<&str>,
    ) -> Result<T, CallError> {
        let conditions = Conditions {
            idempotency_key,
            ..Conditions::default()
        };
        let body = body
            .map(serde_json::to_value)
            .transpose()
            .map_err(|error| {
                CallError::new(format!("could not write the request body: {error}"))
            })?;
        let answer = self.send(method, path, body.as_ref(), conditions).await?;
        serde_json::from_value(answer.body)
            .map_err(|error| CallError::new(format!("daap answered something unexpected: {error}")))
    }

    /// Send `method path` with a JSON `body` and the given conditions; a refusal is an error
    /// that quotes daap's problem document.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        conditions: Conditions<'_>,
    ) -> Result<Answer, CallError> {
        let (status, etag, text) = self.send_for_text(method, path, body, conditions).await?;
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|error| {
                CallError::new(format!("daap answered something unexpected: {error}"))
            })?
        };
        Ok(Answer { status, etag, body })
    }

    /// `GET path`, the answer's body as daap wrote it (a document whose field order matters,
    /// which a `serde_json::Value` would sort).
    pub async fn get_text(&self, path: &str) -> Result<String, CallError> {
        let (_, _, text) = self
            .send_for_text(Method::GET, path, None, Conditions::default())
            .await?;
        Ok(text)
    }

    /// [`ApiClient::send`] up to the answer's status, `ETag` and body text.
    async fn send_for_text(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        conditions: Conditions<'_>,
    ) -> Result<(u16, Option<String>, String), CallError> {
        let mut request = self.http.request(method, format!("{}{path}", self.server));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        for (name, value) in [
            ("idempotency-key", conditions.idempotency_key),
            ("if-match", conditions.if_match),
            ("if-none-match", conditions.if_none_match),
        ] {
            if let Some(value) = value {
                request = request.header(name, value);
            }
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|error| {
            CallError::new(format!(
                "could not reach daap at {}: {error}; check --server (or DAAP_SERVER) and that the server is running",
                self.server
            ))
        })?;
        let status = response.status().as_u16();
        let etag = response
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await.unwrap_or_default();
        if !(200..300).contains(&status) {
            return Err(CallError {
                status: Some(status),
                message: problem::message(status, &text),
            });
        }
        Ok((status, etag, text))
    }

    /// `GET path`, or `None` when daap answers 404.
    pub async fn get_if_exists(&self, path: &str) -> Result<Option<Answer>, CallError> {
        match self
            .send(Method::GET, path, None, Conditions::default())
            .await
        {
            Ok(answer) => Ok(Some(answer)),
            Err(CallError {
                status: Some(404), ..
            }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Result<Answer, CallError> {
        self.send(Method::GET, path, None, Conditions::default())
            .await
    }
}

/// Exit codes of the client commands, for CI.
pub mod exit {
    /// Nothing to do, or done.
    pub const OK: u8 = 0;
    /// An error (also: `daap apply` refused for want of confirmation).
    pub const ERROR: u8 = 1;
    /// `daap plan` found changes to make.
    pub const CHANGES: u8 = 2;
    /// A breaking (major) change without `--allow-major`.
    pub const BREAKING: u8 = 3;
}
