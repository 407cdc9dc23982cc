//! The fake GMS (`fake_gms/`) itself: it accepts and serves back a valid proposal, and rejects
//! malformed ones with the reason, as GMS would, so that the DataHub target's tests can trust
//! it to catch nonsense.

use serde_json::{Value, json};

use crate::fake_gms::FakeGms;
use crate::sync_datahub_fixtures::{PRODUCT, dataset, post_raw, proposal};

async fn rejects(body: Value, reason: &str) {
    let gms = FakeGms::start().await;
    let (status, answer) = post_raw(&gms, body).await;
    assert_eq!(status, 422, "{answer}");
    let message = answer["message"].as_str().unwrap();
    assert!(
        message.contains(reason),
        "`{message}` should say `{reason}`"
    );
    assert!(gms.aspects().is_empty(), "nothing is stored");
}

fn status_proposal() -> Value {
    proposal(
        "dataset",
        &dataset("db_v1", "t"),
        "status",
        &json!({"removed": false}),
    )
}

fn with(mut body: Value, pointer: &str, value: Value) -> Value {
    *body.pointer_mut(pointer).expect("the pointer exists") = value;
    body
}

#[tokio::test]
async fn datahub_fake_accepts_a_valid_proposal_and_serves_it_back() {
    let gms = FakeGms::start().await;
    let urn = dataset("db_v1", "t");
    let (status, answer) = post_raw(&gms, status_proposal()).await;
    assert_eq!((status, answer), (200, json!({ "value": urn })));
    let encoded: String = urn
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let answer: Value = daap::auth::http_client()
        .unwrap()
        .get(format!(
            "{}/aspects/{encoded}?aspect=status&version=0",
            gms.url
        ))
        .header("X-RestLi-Protocol-Version", "2.0.0")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"urn": urn, "version": 0, "aspect": {"com.linkedin.common.Status": {"removed": false}}})
    );
}

#[tokio::test]
async fn datahub_fake_rejects_an_unknown_entity_type() {
    let body = with(status_proposal(), "/proposal/entityType", json!("table"));
    rejects(body, "unknown entity type `table`").await;
}

#[tokio::test]
async fn datahub_fake_rejects_an_entity_type_that_is_not_the_urns() {
    let body = with(
        status_proposal(),
        "/proposal/entityType",
        json!("container"),
    );
    rejects(body, "does not match the URN's entity type `dataset`").await;
}

#[tokio::test]
async fn datahub_fake_rejects_a_urn_without_the_urn_li_prefix() {
    let body = proposal(
        "container",
        "container:db_v1",
        "status",
        &json!({"removed": false}),
    );
    rejects(body, "does not start with `urn:li:`").await;
}

#[tokio::test]
async fn datahub_fake_rejects_a_dataset_urn_that_is_not_a_platform_name_env_tuple() {
    let no_tuple = with(
        status_proposal(),
        "/proposal/entityUrn",
        json!("urn:li:dataset:db_v1.t"),
    );
    rejects(no_tuple, "is not a `(platform,name,env)` tuple").await;
    let bad_platform = with(
        status_proposal(),
        "/proposal/entityUrn",
        json!("urn:li:dataset:(glue,db_v1.t,PROD)"),
    );
    rejects(bad_platform, "is not a dataPlatform URN").await;
    let bad_env = with(
        status_proposal(),
        "/proposal/entityUrn",
        json!("urn:li:dataset:(urn:li:dataPlatform:glue,db_v1.t,PRODUCTION)"),
    );
    rejects(bad_env, "`PRODUCTION` is not an environment").await;
}

#[tokio::test]
async fn datahub_fake_rejects_an_aspect_not_allowed_on_the_entity() {
    let body = proposal(
        "domain",
        "urn:li:domain:HMPPS",
        "schemaMetadata",
        &json!({}),
    );
    rejects(
        body,
        "aspect `schemaMetadata` is not allowed on entity `domain`",
    )
    .await;
}

#[tokio::test]
async fn datahub_fake_rejects_a_change_type_other_than_upsert() {
    let body = with(status_proposal(), "/proposal/changeType", json!("REPLACE"));
    rejects(body, "unknown changeType `REPLACE`").await;
}

#[tokio::test]
async fn datahub_fake_rejects_a_content_type_other_than_json() {
    let body = with(
        status_proposal(),
        "/proposal/aspect/contentType",
        json!("text/plain"),
    );
    rejects(body, "aspect.contentType must be `application/json`").await;
}

#[tokio::test]
async fn datahub_fake_rejects_an_aspect_value_that_is_not_json() {
    let body = with(
        status_proposal(),
        "/proposal/aspect/value",
        json!("{removed: false"),
    );
    rejects(body, "aspect.value is not JSON").await;
    let not_a_string = with(
        status_proposal(),
        "/proposal/aspect/value",
        json!({"removed": false}),
    );
    rejects(not_a_string, "aspect.value is missing or not a string").await;
}

#[tokio::test]
async fn datahub_fake_rejects_a_missing_required_field() {
    let body = proposal(
        "container",
        "urn:li:container:x",
        "containerProperties",
        &json!({"description": "no name"}),
    );
    rejects(body, "required field `name` is missing").await;
}

#[tokio::test]
async fn datahub_fake_rejects_a_field_of_the_wrong_json_type() {
    let body = proposal(
        "dataProduct",
        PRODUCT,
        "dataProductProperties",
        &json!({"description": 123}),
    );
    rejects(body, "dataProductProperties.description: expected a string").await;
    let bad_enum = proposal(
        "dataProduct",
        PRODUCT,
        "ownership",
        &json!({"owners": [{"owner": "urn:li:corpuser:x", "type": "BOSS"}]}),
    );
    rejects(bad_enum, "ownership.owners[0].type: expected one of").await;
    let bad_urn = proposal(
        "dataset",
        &dataset("db_v1", "t"),
        "container",
        &json!({"container": "urn:li:domain:HMPPS"}),
    );
    rejects(bad_urn, "expected a URN of container").await;
}

#[tokio::test]
async fn datahub_fake_rejects_an_unknown_top_level_field() {
    let body = proposal(
        "dataset",
        &dataset("db_v1", "t"),
        "status",
        &json!({"removed": false, "deleted": true}),
    );
    rejects(body, "unknown field `deleted`").await;
}
