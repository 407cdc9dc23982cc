use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{TestApp, product, product_fields};

async fn version_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM data_product_versions")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn any_metadata_change_makes_a_new_minor_version() {
    let app = TestApp::new().await;
    let registered = app.register(&product("prisons")).await;
    let mut fields = product_fields("prisons");
    fields["description"] = json!("New description");
    fields["tags"] = json!({"sensitivity": "secret"});

    let response = app.put("/v1/data-products/dp:prisons", &fields).await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.body["version"], "v1.1");
    assert_eq!(response.body["versionedId"], "dp:prisons:v1.1");
    assert_eq!(response.body["description"], "New description");
    assert_eq!(response.body["tags"], json!({"sensitivity": "secret"}));
    assert_eq!(response.body["createdAt"], registered.body["createdAt"]);
    assert_ne!(response.etag(), registered.etag());

    let mut again = fields.clone();
    again["dpiaRequired"] = json!(true);
    let response = app.put("/v1/data-products/dp:prisons", &again).await;
    assert_eq!(response.body["version"], "v1.2");
    assert_eq!(version_count(&app).await, 3);
}

#[tokio::test]
async fn every_editable_field_counts_as_a_change() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let changes = [
        ("description", json!("other")),
        ("domain", json!("OPG")),
        ("dataProductOwner", json!("other@justice.gov.uk")),
        ("dataProductOwnerDisplayName", json!("Other")),
        ("dataProductMaintainer", json!("m@justice.gov.uk")),
        ("dataProductMaintainerDisplayName", json!("M")),
        ("email", json!("other@justice.gov.uk")),
        ("status", json!("retired")),
        ("retentionPeriod", json!(1)),
        ("dpiaRequired", json!(true)),
        ("tags", json!({})),
    ];
    for (i, (field, value)) in changes.iter().enumerate() {
        let mut fields = product_fields("prisons");
        fields[*field] = value.clone();
        let changed = app.put("/v1/data-products/dp:prisons", &fields).await;
        assert_eq!(changed.status, StatusCode::OK, "{field}: {}", changed.text);
        // Each case changes one field and then restores it: two minor versions per case.
        assert_eq!(
            changed.body["version"],
            format!("v1.{}", 2 * i + 1),
            "{field}"
        );
        assert_eq!(changed.body[*field], *value);
        let history = app
            .get("/v1/data-products/dp:prisons/versions?limit=1")
            .await;
        assert_eq!(
            history.body["value"][0]["changes"]["metadata"],
            json!([field])
        );
        let restored = app
            .put("/v1/data-products/dp:prisons", &product_fields("prisons"))
            .await;
        assert_eq!(
            restored.body["version"],
            format!("v1.{}", 2 * i + 2),
            "{field}"
        );
    }
}

#[tokio::test]
async fn an_update_that_changes_nothing_returns_the_current_version_and_writes_nothing() {
    let app = TestApp::new().await;
    let registered = app.register(&product("prisons")).await;
    let before = version_count(&app).await;

    let mut same = product_fields("prisons");
    same["description"] = json!("  All about prisons  ");
    let response = app.put("/v1/data-products/dp:prisons", &same).await;

    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body, registered.body);
    assert_eq!(response.etag(), registered.etag());
    assert_eq!(version_count(&app).await, before);
}

#[tokio::test]
async fn omitted_optional_fields_are_cleared_by_a_full_replacement() {
    let app = TestApp::new().await;
    let mut body = product("prisons");
    body["dataProductMaintainer"] = json!("sam@justice.gov.uk");
    app.register(&body).await;
    let mut fields = product_fields("prisons");
    fields.as_object_mut().unwrap().remove("tags");

    let response = app.put("/v1/data-products/dp:prisons", &fields).await;

    assert_eq!(response.body["version"], "v1.1");
    assert_eq!(response.body["dataProductMaintainer"], json!(null));
    assert_eq!(response.body["tags"], json!({}));
}

#[tokio::test]
async fn renaming_is_rejected_with_a_422() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let response = app
        .put("/v1/data-products/dp:prisons", &product("prisons"))
        .await;
    response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.error_pointers(), vec!["/name"]);
    assert_eq!(version_count(&app).await, 1);
}

#[tokio::test]
async fn invalid_update_fields_are_all_reported_and_nothing_changes() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let mut fields = product_fields("prisons");
    fields["status"] = json!("gone");
    fields["email"] = json!(42);
    fields.as_object_mut().unwrap().remove("domain");
    let response = app.put("/v1/data-products/dp:prisons", &fields).await;
    response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let mut pointers = response.error_pointers();
    pointers.sort();
    assert_eq!(pointers, vec!["/domain", "/email", "/status"]);
    assert_eq!(version_count(&app).await, 1);
}

#[tokio::test]
async fn updating_an_unknown_product_is_a_404() {
    let app = TestApp::new().await;
    app.put("/v1/data-products/dp:nothing", &product_fields("nothing"))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn if_match_must_match_the_current_version() {
    let app = TestApp::new().await;
    let registered = app.register(&product("prisons")).await;
    let original_etag = registered.etag();
    let mut fields = product_fields("prisons");
    fields["description"] = json!("First edit");
    let first = app
        .call(
            Method::PUT,
            "/v1/data-products/dp:prisons",
            Some(&fields),
            &[("if-match", &original_etag)],
        )
        .await;
    assert_eq!(first.status, StatusCode::OK);

    fields["description"] = json!("Second edit from a stale read");
    let stale = app
        .call(
            Method::PUT,
            "/v1/data-products/dp:prisons",
            Some(&fields),
            &[("if-match", &original_etag)],
        )
        .await;

    let problem = stale.assert_problem(StatusCode::PRECONDITION_FAILED);
    assert_eq!(problem["currentEtag"], json!(first.etag()));
    let current = app.get("/v1/data-products/dp:prisons").await;
    assert_eq!(current.body["description"], "First edit");

    let star = app
        .call(
            Method::PUT,
            "/v1/data-products/dp:prisons",
            Some(&fields),
            &[("if-match", "*")],
        )
        .await;
    assert_eq!(star.status, StatusCode::OK);
    assert_eq!(star.body["version"], "v1.2");
    let weak = format!("W/{}", star.etag());
    fields["description"] = json!("weak tags never match If-Match");
    let weak_response = app
        .call(
            Method::PUT,
            "/v1/data-products/dp:prisons",
            Some(&fields),
            &[("if-match", &weak)],
        )
        .await;
    weak_response.assert_problem(StatusCode::PRECONDITION_FAILED);
}

#[tokio::test]
async fn a_versioned_id_is_accepted_only_for_the_latest_version() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let mut fields = product_fields("prisons");
    fields["description"] = json!("Via the versioned id");

    let latest = app.put("/v1/data-products/dp:prisons:v1.0", &fields).await;
    assert_eq!(latest.status, StatusCode::OK);
    assert_eq!(latest.body["version"], "v1.1");

    fields["description"] = json!("Through an old version");
    let stale = app.put("/v1/data-products/dp:prisons:v1.0", &fields).await;
    let problem = stale.assert_problem(StatusCode::CONFLICT);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("not the latest") && detail.contains("v1.1"),
        "{detail}"
    );
    assert_eq!(version_count(&app).await, 2);
}

#[tokio::test]
async fn old_versions_stay_byte_identical_after_later_changes() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let v1_0 = app.get("/v1/data-products/dp:prisons:v1.0").await;
    for description in ["one", "two", "three"] {
        let mut fields = product_fields("prisons");
        fields["description"] = json!(description);
        fields["tags"] = json!({"edit": description});
        app.put("/v1/data-products/dp:prisons", &fields).await;
    }
    let later = app.get("/v1/data-products/dp:prisons:v1.0").await;
    assert_eq!(later.text, v1_0.text);
    assert_eq!(later.etag(), v1_0.etag());
    assert_eq!(
        app.get("/v1/data-products/dp:prisons").await.body["version"],
        "v1.3"
    );
}
