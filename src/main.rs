use clap::Parser;
use tracing_subscriber::EnvFilter;

use daap::config::{Cli, Command, LogFormat};
use daap::database::Database;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let log_format = match &cli.command {
        Command::Serve(args) => args.log_format,
        _ => LogFormat::Text,
    };
    init_tracing(log_format);
    match run(cli.command).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("daap: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => daap::server::serve(*args).await,
        Command::Migrate(args) => {
            let database = Database::open(&args.database).await?;
            let result = daap::store::pool::migrate(&database.pool).await;
            database.close().await?;
            result?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Openapi => {
            let document = daap::http::openapi().to_pretty_json()?;
            println!("{document}");
            Ok(())
        }
        Command::Upload(command) => daap::cli::upload::run(command).await,
    }
}

fn init_tracing(format: LogFormat) {
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
