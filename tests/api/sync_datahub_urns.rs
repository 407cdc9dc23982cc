//! URNs built from free text (tags, domains, owners) have DataHub's reserved characters
//! encoded, GMS accepts them, and only a product's own Glue datasets count as its datasets.

use serde_json::json;

use crate::fake_gms::FakeGms;
use crate::sync_datahub_fixtures::{PRODUCT, dataset, post_as_person};

#[tokio::test]
async fn datahub_urns_encode_reserved_characters_in_free_text() {
    use daap::sync::datahub::mcp::{corpuser_urn, domain_urn, is_product_dataset, tag_urn};
    assert_eq!(
        tag_urn("team (ops)", "a,b"),
        "urn:li:tag:team %28ops%29:a%2Cb"
    );
    assert_eq!(tag_urn("pii", ""), "urn:li:tag:pii");
    assert_eq!(
        domain_urn("Legal Aid (LAA)"),
        "urn:li:domain:Legal Aid %28LAA%29"
    );
    assert_eq!(
        corpuser_urn("0b4d2f7e-1c1a-4c8e-9a43-2f1d1a7e9c55"),
        "urn:li:corpuser:0b4d2f7e-1c1a-4c8e-9a43-2f1d1a7e9c55"
    );
    // The fake (like GMS) accepts them.
    let gms = FakeGms::start().await;
    post_as_person(
        &gms,
        "dataProduct",
        PRODUCT,
        "globalTags",
        json!({"tags": [{"tag": tag_urn("team (ops)", "a,b")}]}),
    )
    .await;

    let ours = dataset("prison_incidents_v12", "incidents");
    assert!(is_product_dataset(&ours, "prison_incidents", "PROD"));
    assert!(!is_product_dataset(&ours, "prison_incidents", "DEV"));
    assert!(!is_product_dataset(&ours, "prison", "PROD"));
    assert!(!is_product_dataset(
        &dataset("prison_incidents_vx", "incidents"),
        "prison_incidents",
        "PROD"
    ));
    assert!(!is_product_dataset(
        "urn:li:dataset:(urn:li:dataPlatform:athena,prison_incidents_v1.incidents,PROD)",
        "prison_incidents",
        "PROD"
    ));
}
