//! The Glue target against a real moto server: every delivery is applied, then the catalogue
//! is read back through the Glue API and compared field by field with the platform's
//! conventions (written out here, not taken from the code under test). Every delivery is
//! applied a second time and must change nothing (table versions included).
//!
//! Error classification and the timeout use a canned loopback server instead, so they run
//! without moto.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use aws_sdk_glue::Client;
use aws_sdk_glue::types::{Column as GlueColumn, DatabaseInput, Table, TableInput};
use daap::domain::table::{Column, TableSchema};
use daap::domain::{ProductFields, Status, Version};
use daap::sync::glue::{GlueSetupError, GlueTarget};
use daap::sync::snapshot::{Delivery, MajorTables, ProductSnapshot, RemovedProduct, TableSnapshot};
use daap::sync::target::{DeliveryError, Target, TargetName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support_moto::{Moto, glue_settings, glue_target, moto, unique_name};

const TIMEOUT: Duration = Duration::from_secs(30);
const CURATED: &str = "s3://daap-curated/curated";
const PARQUET_SERDE: &str = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
const PARQUET_INPUT: &str = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
const PARQUET_OUTPUT: &str = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";

// ---------------------------------------------------------------------------------------------
// Building snapshots

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

fn table(name: &str, description: &str, columns: &[(&str, &str, &str)]) -> TableSnapshot {
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

fn incidents() -> TableSnapshot {
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

fn staff() -> TableSnapshot {
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

fn snapshot(
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

fn removal(name: &str, majors: &[i32]) -> Delivery {
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

// ---------------------------------------------------------------------------------------------
// Reading the catalogue back

/// A Glue database as read back.
#[derive(Debug, Clone, PartialEq)]
struct ShownDatabase {
    description: Option<String>,
    location: Option<String>,
    parameters: BTreeMap<String, String>,
}

/// A Glue table as read back: everything the conventions fix.
#[derive(Debug, Clone, PartialEq)]
struct ShownTable {
    description: Option<String>,
    table_type: Option<String>,
    columns: Vec<(String, String, Option<String>)>,
    partition_keys: Vec<(String, String, Option<String>)>,
    location: Option<String>,
    input_format: Option<String>,
    output_format: Option<String>,
    serde_library: Option<String>,
    parameters: BTreeMap<String, String>,
}

/// Everything Glue holds for a product: its databases and their tables, with each table's
/// version id (which changes on every `UpdateTable`, so a no-op must leave it alone).
type Catalogue = BTreeMap<
    String,
    (
        ShownDatabase,
        BTreeMap<String, (ShownTable, Option<String>)>,
    ),
>;

fn sorted(map: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    map.into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn shown_columns(columns: &[GlueColumn]) -> Vec<(String, String, Option<String>)> {
    columns
        .iter()
        .map(|c| {
            (
                c.name().to_owned(),
                c.r#type().unwrap_or_default().to_owned(),
                c.comment().map(str::to_owned),
            )
        })
        .collect()
}

fn shown_table(table: &Table) -> ShownTable {
    let storage = table.storage_descriptor();
    ShownTable {
        description: table.description().map(str::to_owned),
        table_type: table.table_type().map(str::to_owned),
        columns: shown_columns(storage.map(|s| s.columns()).unwrap_or_default()),
        partition_keys: shown_columns(table.partition_keys()),
        location: storage.and_then(|s| s.location()).map(str::to_owned),
        input_format: storage.and_then(|s| s.input_format()).map(str::to_owned),
        output_format: storage.and_then(|s| s.output_format()).map(str::to_owned),
        serde_library: storage
            .and_then(|s| s.serde_info())
            .and_then(|s| s.serialization_library())
            .map(str::to_owned),
        parameters: sorted(table.parameters()),
    }
}

/// `GetDatabase`, or `None` when Glue says it does not exist.
async fn database(client: &Client, name: &str) -> Option<ShownDatabase> {
    match client.get_database().name(name).send().await {
        Ok(output) => {
            let db = output.database.expect("a database");
            assert_eq!(db.name(), name);
            Some(ShownDatabase {
                description: db.description().map(str::to_owned),
                location: db.location_uri().map(str::to_owned),
                parameters: sorted(db.parameters()),
            })
        }
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_entity_not_found_exception()) =>
        {
            None
        }
        Err(err) => panic!("GetDatabase {name}: {err:?}"),
    }
}

/// `GetTable`, or `None` when Glue says it does not exist.
async fn get_table(client: &Client, database: &str, name: &str) -> Option<ShownTable> {
    match client
        .get_table()
        .database_name(database)
        .name(name)
        .send()
        .await
    {
        Ok(output) => Some(shown_table(&output.table.expect("a table"))),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_entity_not_found_exception()) =>
        {
            None
        }
        Err(err) => panic!("GetTable {database}.{name}: {err:?}"),
    }
}

/// `GetTables`: every table of `database` by name, with its version id.
async fn tables(client: &Client, database: &str) -> BTreeMap<String, (ShownTable, Option<String>)> {
    let mut pages = client
        .get_tables()
        .database_name(database)
        .into_paginator()
        .send();
    let mut tables = BTreeMap::new();
    while let Some(page) = pages.next().await {
        for table in page.expect("GetTables").table_list() {
            let version = table.version_id().map(str::to_owned);
            tables.insert(table.name().to_owned(), (shown_table(table), version));
        }
    }
    tables
}

/// Every database named `<product>_v<N>`, with its tables.
async fn catalogue(client: &Client, product: &str) -> Catalogue {
    let mut pages = client.get_databases().into_paginator().send();
    let mut found = Catalogue::new();
    while let Some(page) = pages.next().await {
        for db in page.expect("GetDatabases").database_list() {
            let ours = db
                .name()
                .strip_prefix(product)
                .and_then(|rest| rest.strip_prefix("_v"))
                .is_some_and(|major| major.bytes().all(|b| b.is_ascii_digit()));
            if ours {
                let shown = database(client, db.name())
                    .await
                    .expect("listed, so present");
                found.insert(
                    db.name().to_owned(),
                    (shown, tables(client, db.name()).await),
                );
            }
        }
    }
    found
}

// ---------------------------------------------------------------------------------------------
// What the conventions say Glue must hold

fn expected_database(snapshot: &ProductSnapshot) -> ShownDatabase {
    let name = &snapshot.name;
    let major = snapshot.version.major;
    ShownDatabase {
        description: Some(snapshot.fields.description.chars().take(2048).collect()),
        location: Some(format!("{CURATED}/{name}/v{major}/")),
        parameters: BTreeMap::from([
            ("daap_id".to_owned(), format!("dp:{name}")),
            ("daap_version".to_owned(), snapshot.version.to_string()),
            ("owner".to_owned(), "owner@justice.gov.uk".to_owned()),
            ("domain".to_owned(), "prison".to_owned()),
        ]),
    }
}

fn expected_table(snapshot: &ProductSnapshot, table: &TableSnapshot) -> ShownTable {
    let (name, major, t) = (&snapshot.name, snapshot.version.major, &table.name);
    let text = |s: &str, max: usize| (!s.is_empty()).then(|| s.chars().take(max).collect());
    ShownTable {
        description: text(&table.schema.table_description, 2048),
        table_type: Some("EXTERNAL_TABLE".to_owned()),
        columns: table
            .schema
            .columns
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    c.data_type.clone(),
                    text(&c.description, 255),
                )
            })
            .collect(),
        partition_keys: vec![(
            "load_timestamp".to_owned(),
            "string".to_owned(),
            Some("When the data was loaded (YYYYMMDDTHHMMSSZ)".to_owned()),
        )],
        location: Some(format!("{CURATED}/{name}/v{major}/{t}/")),
        input_format: Some(PARQUET_INPUT.to_owned()),
        output_format: Some(PARQUET_OUTPUT.to_owned()),
        serde_library: Some(PARQUET_SERDE.to_owned()),
        parameters: BTreeMap::from([
            ("classification".to_owned(), "parquet".to_owned()),
            ("daap_id".to_owned(), format!("dp:{name}:{t}")),
            ("daap_version".to_owned(), snapshot.version.to_string()),
        ]),
    }
}

/// The major database of `snapshot` holds exactly its tables, as the conventions say.
async fn assert_published(client: &Client, snapshot: &ProductSnapshot) {
    let db = snapshot.database();
    assert_eq!(
        database(client, &db).await,
        Some(expected_database(snapshot)),
        "database {db}"
    );
    let found = tables(client, &db).await;
    let names: Vec<&String> = found.keys().collect();
    let wanted: Vec<&String> = snapshot.tables.iter().map(|t| &t.name).collect();
    assert_eq!(names, wanted, "the tables of {db}");
    for table in &snapshot.tables {
        let expected = expected_table(snapshot, table);
        assert_eq!(
            found[&table.name].0, expected,
            "GetTables: {db}.{}",
            table.name
        );
        assert_eq!(
            get_table(client, &db, &table.name).await,
            Some(expected),
            "GetTable: {db}.{}",
            table.name
        );
    }
}

/// Apply `delivery`, then apply it again: the second time must change nothing at all.
async fn apply_twice(target: &GlueTarget, product: &str, delivery: &Delivery) {
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

async fn publish(target: &GlueTarget, snapshot: &ProductSnapshot) {
    apply_twice(target, &snapshot.name, &Delivery::Publish(snapshot.clone())).await;
}

async fn setup(test: &str) -> Option<(&'static Moto, GlueTarget)> {
    let moto = moto(test)?;
    Some((moto, glue_target(moto).await))
}

// ---------------------------------------------------------------------------------------------
// Scenarios

#[tokio::test]
async fn glue_publish_creates_the_major_database_and_its_tables() {
    let Some((_, target)) = setup("glue_publish_creates_the_major_database_and_its_tables").await
    else {
        return;
    };
    assert_eq!(target.name(), TargetName::Glue);
    let name = unique_name("glue_create");
    let v1_0 = snapshot(
        &name,
        (1, 0),
        "Use of force",
        vec![incidents(), staff()],
        &[],
    );
    publish(&target, &v1_0).await;

    assert_published(target.client(), &v1_0).await;
    let found = catalogue(target.client(), &name).await;
    assert_eq!(found.keys().collect::<Vec<_>>(), [&format!("{name}_v1")]);
}

#[tokio::test]
async fn glue_minor_version_updates_tables_in_place() {
    let Some((_, target)) = setup("glue_minor_version_updates_tables_in_place").await else {
        return;
    };
    let name = unique_name("glue_minor");
    let v1_0 = snapshot(
        &name,
        (1, 0),
        "Use of force",
        vec![incidents(), staff()],
        &[],
    );
    publish(&target, &v1_0).await;

    let mut changed = incidents();
    changed.schema.table_description = "Incidents, one row each".to_owned();
    changed.schema.columns[1].description = "Cost in pounds, VAT included".to_owned();
    changed.schema.columns.push(Column {
        name: "location".to_owned(),
        data_type: "struct<wing:string,cell:int>".to_owned(),
        description: "Where it happened".to_owned(),
    });
    let v1_1 = snapshot(
        &name,
        (1, 1),
        "Use of force, v1.1",
        vec![changed, staff()],
        &[],
    );
    publish(&target, &v1_1).await;

    assert_published(target.client(), &v1_1).await;
    let found = catalogue(target.client(), &name).await;
    assert_eq!(
        found.keys().collect::<Vec<_>>(),
        [&format!("{name}_v1")],
        "a minor version shares its major's database"
    );
}

#[tokio::test]
async fn glue_major_version_gets_a_new_database_and_leaves_the_old_one() {
    let Some((_, target)) =
        setup("glue_major_version_gets_a_new_database_and_leaves_the_old_one").await
    else {
        return;
    };
    let client = target.client();
    let name = unique_name("glue_major");
    let v1_1 = snapshot(
        &name,
        (1, 1),
        "Use of force",
        vec![incidents(), staff()],
        &[],
    );
    publish(&target, &v1_1).await;
    let v1_db = format!("{name}_v1");
    let v1_before = catalogue(client, &name).await[&v1_db].clone();

    let mut retyped = staff();
    retyped.schema.columns[0].data_type = "bigint".to_owned();
    let v2_0 = snapshot(
        &name,
        (2, 0),
        "Use of force",
        vec![incidents(), retyped],
        &[],
    );
    publish(&target, &v2_0).await;

    assert_published(client, &v2_0).await;
    assert_published(client, &v1_1).await;
    let found = catalogue(client, &name).await;
    assert_eq!(
        found.keys().collect::<Vec<_>>(),
        [&v1_db, &format!("{name}_v2")]
    );
    assert_eq!(
        found[&v1_db], v1_before,
        "v1 untouched, table versions included"
    );
}

#[tokio::test]
async fn glue_removed_table_goes_from_this_major_only() {
    let Some((_, target)) = setup("glue_removed_table_goes_from_this_major_only").await else {
        return;
    };
    let client = target.client();
    let name = unique_name("glue_drop");
    let v1_0 = snapshot(
        &name,
        (1, 0),
        "Use of force",
        vec![incidents(), staff()],
        &[],
    );
    publish(&target, &v1_0).await;
    let v2_0 = snapshot(
        &name,
        (2, 0),
        "Use of force",
        vec![incidents(), staff()],
        &[],
    );
    publish(&target, &v2_0).await;

    let v2_1 = snapshot(&name, (2, 1), "Use of force", vec![incidents()], &["staff"]);
    publish(&target, &v2_1).await;

    assert_published(client, &v2_1).await;
    assert_eq!(
        get_table(client, &format!("{name}_v2"), "staff").await,
        None
    );
    assert_published(client, &v1_0).await;

    // A table listed as removed that this major never had: nothing to do, and no error.
    let v2_2 = snapshot(
        &name,
        (2, 2),
        "Use of force",
        vec![incidents()],
        &["staff", "never"],
    );
    publish(&target, &v2_2).await;
    assert_published(client, &v2_2).await;
}

#[tokio::test]
async fn glue_removed_product_loses_every_major_database() {
    let Some((_, target)) = setup("glue_removed_product_loses_every_major_database").await else {
        return;
    };
    let client = target.client();
    let name = unique_name("glue_gone");
    // A product whose name starts with this one's must survive.
    let neighbour = format!("{name}_x");
    let kept = snapshot(&neighbour, (1, 0), "Another product", vec![staff()], &[]);
    publish(&target, &kept).await;
    publish(
        &target,
        &snapshot(
            &name,
            (1, 0),
            "Use of force",
            vec![incidents(), staff()],
            &[],
        ),
    )
    .await;
    publish(
        &target,
        &snapshot(&name, (2, 0), "Use of force", vec![incidents()], &[]),
    )
    .await;
    assert_eq!(catalogue(client, &name).await.len(), 2);

    // Majors that were never published (3) are fine too.
    apply_twice(&target, &name, &removal(&name, &[1, 2, 3])).await;

    assert_eq!(catalogue(client, &name).await, Catalogue::new());
    assert_eq!(database(client, &format!("{name}_v1")).await, None);
    assert_eq!(database(client, &format!("{name}_v2")).await, None);
    assert_published(client, &kept).await;

    // A product that never reached Glue.
    let never = unique_name("glue_never");
    apply_twice(&target, &never, &removal(&never, &[1])).await;
}

#[tokio::test]
async fn glue_descriptions_are_cut_to_glue_limits() {
    let Some((_, target)) = setup("glue_descriptions_are_cut_to_glue_limits").await else {
        return;
    };
    let client = target.client();
    let name = unique_name("glue_cut");
    // Multi-byte characters: a cut by bytes would split one, or keep too few characters.
    let long_product = "é".repeat(3000) + "tail";
    let long_table = "ß".repeat(2048);
    let long_column = "✓".repeat(255);
    let wide = table(
        "wide",
        &long_table,
        &[
            ("a", "string", &long_column),
            (
                "b",
                "string",
                "bell\u{7}and\u{0}nul, tab\tkept,\r\nnew line",
            ),
            ("c", "string", &"😀".repeat(200)),
        ],
    );
    let v1_0 = snapshot(&name, (1, 0), &long_product, vec![wide], &[]);
    publish(&target, &v1_0).await;

    let db = database(client, &v1_0.database())
        .await
        .expect("the database");
    assert_eq!(db.description, Some("é".repeat(2048)));
    let shown = get_table(client, &v1_0.database(), "wide")
        .await
        .expect("the table");
    assert_eq!(shown.description, Some(long_table.clone()));
    assert_eq!(shown.columns[0].2, Some(long_column.clone()));
    // Control characters Glue refuses become spaces; a comment keeps tabs but not line breaks.
    assert_eq!(
        shown.columns[1].2.as_deref(),
        Some("bell and nul, tab\tkept,  new line")
    );
    // Glue counts UTF-16 code units: an emoji is two, so 127 of them fit in 255.
    assert_eq!(shown.columns[2].2, Some("😀".repeat(127)));

    // Longer than Glue allows, as a future limit change in daap might send: cut on a char.
    let mut longer = v1_0.clone();
    longer.version.minor = 1;
    longer.tables[0].schema.table_description =
        "line\r\n\tbreaks stay\n".to_owned() + &"ß".repeat(2100);
    longer.tables[0].schema.columns[0].description = "✓".repeat(300);
    publish(&target, &longer).await;
    let shown = get_table(client, &v1_0.database(), "wide")
        .await
        .expect("the table");
    let kept = "line\r\n\tbreaks stay\n";
    assert_eq!(
        shown.description,
        Some(kept.to_owned() + &"ß".repeat(2048 - kept.chars().count()))
    );
    assert_eq!(shown.columns[0].2, Some("✓".repeat(255)));
}

#[tokio::test]
async fn glue_leaves_tables_and_parameters_it_did_not_make() {
    let Some((_, target)) = setup("glue_leaves_tables_and_parameters_it_did_not_make").await else {
        return;
    };
    let client = target.client();
    let name = unique_name("glue_foreign");
    let v1_0 = snapshot(&name, (1, 0), "Use of force", vec![incidents()], &[]);
    publish(&target, &v1_0).await;
    let db = v1_0.database();

    // Someone else adds a table to the database and a parameter to daap's table and database.
    client
        .create_table()
        .database_name(&db)
        .table_input(
            TableInput::builder()
                .name("scratch")
                .parameters("made_by", "an analyst")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("CreateTable scratch");
    let glue_table = client
        .get_table()
        .database_name(&db)
        .name("incidents")
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let mut parameters = glue_table.parameters().cloned().unwrap_or_default();
    parameters.insert("projection.enabled".to_owned(), "false".to_owned());
    let storage = glue_table.storage_descriptor().cloned();
    client
        .update_table()
        .database_name(&db)
        .table_input(
            TableInput::builder()
                .name("incidents")
                .set_description(glue_table.description().map(str::to_owned))
                .set_table_type(glue_table.table_type().map(str::to_owned))
                .set_storage_descriptor(storage)
                .set_partition_keys(Some(glue_table.partition_keys().to_vec()))
                .set_parameters(Some(parameters))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("UpdateTable incidents");
    let glue_db = client
        .get_database()
        .name(&db)
        .send()
        .await
        .unwrap()
        .database
        .unwrap();
    let mut db_parameters = glue_db.parameters().cloned().unwrap_or_default();
    db_parameters.insert("lake_formation_tag".to_owned(), "restricted".to_owned());
    client
        .update_database()
        .name(&db)
        .database_input(
            DatabaseInput::builder()
                .name(&db)
                .set_description(glue_db.description().map(str::to_owned))
                .set_location_uri(glue_db.location_uri().map(str::to_owned))
                .set_parameters(Some(db_parameters))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("UpdateDatabase");

    let mut changed = incidents();
    changed.schema.table_description = "Changed".to_owned();
    let v1_1 = snapshot(&name, (1, 1), "Use of force", vec![changed], &["gone"]);
    publish(&target, &v1_1).await;

    let mut expected = expected_table(&v1_1, &v1_1.tables[0]);
    expected
        .parameters
        .insert("projection.enabled".to_owned(), "false".to_owned());
    assert_eq!(get_table(client, &db, "incidents").await, Some(expected));
    let mut expected_db = expected_database(&v1_1);
    expected_db
        .parameters
        .insert("lake_formation_tag".to_owned(), "restricted".to_owned());
    assert_eq!(database(client, &db).await, Some(expected_db));
    let scratch = client
        .get_table()
        .database_name(&db)
        .name("scratch")
        .send()
        .await
        .expect("the analyst's table is still there");
    assert_eq!(
        scratch.table.unwrap().parameters().unwrap()["made_by"],
        "an analyst"
    );
}

#[tokio::test]
async fn glue_target_refuses_a_curated_location_that_is_not_s3() {
    for bad in [
        "",
        "curated",
        "s3://",
        "s3:///x",
        "https://bucket/x",
        "s3://bucket//x",
    ] {
        let mut settings = glue_settings("http://127.0.0.1:9");
        settings.curated_location = bad.to_owned();
        let err = GlueTarget::new(&settings).await.unwrap_err();
        assert!(
            matches!(err, GlueSetupError::CuratedLocation(_)),
            "{bad:?}: {err}"
        );
    }
    for good in ["s3://bucket", "s3://bucket/", "s3://bucket/a/b"] {
        let mut settings = glue_settings("http://127.0.0.1:9");
        settings.curated_location = good.to_owned();
        GlueTarget::new(&settings)
            .await
            .unwrap_or_else(|e| panic!("{good:?}: {e}"));
    }
}

// ---------------------------------------------------------------------------------------------
// Errors and the timeout, against a canned loopback server

/// A loopback server answering every request with `status` and the Glue error `code`.
async fn canned_glue(status: u16, code: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                read_request(&mut socket).await;
                let body = format!(r#"{{"__type":"{code}","message":"canned {code}"}}"#);
                let response = format!(
                    "HTTP/1.1 {status} Canned\r\ncontent-type: application/x-amz-json-1.1\r\n\
                     x-amzn-errortype: {code}\r\nx-amzn-requestid: canned\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    format!("http://{address}")
}

/// Read one HTTP/1.1 request (head, then `content-length` bytes of body).
async fn read_request(socket: &mut tokio::net::TcpStream) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let Ok(n) = socket.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buffer);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buffer.len() >= end + 4 + length {
                return;
            }
        }
    }
}

async fn outcome(endpoint: &str, timeout: Duration) -> Result<(), DeliveryError> {
    let target = GlueTarget::new(&glue_settings(endpoint)).await.unwrap();
    let v1_0 = snapshot("glue_errors", (1, 0), "Errors", vec![staff()], &[]);
    target.apply(&Delivery::Publish(v1_0), timeout).await
}

#[tokio::test]
async fn glue_refusals_are_permanent_and_throttling_and_outages_transient() {
    for (status, code) in [
        (400, "AccessDeniedException"),
        (400, "InvalidInputException"),
        (400, "ResourceNumberLimitExceededException"),
    ] {
        match outcome(&canned_glue(status, code).await, TIMEOUT).await {
            Err(DeliveryError::Permanent(message)) => {
                assert!(message.contains(code), "{message}");
                assert!(message.contains("GetDatabase glue_errors_v1"), "{message}");
            }
            other => panic!("{status} {code}: {other:?}"),
        }
    }
    for (status, code) in [
        (400, "ThrottlingException"),
        (400, "ConcurrentModificationException"),
        (500, "InternalServiceException"),
        (503, "ServiceUnavailable"),
    ] {
        match outcome(&canned_glue(status, code).await, TIMEOUT).await {
            Err(DeliveryError::Transient(message)) => {
                assert!(message.contains("GetDatabase glue_errors_v1"), "{message}");
            }
            other => panic!("{status} {code}: {other:?}"),
        }
    }

    // Nothing listening: a dispatch failure.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    match outcome(&endpoint, TIMEOUT).await {
        Err(DeliveryError::Transient(_)) => {}
        other => panic!("connection refused: {other:?}"),
    }
}

#[tokio::test]
async fn glue_gives_up_at_the_timeout() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let started = Instant::now();
    match outcome(&endpoint, Duration::from_millis(300)).await {
        Err(DeliveryError::Transient(message)) => assert!(message.contains("within"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
