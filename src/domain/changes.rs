//! What a version changed relative to another, as stored with each version and as computed
//! between any two versions.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::table::{ChangeBump, TableChange};

/// What happened to one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TableChangeKind {
    Created,
    Updated,
    Deleted,
}

/// One table's part in a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TableChangeEntry {
    pub table: String,
    pub kind: TableChangeKind,
    /// Column-level detail: a created table adds all its columns, a deleted one removes them.
    pub change: TableChange,
}

impl TableChangeEntry {
    /// The bump this entry needs: creating a table is minor, deleting one is major.
    pub fn bump(&self) -> ChangeBump {
        match self.kind {
            TableChangeKind::Created => ChangeBump::Minor,
            TableChangeKind::Deleted => ChangeBump::Major,
            TableChangeKind::Updated => self.change.bump,
        }
    }
}

/// The changes a version made. Stored as JSON with each version and returned by `/versions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeSet {
    /// API names of the product metadata fields that changed, e.g. `["description", "tags"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<String>,
    /// Tables created, updated or deleted, in name order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<TableChangeEntry>,
}

impl ChangeSet {
    pub fn metadata(fields: &[&str]) -> Self {
        Self {
            metadata: fields.iter().map(|f| (*f).to_owned()).collect(),
            tables: Vec::new(),
        }
    }

    pub fn table(entry: TableChangeEntry) -> Self {
        Self {
            metadata: Vec::new(),
            tables: vec![entry],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.metadata.is_empty() && self.tables.is_empty()
    }

    /// The bump the whole change needs: the largest of its parts (metadata changes are minor).
    pub fn bump(&self) -> ChangeBump {
        let metadata = if self.metadata.is_empty() {
            ChangeBump::None
        } else {
            ChangeBump::Minor
        };
        self.tables
            .iter()
            .map(TableChangeEntry::bump)
            .fold(metadata, ChangeBump::max)
    }

    /// One sentence for people reading the history.
    pub fn summary(&self) -> String {
        if self.is_empty() {
            return "Registered the data product.".to_owned();
        }
        let mut parts = Vec::new();
        if !self.metadata.is_empty() {
            parts.push(format!("changed {}", join_words(&self.metadata)));
        }
        for entry in &self.tables {
            let verb = match entry.kind {
                TableChangeKind::Created => "created",
                TableChangeKind::Updated => "updated",
                TableChangeKind::Deleted => "deleted",
            };
            let breaking = if entry.bump() == ChangeBump::Major {
                " (breaking)"
            } else {
                ""
            };
            parts.push(format!("{verb} table {}{breaking}", entry.table));
        }
        let sentence = parts.join("; ");
        let mut chars = sentence.chars();
        match chars.next() {
            Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
            None => sentence,
        }
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
