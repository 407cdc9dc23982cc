//! Athena column types as DataHub schema fields.
//!
//! Every column becomes one `SchemaField` whose `nativeDataType` is the canonical Athena type
//! and whose `type` is the DataHub type family (`SchemaFieldDataType`, a Pegasus union written
//! as `{"com.linkedin.schema.<Member>": {...}}`):
//!
//! | Athena | DataHub |
//! |---|---|
//! | `boolean` | `BooleanType` |
//! | `tinyint`, `smallint`, `int`, `bigint`, `float`/`real`, `double`, `decimal(p,s)` | `NumberType` |
//! | `char(n)`, `varchar`, `varchar(n)`, `string` | `StringType` |
//! | `binary` | `BytesType` |
//! | `date` | `DateType` |
//! | `timestamp` | `TimeType` |
//! | `array<T>` | `ArrayType { nestedType: [T] }` |
//! | `map<K,V>` | `MapType { keyType: K, valueType: V }` |
//! | `struct<…>` | `RecordType` |
//!
//! Nested struct fields are emitted too, as DataHub's v1 field paths do: `parent.child`, one
//! level of `.` per struct, looking through arrays and map values (`array<struct<a:int>>`
//! named `col` has the child `col.a`). Column and field names are `[a-z0-9_]`, so a path can
//! never be ambiguous.

use serde_json::{Map, Value, json};

use crate::domain::column_type::ColumnType;

/// The Pegasus union member (`com.linkedin.schema.*`) of one type, with its fields.
pub fn field_type(ty: &ColumnType) -> Value {
    let (member, body) = match ty {
        ColumnType::Boolean => ("BooleanType", json!({})),
        ColumnType::TinyInt
        | ColumnType::SmallInt
        | ColumnType::Int
        | ColumnType::BigInt
        | ColumnType::Float
        | ColumnType::Double
        | ColumnType::Decimal { .. } => ("NumberType", json!({})),
        ColumnType::Char(_) | ColumnType::Varchar(_) | ColumnType::String => {
            ("StringType", json!({}))
        }
        ColumnType::Binary => ("BytesType", json!({})),
        ColumnType::Date => ("DateType", json!({})),
        ColumnType::Timestamp => ("TimeType", json!({})),
        ColumnType::Array(element) => ("ArrayType", json!({ "nestedType": [element.canonical()] })),
        ColumnType::Map(key, value) => (
            "MapType",
            json!({ "keyType": key.canonical(), "valueType": value.canonical() }),
        ),
        ColumnType::Struct(_) => ("RecordType", json!({})),
    };
    let mut union = Map::new();
    union.insert(format!("com.linkedin.schema.{member}"), body);
    json!({ "type": Value::Object(union) })
}

/// The `SchemaField`s of one column: the column itself, then every nested struct field
/// (depth first, in declaration order). `description` is put on the column only, when not
/// empty.
pub fn schema_fields(name: &str, ty: &ColumnType, description: &str) -> Vec<Value> {
    let mut fields = Vec::new();
    push_field(&mut fields, name.to_owned(), ty, description);
    fields
}

fn push_field(fields: &mut Vec<Value>, path: String, ty: &ColumnType, description: &str) {
    let mut field = Map::new();
    field.insert("fieldPath".into(), Value::String(path.clone()));
    field.insert("nullable".into(), Value::Bool(true));
    field.insert("type".into(), field_type(ty));
    field.insert("nativeDataType".into(), Value::String(ty.canonical()));
    if !description.is_empty() {
        field.insert("description".into(), Value::String(description.to_owned()));
    }
    fields.push(Value::Object(field));
    if let Some(children) = struct_fields(ty) {
        for child in children {
            push_field(
                fields,
                format!("{path}.{}", child.name),
                &child.data_type,
                "",
            );
        }
    }
}

/// The struct whose fields sit one path level below a value of type `ty`: its own if it is a
/// struct, else that of an array's elements or a map's values.
fn struct_fields(ty: &ColumnType) -> Option<&[crate::domain::column_type::StructField]> {
    match ty {
        ColumnType::Struct(fields) => Some(fields),
        ColumnType::Array(element) => struct_fields(element),
        ColumnType::Map(_, value) => struct_fields(value),
        _ => None,
    }
}
