//! `daap product get|list|versions|changes|delete`: read products, their history and the
//! difference between two versions; delete one (after confirmation).

use std::io::{BufRead, IsTerminal, Write};

use anyhow::bail;
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::Value;

use super::connect::ConnectArgs;
use super::output::{OutputFormat, Paint, print_document, table};
use super::plan::column_lines;
use super::{ApiClient, Conditions, exit};
use crate::domain::ChangeSet;

#[derive(Debug, Clone, Args)]
pub struct ProductArgs {
    #[command(subcommand)]
    pub command: ProductCommand,
}

/// The server and output format, common to every `daap product` and `daap schema` command.
#[derive(Debug, Clone, Args)]
pub struct Common {
    #[command(flatten)]
    pub connect: ConnectArgs,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ProductCommand {
    /// Show a product: `dp:<name>` (latest) or `dp:<name>:v<M>.<m>`.
    Get {
        id: String,
        #[command(flatten)]
        common: Common,
    },
    /// List products (latest versions), with filters.
    List {
        /// Only this domain.
        #[arg(long)]
        domain: Option<String>,
        /// Only this status: draft, published or retired.
        #[arg(long)]
        status: Option<String>,
        /// Only products owned by this email.
        #[arg(long)]
        owner: Option<String>,
        /// Only products whose name or description contains this text.
        #[arg(long)]
        q: Option<String>,
        /// Page size (1-1000).
        #[arg(long)]
        limit: Option<u32>,
        /// Follow every page, not just the first.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        common: Common,
    },
    /// A product's versions, newest first.
    Versions {
        id: String,
        #[command(flatten)]
        common: Common,
    },
    /// Every change between two versions (default: what the latest version changed).
    Changes {
        id: String,
        /// The older version, e.g. v1.0.
        #[arg(long)]
        from: Option<String>,
        /// The newer version (default: the latest).
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Delete a product and every version of it.
    Delete {
        id: String,
        /// Do not ask (needed when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        common: Common,
    },
}

pub async fn run(args: ProductArgs) -> anyhow::Result<u8> {
    match args.command {
        ProductCommand::Get { id, common } => {
            let client = common.connect.client().await?;
            let product = client.get(&format!("/v1/data-products/{id}")).await?.body;
            if !print_document(common.output, &product)? {
                print_product(&product);
            }
        }
        ProductCommand::List {
            domain,
            status,
            owner,
            q,
            limit,
            all,
            common,
        } => {
            let client = common.connect.client().await?;
            let limit = limit.map(|l| l.to_string());
            let query: Vec<(&str, &str)> = [
                ("domain", domain.as_deref()),
                ("status", status.as_deref()),
                ("owner", owner.as_deref()),
                ("q", q.as_deref()),
                ("limit", limit.as_deref()),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
            let first = format!("/v1/data-products?{}", serde_urlencoded::to_string(&query)?);
            let products = pages(&client, first, all).await?;
            if !print_document(common.output, &products)? {
                let rows: Vec<Vec<String>> = products
                    .iter()
                    .map(|p| {
                        vec![
                            text(&p["id"]),
                            text(&p["version"]),
                            text(&p["status"]),
                            text(&p["domain"]),
                            text(&p["dataProductOwner"]),
                            table_names(p).join(","),
                        ]
                    })
                    .collect();
                let header = ["ID", "VERSION", "STATUS", "DOMAIN", "OWNER", "TABLES"];
                println!("{}", table(&header, &rows));
            }
        }
        ProductCommand::Versions { id, common } => {
            let client = common.connect.client().await?;
            let versions = pages(&client, format!("/v1/data-products/{id}/versions"), true).await?;
            if !print_document(common.output, &versions)? {
                let rows: Vec<Vec<String>> = versions
                    .iter()
                    .map(|v| {
                        let by = v["createdByName"]
                            .as_str()
                            .unwrap_or_else(|| v["createdBy"].as_str().unwrap_or_default());
                        vec![
                            text(&v["version"]),
                            text(&v["bump"]),
                            text(&v["createdAt"]),
                            by.to_owned(),
                            text(&v["summary"]),
                        ]
                    })
                    .collect();
                let header = ["VERSION", "BUMP", "CREATED", "BY", "SUMMARY"];
                println!("{}", table(&header, &rows));
            }
        }
        ProductCommand::Changes {
            id,
            from,
            to,
            common,
        } => {
            let client = common.connect.client().await?;
            let query: Vec<(&str, &str)> = [("from", from.as_deref()), ("to", to.as_deref())]
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, v)))
                .collect();
            let path = format!(
                "/v1/data-products/{id}/changes?{}",
                serde_urlencoded::to_string(&query)?
            );
            let changes = client.get(&path).await?.body;
            if !print_document(common.output, &changes)? {
                print_changes(&changes);
            }
        }
        ProductCommand::Delete { id, yes, common } => {
            let client = common.connect.client().await?;
            let product = client.get(&format!("/v1/data-products/{id}")).await?;
            if !yes {
                confirm_delete(&id)?;
            }
            let conditions = Conditions {
                if_match: product.etag.as_deref(),
                ..Conditions::default()
            };
            let path = format!("/v1/data-products/{id}");
            client.send(Method::DELETE, &path, None, conditions).await?;
            if common.output == OutputFormat::Table {
                println!("Deleted {id}.");
            } else {
                print_document(common.output, &serde_json::json!({"deleted": id}))?;
            }
        }
    }
    Ok(exit::OK)
}

/// The items of a list, following `nextLink` when `all` is set.
async fn pages(client: &ApiClient, first: String, all: bool) -> anyhow::Result<Vec<Value>> {
    let mut items = Vec::new();
    let mut next = Some(first);
    while let Some(path) = next {
        let page = client.get(&path).await?.body;
        items.extend(page["value"].as_array().cloned().unwrap_or_default());
        next = page["nextLink"].as_str().filter(|_| all).map(str::to_owned);
    }
    Ok(items)
}

pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn table_names(product: &Value) -> Vec<String> {
    product["schemas"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| text(&s["name"]))
        .collect()
}

fn print_product(p: &Value) {
    let paint = Paint::for_stdout();
    println!("{} {}", paint.bold(&text(&p["id"])), text(&p["version"]));
    let person = |email: &Value, name: &Value| match (email.as_str(), name.as_str()) {
        (Some(email), Some(name)) => format!("{name} <{email}>"),
        (Some(email), None) => email.to_owned(),
        _ => String::new(),
    };
    let tags = p["tags"]
        .as_object()
        .map(|t| {
            t.iter()
                .map(|(k, v)| format!("{k}={}", text(v)))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let rows = [
        ("description", text(&p["description"])),
        ("domain", text(&p["domain"])),
        (
            "owner",
            person(&p["dataProductOwner"], &p["dataProductOwnerDisplayName"]),
        ),
        (
            "maintainer",
            person(
                &p["dataProductMaintainer"],
                &p["dataProductMaintainerDisplayName"],
            ),
        ),
        ("email", text(&p["email"])),
        ("status", text(&p["status"])),
        ("retention", format!("{} days", text(&p["retentionPeriod"]))),
        ("dpia required", text(&p["dpiaRequired"])),
        ("tags", tags),
        ("tables", table_names(p).join(", ")),
        ("created", text(&p["createdAt"])),
        ("updated", text(&p["updatedAt"])),
    ];
    for (name, value) in rows {
        println!("{:<14} {value}", format!("{name}:"));
    }
}

fn print_changes(body: &Value) {
    let paint = Paint::for_stdout();
    println!(
        "{} → {}: {}",
        text(&body["from"]),
        text(&body["to"]),
        text(&body["bump"])
    );
    let changes: ChangeSet = serde_json::from_value(body["changes"].clone()).unwrap_or_default();
    if !changes.metadata.is_empty() {
        println!("  ~ product: {}", changes.metadata.join(", "));
    }
    for entry in &changes.tables {
        let kind = serde_json::to_value(entry.kind)
            .map(|k| text(&k))
            .unwrap_or_default();
        println!(
            "  {kind} table {} ({})",
            entry.table,
            text(&serde_json::to_value(entry.bump()).unwrap_or_default())
        );
        for line in column_lines(&entry.change, paint, |_| String::new(), true) {
            println!("      {line}");
        }
    }
}

fn confirm_delete(id: &str) -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() {
        bail!("deleting needs confirmation and stdin is not a terminal: run again with --yes");
    }
    eprint!("Delete {id} and every version of it? Only `yes` is accepted: ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if answer.trim() != "yes" {
        bail!("delete cancelled; nothing was changed");
    }
    Ok(())
}
