//! Stopping a long-running command: the signal (SIGTERM, Ctrl-C) that stops `serve` and
//! `worker`, and the order in which `serve` stops so that no request is dropped.

use std::time::Duration;

use tokio::sync::watch;

use crate::readiness::Readiness;

/// Resolves on Ctrl-C or SIGTERM (what Kubernetes sends), so in-flight work can finish.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight work");
}

/// How `serve` stops.
#[derive(Debug, Clone, Copy)]
pub struct ShutdownPlan {
    /// Serving on, but reporting not ready, so load balancers take this instance out first.
    pub delay: Duration,
    /// Then the longest wait for requests in flight before their connections are cut.
    pub timeout: Duration,
}

/// On the signal: readiness turns 503 at once; requests keep being served for `plan.delay`
/// (a second signal cuts that short); then the listener closes and the connections drain
/// (bounded by `plan.timeout`, enforced by `server`), and `stop` tells the background workers
/// to finish.
pub async fn drain_on_signal(
    plan: ShutdownPlan,
    readiness: Readiness,
    server: axum_server::Handle<std::net::SocketAddr>,
    stop: watch::Sender<bool>,
) {
    shutdown_signal().await;
    readiness.start_draining();
    if !plan.delay.is_zero() {
        tracing::info!(
            delay_secs = plan.delay.as_secs_f64(),
            "not ready any more; serving on until load balancers have stopped sending requests"
        );
        tokio::select! {
            () = tokio::time::sleep(plan.delay) => {}
            () = shutdown_signal() => tracing::info!("second signal: not waiting any longer"),
        }
    }
    tracing::info!(
        timeout_secs = plan.timeout.as_secs_f64(),
        connections = server.connection_count(),
        "closing the listener; waiting for requests in flight"
    );
    server.graceful_shutdown(Some(plan.timeout));
    let _ = stop.send(true);
}
