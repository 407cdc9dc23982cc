//! `daap export dp:<name> --format odcs|odps [--output FILE]`: a product version as a Bitol
//! ODCS contract or ODPS document, from `GET /v1/data-products/{id}/contract`, written as YAML
//! (the standards' usual form) or JSON.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use crate::contracts::Format;
use crate::domain::ProductRef;

#[derive(Debug, Clone, Args)]
pub struct ExportCommand {
    /// The product: `dp:<name>` (its latest version) or `dp:<name>:v<M>.<m>` (that version).
    pub product: String,

    /// The standard: `odcs` (a data contract for the product's tables) or `odps` (the product).
    #[arg(long, value_enum, default_value_t = Format::Odcs)]
    pub format: Format,

    /// Write the document to FILE instead of standard output: JSON if FILE ends in `.json`,
    /// else YAML.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub connect: super::connect::ConnectArgs,
}

pub async fn run(command: ExportCommand) -> anyhow::Result<()> {
    // Checked here so that a typo gets daap's explanation of ids without a round trip.
    let reference = ProductRef::parse(&command.product).map_err(anyhow::Error::msg)?;
    let client = command.connect.client().await?;
    let id = crate::domain::Id::product(reference.name.as_str(), reference.version);
    let path = format!(
        "/v1/data-products/{id}/contract?format={}",
        command.format.as_str()
    );
    // Kept as the server wrote it, then read into YAML's value, whose maps keep their order:
    // the standard's field order survives (a `serde_json::Value` would sort it).
    let raw = client.get_text(&path).await?;
    let document: serde_norway::Value = serde_json::from_str(&raw)
        .map_err(|error| anyhow::anyhow!("daap answered something unexpected: {error}"))?;
    let json = command.output.as_deref().is_some_and(is_json_file);
    let text = if json {
        serde_json::to_string_pretty(&document)? + "\n"
    } else {
        serde_norway::to_string(&document)?
    };
    match &command.output {
        Some(file) => std::fs::write(file, text)
            .with_context(|| format!("could not write {}", file.display()))?,
        None => print!("{text}"),
    }
    Ok(())
}

fn is_json_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("json"))
}
