//! A data product as code: what a producer keeps in git and the CLI sends to daap.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::domain::ProductFields;
use crate::domain::table::TableSchema;

/// A product and its tables as daap's own request bodies, ready to send.
///
/// - `product` is the body exactly as `POST /v1/data-products` accepts it (`name`,
///   `description`, `domain`, `dataProductOwner`, …, `tags`); drop `name` for
///   `PUT /v1/data-products/dp:<name>`.
/// - `tables` maps each table name to the body exactly as `POST /v1/schemas/dp:<name>:<table>`
///   (and `PUT`) accepts it (`tableDescription`, `columns`).
///
/// The CLI's `daap plan` / `daap apply` read YAML or JSON files of this very shape, and
/// Bitol ODCS / ODPS documents through [`crate::contracts::import`], which returns this.
/// Nothing here is validated: the server validates on the way in (and `?dryRun=true` shows
/// what a body would do), so a definition never disagrees with what daap accepts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductDefinition {
    /// The registration body of `POST /v1/data-products`.
    pub product: Value,
    /// Per table name, the body of `POST /v1/schemas/dp:<product>:<table>`.
    #[serde(default)]
    pub tables: BTreeMap<String, Value>,
}

impl ProductDefinition {
    /// The definition of a stored product: the bodies that would register it as it is.
    pub fn of(name: &str, fields: &ProductFields, tables: &BTreeMap<String, TableSchema>) -> Self {
        Self {
            product: registration_body(name, fields),
            tables: tables
                .iter()
                .map(|(name, schema)| {
                    let body = serde_json::to_value(schema).unwrap_or(Value::Null);
                    (name.clone(), body)
                })
                .collect(),
        }
    }

    /// The product's name, when the registration body has one.
    pub fn name(&self) -> Option<&str> {
        self.product.get("name").and_then(Value::as_str)
    }
}

/// `fields` as the body of `POST /v1/data-products`: optional fields only when set, as a
/// client would send them.
pub fn registration_body(name: &str, fields: &ProductFields) -> Value {
    let mut body = Map::new();
    body.insert("name".into(), json!(name));
    body.insert("description".into(), json!(fields.description));
    body.insert("domain".into(), json!(fields.domain));
    body.insert("dataProductOwner".into(), json!(fields.owner));
    body.insert(
        "dataProductOwnerDisplayName".into(),
        json!(fields.owner_display_name),
    );
    if let Some(maintainer) = &fields.maintainer {
        body.insert("dataProductMaintainer".into(), json!(maintainer));
    }
    if let Some(name) = &fields.maintainer_display_name {
        body.insert("dataProductMaintainerDisplayName".into(), json!(name));
    }
    body.insert("email".into(), json!(fields.email));
    body.insert("status".into(), json!(fields.status.as_str()));
    body.insert("retentionPeriod".into(), json!(fields.retention_period));
    body.insert("dpiaRequired".into(), json!(fields.dpia_required));
    body.insert("tags".into(), json!(fields.tags));
    Value::Object(body)
}
