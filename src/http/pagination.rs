//! Opaque, versioned page cursors for keyset pagination, and the page size parameter.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub const DEFAULT_PAGE_SIZE: u32 = 100;
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Cursor format version: bump it when the key changes shape, so old cursors get a clear 400.
const CURSOR_FORMAT: u8 = 1;

#[derive(Serialize, serde::Deserialize)]
struct Envelope<K> {
    v: u8,
    k: K,
}

/// Encode the key of the last item on a page. The encoding is opaque to clients by contract.
pub fn encode_cursor<K: Serialize>(key: K) -> String {
    let json = serde_json::to_vec(&Envelope {
        v: CURSOR_FORMAT,
        k: key,
    })
    .expect("cursor keys serialise");
    URL_SAFE_NO_PAD.encode(json)
}

/// Decode a cursor produced by [`encode_cursor`].
pub fn decode_cursor<K: DeserializeOwned>(raw: &str) -> Result<K, ApiError> {
    let invalid = || {
        ApiError::BadRequest(
            "`cursor` is not a cursor this server issued; follow `nextLink` as given".to_owned(),
        )
    };
    let json = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
    let envelope: Envelope<K> = serde_json::from_slice(&json).map_err(|_| invalid())?;
    if envelope.v != CURSOR_FORMAT {
        return Err(invalid());
    }
    Ok(envelope.k)
}

/// Check the `limit` parameter, applying the default.
pub fn page_size(limit: Option<u32>) -> Result<u32, ApiError> {
    match limit.unwrap_or(DEFAULT_PAGE_SIZE) {
        size @ 1..=MAX_PAGE_SIZE => Ok(size),
        _ => Err(ApiError::BadRequest(format!(
            "`limit` must be between 1 and {MAX_PAGE_SIZE}"
        ))),
    }
}
