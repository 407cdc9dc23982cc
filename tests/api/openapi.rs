use axum::http::StatusCode;

use crate::support::TestApp;

#[test]
fn the_openapi_document_matches_the_snapshot() {
    let document = serde_json::to_value(daap::http::openapi()).unwrap();
    insta::assert_json_snapshot!("openapi", document);
}

#[test]
fn every_operation_documents_its_error_responses() {
    let document = serde_json::to_value(daap::http::openapi()).unwrap();
    assert_eq!(document["openapi"].as_str().unwrap().get(..3), Some("3.1"));
    let paths = document["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let responses = operation["responses"].as_object().unwrap();
            assert!(
                operation["operationId"].is_string(),
                "{method} {path} has an operationId"
            );
            if path.starts_with("/v1/") {
                for status in ["400", "500", "503"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} documents {status}"
                    );
                }
                for (status, response) in responses {
                    if status.starts_with('4') || status.starts_with('5') {
                        assert!(
                            response["content"]["application/problem+json"].is_object(),
                            "{method} {path} {status} is a problem document"
                        );
                    }
                }
            }
            if method == "post" || method == "put" {
                for status in ["413", "415", "422"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} documents {status}"
                    );
                }
            }
        }
    }
    assert!(operations >= 9);
}

#[tokio::test]
async fn the_document_and_swagger_ui_are_served() {
    let app = TestApp::new().await;
    let document = app.get("/openapi.json").await;
    assert_eq!(document.status, StatusCode::OK);
    assert_eq!(
        document.body,
        serde_json::to_value(daap::http::openapi()).unwrap()
    );
    let ui = app.get("/docs/").await;
    assert_eq!(ui.status, StatusCode::OK);
    assert!(ui.text.contains("swagger-ui"), "the page is Swagger UI");
    let asset = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(
        asset.status,
        StatusCode::OK,
        "assets are vendored, not fetched"
    );
}
