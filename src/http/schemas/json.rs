//! Response bodies and query parameters of the table schema endpoints, and their `{id}` path
//! parameters (handlers take the id as a string and parse it with `TableRef::parse`).

use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::{IntoParams, ToSchema};

use crate::domain::table::{Column, MAX_TABLE_NAME_LEN, TableChange};
use crate::domain::{DataProductName, ProductRef, TableRef, Version};
use crate::http::data_products::json::{id_parameter, product_id_pattern};

/// The product version a schema response refers to.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductVersionRef {
    #[schema(example = "dp:hmpps_use_of_force")]
    pub id: String,
    #[schema(example = "v1.1")]
    pub version: String,
    #[schema(example = "dp:hmpps_use_of_force:v1.1")]
    pub versioned_id: String,
}

impl ProductVersionRef {
    pub fn new(name: &DataProductName, version: Version) -> Self {
        Self {
            id: ProductRef::product_id(name),
            version: version.to_string(),
            versioned_id: ProductRef::versioned_id(name, version),
        }
    }
}

/// The columns of a schema response: as the server just built them, or the stored JSON as it
/// is (a schema read passes it through instead of decoding and encoding every column).
#[derive(Debug)]
pub enum Columns {
    Built(Vec<Column>),
    Stored(Box<RawValue>),
}

impl From<Vec<Column>> for Columns {
    fn from(columns: Vec<Column>) -> Self {
        Columns::Built(columns)
    }
}

impl From<Box<RawValue>> for Columns {
    fn from(columns: Box<RawValue>) -> Self {
        Columns::Stored(columns)
    }
}

impl Serialize for Columns {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Columns::Built(columns) => columns.serialize(serializer),
            Columns::Stored(json) => json.serialize(serializer),
        }
    }
}

/// A table schema as it is in one version of its product.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    /// `dp:<name>:<table>`: the table in the latest version.
    #[schema(example = "dp:hmpps_use_of_force:incidents")]
    pub id: String,
    /// `dp:<name>:v<M>.<m>:<table>`: the table in this version, forever.
    #[schema(example = "dp:hmpps_use_of_force:v1.1:incidents")]
    pub versioned_id: String,
    pub name: String,
    pub table_description: String,
    #[schema(value_type = Vec<Column>)]
    pub columns: Columns,
    /// The product version this schema belongs to.
    pub data_product: ProductVersionRef,
}

impl Schema {
    pub fn new(
        name: &DataProductName,
        version: Version,
        table: &str,
        table_description: String,
        columns: impl Into<Columns>,
    ) -> Self {
        Self {
            id: TableRef::table_id(name, table),
            versioned_id: TableRef::versioned_table_id(name, version, table),
            name: table.to_owned(),
            table_description,
            columns: columns.into(),
            data_product: ProductVersionRef::new(name, version),
        }
    }
}

/// The result of a schema write: the schema (absent after a delete), the product version it
/// produced (or would produce, in a dry run) and what the change means for consumers.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchemaWriteResult {
    /// The table after the write; absent when it was deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<Schema>,
    /// The product version after the write (unchanged when `change.bump` is `none`).
    pub data_product: ProductVersionRef,
    pub change: TableChange,
    /// True when nothing was written because `dryRun=true` was asked for.
    pub dry_run: bool,
}

/// The `{id}` of a read: a table in the latest version of its product, or in one version.
pub struct TableIdParam;

impl IntoParams for TableIdParam {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        table_id_parameter("`dp:<name>:<table>` or `dp:<name>:v<M>.<m>:<table>`")
    }
}

/// The `{id}` of a write: a versioned id is only accepted for the latest version (as a
/// precondition), since old versions are immutable.
pub struct LatestTableIdParam;

impl IntoParams for LatestTableIdParam {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        table_id_parameter(
            "`dp:<name>:<table>` (or with the latest version: `dp:<name>:v<M>.<m>:<table>`)",
        )
    }
}

/// What `TableRef::parse` accepts: a product id, then `:<table>`.
pub fn table_id_pattern() -> String {
    format!(
        "^{}:[a-z][a-z0-9_]{{0,{}}}$",
        product_id_pattern(),
        MAX_TABLE_NAME_LEN - 1
    )
}

fn table_id_parameter(description: &str) -> Vec<Parameter> {
    let example = "dp:hmpps_use_of_force:incidents";
    vec![id_parameter(description, &table_id_pattern(), example)]
}
