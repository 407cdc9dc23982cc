//! Log set-up shared by every command: where lines go (standard error), their format, and the
//! default filter; plus, when configured, the OpenTelemetry layer that exports traces
//! (`telemetry.rs`), which has a filter of its own.

use std::io::{BufWriter, Stderr};

use clap::ValueEnum;
use tracing_appender::non_blocking::{NonBlocking, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::fmt::writer::BoxMakeWriter;
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

/// How log lines reach standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineWriting {
    /// Each line written by the thread that logs it, at once: for commands whose log lines
    /// must interleave with their own output (migrations, the client commands).
    Direct,
    /// Lines handed to one background thread that writes whatever has queued up in one system
    /// call: for the long-running `serve` and `worker`, which log a line per request or
    /// delivery and would otherwise spend a `write` per line on a request's thread. Nothing is
    /// dropped: when the queue is full, loggers wait for it (as they would for a slow pipe).
    Background,
}

/// What must outlive the program's work: the trace exporter and the log writer's thread.
pub struct Logging {
    telemetry: Telemetry,
    lines: Option<WorkerGuard>,
}

impl Logging {
    /// Send the last spans, then write every queued log line; call last.
    pub async fn shutdown(self) {
        self.telemetry.shutdown().await;
        drop(self.lines);
    }
}

/// Lines queued before loggers wait; at a few hundred bytes a line, a few MiB at most.
const QUEUED_LINES: usize = 16_384;

/// Standard error, either written at once or through the background thread.
fn stderr_writer(writing: LineWriting) -> (BoxMakeWriter, Option<WorkerGuard>) {
    match writing {
        LineWriting::Direct => (BoxMakeWriter::new(std::io::stderr), None),
        LineWriting::Background => {
            let buffered: BufWriter<Stderr> =
                BufWriter::with_capacity(64 * 1024, std::io::stderr());
            let (writer, guard): (NonBlocking, WorkerGuard) = NonBlockingBuilder::default()
                .lossy(false)
                .buffered_lines_limit(QUEUED_LINES)
                .thread_name("daap-log")
                .finish(buffered);
            (BoxMakeWriter::new(writer), Some(guard))
        }
    }
}

/// Install the global subscriber: log lines filtered by `RUST_LOG` if set, else INFO for daap
/// (one line per request) and WARN for the noisier libraries; and the trace exporter when an
/// OTLP endpoint is configured. Call on the Tokio runtime; keep the returned [`Logging`] and
/// shut it down last, so the final spans are sent and the last lines written.
pub fn init_tracing(format: LogFormat, writing: LineWriting) -> anyhow::Result<Logging> {
    let (writer, lines) = stderr_writer(writing);
    let telemetry = install(format, writer)?;
    Ok(Logging { telemetry, lines })
}

fn install(format: LogFormat, writer: BoxMakeWriter) -> anyhow::Result<Telemetry> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(
            "info,sqlx=warn,tower_http=warn,opentelemetry_sdk=warn,opentelemetry-otlp=warn",
        )
    });
    if !crate::telemetry::configured() {
        // Logs only: one global filter, so whatever it disables costs nothing at all.
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(writer);
        match format {
            LogFormat::Text => builder.init(),
            LogFormat::Json => builder.json().with_span_list(false).init(),
        }
        return Ok(Telemetry::off());
    }
    // Logs and traces: each layer with its own filter (`RUST_LOG` for the lines).
    let lines = tracing_subscriber::fmt::layer().with_writer(writer);
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
