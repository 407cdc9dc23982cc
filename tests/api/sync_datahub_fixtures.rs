//! What the DataHub target's tests share: a sample product (`prison_incidents`, two tables),
//! a target pointed at a fake GMS, and ways to post to the fake as someone editing DataHub.

use std::collections::BTreeMap;
use std::time::Duration;

use daap::domain::table::{Column, TableSchema};
use daap::domain::{ProductFields, Status, Version};
use daap::sync::datahub::{DataHubSettings, DataHubTarget};
use daap::sync::snapshot::{Delivery, MajorTables, ProductSnapshot, TableSnapshot};
use daap::sync::target::Target;
use serde_json::{Value, json};

use crate::fake_gms::FakeGms;

pub const TIMEOUT: Duration = Duration::from_secs(10);
pub const PRODUCT: &str = "urn:li:dataProduct:prison_incidents";

pub fn dataset(db: &str, table: &str) -> String {
    format!("urn:li:dataset:(urn:li:dataPlatform:glue,{db}.{table},PROD)")
}

pub fn fields() -> ProductFields {
    ProductFields {
        description: "Incidents in prisons, by establishment.".into(),
        domain: "HMPPS".into(),
        owner: "jane.doe@justice.gov.uk".into(),
        owner_display_name: "Jane Doe".into(),
        maintainer: Some("sam.smith@justice.gov.uk".into()),
        maintainer_display_name: Some("Sam Smith".into()),
        email: "incidents@justice.gov.uk".into(),
        status: Status::Published,
        retention_period: 3650,
        dpia_required: true,
        tags: BTreeMap::from([
            ("dc_display_in_catalogue".into(), String::new()),
            ("sensitivity".into(), "official".into()),
        ]),
    }
}

pub fn table(name: &str, columns: &[(&str, &str, &str)]) -> TableSnapshot {
    TableSnapshot {
        name: name.into(),
        schema: TableSchema {
            table_description: format!("The {name} table."),
            columns: columns
                .iter()
                .map(|(name, ty, description)| Column {
                    name: (*name).into(),
                    data_type: (*ty).into(),
                    description: (*description).into(),
                })
                .collect(),
        },
    }
}

pub fn incidents() -> TableSnapshot {
    table(
        "incidents",
        &[
            ("incident_id", "bigint", "Unique id of the incident"),
            ("occurred_on", "date", ""),
            ("cost", "decimal(10,2)", "Cost in pounds"),
            ("location", "struct<wing:varchar(20),cell:int>", ""),
        ],
    )
}

pub fn establishments() -> TableSnapshot {
    table(
        "establishments",
        &[("code", "char(3)", "Prison code"), ("name", "string", "")],
    )
}

pub fn snapshot(minor: i32, tables: Vec<TableSnapshot>, removed: &[&str]) -> ProductSnapshot {
    let names = tables.iter().map(|t| t.name.clone()).collect();
    ProductSnapshot {
        name: "prison_incidents".into(),
        version: Version { major: 1, minor },
        fields: fields(),
        tables,
        removed_tables: removed.iter().map(|t| (*t).to_owned()).collect(),
        majors: vec![MajorTables {
            major: 1,
            tables: names,
        }],
    }
}

pub fn target(gms: &FakeGms, token: Option<&str>) -> DataHubTarget {
    let mut settings = DataHubSettings::new(&gms.url);
    settings.token = token.map(str::to_owned);
    DataHubTarget::new(settings).expect("valid settings")
}

pub async fn publish(target: &DataHubTarget, snapshot: ProductSnapshot) {
    target
        .apply(&Delivery::Publish(snapshot), TIMEOUT)
        .await
        .expect("the publish is delivered");
}

/// Post a proposal as someone editing DataHub would; the fake must accept it.
pub async fn post_as_person(
    gms: &FakeGms,
    entity_type: &str,
    urn: &str,
    aspect: &str,
    value: Value,
) {
    let (status, body) = post_raw(gms, proposal(entity_type, urn, aspect, &value)).await;
    assert_eq!(status, 200, "{body}");
}

pub fn proposal(entity_type: &str, urn: &str, aspect: &str, value: &Value) -> Value {
    json!({"proposal": {
        "entityType": entity_type,
        "entityUrn": urn,
        "changeType": "UPSERT",
        "aspectName": aspect,
        "aspect": {"value": value.to_string(), "contentType": "application/json"},
    }})
}

pub async fn post_raw(gms: &FakeGms, body: Value) -> (u16, Value) {
    let response = daap::auth::http_client()
        .unwrap()
        .post(format!("{}/aspects?action=ingestProposal", gms.url))
        .header("X-RestLi-Protocol-Version", "2.0.0")
        .json(&body)
        .send()
        .await
        .expect("the fake answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON answer"))
}

pub fn asset_urns(properties: &Value) -> Vec<&str> {
    properties["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .map(|a| a["destinationUrn"].as_str().unwrap())
        .collect()
}
