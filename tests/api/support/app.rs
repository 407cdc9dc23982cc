//! One running daap for one test: the real router over a fresh database, requests sent to it
//! in-process, and what they answer.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use daap::auth::TokenValidator;
use daap::authz::Policy;
use daap::domain::product::MetadataPolicy;
use daap::http::{AppState, SharedState, WriteSettings, app};
use daap::openapi::DocsSettings;
use daap::store::pool::{MIGRATOR, PoolSettings, connect};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use tower::ServiceExt;

use super::database::{new_database, server};

fn test_pool_settings() -> PoolSettings {
    PoolSettings {
        max_connections: 10,
        acquire_timeout: std::time::Duration::from_secs(30),
    }
}

/// Opened on first use, and at most two connections: most tests never use it.
fn test_side_pool(options: PgConnectOptions) -> PgPool {
    PgPoolOptions::new()
        .max_connections(2)
        .connect_lazy_with(options)
}

/// A running daap (router + its own fresh database) for one test.
pub struct TestApp {
    pub router: Router,
    /// The test's own connections to the instance's database, for what a test reads or
    /// changes behind the API's back (the instance's pool is `state.pool`).
    pub pool: PgPool,
    pub state: AppState,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_settings(MetadataPolicy::default(), WriteSettings::default()).await
    }

    pub async fn with_policy(policy: MetadataPolicy) -> Self {
        Self::with_settings(policy, WriteSettings::default()).await
    }

    pub async fn with_writes(writes: WriteSettings) -> Self {
        Self::with_settings(MetadataPolicy::default(), writes).await
    }

    pub async fn with_settings(policy: MetadataPolicy, writes: WriteSettings) -> Self {
        Self::build(
            policy,
            writes,
            None,
            Policy::default(),
            DocsSettings::default(),
        )
        .await
    }

    /// An instance whose Swagger UI signs users in.
    pub async fn with_docs(docs: DocsSettings) -> Self {
        Self::build(
            MetadataPolicy::default(),
            WriteSettings::default(),
            None,
            Policy::default(),
            docs,
        )
        .await
    }

    /// An instance that requires bearer tokens checked by `validator`.
    pub async fn with_auth(validator: TokenValidator, authz: Policy) -> Self {
        Self::build(
            MetadataPolicy::default(),
            WriteSettings::default(),
            Some(validator),
            authz,
            DocsSettings::default(),
        )
        .await
    }

    /// An instance that requires bearer tokens and signs people in to its browser pages.
    pub async fn with_auth_and_docs(validator: TokenValidator, docs: DocsSettings) -> Self {
        Self::build(
            MetadataPolicy::default(),
            WriteSettings::default(),
            Some(validator),
            Policy::default(),
            docs,
        )
        .await
    }

    /// An instance on a database migrated only up to migration `version`, as a deployment of
    /// an older daap left it: for testing how later migrations upgrade existing data (run
    /// them with [`MIGRATOR`] on `pool`).
    pub async fn at_migration(version: i64) -> Self {
        let name = new_database(None).await;
        let options = server().admin.clone().database(&name);
        let mut conn = PgConnection::connect_with(&options)
            .await
            .expect("connect to the new database");
        MIGRATOR
            .run_to(version, &mut conn)
            .await
            .expect("the early migrations apply");
        conn.close().await.expect("close");
        Self::on_database(
            &name,
            MetadataPolicy::default(),
            WriteSettings::default(),
            None,
            Policy::default(),
            DocsSettings::default(),
        )
        .await
    }

    async fn build(
        policy: MetadataPolicy,
        writes: WriteSettings,
        auth: Option<TokenValidator>,
        authz: Policy,
        docs: DocsSettings,
    ) -> Self {
        let name = new_database(Some(&server().template)).await;
        Self::on_database(&name, policy, writes, auth, authz, docs).await
    }

    async fn on_database(
        name: &str,
        policy: MetadataPolicy,
        writes: WriteSettings,
        auth: Option<TokenValidator>,
        authz: Policy,
        docs: DocsSettings,
    ) -> Self {
        let options = server().admin.clone().database(name);
        let service_pool = connect(options.clone(), &test_pool_settings())
            .await
            .expect("connect to the test database");
        let state = AppState::new(SharedState {
            pool: service_pool,
            policy: Arc::new(policy),
            body_limit: 64 * 1024,
            writes: Arc::new(writes),
            auth,
            authz: Arc::new(authz),
            docs: Arc::new(docs),
            uploads: None,
            gateway: Arc::new(daap::http::gateway::Gateway::default()),
            readiness: daap::readiness::Readiness::new(),
        });
        Self {
            router: app(state.clone()),
            pool: test_side_pool(options),
            state,
        }
    }

    /// The same instance behind other gateway settings (rate limits, request limits, ...).
    pub fn with_gateway(mut self, gateway: daap::http::gateway::Gateway) -> Self {
        self.state = self.state.with(|parts| parts.gateway = Arc::new(gateway));
        self.router = app(self.state.clone());
        self
    }

    /// A session of its own on the instance's database, as another client or an operator
    /// would have (not from any pool).
    pub async fn other_session(&self) -> PgConnection {
        PgConnection::connect_with(self.state.pool.connect_options())
            .await
            .expect("a second session")
    }

    /// The same instance with a pool of its own of `max_connections`, each request waiting
    /// at most `acquire_timeout` for one.
    pub async fn with_pool(
        mut self,
        max_connections: u32,
        acquire_timeout: std::time::Duration,
    ) -> Self {
        let settings = PoolSettings {
            max_connections,
            acquire_timeout,
        };
        let options = self.state.pool.connect_options().clone();
        self.state.pool.close();
        let pool = connect(options, &settings)
            .await
            .expect("connect the smaller pool");
        self.state = self.state.with(|parts| parts.pool = pool);
        self.router = app(self.state.clone());
        self
    }

    /// A new instance of the service on the same database, as after a restart: nothing is
    /// shared with this one but what PostgreSQL holds.
    pub async fn restarted(&self) -> Self {
        let options = self.state.pool.connect_options().clone();
        let service_pool = connect(options.clone(), &test_pool_settings())
            .await
            .expect("reconnect");
        self.state.pool.close();
        let state = self.state.with(|parts| parts.pool = service_pool);
        Self {
            router: app(state.clone()),
            pool: test_side_pool(options),
            state,
        }
    }

    /// Send a request through the real router.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("read body")
            .to_bytes();
        let text = String::from_utf8(bytes.to_vec()).expect("bodies are UTF-8");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        };
        TestResponse {
            status,
            headers,
            text,
            body,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(path);
        if body.is_some() {
            builder = builder.header("content-type", "application/json");
        }
        for (name, value) in headers {
            builder = builder.header(
                HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                HeaderValue::from_str(value).expect("header value"),
            );
        }
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
        self.send(builder.body(body).expect("request")).await
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.call(Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> TestResponse {
        self.call(Method::POST, path, Some(body), &[]).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> TestResponse {
        self.call(Method::PUT, path, Some(body), &[]).await
    }

    pub async fn delete(&self, path: &str) -> TestResponse {
        self.call(Method::DELETE, path, None, &[]).await
    }

    /// Register `body` and insist that it worked.
    pub async fn register(&self, body: &Value) -> TestResponse {
        let response = self.post("/v1/data-products", body).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
        response
    }
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn etag(&self) -> String {
        self.header("etag").expect("an ETag header").to_owned()
    }

    /// Assert an RFC 9457 problem with this status, returning its body.
    pub fn assert_problem(&self, status: StatusCode) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "problems are application/problem+json"
        );
        assert_eq!(self.body["status"], json!(status.as_u16()));
        assert!(
            self.body["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("urn:daap:problem:"))
        );
        assert!(self.body["title"].is_string());
        assert!(self.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
        &self.body
    }

    /// The JSON pointers of a validation problem's `errors`.
    pub fn error_pointers(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["pointer"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}
