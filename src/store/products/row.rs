//! A product version as stored, and what follows from it (its successor, its fields).

use std::collections::BTreeMap;

use sqlx::types::Json;
use time::OffsetDateTime;

use crate::domain::{Bump, Ownership, ProductFields, Status, Version};

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
