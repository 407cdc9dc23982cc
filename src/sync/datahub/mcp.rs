//! The MetadataChangeProposals daap sends to DataHub, built from a delivery and (for the
//! aspects people also edit in DataHub) the aspect's current value.
//!
//! Everything here is pure: the same delivery and the same current aspects always give the
//! same proposals, in the same order. [`super::DataHubTarget`] does the reading and sending.
//!
//! # Entities and URNs
//!
//! | daap | DataHub entity | URN |
//! |---|---|---|
//! | a product's domain | `domain` | `urn:li:domain:<domain>` |
//! | a product | `dataProduct` | `urn:li:dataProduct:<name>` |
//! | the Glue database of a major (`<name>_v<major>`) | `container` | `urn:li:container:daap.glue.<env>.<database>` |
//! | a table in it | `dataset` | `urn:li:dataset:(urn:li:dataPlatform:glue,<database>.<table>,<ENV>)` |
//! | owner, maintainer | `corpuser` | `urn:li:corpuser:<email or client id>` |
//! | a tag `key: value` | `tag` | `urn:li:tag:<key>:<value>`, or `urn:li:tag:<key>` when the value is empty |
//!
//! Free text in a URN (domains, tags, owners) has DataHub's reserved characters `,` `(` `)`
//! `␟` percent-encoded, as the DataHub SDK does. Container URNs do not use DataHub's GUIDs (an
//! MD5 of the key properties): `daap.glue.<env>.<database>` is readable, stable, cannot collide
//! with a GUID (32 hex digits, no dots), and carries the environment so that two daap
//! deployments writing to one DataHub with different environments keep apart, as their
//! datasets do.
//!
//! # Who owns what
//!
//! daap replaces the aspects that only it writes (`datasetProperties`, `schemaMetadata`,
//! `containerProperties`, `subTypes`, `container`, `domains`, `dataPlatformInstance`,
//! `status`). For the aspects that people also edit in DataHub it merges (platform issue
//! #3207, where attaching a table wiped a product's properties and assets):
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
use sha2::{Digest, Sha256};

use crate::domain::column_type::ColumnType;
use crate::domain::{Id, ProductFields};
use crate::sync::snapshot::{MajorTables, ProductSnapshot, RemovedProduct, database_name};

use super::types;

/// The platform every dataset and container of daap is on.
pub const PLATFORM_URN: &str = "urn:li:dataPlatform:glue";
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

/// DataHub's environments (`FabricType`), the last part of a dataset URN.
pub const ENVIRONMENTS: [&str; 17] = [
    "DEV", "TEST", "QA", "UAT", "EI", "PRE", "STG", "NON_PROD", "PROD", "CORP", "RVW", "PRD",
    "TST", "SIT", "SBX", "SANDBOX", "CERT",
];

/// One MetadataChangeProposal, always an `UPSERT` of one aspect.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub entity_type: &'static str,
    pub entity_urn: String,
    pub aspect_name: &'static str,
    /// The aspect itself (sent serialised to a string, as Rest.li wants it).
    pub aspect: Value,
}

impl Proposal {
    fn new(
        entity_type: &'static str,
        entity_urn: &str,
        aspect_name: &'static str,
        aspect: Value,
    ) -> Self {
        Self {
            entity_type,
            entity_urn: entity_urn.to_owned(),
            aspect_name,
            aspect,
        }
    }

    /// The body of `POST /aspects?action=ingestProposal`.
    pub fn rest_li_body(&self) -> Value {
        json!({
            "proposal": {
                "entityType": self.entity_type,
                "entityUrn": self.entity_urn,
                "changeType": "UPSERT",
                "aspectName": self.aspect_name,
                "aspect": {
                    "value": self.aspect.to_string(),
                    "contentType": "application/json",
                },
            }
        })
    }
}

/// The fully qualified Pegasus name of an aspect daap reads back, the key GMS nests it under
/// in a `GET /aspects/{urn}` answer.
pub fn aspect_class(aspect_name: &str) -> Option<&'static str> {
    Some(match aspect_name {
        "dataProductProperties" => "com.linkedin.dataproduct.DataProductProperties",
        "domainProperties" => "com.linkedin.domain.DomainProperties",
        "ownership" => "com.linkedin.common.Ownership",
        "globalTags" => "com.linkedin.common.GlobalTags",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// URNs

/// Percent-encode DataHub's reserved URN characters (`,`, `(`, `)`, `␟`), as its SDK does.
pub fn encode_urn_part(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, ',' | '(' | ')' | '␟') {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub fn domain_urn(domain: &str) -> String {
    format!("urn:li:domain:{}", encode_urn_part(domain))
}

pub fn data_product_urn(product: &str) -> String {
    format!("urn:li:dataProduct:{product}")
}

pub fn container_urn(environment: &str, database: &str) -> String {
    format!(
        "urn:li:container:daap.glue.{}.{database}",
        environment.to_ascii_lowercase()
    )
}

pub fn dataset_urn(environment: &str, database: &str, table: &str) -> String {
    format!("urn:li:dataset:({PLATFORM_URN},{database}.{table},{environment})")
}

pub fn corpuser_urn(id: &str) -> String {
    format!("urn:li:corpuser:{}", encode_urn_part(id))
}

pub fn tag_urn(key: &str, value: &str) -> String {
    if value.is_empty() {
        format!("urn:li:tag:{}", encode_urn_part(key))
    } else {
        format!(
            "urn:li:tag:{}:{}",
            encode_urn_part(key),
            encode_urn_part(value)
        )
    }
}

/// Whether `urn` is a dataset daap makes for `product`: a table of one of its Glue databases
/// (`<product>_v<major>`) on the glue platform in `environment`.
pub fn is_product_dataset(urn: &str, product: &str, environment: &str) -> bool {
    let Some(rest) = urn.strip_prefix(&format!("urn:li:dataset:({PLATFORM_URN},{product}_v"))
    else {
        return false;
    };
    let Some(rest) = rest.strip_suffix(&format!(",{environment})")) else {
        return false;
    };
    let Some((major, table)) = rest.split_once('.') else {
        return false;
    };
    !major.is_empty()
        && major.bytes().all(|b| b.is_ascii_digit())
        && !table.is_empty()
        && table
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

// ---------------------------------------------------------------------------------------------
// What to read before writing

/// An aspect whose current value a publish needs, to merge into it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Read {
    pub entity_urn: String,
    pub aspect_name: &'static str,
}

/// The current values of the aspects in [`publish_reads`]; a missing key means "none".
pub type Current = BTreeMap<Read, Value>;

fn read(entity_urn: &str, aspect_name: &'static str) -> Read {
    Read {
        entity_urn: entity_urn.to_owned(),
        aspect_name,
    }
}

/// Every aspect a publish of `snapshot` merges into, in the order it needs them.
pub fn publish_reads(snapshot: &ProductSnapshot, environment: &str) -> Vec<Read> {
    let product = data_product_urn(&snapshot.name);
    let database = snapshot.database();
    let mut reads = vec![read(
        &domain_urn(&snapshot.fields.domain),
        "domainProperties",
    )];
    for table in &snapshot.tables {
        let dataset = dataset_urn(environment, &database, &table.name);
        reads.push(read(&dataset, "ownership"));
        reads.push(read(&dataset, "globalTags"));
    }
    reads.push(read(&product, "dataProductProperties"));
    reads.push(read(&product, "ownership"));
    reads.push(read(&product, "globalTags"));
    reads
}

// ---------------------------------------------------------------------------------------------
// The proposals

/// Why a snapshot cannot be turned into proposals (a bug upstream: types are validated
/// before they are stored).
#[derive(Debug, thiserror::Error)]
#[error("table `{table}` column `{column}`: type `{data_type}` does not parse: {reason}")]
pub struct BadColumnType {
    pub table: String,
    pub column: String,
    pub data_type: String,
    pub reason: String,
}

/// Everything a publish of `snapshot` writes, in order: the domain, this major's container,
/// each table's dataset, the soft-deletion of removed tables, and the product last (its assets
/// point at the datasets).
pub fn publish_proposals(
    snapshot: &ProductSnapshot,
    environment: &str,
    current: &Current,
) -> Result<Vec<Proposal>, BadColumnType> {
    let fields = &snapshot.fields;
    let product = data_product_urn(&snapshot.name);
    let domain = domain_urn(&fields.domain);
    let database = snapshot.database();
    let container = container_urn(environment, &database);
    let get = |urn: &str, aspect: &'static str| current.get(&read(urn, aspect));
    let mut out = Vec::new();

    out.push(Proposal::new(
        "domain",
        &domain,
        "domainProperties",
        domain_properties(&fields.domain, get(&domain, "domainProperties")),
    ));

    let description = format!(
        "Major version {} of the data product {}: {}",
        snapshot.version.major, snapshot.name, fields.description
    );
    let container_aspects = [
        (
            "containerProperties",
            json!({
                "name": database,
                "qualifiedName": database,
                "description": description,
                "customProperties": {
                    "dataProduct": snapshot.name,
                    "majorVersion": snapshot.version.major.to_string(),
                },
            }),
        ),
        ("subTypes", json!({ "typeNames": ["Database"] })),
        ("dataPlatformInstance", json!({ "platform": PLATFORM_URN })),
        ("domains", json!({ "domains": [domain] })),
        ("status", json!({ "removed": false })),
    ];
    for (aspect_name, aspect) in container_aspects {
        out.push(Proposal::new("container", &container, aspect_name, aspect));
    }

    for table in &snapshot.tables {
        let dataset = dataset_urn(environment, &database, &table.name);
        let qualified = format!("{database}.{}", table.name);
        let mut properties = Map::new();
        properties.insert("name".into(), json!(table.name));
        properties.insert("qualifiedName".into(), json!(qualified));
        if !table.schema.table_description.is_empty() {
            properties.insert("description".into(), json!(table.schema.table_description));
        }
        properties.insert(
            "customProperties".into(),
            json!({
                "dataProduct": snapshot.name,
                "version": snapshot.version.to_string(),
                "daapId": Id::table(&snapshot.name, Some(snapshot.version), &table.name).to_string(),
            }),
        );
        let schema = schema_metadata(snapshot, &table.name, &table.schema)?;
        let aspects = [
            ("datasetProperties", Value::Object(properties)),
            ("schemaMetadata", schema),
            ("subTypes", json!({ "typeNames": ["Table"] })),
            ("container", json!({ "container": container })),
            ("domains", json!({ "domains": [domain] })),
            ("ownership", ownership(fields, get(&dataset, "ownership"))),
            (
                "globalTags",
                global_tags(&fields.tags, get(&dataset, "globalTags")),
            ),
            ("status", json!({ "removed": false })),
        ];
        for (aspect_name, aspect) in aspects {
            out.push(Proposal::new("dataset", &dataset, aspect_name, aspect));
        }
    }

    for table in &snapshot.removed_tables {
        out.push(Proposal::new(
            "dataset",
            &dataset_urn(environment, &database, table),
            "status",
            json!({ "removed": true }),
        ));
    }

    let product_aspects = [
        (
            "dataProductProperties",
            data_product_properties(
                snapshot,
                environment,
                get(&product, "dataProductProperties"),
            ),
        ),
        ("domains", json!({ "domains": [domain] })),
        ("ownership", ownership(fields, get(&product, "ownership"))),
        (
            "globalTags",
            global_tags(&fields.tags, get(&product, "globalTags")),
        ),
        ("status", json!({ "removed": false })),
    ];
    for (aspect_name, aspect) in product_aspects {
        out.push(Proposal::new("dataProduct", &product, aspect_name, aspect));
    }
    Ok(out)
}

/// Everything the removal of a product writes: `status.removed = true` on every dataset of
/// every major, every major's container, and the product. Nothing is hard-deleted.
pub fn remove_proposals(removed: &RemovedProduct, environment: &str) -> Vec<Proposal> {
    let gone = || json!({ "removed": true });
    let mut out = Vec::new();
    for MajorTables { major, tables } in &removed.majors {
        let database = database_name(&removed.name, *major);
        for table in tables {
            out.push(Proposal::new(
                "dataset",
                &dataset_urn(environment, &database, table),
                "status",
                gone(),
            ));
        }
        out.push(Proposal::new(
            "container",
            &container_urn(environment, &database),
            "status",
            gone(),
        ));
    }
    out.push(Proposal::new(
        "dataProduct",
        &data_product_urn(&removed.name),
        "status",
        gone(),
    ));
    out
}

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

/// `schemaMetadata` of one table: every column (and nested struct field, see [`types`]), the
/// major version as `version`, and the columns as DDL in `platformSchema`.
pub fn schema_metadata(
    snapshot: &ProductSnapshot,
    table: &str,
    schema: &crate::domain::table::TableSchema,
) -> Result<Value, BadColumnType> {
    let mut fields = Vec::new();
    let mut ddl = Vec::with_capacity(schema.columns.len());
    for column in &schema.columns {
        let ty = ColumnType::parse(&column.data_type).map_err(|error| BadColumnType {
            table: table.to_owned(),
            column: column.name.clone(),
            data_type: column.data_type.clone(),
            reason: error.to_string(),
        })?;
        ddl.push(format!("`{}` {}", column.name, ty.canonical()));
        fields.extend(types::schema_fields(&column.name, &ty, &column.description));
    }
    let raw_schema = ddl.join(",\n");
    let hash = Sha256::digest(raw_schema.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<String>();
    Ok(json!({
        "schemaName": format!("{}.{table}", snapshot.database()),
        "platform": PLATFORM_URN,
        "version": snapshot.version.major,
        "hash": hash,
        "platformSchema": { "com.linkedin.schema.OtherSchema": { "rawSchema": raw_schema } },
        "fields": fields,
    }))
}
