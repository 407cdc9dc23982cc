//! Athena column types as DataHub schema fields: the union member of every type family, and
//! structs flattened into dotted field paths.

use daap::domain::column_type::ColumnType;
use daap::sync::datahub::types::{field_type, schema_fields};
use serde_json::{Value, json};

fn member(athena: &str) -> (String, Value) {
    let ty = ColumnType::parse(athena).expect("a valid type");
    let union = field_type(&ty)["type"].clone();
    let (name, body) = union.as_object().unwrap().iter().next().unwrap();
    (
        name.trim_start_matches("com.linkedin.schema.").to_owned(),
        body.clone(),
    )
}

#[test]
fn datahub_maps_every_athena_type_family() {
    let cases = [
        ("boolean", "BooleanType"),
        ("tinyint", "NumberType"),
        ("smallint", "NumberType"),
        ("int", "NumberType"),
        ("integer", "NumberType"),
        ("bigint", "NumberType"),
        ("float", "NumberType"),
        ("real", "NumberType"),
        ("double", "NumberType"),
        ("decimal(10,2)", "NumberType"),
        ("decimal(38)", "NumberType"),
        ("char(3)", "StringType"),
        ("varchar", "StringType"),
        ("varchar(20)", "StringType"),
        ("string", "StringType"),
        ("binary", "BytesType"),
        ("date", "DateType"),
        ("timestamp", "TimeType"),
        ("array<string>", "ArrayType"),
        ("map<string,array<int>>", "MapType"),
        ("struct<a:int,b:struct<c:string>>", "RecordType"),
    ];
    for (athena, expected) in cases {
        assert_eq!(member(athena).0, expected, "{athena}");
    }
    assert_eq!(member("array<string>").1, json!({"nestedType": ["string"]}));
    assert_eq!(
        member("array<struct<a:int>>").1,
        json!({"nestedType": ["struct<a:int>"]})
    );
    assert_eq!(
        member("map<string,array<int>>").1,
        json!({"keyType": "string", "valueType": "array<int>"})
    );
}

#[test]
fn datahub_schema_fields_keep_the_athena_type_and_flatten_structs() {
    let ty = ColumnType::parse("struct<a:int,b:struct<c:string>>").unwrap();
    let fields = schema_fields("location", &ty, "Where");
    let summary: Vec<(&str, &str, &str)> = fields
        .iter()
        .map(|f| {
            (
                f["fieldPath"].as_str().unwrap(),
                f["nativeDataType"].as_str().unwrap(),
                f["type"]["type"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .next()
                    .unwrap()
                    .as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "location",
                "struct<a:int,b:struct<c:string>>",
                "com.linkedin.schema.RecordType"
            ),
            ("location.a", "int", "com.linkedin.schema.NumberType"),
            (
                "location.b",
                "struct<c:string>",
                "com.linkedin.schema.RecordType"
            ),
            ("location.b.c", "string", "com.linkedin.schema.StringType"),
        ]
    );
    assert_eq!(fields[0]["description"], "Where");
    assert!(fields[1].get("description").is_none());
    assert!(fields.iter().all(|f| f["nullable"] == true));

    let through_array = schema_fields(
        "events",
        &ColumnType::parse("array<struct<at:timestamp>>").unwrap(),
        "",
    );
    let paths: Vec<&str> = through_array
        .iter()
        .map(|f| f["fieldPath"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["events", "events.at"]);
    assert_eq!(
        schema_fields("d", &ColumnType::parse("decimal(10,2)").unwrap(), "")[0]["nativeDataType"],
        "decimal(10,2)"
    );
}
