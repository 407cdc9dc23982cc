//! Conditional requests on every write endpoint: ETag round trips, 412, 428, If-None-Match: *.

use axum::http::{Method, StatusCode};
use daap::http::WriteSettings;
use serde_json::{Value, json};

use crate::support::{TestApp, product, product_fields};

fn table(columns: &[&str]) -> Value {
    json!({
        "tableDescription": "t",
        "columns": columns.iter().map(|c| json!({"name": c, "type": "int", "description": ""})).collect::<Vec<_>>()
    })
}

/// The write endpoints that take `If-Match`, each with a body that changes something.
fn writes() -> Vec<(Method, &'static str, Option<Value>)> {
    let mut fields = product_fields("prisons");
    fields["description"] = json!("changed");
    vec![
        (
            Method::PUT,
            "/v1/schemas/dp:prisons:cells",
            Some(table(&["id", "extra"])),
        ),
        (Method::PUT, "/v1/data-products/dp:prisons", Some(fields)),
        (Method::DELETE, "/v1/schemas/dp:prisons:cells", None),
        (Method::DELETE, "/v1/data-products/dp:prisons", None),
    ]
}

async fn current_etag(app: &TestApp, path: &str) -> String {
    app.get(path).await.etag()
}

#[tokio::test]
async fn every_write_refuses_a_stale_if_match_with_412_and_the_current_etag() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    app.post("/v1/schemas/dp:prisons:cells", &table(&["id"]))
        .await;
    for (method, path, body) in writes() {
        let stale = "\"0.1.0\"";
        let response = app
            .call(method.clone(), path, body.as_ref(), &[("if-match", stale)])
            .await;
        let problem = response.assert_problem(StatusCode::PRECONDITION_FAILED);
        let current = current_etag(&app, path).await;
        assert_eq!(problem["currentEtag"], json!(current), "{method} {path}");

        let ok = app
            .call(
                method.clone(),
                path,
                body.as_ref(),
                &[("if-match", &current)],
            )
            .await;
        assert!(ok.status.is_success(), "{method} {path}: {}", ok.text);
    }
}

#[tokio::test]
async fn a_deployment_can_require_if_match_on_every_update_and_delete() {
    let app = TestApp::with_writes(WriteSettings {
        require_if_match: true,
        ..WriteSettings::default()
    })
    .await;
    app.register(&product("prisons")).await;
    app.post("/v1/schemas/dp:prisons:cells", &table(&["id"]))
        .await;
    for (method, path, body) in writes() {
        let missing = app.call(method.clone(), path, body.as_ref(), &[]).await;
        let problem = missing.assert_problem(StatusCode::PRECONDITION_REQUIRED);
        assert!(
            problem["detail"].as_str().unwrap().contains("If-Match"),
            "{method} {path}"
        );

        let current = current_etag(&app, path).await;
        let ok = app
            .call(
                method.clone(),
                path,
                body.as_ref(),
                &[("if-match", &current)],
            )
            .await;
        assert!(ok.status.is_success(), "{method} {path}: {}", ok.text);
    }
}

#[tokio::test]
async fn if_none_match_star_turns_a_create_of_an_existing_resource_into_a_412() {
    let app = TestApp::new().await;
    let star = [("if-none-match", "*")];
    let created = app
        .call(
            Method::POST,
            "/v1/data-products",
            Some(&product("prisons")),
            &star,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let mut other = product("prisons");
    other["description"] = json!("another attempt");
    app.call(Method::POST, "/v1/data-products", Some(&other), &star)
        .await
        .assert_problem(StatusCode::PRECONDITION_FAILED);

    let table_created = app
        .call(
            Method::POST,
            "/v1/schemas/dp:prisons:cells",
            Some(&table(&["id"])),
            &star,
        )
        .await;
    assert_eq!(table_created.status, StatusCode::CREATED);
    app.call(
        Method::POST,
        "/v1/schemas/dp:prisons:cells",
        Some(&table(&["other"])),
        &star,
    )
    .await
    .assert_problem(StatusCode::PRECONDITION_FAILED);
}

#[tokio::test]
async fn etags_change_exactly_when_the_resource_does() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    app.post("/v1/schemas/dp:prisons:cells", &table(&["id"]))
        .await;
    for path in [
        "/v1/data-products/dp:prisons",
        "/v1/schemas/dp:prisons:cells",
    ] {
        let first = app.get(path).await;
        let same = app.get(path).await;
        assert_eq!(
            first.etag(),
            same.etag(),
            "{path}: stable while nothing changes"
        );
        let cached = app
            .call(Method::GET, path, None, &[("if-none-match", &first.etag())])
            .await;
        assert_eq!(cached.status, StatusCode::NOT_MODIFIED, "{path}");
    }
    let before = app.get("/v1/schemas/dp:prisons:cells").await.etag();
    let unchanged = app
        .put("/v1/schemas/dp:prisons:cells", &table(&["id"]))
        .await;
    assert_eq!(unchanged.body["change"]["bump"], "none");
    assert_eq!(unchanged.etag(), before, "no change, same tag");
    let changed = app
        .put("/v1/schemas/dp:prisons:cells", &table(&["id", "more"]))
        .await;
    assert_ne!(changed.etag(), before);
    assert_eq!(
        app.get("/v1/schemas/dp:prisons:cells").await.etag(),
        changed.etag()
    );
    let refetch = app
        .call(
            Method::GET,
            "/v1/schemas/dp:prisons:cells",
            None,
            &[("if-none-match", &before)],
        )
        .await;
    assert_eq!(refetch.status, StatusCode::OK);
}
