//! How daap's aspects merge with what people edit in DataHub (platform issue #3207, where
//! attaching a table wiped a product's properties and assets): the read-modify-write rules.
//!
//! daap replaces the aspects that only it writes (`datasetProperties`, `schemaMetadata`,
//! `containerProperties`, `subTypes`, `container`, `domains`, `dataPlatformInstance`,
//! `status`). For the aspects that people also edit in DataHub it merges:
//!
//! - `dataProductProperties`: daap owns `name` and `description` (producers edit them in
//!   daap, and the next version would overwrite an edit made in DataHub anyway) and the
//!   custom properties in [`DAAP_PROPERTY_KEYS`]; it owns the assets that are datasets of
//!   this product's Glue databases (`<name>_v<major>.*` on the glue platform, in this
//!   environment). Every other custom property, asset and field is kept as it is.
//! - `ownership` and `globalTags`: daap's own entries are marked (an owner's `source` is
//!   `{type: SERVICE, url: "daap"}`, a tag's `context` is `"daap"`); they are replaced, and
//!   every other entry is kept.
//! - `domainProperties`: written only while the domain has none; once it exists it is resent
//!   as it is, so a domain renamed or described in DataHub stays so.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::domain::{Id, ProductFields};
use crate::sync::snapshot::{MajorTables, ProductSnapshot, database_name};

use super::urns::{corpuser_urn, data_product_urn, dataset_urn, is_product_dataset, tag_urn};

/// Marks the owners and tags daap wrote, so that the next write replaces only those.
pub const DAAP_MARKER: &str = "daap";

/// The custom properties of a `dataProductProperties` that daap owns: set from the product on
/// every publish (and removed when the product has no value for them); all others are kept.
pub const DAAP_PROPERTY_KEYS: [&str; 10] = [
    "daapId",
    "version",
    "status",
    "retentionPeriod",
    "dpiaRequired",
    "email",
    "dataProductOwner",
    "dataProductOwnerDisplayName",
    "dataProductMaintainer",
    "dataProductMaintainerDisplayName",
];

/// `domainProperties`: the existing one untouched, or a new one named after the domain.
pub fn domain_properties(domain: &str, current: Option<&Value>) -> Value {
    match current {
        Some(existing) if existing.is_object() => existing.clone(),
        _ => json!({ "name": domain }),
    }
}

/// daap's custom properties of a product.
pub fn product_custom_properties(snapshot: &ProductSnapshot) -> BTreeMap<&'static str, String> {
    let fields = &snapshot.fields;
    let mut properties = BTreeMap::from([
        (
            "daapId",
            Id::product(&snapshot.name, Some(snapshot.version)).to_string(),
        ),
        ("version", snapshot.version.to_string()),
        ("status", fields.status.as_str().to_owned()),
        ("retentionPeriod", fields.retention_period.to_string()),
        ("dpiaRequired", fields.dpia_required.to_string()),
        ("email", fields.email.clone()),
        ("dataProductOwner", fields.owner.clone()),
        (
            "dataProductOwnerDisplayName",
            fields.owner_display_name.clone(),
        ),
    ]);
    if let Some(maintainer) = &fields.maintainer {
        properties.insert("dataProductMaintainer", maintainer.clone());
    }
    if let Some(name) = &fields.maintainer_display_name {
        properties.insert("dataProductMaintainerDisplayName", name.clone());
    }
    properties
}

/// The datasets a product lists as assets: every table of every major, majors ascending.
pub fn product_assets(snapshot: &ProductSnapshot, environment: &str) -> Vec<String> {
    let mut assets = Vec::new();
    let mut seen = BTreeSet::new();
    for MajorTables { major, tables } in &snapshot.majors {
        let database = database_name(&snapshot.name, *major);
        for table in tables {
            let urn = dataset_urn(environment, &database, table);
            if seen.insert(urn.clone()) {
                assets.push(urn);
            }
        }
    }
    assets
}

/// `dataProductProperties` merged into the current one (see the module docs).
pub fn data_product_properties(
    snapshot: &ProductSnapshot,
    environment: &str,
    current: Option<&Value>,
) -> Value {
    let mut aspect = match current {
        Some(Value::Object(existing)) => existing.clone(),
        _ => Map::new(),
    };
    aspect.insert("name".into(), json!(snapshot.name));
    aspect.insert("description".into(), json!(snapshot.fields.description));

    let mut custom = match aspect.remove("customProperties") {
        Some(Value::Object(existing)) => existing,
        _ => Map::new(),
    };
    for key in DAAP_PROPERTY_KEYS {
        custom.remove(key);
    }
    for (key, value) in product_custom_properties(snapshot) {
        custom.insert(key.to_owned(), Value::String(value));
    }
    aspect.insert("customProperties".into(), Value::Object(custom));

    let product = data_product_urn(&snapshot.name);
    let ours = product_assets(snapshot, environment);
    let mut assets: Vec<Value> = match aspect.remove("assets") {
        Some(Value::Array(existing)) => existing
            .into_iter()
            .filter(|asset| {
                let destination = asset
                    .get("destinationUrn")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                !is_product_dataset(destination, &snapshot.name, environment)
                    && !ours.iter().any(|urn| urn == destination)
            })
            .collect(),
        _ => Vec::new(),
    };
    assets.extend(
        ours.iter()
            .map(|urn| json!({ "sourceUrn": product, "destinationUrn": urn })),
    );
    aspect.insert("assets".into(), Value::Array(assets));
    Value::Object(aspect)
}

fn daap_owner(owner: &str, kind: &str) -> Value {
    json!({
        "owner": corpuser_urn(owner),
        "type": kind,
        "source": { "type": "SERVICE", "url": DAAP_MARKER },
    })
}

/// `ownership`: the product's owner (`BUSINESS_OWNER`) and maintainer (`TECHNICAL_OWNER`), as
/// `corpuser`s named by their email (or a machine maintainer's client id), after every owner
/// someone else added. `lastModified` is the "unknown" stamp GMS itself defaults to, so that
/// a redelivery sends the same bytes.
pub fn ownership(fields: &ProductFields, current: Option<&Value>) -> Value {
    let mut ours = vec![daap_owner(&fields.owner, "BUSINESS_OWNER")];
    if let Some(maintainer) = &fields.maintainer {
        ours.push(daap_owner(maintainer, "TECHNICAL_OWNER"));
    }
    let key = |owner: &Value| {
        (
            owner.get("owner").cloned().unwrap_or(Value::Null),
            owner.get("type").cloned().unwrap_or(Value::Null),
        )
    };
    let our_keys: Vec<_> = ours.iter().map(key).collect();
    let mut owners: Vec<Value> = current
        .and_then(|aspect| aspect.get("owners"))
        .and_then(Value::as_array)
        .map(|existing| {
            existing
                .iter()
                .filter(|owner| {
                    let marked = owner.pointer("/source/type") == Some(&json!("SERVICE"))
                        && owner.pointer("/source/url") == Some(&json!(DAAP_MARKER));
                    !marked && !our_keys.contains(&key(owner))
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    owners.extend(ours);
    json!({
        "owners": owners,
        "lastModified": { "time": 0, "actor": "urn:li:corpuser:unknown" },
    })
}

/// `globalTags`: one tag per product tag (see [`tag_urn`]), after every tag someone else
/// added.
pub fn global_tags(tags: &BTreeMap<String, String>, current: Option<&Value>) -> Value {
    let ours: Vec<String> = tags.iter().map(|(k, v)| tag_urn(k, v)).collect();
    let mut out: Vec<Value> = current
        .and_then(|aspect| aspect.get("tags"))
        .and_then(Value::as_array)
        .map(|existing| {
            existing
                .iter()
                .filter(|tag| {
                    let marked = tag.get("context") == Some(&json!(DAAP_MARKER));
                    let same = tag
                        .get("tag")
                        .and_then(Value::as_str)
                        .is_some_and(|urn| ours.iter().any(|ours| ours == urn));
                    !marked && !same
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    out.extend(
        ours.iter()
            .map(|urn| json!({ "tag": urn, "context": DAAP_MARKER })),
    );
    json!({ "tags": out })
}
