//! Table schemas: the endpoints, dry runs, invalid schemas, preconditions and immutability
//! (the versioning rules are in `schema_versioning`).

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::tables::{incidents, put_table, table, version_of, with_incidents};
use crate::support::{TestApp, product, product_fields};

#[tokio::test]
async fn creating_a_table_is_a_minor_version_listed_on_the_product() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;

    let response = app
        .post("/v1/schemas/dp:prisons:incidents", &incidents())
        .await;

    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    assert!(response.header("etag").is_some());
    let body = &response.body;
    assert_eq!(body["dataProduct"]["version"], "v1.1");
    assert_eq!(body["dataProduct"]["versionedId"], "dp:prisons:v1.1");
    assert_eq!(body["schema"]["id"], "dp:prisons:incidents");
    assert_eq!(body["schema"]["versionedId"], "dp:prisons:v1.1:incidents");
    assert_eq!(
        body["schema"]["columns"][1],
        json!({"name": "reported_at", "type": "timestamp", "description": "The reported_at"})
    );
    assert_eq!(body["change"]["bump"], "minor");
    assert_eq!(
        body["change"]["addedColumns"],
        json!(["id", "reported_at", "category"])
    );
    assert_eq!(body["dryRun"], false);

    let product = app.get("/v1/data-products/dp:prisons").await;
    assert_eq!(product.body["version"], "v1.1");
    assert_eq!(
        product.body["schemas"],
        json!([{"id": "dp:prisons:incidents", "versionedId": "dp:prisons:v1.1:incidents", "name": "incidents"}])
    );
    let original = app.get("/v1/data-products/dp:prisons:v1.0").await;
    assert_eq!(original.body["schemas"], json!([]));
    let list = app.get("/v1/data-products").await;
    assert_eq!(list.body["value"][0]["schemas"], product.body["schemas"]);
}

#[tokio::test]
async fn reading_a_schema_returns_the_latest_or_the_exact_version() {
    let app = with_incidents().await;
    let mut wider = incidents();
    wider["columns"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "cell", "type": "string", "description": "Cell"}));
    put_table(&app, &wider).await;

    let latest = app.get("/v1/schemas/dp:prisons:incidents").await;
    assert_eq!(latest.status, StatusCode::OK);
    assert_eq!(latest.body["columns"].as_array().unwrap().len(), 4);
    assert_eq!(latest.body["versionedId"], "dp:prisons:v1.2:incidents");
    let old = app.get("/v1/schemas/dp:prisons:v1.1:incidents").await;
    assert_eq!(old.body["columns"].as_array().unwrap().len(), 3);
    assert_eq!(old.body["dataProduct"]["version"], "v1.1");
    app.get("/v1/schemas/dp:prisons:v1.0:incidents")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.get("/v1/schemas/dp:prisons:nothing")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.get("/v1/schemas/dp:nothing:incidents")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    for bad in [
        "dp:prisons",
        "prisons:incidents",
        "dp:prisons:Incidents",
        "dp:prisons:v1:x:y",
    ] {
        app.get(&format!("/v1/schemas/{bad}"))
            .await
            .assert_problem(StatusCode::BAD_REQUEST);
    }
    let etag = latest.etag();
    let cached = app
        .call(
            Method::GET,
            "/v1/schemas/dp:prisons:incidents",
            None,
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn creating_an_existing_table_is_a_409_and_an_unknown_product_a_404() {
    let app = with_incidents().await;
    let mut other = incidents();
    other["tableDescription"] = json!("Another table of the same name");
    app.post("/v1/schemas/dp:prisons:incidents", &other)
        .await
        .assert_problem(StatusCode::CONFLICT);
    app.post("/v1/schemas/dp:nothing:incidents", &incidents())
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    assert_eq!(version_of(&app).await, "v1.1");
}

#[tokio::test]
async fn dry_runs_show_the_outcome_and_write_nothing() {
    let app = with_incidents().await;
    let count = || async {
        let (versions, revisions): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM data_product_versions), (SELECT count(*) FROM table_revisions)",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        (versions, revisions)
    };
    let before = count().await;

    let breaking = app
        .put(
            "/v1/schemas/dp:prisons:incidents?dryRun=true",
            &table(&[("id", "string")]),
        )
        .await;
    assert_eq!(breaking.status, StatusCode::OK);
    assert_eq!(breaking.body["dryRun"], true);
    assert_eq!(breaking.body["change"]["bump"], "major");
    assert_eq!(breaking.body["dataProduct"]["version"], "v2.0");
    assert_eq!(
        breaking.body["change"]["removedColumns"],
        json!(["reported_at", "category"])
    );

    let created = app
        .post("/v1/schemas/dp:prisons:cells?dryRun=true", &incidents())
        .await;
    assert_eq!(created.status, StatusCode::OK);
    assert_eq!(created.body["dataProduct"]["version"], "v1.2");
    let deleted = app
        .call(
            Method::DELETE,
            "/v1/schemas/dp:prisons:incidents?dryRun=true",
            None,
            &[],
        )
        .await;
    assert_eq!(deleted.body["change"]["bump"], "major");

    let mut fields = product_fields("prisons");
    fields["description"] = json!("Would change");
    let metadata = app
        .put("/v1/data-products/dp:prisons?dryRun=true", &fields)
        .await;
    assert_eq!(metadata.status, StatusCode::OK);
    assert_eq!(metadata.body["dryRun"], true);
    assert_eq!(metadata.body["bump"], "minor");
    assert_eq!(
        metadata.body["changes"],
        json!({"metadata": ["description"]})
    );
    assert_eq!(metadata.body["dataProduct"]["version"], "v1.2");
    assert_eq!(metadata.body["dataProduct"]["description"], "Would change");

    assert_eq!(count().await, before, "dry runs wrote nothing");
    assert_eq!(version_of(&app).await, "v1.1");
    app.get("/v1/schemas/dp:prisons:cells")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn invalid_schemas_report_every_problem_with_a_pointer_to_the_column() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let body = json!({
        "tableDescription": 5,
        "columns": [
            {"name": "id", "type": "bigint", "description": "ok"},
            {"name": "Bad-Name", "type": "int", "description": "x"},
            {"name": "thing", "type": "not_a_string_type", "description": "x"},
            {"name": "ID", "type": "struct<a:int,a:int>", "description": "x"},
            {"name": "extra", "type": "int", "description": "x", "nullable": true},
            {"name": "no_description", "type": "int"},
            "not an object"
        ],
        "owner": "me"
    });
    let response = app.post("/v1/schemas/dp:prisons:incidents", &body).await;
    response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let mut pointers = response.error_pointers();
    pointers.sort();
    assert_eq!(
        pointers,
        vec![
            "/columns/1/name",
            "/columns/2/type",
            "/columns/3/name",
            "/columns/3/type",
            "/columns/4/nullable",
            "/columns/5/description",
            "/columns/6",
            "/owner",
            "/tableDescription",
        ]
    );
    assert!(response.text.contains("not_a_string_type"));
    for bad in [
        json!({"tableDescription": "x", "columns": []}),
        json!({"tableDescription": "x"}),
    ] {
        app.post("/v1/schemas/dp:prisons:incidents", &bad)
            .await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(version_of(&app).await, "v1.0");
}

#[tokio::test]
async fn nested_types_are_stored_in_canonical_spelling() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let body = table(&[
        (
            "events",
            "ARRAY< STRUCT< At : TIMESTAMP, Amount: Decimal(10, 2) > >",
        ),
        ("attrs", "map<string, integer>"),
    ]);
    let response = app.post("/v1/schemas/dp:prisons:events", &body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    let stored = app.get("/v1/schemas/dp:prisons:events").await;
    assert_eq!(
        stored.body["columns"][0]["type"],
        "array<struct<at:timestamp,amount:decimal(10,2)>>"
    );
    assert_eq!(stored.body["columns"][1]["type"], "map<string,int>");
}

#[tokio::test]
async fn schema_writes_honour_if_match_and_versioned_ids() {
    let app = with_incidents().await;
    let read = app.get("/v1/schemas/dp:prisons:incidents").await;
    let mut fields = product_fields("prisons");
    fields["description"] = json!("Someone else changed the product");
    app.put("/v1/data-products/dp:prisons", &fields).await;

    let stale = app
        .call(
            Method::PUT,
            "/v1/schemas/dp:prisons:incidents",
            Some(&table(&[("id", "bigint")])),
            &[("if-match", &read.etag())],
        )
        .await;
    stale.assert_problem(StatusCode::PRECONDITION_FAILED);
    app.put(
        "/v1/schemas/dp:prisons:v1.1:incidents",
        &table(&[("id", "bigint")]),
    )
    .await
    .assert_problem(StatusCode::CONFLICT);
    let fresh = app.get("/v1/schemas/dp:prisons:incidents").await;
    let ok = app
        .call(
            Method::PUT,
            "/v1/schemas/dp:prisons:v1.2:incidents",
            Some(&table(&[("id", "bigint")])),
            &[("if-match", &fresh.etag())],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.body["dataProduct"]["version"], "v2.0");
}

#[tokio::test]
async fn old_versions_stay_byte_identical_after_later_table_changes() {
    let app = with_incidents().await;
    let product_v1_1 = app.get("/v1/data-products/dp:prisons:v1.1").await;
    let table_v1_1 = app.get("/v1/schemas/dp:prisons:v1.1:incidents").await;
    put_table(&app, &table(&[("id", "string")])).await;
    app.post("/v1/schemas/dp:prisons:cells", &incidents()).await;
    app.delete("/v1/schemas/dp:prisons:incidents").await;
    assert_eq!(
        app.get("/v1/data-products/dp:prisons:v1.1").await.text,
        product_v1_1.text
    );
    assert_eq!(
        app.get("/v1/schemas/dp:prisons:v1.1:incidents").await.text,
        table_v1_1.text
    );
}

#[tokio::test]
async fn the_pipelines_partition_column_is_a_reserved_name() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let body = json!({
        "tableDescription": "Incidents",
        "columns": [
            {"name": "id", "type": "bigint", "description": ""},
            {"name": "load_timestamp", "type": "string", "description": ""}
        ]
    });
    let response = app.post("/v1/schemas/dp:prisons:incidents", &body).await;
    let problem = response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.error_pointers(), ["/columns/1/name"]);
    assert!(
        problem["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("reserved"),
        "{problem}"
    );
    let table = app.get("/v1/schemas/dp:prisons:incidents").await;
    assert_eq!(table.status, StatusCode::NOT_FOUND, "nothing was written");
}
