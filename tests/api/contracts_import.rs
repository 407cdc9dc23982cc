//! `daap::contracts::import` of documents daap did not write: hand-written ODCS without
//! `physicalType` (types derived from the logical ones), the standards' other spellings, and
//! documents that cannot describe a daap product (every problem reported, with a pointer).

use axum::http::StatusCode;
use daap::contracts::{self, ProductDefinition};
use serde_json::{Value, json};

use crate::support::TestApp;

/// A contract as a producer might write it by hand, with logical types only.
const HAND_WRITTEN: &str = r##"
apiVersion: v3.1.0
kind: DataContract
id: 53581432-6c55-4ba2-a65f-72344a91553a
name: court_cases
version: 2.0.0
status: active
domain: HMCTS
description:
  purpose: Cases heard in the courts
tags: [finance, "owner-team:courts"]
team:
  name: Courts data
  members:
    - username: kim.lee@justice.gov.uk
      name: Kim Lee
      role: Owner
support:
  - channel: "#courts-data"
    tool: slack
    url: https://slack.example.org/courts
  - channel: email
    url: mailto:courts-data@justice.gov.uk?subject=court_cases
slaProperties:
  - property: retention
    value: 7
    unit: y
customProperties:
  - property: dpiaRequired
    value: false
schema:
  - name: hearings
    logicalType: object
    description: One row per hearing
    properties:
      - name: hearing_id
        logicalType: integer
        logicalTypeOptions: {format: i64}
        description: Hearing number
      - name: court
        logicalType: string
        logicalTypeOptions: {maxLength: 8}
      - name: heard_on
        logicalType: date
      - name: fee
        logicalType: number
        physicalType: DECIMAL(8, 2)
      - name: judges
        logicalType: array
        items:
          logicalType: object
          properties:
            - name: name
              logicalType: string
            - name: seniority
              logicalType: integer
      - name: outcomes
        logicalType: map
        map:
          key: {logicalType: string}
          value: {logicalType: number, logicalTypeOptions: {format: f32}}
      - name: flagged
        logicalType: boolean
      - name: scanned
        logicalType: string
        logicalTypeOptions: {format: binary}
"##;

fn import_yaml(text: &str) -> Result<ProductDefinition, contracts::ImportError> {
    let document: Value = serde_norway::from_str(text).expect("YAML");
    contracts::import(&document)
}

#[tokio::test]
async fn a_hand_written_contract_without_physical_types_imports_and_registers() {
    let definition = import_yaml(HAND_WRITTEN).expect("imports");
    assert_eq!(
        definition.product,
        json!({
            "name": "court_cases",
            "description": "Cases heard in the courts",
            "domain": "HMCTS",
            "dataProductOwner": "kim.lee@justice.gov.uk",
            "dataProductOwnerDisplayName": "Kim Lee",
            "email": "courts-data@justice.gov.uk",
            "status": "published",
            "retentionPeriod": 2555,
            "dpiaRequired": false,
            "tags": {"finance": "", "owner-team": "courts"}
        })
    );
    let hearings = &definition.tables["hearings"];
    let types: Vec<&str> = hearings["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "bigint",
            "varchar(8)",
            "date",
            "DECIMAL(8, 2)",
            "array<struct<name:string,seniority:int>>",
            "map<string,float>",
            "boolean",
            "binary",
        ]
    );
    assert_eq!(hearings["tableDescription"], "One row per hearing");
    assert_eq!(hearings["columns"][1]["description"], "");

    // The bodies are exactly what daap accepts.
    let app = TestApp::new().await;
    app.register(&definition.product).await;
    let created = app
        .post("/v1/schemas/dp:court_cases:hearings", hearings)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["schema"]["columns"][3]["type"], "decimal(8,2)");
}

#[test]
fn import_reports_every_problem_with_a_pointer_into_the_document() {
    let document = json!({
        "apiVersion": "v3.2.0",
        "kind": "DataContract",
        "id": "x",
        "version": "1.0.0",
        "status": "live",
        "team": {"members": [{"username": "someone@example.org", "role": "steward"}]},
        "support": [{"channel": "slack", "url": "https://slack.example.org"}],
        "slaProperties": [{"property": "retention", "value": 3, "unit": "fortnights"}],
        "schema": [
            {"name": "a", "properties": [{"name": "b"}, {"logicalType": "integer"}]},
            {"name": "c", "properties": [{"name": "d", "logicalType": "array"}]},
            {"name": "a", "properties": [{"name": "e", "logicalType": "text"}]},
            {"properties": []}
        ]
    });
    let error = contracts::import(&document).expect_err("not a daap product");
    let pointers: Vec<&str> = error.problems.iter().map(|p| p.pointer.as_str()).collect();
    for expected in [
        "/description/purpose",
        "/domain",
        "/team/members",
        "/support",
        "/status",
        "/slaProperties/0/unit",
        "/customProperties",
        "/schema/0/properties/0",
        "/schema/0/properties/1",
        "/schema/1/properties/0",
        "/schema/2/properties/0/logicalType",
        "/schema/2",
        "/schema/3",
    ] {
        assert!(pointers.contains(&expected), "{expected} in {pointers:?}");
    }
    let message = error.to_string();
    assert!(
        message.contains("`live` is not a status daap knows"),
        "{message}"
    );
    assert!(message.contains("a second table called `a`"), "{message}");
}

#[test]
fn import_refuses_a_document_that_is_neither_odcs_nor_odps() {
    for document in [
        json!({"kind": "DataProductSpecification"}),
        json!({"name": "x"}),
    ] {
        let error = contracts::import(&document).expect_err("unknown kind");
        assert_eq!(error.problems[0].pointer, "/kind");
    }
}

#[test]
fn import_reads_the_older_team_list_and_odps_retention() {
    let document = json!({
        "apiVersion": "v1.0.0",
        "kind": "DataProduct",
        "id": "dp:prisons",
        "status": "proposed",
        "domain": "HMPPS",
        "description": {"usage": "Prison places"},
        "team": [
            {"username": "jane.doe@justice.gov.uk", "name": "Jane Doe", "role": "owner"},
            {"username": "11111111-2222-3333-4444-555555555555", "role": "maintainer"}
        ],
        "support": [{"channel": "email", "url": "mailto:data@justice.gov.uk"}],
        "customProperties": [
            {"property": "retentionPeriod", "value": 30},
            {"property": "dpiaRequired", "value": true},
            {"property": "daapTags", "value": {"a:b": "c"}}
        ]
    });
    let definition = contracts::import(&document).expect("imports");
    assert_eq!(
        definition.product,
        json!({
            "name": "prisons",
            "description": "Prison places",
            "domain": "HMPPS",
            "dataProductOwner": "jane.doe@justice.gov.uk",
            "dataProductOwnerDisplayName": "Jane Doe",
            "dataProductMaintainer": "11111111-2222-3333-4444-555555555555",
            "email": "data@justice.gov.uk",
            "status": "draft",
            "retentionPeriod": 30,
            "dpiaRequired": true,
            "tags": {"a:b": "c"}
        })
    );
    assert!(definition.tables.is_empty());
}

#[test]
fn a_product_definition_file_reads_as_yaml_or_json() {
    // The shape `daap plan`/`apply` read: the registration body and the table bodies.
    let text = r#"
product:
  name: prisons
  description: Prison places
tables:
  cells:
    tableDescription: Cells
    columns:
      - {name: id, type: int, description: Cell id}
"#;
    let definition: ProductDefinition = serde_norway::from_str(text).unwrap();
    assert_eq!(definition.name(), Some("prisons"));
    assert_eq!(definition.tables["cells"]["columns"][0]["type"], "int");
    let json = serde_json::to_value(&definition).unwrap();
    let back: ProductDefinition = serde_json::from_value(json).unwrap();
    assert_eq!(back, definition);
}
