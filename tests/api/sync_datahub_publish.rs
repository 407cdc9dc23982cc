//! What a publish sends to DataHub: the proposals of a sample product (snapshot-tested), as
//! Rest.li requests with the bearer token, and the same again on a redelivery.

use daap::sync::target::{Target, TargetName};

use crate::fake_gms::FakeGms;
use crate::sync_datahub_fixtures::{
    PRODUCT, asset_urns, dataset, establishments, incidents, publish, snapshot, target,
};

#[tokio::test]
async fn datahub_publish_sends_the_expected_proposals() {
    let gms = FakeGms::start().await;
    let target = target(&gms, Some("secret-token"));
    assert_eq!(target.name(), TargetName::DataHub);
    publish(
        &target,
        snapshot(0, vec![establishments(), incidents()], &[]),
    )
    .await;

    let proposals = gms.proposals();
    insta::assert_json_snapshot!("datahub_publish_proposals", proposals);

    // Every proposal was accepted and every aspect is stored.
    let stored = gms.aspects();
    assert_eq!(stored.len(), proposals.len());
    let product = gms.aspect(PRODUCT, "dataProductProperties").unwrap();
    assert_eq!(
        asset_urns(&product),
        [
            dataset("prison_incidents_v1", "establishments"),
            dataset("prison_incidents_v1", "incidents")
        ]
    );
    let schema = gms
        .aspect(
            &dataset("prison_incidents_v1", "incidents"),
            "schemaMetadata",
        )
        .unwrap();
    assert_eq!(schema["version"], 1);
    assert_eq!(schema["fields"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn datahub_publish_sends_rest_li_requests_with_the_bearer_token() {
    let gms = FakeGms::start().await;
    publish(
        &target(&gms, Some("secret-token")),
        snapshot(0, vec![incidents()], &[]),
    )
    .await;
    let recorded = gms.recorded();
    assert!(!recorded.is_empty());
    for request in &recorded {
        assert_eq!(request.headers["authorization"], "Bearer secret-token");
        assert_eq!(request.headers["x-restli-protocol-version"], "2.0.0");
        if request.method == "POST" {
            assert_eq!(request.uri, "/aspects?action=ingestProposal");
        } else {
            assert!(
                request.uri.starts_with("/aspects/urn%3Ali%3A"),
                "{}",
                request.uri
            );
            assert!(request.uri.ends_with("&version=0"), "{}", request.uri);
        }
    }

    let anonymous = FakeGms::start().await;
    publish(
        &target(&anonymous, None),
        snapshot(0, vec![incidents()], &[]),
    )
    .await;
    assert!(
        anonymous
            .recorded()
            .iter()
            .all(|r| !r.headers.contains_key("authorization"))
    );
}

#[tokio::test]
async fn datahub_redelivery_sends_the_same_proposals_and_changes_nothing() {
    let gms = FakeGms::start().await;
    let target = target(&gms, None);
    let delivery = snapshot(0, vec![establishments(), incidents()], &[]);
    publish(&target, delivery.clone()).await;
    let first = gms.proposals();
    let state = gms.aspects();
    gms.clear_recorded();
    publish(&target, delivery).await;
    assert_eq!(gms.proposals(), first);
    assert_eq!(gms.aspects(), state);
}
