//! Log set-up shared by every command: where lines go (standard error), their format, and the
//! default filter.

use clap::ValueEnum;
use tracing_subscriber::EnvFilter;

/// Log format: human-readable `text` or one JSON object per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Install the global subscriber: `RUST_LOG` if set, else INFO for daap (one line per
/// request) and WARN for the noisier libraries.
pub fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
