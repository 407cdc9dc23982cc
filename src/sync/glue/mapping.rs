//! What a product version looks like in the Glue catalogue: pure functions from a snapshot to
//! the database and tables daap wants, and the comparison with what Glue already holds.
//!
//! The desired state is a plain value ([`DatabaseSpec`], [`TableSpec`]) so that "is Glue
//! already right?" is an equality test: a redelivered snapshot then costs reads only, and
//! never a write.

use std::collections::HashMap;

use aws_sdk_glue::error::BuildError;
use aws_sdk_glue::types::{
    Column, Database, DatabaseInput, SerDeInfo, StorageDescriptor, Table, TableInput,
};

use crate::domain::Id;
use crate::sync::snapshot::{ProductSnapshot, TableSnapshot};

/// Glue's limit on database and table descriptions, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2048;
/// Glue's limit on a column comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 255;

/// The partition column of every curated table: when the data was loaded
/// (`YYYYMMDDTHHMMSSZ`), a string, as the ingestion pipeline writes it.
pub const PARTITION_KEY: &str = "load_timestamp";
const PARTITION_COMMENT: &str = "When the data was loaded (YYYYMMDDTHHMMSSZ)";

pub const TABLE_TYPE: &str = "EXTERNAL_TABLE";
pub const PARQUET_SERDE: &str = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
pub const PARQUET_INPUT_FORMAT: &str =
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
pub const PARQUET_OUTPUT_FORMAT: &str =
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";

/// Database parameter keys daap sets (and owns: any other key found on the database is kept).
pub const DATABASE_KEYS: [&str; 4] = ["daap_id", "daap_version", "owner", "domain"];
/// Table parameter keys daap sets (and owns: any other key found on the table is kept).
pub const TABLE_KEYS: [&str; 3] = ["classification", "daap_id", "daap_version"];

/// Where the curated data of every product lives: `s3://<bucket>[/<prefix>]`, without a
/// trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CuratedLocation(String);

impl CuratedLocation {
    /// Accepts `s3://bucket` or `s3://bucket/some/prefix`, with or without a trailing slash.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim().trim_end_matches('/');
        // A bucket, then non-empty path segments: `s3://bucket//x` is a typo, not a prefix.
        let valid = trimmed.strip_prefix("s3://").is_some_and(|path| {
            path.split('/')
                .all(|segment| !segment.is_empty() && !segment.contains(char::is_whitespace))
        });
        if !valid {
            return Err(format!(
                "the curated location must look like `s3://bucket` or `s3://bucket/prefix`, not `{raw}`"
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// `<base>/<product>/v<major>/`: the root of one major version's data.
    pub fn database(&self, product: &str, major: i32) -> String {
        format!("{}/{product}/v{major}/", self.0)
    }

    /// `<base>/<product>/v<major>/<table>/`: one table's data, partitions below it.
    pub fn table(&self, product: &str, major: i32, table: &str) -> String {
        format!("{}/{product}/v{major}/{table}/", self.0)
    }
}

/// The database daap wants for one major version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseSpec {
    pub name: String,
    pub description: Option<String>,
    pub location_uri: Option<String>,
    pub parameters: HashMap<String, String>,
}

/// One column, as Glue stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    pub name: String,
    pub data_type: String,
    pub comment: Option<String>,
}

/// The table daap wants (or, read back, the parts of a Glue table daap manages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    pub name: String,
    pub description: Option<String>,
    pub table_type: Option<String>,
    pub columns: Vec<ColumnSpec>,
    pub partition_keys: Vec<ColumnSpec>,
    pub location: Option<String>,
    pub input_format: Option<String>,
    pub output_format: Option<String>,
    pub serde_library: Option<String>,
    pub serde_parameters: HashMap<String, String>,
    pub parameters: HashMap<String, String>,
}

/// The database of `snapshot`'s major version.
pub fn database_spec(snapshot: &ProductSnapshot, curated: &CuratedLocation) -> DatabaseSpec {
    let parameters = [
        ("daap_id", Id::product(&snapshot.name, None).to_string()),
        ("daap_version", snapshot.version.to_string()),
        ("owner", snapshot.fields.owner.clone()),
        ("domain", snapshot.fields.domain.clone()),
    ];
    DatabaseSpec {
        name: snapshot.database(),
        description: glue_description(&snapshot.fields.description),
        location_uri: Some(curated.database(&snapshot.name, snapshot.version.major)),
        parameters: owned(parameters),
    }
}

/// One table of `snapshot`, as a curated Parquet table partitioned by load time.
pub fn table_spec(
    snapshot: &ProductSnapshot,
    table: &TableSnapshot,
    curated: &CuratedLocation,
) -> TableSpec {
    let columns = table
        .schema
        .columns
        .iter()
        .map(|column| ColumnSpec {
            name: column.name.clone(),
            data_type: column.data_type.clone(),
            comment: glue_comment(&column.description),
        })
        .collect();
    let parameters = [
        ("classification", "parquet".to_owned()),
        (
            "daap_id",
            Id::table(&snapshot.name, None, &table.name).to_string(),
        ),
        ("daap_version", snapshot.version.to_string()),
    ];
    TableSpec {
        name: table.name.clone(),
        description: glue_description(&table.schema.table_description),
        table_type: Some(TABLE_TYPE.to_owned()),
        columns,
        partition_keys: vec![ColumnSpec {
            name: PARTITION_KEY.to_owned(),
            data_type: "string".to_owned(),
            comment: Some(PARTITION_COMMENT.to_owned()),
        }],
        location: Some(curated.table(&snapshot.name, snapshot.version.major, &table.name)),
        input_format: Some(PARQUET_INPUT_FORMAT.to_owned()),
        output_format: Some(PARQUET_OUTPUT_FORMAT.to_owned()),
        serde_library: Some(PARQUET_SERDE.to_owned()),
        serde_parameters: owned([("serialization.format", "1".to_owned())]),
        parameters: owned(parameters),
    }
}

fn owned<const N: usize>(pairs: [(&str, String); N]) -> HashMap<String, String> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// `text` as Glue accepts it in a database or table description: at most
/// [`MAX_DESCRIPTION_CHARS`], line breaks and tabs kept (see [`glue_text`]).
pub fn glue_description(text: &str) -> Option<String> {
    glue_text(text, MAX_DESCRIPTION_CHARS, true)
}

/// `text` as Glue accepts it in a column comment: at most [`MAX_COMMENT_CHARS`], on one line
/// (Glue's pattern allows tabs but no line breaks; see [`glue_text`]).
pub fn glue_comment(text: &str) -> Option<String> {
    glue_text(text, MAX_COMMENT_CHARS, false)
}

/// `text` cut to what Glue accepts, or `None` for an empty text.
///
/// Glue's patterns refuse control characters other than tab (and, in descriptions, CR and
/// LF), and U+FFFE/U+FFFF: those become spaces rather than failing the delivery. The length is
/// counted as Glue (a Java service) counts it, in UTF-16 code units: the same as characters
/// except that a character outside the Basic Multilingual Plane (most emoji) counts twice. The
/// cut is always between two characters.
pub fn glue_text(text: &str, max_units: usize, multi_line: bool) -> Option<String> {
    let mut units = 0;
    let cleaned: String = text
        .chars()
        .take_while(|c| {
            units += c.len_utf16();
            units <= max_units
        })
        .map(|c| {
            let allowed = c == '\t'
                || (multi_line && matches!(c, '\n' | '\r'))
                || (!c.is_control() && c != '\u{FFFE}' && c != '\u{FFFF}');
            if allowed { c } else { ' ' }
        })
        .collect();
    (!cleaned.is_empty()).then_some(cleaned)
}

/// Parameters to write: the ones Glue has that daap does not own (another tool's, kept), then
/// daap's own.
pub fn merged_parameters(
    existing: Option<&HashMap<String, String>>,
    owned_keys: &[&str],
    ours: &HashMap<String, String>,
) -> HashMap<String, String> {
    let mut merged: HashMap<String, String> = existing
        .into_iter()
        .flatten()
        .filter(|(key, _)| !owned_keys.contains(&key.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    merged.extend(ours.iter().map(|(k, v)| (k.clone(), v.clone())));
    merged
}

impl DatabaseSpec {
    /// This spec, keeping the parameters of `existing` that daap does not own.
    pub fn merged_with(&self, existing: &Database) -> DatabaseSpec {
        DatabaseSpec {
            parameters: merged_parameters(existing.parameters(), &DATABASE_KEYS, &self.parameters),
            ..self.clone()
        }
    }

    /// The parts of a Glue database daap manages.
    pub fn from_glue(database: &Database) -> DatabaseSpec {
        DatabaseSpec {
            name: database.name().to_owned(),
            description: non_empty(database.description()),
            location_uri: non_empty(database.location_uri()),
            parameters: database.parameters().cloned().unwrap_or_default(),
        }
    }

    pub fn to_input(&self) -> Result<DatabaseInput, BuildError> {
        DatabaseInput::builder()
            .name(&self.name)
            .set_description(self.description.clone())
            .set_location_uri(self.location_uri.clone())
            .set_parameters(Some(self.parameters.clone()))
            .build()
    }
}

impl TableSpec {
    /// This spec, keeping the parameters of `existing` that daap does not own.
    pub fn merged_with(&self, existing: &Table) -> TableSpec {
        TableSpec {
            parameters: merged_parameters(existing.parameters(), &TABLE_KEYS, &self.parameters),
            ..self.clone()
        }
    }

    /// The parts of a Glue table daap manages.
    pub fn from_glue(table: &Table) -> TableSpec {
        let storage = table.storage_descriptor();
        let serde = storage.and_then(StorageDescriptor::serde_info);
        TableSpec {
            name: table.name().to_owned(),
            description: non_empty(table.description()),
            table_type: non_empty(table.table_type()),
            columns: storage
                .map(|s| s.columns().iter().map(ColumnSpec::from_glue).collect())
                .unwrap_or_default(),
            partition_keys: table
                .partition_keys()
                .iter()
                .map(ColumnSpec::from_glue)
                .collect(),
            location: non_empty(storage.and_then(StorageDescriptor::location)),
            input_format: non_empty(storage.and_then(StorageDescriptor::input_format)),
            output_format: non_empty(storage.and_then(StorageDescriptor::output_format)),
            serde_library: non_empty(serde.and_then(SerDeInfo::serialization_library)),
            serde_parameters: serde
                .and_then(SerDeInfo::parameters)
                .cloned()
                .unwrap_or_default(),
            parameters: table.parameters().cloned().unwrap_or_default(),
        }
    }

    pub fn to_input(&self) -> Result<TableInput, BuildError> {
        let columns = |specs: &[ColumnSpec]| -> Result<Vec<Column>, BuildError> {
            specs.iter().map(ColumnSpec::to_glue).collect()
        };
        let storage = StorageDescriptor::builder()
            .set_columns(Some(columns(&self.columns)?))
            .set_location(self.location.clone())
            .set_input_format(self.input_format.clone())
            .set_output_format(self.output_format.clone())
            .serde_info(
                SerDeInfo::builder()
                    .set_serialization_library(self.serde_library.clone())
                    .set_parameters(Some(self.serde_parameters.clone()))
                    .build(),
            )
            .build();
        TableInput::builder()
            .name(&self.name)
            .set_description(self.description.clone())
            .set_table_type(self.table_type.clone())
            .storage_descriptor(storage)
            .set_partition_keys(Some(columns(&self.partition_keys)?))
            .set_parameters(Some(self.parameters.clone()))
            .build()
    }
}

impl ColumnSpec {
    fn from_glue(column: &Column) -> ColumnSpec {
        ColumnSpec {
            name: column.name().to_owned(),
            data_type: column.r#type().unwrap_or_default().to_owned(),
            comment: non_empty(column.comment()),
        }
    }

    fn to_glue(&self) -> Result<Column, BuildError> {
        Column::builder()
            .name(&self.name)
            .r#type(&self.data_type)
            .set_comment(self.comment.clone())
            .build()
    }
}

fn non_empty(text: Option<&str>) -> Option<String> {
    text.filter(|t| !t.is_empty()).map(str::to_owned)
}
