//! A fake DataHub GMS for the DataHub target's tests: an in-process axum server on a random
//! loopback port that validates proposals strictly, keeps the latest value of every aspect and
//! records every request.
//!
//! - `POST /aspects?action=ingestProposal`: `200 {"value": urn}` for a valid proposal, else
//!   **422** `{"status":422,"message":<reason>}`. Checked: the entity type is known and is the
//!   URN's; the URN's syntax (`urn:li:<type>:<id>`, a dataset's
//!   `(urn:li:dataPlatform:<p>,<name>,<ENV>)`); the aspect is allowed on the entity (DataHub's
//!   entity registry); `changeType` `UPSERT` (the only one modelled); `contentType`
//!   `application/json`; `aspect.value` is JSON; the aspect matches its Pegasus schema
//!   (required fields present, every field of the right JSON type, enums and URN entity types
//!   right, no unknown fields at any level, no `null`s, unions as one-member objects).
//! - `GET /aspects/{urn}?aspect=<name>&version=0`: the Rest.li `VersionedAspect`
//!   `{"urn":…,"version":0,"aspect":{"<pegasus class>":{…}}}`, or 404.
//!
//! The schemas are those of DataHub's `.pdl` files (`metadata-models/src/main/pegasus`) for the
//! aspects daap writes; the allowed aspects per entity come from `entity-registry.yml`.
//!
//! - [`server`]: the HTTP side, what each request gets.
//! - [`validator`]: the checks a proposal must pass.
//! - [`urn_syntax`]: what a well-formed URN is.
//! - [`entity_registry`]: which aspects each entity may have.
//! - [`aspect_schemas`]: each aspect's Pegasus schema.

mod aspect_schemas;
mod entity_registry;
mod server;
mod urn_syntax;
mod validator;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, Method, StatusCode};
use serde_json::Value;

use server::handle;

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    /// Path and query, as sent (still percent-encoded).
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Option<Value>,
}

#[derive(Default)]
struct State {
    recorded: Vec<Recorded>,
    aspects: BTreeMap<(String, String), Value>,
    /// Answer every request with this instead (after recording it).
    forced: Option<(StatusCode, String)>,
    delay: Option<Duration>,
}

/// A running fake GMS; it stops with the test's runtime.
#[derive(Clone)]
pub struct FakeGms {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl FakeGms {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let app = Router::new().fallback(move |method, uri, headers, body| {
            handle(shared.clone(), method, uri, headers, body)
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, state }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Every request so far.
    pub fn recorded(&self) -> Vec<Recorded> {
        self.state().recorded.clone()
    }

    pub fn clear_recorded(&self) {
        self.state().recorded.clear();
    }

    /// The proposals received so far (valid or not), each with its `aspect.value` parsed, in
    /// the order they came.
    pub fn proposals(&self) -> Vec<Value> {
        self.recorded()
            .into_iter()
            .filter(|r| r.method == Method::POST)
            .filter_map(|r| r.body)
            .map(|mut body| {
                let mut proposal = body["proposal"].take();
                if let Some(raw) = proposal.pointer("/aspect/value").and_then(Value::as_str)
                    && let Ok(parsed) = serde_json::from_str::<Value>(raw)
                {
                    proposal["aspect"]["value"] = parsed;
                }
                proposal
            })
            .collect()
    }

    /// The latest value of an aspect.
    pub fn aspect(&self, urn: &str, aspect: &str) -> Option<Value> {
        self.state()
            .aspects
            .get(&(urn.to_owned(), aspect.to_owned()))
            .cloned()
    }

    /// Every (urn, aspect) held, with its value.
    pub fn aspects(&self) -> BTreeMap<(String, String), Value> {
        self.state().aspects.clone()
    }

    /// Answer every later request with `status` and a Rest.li error carrying `message`.
    pub fn force(&self, status: StatusCode, message: &str) {
        self.state().forced = Some((status, message.to_owned()));
    }

    /// Answer normally again after [`FakeGms::force`].
    pub fn recover(&self) {
        self.state().forced = None;
    }

    /// Wait this long before answering each later request.
    pub fn delay(&self, delay: Duration) {
        self.state().delay = Some(delay);
    }
}
