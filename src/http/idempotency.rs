//! Safe retries for `POST`: the `Idempotency-Key` header (IETF draft
//! `draft-ietf-httpapi-idempotency-key-header`), the prototype's `x-idempotent-key`, and, when
//! a client sends neither, a key derived from the request itself, so that simply re-sending
//! the same request never registers anything twice.
//!
//! The first successful response is stored in the same transaction as the change it reports
//! (`store::idempotency`), so it is shared by every replica, survives restarts, and exists
//! exactly when the change does. A transaction-scoped advisory lock on the key makes a repeat
//! that arrives while the first is running wait for it and then replay its response: the
//! request is never executed twice.

use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::http::header::{CONTENT_TYPE, ETAG, LOCATION};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;

use crate::error::ApiError;
use crate::store::idempotency::{self as store, NewRecord};

/// The header of the IETF draft.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header the prototype used; still honoured.
pub const LEGACY_IDEMPOTENCY_KEY: &str = "x-idempotent-key";
/// Marks a response that was replayed from the store.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";
/// Longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

/// How idempotency behaves in this deployment.
#[derive(Debug, Clone)]
pub struct IdempotencySettings {
    /// How long a response is replayed for.
    pub retention: Duration,
    /// How long a repeat waits for the first request to finish before getting a 409.
    pub wait: Duration,
}

impl Default for IdempotencySettings {
    fn default() -> Self {
        Self {
            retention: Duration::from_secs(24 * 60 * 60),
            wait: Duration::from_secs(5),
        }
    }
}

/// The key of one request and the fingerprint of the request itself.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    storage_key: String,
    request_hash: [u8; 32],
    derived: bool,
}

impl IdempotencyKey {
    /// The client's key, or one derived from the method, path and canonical JSON body.
    pub fn for_request(
        headers: &HeaderMap,
        method: &Method,
        path: &str,
        body: &Value,
    ) -> Result<Self, ApiError> {
        let request_hash = request_hash(method, path, body);
        let explicit = [IDEMPOTENCY_KEY, LEGACY_IDEMPOTENCY_KEY]
            .iter()
            .find_map(|name| headers.get(*name));
        Ok(match explicit {
            Some(value) => Self {
                storage_key: format!("key:{}", parse_key(value)?),
                request_hash,
                derived: false,
            },
            None => Self {
                storage_key: format!("derived:{}", hex(&request_hash)),
                request_hash,
                derived: true,
            },
        })
    }
}

/// Accepts the draft's structured-field string (`"abc"`) or a bare token (`abc`): 1 to
/// 255 printable ASCII characters without `"`, a bare one without surrounding spaces
/// (`openapi_rules::IDEMPOTENCY_KEY_PATTERN` documents exactly this).
pub(crate) fn parse_key(value: &HeaderValue) -> Result<String, ApiError> {
    let invalid = || {
        ApiError::BadRequest(format!(
            "Idempotency-Key must be 1 to {MAX_KEY_LEN} printable ASCII characters other than \
             `\"`, optionally in double quotes, e.g. a UUID: \
             `Idempotency-Key: \"8e03978e-40d5-43e8-bc93-6894a57f9324\"`"
        ))
    };
    let raw = value.to_str().map_err(|_| invalid())?;
    let (key, quoted) = match raw.strip_prefix('"') {
        Some(rest) => (rest.strip_suffix('"').ok_or_else(invalid)?, true),
        None => (raw, false),
    };
    let printable = |b: u8| (0x20..0x7f).contains(&b) && b != b'"';
    if key.is_empty()
        || key.len() > MAX_KEY_LEN
        || !key.bytes().all(printable)
        || (!quoted && (key.starts_with(' ') || key.ends_with(' ')))
    {
        return Err(invalid());
    }
    Ok(key.to_owned())
}

/// Hold the key for this transaction and, if a response is stored for it, return its replay.
/// A repeat of a request still running waits for it (up to the configured time, then 409).
pub async fn replay_or_lock(
    conn: &mut PgConnection,
    key: &IdempotencyKey,
    settings: &IdempotencySettings,
) -> Result<Option<Response>, ApiError> {
    if !store::lock_key(conn, &key.storage_key, settings.wait).await? {
        return Err(ApiError::InFlight(
            "a request with this idempotency key is still being processed; retry shortly"
                .to_owned(),
        ));
    }
    let Some(stored) = store::find(conn, &key.storage_key).await? else {
        return Ok(None);
    };
    if stored.request_hash != key.request_hash {
        return Err(ApiError::invalid_field(
            "",
            "this idempotency key was already used for a different request; use a new key for a new request",
        ));
    }
    Ok(Some(replay(stored)))
}

fn replay(stored: store::StoredResponse) -> Response {
    let status = u16::try_from(stored.status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = Response::new(Body::from(stored.body));
    *response.status_mut() = status;
    if let Value::Object(headers) = stored.headers {
        for (name, value) in headers {
            if let (Ok(name), Some(Ok(value))) = (
                HeaderName::try_from(name.as_str()),
                value.as_str().map(HeaderValue::from_str),
            ) {
                response.headers_mut().insert(name, value);
            }
        }
    }
    response
        .headers_mut()
        .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    response
}

/// Store a successful response for `key` in the caller's transaction, and return it. Failed
/// requests changed nothing, so they are not stored: retrying one simply runs it again.
pub async fn remember(
    conn: &mut PgConnection,
    key: &IdempotencyKey,
    resource: &str,
    response: Response,
    retention: Duration,
) -> Result<Response, ApiError> {
    if !response.status().is_success() {
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, usize::MAX)
        .await
        .map_err(|error| anyhow::anyhow!("buffering a response: {error}"))?;
    let mut headers = Map::new();
    for name in [CONTENT_TYPE, ETAG, LOCATION] {
        if let Some(value) = parts.headers.get(&name).and_then(|v| v.to_str().ok()) {
            headers.insert(name.as_str().to_owned(), Value::from(value));
        }
    }
    store::insert(
        conn,
        NewRecord {
            key: &key.storage_key,
            request_hash: &key.request_hash,
            derived: key.derived,
            resource,
            status: parts.status.as_u16() as i16,
            headers: Value::Object(headers),
            body: &bytes,
            retention,
        },
    )
    .await?;
    Ok(Response::from_parts(parts, Body::from(bytes)))
}

/// SHA-256 over the method, the path and the body in canonical JSON (object keys sorted at
/// every level, no insignificant whitespace), so key order and spacing do not matter.
fn request_hash(method: &Method, path: &str, body: &Value) -> [u8; 32] {
    let mut canonical = String::new();
    write_canonical(body, &mut canonical);
    let mut hasher = Sha256::new();
    hasher.update(method.as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(path.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical.as_bytes());
    hasher.finalize().into()
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(key.as_str()).to_string());
                out.push(':');
                write_canonical(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
