//! Turning sync settings into running parts: the configured targets and the worker settings.

use std::sync::Arc;

use anyhow::Context;

use super::config::SyncArgs;
use super::datahub::{DataHubSettings, DataHubTarget};
use super::glue::{GlueSettings, GlueTarget};
use super::target::Target;
use super::worker::{Targets, WorkerSettings};

/// The targets `args` configures (none: sync is off).
pub async fn targets(args: &SyncArgs) -> anyhow::Result<Targets> {
    let mut targets: Vec<Arc<dyn Target>> = Vec::new();
    if let Some(curated) = &args.glue_curated_location {
        let mut settings = GlueSettings::new(args.glue_region.clone(), curated.clone());
        settings.endpoint_url = args.glue_endpoint_url.clone();
        let glue = GlueTarget::new(&settings)
            .await
            .context("the Glue sync settings are invalid")?;
        targets.push(Arc::new(glue));
    }
    if let Some(gms_url) = &args.datahub_gms_url {
        let mut settings = DataHubSettings::new(gms_url.clone());
        settings.token = args.datahub_token.clone();
        let datahub =
            DataHubTarget::new(settings).context("the DataHub sync settings are invalid")?;
        targets.push(Arc::new(datahub));
    }
    Ok(Targets::new(targets))
}

pub fn worker_settings(args: &SyncArgs) -> WorkerSettings {
    WorkerSettings {
        concurrency: args.sync_concurrency.max(1),
        max_attempts: args.sync_max_attempts.max(1),
        delivery_timeout: args.delivery_timeout(),
        ..WorkerSettings::default()
    }
}
