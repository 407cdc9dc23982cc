//! What an export reads: one version of a product and its tables, as stored.

use std::collections::BTreeMap;

use crate::domain::table::TableSchema;
use crate::domain::{ProductFields, Version};

/// One version of a product with every table it has in that version. Built by the caller
/// from the store (the conversions themselves never touch the database).
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub name: String,
    pub version: Version,
    pub fields: ProductFields,
    /// The tables of this version by name; each keeps its columns in their stored order.
    pub tables: BTreeMap<String, TableSchema>,
}

impl Snapshot {
    /// `dp:<name>`: the id both documents carry, and the ODCS contract id output ports name.
    pub fn id(&self) -> String {
        format!("dp:{}", self.name)
    }

    /// The version as the standards write versions, `<major>.<minor>.0` (like daap's ETags);
    /// daap's own spelling is `v<major>.<minor>`.
    pub fn semantic_version(&self) -> String {
        format!("{}.{}.0", self.version.major, self.version.minor)
    }
}
