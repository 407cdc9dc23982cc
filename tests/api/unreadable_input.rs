//! Input daap could only guess at is refused before anything changes: duplicate JSON member
//! names, NUL characters, query strings and paths that are not UTF-8, and preconditions or
//! idempotency keys that cannot be parsed.

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, TestResponse, product, product_fields};

/// Send `body` verbatim (it may not be valid JSON for serde_json's `Value`).
async fn send_raw(
    app: &TestApp,
    method: Method,
    path: &str,
    body: &str,
    headers: &[(&str, HeaderValue)],
) -> TestResponse {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    for (name, value) in headers {
        builder = builder.header(*name, value.clone());
    }
    app.send(builder.body(Body::from(body.to_owned())).unwrap())
        .await
}

async fn version_count(app: &TestApp, id: &str) -> usize {
    let versions = app.get(&format!("/v1/data-products/{id}/versions")).await;
    assert_eq!(versions.status, StatusCode::OK, "{}", versions.text);
    versions.body["value"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_body_with_a_repeated_member_name_is_refused_and_nothing_is_registered() {
    let app = TestApp::new().await;
    let body = product("prisons").to_string();
    // The same document with `status` given a second, different value at the end.
    let twice = format!(
        "{},\"status\":\"published\"}}",
        body.strip_suffix('}').unwrap()
    );
    let response = send_raw(&app, Method::POST, "/v1/data-products", &twice, &[]).await;
    let problem = response.assert_problem(StatusCode::BAD_REQUEST);
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("`status` appears twice"), "{detail}");
    assert_eq!(
        app.get("/v1/data-products/dp:prisons").await.status,
        StatusCode::NOT_FOUND
    );

    // Nested objects too: a tag given twice.
    let nested = body.replace(
        "\"tags\":{",
        "\"tags\":{\"sensitivity\":\"a\",\"sensitivity\":\"b\",",
    );
    assert_ne!(nested, body, "the fixture has tags");
    let response = send_raw(&app, Method::POST, "/v1/data-products", &nested, &[]).await;
    response.assert_problem(StatusCode::BAD_REQUEST);
    app.register(&product("prisons")).await;
}

#[tokio::test]
async fn a_nul_character_anywhere_in_a_body_is_a_422_pointing_at_it() {
    let app = TestApp::new().await;
    let mut body = product("prisons");
    body["description"] = json!("cells\u{0}and wings");
    body["tags"]["a\u{0}b"] = json!("x");
    body["tags"]["sensitivity"] = json!("official\u{0}");
    let response = app.post("/v1/data-products", &body).await;
    response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let mut pointers = response.error_pointers();
    pointers.sort();
    assert_eq!(
        pointers,
        ["/description", "/tags/a\u{0}b", "/tags/sensitivity"]
    );
    assert_eq!(
        app.get("/v1/data-products/dp:prisons").await.status,
        StatusCode::NOT_FOUND
    );

    app.register(&product("prisons")).await;
    let table = json!({"tableDescription": "t", "columns": [
        {"name": "id", "type": "int", "description": "the\u{0}id"}]});
    let response = app.post("/v1/schemas/dp:prisons:cells", &table).await;
    response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.error_pointers(), ["/columns/0/description"]);
}

#[tokio::test]
async fn an_unreadable_if_match_is_a_400_and_the_update_does_not_happen() {
    let app = TestApp::new().await;
    let etag = app.register(&product("prisons")).await.etag();
    let mut fields = product_fields("prisons");
    fields["description"] = json!("changed");
    let body = fields.to_string();
    let unreadable = [
        HeaderValue::from_static("1.1.0"),           // unquoted
        HeaderValue::from_static("\"1.1.0\", junk"), // one good tag, one not
        HeaderValue::from_static("W/"),
        HeaderValue::from_bytes(b"\"1.1.0\xff\"").unwrap(), // not UTF-8
    ];
    for value in unreadable {
        let response = send_raw(
            &app,
            Method::PUT,
            "/v1/data-products/dp:prisons",
            &body,
            &[("if-match", value.clone())],
        )
        .await;
        let problem = response.assert_problem(StatusCode::BAD_REQUEST);
        assert!(
            problem["detail"].as_str().unwrap().contains("If-Match"),
            "{value:?}: {problem}"
        );
    }
    for path in [
        "/v1/data-products/dp:prisons",
        "/v1/schemas/dp:prisons:cells",
    ] {
        let response = send_raw(
            &app,
            Method::DELETE,
            path,
            "",
            &[("if-match", HeaderValue::from_static("*, nonsense"))],
        )
        .await;
        response.assert_problem(StatusCode::BAD_REQUEST);
    }
    assert_eq!(version_count(&app, "dp:prisons").await, 1);
    assert_eq!(app.get("/v1/data-products/dp:prisons").await.etag(), etag);

    // The same header, readable, goes through.
    let response = send_raw(
        &app,
        Method::PUT,
        "/v1/data-products/dp:prisons",
        &body,
        &[(
            "if-match",
            HeaderValue::from_str(&format!(" {etag} ,W/\"x\"")).unwrap(),
        )],
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
}

#[tokio::test]
async fn an_unreadable_if_none_match_or_idempotency_key_stops_a_registration() {
    let app = TestApp::new().await;
    let body = product("prisons").to_string();
    let refused: [(&str, HeaderValue); 4] = [
        ("if-none-match", HeaderValue::from_static("star")),
        ("if-none-match", HeaderValue::from_static("")),
        (
            "idempotency-key",
            HeaderValue::from_bytes(b"k\xe9y").unwrap(),
        ),
        ("idempotency-key", HeaderValue::from_static("\"\"")),
    ];
    for (name, value) in refused {
        let response = send_raw(
            &app,
            Method::POST,
            "/v1/data-products",
            &body,
            &[(name, value.clone())],
        )
        .await;
        response.assert_problem(StatusCode::BAD_REQUEST);
        assert_eq!(
            app.get("/v1/data-products/dp:prisons").await.status,
            StatusCode::NOT_FOUND,
            "{name}: {value:?}"
        );
    }
    // An idempotency key daap cannot read is refused on every method, not only where it is used.
    let response = send_raw(
        &app,
        Method::GET,
        "/v1/data-products",
        "",
        &[("idempotency-key", HeaderValue::from_static("k\"ey"))],
    )
    .await;
    response.assert_problem(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn query_values_that_are_not_utf8_text_are_refused_naming_the_parameter() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    for (query, parameter) in [
        ("domain=%FF", "domain"),
        ("status=draft&owner=a%00b", "owner"),
        ("na%C3me=x", "na\u{fffd}me"),
    ] {
        let response = app.get(&format!("/v1/data-products?{query}")).await;
        response.assert_problem(StatusCode::BAD_REQUEST);
        assert_eq!(
            response.body["errors"],
            json!([{"parameter": parameter, "detail": response.body["errors"][0]["detail"]}]),
            "{query}: {}",
            response.text
        );
        let detail = response.body["errors"][0]["detail"].as_str().unwrap();
        assert!(
            detail.contains("UTF-8") || detail.contains("NUL"),
            "{detail}"
        );
    }
    // Percent-encoded UTF-8 is text like any other.
    let response = app.get("/v1/data-products?domain=%C3%A9").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
}

#[tokio::test]
async fn a_path_that_is_not_utf8_text_is_a_400_not_a_lookup() {
    let app = TestApp::new().await;
    for path in [
        "/v1/data-products/dp:pri%FFsons",
        "/v1/data-products/dp:pri%00sons",
    ] {
        let response = app.get(path).await;
        let problem: &Value = response.assert_problem(StatusCode::BAD_REQUEST);
        assert!(
            problem["detail"].as_str().unwrap().contains("UTF-8"),
            "{path}"
        );
    }
}
