//! `daap serve`: start the HTTP service and shut it down gracefully.

use std::sync::Arc;

use anyhow::Context;

use crate::config::ServeArgs;
use crate::database::Database;
use crate::http::{AppState, app};
use crate::store::pool;

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let database = Database::open(&args.database).await?;
    let result = run(&args, &database).await;
    database.close().await?;
    result
}

async fn run(args: &ServeArgs, database: &Database) -> anyhow::Result<()> {
    if args.migrate_on_start {
        pool::migrate(&database.pool).await?;
    }
    let state = AppState {
        pool: database.pool.clone(),
        policy: Arc::new(args.metadata_policy()),
        body_limit: args.body_limit_bytes,
        writes: Arc::new(args.write_settings()),
    };
    let purge = tokio::spawn(purge_idempotency_records(database.pool.clone()));
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("could not listen on {}", args.bind))?;
    tracing::info!(address = %listener.local_addr()?, "daap is serving HTTP");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the HTTP server failed")?;
    purge.abort();
    tracing::info!("daap stopped");
    Ok(())
}

/// Delete expired idempotency records in the background, in small batches so that it never
/// holds locks for long. Lookups ignore expired records anyway: this only reclaims space.
async fn purge_idempotency_records(pool: sqlx::PgPool) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
    loop {
        every.tick().await;
        loop {
            match crate::store::idempotency::purge_expired(&pool, 1000).await {
                Ok(1000) => continue,
                Ok(0) => break,
                Ok(deleted) => {
                    tracing::debug!(deleted, "purged expired idempotency records");
                    break;
                }
                Err(error) => {
                    tracing::warn!(error = %error, "could not purge idempotency records");
                    break;
                }
            }
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM (what Kubernetes sends), so in-flight requests can finish.
async fn shutdown_signal() {
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
    tracing::info!("shutting down: finishing in-flight requests");
}
