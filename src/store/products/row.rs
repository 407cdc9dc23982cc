//! A product version as stored, and what follows from it (its successor, its fields).

use std::collections::BTreeMap;

use sqlx::types::Json;
use time::OffsetDateTime;

use crate::domain::table::Column;
use crate::domain::{Bump, Ownership, ProductFields, Status, Version};
use crate::store::tables::TableRow;

use super::NewVersion;

/// One version of one product, as stored: everything a product response needs.
#[derive(Debug, Clone)]
pub struct ProductVersionRow {
    pub product_id: i64,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub seq: i32,
    pub major: i32,
    pub minor: i32,
    pub bump: Bump,
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
    pub tags: Json<BTreeMap<String, String>>,
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
    /// Names of the tables in this version, sorted by their bytes (read in the same query:
    /// no second round trip).
    pub tables: Vec<String>,
}

/// A [`ProductVersionRow`] and one of its tables, read in one statement (a table write's
/// read: `find_current_with_table`). The `table_` columns are null when the version has no
/// table of the name asked for.
#[derive(Debug)]
pub struct HeadWithTableRow {
    pub product_id: i64,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub seq: i32,
    pub major: i32,
    pub minor: i32,
    pub bump: Bump,
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
    pub tags: Json<BTreeMap<String, String>>,
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
    pub tables: Vec<String>,
    pub table_first_seq: Option<i32>,
    pub table_description: Option<String>,
    pub table_columns: Option<Json<Vec<Column>>>,
}

impl HeadWithTableRow {
    /// The version, and its table `table` if it has one.
    pub fn split(self, table: &str) -> (ProductVersionRow, Option<TableRow>) {
        let table = match (
            self.table_first_seq,
            self.table_description,
            self.table_columns,
        ) {
            (Some(first_seq), Some(table_description), Some(columns)) => Some(TableRow {
                table_name: table.to_owned(),
                first_seq,
                table_description,
                columns,
            }),
            _ => None,
        };
        let row = ProductVersionRow {
            product_id: self.product_id,
            name: self.name,
            created_at: self.created_at,
            seq: self.seq,
            major: self.major,
            minor: self.minor,
            bump: self.bump,
            description: self.description,
            domain: self.domain,
            data_product_owner: self.data_product_owner,
            data_product_owner_display_name: self.data_product_owner_display_name,
            data_product_maintainer: self.data_product_maintainer,
            data_product_maintainer_display_name: self.data_product_maintainer_display_name,
            email: self.email,
            status: self.status,
            retention_period: self.retention_period,
            dpia_required: self.dpia_required,
            tags: self.tags,
            updated_at: self.updated_at,
            updated_by: self.updated_by,
            tables: self.tables,
        };
        (row, table)
    }
}

impl ProductVersionRow {
    pub fn version(&self) -> Version {
        Version {
            major: self.major,
            minor: self.minor,
        }
    }

    /// The version that `new` makes after this one, made at `created_at`.
    pub fn successor(&self, new: &NewVersion<'_>, created_at: OffsetDateTime) -> ProductVersionRow {
        let version = self.version().bumped(new.bump);
        ProductVersionRow {
            seq: self.seq + 1,
            major: version.major,
            minor: version.minor,
            bump: new.bump,
            tables: match &new.table {
                Some(change) => change.tables_after(&self.tables),
                None => self.tables.clone(),
            },
            updated_at: created_at,
            updated_by: new.author.id.clone(),
            ..self.clone()
        }
        .with_fields(new.fields)
    }

    /// This row with the editable metadata replaced by `fields`.
    pub(super) fn with_fields(self, fields: &ProductFields) -> ProductVersionRow {
        ProductVersionRow {
            description: fields.description.clone(),
            domain: fields.domain.clone(),
            data_product_owner: fields.owner.clone(),
            data_product_owner_display_name: fields.owner_display_name.clone(),
            data_product_maintainer: fields.maintainer.clone(),
            data_product_maintainer_display_name: fields.maintainer_display_name.clone(),
            email: fields.email.clone(),
            status: fields.status,
            retention_period: fields.retention_period,
            dpia_required: fields.dpia_required,
            tags: Json(fields.tags.clone()),
            ..self
        }
    }

    /// The people this version names as responsible for the product.
    pub fn ownership(&self) -> Ownership<'_> {
        Ownership {
            owner: &self.data_product_owner,
            maintainer: self.data_product_maintainer.as_deref(),
        }
    }

    pub fn fields(&self) -> ProductFields {
        ProductFields {
            description: self.description.clone(),
            domain: self.domain.clone(),
            owner: self.data_product_owner.clone(),
            owner_display_name: self.data_product_owner_display_name.clone(),
            maintainer: self.data_product_maintainer.clone(),
            maintainer_display_name: self.data_product_maintainer_display_name.clone(),
            email: self.email.clone(),
            status: self.status,
            retention_period: self.retention_period,
            dpia_required: self.dpia_required,
            tags: self.tags.0.clone(),
        }
    }
}
