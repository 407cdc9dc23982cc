//! Request and response bodies of the data product endpoints, as documented in OpenAPI.
//!
//! Request bodies are validated by `domain::product` (which reports every problem at once);
//! the request structs here exist to describe them in the OpenAPI document.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::domain::table::ChangeBump;
use crate::domain::{Bump, ChangeSet, DataProductName, ProductRef, Status, TableRef, Version};
use crate::store::products::ProductVersionRow;
use crate::store::versions::VersionEntryRow;

/// Declares the editable fields of a data product on a request body struct, so the
/// registration and update bodies document the same fields without writing them twice.
macro_rules! editable_fields {
    ($(#[$meta:meta])* pub struct $name:ident { $($extra:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, Deserialize, ToSchema)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct $name {
            $($extra)*
            /// What the product contains and what it is for.
            #[schema(min_length = 1, max_length = 10000)]
            pub description: String,
            /// Business domain owning the product (a deployment may restrict the allowed values).
            #[schema(min_length = 1, max_length = 200, example = "HMPPS")]
            pub domain: String,
            /// Email of the accountable owner.
            #[schema(format = "email", max_length = 254)]
            pub data_product_owner: String,
            #[schema(min_length = 1, max_length = 200)]
            pub data_product_owner_display_name: String,
            /// Email of the day-to-day maintainer, or the client id (a UUID) of the machine
            /// client that maintains the product.
            #[schema(max_length = 254)]
            pub data_product_maintainer: Option<String>,
            #[schema(min_length = 1, max_length = 200)]
            pub data_product_maintainer_display_name: Option<String>,
            /// Contact email for questions about the product.
            #[schema(format = "email", max_length = 254)]
            pub email: String,
            pub status: Status,
            /// How long data is kept, in days.
            #[schema(minimum = 0, maximum = 100000)]
            pub retention_period: i32,
            /// Whether a data protection impact assessment is required.
            pub dpia_required: bool,
            /// Free-form labels: at most 50, names 1-128 characters, values up to 256.
            #[serde(default)]
            pub tags: BTreeMap<String, String>,
        }
    };
}

editable_fields! {
    /// Body of `POST /v1/data-products`.
    pub struct RegisterDataProduct {
        /// Unique name; cannot be changed later. Becomes part of the id `dp:<name>`.
        #[schema(pattern = "^[a-z][a-z0-9_]{0,62}$", example = "hmpps_use_of_force")]
        pub name: String,
    }
}

editable_fields! {
    /// Body of `PUT /v1/data-products/{id}`: every editable field (a full replacement; an
    /// omitted optional field is cleared).
    pub struct DataProductFields {}
}

/// A table of a data product version.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchemaRef {
    /// `dp:<name>:<table>`: the table in the latest version.
    pub id: String,
    /// `dp:<name>:v<M>.<m>:<table>`: the table in this version.
    pub versioned_id: String,
    pub name: String,
}

/// One version of a data product.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataProduct {
    /// `dp:<name>`, stable across versions.
    #[schema(example = "dp:hmpps_use_of_force")]
    pub id: String,
    /// `v<major>.<minor>`.
    #[schema(example = "v1.0")]
    pub version: String,
    /// `dp:<name>:v<major>.<minor>`: this exact version, forever.
    #[schema(example = "dp:hmpps_use_of_force:v1.0")]
    pub versioned_id: String,
    pub name: String,
    pub description: String,
    pub domain: String,
    pub data_product_owner: String,
    pub data_product_owner_display_name: String,
    pub data_product_maintainer: Option<String>,
    pub data_product_maintainer_display_name: Option<String>,
    pub email: String,
    pub status: Status,
    pub retention_period: i32,
    pub dpia_required: bool,
    pub tags: BTreeMap<String, String>,
    /// The tables in this version.
    pub schemas: Vec<SchemaRef>,
    /// When the product was first registered.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When this version was made.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl DataProduct {
    pub fn from_row(row: &ProductVersionRow) -> Self {
        let name = DataProductName::parse(&row.name).expect("stored names are valid");
        let version = row.version();
        let schemas = row
            .tables
            .iter()
            .map(|table| SchemaRef {
                id: TableRef::table_id(&name, table),
                versioned_id: TableRef::versioned_table_id(&name, version, table),
                name: table.clone(),
            })
            .collect();
        Self {
            id: ProductRef::product_id(&name),
            version: version.to_string(),
            versioned_id: ProductRef::versioned_id(&name, version),
            name: row.name.clone(),
            description: row.description.clone(),
            domain: row.domain.clone(),
            data_product_owner: row.data_product_owner.clone(),
            data_product_owner_display_name: row.data_product_owner_display_name.clone(),
            data_product_maintainer: row.data_product_maintainer.clone(),
            data_product_maintainer_display_name: row.data_product_maintainer_display_name.clone(),
            email: row.email.clone(),
            status: row.status,
            retention_period: row.retention_period,
            dpia_required: row.dpia_required,
            tags: row.tags.0.clone(),
            schemas,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// What a metadata update would do (`?dryRun=true`); nothing is written.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductDryRun {
    /// The product as it would be after the update.
    pub data_product: DataProduct,
    /// The bump the update would make (`none` if it changes nothing).
    pub bump: ChangeBump,
    pub changes: ChangeSet,
    pub dry_run: bool,
}

/// The body of a metadata update's answer: the product, or the dry-run outcome.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum UpdateOutcome {
    Updated(DataProduct),
    DryRun(ProductDryRun),
}

/// A page of data products.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataProductPage {
    pub value: Vec<DataProduct>,
    /// Relative URL of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

/// One entry of a product's version history.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionEntry {
    #[schema(example = "v1.1")]
    pub version: String,
    #[schema(example = "dp:hmpps_use_of_force:v1.1")]
    pub versioned_id: String,
    /// What kind of change made this version.
    pub bump: Bump,
    /// One sentence describing the change.
    pub summary: String,
    /// The change in detail.
    pub changes: ChangeSet,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Who made this version: a user's object id (`oid`), an application's client id, or
    /// `anonymous` when authentication is disabled.
    pub created_by: String,
    /// The display name of who made this version, when known.
    pub created_by_name: Option<String>,
}

impl VersionEntry {
    pub fn from_row(name: &DataProductName, row: &VersionEntryRow) -> Self {
        let version = Version {
            major: row.major,
            minor: row.minor,
        };
        let changes: ChangeSet = serde_json::from_value(row.changes.clone()).unwrap_or_default();
        Self {
            version: version.to_string(),
            versioned_id: ProductRef::versioned_id(name, version),
            bump: row.bump,
            summary: changes.summary(),
            changes,
            created_at: row.created_at,
            created_by: row.created_by.clone(),
            created_by_name: row.created_by_name.clone(),
        }
    }
}

/// A page of a product's version history, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionPage {
    pub value: Vec<VersionEntry>,
    /// Relative URL of the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}
