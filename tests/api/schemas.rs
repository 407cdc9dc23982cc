//! Table schemas: the endpoints, one test per versioning rule, dry runs, and immutability.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, product, product_fields};

fn table(columns: &[(&str, &str)]) -> Value {
    json!({
        "tableDescription": "Incidents reported in prisons",
        "columns": columns
            .iter()
            .map(|(name, ty)| json!({"name": name, "type": ty, "description": format!("The {name}")}))
            .collect::<Vec<_>>()
    })
}

fn incidents() -> Value {
    table(&[
        ("id", "bigint"),
        ("reported_at", "timestamp"),
        ("category", "string"),
    ])
}

/// A product `prisons` at v1.1 with the table `incidents`.
async fn with_incidents() -> TestApp {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let created = app
        .post("/v1/schemas/dp:prisons:incidents", &incidents())
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    app
}

async fn version_of(app: &TestApp) -> String {
    let product = app.get("/v1/data-products/dp:prisons").await;
    product.body["version"].as_str().unwrap().to_owned()
}

async fn put_table(app: &TestApp, body: &Value) -> Value {
    let response = app.put("/v1/schemas/dp:prisons:incidents", body).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.body
}

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
async fn adding_a_column_is_minor() {
    let app = with_incidents().await;
    let body = put_table(
        &app,
        &table(&[
            ("id", "bigint"),
            ("reported_at", "timestamp"),
            ("category", "string"),
            ("cell", "varchar(10)"),
        ]),
    )
    .await;
    assert_eq!(body["change"]["bump"], "minor");
    assert_eq!(body["change"]["addedColumns"], json!(["cell"]));
    assert_eq!(body["dataProduct"]["version"], "v1.2");
}

#[tokio::test]
async fn removing_a_column_is_major_and_resets_the_minor_number() {
    let app = with_incidents().await;
    let body = put_table(
        &app,
        &table(&[("id", "bigint"), ("reported_at", "timestamp")]),
    )
    .await;
    assert_eq!(body["change"]["bump"], "major");
    assert_eq!(body["change"]["removedColumns"], json!(["category"]));
    assert_eq!(body["dataProduct"]["version"], "v2.0");
}

#[tokio::test]
async fn renaming_a_column_is_a_removal_plus_an_addition_so_major() {
    let app = with_incidents().await;
    let body = put_table(
        &app,
        &table(&[
            ("id", "bigint"),
            ("reported_on", "timestamp"),
            ("category", "string"),
        ]),
    )
    .await;
    assert_eq!(body["change"]["bump"], "major");
    assert_eq!(body["change"]["removedColumns"], json!(["reported_at"]));
    assert_eq!(body["change"]["addedColumns"], json!(["reported_on"]));
}

#[tokio::test]
async fn changing_a_column_type_is_major() {
    let app = with_incidents().await;
    let body = put_table(
        &app,
        &table(&[
            ("id", "int"),
            ("reported_at", "timestamp"),
            ("category", "string"),
        ]),
    )
    .await;
    assert_eq!(body["change"]["bump"], "major");
    assert_eq!(
        body["change"]["typesChanged"],
        json!([{"name": "id", "from": "bigint", "to": "int"}])
    );
    assert_eq!(body["dataProduct"]["version"], "v2.0");
}

#[tokio::test]
async fn a_different_spelling_of_the_same_type_is_no_change() {
    let app = with_incidents().await;
    let body = put_table(
        &app,
        &table(&[
            ("id", " BIGINT "),
            ("reported_at", "TimeStamp"),
            ("category", "string"),
        ]),
    )
    .await;
    assert_eq!(body["change"]["bump"], "none");
    assert_eq!(body["dataProduct"]["version"], "v1.1");
}

#[tokio::test]
async fn changing_descriptions_is_minor() {
    let app = with_incidents().await;
    let mut body = incidents();
    body["columns"][0]["description"] = json!("Incident number");
    let column = put_table(&app, &body).await;
    assert_eq!(column["change"]["bump"], "minor");
    assert_eq!(column["change"]["descriptionsChanged"], json!(["id"]));
    assert_eq!(column["change"]["tableDescriptionChanged"], false);
    body["tableDescription"] = json!("Every incident");
    let table_level = put_table(&app, &body).await;
    assert_eq!(table_level["change"]["bump"], "minor");
    assert_eq!(table_level["change"]["tableDescriptionChanged"], true);
    assert_eq!(table_level["dataProduct"]["version"], "v1.3");
}

#[tokio::test]
async fn reordering_columns_is_minor_and_keeps_a_table_description_change() {
    let app = with_incidents().await;
    let mut body = table(&[
        ("category", "string"),
        ("id", "bigint"),
        ("reported_at", "timestamp"),
    ]);
    body["tableDescription"] = json!("Reordered and redescribed");
    let response = put_table(&app, &body).await;
    assert_eq!(response["change"]["bump"], "minor");
    assert_eq!(response["change"]["reordered"], true);
    assert_eq!(response["change"]["tableDescriptionChanged"], true);
    let stored = app.get("/v1/schemas/dp:prisons:incidents").await;
    assert_eq!(stored.body["tableDescription"], "Reordered and redescribed");
    assert_eq!(stored.body["columns"][0]["name"], "category");
}

#[tokio::test]
async fn an_unchanged_schema_is_bump_none_and_writes_nothing() {
    let app = with_incidents().await;
    let body = put_table(&app, &incidents()).await;
    assert_eq!(body["change"]["bump"], "none");
    assert_eq!(body["dataProduct"]["version"], "v1.1");
    let versions: i64 = sqlx::query_scalar("SELECT count(*) FROM data_product_versions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(versions, 2);
}

#[tokio::test]
async fn deleting_a_table_is_major_and_older_versions_keep_it() {
    let app = with_incidents().await;
    let response = app.delete("/v1/schemas/dp:prisons:incidents").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.body["change"]["bump"], "major");
    assert_eq!(response.body["dataProduct"]["version"], "v2.0");
    assert!(response.body.get("schema").is_none());

    app.get("/v1/schemas/dp:prisons:incidents")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let kept = app.get("/v1/schemas/dp:prisons:v1.1:incidents").await;
    assert_eq!(kept.status, StatusCode::OK);
    assert_eq!(
        app.get("/v1/data-products/dp:prisons").await.body["schemas"],
        json!([])
    );
    app.delete("/v1/schemas/dp:prisons:incidents")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let again = app
        .post("/v1/schemas/dp:prisons:incidents", &incidents())
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.body["dataProduct"]["version"], "v2.1");
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
async fn the_history_and_changes_describe_every_table_change() {
    let app = with_incidents().await;
    put_table(
        &app,
        &table(&[
            ("id", "int"),
            ("reported_at", "timestamp"),
            ("category", "string"),
        ]),
    )
    .await; // v2.0
    let mut fields = product_fields("prisons");
    fields["status"] = json!("published");
    app.put("/v1/data-products/dp:prisons", &fields).await; // v2.1
    app.post(
        "/v1/schemas/dp:prisons:cells",
        &table(&[("cell", "string")]),
    )
    .await; // v2.2

    let history = app.get("/v1/data-products/dp:prisons/versions").await;
    let entries = history.body["value"].as_array().unwrap();
    let bumps: Vec<&str> = entries
        .iter()
        .map(|e| e["bump"].as_str().unwrap())
        .collect();
    assert_eq!(bumps, vec!["minor", "minor", "major", "minor", "initial"]);
    assert_eq!(entries[2]["changes"]["tables"][0]["kind"], "updated");
    assert_eq!(
        entries[2]["changes"]["tables"][0]["change"]["typesChanged"][0]["to"],
        "int"
    );
    assert_eq!(entries[2]["summary"], "Updated table incidents (breaking).");
    assert_eq!(entries[3]["summary"], "Created table incidents.");

    let all = app
        .get("/v1/data-products/dp:prisons/changes?from=v1.0&to=v2.2")
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert_eq!(all.body["from"], "v1.0");
    assert_eq!(all.body["to"], "v2.2");
    assert_eq!(
        all.body["bump"], "minor",
        "from v1.0 nothing existed that could break"
    );
    assert_eq!(all.body["changes"]["metadata"], json!(["status"]));
    let kinds: Vec<(&str, &str)> = all.body["changes"]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["table"].as_str().unwrap(), t["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, vec![("cells", "created"), ("incidents", "created")]);

    let breaking = app
        .get("/v1/data-products/dp:prisons/changes?from=v1.1")
        .await;
    assert_eq!(breaking.body["to"], "v2.2");
    assert_eq!(breaking.body["bump"], "major");
    assert_eq!(
        breaking.body["changes"]["tables"][1]["change"]["typesChanged"][0]["from"],
        "bigint"
    );

    let latest_only = app.get("/v1/data-products/dp:prisons/changes").await;
    assert_eq!(latest_only.body["from"], "v2.1");
    assert_eq!(latest_only.body["to"], "v2.2");
    let by_id = app.get("/v1/data-products/dp:prisons:v2.1/changes").await;
    assert_eq!(by_id.body["from"], "v2.0");
    assert_eq!(by_id.body["changes"], json!({"metadata": ["status"]}));

    app.get("/v1/data-products/dp:prisons/changes?from=v2.2&to=v1.0")
        .await
        .assert_problem(StatusCode::BAD_REQUEST);
    app.get("/v1/data-products/dp:prisons/changes?from=v9.0")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.get("/v1/data-products/dp:prisons/changes?from=latest")
        .await
        .assert_problem(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_version_writes_rows_for_the_changed_table_only() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    for i in 0..20 {
        let response = app
            .post(
                &format!("/v1/schemas/dp:prisons:table_{i:02}"),
                &incidents(),
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED);
    }
    let revisions_before: i64 = sqlx::query_scalar("SELECT count(*) FROM table_revisions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let mut wider = incidents();
    wider["columns"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "x", "type": "int", "description": ""}));
    let response = app.put("/v1/schemas/dp:prisons:table_07", &wider).await;
    assert_eq!(response.body["dataProduct"]["version"], "v1.21");
    let revisions_after: i64 = sqlx::query_scalar("SELECT count(*) FROM table_revisions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        revisions_after - revisions_before,
        1,
        "one new revision, the others shared"
    );
    let product = app.get("/v1/data-products/dp:prisons").await;
    assert_eq!(product.body["schemas"].as_array().unwrap().len(), 20);
}
