//! `daap plan -f product.yaml`: what `daap apply` would change, table by table, and the
//! version each change would make, asked of the server's dry runs (`?dryRun=true`), so the
//! plan uses the server's own rules and nothing is written.
//!
//! The changes are made in this order, each making exactly one version: the product's
//! registration (new products) or its metadata, then each table of the file in name order
//! (created or replaced), then, with `--prune`, the deletion of tables the file does not
//! have. Without `--prune` such tables are reported and left alone.

mod render;

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

use super::connect::ConnectArgs;
use super::definition::ProductDefinition;
use super::output::{OutputFormat, print_document};
use super::{ApiClient, Conditions, exit};
use crate::domain::table::{TableChange, TableSchema};
use crate::domain::{Bump, Version};

pub use render::{column_lines, render};

#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    /// The product file (YAML or JSON), or a directory with product.yaml and tables/*.yaml.
    #[arg(short = 'f', long = "file")]
    pub file: PathBuf,

    /// Breaking (major) changes are intended: plan them without exit code 3.
    #[arg(long)]
    pub allow_major: bool,

    /// Delete tables the server has and the file does not (each a major change).
    #[arg(long)]
    pub prune: bool,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: OutputFormat,

    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// What one change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    RegisterProduct,
    UpdateProduct,
    CreateTable,
    ReplaceTable,
    DeleteTable,
}

/// One intended change and the version it makes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    pub bump: Bump,
    /// The product version this change makes.
    pub version: Version,
    /// For a metadata update: the fields that change.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<String>,
    /// For a table: what changes in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<TableChange>,
    /// The request body to send.
    #[serde(skip)]
    pub body: Option<Value>,
    /// The table as the file wants it (for showing the new columns' types).
    #[serde(skip)]
    pub desired: Option<TableSchema>,
}

/// Every change the file asks for, in the order `apply` makes them.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// `dp:<name>`.
    pub product: String,
    /// The latest version now; absent for a product not registered yet.
    pub current_version: Option<Version>,
    /// The latest version once every change is made.
    pub planned_version: Option<Version>,
    pub changes: Vec<Step>,
    /// Whether any change is major.
    pub breaking: bool,
    /// Tables the server has and the file does not, left alone (without `--prune`).
    pub unmanaged_tables: Vec<String>,
    /// The product's `ETag` when the plan read it.
    #[serde(skip)]
    pub product_etag: Option<String>,
}

impl Plan {
    pub fn name(&self) -> &str {
        self.product.trim_start_matches("dp:")
    }

    /// The exit code of `daap plan` (and of `daap apply` when it refuses).
    pub fn exit_code(&self, allow_major: bool) -> u8 {
        if self.changes.is_empty() {
            exit::OK
        } else if self.breaking && !allow_major {
            exit::BREAKING
        } else {
            exit::CHANGES
        }
    }
}

pub async fn run(args: PlanArgs) -> anyhow::Result<u8> {
    let definition = ProductDefinition::load(&args.file)?;
    let client = args.connect.client().await?;
    let plan = build(&client, &definition, args.prune).await?;
    if !print_document(args.output, &plan)? {
        print!("{}", render(&plan, args.allow_major));
    }
    Ok(plan.exit_code(args.allow_major))
}

/// Read the product and ask the server what each change would do.
pub async fn build(
    client: &ApiClient,
    definition: &ProductDefinition,
    prune: bool,
) -> anyhow::Result<Plan> {
    let id = format!("dp:{}", definition.product_name());
    let current = client
        .get_if_exists(&format!("/v1/data-products/{id}"))
        .await?;
    let mut plan = match current {
        None => new_product(id, definition)?,
        Some(answer) => {
            let etag = answer.etag.as_deref();
            let mut plan =
                existing_product(client, id, definition, &answer.body, etag, prune).await?;
            plan.product_etag = answer.etag.clone();
            plan
        }
    };
    let mut version = plan.current_version;
    for step in &mut plan.changes {
        step.version = match version {
            None => Version::FIRST,
            Some(v) => v.bumped(step.bump),
        };
        version = Some(step.version);
    }
    plan.planned_version = version;
    plan.breaking = plan.changes.iter().any(|s| s.bump == Bump::Major);
    Ok(plan)
}

fn step(action: Action, table: Option<&str>, bump: Bump) -> Step {
    Step {
        action,
        table: table.map(str::to_owned),
        bump,
        version: Version::FIRST,
        metadata: Vec::new(),
        change: None,
        body: None,
        desired: None,
    }
}

/// A product the server does not have: registration, then every table (nothing to ask the
/// server: a registration has no dry run, and each new table is a minor change).
fn new_product(id: String, definition: &ProductDefinition) -> anyhow::Result<Plan> {
    let mut changes = vec![Step {
        body: Some(definition.product.clone()),
        ..step(Action::RegisterProduct, None, Bump::Initial)
    }];
    for (name, body) in &definition.tables {
        let desired = TableSchema::parse(body).map_err(|e| anyhow::anyhow!("{e}"))?;
        changes.push(Step {
            change: Some(TableChange::created(&desired)),
            body: Some(body.clone()),
            desired: Some(desired),
            ..step(Action::CreateTable, Some(name), Bump::Minor)
        });
    }
    Ok(Plan {
        product: id,
        current_version: None,
        planned_version: None,
        changes,
        breaking: false,
        unmanaged_tables: Vec::new(),
        product_etag: None,
    })
}

async fn existing_product(
    client: &ApiClient,
    id: String,
    definition: &ProductDefinition,
    product: &Value,
    etag: Option<&str>,
    prune: bool,
) -> anyhow::Result<Plan> {
    let version: Version = product["version"]
        .as_str()
        .unwrap_or_default()
        .parse()
        .map_err(|e: String| anyhow::anyhow!("daap answered an unexpected product: {e}"))?;
    // Every dry run names the version read, so that the plan is of that version throughout.
    let versioned = format!("{id}:{version}");
    let server_tables: Vec<String> = product["schemas"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str().map(str::to_owned))
        .collect();
    let mut changes = Vec::new();

    let fields = definition.editable_fields();
    let path = format!("/v1/data-products/{versioned}?dryRun=true");
    let conditions = Conditions {
        if_match: etag,
        ..Conditions::default()
    };
    let dry = client
        .send(Method::PUT, &path, Some(&fields), conditions)
        .await?
        .body;
    if dry["bump"].as_str().is_some_and(|b| b != "none") {
        let metadata = dry["changes"]["metadata"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str().map(str::to_owned))
            .collect();
        changes.push(Step {
            metadata,
            body: Some(fields),
            ..step(Action::UpdateProduct, None, Bump::Minor)
        });
    }

    for (name, body) in &definition.tables {
        let exists = server_tables.contains(name);
        let (method, action) = if exists {
            (Method::PUT, Action::ReplaceTable)
        } else {
            (Method::POST, Action::CreateTable)
        };
        let change = table_dry_run(client, &versioned, name, method, Some(body)).await?;
        let Some(bump) = change.bump.as_bump() else {
            continue;
        };
        changes.push(Step {
            change: Some(change),
            body: Some(body.clone()),
            desired: TableSchema::parse(body).ok(),
            ..step(action, Some(name), bump)
        });
    }

    let mut unmanaged_tables = Vec::new();
    for name in server_tables
        .iter()
        .filter(|t| !definition.tables.contains_key(*t))
    {
        if !prune {
            unmanaged_tables.push(name.clone());
            continue;
        }
        let change = table_dry_run(client, &versioned, name, Method::DELETE, None).await?;
        changes.push(Step {
            change: Some(change),
            ..step(Action::DeleteTable, Some(name), Bump::Major)
        });
    }

    Ok(Plan {
        product: id,
        current_version: Some(version),
        planned_version: None,
        changes,
        breaking: false,
        unmanaged_tables,
        product_etag: None,
    })
}

/// What the server says a table write would change.
async fn table_dry_run(
    client: &ApiClient,
    versioned: &str,
    table: &str,
    method: Method,
    body: Option<&Value>,
) -> anyhow::Result<TableChange> {
    // A deployment may require If-Match on every PUT and DELETE, dry runs included.
    let etag = if method == Method::POST {
        None
    } else {
        table_etag(client, versioned, table).await?
    };
    let conditions = Conditions {
        if_match: etag.as_deref(),
        ..Conditions::default()
    };
    let path = format!("/v1/schemas/{versioned}:{table}?dryRun=true");
    let answer = client
        .send(method, &path, body, conditions)
        .await
        .with_context(|| format!("dry run of table `{table}`"))?;
    serde_json::from_value(answer.body["change"].clone())
        .context("daap answered a dry run without its change")
}

/// The `ETag` of a table as it is in the version `versioned` names (which, when that is the
/// latest, is what `If-Match` on a write compares with).
pub async fn table_etag(
    client: &ApiClient,
    versioned: &str,
    table: &str,
) -> anyhow::Result<Option<String>> {
    Ok(client
        .get(&format!("/v1/schemas/{versioned}:{table}"))
        .await?
        .etag)
}
