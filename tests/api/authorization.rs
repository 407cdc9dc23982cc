//! With an identity provider configured: every `/v1` endpoint against every role and
//! ownership, the 401s, and who is recorded on versions.

use axum::http::{Method, StatusCode};
use daap::authz::Policy;
use serde_json::{Value, json};

use crate::auth_tokens::{
    FakeIdp, PIPELINE_CLIENT_ID, USER_OID, key_a, machine_claims, user_claims, with,
};
use crate::support::{TestApp, TestResponse, product, product_fields};

const OWNER: &str = "jane.doe@justice.gov.uk";
const MAINTAINER: &str = "sam.smith@justice.gov.uk";

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    NoToken,
    NoRoles,
    Reader,
    ProducerOwner,
    ProducerMaintainer,
    ProducerStranger,
    Steward,
    MachineSteward,
    MachineProducerMaintainer,
    MachineProducerStranger,
}

const EVERYONE: [Who; 10] = [
    Who::NoToken,
    Who::NoRoles,
    Who::Reader,
    Who::ProducerOwner,
    Who::ProducerMaintainer,
    Who::ProducerStranger,
    Who::Steward,
    Who::MachineSteward,
    Who::MachineProducerMaintainer,
    Who::MachineProducerStranger,
];

fn token(who: Who) -> Option<String> {
    let user = |roles: &[&str], name: &str| {
        key_a().sign(&with(
            user_claims(),
            json!({"roles": roles, "preferred_username": name}),
        ))
    };
    let machine = |roles: &[&str], client: &str| {
        key_a().sign(&with(
            machine_claims(),
            json!({"roles": roles, "azp": client}),
        ))
    };
    Some(match who {
        Who::NoToken => return None,
        Who::NoRoles => user(&[], "nobody@justice.gov.uk"),
        Who::Reader => user(&["DataReader"], "reader@justice.gov.uk"),
        Who::ProducerOwner => user(&["DataProducer"], "Jane.Doe@Justice.gov.uk"),
        Who::ProducerMaintainer => user(&["DataProducer"], MAINTAINER),
        Who::ProducerStranger => user(&["DataProducer"], "stranger@justice.gov.uk"),
        Who::Steward => user(&["DataSteward"], "steward@justice.gov.uk"),
        Who::MachineSteward => machine(&["DataSteward"], "11111111-2222-3333-4444-555555555555"),
        Who::MachineProducerMaintainer => machine(&["DataProducer"], PIPELINE_CLIENT_ID),
        Who::MachineProducerStranger => {
            machine(&["DataProducer"], "99999999-2222-3333-4444-555555555555")
        }
    })
}

async fn call(
    app: &TestApp,
    who: Who,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> TestResponse {
    let bearer = token(who).map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = bearer
        .iter()
        .map(|b| ("authorization", b.as_str()))
        .collect();
    app.call(method, path, body, &headers).await
}

async fn app_with_auth(policy: Policy) -> (TestApp, FakeIdp) {
    let idp = FakeIdp::start(&[&key_a()]).await;
    let app = TestApp::with_auth(idp.validator(idp.config()), policy).await;
    (app, idp)
}

/// A product owned by OWNER, maintained by the person MAINTAINER (or the pipeline), with a table.
async fn seed(app: &TestApp, name: &str, machine_maintainer: bool) {
    let mut body = product(name);
    body["dataProductMaintainer"] = json!(if machine_maintainer {
        PIPELINE_CLIENT_ID
    } else {
        MAINTAINER
    });
    let created = call(
        app,
        Who::Steward,
        Method::POST,
        "/v1/data-products",
        Some(&body),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let table = json!({"tableDescription": "t", "columns": [{"name": "id", "type": "int", "description": ""}]});
    let path = format!("/v1/schemas/dp:{name}:cells");
    let created = call(app, Who::Steward, Method::POST, &path, Some(&table)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
}

#[derive(Debug, Clone, Copy)]
enum Op {
    GetProduct,
    ListProducts,
    ListVersions,
    GetChanges,
    GetSchema,
    Register,
    UpdateProduct,
    DeleteProduct,
    CreateSchema,
    ReplaceSchema,
    DeleteSchema,
}

const OPERATIONS: [Op; 11] = [
    Op::GetProduct,
    Op::ListProducts,
    Op::ListVersions,
    Op::GetChanges,
    Op::GetSchema,
    Op::Register,
    Op::UpdateProduct,
    Op::DeleteProduct,
    Op::CreateSchema,
    Op::ReplaceSchema,
    Op::DeleteSchema,
];

/// Whether `who` may perform `op` on a product owned by OWNER and maintained by MAINTAINER
/// (or by the pipeline): the rules of the issue, written independently of the code.
fn allowed(who: Who, op: Op, machine_maintained: bool) -> bool {
    let steward = matches!(who, Who::Steward | Who::MachineSteward);
    let producer = matches!(
        who,
        Who::ProducerOwner
            | Who::ProducerMaintainer
            | Who::ProducerStranger
            | Who::MachineProducerMaintainer
            | Who::MachineProducerStranger
    );
    let responsible = match who {
        Who::ProducerOwner => true,
        Who::ProducerMaintainer => !machine_maintained,
        Who::MachineProducerMaintainer => machine_maintained,
        _ => false,
    };
    match op {
        Op::GetProduct | Op::ListProducts | Op::ListVersions | Op::GetChanges | Op::GetSchema => {
            who != Who::NoToken
        }
        Op::Register => steward || producer,
        Op::DeleteProduct => steward,
        Op::UpdateProduct | Op::CreateSchema | Op::ReplaceSchema | Op::DeleteSchema => {
            steward || (producer && responsible)
        }
    }
}

async fn perform(app: &TestApp, who: Who, op: Op, name: &str) -> TestResponse {
    let table = |cols: &[&str]| json!({"tableDescription": "t", "columns": cols.iter().map(|c| json!({"name": c, "type": "int", "description": ""})).collect::<Vec<_>>()});
    let mut fields = product_fields(name);
    fields["description"] = json!("changed");
    match op {
        Op::GetProduct => {
            call(
                app,
                who,
                Method::GET,
                &format!("/v1/data-products/dp:{name}"),
                None,
            )
            .await
        }
        Op::ListProducts => call(app, who, Method::GET, "/v1/data-products", None).await,
        Op::ListVersions => {
            call(
                app,
                who,
                Method::GET,
                &format!("/v1/data-products/dp:{name}/versions"),
                None,
            )
            .await
        }
        Op::GetChanges => {
            call(
                app,
                who,
                Method::GET,
                &format!("/v1/data-products/dp:{name}/changes"),
                None,
            )
            .await
        }
        Op::GetSchema => {
            call(
                app,
                who,
                Method::GET,
                &format!("/v1/schemas/dp:{name}:cells"),
                None,
            )
            .await
        }
        Op::Register => {
            call(
                app,
                who,
                Method::POST,
                "/v1/data-products",
                Some(&product(&format!("{name}_new"))),
            )
            .await
        }
        Op::UpdateProduct => {
            call(
                app,
                who,
                Method::PUT,
                &format!("/v1/data-products/dp:{name}"),
                Some(&fields),
            )
            .await
        }
        Op::DeleteProduct => {
            call(
                app,
                who,
                Method::DELETE,
                &format!("/v1/data-products/dp:{name}"),
                None,
            )
            .await
        }
        Op::CreateSchema => {
            call(
                app,
                who,
                Method::POST,
                &format!("/v1/schemas/dp:{name}:rooms"),
                Some(&table(&["id"])),
            )
            .await
        }
        Op::ReplaceSchema => {
            call(
                app,
                who,
                Method::PUT,
                &format!("/v1/schemas/dp:{name}:cells"),
                Some(&table(&["id", "more"])),
            )
            .await
        }
        Op::DeleteSchema => {
            call(
                app,
                who,
                Method::DELETE,
                &format!("/v1/schemas/dp:{name}:cells"),
                None,
            )
            .await
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_answers_every_role_and_ownership_as_the_rules_say() {
    let (app, _idp) = app_with_auth(Policy::default()).await;
    let mut case = 0;
    for machine_maintained in [false, true] {
        for who in EVERYONE {
            for op in OPERATIONS {
                case += 1;
                let name = format!("p{case:04}");
                seed(&app, &name, machine_maintained).await;
                let response = perform(&app, who, op, &name).await;
                let expected = allowed(who, op, machine_maintained);
                let context = format!("{who:?} {op:?} (machine maintainer: {machine_maintained})");
                if expected {
                    assert!(
                        response.status.is_success(),
                        "{context}: {} {}",
                        response.status,
                        response.text
                    );
                } else if who == Who::NoToken {
                    response.assert_problem(StatusCode::UNAUTHORIZED);
                    assert!(
                        response
                            .header("www-authenticate")
                            .unwrap()
                            .starts_with("Bearer"),
                        "{context}"
                    );
                } else {
                    let problem = response.assert_problem(StatusCode::FORBIDDEN);
                    assert!(!problem["detail"].as_str().unwrap().is_empty(), "{context}");
                }
            }
        }
    }
}

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
