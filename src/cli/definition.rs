//! The product file `daap plan|apply -f` read: a product and its tables as code.
//!
//! One file (YAML, or JSON when it ends in `.json`):
//!
//! ```yaml
//! product:            # the body POST /v1/data-products accepts (with `name`)
//!   name: prisons
//!   description: ...
//! tables:             # table name -> the body POST /v1/schemas/dp:<name>:<table> accepts
//!   incidents:
//!     tableDescription: ...
//!     columns: [{name: id, type: bigint, description: Id}]
//! ```
//!
//! Or a directory: `product.yaml` (or `.yml`, `.json`) holding the product body alone, and
//! `tables/<table>.yaml` (or `.yml`, `.json`) holding each table's body, the file name being
//! the table name. Other files are ignored.
//!
//! A Bitol ODCS contract or ODPS document (a file whose `kind` is `DataContract` or
//! `DataProduct`) is read too, through the standards' import (`crate::contracts::import`,
//! docs/contracts.md), which produces this same shape: `daap export` output can feed a plan.
//! Every body is checked here with the server's own rules before anything is sent, so a
//! mistake in the file is reported with its pointer (`/tables/incidents/columns/0/type`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::Value;

use crate::domain::product::{MetadataPolicy, NewProduct};
use crate::domain::table::{TableName, TableSchema};
use crate::validation::FieldError;

pub use crate::contracts::ProductDefinition;

impl ProductDefinition {
    /// Read a product file, or a directory laid out as described above.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let definition = if path.is_dir() {
            load_directory(path)?
        } else {
            let value = read_document(path)?;
            if is_standard_document(&value) {
                crate::contracts::import(&value).map_err(|error| {
                    let lines: Vec<String> = error
                        .problems
                        .iter()
                        .map(|p| format!("  {}: {}", p.pointer, p.detail))
                        .collect();
                    anyhow::anyhow!(
                        "{} cannot be imported:\n{}",
                        path.display(),
                        lines.join("\n")
                    )
                })?
            } else {
                serde_json::from_value(value).with_context(|| {
                    format!(
                        "{} must be an object with `product` and `tables`, or an ODCS or ODPS \
                         document (see docs/cli.md)",
                        path.display()
                    )
                })?
            }
        };
        definition.check(path)?;
        Ok(definition)
    }

    /// The product's name (checked by [`ProductDefinition::load`]).
    pub fn product_name(&self) -> &str {
        self.name().unwrap_or_default()
    }

    /// The product body without `name`: the body of `PUT /v1/data-products/{id}`.
    pub fn editable_fields(&self) -> Value {
        let mut fields = self.product.clone();
        if let Some(object) = fields.as_object_mut() {
            object.remove("name");
        }
        fields
    }

    /// Every problem in the file, each with its pointer, or none.
    fn check(&self, path: &Path) -> anyhow::Result<()> {
        let mut errors: Vec<FieldError> = Vec::new();
        // The deployment's allowed domains are the server's to check.
        if let Err(invalid) = NewProduct::parse(&self.product, &MetadataPolicy::default()) {
            errors.extend(prefixed("/product", invalid.0));
        }
        for (name, body) in &self.tables {
            let pointer = format!("/tables/{}", escape(name));
            if let Err(detail) = TableName::parse(name) {
                errors.push(FieldError::new(pointer.clone(), detail));
            }
            if let Err(invalid) = TableSchema::parse(body) {
                errors.extend(prefixed(&pointer, invalid.0));
            }
        }
        if errors.is_empty() {
            return Ok(());
        }
        let lines: Vec<String> = errors
            .iter()
            .map(|e| {
                format!(
                    "  {}: {}",
                    e.pointer.as_deref().unwrap_or_default(),
                    e.detail
                )
            })
            .collect();
        bail!(
            "{} has {} problem{}:\n{}",
            path.display(),
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            lines.join("\n")
        )
    }
}

fn prefixed(prefix: &str, errors: Vec<FieldError>) -> impl Iterator<Item = FieldError> + '_ {
    errors.into_iter().map(move |e| {
        FieldError::new(
            format!("{prefix}{}", e.pointer.as_deref().unwrap_or_default()),
            e.detail,
        )
    })
}

/// An open-standard document rather than daap's own file shape: it says what it is in `kind`
/// (daap's shape has no `kind`, and `deny_unknown_fields` would refuse one).
fn is_standard_document(value: &Value) -> bool {
    value.get("kind").is_some() && value.get("apiVersion").is_some()
}

/// A JSON Pointer reference token (RFC 6901).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// One YAML or JSON document as JSON.
fn read_document(path: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read {}", path.display()))?;
    if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
    } else {
        serde_norway::from_str(&text)
            .with_context(|| format!("{} is not valid YAML", path.display()))
    }
}

const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

fn load_directory(dir: &Path) -> anyhow::Result<ProductDefinition> {
    let candidates: Vec<PathBuf> = EXTENSIONS
        .iter()
        .map(|e| dir.join(format!("product.{e}")))
        .filter(|p| p.is_file())
        .collect();
    let product_file = match candidates.as_slice() {
        [one] => one,
        [] => bail!(
            "{} has no product.yaml (a directory holds product.yaml and tables/<table>.yaml)",
            dir.display()
        ),
        _ => bail!("{} has more than one product file", dir.display()),
    };
    let product = read_document(product_file)?;
    let mut tables = BTreeMap::new();
    let tables_dir = dir.join("tables");
    if tables_dir.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&tables_dir)
            .with_context(|| format!("could not read {}", tables_dir.display()))?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        files.sort();
        for file in files {
            let wanted = file
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.contains(&e));
            let Some(stem) = file.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if !wanted || !file.is_file() || stem.starts_with('.') {
                continue;
            }
            if tables
                .insert(stem.to_owned(), read_document(&file)?)
                .is_some()
            {
                bail!("{} has two files for table `{stem}`", tables_dir.display());
            }
        }
    }
    Ok(ProductDefinition { product, tables })
}
