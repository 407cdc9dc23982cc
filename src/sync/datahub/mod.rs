//! The DataHub target: every product version as DataHub entities, written to GMS as
//! MetadataChangeProposals (`UPSERT`) over its Rest.li API.
//!
//! - [`mcp`]: the entities, URNs and aspects, and how daap's aspects merge with what people
//!   edit in DataHub (pure).
//! - [`types`]: Athena column types as DataHub schema fields.
//! - [`client`]: the GMS client and how its failures are classified.
//!
//! A publish reads the aspects it merges into (`domainProperties`, and the product's and each
//! dataset's `dataProductProperties`/`ownership`/`globalTags`), then writes every aspect of the
//! domain, this major's container, each table, the removed tables (soft-deleted) and the product,
//! in that order, one proposal at a time. A removal soft-deletes (`status.removed = true`)
//! every dataset and container of every major and the product. Nothing is ever hard-deleted.
//!
//! Applying a delivery again reads back what the first application wrote, merges to the same
//! result and sends the same proposals: redeliveries change nothing.

pub mod client;
pub mod mcp;
pub mod types;

use std::fmt;
use std::time::Duration;

use crate::sync::snapshot::{Delivery, ProductSnapshot};
use crate::sync::target::{DeliveryError, DeliveryFuture, Target, TargetName};

use client::GmsClient;
use mcp::{Current, ENVIRONMENTS};

/// The environment of datasets when none is configured.
pub const DEFAULT_ENVIRONMENT: &str = "PROD";

/// Where DataHub's GMS is and how to talk to it.
#[derive(Clone)]
pub struct DataHubSettings {
    /// GMS's base URL, e.g. `http://datahub-gms:8080` or `https://datahub.example/api/gms`;
    /// `/aspects…` is appended to it.
    pub gms_url: String,
    /// A DataHub personal access token, sent as `Authorization: Bearer`. Never logged.
    pub token: Option<String>,
    /// The DataHub environment (`FabricType`) of daap's datasets: `PROD`, `DEV`, …
    pub environment: String,
}

impl DataHubSettings {
    /// Settings for `gms_url` without a token, in the default environment (`PROD`).
    pub fn new(gms_url: impl Into<String>) -> Self {
        Self {
            gms_url: gms_url.into(),
            token: None,
            environment: DEFAULT_ENVIRONMENT.to_owned(),
        }
    }
}

/// The token is redacted: settings get logged.
impl fmt::Debug for DataHubSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataHubSettings")
            .field("gms_url", &self.gms_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("environment", &self.environment)
            .finish()
    }
}

/// Why [`DataHubTarget::new`] refused its settings.
#[derive(Debug, thiserror::Error)]
pub enum DataHubSettingsError {
    #[error("the DataHub GMS URL `{0}` is not an http:// or https:// URL")]
    GmsUrl(String),
    #[error("the DataHub environment `{0}` is not one of {envs}", envs = ENVIRONMENTS.join(", "))]
    Environment(String),
    #[error("the DataHub token is empty or not a valid header value")]
    Token,
    #[error("could not build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// The DataHub catalogue target.
pub struct DataHubTarget {
    client: GmsClient,
    environment: String,
}

impl fmt::Debug for DataHubTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataHubTarget")
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

impl DataHubTarget {
    /// Check the settings and build the HTTP client (rustls with ring, as the rest of daap).
    pub fn new(settings: DataHubSettings) -> Result<Self, DataHubSettingsError> {
        let http = crate::auth::http_client_builder().build()?;
        Self::with_client(settings, http)
    }

    /// [`DataHubTarget::new`] with a client of the caller's.
    pub fn with_client(
        settings: DataHubSettings,
        http: reqwest::Client,
    ) -> Result<Self, DataHubSettingsError> {
        let url = settings.gms_url.trim();
        let scheme_ok = url
            .split_once("://")
            .is_some_and(|(scheme, rest)| matches!(scheme, "http" | "https") && !rest.is_empty());
        if !scheme_ok || reqwest::Url::parse(url).is_err() {
            return Err(DataHubSettingsError::GmsUrl(settings.gms_url));
        }
        let environment = settings.environment.trim().to_ascii_uppercase();
        if !ENVIRONMENTS.contains(&environment.as_str()) {
            return Err(DataHubSettingsError::Environment(settings.environment));
        }
        if let Some(token) = &settings.token {
            let valid = !token.is_empty()
                && reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).is_ok();
            if !valid {
                return Err(DataHubSettingsError::Token);
            }
        }
        Ok(Self {
            client: GmsClient::new(http, url, settings.token),
            environment,
        })
    }

    /// The environment daap's dataset URNs carry.
    pub fn environment(&self) -> &str {
        &self.environment
    }

    async fn run(&self, delivery: &Delivery) -> Result<(), DeliveryError> {
        let proposals = match delivery {
            Delivery::Publish(snapshot) => {
                let current = self.read_current(snapshot).await?;
                mcp::publish_proposals(snapshot, &self.environment, &current)
                    .map_err(|error| DeliveryError::Permanent(error.to_string()))?
            }
            Delivery::Remove(removed) => mcp::remove_proposals(removed, &self.environment),
        };
        for proposal in &proposals {
            self.client.ingest(proposal).await?;
        }
        tracing::debug!(proposals = proposals.len(), "delivered to DataHub");
        Ok(())
    }

    async fn read_current(&self, snapshot: &ProductSnapshot) -> Result<Current, DeliveryError> {
        let mut current = Current::new();
        for read in mcp::publish_reads(snapshot, &self.environment) {
            if let Some(value) = self
                .client
                .get_aspect(&read.entity_urn, read.aspect_name)
                .await?
            {
                current.insert(read, value);
            }
        }
        Ok(current)
    }
}

impl Target for DataHubTarget {
    fn name(&self) -> TargetName {
        TargetName::DataHub
    }

    fn apply<'a>(&'a self, delivery: &'a Delivery, timeout: Duration) -> DeliveryFuture<'a> {
        Box::pin(async move {
            match tokio::time::timeout(timeout, self.run(delivery)).await {
                Ok(result) => result,
                Err(_) => Err(DeliveryError::Transient(format!(
                    "DataHub did not finish within {timeout:?}"
                ))),
            }
        })
    }
}
