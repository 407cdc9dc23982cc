//! The `schemaMetadata` of a table: its columns as DataHub schema fields, and as DDL.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::domain::column_type::ColumnType;
use crate::sync::datahub::types;
use crate::sync::snapshot::ProductSnapshot;

use super::urns::PLATFORM_URN;

/// Why a snapshot cannot be turned into proposals (a bug upstream: types are validated
/// before they are stored).
#[derive(Debug, thiserror::Error)]
#[error("table `{table}` column `{column}`: type `{data_type}` does not parse: {reason}")]
pub struct BadColumnType {
    pub table: String,
    pub column: String,
    pub data_type: String,
    pub reason: String,
}

/// `schemaMetadata` of one table: every column (and nested struct field, see [`types`]), the
/// major version as `version`, and the columns as DDL in `platformSchema`.
pub fn schema_metadata(
    snapshot: &ProductSnapshot,
    table: &str,
    schema: &crate::domain::table::TableSchema,
) -> Result<Value, BadColumnType> {
    let mut fields = Vec::new();
    let mut ddl = Vec::with_capacity(schema.columns.len());
    for column in &schema.columns {
        let ty = ColumnType::parse(&column.data_type).map_err(|error| BadColumnType {
            table: table.to_owned(),
            column: column.name.clone(),
            data_type: column.data_type.clone(),
            reason: error.to_string(),
        })?;
        ddl.push(format!("`{}` {}", column.name, ty.canonical()));
        fields.extend(types::schema_fields(&column.name, &ty, &column.description));
    }
    let raw_schema = ddl.join(",\n");
    let hash = Sha256::digest(raw_schema.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<String>();
    Ok(json!({
        "schemaName": format!("{}.{table}", snapshot.database()),
        "platform": PLATFORM_URN,
        "version": snapshot.version.major,
        "hash": hash,
        "platformSchema": { "com.linkedin.schema.OtherSchema": { "rawSchema": raw_schema } },
        "fields": fields,
    }))
}
