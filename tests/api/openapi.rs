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
            let takes_json = operation["requestBody"]["content"]["application/json"].is_object();
            if (method == "post" || method == "put") && takes_json {
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

#[tokio::test]
async fn swagger_ui_signs_in_with_the_authorization_code_flow_and_pkce_when_configured() {
    let app = TestApp::with_docs(daap::openapi::DocsSettings {
        sign_in: Some(daap::openapi::DocsSignIn {
            client_id: "a61d5f0e-2c3b-4e8f-9a7d-1b2c3d4e5f60".to_owned(),
            scopes: vec!["api://3f2a9c1e/user_impersonation".to_owned()],
            authority: Some("https://login.microsoftonline.com/tenant-id/oauth2/v2.0".to_owned()),
        }),
    })
    .await;
    let document = app.get("/openapi.json").await.body;
    let flow = &document["components"]["securitySchemes"]["entra"]["flows"]["authorizationCode"];
    assert_eq!(
        flow["authorizationUrl"],
        "https://login.microsoftonline.com/tenant-id/oauth2/v2.0/authorize"
    );
    assert_eq!(
        flow["tokenUrl"],
        "https://login.microsoftonline.com/tenant-id/oauth2/v2.0/token"
    );
    assert!(flow["scopes"]["api://3f2a9c1e/user_impersonation"].is_string());
    let initializer = app.get("/docs/swagger-initializer.js").await;
    assert_eq!(initializer.status, StatusCode::OK);
    assert!(
        initializer
            .text
            .contains("usePkceWithAuthorizationCodeGrant\": true"),
        "{}",
        initializer.text
    );
    assert!(
        initializer
            .text
            .contains("a61d5f0e-2c3b-4e8f-9a7d-1b2c3d4e5f60")
    );
    assert!(
        !initializer
            .text
            .to_lowercase()
            .contains("clientsecret\": \""),
        "no client secret in the browser"
    );
}

#[test]
fn every_v1_operation_requires_a_bearer_token_and_documents_401_and_403() {
    let document = serde_json::to_value(daap::http::openapi()).unwrap();
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let secured = operation.get("security").is_some();
            assert_eq!(secured, path.starts_with("/v1/"), "{method} {path}");
            if secured {
                assert!(operation["responses"]["401"].is_object(), "{method} {path}");
                assert!(operation["responses"]["403"].is_object(), "{method} {path}");
            }
        }
    }
}
