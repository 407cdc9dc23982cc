//! `GET /v1/data-products/{id}/contract`: a product in Bitol ODCS v3.2.0 and ODPS v1.0.0,
//! valid against the standards' published JSON Schemas, and back through
//! `daap::contracts::import` to exactly the bodies that registered it.

use axum::http::{Method, StatusCode};
use daap::authz::Policy;
use daap::contracts;
use serde_json::{Value, json};

use crate::support::callers::{Who, app_with_auth, call, seed};
use crate::support::standards::{assert_valid_odcs, assert_valid_odps, refuses};
use crate::support::{TestApp, every_type, product};

async fn contract(app: &TestApp, path: &str) -> Value {
    let response = app.get(path).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.header("content-type"), Some("application/json"));
    response.body
}

#[tokio::test]
async fn odcs_round_trip_gives_back_the_registered_product_and_every_table() {
    let app = TestApp::new().await;
    every_type::register(&app, "use_of_force").await;
    let document = contract(&app, "/v1/data-products/dp:use_of_force/contract").await;
    assert_valid_odcs(&document);
    assert_eq!(document["apiVersion"], "v3.2.0");
    assert_eq!(document["kind"], "DataContract");
    assert_eq!(document["version"], "1.2.0");

    let imported = contracts::import(&document).expect("daap's own contract imports");
    assert_eq!(imported.product, every_type::product("use_of_force"));
    let expected: Vec<(String, Value)> = every_type::tables()
        .into_iter()
        .map(|(name, body)| (name.to_owned(), body))
        .collect();
    let tables: Vec<(String, Value)> = imported.tables.into_iter().collect();
    assert_eq!(tables, expected);
    // And what the server holds, read back, is the same.
    for (name, body) in &tables {
        let stored = app
            .get(&format!("/v1/schemas/dp:use_of_force:{name}"))
            .await;
        assert_eq!(stored.body["columns"], body["columns"], "{name}");
        assert_eq!(stored.body["tableDescription"], body["tableDescription"]);
    }
}

#[tokio::test]
async fn odps_round_trip_gives_back_the_registered_product() {
    let app = TestApp::new().await;
    every_type::register(&app, "use_of_force").await;
    let document = contract(
        &app,
        "/v1/data-products/dp:use_of_force/contract?format=odps",
    )
    .await;
    assert_valid_odps(&document);
    assert_eq!(document["apiVersion"], "v1.0.0");
    assert_eq!(document["kind"], "DataProduct");
    let ports: Vec<&Value> = document["outputPorts"].as_array().unwrap().iter().collect();
    assert_eq!(ports.len(), 2);
    assert_eq!(ports[0]["name"], "incidents");
    assert_eq!(ports[0]["contractId"], "dp:use_of_force");
    assert_eq!(ports[0]["version"], "1.2.0");
    assert_eq!(ports[1]["name"], "staff");

    let imported = contracts::import(&document).expect("daap's own ODPS document imports");
    assert_eq!(imported.product, every_type::product("use_of_force"));
    assert!(imported.tables.is_empty(), "ODPS carries no table schemas");
}

#[tokio::test]
async fn every_status_and_a_product_without_optional_fields_round_trip_in_both_standards() {
    let app = TestApp::new().await;
    for (name, status) in [
        ("drafted", "draft"),
        ("live", "published"),
        ("old", "retired"),
    ] {
        let mut body = product(name);
        body["status"] = json!(status);
        body["tags"] = json!({});
        // A maintainer's display name without a maintainer: no team member can hold it.
        if status == "retired" {
            body["dataProductMaintainerDisplayName"] = json!("Pipeline team");
        }
        app.register(&body).await;
        for format in ["odcs", "odps"] {
            let path = format!("/v1/data-products/dp:{name}/contract?format={format}");
            let document = contract(&app, &path).await;
            if format == "odcs" {
                assert_valid_odcs(&document);
                assert_eq!(document["schema"], json!([]));
            } else {
                assert_valid_odps(&document);
            }
            let imported = contracts::import(&document).unwrap();
            assert_eq!(imported.product, body, "{name} in {format}");
        }
    }
}

#[tokio::test]
async fn odcs_gives_each_column_its_logical_type_and_keeps_the_athena_type_as_physical_type() {
    let app = TestApp::new().await;
    every_type::register(&app, "use_of_force").await;
    let document = contract(&app, "/v1/data-products/dp:use_of_force/contract").await;
    let incidents = &document["schema"][0];
    assert_eq!(incidents["name"], "incidents");
    assert_eq!(incidents["physicalType"], "table");
    assert_eq!(incidents["logicalType"], "object");
    assert_eq!(incidents["description"], "Use of force incidents");
    let column = |name: &str| -> Value {
        incidents["properties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no property {name}"))
    };
    let logical = |name: &str| {
        let property = column(name);
        (
            property["logicalType"].clone(),
            property.get("logicalTypeOptions").cloned(),
        )
    };
    assert_eq!(logical("is_planned"), (json!("boolean"), None));
    assert_eq!(
        logical("tiny"),
        (json!("integer"), Some(json!({"format": "i8"})))
    );
    assert_eq!(logical("small").1, Some(json!({"format": "i16"})));
    assert_eq!(logical("staff_count").1, Some(json!({"format": "i32"})));
    assert_eq!(logical("incident_id").1, Some(json!({"format": "i64"})));
    assert_eq!(
        logical("ratio"),
        (json!("number"), Some(json!({"format": "f32"})))
    );
    assert_eq!(logical("score").1, Some(json!({"format": "f64"})));
    assert_eq!(logical("cost"), (json!("number"), None));
    assert_eq!(column("cost")["physicalType"], "decimal(10,2)");
    assert_eq!(
        logical("prison_code"),
        (json!("string"), Some(json!({"maxLength": 3})))
    );
    assert_eq!(logical("location").1, Some(json!({"maxLength": 40})));
    assert_eq!(logical("notes"), (json!("string"), None));
    assert_eq!(logical("photo").1, Some(json!({"format": "binary"})));
    assert_eq!(logical("incident_date"), (json!("date"), None));
    assert_eq!(
        logical("reported_at"),
        (json!("timestamp"), Some(json!({"timezone": false})))
    );
    assert!(
        column("summary").get("description").is_none(),
        "empty descriptions are left out"
    );

    let witnesses = column("witnesses");
    assert_eq!(witnesses["logicalType"], "array");
    assert_eq!(witnesses["items"]["logicalType"], "integer");
    assert_eq!(witnesses["items"]["physicalType"], "bigint");

    let counts = column("counts");
    assert_eq!(counts["logicalType"], "map");
    assert_eq!(counts["map"]["key"]["physicalType"], "string");
    assert_eq!(counts["map"]["value"]["logicalType"], "integer");

    let reporter = column("reporter");
    assert_eq!(reporter["logicalType"], "object");
    assert_eq!(reporter["properties"][0]["name"], "name");
    assert_eq!(reporter["properties"][1]["physicalType"], "int");

    // array<struct<role:string,injuries:map<string,array<decimal(5,1)>>>>
    let people = column("people");
    let person = &people["items"];
    assert_eq!(person["logicalType"], "object");
    assert_eq!(
        person["physicalType"],
        "struct<role:string,injuries:map<string,array<decimal(5,1)>>>"
    );
    let injuries = &person["properties"][1];
    assert_eq!(injuries["name"], "injuries");
    assert_eq!(injuries["logicalType"], "map");
    assert_eq!(injuries["map"]["value"]["logicalType"], "array");
    assert_eq!(
        injuries["map"]["value"]["items"]["physicalType"],
        "decimal(5,1)"
    );
}

#[tokio::test]
async fn contract_in_yaml_when_yaml_is_accepted_in_the_standards_field_order() {
    let app = TestApp::new().await;
    every_type::register(&app, "use_of_force").await;
    for format in ["odcs", "odps"] {
        let path = format!("/v1/data-products/dp:use_of_force/contract?format={format}");
        let json = contract(&app, &path).await;
        let response = app
            .call(Method::GET, &path, None, &[("accept", "application/yaml")])
            .await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.header("content-type"), Some("application/yaml"));
        assert_eq!(response.header("vary"), Some("accept"));
        let kind = if format == "odcs" {
            "DataContract"
        } else {
            "DataProduct"
        };
        assert!(
            response.text.starts_with("apiVersion: v")
                && response.text.lines().nth(1) == Some(&format!("kind: {kind}")),
            "the standard's order, not sorted keys: {}",
            response.text
        );
        let yaml: Value = serde_norway::from_str(&response.text).expect("YAML");
        assert_eq!(yaml, json, "{format}: the same document as the JSON");
    }
    // JSON when JSON comes first, or anything else is asked for.
    for accept in ["application/json, application/yaml", "*/*", "text/html"] {
        let response = app
            .call(
                Method::GET,
                "/v1/data-products/dp:use_of_force/contract",
                None,
                &[("accept", accept)],
            )
            .await;
        assert_eq!(
            response.header("content-type"),
            Some("application/json"),
            "{accept}"
        );
    }
}

#[tokio::test]
async fn contract_of_an_exact_version_has_that_versions_tables_and_metadata() {
    let app = TestApp::new().await;
    every_type::register(&app, "use_of_force").await;
    let first = contract(&app, "/v1/data-products/dp:use_of_force:v1.0/contract").await;
    assert_valid_odcs(&first);
    assert_eq!(first["version"], "1.0.0");
    assert_eq!(first["schema"], json!([]));
    let second = contract(&app, "/v1/data-products/dp:use_of_force:v1.1/contract").await;
    assert_eq!(second["version"], "1.1.0");
    let names: Vec<&Value> = second["schema"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["name"])
        .collect();
    assert_eq!(names, [&json!("incidents")]);
}

#[tokio::test]
async fn contract_of_an_unknown_product_version_or_format_is_a_problem() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let missing = app.get("/v1/data-products/dp:nothing/contract").await;
    missing.assert_problem(StatusCode::NOT_FOUND);
    let version = app.get("/v1/data-products/dp:prisons:v9.0/contract").await;
    let problem = version.assert_problem(StatusCode::NOT_FOUND);
    assert!(
        problem["detail"].as_str().unwrap().contains("v1.0"),
        "{problem}"
    );
    let malformed = app.get("/v1/data-products/prisons/contract").await;
    malformed.assert_problem(StatusCode::BAD_REQUEST);
    let format = app
        .get("/v1/data-products/dp:prisons/contract?format=dcs")
        .await;
    format.assert_problem(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn contract_needs_the_same_reader_role_as_the_product() {
    let (app, _idp) = app_with_auth(Policy {
        require_reader_role: true,
        ..Policy::default()
    })
    .await;
    seed(&app, "prisons", false).await;
    let path = "/v1/data-products/dp:prisons/contract";
    let denied = call(&app, Who::NoRoles, Method::GET, path, None).await;
    denied.assert_problem(StatusCode::FORBIDDEN);
    let anonymous = call(&app, Who::NoToken, Method::GET, path, None).await;
    anonymous.assert_problem(StatusCode::UNAUTHORIZED);
    let allowed = call(&app, Who::Reader, Method::GET, path, None).await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.text);
    assert_valid_odcs(&allowed.body);
}

#[tokio::test]
async fn the_vendored_schemas_refuse_what_is_not_a_document_of_theirs() {
    // Without this, an always-passing validator would make every check above vacuous.
    assert_eq!(refuses(&json!({"kind": "Something"})), (true, true));
    let app = TestApp::new().await;
    every_type::register(&app, "use_of_force").await;
    let mut odcs = contract(&app, "/v1/data-products/dp:use_of_force/contract").await;
    odcs["schema"][0]["properties"][0]["logicalType"] = json!("text");
    assert!(refuses(&odcs).0, "an unknown logicalType is refused");
    let mut odps = contract(
        &app,
        "/v1/data-products/dp:use_of_force/contract?format=odps",
    )
    .await;
    odps["outputPorts"][0]["colour"] = json!("blue");
    assert!(refuses(&odps).1, "an unknown output port field is refused");
}
