//! Bitol Open Data Contract Standard (ODCS) v3.2.0: one contract for a product version, one
//! schema object per table, one property per column.
//!
//! The contract carries the product's metadata too (team, support, status, domain, the
//! retention period as the standard's `retention` SLA property), so that one ODCS document
//! imports as a whole [`ProductDefinition`].

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::definition::ProductDefinition;
use super::error::{ImportError, Problems};
use super::product::{self, text};
use super::shape::{Contract, SchemaObject, SlaProperty};
use super::snapshot::Snapshot;
use super::types;

/// The ODCS version daap writes.
pub const API_VERSION: &str = "v3.2.0";
pub const KIND: &str = "DataContract";
/// The SLA property ODCS names the retention period with.
const RETENTION: &str = "retention";

/// The ODCS contract of `snapshot`.
pub fn export(snapshot: &Snapshot) -> Contract {
    let fields = &snapshot.fields;
    Contract {
        api_version: API_VERSION,
        kind: KIND,
        id: snapshot.id(),
        common: product::common(fields, &snapshot.name, snapshot.semantic_version()),
        schema: snapshot
            .tables
            .iter()
            .map(|(name, table)| SchemaObject {
                name: name.clone(),
                physical_name: name.clone(),
                physical_type: "table",
                logical_type: "object",
                description: (!table.table_description.is_empty())
                    .then(|| table.table_description.clone()),
                properties: table
                    .columns
                    .iter()
                    .map(|c| types::describe(&c.name, &c.data_type, &c.description))
                    .collect(),
            })
            .collect(),
        sla_properties: vec![SlaProperty {
            property: RETENTION,
            value: i64::from(fields.retention_period),
            unit: "d",
            description: "How long data is kept",
        }],
        custom_properties: product::custom_properties(fields, false),
    }
}

/// daap's request bodies from an ODCS contract: the product (its metadata) and every schema
/// object as a table.
pub fn import(doc: &Value) -> Result<ProductDefinition, ImportError> {
    let mut problems = Problems::default();
    let retention = retention(doc, &mut problems);
    let product = product::read(doc, retention, &mut problems);
    let mut tables = BTreeMap::new();
    let objects = doc.get("schema").and_then(Value::as_array);
    for (index, object) in objects.into_iter().flatten().enumerate() {
        let pointer = format!("/schema/{index}");
        let Some(name) = text(object, "/physicalName").or_else(|| text(object, "/name")) else {
            problems.add(&pointer, "a schema object needs a `name`");
            continue;
        };
        let table = table(object, &pointer, &mut problems);
        if tables.insert(name.to_owned(), table).is_some() {
            problems.add(&pointer, format!("a second table called `{name}`"));
        }
    }
    problems.finish(ProductDefinition { product, tables })
}

/// A schema object as the body of `POST /v1/schemas/...`.
fn table(object: &Value, pointer: &str, problems: &mut Problems) -> Value {
    let properties = object.get("properties").and_then(Value::as_array);
    let columns: Vec<Value> = properties
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(index, property)| {
            let at = format!("{pointer}/properties/{index}");
            let name = property.get("name").and_then(Value::as_str);
            if name.is_none() {
                problems.add(&at, "a property needs a `name`");
            }
            let ty = types::athena_type(property, &at, problems);
            json!({
                "name": name.unwrap_or_default(),
                "type": ty.unwrap_or_default(),
                "description": property.get("description").and_then(Value::as_str).unwrap_or_default(),
            })
        })
        .collect();
    if columns.is_empty() {
        problems.add(pointer, "a table needs at least one property (column)");
    }
    json!({
        "tableDescription": object.get("description").and_then(Value::as_str).unwrap_or_default(),
        "columns": columns,
    })
}

/// The retention period in days, from the `retention` SLA property (`d`, `day(s)`; `y`,
/// `year(s)` count 365 days), or from a `retentionPeriod` custom property.
fn retention(doc: &Value, problems: &mut Problems) -> Option<Value> {
    let sla = doc.get("slaProperties").and_then(Value::as_array);
    let found = sla.into_iter().flatten().enumerate().find(|(_, p)| {
        p.get("property")
            .and_then(Value::as_str)
            .is_some_and(|name| name.eq_ignore_ascii_case(RETENTION))
    });
    let Some((index, property)) = found else {
        return product::custom_property(doc, product::RETENTION_PERIOD).cloned();
    };
    let pointer = format!("/slaProperties/{index}");
    let value = property.get("value").and_then(|v| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
    });
    let unit = property
        .get("unit")
        .and_then(Value::as_str)
        .unwrap_or("d")
        .to_ascii_lowercase();
    let factor = match unit.as_str() {
        "d" | "day" | "days" => 1,
        "y" | "yr" | "year" | "years" => 365,
        other => {
            problems.add(
                &format!("{pointer}/unit"),
                format!("`{other}` is not a unit daap can turn into days: use d or y"),
            );
            return None;
        }
    };
    match value {
        Some(value) => Some(json!(value.saturating_mul(factor))),
        None => {
            problems.add(
                &format!("{pointer}/value"),
                "the retention must be a whole number",
            );
            None
        }
    }
}
