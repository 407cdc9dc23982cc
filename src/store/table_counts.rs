//! What one table change does to the dashboard's counters, computed from the two schemas the
//! table write already holds, so that the write's own statement applies it (migration 0014)
//! instead of triggers re-reading both revisions' JSON.
//!
//! The rules are those of `stats_revision_replaced` (migrations 0013 and 0014), which still
//! counts any change a statement other than daap's makes: a column's type family is its type
//! in lower case up to the first `(` or `<`; a description is blank when only spaces remain
//! (`btrim`). `tests/api/stats.rs` checks every kind of table write against a recount from
//! scratch (`stats_rebuild()`), which is where the two would disagree.

use std::collections::BTreeMap;

use crate::domain::table::TableSchema;

/// The counter deltas of replacing one revision of a table by another; `None` on either side
/// is "no such revision" (a created or a deleted table).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TableCountDeltas {
    pub tables: i32,
    pub columns: i32,
    pub undescribed_tables: i32,
    pub undescribed_columns: i32,
    /// Column-type families whose count changes, with the change (never zero), by name.
    pub type_names: Vec<String>,
    pub type_columns: Vec<i32>,
}

impl TableCountDeltas {
    pub fn between(old: Option<&TableSchema>, new: Option<&TableSchema>) -> Self {
        let mut deltas = TableCountDeltas::default();
        let mut by_type: BTreeMap<String, i32> = BTreeMap::new();
        for (schema, sign) in [(old, -1), (new, 1)] {
            let Some(schema) = schema else { continue };
            deltas.tables += sign;
            if is_blank(&schema.table_description) {
                deltas.undescribed_tables += sign;
            }
            for column in &schema.columns {
                deltas.columns += sign;
                if is_blank(&column.description) {
                    deltas.undescribed_columns += sign;
                }
                *by_type.entry(type_family(&column.data_type)).or_default() += sign;
            }
        }
        for (name, columns) in by_type {
            if columns != 0 {
                deltas.type_names.push(name);
                deltas.type_columns.push(columns);
            }
        }
        deltas
    }

    /// Whether the change leaves every counter as it was.
    pub fn is_zero(&self) -> bool {
        *self == TableCountDeltas::default()
    }
}

/// `decimal(10,2)` → `decimal`, `array<string>` → `array` (`stats_type_name`).
fn type_family(data_type: &str) -> String {
    let end = data_type.find(['(', '<']).unwrap_or(data_type.len());
    data_type[..end].to_lowercase()
}

/// `stats_blank`: empty once spaces are trimmed from both ends.
fn is_blank(text: &str) -> bool {
    text.trim_matches(' ').is_empty()
}
