use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{TestApp, product, product_fields};

#[tokio::test]
async fn getting_by_versioned_id_returns_that_exact_version() {
    let app = TestApp::new().await;
    let v1_0 = app.register(&product("prisons")).await;
    let mut fields = product_fields("prisons");
    fields["description"] = json!("Updated");
    app.put("/v1/data-products/dp:prisons", &fields).await;

    let old = app.get("/v1/data-products/dp:prisons:v1.0").await;
    let new = app.get("/v1/data-products/dp:prisons:v1.1").await;
    let latest = app.get("/v1/data-products/dp:prisons").await;

    assert_eq!(old.status, StatusCode::OK);
    assert_eq!(old.body, v1_0.body);
    assert_eq!(old.etag(), v1_0.etag());
    assert_eq!(new.body["description"], "Updated");
    assert_eq!(new.body["version"], "v1.1");
    assert_eq!(latest.body, new.body);
    assert_eq!(latest.etag(), new.etag());
    assert_ne!(old.etag(), new.etag());
}

#[tokio::test]
async fn an_unknown_product_or_version_is_a_404() {
    let app = TestApp::new().await;
    app.get("/v1/data-products/dp:nothing")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.register(&product("prisons")).await;
    let response = app.get("/v1/data-products/dp:prisons:v3.0").await;
    let problem = response.assert_problem(StatusCode::NOT_FOUND);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("latest version is v1.0")
    );
}

#[tokio::test]
async fn a_malformed_id_is_a_400() {
    let app = TestApp::new().await;
    for id in [
        "prisons",
        "xx:prisons",
        "dp:",
        "dp:Prisons",
        "dp:prisons:1.0",
        "dp:prisons:v1",
        "dp:prisons:v01.0",
        "dp:prisons:v0.1",
        "dp:prisons:v1.0:extra",
        "dp:prisons:v99999999999.0",
    ] {
        let response = app.get(&format!("/v1/data-products/{id}")).await;
        response.assert_problem(StatusCode::BAD_REQUEST);
        assert!(
            response.text.contains("not a data product id"),
            "{id}: {}",
            response.text
        );
    }
}

#[tokio::test]
async fn if_none_match_with_the_current_etag_is_a_304() {
    let app = TestApp::new().await;
    let registered = app.register(&product("prisons")).await;
    let etag = registered.etag();

    let unchanged = app
        .call(
            Method::GET,
            "/v1/data-products/dp:prisons",
            None,
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);
    assert_eq!(unchanged.etag(), etag);
    assert!(unchanged.text.is_empty());

    let weak = format!("W/{etag}");
    let also_unchanged = app
        .call(
            Method::GET,
            "/v1/data-products/dp:prisons",
            None,
            &[("if-none-match", &weak)],
        )
        .await;
    assert_eq!(also_unchanged.status, StatusCode::NOT_MODIFIED);

    let mut fields = product_fields("prisons");
    fields["status"] = json!("published");
    app.put("/v1/data-products/dp:prisons", &fields).await;
    let changed = app
        .call(
            Method::GET,
            "/v1/data-products/dp:prisons",
            None,
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(changed.body["status"], "published");
    assert_ne!(changed.etag(), etag);
}
