//! Soft deletion: a table removed from a product, and a removed product, are marked
//! `status.removed` in DataHub; nothing is hard-deleted.

use daap::domain::Version;
use daap::sync::snapshot::{Delivery, MajorTables, RemovedProduct};
use daap::sync::target::Target;
use serde_json::{Value, json};

use crate::fake_gms::FakeGms;
use crate::sync_datahub_fixtures::{
    PRODUCT, TIMEOUT, asset_urns, dataset, establishments, incidents, publish, snapshot, target,
};

#[tokio::test]
async fn datahub_removed_table_is_soft_deleted_and_leaves_the_assets() {
    let gms = FakeGms::start().await;
    let target = target(&gms, None);
    publish(
        &target,
        snapshot(0, vec![establishments(), incidents()], &[]),
    )
    .await;
    publish(&target, snapshot(1, vec![incidents()], &["establishments"])).await;

    let gone = dataset("prison_incidents_v1", "establishments");
    let kept = dataset("prison_incidents_v1", "incidents");
    assert_eq!(gms.aspect(&gone, "status"), Some(json!({"removed": true})));
    assert_eq!(gms.aspect(&kept, "status"), Some(json!({"removed": false})));
    let properties = gms.aspect(PRODUCT, "dataProductProperties").unwrap();
    assert_eq!(asset_urns(&properties), [kept.as_str()]);
    // Soft, not hard: the dataset's other aspects are still there.
    assert!(gms.aspect(&gone, "schemaMetadata").is_some());
}

#[tokio::test]
async fn datahub_removed_product_soft_deletes_everything_daap_made() {
    let gms = FakeGms::start().await;
    let target = target(&gms, None);
    publish(
        &target,
        snapshot(0, vec![establishments(), incidents()], &[]),
    )
    .await;
    let mut v2 = snapshot(0, vec![incidents()], &[]);
    v2.version = Version { major: 2, minor: 0 };
    v2.majors = vec![
        MajorTables {
            major: 1,
            tables: vec!["establishments".into(), "incidents".into()],
        },
        MajorTables {
            major: 2,
            tables: vec!["incidents".into()],
        },
    ];
    publish(&target, v2).await;
    let before = gms.aspects();
    gms.clear_recorded();

    let removal = Delivery::Remove(RemovedProduct {
        name: "prison_incidents".into(),
        domain: "HMPPS".into(),
        majors: vec![
            MajorTables {
                major: 1,
                tables: vec!["establishments".into(), "incidents".into()],
            },
            MajorTables {
                major: 2,
                tables: vec!["incidents".into()],
            },
        ],
    });
    target.apply(&removal, TIMEOUT).await.expect("removed");

    let removed: Vec<(String, Value)> = gms
        .proposals()
        .into_iter()
        .map(|p| {
            assert_eq!(p["aspectName"], "status");
            (
                p["entityUrn"].as_str().unwrap().to_owned(),
                p["aspect"]["value"].clone(),
            )
        })
        .collect();
    let urns: Vec<&str> = removed.iter().map(|(urn, _)| urn.as_str()).collect();
    assert_eq!(
        urns,
        [
            dataset("prison_incidents_v1", "establishments").as_str(),
            &dataset("prison_incidents_v1", "incidents"),
            "urn:li:container:daap.glue.prod.prison_incidents_v1",
            &dataset("prison_incidents_v2", "incidents"),
            "urn:li:container:daap.glue.prod.prison_incidents_v2",
            PRODUCT,
        ]
    );
    assert!(removed.iter().all(|(_, v)| *v == json!({"removed": true})));
    // Every entity daap made now says removed, and nothing else changed.
    let after = gms.aspects();
    for ((urn, aspect), value) in &after {
        if aspect == "status" {
            assert_eq!(*value, json!({"removed": true}), "{urn}");
        } else {
            assert_eq!(Some(value), before.get(&(urn.clone(), aspect.clone())));
        }
    }
    // The domain is left alone.
    assert!(
        after
            .keys()
            .all(|(urn, aspect)| !(urn.starts_with("urn:li:domain:") && aspect == "status"))
    );
    // A redelivery of the removal changes nothing.
    target
        .apply(&removal, TIMEOUT)
        .await
        .expect("removed again");
    assert_eq!(gms.aspects(), after);
}
