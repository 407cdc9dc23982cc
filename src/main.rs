use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use daap::cli;
use daap::config::{Cli, Command};
use daap::database::Database;
use daap::logging::{LogFormat, init_tracing};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let log_format = match &cli.command {
        Command::Serve(args) => args.log_format,
        Command::Worker(args) => args.log_format,
        _ => LogFormat::Text,
    };
    let telemetry = match init_tracing(log_format) {
        Ok(telemetry) => telemetry,
        Err(error) => {
            eprintln!("daap: {error:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = run(cli.command).await;
    // Last, so that the spans of the shutdown itself are sent too.
    telemetry.shutdown().await;
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("daap: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    let code = |code: u8| -> anyhow::Result<ExitCode> { Ok(ExitCode::from(code)) };
    let done = |result: anyhow::Result<()>| result.map(|()| ExitCode::SUCCESS);
    match command {
        Command::Serve(args) => done(daap::server::serve(*args).await),
        Command::Migrate(args) => done(migrate(args).await),
        Command::Worker(args) => done(daap::sync::commands::run_worker(*args).await),
        Command::Sync(args) => done(daap::sync::commands::run_sync(args).await),
        Command::Openapi => {
            let document = daap::http::openapi().to_pretty_json()?;
            println!("{document}");
            code(0)
        }
        Command::Upload(command) => done(daap::cli::upload::run(command).await),
        Command::Export(command) => done(cli::export::run(command).await),
        Command::Plan(args) => code(cli::plan::run(args).await?),
        Command::Apply(args) => code(cli::apply::run(args).await?),
        Command::Product(args) => code(cli::products::run(args).await?),
        Command::Schema(args) => code(cli::schemas::run(args).await?),
        Command::Login(args) => code(cli::login::run_login(args).await?),
        Command::Logout(args) => code(cli::login::run_logout(args)?),
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "daap", &mut std::io::stdout());
            code(0)
        }
    }
}

async fn migrate(args: daap::config::MigrateArgs) -> anyhow::Result<()> {
    let database = Database::open(&args.database).await?;
    let result = daap::store::pool::migrate(&database.pool).await;
    database.close().await?;
    result?;
    tracing::info!("migrations applied");
    Ok(())
}
