//! Callers of a daap that checks bearer tokens: who calls (a role, an ownership, a user or a
//! machine), the token each one sends, and a product for them to call on.

use axum::http::{Method, StatusCode};
use daap::authz::Policy;
use serde_json::{Value, json};

use super::identity_provider::{
    FakeIdp, PIPELINE_CLIENT_ID, key_a, machine_claims, user_claims, with,
};
use super::{TestApp, TestResponse, product};

pub const OWNER: &str = "jane.doe@justice.gov.uk";
pub const MAINTAINER: &str = "sam.smith@justice.gov.uk";

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
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

pub fn token(who: Who) -> Option<String> {
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

pub async fn call(
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

pub async fn app_with_auth(policy: Policy) -> (TestApp, FakeIdp) {
    let idp = FakeIdp::start(&[&key_a()]).await;
    let app = TestApp::with_auth(idp.validator(idp.config()), policy).await;
    (app, idp)
}

/// A product owned by OWNER, maintained by the person MAINTAINER (or the pipeline), with a table.
pub async fn seed(app: &TestApp, name: &str, machine_maintainer: bool) {
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
