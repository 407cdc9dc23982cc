//! The request bodies the served OpenAPI document describes are the ones the parsers read:
//! the same fields, and the same limits (the schema attributes need literals, the parsers use
//! the `daap::domain` constants, and these tests tie the two), with the behaviour at each limit.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use daap::domain::name::MAX_NAME_LEN;
use daap::domain::product::{
    MAX_DESCRIPTION_CHARS, MAX_EMAIL_CHARS, MAX_RETENTION_DAYS, MAX_SHORT_TEXT_CHARS, MAX_TAGS,
};
use daap::domain::table::{MAX_COLUMN_DESCRIPTION_CHARS, MAX_TABLE_DESCRIPTION_CHARS};
use serde_json::{Value, json};

use crate::support::{TestApp, TestResponse, product, product_fields};

/// A documented request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Register,
    Update,
    Table,
    /// One entry of a table's `columns`.
    Column,
}

const BODIES: [Body; 4] = [Body::Register, Body::Update, Body::Table, Body::Column];

/// Every limit the request schemas document, with the parser's: the tests below fail if the
/// document gains a limit not listed here or loses one that is.
const LIMITS: [(Body, &str, &str, usize); 15] = [
    (
        Body::Register,
        "description",
        "maxLength",
        MAX_DESCRIPTION_CHARS,
    ),
    (Body::Register, "domain", "maxLength", MAX_SHORT_TEXT_CHARS),
    (
        Body::Register,
        "dataProductOwner",
        "maxLength",
        MAX_EMAIL_CHARS,
    ),
    (
        Body::Register,
        "dataProductOwnerDisplayName",
        "maxLength",
        MAX_SHORT_TEXT_CHARS,
    ),
    (
        Body::Register,
        "dataProductMaintainer",
        "maxLength",
        MAX_EMAIL_CHARS,
    ),
    (
        Body::Register,
        "dataProductMaintainerDisplayName",
        "maxLength",
        MAX_SHORT_TEXT_CHARS,
    ),
    (Body::Register, "email", "maxLength", MAX_EMAIL_CHARS),
    (
        Body::Register,
        "retentionPeriod",
        "maximum",
        MAX_RETENTION_DAYS as usize,
    ),
    (Body::Register, "tags", "maxProperties", MAX_TAGS),
    // The update body documents the same editable fields as registration (checked below), so
    // its limits are those of registration; one of them is exercised through it here.
    (
        Body::Update,
        "description",
        "maxLength",
        MAX_DESCRIPTION_CHARS,
    ),
    (
        Body::Table,
        "tableDescription",
        "maxLength",
        MAX_TABLE_DESCRIPTION_CHARS,
    ),
    (
        Body::Column,
        "description",
        "maxLength",
        MAX_COLUMN_DESCRIPTION_CHARS,
    ),
    (
        Body::Table,
        "columns",
        "maxItems",
        daap::domain::table::MAX_COLUMNS,
    ),
    // Names are limited by their pattern.
    (Body::Register, "name", "pattern", MAX_NAME_LEN),
    (
        Body::Column,
        "name",
        "pattern",
        daap::domain::table::MAX_COLUMN_NAME_LEN,
    ),
];

const MAX_KEYWORDS: [&str; 5] = [
    "maxLength",
    "maxItems",
    "maxProperties",
    "maximum",
    "exclusiveMaximum",
];

/// The served document.
async fn served_document(app: &TestApp) -> Value {
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK);
    response.body
}

/// The schema of `body` in `document`, `$ref`s followed.
fn schema_of(document: &Value, body: Body) -> &Value {
    let (path, method) = match body {
        Body::Register => ("/v1/data-products", "post"),
        Body::Update => ("/v1/data-products/{id}", "put"),
        Body::Table | Body::Column => ("/v1/schemas/{id}", "post"),
    };
    let request = &document["paths"][path][method]["requestBody"]["content"]["application/json"];
    let schema = resolve(document, &request["schema"]);
    match body {
        Body::Column => resolve(document, &schema["properties"]["columns"]["items"]),
        _ => schema,
    }
}

fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .expect("a component reference");
            &document["components"]["schemas"][name]
        }
        None => schema,
    }
}

fn documented_properties(document: &Value, body: Body) -> BTreeSet<String> {
    let properties = schema_of(document, body)["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{body:?} documents its properties"));
    properties.keys().cloned().collect()
}

/// A valid body with every documented property (optional ones included).
fn full_body(body: Body, name: &str) -> Value {
    let mut value = match body {
        Body::Register => product(name),
        Body::Update => product_fields(name),
        Body::Table => json!({
            "tableDescription": "Use of force incidents",
            "columns": [full_body(Body::Column, name)],
        }),
        Body::Column => json!({"name": "incident_date", "type": "date", "description": "When"}),
    };
    if matches!(body, Body::Register | Body::Update) {
        value["dataProductMaintainer"] = json!("sam.smith@justice.gov.uk");
        value["dataProductMaintainerDisplayName"] = json!("Sam Smith");
    }
    value
}

/// Every property name the document uses anywhere, as candidates a parser might read (a field
/// a parser reads but the document names nowhere would go unnoticed: it is not guessed).
fn every_property_name(document: &Value, names: &mut BTreeSet<String>) {
    match document {
        Value::Object(object) => {
            if let Some(Value::Object(properties)) = object.get("properties") {
                names.extend(properties.keys().cloned());
            }
            for value in object.values() {
                every_property_name(value, names);
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|item| every_property_name(item, names)),
        _ => {}
    }
}

/// Send `value` as the request body `body` (writes are dry runs; a registration is real).
async fn send(app: &TestApp, body: Body, value: &Value) -> TestResponse {
    match body {
        Body::Register => app.post("/v1/data-products", value).await,
        Body::Update => {
            app.put("/v1/data-products/dp:prisons?dryRun=true", value)
                .await
        }
        Body::Table => {
            app.post("/v1/schemas/dp:prisons:t?dryRun=true", value)
                .await
        }
        Body::Column => {
            let table = json!({"tableDescription": "", "columns": [value]});
            app.post("/v1/schemas/dp:prisons:t?dryRun=true", &table)
                .await
        }
    }
}

/// Where a field of `body` is, as a JSON Pointer into the request.
fn pointer(body: Body, property: &str) -> String {
    match body {
        Body::Column => format!("/columns/0/{property}"),
        _ => format!("/{property}"),
    }
}

fn accepted(body: Body) -> StatusCode {
    match body {
        Body::Register => StatusCode::CREATED,
        _ => StatusCode::OK,
    }
}

#[tokio::test]
async fn every_documented_property_is_read_by_the_parser_and_every_field_it_reads_is_documented() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let document = served_document(&app).await;
    let mut candidates = BTreeSet::new();
    every_property_name(&document, &mut candidates);
    candidates.insert("somethingElse".to_owned());
    for body in BODIES {
        let documented = documented_properties(&document, body);
        let full = full_body(body, "full_body");
        let sent: BTreeSet<String> = full.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            sent, documented,
            "the full {body:?} body has every documented property"
        );
        let response = send(&app, body, &full).await;
        assert_eq!(
            response.status,
            accepted(body),
            "{body:?}: {}",
            response.text
        );

        // Every other name, `null` (what an absent optional field may be sent as): the parser
        // calls each one it does not read an unknown field.
        let mut probe = full.clone();
        let others: Vec<&String> = candidates.difference(&documented).collect();
        for name in &others {
            probe[name.as_str()] = Value::Null;
        }
        let response = send(&app, body, &probe).await;
        response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        let errors = response.body["errors"].as_array().unwrap();
        for name in others {
            let error = errors
                .iter()
                .find(|error| error["pointer"] == pointer(body, name))
                .unwrap_or_else(|| panic!("{body:?} reads `{name}`, which is not documented"));
            let detail = error["detail"].as_str().unwrap();
            if body == Body::Update && name == "name" {
                // Read only to refuse it with a reason: products cannot be renamed.
                assert!(detail.contains("cannot be renamed"), "{detail}");
            } else {
                assert_eq!(detail, format!("unknown field `{name}`"), "{body:?}");
            }
        }
    }
}

#[tokio::test]
async fn documented_limits_are_the_parsers_limits() {
    let app = TestApp::new().await;
    let document = served_document(&app).await;
    // Update is left to the last assertion: its fields are registration's.
    for body in [Body::Register, Body::Table, Body::Column] {
        let schema = schema_of(&document, body);
        for (property, definition) in schema["properties"].as_object().unwrap() {
            for keyword in MAX_KEYWORDS {
                if let Some(documented) = definition.get(keyword) {
                    let limit = LIMITS
                        .iter()
                        .find(|(b, p, k, _)| *b == body && p == property && *k == keyword)
                        .unwrap_or_else(|| {
                            panic!("{body:?}: `{property}` {keyword} is not in LIMITS")
                        });
                    assert_eq!(documented, &json!(limit.3), "{body:?}: `{property}`");
                }
            }
        }
    }
    for (body, property, keyword, parser) in LIMITS {
        let definition = &schema_of(&document, body)["properties"][property];
        let documented = &definition[keyword];
        match keyword {
            "pattern" => {
                // The longest name the pattern admits is the parser's longest.
                let pattern = documented.as_str().expect("a pattern");
                // Column names exclude the reserved `load_timestamp` with a lookahead (ECMA
                // regular expressions have them, Rust's `regex` has not): checked, then set aside.
                let pattern = match pattern.strip_prefix("^(?!load_timestamp$)") {
                    Some(rest) => format!("^{rest}"),
                    None => pattern.to_owned(),
                };
                let pattern = regex::Regex::new(&pattern).expect("a regular expression");
                let longest = format!("a{}", "_".repeat(parser - 1));
                assert!(pattern.is_match(&longest), "{body:?}: `{property}`");
                assert!(
                    !pattern.is_match(&format!("{longest}_")),
                    "{body:?}: `{property}`"
                );
            }
            _ => assert_eq!(
                documented,
                &json!(parser),
                "{body:?}: `{property}` {keyword}"
            ),
        }
    }
    // The update body documents registration's fields but `name`, with the same limits.
    let mut register = schema_of(&document, Body::Register)["properties"].clone();
    register.as_object_mut().unwrap().remove("name");
    assert_eq!(schema_of(&document, Body::Update)["properties"], register);
}

/// A valid value of `property` that is exactly `length` long (characters, or the number).
fn value_of_length(document: &Value, body: Body, property: &str, length: usize) -> Value {
    let definition = &schema_of(document, body)["properties"][property];
    if definition["type"] == "integer" {
        return json!(length);
    }
    match (body, property) {
        (Body::Register, "tags") => {
            let tags: serde_json::Map<String, Value> = (0..length)
                .map(|i| (format!("tag{i}"), json!("x")))
                .collect();
            return Value::Object(tags);
        }
        (Body::Table, "columns") => {
            let columns: Vec<Value> = (0..length)
                .map(|i| json!({"name": format!("c{i}"), "type": "int", "description": ""}))
                .collect();
            return json!(columns);
        }
        _ => {}
    }
    let is_email = matches!(
        property,
        "dataProductOwner" | "dataProductMaintainer" | "email"
    );
    let text = match (body, property) {
        _ if is_email => {
            let domain = "@justice.gov.uk";
            format!("{}{domain}", "a".repeat(length - domain.len()))
        }
        (Body::Register, "name") => format!("p{}", "_".repeat(length - 1)),
        _ => "x".repeat(length),
    };
    json!(text)
}

#[tokio::test]
async fn a_value_at_a_documented_limit_is_accepted_and_one_over_is_a_422_at_the_field() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let document = served_document(&app).await;
    for (index, (body, property, _, limit)) in LIMITS.into_iter().enumerate() {
        let over = limit + 1;
        for (length, fits) in [(limit, true), (over, false)] {
            let mut value = full_body(body, &format!("limits_{index}_{length}"));
            value[property] = value_of_length(&document, body, property, length);
            let response = send(&app, body, &value).await;
            if fits {
                assert_eq!(
                    response.status,
                    accepted(body),
                    "{body:?}: `{property}` of {length}: {}",
                    response.text
                );
            } else {
                response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
                assert_eq!(
                    response.error_pointers(),
                    [pointer(body, property)],
                    "{body:?}: `{property}` of {length}"
                );
            }
        }
    }
}
