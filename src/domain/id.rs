//! Resource ids as they appear in URLs: `dp:<name>` and `dp:<name>:v<major>.<minor>`.

use std::fmt;

use serde::Serialize;

use super::table::TableName;
use super::{DataProductName, Version};

/// The one spelling of every id: `dp:<name>`, then `:v<M>.<m>` for one version, then
/// `:<table>` for a table. It borrows its parts and is written out (`Display`, or serialised as
/// a string) without building a `String`, which response bodies rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Id<'a> {
    product: &'a str,
    version: Option<Version>,
    table: Option<&'a str>,
}

impl<'a> Id<'a> {
    pub fn product(product: &'a str, version: Option<Version>) -> Self {
        Self {
            product,
            version,
            table: None,
        }
    }

    pub fn table(product: &'a str, version: Option<Version>, table: &'a str) -> Self {
        Self {
            product,
            version,
            table: Some(table),
        }
    }
}

impl fmt::Display for Id<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dp:{}", self.product)?;
        if let Some(version) = self.version {
            write!(f, ":{version}")?;
        }
        if let Some(table) = self.table {
            write!(f, ":{table}")?;
        }
        Ok(())
    }
}

impl Serialize for Id<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A reference to a data product: its latest version, or one exact version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRef {
    pub name: DataProductName,
    pub version: Option<Version>,
}

impl ProductRef {
    /// Parse `dp:<name>` or `dp:<name>:v<M>.<m>`, explaining what is wrong otherwise.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let Some(rest) = raw.strip_prefix("dp:") else {
            return Err(format!(
                "`{raw}` is not a data product id: ids look like `dp:<name>` or `dp:<name>:v1.0`"
            ));
        };
        let mut parts = rest.split(':');
        let name = parts.next().unwrap_or_default();
        let name = DataProductName::parse(name)
            .map_err(|why| format!("`{raw}` is not a data product id: the name {why}"))?;
        let version = match parts.next() {
            None => None,
            Some(version) => Some(
                version
                    .parse::<Version>()
                    .map_err(|why| format!("`{raw}` is not a data product id: {why}"))?,
            ),
        };
        if parts.next().is_some() {
            return Err(format!(
                "`{raw}` is not a data product id: ids look like `dp:<name>` or `dp:<name>:v1.0`"
            ));
        }
        Ok(Self { name, version })
    }

    /// The id of the product across all its versions.
    pub fn product_id(name: &DataProductName) -> String {
        Id::product(name.as_str(), None).to_string()
    }

    /// The id of one version of the product.
    pub fn versioned_id(name: &DataProductName, version: Version) -> String {
        Id::product(name.as_str(), Some(version)).to_string()
    }
}

/// A reference to a table: in the latest version of its product, or in one exact version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRef {
    pub product: ProductRef,
    pub table: TableName,
}

impl TableRef {
    /// Parse `dp:<name>:<table>` or `dp:<name>:v<M>.<m>:<table>`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let shape = "ids look like `dp:<name>:<table>` or `dp:<name>:v1.0:<table>`";
        let (product, table) = raw
            .rsplit_once(':')
            .filter(|(product, _)| product.starts_with("dp:"))
            .ok_or_else(|| format!("`{raw}` is not a table id: {shape}"))?;
        let product = ProductRef::parse(product)
            .map_err(|_| format!("`{raw}` is not a table id: {shape}"))?;
        let table = TableName::parse(table)
            .map_err(|why| format!("`{raw}` is not a table id: the table name {why}"))?;
        Ok(Self { product, table })
    }

    pub fn table_id(name: &DataProductName, table: &str) -> String {
        Id::table(name.as_str(), None, table).to_string()
    }

    pub fn versioned_table_id(name: &DataProductName, version: Version, table: &str) -> String {
        Id::table(name.as_str(), Some(version), table).to_string()
    }
}
