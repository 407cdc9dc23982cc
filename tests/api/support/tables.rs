//! Table schemas many schema tests start from: the product `prisons` with its table
//! `incidents`, and small helpers around them.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{TestApp, product};

/// A table schema with these columns (name, type), each described.
pub fn table(columns: &[(&str, &str)]) -> Value {
    json!({
        "tableDescription": "Incidents reported in prisons",
        "columns": columns
            .iter()
            .map(|(name, ty)| json!({"name": name, "type": ty, "description": format!("The {name}")}))
            .collect::<Vec<_>>()
    })
}

/// The table `incidents`: an id, a timestamp and a category.
pub fn incidents() -> Value {
    table(&[
        ("id", "bigint"),
        ("reported_at", "timestamp"),
        ("category", "string"),
    ])
}

/// A product `prisons` at v1.1 with the table `incidents`.
pub async fn with_incidents() -> TestApp {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let created = app
        .post("/v1/schemas/dp:prisons:incidents", &incidents())
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    app
}

/// The latest version of `dp:prisons`.
pub async fn version_of(app: &TestApp) -> String {
    let product = app.get("/v1/data-products/dp:prisons").await;
    product.body["version"].as_str().unwrap().to_owned()
}

/// Replace `incidents` with `body`, insisting that it worked; the answer's body.
pub async fn put_table(app: &TestApp, body: &Value) -> Value {
    let response = app.put("/v1/schemas/dp:prisons:incidents", body).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.body
}
