//! The issuer's signing keys: found through OpenID Connect discovery, fetched as a JWKS, cached,
//! and fetched again when they are old or a token names a key the cache does not have.
//!
//! Fetching is single-flight: one fetch at a time, under an async mutex held for the whole
//! fetch. A request that needs a fetch while one is under way waits for it and then uses its
//! result instead of fetching again. Fetches caused by unknown `kid`s are at most one per
//! `min_unknown_kid_refresh_interval`, and after a failed fetch none is tried for
//! `failed_fetch_backoff`, so a flood of tokens with made-up key ids, or an identity provider
//! that is down, costs the provider at most one request per interval.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use tokio::sync::Mutex;

use super::config::AuthConfig;
use super::error::AuthError;
use super::http::{FetchError, fetch_json};

/// Shortest RSA modulus accepted in a JWKS (Entra's keys are 2048-bit).
const MIN_RSA_MODULUS_BITS: usize = 2048;

/// One version of the key set; replaced whole by each successful fetch.
#[derive(Default)]
struct KeySet {
    keys: HashMap<String, Arc<DecodingKey>>,
    /// When it was fetched; `None` until the first successful fetch.
    fetched_at: Option<Instant>,
    /// Counts successful fetches, so a waiter can tell whether a fetch happened while it waited.
    generation: u64,
}

/// What only the fetcher (the holder of the refresh lock) reads and writes.
#[derive(Default)]
struct FetchState {
    /// From discovery, kept until a JWKS fetch from it fails.
    discovered_jwks_url: Option<String>,
    last_unknown_kid_fetch: Option<Instant>,
    last_failure: Option<Instant>,
}

/// Why a fetch is made: decides which limits apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    /// A token named a `kid` the current key set lacks (or there is no key set yet).
    UnknownKid,
    /// The key set is older than `jwks_refresh_interval`.
    Stale,
    /// Asked for explicitly (start-up, the refresh task's first round).
    Forced,
}

pub(crate) struct KeyCache {
    http: reqwest::Client,
    discovery_url: String,
    jwks_url: Option<String>,
    issuers: Vec<String>,
    refresh_interval: Duration,
    min_unknown_kid_interval: Duration,
    fetch_timeout: Duration,
    failed_fetch_backoff: Duration,
    current: RwLock<Arc<KeySet>>,
    /// Held for the whole of every fetch: the single flight.
    fetch: Arc<Mutex<FetchState>>,
}

impl KeyCache {
    pub(crate) fn new(config: &AuthConfig, http: reqwest::Client) -> Self {
        Self {
            http,
            discovery_url: config.discovery_url(),
            jwks_url: config.jwks_url.clone(),
            issuers: config.issuers.clone(),
            refresh_interval: config.jwks_refresh_interval,
            min_unknown_kid_interval: config.min_unknown_kid_refresh_interval,
            fetch_timeout: config.fetch_timeout,
            failed_fetch_backoff: config.failed_fetch_backoff,
            current: RwLock::new(Arc::new(KeySet::default())),
            fetch: Arc::new(Mutex::new(FetchState::default())),
        }
    }

    fn snapshot(&self) -> Arc<KeySet> {
        // A panic while holding this lock can only happen in `store`, which cannot panic
        // half-way; the data is always whole.
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// The key with id `kid`, fetching the key set first if it lacks it (within the limits).
    pub(crate) async fn key(self: &Arc<Self>, kid: &str) -> Result<Arc<DecodingKey>, AuthError> {
        let set = self.snapshot();
        if let Some(key) = set.keys.get(kid) {
            if set
                .fetched_at
                .is_some_and(|at| at.elapsed() >= self.refresh_interval)
            {
                self.refresh_in_background();
            }
            return Ok(Arc::clone(key));
        }
        self.fetch_for_unknown_kid(set.generation).await?;
        self.snapshot()
            .keys
            .get(kid)
            .cloned()
            .ok_or(AuthError::UnknownKey)
    }

    /// Fetches the key set for a `kid` that the set of generation `seen` lacked, unless another
    /// fetch happened meanwhile or a limit says no. `Err` only while there are no keys at all.
    async fn fetch_for_unknown_kid(&self, seen: u64) -> Result<(), AuthError> {
        let mut state = self.fetch.lock().await;
        let set = self.snapshot();
        if set.generation != seen {
            // Someone else fetched while we waited: their result is as fresh as ours would be.
            return Ok(());
        }
        let have_keys = set.fetched_at.is_some();
        let now = Instant::now();
        if within(state.last_failure, self.failed_fetch_backoff, now) {
            return if have_keys {
                Ok(())
            } else {
                Err(AuthError::KeysUnavailable)
            };
        }
        if have_keys {
            if within(
                state.last_unknown_kid_fetch,
                self.min_unknown_kid_interval,
                now,
            ) {
                tracing::debug!(
                    "unknown signing key id; key set fetched too recently to fetch again"
                );
                return Ok(());
            }
            state.last_unknown_kid_fetch = Some(now);
        }
        match self.fetch_and_store(&mut state, Trigger::UnknownKid).await {
            Ok(()) => Ok(()),
            Err(()) if have_keys => Ok(()),
            Err(()) => Err(AuthError::KeysUnavailable),
        }
    }

    /// Starts fetching a stale key set in a task of its own, unless a fetch is under way or
    /// failed too recently. The caller goes on with the keys it has.
    fn refresh_in_background(self: &Arc<Self>) {
        let Ok(mut state) = Arc::clone(&self.fetch).try_lock_owned() else {
            return; // a fetch is under way
        };
        if within(
            state.last_failure,
            self.failed_fetch_backoff,
            Instant::now(),
        ) {
            return;
        }
        let cache = Arc::clone(self);
        tokio::spawn(async move {
            // Re-check under the lock: a fetch may have finished just before we took it.
            let fresh = cache
                .snapshot()
                .fetched_at
                .is_some_and(|at| at.elapsed() < cache.refresh_interval);
            if !fresh {
                let _ = cache.fetch_and_store(&mut state, Trigger::Stale).await;
            }
        });
    }

    /// Fetches now, waiting for a fetch under way to finish first (whose result then counts,
    /// if it succeeded within `skip_if_fresher_than`).
    pub(crate) async fn refresh(
        &self,
        skip_if_fresher_than: Option<Duration>,
    ) -> Result<(), AuthError> {
        let mut state = self.fetch.lock().await;
        let fresh = skip_if_fresher_than.is_some_and(|age| {
            self.snapshot()
                .fetched_at
                .is_some_and(|at| at.elapsed() < age)
        });
        if fresh {
            return Ok(());
        }
        self.fetch_and_store(&mut state, Trigger::Forced)
            .await
            .map_err(|()| AuthError::KeysUnavailable)
    }

    /// Runs until every `KeyCache` handle is gone: fetches now, then again every
    /// `refresh_interval` (sooner, after `failed_fetch_backoff`, when a fetch failed).
    pub(crate) async fn refresh_periodically(cache: Weak<KeyCache>) {
        let mut first = true;
        loop {
            let Some(this) = cache.upgrade() else { return };
            // Skip a round if a request-triggered fetch already renewed the keys recently.
            let skip_if_fresher_than = (!first).then_some(this.refresh_interval / 2);
            first = false;
            let wait = match this.refresh(skip_if_fresher_than).await {
                Ok(()) => this.refresh_interval,
                Err(_) => this.failed_fetch_backoff,
            };
            drop(this);
            tokio::time::sleep(wait.max(Duration::from_millis(10))).await;
        }
    }

    /// One fetch (discovery if needed, then the JWKS), replacing the key set on success. Only
    /// called with the fetch lock held (`state` is its guarded data). Failures are logged here.
    async fn fetch_and_store(&self, state: &mut FetchState, trigger: Trigger) -> Result<(), ()> {
        match self.fetch_keys(state).await {
            Ok(keys) => {
                let count = keys.len();
                let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
                let generation = current.generation + 1;
                *current = Arc::new(KeySet {
                    keys,
                    fetched_at: Some(Instant::now()),
                    generation,
                });
                drop(current);
                state.last_failure = None;
                tracing::info!(keys = count, ?trigger, "fetched the token signing keys");
                Ok(())
            }
            Err(error) => {
                state.last_failure = Some(Instant::now());
                tracing::warn!(%error, ?trigger, "fetching the token signing keys failed");
                Err(())
            }
        }
    }

    async fn fetch_keys(
        &self,
        state: &mut FetchState,
    ) -> Result<HashMap<String, Arc<DecodingKey>>, FetchError> {
        let jwks_url = match (&self.jwks_url, &state.discovered_jwks_url) {
            (Some(url), _) | (None, Some(url)) => url.clone(),
            (None, None) => {
                let url = self.discover().await?;
                state.discovered_jwks_url = Some(url.clone());
                url
            }
        };
        let result = fetch_json::<JwkSet>(&self.http, &jwks_url, self.fetch_timeout)
            .await
            .and_then(usable_keys);
        if result.is_err() {
            // The provider may have moved its keys: discover again next time.
            state.discovered_jwks_url = None;
        }
        result
    }

    async fn discover(&self) -> Result<String, FetchError> {
        let document: Discovery =
            fetch_json(&self.http, &self.discovery_url, self.fetch_timeout).await?;
        if let Some(issuer) = &document.issuer
            && !self.issuers.contains(issuer)
        {
            tracing::warn!(
                discovered_issuer = %issuer,
                "the discovery document's issuer is not an accepted issuer: \
                 tokens from this provider will be refused"
            );
        }
        match document.jwks_uri {
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => Ok(url),
            _ => Err(FetchError::NoJwksUri),
        }
    }
}

fn within(at: Option<Instant>, interval: Duration, now: Instant) -> bool {
    at.is_some_and(|at| now.saturating_duration_since(at) < interval)
}

/// The fields of an OpenID Connect discovery document that are used.
#[derive(Deserialize)]
struct Discovery {
    issuer: Option<String>,
    jwks_uri: Option<String>,
}

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<serde_json::Value>,
}

/// The fields of one JWK that are used. Parsed one key at a time, so one odd key (another
/// type, an unknown field shape) does not spoil the set.
#[derive(Deserialize)]
struct RsaJwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    alg: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

/// The set's RSA signature keys with a `kid`, an `alg` of RS256 or none, and a modulus of at
/// least [`MIN_RSA_MODULUS_BITS`]; others are skipped. An empty result is an error.
fn usable_keys(set: JwkSet) -> Result<HashMap<String, Arc<DecodingKey>>, FetchError> {
    let mut keys = HashMap::new();
    for value in set.keys {
        let Ok(jwk) = serde_json::from_value::<RsaJwk>(value) else {
            continue;
        };
        let (Some(kid), Some(n), Some(e)) = (jwk.kid, jwk.n, jwk.e) else {
            continue;
        };
        if jwk.kty != "RSA"
            || jwk.use_.as_deref().is_some_and(|u| u != "sig")
            || jwk.alg.as_deref().is_some_and(|a| a != "RS256")
        {
            continue;
        }
        let Ok(modulus) = URL_SAFE_NO_PAD.decode(n.trim_end_matches('=')) else {
            continue;
        };
        let Ok(exponent) = URL_SAFE_NO_PAD.decode(e.trim_end_matches('=')) else {
            continue;
        };
        if modulus_bits(&modulus) < MIN_RSA_MODULUS_BITS || exponent.is_empty() {
            continue;
        }
        let key = DecodingKey::from_rsa_raw_components(&modulus, &exponent);
        keys.insert(kid, Arc::new(key));
    }
    if keys.is_empty() {
        return Err(FetchError::NoUsableKeys);
    }
    Ok(keys)
}

fn modulus_bits(big_endian: &[u8]) -> usize {
    match big_endian.iter().position(|&b| b != 0) {
        Some(first) => (big_endian.len() - first) * 8 - big_endian[first].leading_zeros() as usize,
        None => 0,
    }
}
