//! A publish never clobbers what people edit in DataHub (platform issue #3207): assets,
//! custom properties, owners and tags they added, and a domain they edited, are kept.

use serde_json::json;

use crate::fake_gms::FakeGms;
use crate::sync_datahub_fixtures::{
    PRODUCT, asset_urns, dataset, establishments, incidents, post_as_person, publish, snapshot,
    target,
};

#[tokio::test]
async fn datahub_publish_keeps_assets_properties_owners_and_tags_people_added() {
    let gms = FakeGms::start().await;
    let target = target(&gms, None);
    publish(&target, snapshot(0, vec![incidents()], &[])).await;

    // Someone attaches a dashboard and adds a custom property, an owner and a tag in DataHub.
    let dashboard = "urn:li:dashboard:(powerbi,incidents_overview)";
    let mut properties = gms.aspect(PRODUCT, "dataProductProperties").unwrap();
    properties["assets"]
        .as_array_mut()
        .unwrap()
        .insert(0, json!({"destinationUrn": dashboard}));
    properties["customProperties"]["reviewedBy"] = json!("data steward");
    properties["externalUrl"] = json!("https://wiki.example/incidents");
    post_as_person(
        &gms,
        "dataProduct",
        PRODUCT,
        "dataProductProperties",
        properties,
    )
    .await;
    let mut ownership = gms.aspect(PRODUCT, "ownership").unwrap();
    ownership["owners"]
        .as_array_mut()
        .unwrap()
        .push(json!({"owner": "urn:li:corpuser:steward@justice.gov.uk", "type": "DATA_STEWARD"}));
    post_as_person(&gms, "dataProduct", PRODUCT, "ownership", ownership).await;
    let mut tags = gms.aspect(PRODUCT, "globalTags").unwrap();
    tags["tags"]
        .as_array_mut()
        .unwrap()
        .push(json!({"tag": "urn:li:tag:gold"}));
    post_as_person(&gms, "dataProduct", PRODUCT, "globalTags", tags).await;

    // daap publishes a new table, with a new maintainer and one tag fewer.
    let mut next = snapshot(1, vec![establishments(), incidents()], &[]);
    next.fields.maintainer = Some("alex.jones@justice.gov.uk".into());
    next.fields.tags.remove("sensitivity");
    publish(&target, next).await;

    let properties = gms.aspect(PRODUCT, "dataProductProperties").unwrap();
    assert_eq!(
        asset_urns(&properties),
        [
            dashboard.to_owned(),
            dataset("prison_incidents_v1", "establishments"),
            dataset("prison_incidents_v1", "incidents"),
        ]
    );
    assert_eq!(properties["customProperties"]["reviewedBy"], "data steward");
    assert_eq!(properties["customProperties"]["version"], "v1.1");
    assert_eq!(
        properties["customProperties"]["daapId"],
        "dp:prison_incidents:v1.1"
    );
    assert_eq!(properties["externalUrl"], "https://wiki.example/incidents");

    let ownership = gms.aspect(PRODUCT, "ownership").unwrap();
    let owners: Vec<(&str, &str)> = ownership["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["owner"].as_str().unwrap(), o["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        owners,
        [
            ("urn:li:corpuser:steward@justice.gov.uk", "DATA_STEWARD"),
            ("urn:li:corpuser:jane.doe@justice.gov.uk", "BUSINESS_OWNER"),
            (
                "urn:li:corpuser:alex.jones@justice.gov.uk",
                "TECHNICAL_OWNER"
            ),
        ]
    );
    let tags = gms.aspect(PRODUCT, "globalTags").unwrap();
    let tags: Vec<&str> = tags["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tag"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        ["urn:li:tag:gold", "urn:li:tag:dc_display_in_catalogue"]
    );
}

#[tokio::test]
async fn datahub_publish_leaves_an_existing_domain_as_people_edited_it() {
    let gms = FakeGms::start().await;
    let domain =
        json!({"name": "HM Prison and Probation Service", "description": "Edited in DataHub"});
    post_as_person(
        &gms,
        "domain",
        "urn:li:domain:HMPPS",
        "domainProperties",
        domain.clone(),
    )
    .await;
    publish(&target(&gms, None), snapshot(0, vec![incidents()], &[])).await;
    assert_eq!(
        gms.aspect("urn:li:domain:HMPPS", "domainProperties"),
        Some(domain)
    );

    let fresh = FakeGms::start().await;
    publish(&target(&fresh, None), snapshot(0, vec![incidents()], &[])).await;
    assert_eq!(
        fresh.aspect("urn:li:domain:HMPPS", "domainProperties"),
        Some(json!({"name": "HMPPS"}))
    );
}
