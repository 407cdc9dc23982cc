//! Table schemas: their names, their validation, and what a change to one means for consumers.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::validation::{Fields, InvalidFields};

use super::Bump;
use super::column_type::ColumnType;
use super::name::check_identifier;

/// Glue's limit on a table description.
pub const MAX_TABLE_DESCRIPTION_CHARS: usize = 2048;
/// Glue's limit on a column comment: longer descriptions would be cut when synchronised.
pub const MAX_COLUMN_DESCRIPTION_CHARS: usize = 255;
pub const MAX_COLUMNS: usize = 1000;
pub const MAX_TABLE_NAME_LEN: usize = 128;
pub const MAX_COLUMN_NAME_LEN: usize = 128;
/// The partition column the ingestion pipeline adds to every curated table (and Glue sync
/// declares as the partition key): a column of that name would clash with it in Athena.
pub const RESERVED_COLUMN: &str = "load_timestamp";

/// A table name matching `^[a-z][a-z0-9_]{0,127}$`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableName(String);

impl TableName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        check_identifier(raw, MAX_TABLE_NAME_LEN).map(|()| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
}

/// One column; `type` is always stored in its canonical spelling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// Lower-case letters, digits and `_`; not `load_timestamp`, which the pipeline adds.
    #[schema(
        pattern = "^(?!load_timestamp$)[a-z0-9_]{1,128}$",
        example = "incident_date"
    )]
    pub name: String,
    /// Athena/Glue DDL type, e.g. `decimal(10,2)` or `array<struct<code:string,at:timestamp>>`.
    #[serde(rename = "type")]
    #[schema(example = "date")]
    pub data_type: String,
    #[schema(max_length = 255)]
    pub description: String,
}

/// A table's schema as producers send it and consumers read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TableSchema {
    #[schema(max_length = 2048)]
    pub table_description: String,
    /// At least one column, at most 1000; names unique.
    #[schema(min_items = 1, max_items = 1000)]
    pub columns: Vec<Column>,
}

impl TableSchema {
    /// Validate a request body, reporting every problem at once with a pointer to it.
    pub fn parse(body: &Value) -> Result<Self, InvalidFields> {
        let mut reader = Fields::of(body)?;
        let table_description =
            reader.required_text("tableDescription", MAX_TABLE_DESCRIPTION_CHARS);
        let items = reader.required_array("columns");
        if body.get("columns").is_some_and(Value::is_array) {
            if items.is_empty() {
                reader.error("columns", "a table needs at least one column");
            } else if items.len() > MAX_COLUMNS {
                reader.error(
                    "columns",
                    format!("a table may have at most {MAX_COLUMNS} columns"),
                );
            }
        }
        let mut columns = Vec::with_capacity(items.len());
        // A valid name is lower-case already (invalid ones are cleared below), so the names
        // as sent are the keys.
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(items.len());
        let columns_pointer = reader.pointer("columns");
        for (index, item) in items.iter().enumerate() {
            let column = match Fields::nested(item, format!("{columns_pointer}/{index}")) {
                Ok(mut fields) => {
                    let column = read_column(&mut fields);
                    reader.extend(fields.into_errors());
                    column
                }
                Err(error) => {
                    reader.extend([error]);
                    continue;
                }
            };
            if !column.name.is_empty()
                && let Some(name) = item.get("name").and_then(Value::as_str)
                && let Some(first) = seen.insert(name, index)
            {
                reader.extend([crate::validation::FieldError::new(
                    format!("{columns_pointer}/{index}/name"),
                    format!("duplicates the name of column {first}"),
                )]);
            }
            columns.push(column);
        }
        reader.finish()?;
        Ok(Self {
            table_description,
            columns,
        })
    }
}

fn read_column(fields: &mut Fields<'_>) -> Column {
    let mut name = fields.required_exact("name", usize::MAX);
    if !name.is_empty() && (name.len() > MAX_COLUMN_NAME_LEN || !name.chars().all(is_name_char)) {
        // Cleared so that an invalid name is not also reported as a duplicate.
        name.clear();
        fields.error(
            "name",
            format!(
                "must be 1 to {MAX_COLUMN_NAME_LEN} lower-case letters, digits or `_` (`^[a-z0-9_]{{1,128}}$`)"
            ),
        );
    } else if name == RESERVED_COLUMN {
        name.clear();
        fields.error(
            "name",
            format!(
                "`{RESERVED_COLUMN}` is reserved: the pipeline adds it to every table as its partition column"
            ),
        );
    }
    let raw_type = fields.required_string("type", 10_000);
    let data_type = if raw_type.is_empty() {
        String::new()
    } else {
        match ColumnType::parse(&raw_type) {
            Ok(parsed) => parsed.canonical(),
            Err(error) => {
                fields.error(
                    "type",
                    format!("`{}` is not a column type: {error}", shorten(&raw_type)),
                );
                String::new()
            }
        }
    };
    let description = fields.required_text("description", MAX_COLUMN_DESCRIPTION_CHARS);
    Column {
        name,
        data_type,
        description,
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= 60 {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(60).collect::<String>())
    }
}

/// A column whose type changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TypeChange {
    pub name: String,
    pub from: String,
    pub to: String,
}

/// What a change to one table means for its consumers, and the version bump it needs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TableChange {
    /// `none` when the request changes nothing.
    pub bump: ChangeBump,
    pub added_columns: Vec<String>,
    pub removed_columns: Vec<String>,
    pub types_changed: Vec<TypeChange>,
    /// Columns whose description changed.
    pub descriptions_changed: Vec<String>,
    pub table_description_changed: bool,
    /// The columns present before and after appear in a different order.
    pub reordered: bool,
}

/// A version bump, or none.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ChangeBump {
    #[default]
    None,
    Minor,
    Major,
}

impl ChangeBump {
    pub fn as_bump(self) -> Option<Bump> {
        match self {
            ChangeBump::None => None,
            ChangeBump::Minor => Some(Bump::Minor),
            ChangeBump::Major => Some(Bump::Major),
        }
    }
}

impl TableChange {
    /// A new table: every column is added (a minor change).
    pub fn created(schema: &TableSchema) -> Self {
        Self {
            bump: ChangeBump::Minor,
            added_columns: schema.columns.iter().map(|c| c.name.clone()).collect(),
            ..Self::default()
        }
    }

    /// A deleted table: every column is removed (a major change).
    pub fn deleted(schema: &TableSchema) -> Self {
        Self {
            bump: ChangeBump::Major,
            removed_columns: schema.columns.iter().map(|c| c.name.clone()).collect(),
            ..Self::default()
        }
    }

    /// The change from `old` to `new`: removing a column or changing its type breaks consumers
    /// (major); adding a column, changing a description or reordering does not (minor). A
    /// renamed column is a removal plus an addition.
    pub fn between(old: &TableSchema, new: &TableSchema) -> Self {
        let old_by_name: HashMap<&str, &Column> =
            old.columns.iter().map(|c| (c.name.as_str(), c)).collect();
        let new_names: HashSet<&str> = new.columns.iter().map(|c| c.name.as_str()).collect();
        let mut change = TableChange {
            table_description_changed: old.table_description != new.table_description,
            ..TableChange::default()
        };
        for column in &new.columns {
            match old_by_name.get(column.name.as_str()) {
                None => change.added_columns.push(column.name.clone()),
                Some(before) => {
                    if before.data_type != column.data_type {
                        change.types_changed.push(TypeChange {
                            name: column.name.clone(),
                            from: before.data_type.clone(),
                            to: column.data_type.clone(),
                        });
                    }
                    if before.description != column.description {
                        change.descriptions_changed.push(column.name.clone());
                    }
                }
            }
        }
        change.removed_columns = old
            .columns
            .iter()
            .filter(|c| !new_names.contains(c.name.as_str()))
            .map(|c| c.name.clone())
            .collect();
        let kept_old_order = old
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .filter(|n| new_names.contains(n));
        let kept_new_order = new
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .filter(|n| old_by_name.contains_key(n));
        change.reordered = !kept_old_order.eq(kept_new_order);
        change.bump = if !change.removed_columns.is_empty() || !change.types_changed.is_empty() {
            ChangeBump::Major
        } else if !change.added_columns.is_empty()
            || !change.descriptions_changed.is_empty()
            || change.table_description_changed
            || change.reordered
        {
            ChangeBump::Minor
        } else {
            ChangeBump::None
        };
        change
    }
}
