//! Publishing to Glue against a real moto server: the major database and its tables are
//! created as the conventions say, descriptions are cut to Glue's limits, and what others
//! added to the catalogue is left alone. Every delivery is applied twice.

use aws_sdk_glue::types::{DatabaseInput, TableInput};
use daap::sync::target::{Target, TargetName};

use crate::support_moto::unique_name;
use crate::sync_glue_catalogue::{catalogue, database, get_table};
use crate::sync_glue_conventions::{assert_published, expected_database, expected_table};
use crate::sync_glue_fixtures::{incidents, publish, setup, snapshot, staff, table};

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
