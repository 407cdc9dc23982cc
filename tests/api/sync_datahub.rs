//! The DataHub target against a fake GMS (`fake_gms.rs`): what it sends, that the fake would
//! catch it sending nonsense, that it merges with what people edit in DataHub, soft-deletes,
//! and how it classifies failures.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::http::StatusCode;
use daap::domain::column_type::ColumnType;
use daap::domain::table::{Column, TableSchema};
use daap::domain::{ProductFields, Status, Version};
use daap::sync::datahub::types::{field_type, schema_fields};
use daap::sync::datahub::{DataHubSettings, DataHubTarget};
use daap::sync::snapshot::{Delivery, MajorTables, ProductSnapshot, RemovedProduct, TableSnapshot};
use daap::sync::target::{DeliveryError, Target, TargetName};
use serde_json::{Value, json};

use crate::fake_gms::FakeGms;

const TIMEOUT: Duration = Duration::from_secs(10);
const PRODUCT: &str = "urn:li:dataProduct:prison_incidents";

fn dataset(db: &str, table: &str) -> String {
    format!("urn:li:dataset:(urn:li:dataPlatform:glue,{db}.{table},PROD)")
}

fn fields() -> ProductFields {
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

fn table(name: &str, columns: &[(&str, &str, &str)]) -> TableSnapshot {
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

fn incidents() -> TableSnapshot {
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

fn establishments() -> TableSnapshot {
    table(
        "establishments",
        &[("code", "char(3)", "Prison code"), ("name", "string", "")],
    )
}

fn snapshot(minor: i32, tables: Vec<TableSnapshot>, removed: &[&str]) -> ProductSnapshot {
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

fn target(gms: &FakeGms, token: Option<&str>) -> DataHubTarget {
    let mut settings = DataHubSettings::new(&gms.url);
    settings.token = token.map(str::to_owned);
    DataHubTarget::new(settings).expect("valid settings")
}

async fn publish(target: &DataHubTarget, snapshot: ProductSnapshot) {
    target
        .apply(&Delivery::Publish(snapshot), TIMEOUT)
        .await
        .expect("the publish is delivered");
}

/// Post a proposal as someone editing DataHub would; the fake must accept it.
async fn post_as_person(gms: &FakeGms, entity_type: &str, urn: &str, aspect: &str, value: Value) {
    let (status, body) = post_raw(gms, proposal(entity_type, urn, aspect, &value)).await;
    assert_eq!(status, 200, "{body}");
}

fn proposal(entity_type: &str, urn: &str, aspect: &str, value: &Value) -> Value {
    json!({"proposal": {
        "entityType": entity_type,
        "entityUrn": urn,
        "changeType": "UPSERT",
        "aspectName": aspect,
        "aspect": {"value": value.to_string(), "contentType": "application/json"},
    }})
}

async fn post_raw(gms: &FakeGms, body: Value) -> (u16, Value) {
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

fn asset_urns(properties: &Value) -> Vec<&str> {
    properties["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .map(|a| a["destinationUrn"].as_str().unwrap())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The fake rejects malformed proposals

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

// ---------------------------------------------------------------------------------------------
// Type mapping

fn member(athena: &str) -> (String, Value) {
    let ty = ColumnType::parse(athena).expect("a valid type");
    let union = field_type(&ty)["type"].clone();
    let (name, body) = union.as_object().unwrap().iter().next().unwrap();
    (
        name.trim_start_matches("com.linkedin.schema.").to_owned(),
        body.clone(),
    )
}

#[test]
fn datahub_maps_every_athena_type_family() {
    let cases = [
        ("boolean", "BooleanType"),
        ("tinyint", "NumberType"),
        ("smallint", "NumberType"),
        ("int", "NumberType"),
        ("integer", "NumberType"),
        ("bigint", "NumberType"),
        ("float", "NumberType"),
        ("real", "NumberType"),
        ("double", "NumberType"),
        ("decimal(10,2)", "NumberType"),
        ("decimal(38)", "NumberType"),
        ("char(3)", "StringType"),
        ("varchar", "StringType"),
        ("varchar(20)", "StringType"),
        ("string", "StringType"),
        ("binary", "BytesType"),
        ("date", "DateType"),
        ("timestamp", "TimeType"),
        ("array<string>", "ArrayType"),
        ("map<string,array<int>>", "MapType"),
        ("struct<a:int,b:struct<c:string>>", "RecordType"),
    ];
    for (athena, expected) in cases {
        assert_eq!(member(athena).0, expected, "{athena}");
    }
    assert_eq!(member("array<string>").1, json!({"nestedType": ["string"]}));
    assert_eq!(
        member("array<struct<a:int>>").1,
        json!({"nestedType": ["struct<a:int>"]})
    );
    assert_eq!(
        member("map<string,array<int>>").1,
        json!({"keyType": "string", "valueType": "array<int>"})
    );
}

#[test]
fn datahub_schema_fields_keep_the_athena_type_and_flatten_structs() {
    let ty = ColumnType::parse("struct<a:int,b:struct<c:string>>").unwrap();
    let fields = schema_fields("location", &ty, "Where");
    let summary: Vec<(&str, &str, &str)> = fields
        .iter()
        .map(|f| {
            (
                f["fieldPath"].as_str().unwrap(),
                f["nativeDataType"].as_str().unwrap(),
                f["type"]["type"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .next()
                    .unwrap()
                    .as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "location",
                "struct<a:int,b:struct<c:string>>",
                "com.linkedin.schema.RecordType"
            ),
            ("location.a", "int", "com.linkedin.schema.NumberType"),
            (
                "location.b",
                "struct<c:string>",
                "com.linkedin.schema.RecordType"
            ),
            ("location.b.c", "string", "com.linkedin.schema.StringType"),
        ]
    );
    assert_eq!(fields[0]["description"], "Where");
    assert!(fields[1].get("description").is_none());
    assert!(fields.iter().all(|f| f["nullable"] == true));

    let through_array = schema_fields(
        "events",
        &ColumnType::parse("array<struct<at:timestamp>>").unwrap(),
        "",
    );
    let paths: Vec<&str> = through_array
        .iter()
        .map(|f| f["fieldPath"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["events", "events.at"]);
    assert_eq!(
        schema_fields("d", &ColumnType::parse("decimal(10,2)").unwrap(), "")[0]["nativeDataType"],
        "decimal(10,2)"
    );
}

// ---------------------------------------------------------------------------------------------
// What a publish sends

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

// ---------------------------------------------------------------------------------------------
// Never clobber what people edit in DataHub (platform issue #3207)

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

// ---------------------------------------------------------------------------------------------
// Soft deletion

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

// ---------------------------------------------------------------------------------------------
// Failures

#[tokio::test]
async fn datahub_gms_down_is_transient() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let target = DataHubTarget::new(DataHubSettings::new(url)).unwrap();
    let error = target
        .apply(
            &Delivery::Publish(snapshot(0, vec![incidents()], &[])),
            TIMEOUT,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, DeliveryError::Transient(_)), "{error:?}");
}

#[tokio::test]
async fn datahub_refused_proposal_is_permanent() {
    let gms = FakeGms::start().await;
    gms.force(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Failed to validate record",
    );
    let error = target(&gms, None)
        .apply(
            &Delivery::Publish(snapshot(0, vec![incidents()], &[])),
            TIMEOUT,
        )
        .await
        .unwrap_err();
    let DeliveryError::Permanent(message) = error else {
        panic!("{error:?}")
    };
    assert!(message.contains("Failed to validate record"), "{message}");

    for status in [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN] {
        gms.force(status, "no");
        let error = target(&gms, Some("wrong"))
            .apply(
                &Delivery::Publish(snapshot(0, vec![incidents()], &[])),
                TIMEOUT,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(error, DeliveryError::Permanent(_)),
            "{status}: {error:?}"
        );
        assert!(
            !error.to_string().contains("wrong"),
            "the token is never shown"
        );
    }
}

#[tokio::test]
async fn datahub_throttling_and_server_errors_are_transient() {
    let gms = FakeGms::start().await;
    for status in [
        StatusCode::TOO_MANY_REQUESTS,
        StatusCode::INTERNAL_SERVER_ERROR,
        StatusCode::SERVICE_UNAVAILABLE,
    ] {
        gms.force(status, "busy");
        let removal = Delivery::Remove(RemovedProduct {
            name: "prison_incidents".into(),
            domain: "HMPPS".into(),
            majors: vec![],
        });
        let error = target(&gms, None)
            .apply(&removal, TIMEOUT)
            .await
            .unwrap_err();
        assert!(
            matches!(error, DeliveryError::Transient(_)),
            "{status}: {error:?}"
        );
    }
}

#[tokio::test]
async fn datahub_apply_gives_up_at_the_timeout() {
    let gms = FakeGms::start().await;
    gms.delay(Duration::from_secs(5));
    let started = std::time::Instant::now();
    let error = target(&gms, None)
        .apply(
            &Delivery::Publish(snapshot(0, vec![incidents()], &[])),
            Duration::from_millis(200),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, DeliveryError::Transient(_)), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn datahub_settings_are_checked_and_never_show_the_token() {
    let mut settings = DataHubSettings::new("http://gms:8080");
    assert_eq!(settings.environment, "PROD");
    settings.token = Some("very-secret".into());
    let shown = format!("{settings:?}");
    assert!(!shown.contains("very-secret"), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
    let target = DataHubTarget::new(settings.clone()).unwrap();
    assert!(!format!("{target:?}").contains("very-secret"));

    assert!(DataHubTarget::new(DataHubSettings::new("gms:8080")).is_err());
    assert!(DataHubTarget::new(DataHubSettings::new("ftp://gms")).is_err());
    let mut bad_env = DataHubSettings::new("http://gms:8080");
    bad_env.environment = "PRODUCTION".into();
    assert!(DataHubTarget::new(bad_env).is_err());
    let mut dev = DataHubSettings::new("http://gms:8080");
    dev.environment = "dev".into();
    assert_eq!(DataHubTarget::new(dev).unwrap().environment(), "DEV");
}

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
