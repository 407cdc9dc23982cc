//! Rate limits per caller, in three budgets: reads, writes and upload issuance.
//!
//! A caller is its token's principal, or, without a token, its address (see
//! `client_address`). Each budget is a GCRA limiter (`governor`): `q` requests per window `w`,
//! spent at most `q` at once and refilled evenly. Answers carry the IETF `RateLimit-Policy`
//! and `RateLimit` headers (draft-ietf-httpapi-ratelimit-headers) so well-behaved clients can
//! pace themselves; a refusal is `429` with `Retry-After`. Budgets live in this replica's
//! memory: with N replicas behind a load balancer a caller gets up to N times the budget.

use std::fmt;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::authz::Caller;
use crate::error::ApiError;
use std::sync::Arc;

use crate::http::gateway::Gateway;

pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");
pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");

/// How often (in checks) the limiter forgets callers whose budget is full again, so that the
/// table of callers stays as small as the set of recent ones.
const FORGET_EVERY: u64 = 4096;

/// Which budget a request spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetKind {
    Reads,
    Writes,
    Uploads,
}

impl BudgetKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Reads => "reads",
            Self::Writes => "writes",
            Self::Uploads => "uploads",
        }
    }

    /// Reads are `GET`/`HEAD`/`OPTIONS`; starting an upload and asking for part URLs spend the
    /// upload budget (each hands out presigned URLs); every other method is a write.
    pub fn of(method: &Method, route: &str) -> Self {
        if method.is_safe() {
            return Self::Reads;
        }
        let issues_upload_urls = route == "/v1/schemas/{id}/uploads"
            || route == "/v1/schemas/{id}/uploads/{uploadId}/parts";
        if *method == Method::POST && issues_upload_urls {
            Self::Uploads
        } else {
            Self::Writes
        }
    }
}

/// Who spends a budget: the token's principal, else the client's address (no allocation for
/// the common anonymous case).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CallerKey {
    Principal(String),
    Address(Option<IpAddr>),
}

type KeyedLimiter = RateLimiter<
    CallerKey,
    DefaultKeyedStateStore<CallerKey>,
    DefaultClock,
    StateInformationMiddleware,
>;

struct Budget {
    kind: BudgetKind,
    requests: u32,
    window: Duration,
    /// `RateLimit-Policy`, the same on every answer: made once.
    policy: HeaderValue,
    limiter: KeyedLimiter,
}

impl fmt::Debug for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Budget")
            .field("kind", &self.kind)
            .field("requests", &self.requests)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl Budget {
    fn new(kind: BudgetKind, requests: NonZeroU32, window: Duration) -> Self {
        let refill = window / requests.get();
        let quota = Quota::with_period(refill.max(Duration::from_nanos(1)))
            .expect("a non-zero period")
            .allow_burst(requests);
        // `"reads";q=1200;w=60`
        let policy = header_value(format!(
            "\"{}\";q={};w={}",
            kind.name(),
            requests,
            window.as_secs().max(1)
        ));
        Self {
            kind,
            requests: requests.get(),
            window,
            policy,
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
        }
    }

    /// How long until `remaining` requests left become the full budget again.
    fn refilled_in(&self, remaining: u32) -> Duration {
        (self.window / self.requests) * (self.requests - remaining.min(self.requests))
    }
}

/// The outcome for one request: allowed or not, and what the headers say.
pub struct Decision {
    /// `None`: allowed.
    pub retry_after: Option<Duration>,
    /// `RateLimit-Policy`.
    pub policy: HeaderValue,
    /// `RateLimit`: what is left and when it is full again.
    pub state: HeaderValue,
}

impl Decision {
    /// Adds `RateLimit-Policy`, `RateLimit` and, on a refusal, `Retry-After`.
    pub fn write_headers(self, headers: &mut HeaderMap) {
        headers.insert(RATELIMIT_POLICY, self.policy);
        headers.insert(RATELIMIT, self.state);
        if let Some(wait) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(whole_seconds(wait)));
        }
    }
}

#[derive(Debug)]
pub struct RateLimits {
    budgets: Vec<Budget>,
    checks: AtomicU64,
}

impl RateLimits {
    /// One budget per kind: `(kind, requests, per window)`.
    pub fn new(budgets: impl IntoIterator<Item = (BudgetKind, NonZeroU32, Duration)>) -> Self {
        Self {
            budgets: budgets
                .into_iter()
                .map(|(kind, requests, window)| Budget::new(kind, requests, window))
                .collect(),
            checks: AtomicU64::new(0),
        }
    }

    /// Spend one request of `kind` from `caller`'s budget.
    pub fn check(&self, kind: BudgetKind, caller: &CallerKey) -> Option<Decision> {
        let budget = self.budgets.iter().find(|budget| budget.kind == kind)?;
        if self.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            budget.limiter.retain_recent();
        }
        let (remaining, reset, retry_after) = match budget.limiter.check_key(caller) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                (remaining, budget.refilled_in(remaining), None)
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                (0, budget.refilled_in(0), Some(wait))
            }
        };
        let state = header_value(format!(
            "\"{}\";r={remaining};t={}",
            budget.kind.name(),
            whole_seconds(retry_after.unwrap_or(reset))
        ));
        Some(Decision {
            retry_after,
            policy: budget.policy.clone(),
            state,
        })
    }
}

/// Seconds, rounded up: a client that waits that long will be let through.
fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

fn header_value(text: String) -> HeaderValue {
    HeaderValue::try_from(text).expect("rate-limit headers are ASCII")
}

/// Who spends the budget: the principal when the token named one, else the client address.
fn caller_key(gateway: &Gateway, request: &Request) -> CallerKey {
    if let Some(Caller::Authenticated(principal)) = request.extensions().get::<Caller>() {
        return CallerKey::Principal(principal.id.clone());
    }
    CallerKey::Address(gateway.trusted_proxies.client_address(request))
}

/// The middleware: runs after authentication (it needs the caller) and only on `/v1`.
pub async fn enforce(
    State(gateway): State<Arc<Gateway>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(limits) = &gateway.rate_limits else {
        return next.run(request).await;
    };
    if !request.uri().path().starts_with("/v1/") {
        return next.run(request).await;
    }
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("", MatchedPath::as_str);
    let kind = BudgetKind::of(request.method(), route);
    let Some(decision) = limits.check(kind, &caller_key(&gateway, &request)) else {
        return next.run(request).await;
    };
    let mut response = match decision.retry_after {
        None => next.run(request).await,
        Some(wait) => {
            metrics::counter!("daap_rate_limit_rejections_total", "budget" => kind.name())
                .increment(1);
            ApiError::TooManyRequests(format!(
                "this caller has used its {} budget; retry in {} s",
                kind.name(),
                whole_seconds(wait)
            ))
            .into_response()
        }
    };
    decision.write_headers(response.headers_mut());
    response
}
