//! Reading the Glue catalogue back through the Glue API, as plain values the tests can compare:
//! a database, a table, and everything Glue holds for a product.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_glue::Client;
use aws_sdk_glue::types::{Column as GlueColumn, Table};

/// A Glue database as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownDatabase {
    pub description: Option<String>,
    pub location: Option<String>,
    pub parameters: BTreeMap<String, String>,
}

/// A Glue table as read back: everything the conventions fix.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownTable {
    pub description: Option<String>,
    pub table_type: Option<String>,
    pub columns: Vec<(String, String, Option<String>)>,
    pub partition_keys: Vec<(String, String, Option<String>)>,
    pub location: Option<String>,
    pub input_format: Option<String>,
    pub output_format: Option<String>,
    pub serde_library: Option<String>,
    pub parameters: BTreeMap<String, String>,
}

/// Everything Glue holds for a product: its databases and their tables, with each table's
/// version id (which changes on every `UpdateTable`, so a no-op must leave it alone).
pub type Catalogue = BTreeMap<
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
pub async fn database(client: &Client, name: &str) -> Option<ShownDatabase> {
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
pub async fn get_table(client: &Client, database: &str, name: &str) -> Option<ShownTable> {
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
pub async fn tables(
    client: &Client,
    database: &str,
) -> BTreeMap<String, (ShownTable, Option<String>)> {
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
pub async fn catalogue(client: &Client, product: &str) -> Catalogue {
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
