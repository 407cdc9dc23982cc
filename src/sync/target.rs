//! The contract between the sync worker and a catalogue (Glue, DataHub).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use super::snapshot::Delivery;

/// Which catalogue. Stored in `sync_outbox.target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetName {
    Glue,
    DataHub,
}

impl TargetName {
    pub const ALL: [TargetName; 2] = [TargetName::Glue, TargetName::DataHub];

    pub fn as_str(self) -> &'static str {
        match self {
            TargetName::Glue => "glue",
            TargetName::DataHub => "datahub",
        }
    }

    pub fn parse(raw: &str) -> Option<TargetName> {
        TargetName::ALL.into_iter().find(|t| t.as_str() == raw)
    }
}

/// Why a delivery failed. The worker retries both kinds with backoff; `Permanent` ones (the
/// target refused the request as malformed, a missing permission) are parked after fewer
/// attempts because retrying will not help until someone acts.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// Network errors, timeouts, throttling, 5xx: likely to pass on a later attempt.
    #[error("{0}")]
    Transient(String),
    /// The target rejected the request itself (4xx other than throttling).
    #[error("{0}")]
    Permanent(String),
}

pub type DeliveryFuture<'a> = Pin<Box<dyn Future<Output = Result<(), DeliveryError>> + Send + 'a>>;

/// A catalogue daap publishes to. Implementations must be idempotent: applying a delivery
/// that was already applied (a redelivery after a crash) changes nothing visible.
pub trait Target: Send + Sync {
    fn name(&self) -> TargetName;
    /// Make the catalogue reflect `delivery`. Must give up within `timeout`.
    fn apply<'a>(&'a self, delivery: &'a Delivery, timeout: Duration) -> DeliveryFuture<'a>;
}
