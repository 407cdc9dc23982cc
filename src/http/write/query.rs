//! The query string every write accepts.

use serde::Deserialize;
use utoipa::IntoParams;

/// `?dryRun=true` shows what a write would do without doing it.
#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct WriteQuery {
    /// Compute and return the outcome (version, bump, every change) but write nothing.
    #[serde(default)]
    pub dry_run: bool,
}
