//! Products in the Bitol open standards: export a product version as an Open Data Contract
//! Standard (ODCS v3.2.0) contract for its tables or an Open Data Product Standard (ODPS
//! v1.0.0) document for the product, and import either back as daap's own request bodies
//! ([`ProductDefinition`]).
//!
//! Export then import gives back exactly the bodies that would register the product as it is:
//! each column's Athena type travels in `physicalType` next to its ODCS `logicalType`, and what
//! neither standard has a field for goes in `customProperties` (see `docs/contracts.md` for the
//! field-by-field mapping). Pure functions: the caller reads the store and sends the bodies.

pub mod definition;
mod error;
mod odcs;
mod odps;
mod product;
mod shape;
mod snapshot;
mod types;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

pub use definition::ProductDefinition;
pub use error::{ImportError, Problem};
pub use odcs::API_VERSION as ODCS_API_VERSION;
pub use odps::API_VERSION as ODPS_API_VERSION;
pub use snapshot::Snapshot;

/// Which open standard a document follows.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Bitol Open Data Contract Standard v3.2.0: the product's tables (and its metadata).
    #[default]
    Odcs,
    /// Bitol Open Data Product Standard v1.0.0: the product, its tables as output ports.
    Odps,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Odcs => "odcs",
            Format::Odps => "odps",
        }
    }
}

/// An exported document. Serialises (to JSON or YAML) with its fields in the standard's
/// order, which a `serde_json::Value` would sort.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct Document(Shape);

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Shape {
    Odcs(shape::Contract),
    Odps(shape::Product),
}

impl Document {
    /// The document as JSON.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The document of `snapshot` in `format`.
pub fn export(format: Format, snapshot: &Snapshot) -> Document {
    Document(match format {
        Format::Odcs => Shape::Odcs(odcs::export(snapshot)),
        Format::Odps => Shape::Odps(odps::export(snapshot)),
    })
}

/// daap's request bodies from an ODCS (`kind: DataContract`) or ODPS (`kind: DataProduct`)
/// document, parsed from JSON or YAML. An ODPS document has no table schemas, so its
/// definition has no tables.
pub fn import(document: &Value) -> Result<ProductDefinition, ImportError> {
    match document.get("kind").and_then(Value::as_str) {
        Some(odcs::KIND) => odcs::import(document),
        Some(odps::KIND) => odps::import(document),
        other => {
            let mut problems = error::Problems::default();
            problems.add(
                "/kind",
                match other {
                    Some(kind) => format!(
                        "`{kind}` is neither `DataContract` (ODCS) nor `DataProduct` (ODPS)"
                    ),
                    None => "missing: `DataContract` (ODCS) or `DataProduct` (ODPS)".to_owned(),
                },
            );
            problems.finish(ProductDefinition {
                product: Value::Null,
                tables: Default::default(),
            })
        }
    }
}
