//! What a catalogue target is asked to make true: the state of one product version, or the
//! removal of a deleted product. Built by the sync worker from the database at delivery time.

use crate::domain::table::TableSchema;
use crate::domain::{ProductFields, Version};

/// One change a target must apply. Applying the same delivery twice must leave the target
/// as applying it once (deliveries are at least once).
// One delivery exists at a time per worker and is passed by reference: its size is irrelevant.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// Make the catalogue show this version of a live product.
    Publish(ProductSnapshot),
    /// The product was deleted: remove (Glue) or soft-delete (DataHub) everything daap made
    /// for it, in every major version.
    Remove(RemovedProduct),
}

/// A product as it is in one version.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductSnapshot {
    /// The product's name (`DataProductName`, `^[a-z][a-z0-9_]{0,62}$`).
    pub name: String,
    pub version: Version,
    pub fields: ProductFields,
    /// Every table of this version, sorted by name.
    pub tables: Vec<TableSnapshot>,
    /// Tables that some earlier version of the *same major* had and this one has not (deleted
    /// since, or deleted and the major not yet bumped): a target removes them from this major's
    /// database, and leaves older majors alone.
    pub removed_tables: Vec<String>,
    /// Every major version the product has had, ascending (this one included): DataHub lists
    /// the datasets of all of them as the product's assets.
    pub majors: Vec<MajorTables>,
}

/// One table of a version.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSnapshot {
    pub name: String,
    /// Column types are in their canonical Athena spelling (`domain::column_type`).
    pub schema: TableSchema,
}

/// The tables a product had at the end of one major version (for the newest major: now).
#[derive(Debug, Clone, PartialEq)]
pub struct MajorTables {
    pub major: i32,
    pub tables: Vec<String>,
}

/// A deleted product: what was made for it and must go.
#[derive(Debug, Clone, PartialEq)]
pub struct RemovedProduct {
    pub name: String,
    pub domain: String,
    /// Every major version it had, with its tables at the end of that major.
    pub majors: Vec<MajorTables>,
}

impl ProductSnapshot {
    /// The Glue (and Athena) database of this version's major: `<name>_v<major>`, the
    /// platform's convention.
    pub fn database(&self) -> String {
        database_name(&self.name, self.version.major)
    }
}

/// The Glue database of one major version of a product.
pub fn database_name(product: &str, major: i32) -> String {
    format!("{product}_v{major}")
}
