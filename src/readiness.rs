//! Whether this instance wants new traffic. A shutting-down instance keeps answering the
//! requests that still reach it, but says "not ready" so that load balancers and Kubernetes
//! stop sending more before it stops listening (see `server.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Shared by the readiness probe (reads it) and the shutdown sequence (sets it). Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Readiness {
    draining: Arc<AtomicBool>,
}

impl Readiness {
    pub fn new() -> Self {
        Self::default()
    }

    /// From now on `/health/ready` answers 503. There is no way back: a draining instance
    /// only ever stops.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }
}
