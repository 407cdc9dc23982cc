//! Log set-up shared by every command: where lines go (standard error), their format, and the
//! default filter; plus, when configured, the OpenTelemetry layer that exports traces
//! (`telemetry.rs`), which has a filter of its own.

use clap::ValueEnum;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::telemetry::Telemetry;

/// Log format: human-readable `text` or one JSON object per line. JSON lines name their
/// current span (`span`) but not the list of enclosing ones: daap nests no spans a reader needs
/// beyond the request's, and each listed span costs a parse of its fields per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Install the global subscriber: log lines filtered by `RUST_LOG` if set, else INFO for daap
/// (one line per request) and WARN for the noisier libraries; and the trace exporter when an
/// OTLP endpoint is configured. Call on the Tokio runtime; keep the returned [`Telemetry`] and
/// shut it down last, so the final spans are sent.
pub fn init_tracing(format: LogFormat) -> anyhow::Result<Telemetry> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(
            "info,sqlx=warn,tower_http=warn,opentelemetry_sdk=warn,opentelemetry-otlp=warn",
        )
    });
    if !crate::telemetry::configured() {
        // Logs only: one global filter, so whatever it disables costs nothing at all.
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr);
        match format {
            LogFormat::Text => builder.init(),
            LogFormat::Json => builder.json().with_span_list(false).init(),
        }
        return Ok(Telemetry::off());
    }
    // Logs and traces: each layer with its own filter (`RUST_LOG` for the lines).
    let lines = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let lines: Box<dyn Layer<Registry> + Send + Sync> = match format {
        LogFormat::Text => lines.with_filter(filter).boxed(),
        LogFormat::Json => lines
            .json()
            .with_span_list(false)
            .with_filter(filter)
            .boxed(),
    };
    let (traces, telemetry) = crate::telemetry::layer()?;
    tracing_subscriber::registry()
        .with(lines)
        .with(traces)
        .init();
    Ok(telemetry)
}
