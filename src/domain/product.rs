//! The user-editable metadata of a data product, its validation and its diff.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::validation::{Fields, InvalidFields};

use super::DataProductName;

pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
pub const MAX_SHORT_TEXT_CHARS: usize = 200;
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_KEY_CHARS: usize = 128;
pub const MAX_TAG_VALUE_CHARS: usize = 256;
/// About 270 years: more than any real retention, small enough to never overflow.
pub const MAX_RETENTION_DAYS: i64 = 100_000;

/// Lifecycle state of a data product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[sqlx(type_name = "product_status", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Published,
    Retired,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Draft, Status::Published, Status::Retired];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Published => "published",
            Status::Retired => "retired",
        }
    }

    pub fn parse(raw: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// Rules that depend on the deployment rather than on the data model.
#[derive(Debug, Clone, Default)]
pub struct MetadataPolicy {
    /// When set, `domain` must be one of these (compared case-sensitively).
    pub allowed_domains: Option<Vec<String>>,
}

/// Every user-editable field of a data product except its name. A `PUT` replaces all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductFields {
    pub description: String,
    pub domain: String,
    pub owner: String,
    pub owner_display_name: String,
    pub maintainer: Option<String>,
    pub maintainer_display_name: Option<String>,
    pub email: String,
    pub status: Status,
    pub retention_period: i32,
    pub dpia_required: bool,
    pub tags: BTreeMap<String, String>,
}

/// A registration request: the name plus the editable fields.
#[derive(Debug, Clone)]
pub struct NewProduct {
    pub name: DataProductName,
    pub fields: ProductFields,
}

impl NewProduct {
    /// Validate a registration body, reporting every problem at once.
    pub fn parse(body: &Value, policy: &MetadataPolicy) -> Result<Self, InvalidFields> {
        let mut reader = Fields::of(body)?;
        let name = reader.required_exact("name", usize::MAX);
        let name = if name.is_empty() {
            None
        } else {
            match DataProductName::parse(&name) {
                Ok(name) => Some(name),
                Err(why) => {
                    reader.error("name", why);
                    None
                }
            }
        };
        let fields = ProductFields::read(&mut reader, policy);
        reader.finish()?;
        Ok(Self {
            name: name.expect("a valid name when validation passed"),
            fields,
        })
    }
}

impl ProductFields {
    /// Validate an update body (all editable fields, no `name`), reporting every problem at once.
    pub fn parse(body: &Value, policy: &MetadataPolicy) -> Result<Self, InvalidFields> {
        let mut reader = Fields::of(body)?;
        if body.get("name").is_some() {
            reader.error(
                "name",
                "a data product cannot be renamed; register a new product instead",
            );
        }
        let fields = Self::read(&mut reader, policy);
        reader.finish()?;
        Ok(fields)
    }

    fn read(reader: &mut Fields<'_>, policy: &MetadataPolicy) -> Self {
        let description = reader.required_string("description", MAX_DESCRIPTION_CHARS);
        let domain = reader.required_string("domain", MAX_SHORT_TEXT_CHARS);
        if let Some(allowed) = &policy.allowed_domains
            && !domain.is_empty()
            && !allowed.contains(&domain)
        {
            reader.error("domain", format!("must be one of: {}", allowed.join(", ")));
        }
        let owner = required_email(reader, "dataProductOwner");
        let owner_display_name =
            reader.required_string("dataProductOwnerDisplayName", MAX_SHORT_TEXT_CHARS);
        let maintainer = reader
            .optional_exact("dataProductMaintainer", MAX_EMAIL_CHARS)
            .and_then(|maintainer| checked_maintainer(reader, maintainer));
        let maintainer_display_name =
            reader.optional_string("dataProductMaintainerDisplayName", MAX_SHORT_TEXT_CHARS);
        let email = required_email(reader, "email");
        let status = read_status(reader);
        let retention_period = reader.required_int("retentionPeriod", 0, MAX_RETENTION_DAYS) as i32;
        let dpia_required = reader.required_bool("dpiaRequired");
        let tags = read_tags(reader);
        Self {
            description,
            domain,
            owner,
            owner_display_name,
            maintainer,
            maintainer_display_name,
            email,
            status,
            retention_period,
            dpia_required,
            tags,
        }
    }

    /// The API names of the fields that differ between `self` and `other`, in API order.
    pub fn changed_fields(&self, other: &ProductFields) -> Vec<&'static str> {
        let mut changed = Vec::new();
        let mut check = |differs: bool, name: &'static str| {
            if differs {
                changed.push(name);
            }
        };
        check(self.description != other.description, "description");
        check(self.domain != other.domain, "domain");
        check(self.owner != other.owner, "dataProductOwner");
        check(
            self.owner_display_name != other.owner_display_name,
            "dataProductOwnerDisplayName",
        );
        check(self.maintainer != other.maintainer, "dataProductMaintainer");
        check(
            self.maintainer_display_name != other.maintainer_display_name,
            "dataProductMaintainerDisplayName",
        );
        check(self.email != other.email, "email");
        check(self.status != other.status, "status");
        check(
            self.retention_period != other.retention_period,
            "retentionPeriod",
        );
        check(self.dpia_required != other.dpia_required, "dpiaRequired");
        check(self.tags != other.tags, "tags");
        changed
    }
}

fn read_status(reader: &mut Fields<'_>) -> Status {
    let raw = reader.required_exact("status", MAX_SHORT_TEXT_CHARS);
    if raw.is_empty() {
        return Status::Draft;
    }
    Status::parse(&raw).unwrap_or_else(|| {
        reader.error("status", "must be one of: draft, published, retired");
        Status::Draft
    })
}

fn read_tags(reader: &mut Fields<'_>) -> BTreeMap<String, String> {
    let tags = reader.string_map("tags").unwrap_or_default();
    if tags.len() > MAX_TAGS {
        reader.error("tags", format!("must have at most {MAX_TAGS} entries"));
    }
    for (key, value) in &tags {
        let key_chars = key.chars().count();
        if key_chars == 0 || key_chars > MAX_TAG_KEY_CHARS {
            reader.error_at(
                "tags",
                key,
                format!("tag names must be 1 to {MAX_TAG_KEY_CHARS} characters long"),
            );
        }
        if value.chars().count() > MAX_TAG_VALUE_CHARS {
            reader.error_at(
                "tags",
                key,
                format!("tag values must be at most {MAX_TAG_VALUE_CHARS} characters long"),
            );
        }
    }
    tags
}

fn required_email(reader: &mut Fields<'_>, key: &'static str) -> String {
    let email = reader.required_exact(key, MAX_EMAIL_CHARS);
    if email.is_empty() {
        return email;
    }
    checked_email(reader, key, email).unwrap_or_default()
}

/// A maintainer is a person (an email) or a machine client, named by its client id (a UUID),
/// so that a pipeline can maintain the product it feeds.
fn checked_maintainer(reader: &mut Fields<'_>, maintainer: String) -> Option<String> {
    if is_plausible_email(&maintainer) || is_uuid(&maintainer) {
        Some(maintainer)
    } else {
        reader.error(
            "dataProductMaintainer",
            "must be an email address like `name@example.org`, or a machine client's client id (a UUID)",
        );
        None
    }
}

/// `8-4-4-4-12` hexadecimal digits, as Entra client ids are written.
pub fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn checked_email(reader: &mut Fields<'_>, key: &'static str, email: String) -> Option<String> {
    if is_plausible_email(&email) {
        Some(email)
    } else {
        reader.error(key, "must be an email address like `name@example.org`");
        None
    }
}

/// The check that matters for a contact address: one `@`, something before it, a dotted domain
/// after it, and no spaces. Full RFC 5322 parsing would accept addresses nobody can mail.
pub fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}
