//! Request and response bodies of the data product endpoints, as documented in OpenAPI, and
//! their `{id}` path parameters.
//!
//! Request bodies are validated by `domain::product` (which reports every problem at once);
//! the request structs here exist to describe them in the OpenAPI document. Likewise the path
//! parameter types: handlers take the `{id}` as a string and parse it with `ProductRef::parse`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ObjectBuilder, Required, Type};
use utoipa::{IntoParams, ToSchema};

use crate::domain::name::MAX_NAME_LEN;
use crate::domain::table::ChangeBump;
use crate::domain::{Bump, ChangeSet, DataProductName, Id, ProductRef, Status, Version};
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
            #[schema(min_length = 1, max_length = 10000, pattern = "[^\t\n\r ]")]
            pub description: String,
            /// Business domain owning the product (a deployment may restrict the allowed values).
            #[schema(min_length = 1, max_length = 200, pattern = "[^\t\n\r ]", example = "HMPPS")]
            pub domain: String,
            /// Email of the accountable owner. Addresses are checked as
            /// `domain::product::is_plausible_email` does, which the pattern states exactly
            /// (no `format: email`: validators read that as full RFC 5322).
            #[schema(max_length = 254, pattern = r"^[^@\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+@[^@.\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^@\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*\.[^@\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^@.\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$")]
            pub data_product_owner: String,
            #[schema(min_length = 1, max_length = 200, pattern = "[^\t\n\r ]")]
            pub data_product_owner_display_name: String,
            /// Email of the day-to-day maintainer, or the client id (a UUID) of the machine
            /// client that maintains the product.
            #[schema(max_length = 254, pattern = r"^([^@\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+@[^@.\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^@\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*\.[^@\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^@.\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$")]
            pub data_product_maintainer: Option<String>,
            #[schema(min_length = 1, max_length = 200, pattern = "[^\t\n\r ]")]
            pub data_product_maintainer_display_name: Option<String>,
            /// Contact email for questions about the product.
            #[schema(max_length = 254, pattern = r"^[^@\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+@[^@.\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^@\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*\.[^@\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^@.\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$")]
            pub email: String,
            pub status: Status,
            /// How long data is kept, in days.
            #[schema(minimum = 0, maximum = 100000)]
            pub retention_period: i32,
            /// Whether a data protection impact assessment is required.
            pub dpia_required: bool,
            /// Free-form labels: at most 50, names 1-128 characters, values up to 256.
            #[serde(default)]
            #[schema(schema_with = tags_schema)]
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

/// The `tags` of a request body, with every limit the server checks.
fn tags_schema() -> utoipa::openapi::Object {
    use crate::domain::product::{MAX_TAG_KEY_CHARS, MAX_TAG_VALUE_CHARS, MAX_TAGS};
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .max_properties(Some(MAX_TAGS))
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(MAX_TAG_KEY_CHARS)),
        ))
        .additional_properties(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(MAX_TAG_VALUE_CHARS)),
        ))
        .build()
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

// Borrows from the stored row: a list page serialises a hundred of these, and copying every
// field into owned strings first was a measurable share of its CPU time.
/// One version of a data product.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataProduct<'a> {
    /// `dp:<name>`, stable across versions.
    #[schema(value_type = String, example = "dp:hmpps_use_of_force")]
    pub id: Id<'a>,
    /// `v<major>.<minor>`.
    #[schema(value_type = String, example = "v1.0")]
    pub version: Version,
    /// `dp:<name>:v<major>.<minor>`: this exact version, forever.
    #[schema(value_type = String, example = "dp:hmpps_use_of_force:v1.0")]
    pub versioned_id: Id<'a>,
    pub name: &'a str,
    pub description: &'a str,
    pub domain: &'a str,
    pub data_product_owner: &'a str,
    pub data_product_owner_display_name: &'a str,
    pub data_product_maintainer: Option<&'a str>,
    pub data_product_maintainer_display_name: Option<&'a str>,
    pub email: &'a str,
    pub status: Status,
    pub retention_period: i32,
    pub dpia_required: bool,
    #[schema(value_type = BTreeMap<String, String>)]
    pub tags: &'a BTreeMap<String, String>,
    /// The tables in this version.
    #[schema(value_type = Vec<SchemaRef>)]
    pub schemas: SchemaRefs<'a>,
    /// When the product was first registered.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When this version was made.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl<'a> DataProduct<'a> {
    pub fn from_row(row: &'a ProductVersionRow) -> Self {
        let version = row.version();
        Self {
            id: Id::product(&row.name, None),
            version,
            versioned_id: Id::product(&row.name, Some(version)),
            name: &row.name,
            description: &row.description,
            domain: &row.domain,
            data_product_owner: &row.data_product_owner,
            data_product_owner_display_name: &row.data_product_owner_display_name,
            data_product_maintainer: row.data_product_maintainer.as_deref(),
            data_product_maintainer_display_name: row
                .data_product_maintainer_display_name
                .as_deref(),
            email: &row.email,
            status: row.status,
            retention_period: row.retention_period,
            dpia_required: row.dpia_required,
            tags: &row.tags.0,
            schemas: SchemaRefs {
                product: &row.name,
                version,
                tables: &row.tables,
            },
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The tables of one product version as [`SchemaRef`]s, written without building them.
#[derive(Debug, Clone, Copy)]
pub struct SchemaRefs<'a> {
    product: &'a str,
    version: Version,
    tables: &'a [String],
}

impl Serialize for SchemaRefs<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        struct One<'a>(&'a SchemaRefs<'a>, &'a str);
        impl Serialize for One<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let One(refs, table) = self;
                let mut map = serializer.serialize_map(Some(3))?;
                map.serialize_entry("id", &Id::table(refs.product, None, table))?;
                map.serialize_entry(
                    "versionedId",
                    &Id::table(refs.product, Some(refs.version), table),
                )?;
                map.serialize_entry("name", table)?;
                map.end()
            }
        }
        let mut seq = serializer.serialize_seq(Some(self.tables.len()))?;
        for table in self.tables {
            seq.serialize_element(&One(self, table))?;
        }
        seq.end()
    }
}

/// What a metadata update would do (`?dryRun=true`); nothing is written.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductDryRun<'a> {
    /// The product as it would be after the update.
    pub data_product: DataProduct<'a>,
    /// The bump the update would make (`none` if it changes nothing).
    pub bump: ChangeBump,
    pub changes: ChangeSet,
    pub dry_run: bool,
}

/// The body of a metadata update's answer: the product, or the dry-run outcome.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum UpdateOutcome<'a> {
    Updated(DataProduct<'a>),
    DryRun(ProductDryRun<'a>),
}

/// A page of data products.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataProductPage<'a> {
    pub value: Vec<DataProduct<'a>>,
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

/// The `{id}` of an operation that reads one version of a product.
pub struct ProductIdParam;

impl IntoParams for ProductIdParam {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        product_id_parameter(
            "`dp:<name>` (the latest version) or `dp:<name>:v<M>.<m>` (that version)",
        )
    }
}

/// The `{id}` of a write: a versioned id is only accepted for the latest version (as a
/// precondition), since old versions are immutable.
pub struct LatestProductIdParam;

impl IntoParams for LatestProductIdParam {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        product_id_parameter("`dp:<name>`, or `dp:<name>:v<M>.<m>` naming the latest version")
    }
}

/// The `{id}` of an operation on the product as a whole (its history): the version of a
/// versioned id is ignored.
pub struct AnyVersionProductIdParam;

impl IntoParams for AnyVersionProductIdParam {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        product_id_parameter("`dp:<name>` (a versioned id is accepted and names the same product)")
    }
}

/// Major version numbers as `Version` parses them: decimals from 1 to `i32::MAX` (2147483647)
/// without leading zeros. Any of up to nine digits; of ten, those that start like 2147483647
/// up to some digit, have a smaller digit there, and then any.
const MAJOR_PATTERN: &str = "[1-9][0-9]{0,8}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|\
                             214[0-6][0-9]{6}|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|\
                             214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|\
                             214748364[0-7]";

/// What `ProductRef::parse` accepts, unanchored: `dp:<name>` with an optional `:v<M>.<m>`.
/// A version as `Version` parses it (`v1.0`), or empty (the default), as in `?from=`/`?to=`.
pub fn optional_version_pattern() -> String {
    format!(r"^(v({MAJOR_PATTERN})\.(0|{MAJOR_PATTERN}))?$")
}

/// Table ids extend it.
pub fn product_id_pattern() -> String {
    format!(
        r"dp:[a-z][a-z0-9_]{{0,{name_rest}}}(:v({MAJOR_PATTERN})\.(0|{MAJOR_PATTERN}))?",
        name_rest = MAX_NAME_LEN - 1
    )
}

fn product_id_parameter(description: &str) -> Vec<Parameter> {
    let pattern = format!("^{}$", product_id_pattern());
    vec![id_parameter(description, &pattern, "dp:hmpps_use_of_force")]
}

/// A required `{id}` path parameter: a string matching `pattern`.
pub fn id_parameter(description: &str, pattern: &str, example: &str) -> Parameter {
    let schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .build();
    ParameterBuilder::new()
        .name("id")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(schema))
        .example(Some(serde_json::Value::from(example)))
        .build()
}
