//! Column types between Athena DDL and ODCS: `logicalType` (+ `logicalTypeOptions`, nested
//! `items`, `properties` and `map`) for other tools, and `physicalType`, the exact Athena type,
//! for daap.
//!
//! Export writes both at every level of a nested type. Import takes `physicalType` when it is
//! there (so daap's own documents come back exactly) and otherwise derives an Athena type from
//! the logical description, so that hand-written contracts import too.

use serde_json::{Value, json};

use crate::domain::column_type::ColumnType;

use super::error::Problems;
use super::shape::{MapEntry, Property};

/// The ODCS property of a column called `name` of Athena type `athena` (canonical, as
/// stored). Its `physicalType` is `athena` itself.
pub fn describe(name: &str, athena: &str, description: &str) -> Property {
    let mut property = match ColumnType::parse(athena) {
        Ok(parsed) => logical(&parsed),
        // Stored types were validated on the way in; should one ever not parse, the exact type
        // still travels in `physicalType`.
        Err(_) => bare("string", None),
    };
    property.name = Some(name.to_owned());
    // The stored spelling, not re-rendered: import must give back exactly what was stored.
    property.physical_type = athena.to_owned();
    property.description = (!description.is_empty()).then(|| description.to_owned());
    property
}

fn bare(logical_type: &'static str, options: Option<Value>) -> Property {
    Property {
        name: None,
        logical_type,
        logical_type_options: options,
        physical_type: String::new(),
        description: None,
        items: None,
        map: None,
        properties: None,
    }
}

/// `logicalType` and what goes with it, recursively, each nested level with its own canonical
/// `physicalType`.
fn logical(ty: &ColumnType) -> Property {
    let mut property = match ty {
        ColumnType::Boolean => bare("boolean", None),
        ColumnType::TinyInt => bare("integer", Some(json!({"format": "i8"}))),
        ColumnType::SmallInt => bare("integer", Some(json!({"format": "i16"}))),
        ColumnType::Int => bare("integer", Some(json!({"format": "i32"}))),
        ColumnType::BigInt => bare("integer", Some(json!({"format": "i64"}))),
        ColumnType::Float => bare("number", Some(json!({"format": "f32"}))),
        ColumnType::Double => bare("number", Some(json!({"format": "f64"}))),
        // ODCS has no precision or scale: they live in `physicalType` alone.
        ColumnType::Decimal { .. } => bare("number", None),
        ColumnType::Char(length) => bare("string", Some(json!({"maxLength": length}))),
        ColumnType::Varchar(Some(length)) => bare("string", Some(json!({"maxLength": length}))),
        ColumnType::Varchar(None) | ColumnType::String => bare("string", None),
        ColumnType::Binary => bare("string", Some(json!({"format": "binary"}))),
        ColumnType::Date => bare("date", None),
        // Athena timestamps carry no time zone.
        ColumnType::Timestamp => bare("timestamp", Some(json!({"timezone": false}))),
        ColumnType::Array(item) => Property {
            items: Some(Box::new(logical(item))),
            ..bare("array", None)
        },
        ColumnType::Map(key, value) => Property {
            map: Some(Box::new(MapEntry {
                key: logical(key),
                value: logical(value),
            })),
            ..bare("map", None)
        },
        ColumnType::Struct(fields) => Property {
            properties: Some(
                fields
                    .iter()
                    .map(|field| Property {
                        name: Some(field.name.clone()),
                        ..logical(&field.data_type)
                    })
                    .collect(),
            ),
            ..bare("object", None)
        },
    };
    property.physical_type = ty.canonical();
    property
}

/// The Athena type of the ODCS property at `pointer`: its `physicalType`, or one derived from
/// its logical description. Problems are recorded, and `None` returned, when neither says.
pub fn athena_type(property: &Value, pointer: &str, problems: &mut Problems) -> Option<String> {
    if let Some(physical) = property
        .get("physicalType")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
    {
        return Some(physical.to_owned());
    }
    derive(property, pointer, problems)
}

fn derive(property: &Value, pointer: &str, problems: &mut Problems) -> Option<String> {
    let Some(logical_type) = property.get("logicalType").and_then(Value::as_str) else {
        problems.add(
            pointer,
            "has neither `physicalType` (an Athena type) nor `logicalType`",
        );
        return None;
    };
    let options = property.get("logicalTypeOptions");
    let option = |name: &str| options.and_then(|o| o.get(name));
    let format = option("format").and_then(Value::as_str);
    let derived = match logical_type {
        "boolean" => "boolean".to_owned(),
        "date" => "date".to_owned(),
        "timestamp" => "timestamp".to_owned(),
        // Athena tables have no time-of-day type.
        "time" => "string".to_owned(),
        "string" => match (format, option("maxLength").and_then(Value::as_u64)) {
            (Some("binary" | "byte"), _) => "binary".to_owned(),
            (_, Some(length @ 1..=65_535)) => format!("varchar({length})"),
            _ => "string".to_owned(),
        },
        "integer" => match format {
            Some("i8") => "tinyint",
            Some("i16" | "u8") => "smallint",
            Some("i64" | "u32") => "bigint",
            Some("i128" | "u64" | "u128") => "decimal(38,0)",
            // ODCS's default integer format is i32.
            _ => "int",
        }
        .to_owned(),
        "number" => match format {
            Some("f32") => "float".to_owned(),
            _ => "double".to_owned(),
        },
        "array" => {
            let items = property.get("items");
            let Some(items) = items.filter(|i| i.is_object()) else {
                problems.add(pointer, "an `array` needs `items` (or a `physicalType`)");
                return None;
            };
            format!(
                "array<{}>",
                athena_type(items, &format!("{pointer}/items"), problems)?
            )
        }
        "map" => {
            let key = property.pointer("/map/key").filter(|k| k.is_object());
            let value = property.pointer("/map/value").filter(|v| v.is_object());
            let (Some(key), Some(value)) = (key, value) else {
                problems.add(
                    pointer,
                    "a `map` needs `map.key` and `map.value` (or a `physicalType`)",
                );
                return None;
            };
            let key = athena_type(key, &format!("{pointer}/map/key"), problems);
            let value = athena_type(value, &format!("{pointer}/map/value"), problems);
            format!("map<{},{}>", key?, value?)
        }
        "object" => {
            let fields = property.get("properties").and_then(Value::as_array);
            let Some(fields) = fields.filter(|f| !f.is_empty()) else {
                problems.add(
                    pointer,
                    "an `object` needs `properties` (or a `physicalType`)",
                );
                return None;
            };
            let mut parts = Vec::with_capacity(fields.len());
            for (index, field) in fields.iter().enumerate() {
                let at = format!("{pointer}/properties/{index}");
                let name = field.get("name").and_then(Value::as_str);
                let ty = athena_type(field, &at, problems);
                match (name, ty) {
                    (Some(name), Some(ty)) => parts.push(format!("{name}:{ty}")),
                    (None, _) => problems.add(&at, "a property needs a `name`"),
                    _ => {}
                }
            }
            if parts.len() < fields.len() {
                return None;
            }
            format!("struct<{}>", parts.join(","))
        }
        "vector" => {
            let element = match option("elementType").and_then(Value::as_str) {
                Some("float64") => "double",
                Some("int8") => "tinyint",
                Some("uint8") => "smallint",
                Some("binary") => "boolean",
                _ => "float",
            };
            format!("array<{element}>")
        }
        other => {
            problems.add(
                &format!("{pointer}/logicalType"),
                format!("`{other}` is not an ODCS logical type"),
            );
            return None;
        }
    };
    Some(derived)
}
