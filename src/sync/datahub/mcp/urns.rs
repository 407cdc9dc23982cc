//! The entities daap writes to DataHub and their URNs.
//!
//! | daap | DataHub entity | URN |
//! |---|---|---|
//! | a product's domain | `domain` | `urn:li:domain:<domain>` |
//! | a product | `dataProduct` | `urn:li:dataProduct:<name>` |
//! | the Glue database of a major (`<name>_v<major>`) | `container` | `urn:li:container:daap.glue.<env>.<database>` |
//! | a table in it | `dataset` | `urn:li:dataset:(urn:li:dataPlatform:glue,<database>.<table>,<ENV>)` |
//! | owner, maintainer | `corpuser` | `urn:li:corpuser:<email or client id>` |
//! | a tag `key: value` | `tag` | `urn:li:tag:<key>:<value>`, or `urn:li:tag:<key>` when the value is empty |
//!
//! Free text in a URN (domains, tags, owners) has DataHub's reserved characters `,` `(` `)`
//! `␟` percent-encoded, as the DataHub SDK does. Container URNs do not use DataHub's GUIDs (an
//! MD5 of the key properties): `daap.glue.<env>.<database>` is readable, stable, cannot collide
//! with a GUID (32 hex digits, no dots), and carries the environment so that two daap
//! deployments writing to one DataHub with different environments keep apart, as their
//! datasets do.

/// The platform every dataset and container of daap is on.
pub const PLATFORM_URN: &str = "urn:li:dataPlatform:glue";

/// DataHub's environments (`FabricType`), the last part of a dataset URN.
pub const ENVIRONMENTS: [&str; 17] = [
    "DEV", "TEST", "QA", "UAT", "EI", "PRE", "STG", "NON_PROD", "PROD", "CORP", "RVW", "PRD",
    "TST", "SIT", "SBX", "SANDBOX", "CERT",
];

/// Percent-encode DataHub's reserved URN characters (`,`, `(`, `)`, `␟`), as its SDK does.
pub fn encode_urn_part(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, ',' | '(' | ')' | '␟') {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub fn domain_urn(domain: &str) -> String {
    format!("urn:li:domain:{}", encode_urn_part(domain))
}

pub fn data_product_urn(product: &str) -> String {
    format!("urn:li:dataProduct:{product}")
}

pub fn container_urn(environment: &str, database: &str) -> String {
    format!(
        "urn:li:container:daap.glue.{}.{database}",
        environment.to_ascii_lowercase()
    )
}

pub fn dataset_urn(environment: &str, database: &str, table: &str) -> String {
    format!("urn:li:dataset:({PLATFORM_URN},{database}.{table},{environment})")
}

pub fn corpuser_urn(id: &str) -> String {
    format!("urn:li:corpuser:{}", encode_urn_part(id))
}

pub fn tag_urn(key: &str, value: &str) -> String {
    if value.is_empty() {
        format!("urn:li:tag:{}", encode_urn_part(key))
    } else {
        format!(
            "urn:li:tag:{}:{}",
            encode_urn_part(key),
            encode_urn_part(value)
        )
    }
}

/// Whether `urn` is a dataset daap makes for `product`: a table of one of its Glue databases
/// (`<product>_v<major>`) on the glue platform in `environment`.
pub fn is_product_dataset(urn: &str, product: &str, environment: &str) -> bool {
    let Some(rest) = urn.strip_prefix(&format!("urn:li:dataset:({PLATFORM_URN},{product}_v"))
    else {
        return false;
    };
    let Some(rest) = rest.strip_suffix(&format!(",{environment})")) else {
        return false;
    };
    let Some((major, table)) = rest.split_once('.') else {
        return false;
    };
    !major.is_empty()
        && major.bytes().all(|b| b.is_ascii_digit())
        && !table.is_empty()
        && table
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}
