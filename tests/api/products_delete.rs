use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{TestApp, product, product_fields};

#[tokio::test]
async fn deleting_hides_the_product_everywhere_and_records_who_and_when() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    app.register(&product("courts")).await;

    let response = app.delete("/v1/data-products/dp:prisons").await;

    assert_eq!(response.status, StatusCode::NO_CONTENT);
    assert!(response.text.is_empty());
    app.get("/v1/data-products/dp:prisons")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.get("/v1/data-products/dp:prisons:v1.0")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.get("/v1/data-products/dp:prisons/versions")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.put("/v1/data-products/dp:prisons", &product_fields("prisons"))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let list = app.get("/v1/data-products").await;
    let names: Vec<&str> = list.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["courts"]);

    let (deleted_by, recent): (String, bool) = sqlx::query_as(
        "SELECT deleted_by, deleted_at > now() - interval '1 minute' FROM data_products WHERE name = 'prisons'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(deleted_by, "anonymous");
    assert!(recent);
}

#[tokio::test]
async fn a_deleted_name_can_be_registered_again_from_v1_0() {
    let app = TestApp::new().await;
    let first = app.register(&product("prisons")).await;
    let mut fields = product_fields("prisons");
    fields["description"] = json!("edited");
    app.put("/v1/data-products/dp:prisons", &fields).await;
    app.delete("/v1/data-products/dp:prisons").await;

    let mut again = product("prisons");
    again["description"] = json!("Second life");
    let second = app.register(&again).await;

    assert_eq!(second.body["version"], "v1.0");
    assert_eq!(second.body["description"], "Second life");
    assert_ne!(
        second.etag(),
        first.etag(),
        "a new product never reuses an old ETag"
    );
    app.get("/v1/data-products/dp:prisons:v1.1")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let history = app.get("/v1/data-products/dp:prisons/versions").await;
    assert_eq!(history.body["value"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn deleting_an_unknown_or_already_deleted_product_is_a_404() {
    let app = TestApp::new().await;
    app.delete("/v1/data-products/dp:nothing")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.register(&product("prisons")).await;
    assert_eq!(
        app.delete("/v1/data-products/dp:prisons").await.status,
        StatusCode::NO_CONTENT
    );
    app.delete("/v1/data-products/dp:prisons")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deleting_honours_if_match_and_versioned_ids() {
    let app = TestApp::new().await;
    let registered = app.register(&product("prisons")).await;
    let mut fields = product_fields("prisons");
    fields["description"] = json!("edited");
    let edited = app.put("/v1/data-products/dp:prisons", &fields).await;

    let stale = app
        .call(
            Method::DELETE,
            "/v1/data-products/dp:prisons",
            None,
            &[("if-match", &registered.etag())],
        )
        .await;
    stale.assert_problem(StatusCode::PRECONDITION_FAILED);
    app.delete("/v1/data-products/dp:prisons:v1.0")
        .await
        .assert_problem(StatusCode::CONFLICT);
    assert_eq!(
        app.get("/v1/data-products/dp:prisons").await.status,
        StatusCode::OK
    );

    let current = app
        .call(
            Method::DELETE,
            "/v1/data-products/dp:prisons:v1.1",
            None,
            &[("if-match", &edited.etag())],
        )
        .await;
    assert_eq!(current.status, StatusCode::NO_CONTENT);
}
