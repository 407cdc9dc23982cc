//! What a publish reads before it writes: the current value of every aspect it merges into
//! (see [`super::merge`]).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::sync::snapshot::ProductSnapshot;

use super::urns::{data_product_urn, dataset_urn, domain_urn};

/// An aspect whose current value a publish needs, to merge into it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Read {
    pub entity_urn: String,
    pub aspect_name: &'static str,
}

/// The current values of the aspects in [`publish_reads`]; a missing key means "none".
pub type Current = BTreeMap<Read, Value>;

pub(super) fn read(entity_urn: &str, aspect_name: &'static str) -> Read {
    Read {
        entity_urn: entity_urn.to_owned(),
        aspect_name,
    }
}

/// Every aspect a publish of `snapshot` merges into, in the order it needs them.
pub fn publish_reads(snapshot: &ProductSnapshot, environment: &str) -> Vec<Read> {
    let product = data_product_urn(&snapshot.name);
    let database = snapshot.database();
    let mut reads = vec![read(
        &domain_urn(&snapshot.fields.domain),
        "domainProperties",
    )];
    for table in &snapshot.tables {
        let dataset = dataset_urn(environment, &database, &table.name);
        reads.push(read(&dataset, "ownership"));
        reads.push(read(&dataset, "globalTags"));
    }
    reads.push(read(&product, "dataProductProperties"));
    reads.push(read(&product, "ownership"));
    reads.push(read(&product, "globalTags"));
    reads
}
