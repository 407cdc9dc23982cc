//! Catalogue sync settings, shared by `daap serve` and `daap worker`. A target is off unless
//! its settings are given; with none, nothing is queued.

use std::time::Duration;

use clap::{ArgAction, Args};

use super::target::TargetName;

#[derive(Debug, Clone, Args)]
pub struct SyncArgs {
    /// Base S3 URI of the curated (Parquet) data, e.g. `s3://mojap-curated/curated`; a Glue
    /// table's location is `<this>/<product>/v<major>/<table>/`. Setting it turns Glue sync on.
    #[arg(long, env = "DAAP_GLUE_CURATED_LOCATION")]
    pub glue_curated_location: Option<String>,

    /// AWS region of the Glue catalogue (default: the SDK's, from `AWS_REGION` or the profile).
    #[arg(long, env = "DAAP_GLUE_REGION")]
    pub glue_region: Option<String>,

    /// Glue endpoint override (tests, or a VPC endpoint).
    #[arg(long, env = "DAAP_GLUE_ENDPOINT_URL")]
    pub glue_endpoint_url: Option<String>,

    /// DataHub GMS base URL, e.g. `https://datahub.example/api/gms`. Setting it turns DataHub
    /// sync on.
    #[arg(long, env = "DAAP_DATAHUB_GMS_URL")]
    pub datahub_gms_url: Option<String>,

    /// DataHub personal access token for GMS (never logged).
    #[arg(long, env = "DAAP_DATAHUB_TOKEN", hide_env_values = true)]
    pub datahub_token: Option<String>,

    /// Run sync workers in this process (`false` when a separate `daap worker` deployment does).
    #[arg(long, env = "DAAP_SYNC_WORKER", default_value_t = true, action = ArgAction::Set)]
    pub sync_worker: bool,

    /// Deliveries one worker process runs at once.
    #[arg(long, env = "DAAP_SYNC_CONCURRENCY", default_value_t = 4)]
    pub sync_concurrency: usize,

    /// Failed attempts after which a backlog is parked until retried.
    #[arg(long, env = "DAAP_SYNC_MAX_ATTEMPTS", default_value_t = 12)]
    pub sync_max_attempts: i32,

    /// Longest a single delivery may take before it counts as failed (ms).
    #[arg(long, env = "DAAP_SYNC_TIMEOUT_MS", default_value_t = 30_000)]
    pub sync_timeout_ms: u64,
}

impl SyncArgs {
    /// The targets that are configured, in a fixed order.
    pub fn targets(&self) -> Vec<TargetName> {
        let mut targets = Vec::new();
        if self.glue_curated_location.is_some() {
            targets.push(TargetName::Glue);
        }
        if self.datahub_gms_url.is_some() {
            targets.push(TargetName::DataHub);
        }
        targets
    }

    pub fn delivery_timeout(&self) -> Duration {
        Duration::from_millis(self.sync_timeout_ms.max(1))
    }
}
