//! Table schemas: one test per versioning rule (what each change means for consumers), and the
//! history and rows a table change leaves.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::tables::{incidents, put_table, table, with_incidents};
use crate::support::{TestApp, product, product_fields};

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
