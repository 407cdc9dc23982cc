//! How values are stored: large JSON is compressed with lz4 (migration 0006).

use axum::http::StatusCode;
use serde_json::json;

use crate::support::{TestApp, product};

#[tokio::test]
async fn a_large_table_schema_is_stored_compressed_with_lz4() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let columns: Vec<_> = (0..80)
        .map(|i| {
            json!({
                "name": format!("column_{i:03}"),
                "type": "decimal(12,2)",
                "description": format!("Amount number {i} recorded against the incident, in pounds"),
            })
        })
        .collect();
    let created = app
        .post(
            "/v1/schemas/dp:prisons:incidents",
            &json!({"tableDescription": "Incidents", "columns": columns}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);

    let (compression, stored, raw): (Option<String>, i32, i32) = sqlx::query_as(
        "SELECT pg_column_compression(columns), pg_column_size(columns),
                octet_length(columns::text)
         FROM table_revisions WHERE table_name = 'incidents'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("the revision");
    assert_eq!(compression.as_deref(), Some("lz4"));
    assert!(
        stored < raw / 2,
        "{stored} bytes stored for {raw} bytes of JSON"
    );

    // And it reads back whole.
    let read = app.get("/v1/schemas/dp:prisons:incidents").await;
    assert_eq!(read.body["columns"].as_array().map(Vec::len), Some(80));
    assert_eq!(read.body["columns"][79]["name"], "column_079");
}
