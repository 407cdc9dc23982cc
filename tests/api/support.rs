//! Test harness: one real PostgreSQL server per test process, one fresh database per test, and
//! requests sent through the real router in-process.
//!
//! With `DATABASE_URL` set, that server is used (the URL's user must be allowed to create
//! databases). Without it, a throwaway cluster is started from the PostgreSQL binaries on the
//! machine, exactly as `daap serve` would, and dies with the test process.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use daap::auth::TokenValidator;
use daap::authz::Policy;
use daap::domain::product::MetadataPolicy;
use daap::http::{AppState, DocsSettings, WriteSettings, app};
use daap::localpg::LocalPostgres;
use daap::store::pool::{MIGRATOR, PoolSettings, connect};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool};
use tower::ServiceExt;

/// The server every test of this process uses, with a migrated template database.
struct TestServer {
    admin: PgConnectOptions,
    template: String,
    /// Keeps the throwaway cluster (if any) alive for the whole process.
    _local: Option<LocalPostgres>,
}

static SERVER: OnceLock<TestServer> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// Prefix of every database the tests create; `<prefix><pid>_...` lets a later run drop what
/// a killed run left behind.
const DB_PREFIX: &str = "daap_test_";

fn server() -> &'static TestServer {
    SERVER.get_or_init(|| {
        // Each #[tokio::test] has its own runtime; set up on a runtime of our own that outlives
        // none of the tests' connections (every test connects anew).
        std::thread::spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime")
                .block_on(start_server())
        })
        .join()
        .expect("test server set-up panicked")
    })
}

async fn start_server() -> TestServer {
    let (admin, local) = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            (url.parse().expect("DATABASE_URL is a PostgreSQL URL"), None)
        }
        _ => {
            let local = LocalPostgres::start_ephemeral()
                .await
                .expect("could not start a throwaway PostgreSQL cluster");
            (local.connect_options(), Some(local))
        }
    };
    let mut conn = PgConnection::connect_with(&admin)
        .await
        .expect("could not connect to the test PostgreSQL server");
    drop_leftover_databases(&mut conn).await;
    let template = format!("{DB_PREFIX}{}_template", std::process::id());
    execute(&mut conn, &format!("CREATE DATABASE {template}")).await;
    let mut template_conn = PgConnection::connect_with(&admin.clone().database(&template))
        .await
        .expect("could not connect to the template database");
    MIGRATOR
        .run(&mut template_conn)
        .await
        .expect("migrations apply to an empty database");
    template_conn.close().await.expect("close");
    conn.close().await.expect("close");
    TestServer {
        admin,
        template,
        _local: local,
    }
}

/// Drop test databases of earlier test processes that are no longer running.
async fn drop_leftover_databases(conn: &mut PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'daap\\_test\\_%'")
            .fetch_all(&mut *conn)
            .await
            .expect("list databases");
    for name in names {
        let pid = name[DB_PREFIX.len()..]
            .split('_')
            .next()
            .unwrap_or_default();
        let alive = !pid.is_empty() && std::path::Path::new(&format!("/proc/{pid}")).exists();
        if !alive {
            execute(
                conn,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}

async fn execute(conn: &mut PgConnection, sql: &str) {
    sqlx::query(AssertSqlSafe(sql.to_owned()))
        .execute(conn)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
}

/// Create a database of this test process: a copy of the migrated template, or empty.
async fn new_database(template: Option<&str>) -> String {
    let server = server();
    let name = format!(
        "{DB_PREFIX}{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::Relaxed)
    );
    let mut conn = PgConnection::connect_with(&server.admin)
        .await
        .expect("connect to the test server");
    let sql = match template {
        Some(template) => format!("CREATE DATABASE {name} TEMPLATE {template}"),
        None => format!("CREATE DATABASE {name}"),
    };
    execute(&mut conn, &sql).await;
    conn.close().await.expect("close");
    name
}

/// A running daap (router + its own fresh database) for one test.
pub struct TestApp {
    pub router: Router,
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
        let pool = connect(
            server().admin.clone().database(name),
            &PoolSettings {
                max_connections: 10,
                acquire_timeout: std::time::Duration::from_secs(30),
            },
        )
        .await
        .expect("connect to the test database");
        let state = AppState {
            pool: pool.clone(),
            policy: Arc::new(policy),
            body_limit: 64 * 1024,
            writes: Arc::new(writes),
            auth,
            authz: Arc::new(authz),
            docs: Arc::new(docs),
            uploads: None,
        };
        Self {
            router: app(state.clone()),
            pool,
            state,
        }
    }

    /// A new instance of the service on the same database, as after a restart: nothing is
    /// shared with this one but what PostgreSQL holds.
    pub async fn restarted(&self) -> Self {
        let pool = connect(
            self.pool.connect_options().as_ref().clone(),
            &PoolSettings {
                max_connections: 10,
                acquire_timeout: std::time::Duration::from_secs(30),
            },
        )
        .await
        .expect("reconnect");
        self.pool.close().await;
        let state = AppState {
            pool: pool.clone(),
            ..self.state.clone()
        };
        Self {
            router: app(state.clone()),
            pool,
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

/// A valid registration body for a product called `name`.
pub fn product(name: &str) -> Value {
    json!({
        "name": name,
        "description": format!("All about {name}"),
        "domain": "HMPPS",
        "dataProductOwner": "jane.doe@justice.gov.uk",
        "dataProductOwnerDisplayName": "Jane Doe",
        "email": "data@justice.gov.uk",
        "status": "draft",
        "retentionPeriod": 3000,
        "dpiaRequired": false,
        "tags": {"sensitivity": "official"}
    })
}

/// The editable fields of [`product`] (a valid `PUT` body).
pub fn product_fields(name: &str) -> Value {
    let mut body = product(name);
    body.as_object_mut().expect("object").remove("name");
    body
}

/// Insert the version row after the latest one of the product `name` (its metadata copied, the
/// minor number and the description changed), as daap's own writes do, without touching the
/// product row: for tests that play another writer. Returns the new sequence number.
pub async fn insert_next_version(conn: &mut PgConnection, name: &str, description: &str) -> i32 {
    sqlx::query_scalar(
        "INSERT INTO data_product_versions (
             product_id, seq, major, minor, bump, changes, description, domain,
             data_product_owner, data_product_owner_display_name, data_product_maintainer,
             data_product_maintainer_display_name, email, status, retention_period,
             dpia_required, tags, created_by)
         SELECT v.product_id, v.seq + 1, v.major, v.minor + 1, 'minor',
                '{\"metadata\": [\"description\"]}', $2, v.domain, v.data_product_owner,
                v.data_product_owner_display_name, v.data_product_maintainer,
                v.data_product_maintainer_display_name, v.email, v.status, v.retention_period,
                v.dpia_required, v.tags, 'other-writer'
         FROM data_products p
         JOIN data_product_versions v ON v.product_id = p.id AND v.seq = p.current_seq
         WHERE p.name = $1 AND p.deleted_at IS NULL
         RETURNING seq",
    )
    .bind(name)
    .bind(description)
    .fetch_one(conn)
    .await
    .expect("insert the next version row")
}
