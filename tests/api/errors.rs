use axum::http::{Method, StatusCode};

use crate::support::{TestApp, product};

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let app = TestApp::new().await;
    let response = app.get("/v1/nothing-here").await;
    let problem = response.assert_problem(StatusCode::NOT_FOUND);
    assert_eq!(problem["type"], "urn:daap:problem:not-found");
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem() {
    let app = TestApp::new().await;
    for (method, path) in [
        (Method::PATCH, "/v1/data-products/dp:prisons"),
        (Method::DELETE, "/v1/data-products"),
        (Method::POST, "/v1/data-products/dp:prisons/versions"),
        (Method::PUT, "/health"),
    ] {
        let response = app.call(method.clone(), path, None, &[]).await;
        response.assert_problem(StatusCode::METHOD_NOT_ALLOWED);
        assert!(
            response.header("allow").is_some(),
            "{method} {path} says what is allowed"
        );
    }
}

#[tokio::test]
async fn problem_bodies_never_leak_sql_or_internals() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let mut taken = product("prisons");
    taken["description"] = serde_json::json!("same name, other request");
    let responses = [
        app.post("/v1/data-products", &taken).await,
        app.get("/v1/data-products/dp:prisons:v9.9").await,
        app.get("/v1/data-products?cursor=%00").await,
    ];
    for response in responses {
        assert!(response.status.is_client_error());
        let text = response.text.to_lowercase();
        for leak in [
            "select",
            "insert",
            "constraint",
            "sqlx",
            "panicked",
            "duplicate key",
            "src/",
        ] {
            assert!(!text.contains(leak), "`{leak}` leaked: {}", response.text);
        }
    }
}
