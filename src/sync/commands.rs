//! The operator's commands: `daap worker` (deliver, without serving HTTP) and `daap sync
//! status|retry|reconcile`, which work on the database directly, like `daap migrate`.

use std::io::Write;

use clap::{Args, Subcommand, ValueEnum};
use tokio::sync::watch;

use crate::database::Database;
use crate::database::DatabaseArgs;
use crate::domain::ProductRef;
use crate::logging::LogFormat;
use crate::store::{outbox, versions};

use super::config::SyncArgs;
use super::setup;
use super::target::TargetName;
use super::worker;

#[derive(Debug, Clone, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub sync: SyncArgs,
    /// Log format: human-readable `text` or one JSON object per line.
    #[arg(long, env = "DAAP_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Args)]
pub struct SyncCommandArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(subcommand)]
    pub action: SyncAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum SyncAction {
    /// Queue figures per target, and every parked backlog with its error.
    Status {
        #[arg(long, value_enum)]
        target: Option<TargetArg>,
    },
    /// Resume parked backlogs (of one product, or all).
    Retry {
        #[arg(long, value_enum)]
        target: Option<TargetArg>,
        /// `dp:<name>`: only this product.
        #[arg(long)]
        product: Option<String>,
        /// Say how many backlogs would be resumed, and resume none.
        #[arg(long)]
        dry_run: bool,
    },
    /// Re-send the current state of every live product (repair after drift, or fill a new
    /// target).
    Reconcile {
        #[arg(long, value_enum)]
        target: Option<TargetArg>,
        /// Say how many products would be queued, and queue nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TargetArg {
    Glue,
    Datahub,
}

impl TargetArg {
    fn names(target: Option<TargetArg>) -> Vec<&'static str> {
        match target {
            Some(TargetArg::Glue) => vec![TargetName::Glue.as_str()],
            Some(TargetArg::Datahub) => vec![TargetName::DataHub.as_str()],
            None => TargetName::ALL.iter().map(|t| t.as_str()).collect(),
        }
    }
}

/// `daap worker`: deliver until SIGTERM/Ctrl-C, then finish the deliveries in flight.
pub async fn run_worker(args: WorkerArgs) -> anyhow::Result<()> {
    let targets = setup::targets(&args.sync).await?;
    anyhow::ensure!(
        !targets.is_empty(),
        "no catalogue is configured: set DAAP_GLUE_CURATED_LOCATION and/or DAAP_DATAHUB_GMS_URL \
         (docs/catalogue-sync.md)"
    );
    let database = Database::open(&args.database).await?;
    let (stop, stopped) = watch::channel(false);
    let signal = tokio::spawn(async move {
        crate::shutdown::shutdown_signal().await;
        let _ = stop.send(true);
    });
    worker::run(
        database.pool.clone(),
        targets,
        setup::worker_settings(&args.sync),
        stopped,
    )
    .await;
    signal.abort();
    database.close().await
}

/// `daap sync …`.
pub async fn run_sync(args: SyncCommandArgs) -> anyhow::Result<()> {
    let database = Database::open(&args.database).await?;
    let result = sync_action(&database, &args.action).await;
    database.close().await?;
    result
}

async fn sync_action(database: &Database, action: &SyncAction) -> anyhow::Result<()> {
    let pool = &database.pool;
    let mut out = std::io::stdout().lock();
    match action {
        SyncAction::Status { target } => {
            let wanted = TargetArg::names(*target);
            let figures = outbox::queue_figures(&mut *pool.acquire().await?).await?;
            writeln!(
                out,
                "{:<8} {:>8} {:>7}  oldest pending",
                "target", "pending", "parked"
            )?;
            for name in &wanted {
                let row = figures.iter().find(|f| f.target == *name);
                let (pending, parked) = row.map_or((0, 0), |f| (f.pending, f.parked));
                let oldest = row
                    .and_then(|f| f.oldest_pending_since)
                    .map_or_else(|| "-".to_owned(), |at| at.to_string());
                writeln!(out, "{name:<8} {pending:>8} {parked:>7}  {oldest}")?;
            }
            let parked = outbox::parked(pool, &wanted).await?;
            if !parked.is_empty() {
                writeln!(out, "\nparked (resume with `daap sync retry`):")?;
                for row in parked {
                    writeln!(
                        out,
                        "  dp:{} {} after {} attempts: {}",
                        row.name,
                        row.target,
                        row.attempts,
                        row.last_error.unwrap_or_default()
                    )?;
                }
            }
        }
        SyncAction::Retry {
            target,
            product,
            dry_run,
        } => {
            let product_id = match product {
                Some(id) => {
                    let reference = ProductRef::parse(id)
                        .map_err(|error| anyhow::anyhow!("--product: {error}"))?;
                    let mut conn = pool.acquire().await?;
                    let found = versions::live_product_id(&mut conn, &reference.name).await?;
                    Some(found.ok_or_else(|| anyhow::anyhow!("no data product {id}"))?)
                }
                None => None,
            };
            let names = TargetArg::names(*target);
            if *dry_run {
                let parked = outbox::count_parked(pool, product_id, &names).await?;
                writeln!(out, "would resume {parked} parked backlog(s)")?;
            } else {
                let retried = outbox::retry(pool, product_id, &names).await?;
                writeln!(out, "resumed {retried} parked backlog(s)")?;
            }
        }
        SyncAction::Reconcile { target, dry_run } => {
            let names = TargetArg::names(*target);
            if *dry_run {
                let live = outbox::live_products(pool).await?;
                writeln!(
                    out,
                    "would queue the current state of {live} product(s) for {}",
                    names.join(", ")
                )?;
            } else {
                let queued = outbox::reconcile(pool, &names).await?;
                writeln!(out, "queued {queued} product/target state(s) for delivery")?;
            }
        }
    }
    Ok(())
}
