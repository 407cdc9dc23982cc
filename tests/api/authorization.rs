//! With an identity provider configured: every `/v1` endpoint against every role and
//! ownership, as the rules say.

use axum::http::{Method, StatusCode};
use daap::authz::Policy;
use serde_json::json;

use crate::support::callers::{Who, app_with_auth, call, seed};
use crate::support::{TestApp, TestResponse, product, product_fields};

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
