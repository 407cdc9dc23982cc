//! `daap serve`: start the HTTP service and shut it down gracefully.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum_server::Server;
use axum_server::tls_rustls::RustlsConfig;
use tokio::sync::watch;

use crate::auth::{TokenValidator, http_client};
use crate::authz::Policy;
use crate::config::ServeArgs;
use crate::database::Database;
use crate::http::{AppState, SharedState, app};
use crate::readiness::Readiness;
use crate::shutdown::{ShutdownPlan, drain_on_signal};
use crate::store::pool;

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let auth = token_validator(&args)?;
    // Before the database: a TLS mistake should fail fast, with nothing started.
    let tls = match args.serving.tls()? {
        Some(files) => {
            let (config, loaded) = crate::tls::load(&files).await?;
            Some((config, files, loaded))
        }
        None => None,
    };
    let database = Database::open(&args.database).await?;
    let result = run(&args, &database, auth, tls).await;
    database.close().await?;
    result
}

/// Secure by default: with an identity provider configured every `/v1` request needs a valid
/// token; without one, daap runs open only on a loopback address (or when told so in words
/// nobody types by accident), and says so loudly.
fn token_validator(args: &ServeArgs) -> anyhow::Result<Option<TokenValidator>> {
    if let Some(config) = args.auth.auth_config() {
        config.check().map_err(|error| {
            anyhow::anyhow!("the identity provider settings are invalid: {error}")
        })?;
        let http =
            http_client().context("could not build the HTTP client for the identity provider")?;
        tracing::info!(authority = %config.authority, "authentication: bearer tokens required on /v1");
        return Ok(Some(TokenValidator::new(config, http)));
    }
    if args.bind.ip().is_loopback() {
        tracing::warn!(
            "AUTHENTICATION IS OFF: no identity provider is configured, so anyone who can reach \
             {} can change anything. That is only allowed on a loopback address; set \
             DAAP_AUTH_TENANT_ID and DAAP_AUTH_CLIENT_ID to require tokens (docs/authentication.md)",
            args.bind
        );
        return Ok(None);
    }
    if args.auth.insecure_disable_auth {
        tracing::warn!(
            "AUTHENTICATION IS OFF on {} because DAAP_INSECURE_DISABLE_AUTH=true: anyone who can \
             reach this address can change anything",
            args.bind
        );
        return Ok(None);
    }
    anyhow::bail!(
        "refusing to serve on {} without authentication: that address is reachable from other \
         machines and no identity provider is configured. Set DAAP_AUTH_TENANT_ID and \
         DAAP_AUTH_CLIENT_ID (see docs/authentication.md), or bind to 127.0.0.1, or set \
         DAAP_INSECURE_DISABLE_AUTH=true to run without authentication on purpose",
        args.bind
    )
}

async fn run(
    args: &ServeArgs,
    database: &Database,
    auth: Option<TokenValidator>,
    tls: Option<(RustlsConfig, crate::serving::TlsFiles, [u8; 32])>,
) -> anyhow::Result<()> {
    if let Some(validator) = &auth {
        // Warm the key cache; if the provider is down, requests get 503 until it answers.
        if let Err(error) = validator.refresh_keys().await {
            tracing::warn!(error = %error, "could not load the identity provider's signing keys yet");
        }
        validator.spawn_key_refresh();
    }
    if args.migrate_on_start {
        pool::migrate(&database.pool).await?;
    }
    let uploads = args.uploads.uploads(&args.database.data_dir()).await?;
    let readiness = Readiness::new();
    let state = AppState::new(SharedState {
        pool: database.pool.clone(),
        policy: Arc::new(args.metadata_policy()),
        body_limit: args.body_limit_bytes,
        writes: Arc::new(args.write_settings()),
        auth,
        authz: Arc::new(Policy {
            roles: args.auth.role_names(),
            require_reader_role: args.auth.require_reader_role,
        }),
        docs: Arc::new(args.docs_settings()),
        uploads: Some(Arc::new(uploads)),
        gateway: Arc::new(args.gateway()),
        readiness: readiness.clone(),
    });
    let purge = tokio::spawn(purge_idempotency_records(database.pool.clone()));
    let compact = tokio::spawn(compact_statistics(database.pool.clone()));
    let (stop, stopped) = watch::channel(false);
    let sync_worker = start_sync_worker(args, database, stopped.clone()).await?;
    let metrics = crate::metrics::start(
        &args.metrics,
        &database.pool,
        args.sync.targets(),
        stopped.clone(),
    )
    .await?;
    let listener = std::net::TcpListener::bind(args.bind)
        .with_context(|| format!("could not listen on {}", args.bind))?;
    let address = listener.local_addr()?;
    let handle = axum_server::Handle::new();
    let plan = ShutdownPlan {
        delay: args.serving.shutdown_delay(),
        timeout: args.serving.shutdown_timeout(),
    };
    let signal = tokio::spawn(drain_on_signal(plan, readiness, handle.clone(), stop));
    // Handlers and middleware (the rate limiter) read the peer as `ConnectInfo<SocketAddr>`.
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let header_read_timeout = args.serving.header_read_timeout();
    let served = match tls {
        None => {
            tracing::info!(address = %address, "daap is serving HTTP");
            let server = configure(
                axum_server::from_tcp(listener)?,
                handle,
                header_read_timeout,
            );
            server.serve(service).await
        }
        Some((config, files, loaded)) => {
            tracing::info!(address = %address, cert = %files.cert.display(), "daap is serving HTTPS");
            let reloader = crate::tls::spawn_reloader(config.clone(), files, loaded);
            let server = axum_server::from_tcp_rustls(listener, config)?;
            let served = configure(server, handle, header_read_timeout)
                .serve(service)
                .await;
            reloader.abort();
            served
        }
    };
    served.context("the HTTP server failed")?;
    if let Some(sync_worker) = sync_worker {
        // Finishes the deliveries in flight (each bounded by its timeout), releases leases.
        let _ = sync_worker.await;
    }
    if let Some(metrics) = metrics {
        let _ = metrics.await;
    }
    signal.abort();
    purge.abort();
    compact.abort();
    tracing::info!("daap stopped");
    Ok(())
}

/// The HTTP settings of either listener: HTTP/1.1 (what axum is built for here), a bound on
/// how long a client may take to send its headers (slowloris; `None`: no bound), and the
/// handle the shutdown sequence stops it with.
fn configure<A>(
    server: Server<SocketAddr, A>,
    handle: axum_server::Handle<SocketAddr>,
    header_read_timeout: Option<std::time::Duration>,
) -> Server<SocketAddr, A> {
    let mut server = server.http1_only().handle(handle);
    server
        .http_builder()
        .http1()
        .header_read_timeout(header_read_timeout);
    server
}

/// Run the catalogue sync workers in this process, when a catalogue is configured and no
/// separate `daap worker` deployment is meant to deliver.
async fn start_sync_worker(
    args: &ServeArgs,
    database: &Database,
    stopped: watch::Receiver<bool>,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let targets = crate::sync::setup::targets(&args.sync).await?;
    if targets.is_empty() || !args.sync.sync_worker {
        return Ok(None);
    }
    let settings = crate::sync::setup::worker_settings(&args.sync);
    Ok(Some(tokio::spawn(crate::sync::worker::run(
        database.pool.clone(),
        targets,
        settings,
        stopped,
    ))))
}

/// Fold the statistics counters' rows in the background (`store::stats::compact`). A failure
/// only leaves more rows for the reads to sum: it is logged and tried again next period.
async fn compact_statistics(pool: crate::store::pool::Pool) {
    let mut every = tokio::time::interval(crate::store::stats::COMPACT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match crate::store::stats::compact(&pool).await {
            Ok(0) => {}
            Ok(folded) => tracing::debug!(folded, "folded statistics rows"),
            Err(error) => tracing::warn!(error = %error, "could not fold statistics rows"),
        }
    }
}

/// Delete expired idempotency records in the background, in small batches so that it never
/// holds locks for long. Lookups ignore expired records anyway: this only reclaims space.
async fn purge_idempotency_records(pool: crate::store::pool::Pool) {
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
