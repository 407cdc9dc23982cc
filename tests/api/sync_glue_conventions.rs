//! What the platform's conventions say Glue must hold for a product, written out here rather
//! than taken from the code under test, and the check that a published major matches them.

use std::collections::BTreeMap;

use aws_sdk_glue::Client;
use daap::sync::snapshot::{ProductSnapshot, TableSnapshot};

use crate::sync_glue_catalogue::{ShownDatabase, ShownTable, database, get_table, tables};

const CURATED: &str = "s3://daap-curated/curated";
const PARQUET_SERDE: &str = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
const PARQUET_INPUT: &str = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
const PARQUET_OUTPUT: &str = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";

pub fn expected_database(snapshot: &ProductSnapshot) -> ShownDatabase {
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

pub fn expected_table(snapshot: &ProductSnapshot, table: &TableSnapshot) -> ShownTable {
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
pub async fn assert_published(client: &Client, snapshot: &ProductSnapshot) {
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
