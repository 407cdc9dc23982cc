//! The AWS Glue target: one Glue database per product major version (`<name>_v<major>`), one
//! external Parquet table per daap table, under the curated location and partitioned by
//! `load_timestamp`, as the ingestion pipeline and Athena expect.
//!
//! Applying a delivery makes Glue match the snapshot and touches nothing else:
//!
//! - the database and every table of the snapshot are read first and written only where they
//!   differ (create if missing, `UpdateTable` with `SkipArchive` if changed), so a redelivery
//!   costs reads only; creates that lose a race to another writer fall back to an update;
//! - tables in `removed_tables` are deleted from this major's database, and no other table is
//!   ever deleted: older majors keep theirs, and tables daap did not make stay;
//! - parameters daap does not own (another tool's) are kept on update;
//! - a removed product loses every major's database (its tables first, so they go at once
//!   rather than whenever Glue cleans up after `DeleteDatabase`);
//! - deleting something already gone succeeds.

mod client;
mod mapping;

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_glue::Client;
use aws_sdk_glue::types::Table;

pub use client::{GlueSettings, GlueSetupError, StaticCredentials};
use client::{delivery_error, error_code, is_transient_code};
use mapping::{CuratedLocation, DatabaseSpec, TableSpec};

use super::snapshot::{Delivery, ProductSnapshot, RemovedProduct, database_name};
use super::target::{DeliveryError, DeliveryFuture, Target, TargetName};

const ALREADY_EXISTS: &str = "AlreadyExistsException";
const NOT_FOUND: &str = "EntityNotFoundException";
/// Most table names one `BatchDeleteTable` call takes.
const BATCH_DELETE_LIMIT: usize = 100;

/// Publishes product versions to the Glue Data Catalog.
#[derive(Debug, Clone)]
pub struct GlueTarget {
    client: Client,
    curated: CuratedLocation,
}

impl GlueTarget {
    /// A target for `settings`: checks the curated location and builds the client from the
    /// AWS default credential chain (or the static credentials, when given). Makes no request.
    pub async fn new(settings: &GlueSettings) -> Result<Self, GlueSetupError> {
        let curated = client::parse_location(settings)?;
        let client = client::build(settings).await?;
        Ok(Self { client, curated })
    }

    /// The Glue client this target uses (tests read the catalogue back with it).
    pub fn client(&self) -> &Client {
        &self.client
    }

    async fn apply_now(&self, delivery: &Delivery) -> Result<(), DeliveryError> {
        match delivery {
            Delivery::Publish(snapshot) => self.publish(snapshot).await,
            Delivery::Remove(product) => self.remove(product).await,
        }
    }

    async fn publish(&self, snapshot: &ProductSnapshot) -> Result<(), DeliveryError> {
        let database = mapping::database_spec(snapshot, &self.curated);
        self.put_database(&database).await?;
        let mut existing = self.tables(&database.name).await?.unwrap_or_default();
        for table in &snapshot.tables {
            let wanted = mapping::table_spec(snapshot, table, &self.curated);
            self.put_table(&database.name, &wanted, existing.remove(&table.name))
                .await?;
        }
        // `existing` now holds only tables the snapshot does not list.
        for name in &snapshot.removed_tables {
            if existing.contains_key(name) {
                self.delete_table(&database.name, name).await?;
            }
        }
        Ok(())
    }

    async fn remove(&self, product: &RemovedProduct) -> Result<(), DeliveryError> {
        for major in &product.majors {
            let database = database_name(&product.name, major.major);
            let Some(tables) = self.tables(&database).await? else {
                continue;
            };
            let names: Vec<String> = tables.into_keys().collect();
            for chunk in names.chunks(BATCH_DELETE_LIMIT) {
                self.delete_tables(&database, chunk).await?;
            }
            let result = self.client.delete_database().name(&database).send().await;
            match result {
                Ok(_) => {}
                Err(err) if error_code(&err) == Some(NOT_FOUND) => {}
                Err(err) => return Err(delivery_error(&format!("DeleteDatabase {database}"), err)),
            }
        }
        Ok(())
    }

    /// Create the database, or update it where it differs from `wanted`.
    async fn put_database(&self, wanted: &DatabaseSpec) -> Result<(), DeliveryError> {
        let name = &wanted.name;
        let found = self.client.get_database().name(name).send().await;
        let existing = match found {
            Ok(output) => output.database,
            Err(err) if error_code(&err) == Some(NOT_FOUND) => None,
            Err(err) => return Err(delivery_error(&format!("GetDatabase {name}"), err)),
        };
        let existing = match existing {
            Some(existing) => existing,
            None => {
                let created = self
                    .client
                    .create_database()
                    .database_input(wanted.to_input().map_err(invalid)?)
                    .send()
                    .await;
                match created {
                    Ok(_) => return Ok(()),
                    // Someone made it since we looked: bring it up to date below.
                    Err(err) if error_code(&err) == Some(ALREADY_EXISTS) => {
                        let reread = self.client.get_database().name(name).send().await;
                        match reread.map(|output| output.database) {
                            Ok(Some(database)) => database,
                            Ok(None) => return Err(vanished("database", name)),
                            Err(err) => {
                                return Err(delivery_error(&format!("GetDatabase {name}"), err));
                            }
                        }
                    }
                    Err(err) => {
                        return Err(delivery_error(&format!("CreateDatabase {name}"), err));
                    }
                }
            }
        };
        let wanted = wanted.merged_with(&existing);
        if DatabaseSpec::from_glue(&existing) == wanted {
            return Ok(());
        }
        self.client
            .update_database()
            .name(name)
            .database_input(wanted.to_input().map_err(invalid)?)
            .send()
            .await
            .map_err(|err| delivery_error(&format!("UpdateDatabase {name}"), err))?;
        Ok(())
    }

    /// Create the table, or update it where it differs from `wanted`.
    async fn put_table(
        &self,
        database: &str,
        wanted: &TableSpec,
        existing: Option<Table>,
    ) -> Result<(), DeliveryError> {
        let name = &wanted.name;
        let existing = match existing {
            Some(existing) => existing,
            None => {
                let created = self
                    .client
                    .create_table()
                    .database_name(database)
                    .table_input(wanted.to_input().map_err(invalid)?)
                    .send()
                    .await;
                match created {
                    Ok(_) => return Ok(()),
                    Err(err) if error_code(&err) == Some(ALREADY_EXISTS) => {
                        let reread = self
                            .client
                            .get_table()
                            .database_name(database)
                            .name(name)
                            .send()
                            .await;
                        match reread.map(|output| output.table) {
                            Ok(Some(table)) => table,
                            Ok(None) => return Err(vanished("table", name)),
                            Err(err) => {
                                return Err(delivery_error(
                                    &format!("GetTable {database}.{name}"),
                                    err,
                                ));
                            }
                        }
                    }
                    Err(err) => {
                        return Err(delivery_error(
                            &format!("CreateTable {database}.{name}"),
                            err,
                        ));
                    }
                }
            }
        };
        let wanted = wanted.merged_with(&existing);
        if TableSpec::from_glue(&existing) == wanted {
            return Ok(());
        }
        self.client
            .update_table()
            .database_name(database)
            .table_input(wanted.to_input().map_err(invalid)?)
            .skip_archive(true)
            .send()
            .await
            .map_err(|err| delivery_error(&format!("UpdateTable {database}.{name}"), err))?;
        Ok(())
    }

    /// Every table of `database` by name, or `None` if the database does not exist.
    async fn tables(
        &self,
        database: &str,
    ) -> Result<Option<HashMap<String, Table>>, DeliveryError> {
        let mut pages = self
            .client
            .get_tables()
            .database_name(database)
            .into_paginator()
            .send();
        let mut tables = HashMap::new();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => {
                    for table in page.table_list.unwrap_or_default() {
                        tables.insert(table.name().to_owned(), table);
                    }
                }
                Err(err) if error_code(&err) == Some(NOT_FOUND) => return Ok(None),
                Err(err) => return Err(delivery_error(&format!("GetTables {database}"), err)),
            }
        }
        Ok(Some(tables))
    }

    async fn delete_table(&self, database: &str, name: &str) -> Result<(), DeliveryError> {
        let result = self
            .client
            .delete_table()
            .database_name(database)
            .name(name)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if error_code(&err) == Some(NOT_FOUND) => Ok(()),
            Err(err) => Err(delivery_error(
                &format!("DeleteTable {database}.{name}"),
                err,
            )),
        }
    }

    async fn delete_tables(&self, database: &str, names: &[String]) -> Result<(), DeliveryError> {
        let output = self
            .client
            .batch_delete_table()
            .database_name(database)
            .set_tables_to_delete(Some(names.to_vec()))
            .send()
            .await
            .map_err(|err| delivery_error(&format!("BatchDeleteTable {database}"), err))?;
        // Per-table failures come back in the answer, not as an error.
        let failed = output.errors().iter().find_map(|error| {
            let detail = error.error_detail()?;
            let code = detail.error_code().unwrap_or_default();
            (code != NOT_FOUND).then(|| (error.table_name().unwrap_or_default(), code, detail))
        });
        let Some((table, code, detail)) = failed else {
            return Ok(());
        };
        let message = format!(
            "Glue BatchDeleteTable {database}.{table}: {code}: {}",
            detail.error_message().unwrap_or_default()
        );
        Err(if is_transient_code(code) {
            DeliveryError::Transient(message)
        } else {
            DeliveryError::Permanent(message)
        })
    }
}

impl Target for GlueTarget {
    fn name(&self) -> TargetName {
        TargetName::Glue
    }

    fn apply<'a>(&'a self, delivery: &'a Delivery, timeout: Duration) -> DeliveryFuture<'a> {
        Box::pin(async move {
            match tokio::time::timeout(timeout, self.apply_now(delivery)).await {
                Ok(result) => result,
                Err(_) => Err(DeliveryError::Transient(format!(
                    "Glue did not finish within {timeout:?}; what was done stays done, and a \
                     later attempt carries on from there"
                ))),
            }
        })
    }
}

/// A request daap could not even build: a bug, not something a retry fixes.
fn invalid(err: aws_sdk_glue::error::BuildError) -> DeliveryError {
    DeliveryError::Permanent(format!("invalid Glue request: {err}"))
}

/// Glue said it exists, then returned nothing for it.
fn vanished(what: &str, name: &str) -> DeliveryError {
    DeliveryError::Transient(format!("Glue {what} {name} exists but could not be read"))
}
