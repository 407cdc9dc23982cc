use axum::body::Body;
use axum::http::{Request, StatusCode};
use daap::domain::product::MetadataPolicy;
use serde_json::json;

use crate::support::{TestApp, product};

#[tokio::test]
async fn registering_returns_201_with_v1_0_location_and_etag() {
    let app = TestApp::new().await;
    let response = app.post("/v1/data-products", &product("prisons")).await;

    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    assert_eq!(
        response.header("location"),
        Some("/v1/data-products/dp:prisons")
    );
    assert!(response.etag().starts_with('"'), "a strong ETag");
    let body = &response.body;
    assert_eq!(body["id"], "dp:prisons");
    assert_eq!(body["version"], "v1.0");
    assert_eq!(body["versionedId"], "dp:prisons:v1.0");
    assert_eq!(body["name"], "prisons");
    assert_eq!(body["description"], "All about prisons");
    assert_eq!(body["domain"], "HMPPS");
    assert_eq!(body["dataProductOwner"], "jane.doe@justice.gov.uk");
    assert_eq!(body["dataProductOwnerDisplayName"], "Jane Doe");
    assert_eq!(body["dataProductMaintainer"], json!(null));
    assert_eq!(body["email"], "data@justice.gov.uk");
    assert_eq!(body["status"], "draft");
    assert_eq!(body["retentionPeriod"], 3000);
    assert_eq!(body["dpiaRequired"], false);
    assert_eq!(body["tags"], json!({"sensitivity": "official"}));
    assert_eq!(body["schemas"], json!([]));
    assert_eq!(body["createdAt"], body["updatedAt"]);

    let fetched = app.get("/v1/data-products/dp:prisons").await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(
        fetched.body, response.body,
        "GET returns what POST returned"
    );
    assert_eq!(fetched.etag(), response.etag());
}

#[tokio::test]
async fn registering_accepts_optional_maintainer_and_defaults_tags_to_empty() {
    let app = TestApp::new().await;
    let mut body = product("courts");
    body["dataProductMaintainer"] = json!("sam@justice.gov.uk");
    body["dataProductMaintainerDisplayName"] = json!("Sam");
    body.as_object_mut().unwrap().remove("tags");
    let response = app.register(&body).await;
    assert_eq!(response.body["dataProductMaintainer"], "sam@justice.gov.uk");
    assert_eq!(response.body["dataProductMaintainerDisplayName"], "Sam");
    assert_eq!(response.body["tags"], json!({}));
}

#[tokio::test]
async fn registering_a_taken_name_returns_409_and_changes_nothing() {
    let app = TestApp::new().await;
    let first = app.register(&product("prisons")).await;
    let mut again = product("prisons");
    again["description"] = json!("something else");

    let response = app.post("/v1/data-products", &again).await;

    let problem = response.assert_problem(StatusCode::CONFLICT);
    assert!(problem["detail"].as_str().unwrap().contains("prisons"));
    let current = app.get("/v1/data-products/dp:prisons").await;
    assert_eq!(current.body, first.body);
}

#[tokio::test]
async fn registering_reports_every_invalid_field_at_once_and_writes_nothing() {
    let app = TestApp::new().await;
    let body = json!({
        "name": "Bad-Name",
        "description": "",
        "domain": 7,
        "dataProductOwner": "not-an-email",
        "email": "x@y",
        "status": "live",
        "retentionPeriod": -1,
        "dpiaRequired": "no",
        "tags": {"ok": "yes", "bad": true},
        "colour": "blue"
    });

    let response = app.post("/v1/data-products", &body).await;

    response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let mut pointers = response.error_pointers();
    pointers.sort();
    assert_eq!(
        pointers,
        vec![
            "/colour",
            "/dataProductOwner",
            "/dataProductOwnerDisplayName",
            "/description",
            "/domain",
            "/dpiaRequired",
            "/email",
            "/name",
            "/retentionPeriod",
            "/status",
            "/tags/bad",
        ]
    );
    let unknown = response.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["pointer"] == "/colour")
        .unwrap();
    assert!(
        unknown["detail"]
            .as_str()
            .unwrap()
            .contains("unknown field `colour`")
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM data_products")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn registering_rejects_each_invalid_value_with_a_pointer_to_it() {
    let app = TestApp::new().await;
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        ("name", json!("9lives"), "/name"),
        ("name", json!("a".repeat(64)), "/name"),
        ("name", json!("with space"), "/name"),
        ("name", json!(null), "/name"),
        ("description", json!("   "), "/description"),
        ("description", json!("x".repeat(10_001)), "/description"),
        (
            "dataProductMaintainer",
            json!("nobody"),
            "/dataProductMaintainer",
        ),
        ("retentionPeriod", json!(1.5), "/retentionPeriod"),
        ("retentionPeriod", json!(100_001), "/retentionPeriod"),
        ("retentionPeriod", json!("30"), "/retentionPeriod"),
        ("tags", json!(["a"]), "/tags"),
        ("tags", json!({"a/b": "x".repeat(257)}), "/tags/a~1b"),
        ("status", json!("Draft"), "/status"),
    ];
    for (field, value, pointer) in cases {
        let mut body = product("prisons");
        body[field] = value.clone();
        let response = app.post("/v1/data-products", &body).await;
        response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            response.error_pointers(),
            vec![pointer.to_owned()],
            "{field} = {value}"
        );
    }
    let too_many_tags: serde_json::Map<String, serde_json::Value> =
        (0..51).map(|i| (format!("t{i}"), json!("v"))).collect();
    let mut body = product("prisons");
    body["tags"] = json!(too_many_tags);
    let response = app.post("/v1/data-products", &body).await;
    response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.error_pointers(), vec!["/tags"]);
}

#[tokio::test]
async fn registering_a_non_object_body_is_a_422() {
    let app = TestApp::new().await;
    let response = app.post("/v1/data-products", &json!([1, 2])).await;
    response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.error_pointers(), vec![""]);
}

#[tokio::test]
async fn registering_outside_the_allowed_domains_is_a_422() {
    let app = TestApp::with_policy(MetadataPolicy {
        allowed_domains: Some(vec!["HMPPS".into(), "OPG".into()]),
    })
    .await;
    app.register(&product("prisons")).await;
    let mut body = product("courts");
    body["domain"] = json!("Elsewhere");
    let response = app.post("/v1/data-products", &body).await;
    response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.error_pointers(), vec!["/domain"]);
    assert!(response.text.contains("HMPPS, OPG"));
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let app = TestApp::new().await;
    let request = Request::post("/v1/data-products")
        .header("content-type", "application/json")
        .body(Body::from("{\"name\": "))
        .unwrap();
    let response = app.send(request).await;
    let problem = response.assert_problem(StatusCode::BAD_REQUEST);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
}

#[tokio::test]
async fn an_empty_body_is_a_400() {
    let app = TestApp::new().await;
    let request = Request::post("/v1/data-products")
        .header("content-type", "application/json")
        .body(Body::empty())
        .unwrap();
    app.send(request)
        .await
        .assert_problem(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415() {
    let app = TestApp::new().await;
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut request = Request::post("/v1/data-products");
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let request = request
            .body(Body::from(product("prisons").to_string()))
            .unwrap();
        app.send(request)
            .await
            .assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    let request = Request::post("/v1/data-products")
        .header("content-type", "application/json; charset=utf-8")
        .body(Body::from(product("prisons").to_string()))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413() {
    let app = TestApp::new().await;
    let mut body = product("prisons");
    body["description"] = json!("x".repeat(70 * 1024));
    let response = app.post("/v1/data-products", &body).await;
    let problem = response.assert_problem(StatusCode::PAYLOAD_TOO_LARGE);
    assert!(problem["detail"].as_str().unwrap().contains("65536"));
    assert_eq!(
        app.get("/v1/data-products/dp:prisons").await.status,
        StatusCode::NOT_FOUND
    );
}
