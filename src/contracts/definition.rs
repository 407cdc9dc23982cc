//! A data product as code: what a producer keeps in git and the CLI sends to daap.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

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
    /// The product's name, when the registration body has one.
    pub fn name(&self) -> Option<&str> {
        self.product.get("name").and_then(Value::as_str)
    }
}
