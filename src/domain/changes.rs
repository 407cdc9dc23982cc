//! What one version changed relative to the one before it, as stored with the version.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The changes a version made. Stored as JSON with each version and returned by `/versions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeSet {
    /// API names of the product metadata fields that changed, e.g. `["description", "tags"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<String>,
}

impl ChangeSet {
    pub fn metadata(fields: &[&str]) -> Self {
        Self {
            metadata: fields.iter().map(|f| (*f).to_owned()).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.metadata.is_empty()
    }

    /// One sentence for people reading the history.
    pub fn summary(&self) -> String {
        if self.is_empty() {
            return "Registered the data product.".to_owned();
        }
        format!("Changed {}.", join_words(&self.metadata))
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_words(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
