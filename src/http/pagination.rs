//! The page parameters every list takes (`limit`, `cursor`), opaque and versioned keyset
//! cursors, and the link to the next page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::IntoParams;

use crate::error::ApiError;

pub const DEFAULT_PAGE_SIZE: u32 = 100;
pub const MAX_PAGE_SIZE: u32 = 1000;

/// The page parameters of a list: documented once, taken by every list endpoint (alone, or
/// with the list's own parameters through [`Paged`]).
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 1000 (default 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `nextLink`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The names of the page parameters, as they appear in a query string.
    const NAMES: [&str; 2] = ["limit", "cursor"];

    /// The page size asked for, checked, or the default.
    pub fn size(&self) -> Result<u32, ApiError> {
        match self.limit.unwrap_or(DEFAULT_PAGE_SIZE) {
            size @ 1..=MAX_PAGE_SIZE => Ok(size),
            _ => Err(ApiError::BadRequest(format!(
                "`limit` must be between 1 and {MAX_PAGE_SIZE}"
            ))),
        }
    }

    /// The key the page starts after, or `None` for the first page.
    pub fn after<K: DeserializeOwned>(&self) -> Result<Option<K>, ApiError> {
        match self.cursor.as_deref().filter(|cursor| !cursor.is_empty()) {
            Some(cursor) => decode_cursor(cursor).map(Some),
            None => Ok(None),
        }
    }

    /// The relative URL of the page after the one ending at `last`: `path`, the list's own
    /// parameters (`filter`) as they were, the same `limit`, and the cursor of `last`.
    pub fn next_link<K: Serialize>(
        &self,
        path: &str,
        filter: &impl Serialize,
        last: K,
    ) -> Result<String, ApiError> {
        let next = PageQuery {
            limit: self.limit,
            cursor: Some(encode_cursor(last)),
        };
        let filter = serde_urlencoded::to_string(filter).map_err(anyhow::Error::from)?;
        let page = serde_urlencoded::to_string(&next).map_err(anyhow::Error::from)?;
        let separator = if filter.is_empty() { "" } else { "&" };
        Ok(format!("{path}?{filter}{separator}{page}"))
    }
}

/// A list's own query parameters (`F`) and the page parameters, taken from one query string.
/// An unknown parameter is refused, as by `F` alone.
#[derive(Debug, Clone, Default)]
pub struct Paged<F> {
    pub filter: F,
    pub page: PageQuery,
}

impl<'de, F: DeserializeOwned> Deserialize<'de> for Paged<F> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Each part parses the pairs that are its own, exactly as it would parse a query string
        // of only those (so numbers still parse from text, and duplicates are still refused).
        let pairs = Vec::<(String, String)>::deserialize(deserializer)?;
        let (page, filter): (Vec<_>, Vec<_>) = pairs
            .into_iter()
            .partition(|(name, _)| PageQuery::NAMES.contains(&name.as_str()));
        let filter = reparse(filter).map_err(|why| {
            // The list's own parameters name the others it expects; add the page's.
            let page = PageQuery::NAMES.map(|name| format!("`{name}`")).join(", ");
            if why.starts_with("unknown field") {
                D::Error::custom(format!("{why} (or {page})"))
            } else {
                D::Error::custom(why)
            }
        })?;
        Ok(Self {
            filter,
            page: reparse(page).map_err(D::Error::custom)?,
        })
    }
}

/// Parse `pairs` as the query string they came from.
fn reparse<T: DeserializeOwned>(pairs: Vec<(String, String)>) -> Result<T, String> {
    let query = serde_urlencoded::to_string(pairs).map_err(|error| error.to_string())?;
    serde_urlencoded::from_str(&query).map_err(|error| error.to_string())
}

/// Cursor format version: bump it when the key changes shape, so old cursors get a clear 400.
const CURSOR_FORMAT: u8 = 1;

#[derive(Serialize, serde::Deserialize)]
struct Envelope<K> {
    v: u8,
    k: K,
}

/// Encode the key of the last item on a page. The encoding is opaque to clients by contract.
fn encode_cursor<K: Serialize>(key: K) -> String {
    let json = serde_json::to_vec(&Envelope {
        v: CURSOR_FORMAT,
        k: key,
    })
    .expect("cursor keys serialise");
    URL_SAFE_NO_PAD.encode(json)
}

/// Decode a cursor produced by [`encode_cursor`].
fn decode_cursor<K: DeserializeOwned>(raw: &str) -> Result<K, ApiError> {
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
