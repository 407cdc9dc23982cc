//! `daap schema get|diff`: read a table, and compare two versions of it, or a file with what
//! the server has (asking the server's dry run, so the same rules decide the bump).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use super::ApiClient;
use super::output::{Paint, print_document, table};
use super::plan::column_lines;
use super::products::{Common, text};
use super::{Conditions, exit};
use crate::domain::table::{TableChange, TableSchema};

#[derive(Debug, Clone, Args)]
pub struct SchemaArgs {
    #[command(subcommand)]
    pub command: SchemaCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum SchemaCommand {
    /// Show a table: `dp:<name>:<table>` (latest) or `dp:<name>:v<M>.<m>:<table>`.
    Get {
        id: String,
        #[command(flatten)]
        common: Common,
    },
    /// Compare a table between two versions (`daap schema diff dp:x:v1.0:t dp:x:t`), or the
    /// server's latest with a file (`daap schema diff dp:x:t -f table.yaml`, a dry run).
    Diff {
        /// The table as it was: `dp:<name>:v<M>.<m>:<table>` (or the latest, with -f).
        from: String,
        /// The table to compare with (default: the latest version of the same table).
        to: Option<String>,
        /// A table body (YAML or JSON) to compare the server's latest table with.
        #[arg(short = 'f', long = "file", conflicts_with = "to")]
        file: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
}

pub async fn run(args: SchemaArgs) -> anyhow::Result<u8> {
    match args.command {
        SchemaCommand::Get { id, common } => {
            let client = common.connect.client().await?;
            let schema = client.get(&format!("/v1/schemas/{id}")).await?.body;
            if !print_document(common.output, &schema)? {
                print_schema(&schema);
            }
            Ok(exit::OK)
        }
        SchemaCommand::Diff {
            from,
            to,
            file,
            common,
        } => {
            let client = common.connect.client().await?;
            let (change, desired) = match file {
                Some(file) => with_file(&client, &from, &file).await?,
                None => between(&client, &from, to.as_deref()).await?,
            };
            if !print_document(common.output, &change)? {
                print_change(&change, desired.as_ref());
            }
            // Like `daap plan`: 0 when nothing differs, 2 when something does.
            Ok(if change.bump.as_bump().is_some() {
                exit::CHANGES
            } else {
                exit::OK
            })
        }
    }
}

/// The change between two stored versions of a table, by the same rules the server uses.
async fn between(
    client: &ApiClient,
    from: &str,
    to: Option<&str>,
) -> anyhow::Result<(TableChange, Option<TableSchema>)> {
    let to = match to {
        Some(to) => to.to_owned(),
        None => latest_id(from),
    };
    let old = stored(client, from).await?;
    let new = stored(client, &to).await?;
    Ok((TableChange::between(&old, &new), Some(new)))
}

/// `dp:<name>:v<M>.<m>:<table>` → `dp:<name>:<table>`.
fn latest_id(id: &str) -> String {
    let parts: Vec<&str> = id.split(':').collect();
    match parts.as_slice() {
        ["dp", name, _version, table] => format!("dp:{name}:{table}"),
        _ => id.to_owned(),
    }
}

async fn stored(client: &ApiClient, id: &str) -> anyhow::Result<TableSchema> {
    let body = client.get(&format!("/v1/schemas/{id}")).await?.body;
    let schema = json!({
        "tableDescription": body["tableDescription"],
        "columns": body["columns"],
    });
    TableSchema::parse(&schema)
        .map_err(|e| anyhow::anyhow!("daap answered an unexpected table: {e}"))
}

/// What replacing the table with the file's body would change (a dry run).
async fn with_file(
    client: &ApiClient,
    id: &str,
    file: &std::path::Path,
) -> anyhow::Result<(TableChange, Option<TableSchema>)> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("could not read {}", file.display()))?;
    let body: Value = if file.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid JSON", file.display()))?
    } else {
        serde_norway::from_str(&text)
            .with_context(|| format!("{} is not valid YAML", file.display()))?
    };
    let current = client.get(&format!("/v1/schemas/{id}")).await?;
    let conditions = Conditions {
        if_match: current.etag.as_deref(),
        ..Conditions::default()
    };
    let path = format!("/v1/schemas/{id}?dryRun=true");
    let answer = client
        .send(Method::PUT, &path, Some(&body), conditions)
        .await?;
    let change = serde_json::from_value(answer.body["change"].clone())
        .context("daap answered a dry run without its change")?;
    Ok((change, TableSchema::parse(&body).ok()))
}

fn print_schema(schema: &Value) {
    let paint = Paint::for_stdout();
    println!("{}", paint.bold(&text(&schema["versionedId"])));
    let description = text(&schema["tableDescription"]);
    if !description.is_empty() {
        println!("{description}");
    }
    let rows: Vec<Vec<String>> = schema["columns"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| vec![text(&c["name"]), text(&c["type"]), text(&c["description"])])
        .collect();
    println!("\n{}", table(&["COLUMN", "TYPE", "DESCRIPTION"], &rows));
}

fn print_change(change: &TableChange, desired: Option<&TableSchema>) {
    let paint = Paint::for_stdout();
    let bump = serde_json::to_value(change.bump)
        .map(|b| text(&b))
        .unwrap_or_default();
    if change.bump.as_bump().is_none() {
        println!("No differences.");
        return;
    }
    println!("Bump: {bump}");
    let type_of = |name: &str| {
        desired
            .and_then(|d| d.columns.iter().find(|c| c.name == name))
            .map(|c| c.data_type.clone())
            .unwrap_or_default()
    };
    for line in column_lines(change, paint, type_of, true) {
        println!("  {line}");
    }
}
