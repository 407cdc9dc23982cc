//! A product version as stored, and what follows from it (its successor, its fields).

use std::collections::BTreeMap;

use sqlx::types::Json;
use time::OffsetDateTime;

use crate::domain::table::Column;
use crate::domain::{Bump, Ownership, ProductFields, Status, Version};
use crate::store::tables::TableRow;

use super::NewVersion;

/// Declares [`ProductVersionRow`] and [`HeadWithTableRow`] from one list of a version's
/// columns (`query_as!` fills flat structs only), and the move from the second to the first.
macro_rules! product_version_rows {
    ($($(#[$doc:meta])* $field:ident: $ty:ty,)*) => {
        /// One version of one product, as stored: everything a product response needs.
        #[derive(Debug, Clone)]
        pub struct ProductVersionRow {
            $($(#[$doc])* pub $field: $ty,)*
        }

        /// A [`ProductVersionRow`] and one of its tables, read in one statement (a table
        /// write's read: `find_current_with_table`). The `table_` columns are null when the
        /// version has no table of the name asked for.
        #[derive(Debug)]
        pub struct HeadWithTableRow {
            $(pub $field: $ty,)*
            pub table_first_seq: Option<i32>,
            pub table_description: Option<String>,
            pub table_columns: Option<Json<Vec<Column>>>,
        }

        impl HeadWithTableRow {
            /// The version, and its table `table` if it has one.
            pub fn split(self, table: &str) -> (ProductVersionRow, Option<TableRow>) {
                let table = match (self.table_first_seq, self.table_description, self.table_columns) {
                    (Some(first_seq), Some(table_description), Some(columns)) => Some(TableRow {
                        table_name: table.to_owned(),
                        first_seq,
                        table_description,
                        columns,
                    }),
                    _ => None,
                };
                (ProductVersionRow { $($field: self.$field,)* }, table)
            }
        }
    };
}

product_version_rows! {
    product_id: i64,
    name: String,
    created_at: OffsetDateTime,
    seq: i32,
    major: i32,
    minor: i32,
    bump: Bump,
    description: String,
    domain: String,
    data_product_owner: String,
    data_product_owner_display_name: String,
    data_product_maintainer: Option<String>,
    data_product_maintainer_display_name: Option<String>,
    email: String,
    status: Status,
    retention_period: i32,
    dpia_required: bool,
    tags: Json<BTreeMap<String, String>>,
    updated_at: OffsetDateTime,
    updated_by: String,
    /// Names of the tables in this version, sorted by their bytes (read in the same query:
    /// no second round trip).
    tables: Vec<String>,
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
