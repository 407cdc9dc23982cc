use axum::http::StatusCode;
use serde_json::json;

use crate::support::{TestApp, product, product_fields};

#[tokio::test]
async fn the_history_lists_every_version_newest_first_with_its_change() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let mut fields = product_fields("prisons");
    fields["description"] = json!("v1.1");
    app.put("/v1/data-products/dp:prisons", &fields).await;
    fields["status"] = json!("published");
    fields["tags"] = json!({});
    fields["email"] = json!("new@justice.gov.uk");
    app.put("/v1/data-products/dp:prisons", &fields).await;

    let history = app.get("/v1/data-products/dp:prisons/versions").await;

    assert_eq!(history.status, StatusCode::OK);
    let entries = history.body["value"].as_array().unwrap();
    let versions: Vec<&str> = entries
        .iter()
        .map(|e| e["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, vec!["v1.2", "v1.1", "v1.0"]);
    assert_eq!(entries[0]["versionedId"], "dp:prisons:v1.2");
    assert_eq!(entries[0]["bump"], "minor");
    assert_eq!(
        entries[0]["changes"],
        json!({"metadata": ["email", "status", "tags"]})
    );
    assert_eq!(entries[0]["summary"], "Changed email, status and tags.");
    assert_eq!(entries[1]["changes"], json!({"metadata": ["description"]}));
    assert_eq!(entries[1]["summary"], "Changed description.");
    assert_eq!(entries[2]["bump"], "initial");
    assert_eq!(entries[2]["changes"], json!({}));
    assert_eq!(entries[2]["createdBy"], "anonymous");
    let latest = app.get("/v1/data-products/dp:prisons").await;
    assert_eq!(entries[0]["createdAt"], latest.body["updatedAt"]);
    assert!(history.body.get("nextLink").is_none());

    let same = app.get("/v1/data-products/dp:prisons:v1.1/versions").await;
    assert_eq!(
        same.body, history.body,
        "a versioned id names the same product"
    );
}

#[tokio::test]
async fn the_history_is_paginated() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    for i in 1..=6 {
        let mut fields = product_fields("prisons");
        fields["retentionPeriod"] = json!(i);
        app.put("/v1/data-products/dp:prisons", &fields).await;
    }
    let mut seen = Vec::new();
    let mut link = Some("/v1/data-products/dp:prisons/versions?limit=3".to_owned());
    while let Some(url) = link {
        let page = app.get(&url).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        for entry in page.body["value"].as_array().unwrap() {
            seen.push(entry["version"].as_str().unwrap().to_owned());
        }
        link = page.body["nextLink"].as_str().map(str::to_owned);
    }
    assert_eq!(
        seen,
        vec!["v1.6", "v1.5", "v1.4", "v1.3", "v1.2", "v1.1", "v1.0"]
    );
}

#[tokio::test]
async fn the_history_of_an_unknown_product_is_a_404() {
    let app = TestApp::new().await;
    app.get("/v1/data-products/dp:nothing/versions")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.get("/v1/data-products/nothing/versions")
        .await
        .assert_problem(StatusCode::BAD_REQUEST);
}
