//! With an identity provider configured: the 401s, who is recorded on versions, and a
//! deployment that requires the reader role to read.

use axum::http::{Method, StatusCode};
use daap::authz::Policy;
use serde_json::json;

use crate::support::callers::{OWNER, Who, app_with_auth, call, seed};
use crate::support::identity_provider::{USER_OID, key_a, user_claims, with};
use crate::support::product;

#[tokio::test]
async fn without_a_valid_token_nothing_but_health_and_docs_answers() {
    let (app, _idp) = app_with_auth(Policy::default()).await;
    let document = serde_json::to_value(daap::http::openapi()).unwrap();
    for (path, item) in document["paths"].as_object().unwrap() {
        let concrete = path.replace("{id}", "dp:prisons");
        for method in item.as_object().unwrap().keys() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let body = json!({});
            let response = app.call(method.clone(), &concrete, Some(&body), &[]).await;
            if path.starts_with("/health") {
                assert_eq!(response.status, StatusCode::OK, "{method} {path}");
            } else if path.starts_with("/local-uploads/") {
                // The local store's receiving end: its signed form is the authorisation.
                assert_ne!(response.status, StatusCode::UNAUTHORIZED, "{method} {path}");
            } else {
                response.assert_problem(StatusCode::UNAUTHORIZED);
                let garbage = app
                    .call(
                        method.clone(),
                        &concrete,
                        Some(&body),
                        &[("authorization", "Bearer not.a.token")],
                    )
                    .await;
                garbage.assert_problem(StatusCode::UNAUTHORIZED);
                assert!(
                    garbage
                        .header("www-authenticate")
                        .unwrap()
                        .contains("invalid_token"),
                    "{method} {path}"
                );
            }
        }
    }
    assert_eq!(app.get("/openapi.json").await.status, StatusCode::OK);
    assert_eq!(app.get("/docs/").await.status, StatusCode::OK);
    app.get("/v1/nothing-here")
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn versions_record_the_token_oid_and_display_name() {
    let (app, _idp) = app_with_auth(Policy::default()).await;
    let user = key_a().sign(&with(
        user_claims(),
        json!({"roles": ["DataProducer"], "preferred_username": OWNER}),
    ));
    let bearer = format!("Bearer {user}");
    let created = app
        .call(
            Method::POST,
            "/v1/data-products",
            Some(&product("prisons")),
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let history = app
        .call(
            Method::GET,
            "/v1/data-products/dp:prisons/versions",
            None,
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(history.body["value"][0]["createdBy"], USER_OID);
    assert_eq!(history.body["value"][0]["createdByName"], "Ada Lovelace");
}

#[tokio::test]
async fn a_deployment_can_require_the_reader_role_to_read() {
    let (app, _idp) = app_with_auth(Policy {
        require_reader_role: true,
        ..Policy::default()
    })
    .await;
    seed(&app, "prisons", false).await;
    let denied = call(
        &app,
        Who::NoRoles,
        Method::GET,
        "/v1/data-products/dp:prisons",
        None,
    )
    .await;
    let problem = denied.assert_problem(StatusCode::FORBIDDEN);
    assert!(problem["detail"].as_str().unwrap().contains("DataReader"));
    for who in [Who::Reader, Who::ProducerStranger, Who::Steward] {
        let allowed = call(&app, who, Method::GET, "/v1/data-products/dp:prisons", None).await;
        assert_eq!(allowed.status, StatusCode::OK, "{who:?}");
    }
}
