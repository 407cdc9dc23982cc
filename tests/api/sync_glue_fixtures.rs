//! What the Glue target's tests share: sample snapshots and removals to deliver, a target
//! pointed at moto, and delivery that applies everything twice, the second time required to
//! change nothing in the catalogue (table versions included).

use std::collections::BTreeMap;
use std::time::Duration;

use daap::domain::table::{Column, TableSchema};
use daap::domain::{ProductFields, Status, Version};
use daap::sync::glue::GlueTarget;
use daap::sync::snapshot::{Delivery, MajorTables, ProductSnapshot, RemovedProduct, TableSnapshot};
use daap::sync::target::Target;

use crate::support_moto::{Moto, glue_target, moto};
use crate::sync_glue_catalogue::catalogue;

pub const TIMEOUT: Duration = Duration::from_secs(30);

fn fields(description: &str) -> ProductFields {
    ProductFields {
        description: description.to_owned(),
        domain: "prison".to_owned(),
        owner: "owner@justice.gov.uk".to_owned(),
        owner_display_name: "Owner".to_owned(),
        maintainer: None,
        maintainer_display_name: None,
        email: "team@justice.gov.uk".to_owned(),
        status: Status::Draft,
        retention_period: 365,
        dpia_required: false,
        tags: BTreeMap::new(),
    }
}

pub fn table(name: &str, description: &str, columns: &[(&str, &str, &str)]) -> TableSnapshot {
    TableSnapshot {
        name: name.to_owned(),
        schema: TableSchema {
            table_description: description.to_owned(),
            columns: columns
                .iter()
                .map(|(name, data_type, description)| Column {
                    name: (*name).to_owned(),
                    data_type: (*data_type).to_owned(),
                    description: (*description).to_owned(),
                })
                .collect(),
        },
    }
}

pub fn incidents() -> TableSnapshot {
    table(
        "incidents",
        "One row per use-of-force incident",
        &[
            ("incident_id", "bigint", "Unique id of the incident"),
            ("cost", "decimal(10,2)", "Cost in pounds"),
            (
                "events",
                "array<struct<a:int,b:string>>",
                "What happened, in order",
            ),
            ("counts", "map<string,bigint>", ""),
        ],
    )
}

pub fn staff() -> TableSnapshot {
    table(
        "staff",
        "Staff involved",
        &[
            ("staff_id", "int", "Staff number"),
            ("on_duty_from", "timestamp", "Start of shift"),
            ("grade", "varchar(20)", "Grade"),
        ],
    )
}

pub fn snapshot(
    name: &str,
    (major, minor): (i32, i32),
    description: &str,
    tables: Vec<TableSnapshot>,
    removed_tables: &[&str],
) -> ProductSnapshot {
    let names: Vec<String> = tables.iter().map(|t| t.name.clone()).collect();
    ProductSnapshot {
        name: name.to_owned(),
        version: Version { major, minor },
        fields: fields(description),
        tables,
        removed_tables: removed_tables.iter().map(|&t| t.to_owned()).collect(),
        majors: (1..=major)
            .map(|m| MajorTables {
                major: m,
                tables: if m == major {
                    names.clone()
                } else {
                    Vec::new()
                },
            })
            .collect(),
    }
}

pub fn removal(name: &str, majors: &[i32]) -> Delivery {
    Delivery::Remove(RemovedProduct {
        name: name.to_owned(),
        domain: "prison".to_owned(),
        majors: majors
            .iter()
            .map(|&major| MajorTables {
                major,
                tables: Vec::new(),
            })
            .collect(),
    })
}

/// Apply `delivery`, then apply it again: the second time must change nothing at all.
pub async fn apply_twice(target: &GlueTarget, product: &str, delivery: &Delivery) {
    target
        .apply(delivery, TIMEOUT)
        .await
        .unwrap_or_else(|e| panic!("first delivery: {e}"));
    let after_first = catalogue(target.client(), product).await;
    target
        .apply(delivery, TIMEOUT)
        .await
        .unwrap_or_else(|e| panic!("redelivery: {e}"));
    assert_eq!(
        catalogue(target.client(), product).await,
        after_first,
        "a redelivery changed the catalogue"
    );
}

pub async fn publish(target: &GlueTarget, snapshot: &ProductSnapshot) {
    apply_twice(target, &snapshot.name, &Delivery::Publish(snapshot.clone())).await;
}

pub async fn setup(test: &str) -> Option<(&'static Moto, GlueTarget)> {
    let moto = moto(test)?;
    Some((moto, glue_target(moto).await))
}
