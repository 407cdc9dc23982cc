//! The proposals of a delivery, in the order they are sent: everything a publish writes
//! (merged with the current aspects, see [`super::merge`]) and the soft deletions of a removal.

use serde_json::{Map, Value, json};

use crate::domain::Id;
use crate::sync::snapshot::{MajorTables, ProductSnapshot, RemovedProduct, database_name};

use super::merge::{data_product_properties, domain_properties, global_tags, ownership};
use super::proposal::Proposal;
use super::reads::{Current, read};
use super::schema_metadata::{BadColumnType, schema_metadata};
use super::urns::{PLATFORM_URN, container_urn, data_product_urn, dataset_urn, domain_urn};

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
