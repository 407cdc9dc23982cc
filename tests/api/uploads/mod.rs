//! Uploads: the API (issue, record, list, idempotency, authorisation), the stores' guarantees
//! against a real S3 server that checks signatures and policies (s3s-fs) and against daap's
//! local store, multipart uploads, the SigV4 code against AWS's published examples, and the
//! `daap upload` CLI end to end.

mod api;
mod cli;
mod multipart;
mod s3s;
mod sigv4;
mod store;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use axum::Router;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use daap::http::app;
use daap::uploads::local::LocalStore;
use daap::uploads::policy::Encryption;
use daap::uploads::s3::{S3Settings, S3Store};
use daap::uploads::{Store, UploadSettings, Uploads};
use md5::{Digest, Md5};
use serde_json::{Value, json};

use crate::support::{TestApp, product};

pub use s3s::s3s;

/// The table every upload test writes to.
pub const TABLE: &str = "incidents";

/// Where a test's uploads go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    S3,
    Local,
}

/// A daap serving HTTP on a loopback port (uploads need a real address: the local store's
/// forms point back at it), with its store.
pub struct Served {
    pub app: TestApp,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// Where stored objects are, at their keys.
    pub objects: PathBuf,
    pub http: reqwest::Client,
    /// The local store's directory, removed with the test.
    _scratch: Option<Scratch>,
}

impl Served {
    /// A daap uploading to `backend` with `settings`, or `None` when the S3 stand-in is
    /// missing (the test then returns, having said `SKIPPED`).
    pub async fn start(backend: Backend, settings: UploadSettings) -> Option<Self> {
        Self::start_with(backend, settings, None, Encryption::Aes256, |r| r).await
    }

    /// The same with a session token on the S3 credentials, the encryption asked for, and a
    /// layer of the test's around the router.
    pub async fn start_with(
        backend: Backend,
        settings: UploadSettings,
        session_token: Option<&str>,
        encryption: Encryption,
        wrap: impl FnOnce(Router) -> Router,
    ) -> Option<Self> {
        let (store, objects, scratch) = match backend {
            Backend::S3 => {
                let s3 = s3s()?;
                let credentials = Credentials::new(
                    s3s::ACCESS_KEY,
                    s3s::SECRET_KEY,
                    session_token.map(str::to_owned),
                    None,
                    "test",
                );
                let store = S3Store::new(
                    S3Settings {
                        bucket: s3s::BUCKET.to_owned(),
                        region: s3s::REGION.to_owned(),
                        endpoint_url: Some(s3.endpoint.clone()),
                        path_style: true,
                        encryption,
                    },
                    SharedCredentialsProvider::new(credentials),
                )
                .expect("an S3 store");
                (Store::S3(store), s3.bucket_dir.clone(), None)
            }
            Backend::Local => {
                let dir = Scratch::new("local-store");
                let store = LocalStore::open(&dir).expect("a local store");
                let objects = store.root().to_owned();
                (Store::Local(store), objects, Some(dir))
            }
        };
        let base = TestApp::new().await;
        let state = base
            .state
            .with(|parts| parts.uploads = Some(Arc::new(Uploads { settings, store })));
        let app = TestApp {
            router: app(state.clone()),
            pool: base.pool.clone(),
            state,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let address = listener.local_addr().expect("the bound address");
        let router = wrap(app.router.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        let served = Self {
            app,
            base: format!("http://{address}"),
            objects,
            http: daap::auth::http_client_builder()
                .no_proxy()
                .build()
                .expect("an HTTP client"),
            _scratch: scratch,
        };
        served.seed("prisons").await;
        Some(served)
    }

    /// Register `name` with the table [`TABLE`].
    pub async fn seed(&self, name: &str) {
        self.app.register(&product(name)).await;
        let table = json!({"tableDescription": "Incidents", "columns": [
            {"name": "id", "type": "int", "description": "Id"},
            {"name": "what", "type": "string", "description": "What happened"}]});
        let created = self
            .app
            .post(&format!("/v1/schemas/dp:{name}:{TABLE}"), &table)
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
    }

    /// Send a request to the served daap.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("daap answers");
        let status = response.status().as_u16();
        let text = response.text().await.expect("a body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Issue an upload of `bytes` into `dp:prisons:incidents` with extra request fields.
    pub async fn issue(&self, bytes: &[u8], extra: Value) -> Value {
        let mut body = json!({"filename": "incidents.csv", "contentMD5": md5_base64(bytes)});
        body.as_object_mut()
            .expect("an object")
            .extend(extra.as_object().cloned().unwrap_or_default());
        let (status, issued) = self
            .call(
                reqwest::Method::POST,
                &format!("/v1/schemas/dp:prisons:{TABLE}/uploads"),
                Some(&body),
            )
            .await;
        assert_eq!(status, 201, "{issued}");
        issued
    }

    /// POST a form (`fields`, then `file`) to `url`; the status and body of the answer.
    pub async fn post_form(&self, url: &str, fields: &Value, file: &[u8]) -> (u16, String) {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields.as_object().expect("fields") {
            form = form.text(
                name.clone(),
                value.as_str().expect("a text field").to_owned(),
            );
        }
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(file.to_vec()).file_name("incidents.csv"),
        );
        let response = self
            .http
            .post(url)
            .multipart(form)
            .send()
            .await
            .expect("an answer");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// The bytes stored at `key`, if any.
    pub fn stored(&self, key: &str) -> Option<Vec<u8>> {
        std::fs::read(self.objects.join(key)).ok()
    }

    /// `GET` the upload `id`.
    pub async fn upload(&self, id: &str) -> Value {
        let (status, body) = self
            .call(
                reqwest::Method::GET,
                &format!("/v1/schemas/dp:prisons:{TABLE}/uploads/{id}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

pub fn settings(expiry: Duration, part_size: u64) -> UploadSettings {
    UploadSettings { expiry, part_size }
}

pub fn md5_base64(bytes: &[u8]) -> String {
    STANDARD.encode(Md5::digest(bytes))
}

/// CSV bytes of about `size` bytes (exactly `size`).
pub fn csv(size: usize) -> Vec<u8> {
    let mut bytes = b"id,what\n".to_vec();
    let mut n = 0u64;
    while bytes.len() < size {
        bytes.extend_from_slice(format!("{n},something happened {}\n", n * 7919 % 1000).as_bytes());
        n += 1;
    }
    bytes.truncate(size);
    bytes
}

/// A directory of the test's own under the temporary directory, removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(label: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "daap-{label}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Self(dir)
    }
}

impl std::ops::Deref for Scratch {
    type Target = std::path::Path;

    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
