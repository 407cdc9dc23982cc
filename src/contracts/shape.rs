//! The exported documents as Rust types: they fix the order of the fields (each standard's own
//! order, which a person reading the YAML expects) and leave out what is not set. Import reads
//! documents as plain JSON instead, to accept whatever other tools write.
//!
//! No `contractCreatedTs` / `productCreatedTs`: a timestamp is a plain scalar in YAML, which
//! YAML 1.1 readers (PyYAML, and so the Python tools of both standards) turn into a date-time
//! object that the standards' string fields then refuse.

use serde::Serialize;
use serde_json::Value;

/// An ODCS data contract (only the fields daap fills).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contract {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub id: String,
    #[serde(flatten)]
    pub common: Common,
    pub schema: Vec<SchemaObject>,
    pub sla_properties: Vec<SlaProperty>,
    pub custom_properties: Vec<CustomProperty>,
}

/// An ODPS data product (only the fields daap fills).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub id: String,
    #[serde(flatten)]
    pub common: Common,
    pub output_ports: Vec<OutputPort>,
    pub custom_properties: Vec<CustomProperty>,
}

/// The fields both standards share, spelled alike.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Common {
    pub name: String,
    pub version: String,
    pub status: &'static str,
    pub domain: String,
    pub description: Description,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub team: Team,
    pub support: Vec<SupportChannel>,
}

#[derive(Debug, Serialize)]
pub struct Description {
    pub purpose: String,
}

#[derive(Debug, Serialize)]
pub struct Team {
    pub members: Vec<Member>,
}

#[derive(Debug, Serialize)]
pub struct Member {
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub role: &'static str,
}

#[derive(Debug, Serialize)]
pub struct SupportChannel {
    pub channel: &'static str,
    pub tool: &'static str,
    pub url: String,
    pub description: &'static str,
}

#[derive(Debug, Serialize)]
pub struct CustomProperty {
    pub property: &'static str,
    pub value: Value,
    pub description: &'static str,
}

#[derive(Debug, Serialize)]
pub struct SlaProperty {
    pub property: &'static str,
    pub value: i64,
    pub unit: &'static str,
    pub description: &'static str,
}

/// One table.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaObject {
    pub name: String,
    pub physical_name: String,
    pub physical_type: &'static str,
    pub logical_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub properties: Vec<Property>,
}

/// A column, a struct field (both named), an array's items or a map's key or value (unnamed).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Property {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub logical_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logical_type_options: Option<Value>,
    pub physical_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Box<Property>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map: Option<Box<MapEntry>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Vec<Property>>,
}

/// A map's key and value types.
#[derive(Debug, Serialize)]
pub struct MapEntry {
    pub key: Property,
    pub value: Property,
}

/// One table, as an ODPS output port.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputPort {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub port_type: &'static str,
    pub version: String,
    pub contract_id: String,
}
