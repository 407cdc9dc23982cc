//! The product's metadata in the fields ODCS and ODPS share (`name`, `domain`, `status`,
//! `description`, `tags`, `team`, `support`, `customProperties`), both ways. The two standards
//! spell these alike, so one mapping serves both documents.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::domain::{ProductFields, Status};

use super::error::Problems;
use super::shape::{Common, CustomProperty, Description, Member, SupportChannel, Team};

/// Custom property: `dpiaRequired` (boolean) — neither standard has a DPIA flag.
pub const DPIA_REQUIRED: &str = "dpiaRequired";
/// Custom property: `retentionPeriod` (days) — in ODPS, which has no SLA block.
pub const RETENTION_PERIOD: &str = "retentionPeriod";
/// Custom property: tags the `tags` list cannot carry (a name containing `:`), as an object.
pub const DAAP_TAGS: &str = "daapTags";
/// Custom property: a maintainer's display name given without a maintainer (a team member
/// needs a username).
pub const MAINTAINER_DISPLAY_NAME: &str = "dataProductMaintainerDisplayName";

/// The team member roles daap's owner and maintainer take.
pub const OWNER_ROLE: &str = "owner";
pub const MAINTAINER_ROLE: &str = "maintainer";

/// daap's status as the standards' status: they call a published product `active`.
pub fn status(status: Status) -> &'static str {
    match status {
        Status::Draft => "draft",
        Status::Published => "active",
        Status::Retired => "retired",
    }
}

/// A standard's status as daap's: every example value the standards give, and daap's own.
fn status_from(raw: &str) -> Option<Status> {
    match raw.to_ascii_lowercase().as_str() {
        "proposed" | "draft" => Some(Status::Draft),
        "active" | "published" => Some(Status::Published),
        // A deprecated product is on its way out: daap has no such state, and a retired product
        // is the nearest (it stays readable).
        "deprecated" | "retired" => Some(Status::Retired),
        _ => None,
    }
}

/// The fields both documents share, from a product's metadata.
pub fn common(fields: &ProductFields, name: &str, version: String) -> Common {
    Common {
        name: name.to_owned(),
        version,
        status: status(fields.status),
        domain: fields.domain.clone(),
        description: Description {
            purpose: fields.description.clone(),
        },
        tags: tags(&fields.tags).0,
        team: team(fields),
        support: vec![SupportChannel {
            channel: "email",
            tool: "email",
            url: format!("mailto:{}", fields.email),
            description: "Questions about the data product",
        }],
    }
}

/// Custom properties for what neither standard has a field for; `retention_too` where the
/// standard has no place for the retention period either (ODPS).
pub fn custom_properties(fields: &ProductFields, retention_too: bool) -> Vec<CustomProperty> {
    let mut properties = vec![CustomProperty {
        property: DPIA_REQUIRED,
        value: json!(fields.dpia_required),
        description: "Whether a data protection impact assessment is required (daap)",
    }];
    if retention_too {
        properties.push(CustomProperty {
            property: RETENTION_PERIOD,
            value: json!(fields.retention_period),
            description: "How long data is kept, in days (daap)",
        });
    }
    let unlisted = tags(&fields.tags).1;
    if !unlisted.is_empty() {
        properties.push(CustomProperty {
            property: DAAP_TAGS,
            value: json!(unlisted),
            description: "Tags whose name contains a colon (daap)",
        });
    }
    if fields.maintainer.is_none()
        && let Some(display_name) = &fields.maintainer_display_name
    {
        properties.push(CustomProperty {
            property: MAINTAINER_DISPLAY_NAME,
            value: json!(display_name),
            description: "The maintainer's display name (daap)",
        });
    }
    properties
}

/// daap's tags as the standards' list of strings, `name:value` (or `name` alone for an empty
/// value), and the tags that cannot be written so (their name has a colon).
fn tags(tags: &BTreeMap<String, String>) -> (Vec<String>, BTreeMap<String, String>) {
    let mut listed = Vec::new();
    let mut unlisted = BTreeMap::new();
    for (name, value) in tags {
        if name.contains(':') {
            unlisted.insert(name.clone(), value.clone());
        } else if value.is_empty() {
            listed.push(name.clone());
        } else {
            listed.push(format!("{name}:{value}"));
        }
    }
    (listed, unlisted)
}

fn team(fields: &ProductFields) -> Team {
    let mut members = vec![Member {
        username: fields.owner.clone(),
        name: Some(fields.owner_display_name.clone()),
        role: OWNER_ROLE,
    }];
    if let Some(maintainer) = &fields.maintainer {
        members.push(Member {
            username: maintainer.clone(),
            name: fields.maintainer_display_name.clone(),
            role: MAINTAINER_ROLE,
        });
    }
    Team { members }
}

/// Reads the shared fields of a document into a registration body, recording what is missing
/// or wrong. `retention` is the retention period in days, wherever the standard keeps it.
pub fn read(doc: &Value, retention: Option<Value>, problems: &mut Problems) -> Value {
    let mut body = Map::new();
    let name = text(doc, "/name")
        .or_else(|| text(doc, "/id").map(|id| id.strip_prefix("dp:").unwrap_or(id)));
    match name {
        Some(name) => {
            body.insert("name".into(), json!(name));
        }
        None => problems.add("/name", "the product's name is missing"),
    }
    match text(doc, "/description/purpose")
        .or_else(|| text(doc, "/description/usage"))
        .or_else(|| text(doc, "/description"))
    {
        Some(description) => {
            body.insert("description".into(), json!(description));
        }
        None => problems.add(
            "/description/purpose",
            "the product's description is missing",
        ),
    }
    match text(doc, "/domain") {
        Some(domain) => {
            body.insert("domain".into(), json!(domain));
        }
        None => problems.add("/domain", "the product's domain is missing"),
    }
    read_team(doc, &mut body, problems);
    match contact(doc) {
        Some(email) => {
            body.insert("email".into(), json!(email));
        }
        None => problems.add(
            "/support",
            "no support channel with an email address (`url: mailto:...`) names the contact",
        ),
    }
    match text(doc, "/status").map(|raw| (raw, status_from(raw))) {
        Some((_, Some(status))) => {
            body.insert("status".into(), json!(status.as_str()));
        }
        Some((raw, None)) => problems.add(
            "/status",
            format!(
                "`{raw}` is not a status daap knows: use proposed or draft, active, \
                 deprecated or retired"
            ),
        ),
        None => problems.add("/status", "the status is missing"),
    }
    match retention {
        Some(days) => {
            body.insert("retentionPeriod".into(), days);
        }
        None => problems.add(
            "/customProperties",
            format!(
                "the retention period is missing: add a `retention` SLA property (ODCS) or a \
                 `{RETENTION_PERIOD}` custom property, in days"
            ),
        ),
    }
    match custom_property(doc, DPIA_REQUIRED) {
        Some(flag) => {
            body.insert("dpiaRequired".into(), flag.clone());
        }
        None => problems.add(
            "/customProperties",
            format!("add `{DPIA_REQUIRED}` (true or false): whether a DPIA is required"),
        ),
    }
    body.insert("tags".into(), json!(read_tags(doc, problems)));
    Value::Object(body)
}

/// The owner and maintainer from `team.members` (or the older `team: [members]`).
fn read_team(doc: &Value, body: &mut Map<String, Value>, problems: &mut Problems) {
    let (members, base) = match doc.get("team") {
        Some(Value::Array(members)) => (members.as_slice(), "/team"),
        Some(team) => (
            team.get("members")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice),
            "/team/members",
        ),
        None => (&[][..], "/team/members"),
    };
    let with_role = |role: &str| {
        members.iter().find(|m| {
            m.get("role")
                .and_then(Value::as_str)
                .is_some_and(|r| r.eq_ignore_ascii_case(role))
        })
    };
    match with_role(OWNER_ROLE) {
        Some(owner) => {
            if let Some(username) = owner.get("username") {
                body.insert("dataProductOwner".into(), username.clone());
            }
            match owner.get("name") {
                Some(name) => {
                    body.insert("dataProductOwnerDisplayName".into(), name.clone());
                }
                None => problems.add(base, "the owner (role `owner`) needs a `name`"),
            }
        }
        None => problems.add(base, "no team member has the role `owner`"),
    }
    if let Some(maintainer) = with_role(MAINTAINER_ROLE) {
        if let Some(username) = maintainer.get("username") {
            body.insert("dataProductMaintainer".into(), username.clone());
        }
        if let Some(name) = maintainer.get("name") {
            body.insert("dataProductMaintainerDisplayName".into(), name.clone());
        }
    } else if let Some(name) = custom_property(doc, MAINTAINER_DISPLAY_NAME) {
        body.insert("dataProductMaintainerDisplayName".into(), name.clone());
    }
}

/// The first support channel that is an email address.
fn contact(doc: &Value) -> Option<String> {
    doc.get("support")?.as_array()?.iter().find_map(|channel| {
        let url = channel.get("url").and_then(Value::as_str)?;
        let address = url.strip_prefix("mailto:")?;
        Some(address.split('?').next().unwrap_or(address).to_owned())
    })
}

/// `tags: ["name:value", "name"]` split at the first colon, plus the `daapTags` object.
fn read_tags(doc: &Value, problems: &mut Problems) -> BTreeMap<String, Value> {
    let mut tags = BTreeMap::new();
    if let Some(listed) = doc.get("tags").and_then(Value::as_array) {
        for (index, tag) in listed.iter().enumerate() {
            match tag.as_str() {
                Some(tag) => {
                    let (name, value) = tag.split_once(':').unwrap_or((tag, ""));
                    tags.insert(name.to_owned(), json!(value));
                }
                None => problems.add(&format!("/tags/{index}"), "a tag must be a string"),
            }
        }
    }
    match custom_property(doc, DAAP_TAGS) {
        Some(Value::Object(more)) => tags.extend(more.clone()),
        Some(_) => problems.add(
            "/customProperties",
            format!("`{DAAP_TAGS}` must be an object of tag names to values"),
        ),
        None => {}
    }
    tags
}

/// The value of the top-level custom property `name`.
pub fn custom_property<'a>(doc: &'a Value, name: &str) -> Option<&'a Value> {
    doc.get("customProperties")?
        .as_array()?
        .iter()
        .find(|p| p.get("property").and_then(Value::as_str) == Some(name))?
        .get("value")
}

/// A non-empty string at `pointer`.
pub fn text<'a>(doc: &'a Value, pointer: &str) -> Option<&'a str> {
    doc.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}
