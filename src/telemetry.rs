//! Traces over OpenTelemetry (OTLP/HTTP), on only when an OTLP endpoint is configured with
//! the standard variables (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
//! `OTEL_EXPORTER_OTLP_ENDPOINT`). Unset, no layer is installed and nothing is exported, and
//! the one per-request hook (`adopt_remote_parent`) returns after reading a flag.
//!
//! What becomes a span: the `request` span of every request (`http/access_log.rs`), made a
//! child of the caller's W3C `traceparent`; the `db.*` spans of the store functions it calls;
//! and their INFO events. Which spans go out is decided here, not by `RUST_LOG`, so that
//! quietening the log never drops traces.
//!
//! Export runs on the SDK's batch thread; the HTTP requests themselves are sent by the
//! service's own reqwest client (rustls with ring) on the Tokio runtime, so no second HTTP
//! stack is built.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use axum::http::HeaderMap;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{TraceContextExt, TracerProvider};
use opentelemetry_http::{Bytes, HeaderExtractor, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Level;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::registry::LookupSpan;

/// Whether spans are exported at all (set once, when the layer is installed).
static ENABLED: AtomicBool = AtomicBool::new(false);

/// The standard variables that turn tracing on.
const ENDPOINT_VARIABLES: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
];

/// The exporter, kept to flush what is still queued when the process stops.
#[must_use = "call `shutdown` before exiting, or the last spans are lost"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Nothing configured: nothing to flush.
    pub fn off() -> Self {
        Self { provider: None }
    }

    /// Export every span still queued, waiting at most a few seconds for the collector.
    pub async fn shutdown(self) {
        let Some(provider) = self.provider else {
            return;
        };
        // The SDK blocks while its batch thread exports, and the export itself runs on this
        // runtime: block a thread made for blocking, not a runtime worker.
        let flushed = tokio::task::spawn_blocking(move || {
            provider.shutdown_with_timeout(Duration::from_secs(5))
        })
        .await;
        match flushed {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(error = %error, "could not export the last traces"),
            Err(error) => tracing::warn!(error = %error, "could not export the last traces"),
        }
    }
}

/// Whether the environment asks for traces: an OTLP endpoint is set, and neither
/// `OTEL_SDK_DISABLED=true` nor `OTEL_TRACES_EXPORTER=none` says otherwise.
pub fn configured() -> bool {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    let is = |name: &str, value: &str| {
        std::env::var(name).is_ok_and(|v| v.trim().eq_ignore_ascii_case(value))
    };
    ENDPOINT_VARIABLES.iter().any(|name| set(name))
        && !is("OTEL_SDK_DISABLED", "true")
        && !is("OTEL_TRACES_EXPORTER", "none")
}

/// The tracing layer that exports spans, or `None` when traces are not configured. Must be
/// called on the Tokio runtime (the exporter sends its requests there).
pub fn layer<S>() -> anyhow::Result<(Option<impl Layer<S>>, Telemetry)>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    if !configured() {
        return Ok((None, Telemetry::off()));
    }
    let provider = tracer_provider()?;
    let tracer = provider.tracer("daap");
    let layer = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_threads(false)
        .with_filter(Uncached(exported()));
    ENABLED.store(true, Ordering::Relaxed);
    Ok((
        Some(layer),
        Telemetry {
            provider: Some(provider),
        },
    ))
}

/// What is exported: INFO spans and events (the request, what it logs), the store's `db.*`
/// spans (DEBUG, so that they cost nothing when only logging), and nothing from the telemetry
/// pipeline itself, which would feed on its own output.
fn exported() -> Targets {
    Targets::new()
        .with_default(Level::INFO)
        .with_target("daap::store", Level::DEBUG)
        .with_target("sqlx", Level::WARN)
        .with_target("opentelemetry", LevelFilter::OFF)
        .with_target("reqwest", LevelFilter::OFF)
        .with_target("hyper", LevelFilter::OFF)
        .with_target("h2", LevelFilter::OFF)
}

/// A per-layer filter whose verdict is never cached as "always" at a callsite, so that every
/// span and event is put to all the per-layer filters before it is dispatched.
///
/// tracing-subscriber keeps each filter's verdict in a thread-local between `enabled` and the
/// dispatch that consumes it. A callsite every filter likes ("always") skips `enabled`, and
/// then reads whatever verdict was left behind by an `enabled` call that no event followed
/// (the `log` bridge asks about every `log` record that passes the maximum level, which the
/// DEBUG `db.*` spans raise): the next request line was silently dropped from the log.
/// Answering "sometimes" (or "never") keeps `enabled` in the path; it costs a filter check per
/// span and event, only while traces are on.
struct Uncached<F>(F);

impl<S, F: tracing_subscriber::layer::Filter<S>> tracing_subscriber::layer::Filter<S>
    for Uncached<F>
{
    fn enabled(
        &self,
        meta: &tracing::Metadata<'_>,
        cx: &tracing_subscriber::layer::Context<'_, S>,
    ) -> bool {
        self.0.enabled(meta, cx)
    }

    fn callsite_enabled(
        &self,
        meta: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        if self.0.callsite_enabled(meta).is_never() {
            tracing::subscriber::Interest::never()
        } else {
            tracing::subscriber::Interest::sometimes()
        }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        self.0.max_level_hint()
    }
}

fn tracer_provider() -> anyhow::Result<SdkTracerProvider> {
    let client = crate::auth::http_client_builder()
        .timeout(Duration::from_secs(10))
        .build()
        .context("could not build the HTTP client for the OTLP exporter")?;
    let mut exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(OnTokio {
            client,
            runtime: tokio::runtime::Handle::current(),
        });
    // OTLP's default over HTTP is protobuf; the crate would pick JSON when both are built.
    let protocol_set = [
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
    ]
    .iter()
    .any(|name| std::env::var(name).is_ok_and(|v| !v.trim().is_empty()));
    if !protocol_set {
        exporter = exporter.with_protocol(Protocol::HttpBinary);
    }
    let exporter = exporter
        .build()
        .context("the OpenTelemetry exporter settings (OTEL_EXPORTER_OTLP_*) are invalid")?;
    let mut resource = Resource::builder().with_attribute(opentelemetry::KeyValue::new(
        "service.version",
        env!("CARGO_PKG_VERSION"),
    ));
    if std::env::var("OTEL_SERVICE_NAME").is_ok_and(|v| !v.trim().is_empty()) {
        // The builder's detector has read it already.
    } else {
        resource = resource.with_service_name("daap");
    }
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource.build())
        .build())
}

/// Make `span` (a request's span, not yet entered) a child of the caller's trace when the
/// request carries a valid W3C `traceparent` (and `tracestate`). Without one, or with traces
/// off, the span starts a trace of its own (or none).
pub fn adopt_remote_parent(span: &tracing::Span, headers: &HeaderMap) {
    if !ENABLED.load(Ordering::Relaxed) || !headers.contains_key("traceparent") {
        return;
    }
    let parent = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
    if parent.span().span_context().is_valid() {
        // Only fails for a span that traces ignore (disabled), which has nothing to adopt.
        let _ = span.set_parent(parent);
    }
}

/// The exporter's HTTP client: the SDK calls it from its own (non-Tokio) batch thread, while
/// reqwest needs the Tokio runtime, so each request is sent as a task on the runtime.
#[derive(Debug)]
struct OnTokio {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

#[async_trait::async_trait]
impl HttpClient for OnTokio {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self.client.clone();
        self.runtime
            .spawn(async move { client.send_bytes(request).await })
            .await
            .map_err(|error| Box::new(error) as HttpError)?
    }
}
