//! Bitol Open Data Product Standard (ODPS) v1.0.0: the product, its tables as output ports
//! that point at the product's ODCS contract (which holds their schemas).

use std::collections::BTreeMap;

use serde_json::Value;

use super::definition::ProductDefinition;
use super::error::{ImportError, Problems};
use super::product;
use super::shape::{OutputPort, Product};
use super::snapshot::Snapshot;

/// The ODPS version daap writes.
pub const API_VERSION: &str = "v1.0.0";
pub const KIND: &str = "DataProduct";

/// The ODPS document of `snapshot`.
pub fn export(snapshot: &Snapshot) -> Product {
    let fields = &snapshot.fields;
    let version = snapshot.semantic_version();
    Product {
        api_version: API_VERSION,
        kind: KIND,
        id: snapshot.id(),
        common: product::common(fields, &snapshot.name, version.clone()),
        output_ports: snapshot
            .tables
            .iter()
            .map(|(name, table)| OutputPort {
                name: name.clone(),
                description: (!table.table_description.is_empty())
                    .then(|| table.table_description.clone()),
                port_type: "table",
                version: version.clone(),
                contract_id: snapshot.id(),
            })
            .collect(),
        custom_properties: product::custom_properties(fields, true),
    }
}

/// daap's registration body from an ODPS document. Its output ports only name contracts, so
/// the definition has no tables: import the product's ODCS contract for those.
pub fn import(doc: &Value) -> Result<ProductDefinition, ImportError> {
    let mut problems = Problems::default();
    let retention = product::custom_property(doc, product::RETENTION_PERIOD).cloned();
    let product = product::read(doc, retention, &mut problems);
    problems.finish(ProductDefinition {
        product,
        tables: BTreeMap::new(),
    })
}
