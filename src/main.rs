use clap::Parser;

use daap::config::{Cli, Command};
use daap::database::Database;
use daap::logging::{LineWriting, LogFormat, init_tracing};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let (log_format, writing) = match &cli.command {
        Command::Serve(args) => (args.log_format, LineWriting::Background),
        Command::Worker(args) => (args.log_format, LineWriting::Background),
        _ => (LogFormat::Text, LineWriting::Direct),
    };
    let logging = match init_tracing(log_format, writing) {
        Ok(logging) => logging,
        Err(error) => {
            eprintln!("daap: {error:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = run(cli.command).await;
    // Last, so that the spans and log lines of the shutdown itself are sent too.
    logging.shutdown().await;
    match result {
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
        Command::Worker(args) => daap::sync::commands::run_worker(*args).await,
        Command::Sync(args) => daap::sync::commands::run_sync(args).await,
        Command::Openapi => {
            let document = daap::http::openapi().to_pretty_json()?;
            println!("{document}");
            Ok(())
        }
        Command::Upload(command) => daap::cli::upload::run(command).await,
        Command::Export(command) => daap::cli::export::run(command).await,
    }
}
