//! The name of a data product: the stable part of its id, and the name of its Glue databases.

use std::fmt;

/// Longest name accepted; Glue database names are `<name>_v<major>` and must stay under 255.
pub const MAX_NAME_LEN: usize = 63;

/// A data product name matching `^[a-z][a-z0-9_]{0,62}$`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DataProductName(String);

impl DataProductName {
    /// Parse a name, explaining what is wrong when it is not valid.
    pub fn parse(raw: &str) -> Result<Self, String> {
        check_identifier(raw, MAX_NAME_LEN).map(|()| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DataProductName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Check an identifier of the form `^[a-z][a-z0-9_]*$` of at most `max_len` characters (the
/// shape of product and table names), explaining what is wrong.
pub fn check_identifier(raw: &str, max_len: usize) -> Result<(), String> {
    let mut chars = raw.chars();
    match chars.next() {
        None => return Err("must not be empty".to_owned()),
        Some(first) if !first.is_ascii_lowercase() => {
            return Err(format!(
                "must start with a lower-case letter (a-z), not `{first}`"
            ));
        }
        Some(_) => {}
    }
    if let Some(bad) = chars.find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        return Err(format!(
            "may contain only lower-case letters, digits and `_`, not `{bad}`"
        ));
    }
    if raw.len() > max_len {
        return Err(format!("must be at most {max_len} characters long"));
    }
    Ok(())
}
