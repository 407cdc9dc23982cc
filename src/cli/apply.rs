//! `daap apply -f product.yaml`: make the changes `daap plan` shows, one version each, in the
//! plan's order, and nothing else.
//!
//! - Breaking (major) changes are refused without `--allow-major` (exit code 3, nothing sent).
//! - Without `--auto-approve`, a person confirms on a terminal; with no terminal, the command
//!   refuses rather than guess (CI passes `--auto-approve`).
//! - Every write names the version the previous one made (`dp:<name>:v<M>.<m>`) and sends the
//!   `If-Match` of what was read, so that a change someone else makes meanwhile stops the
//!   apply with a 409 or 412 instead of being built upon: nothing is re-planned silently.
//!   Registrations and new tables carry an `Idempotency-Key`, and are sent again with it
//!   when daap could not be reached (a retry of one that went through gets its answer
//!   replayed, never a second version).
//! - Each answer is checked against the plan (the version it made); a difference stops it.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::bail;
use clap::Args;
use reqwest::Method;
use serde::Serialize;

use super::definition::ProductDefinition;
use super::output::{OutputFormat, print_document};
use super::plan::{self, Action, Plan, PlanArgs, Step, render};
use super::{Answer, ApiClient, Conditions, exit};
use crate::domain::Version;

#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub plan: PlanArgs,

    /// Apply without asking (for CI: review the plan on the pull request instead).
    #[arg(long)]
    pub auto_approve: bool,
}

/// What `--output json|yaml` prints: the plan and how far it got.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Outcome<'a> {
    #[serde(flatten)]
    plan: &'a Plan,
    applied: bool,
}

pub async fn run(args: ApplyArgs) -> anyhow::Result<u8> {
    let definition = ProductDefinition::load(&args.plan.file)?;
    let client = args.plan.connect.client().await?;
    let plan = plan::build(&client, &definition, args.plan.prune).await?;
    let people = args.plan.output == OutputFormat::Table;
    if people {
        print!("{}", render(&plan, args.plan.allow_major));
    }
    if plan.changes.is_empty() {
        print_document(
            args.plan.output,
            &Outcome {
                plan: &plan,
                applied: true,
            },
        )?;
        return Ok(exit::OK);
    }
    if plan.breaking && !args.plan.allow_major {
        print_document(
            args.plan.output,
            &Outcome {
                plan: &plan,
                applied: false,
            },
        )?;
        eprintln!(
            "daap: refusing to apply: the plan has breaking (major) changes and --allow-major was not given; nothing was changed"
        );
        return Ok(exit::BREAKING);
    }
    if !args.auto_approve {
        confirm(&plan)?;
    }
    apply(&client, &plan, people).await?;
    print_document(
        args.plan.output,
        &Outcome {
            plan: &plan,
            applied: true,
        },
    )?;
    if people {
        println!(
            "Applied {} change{}: {} is at {}.",
            plan.changes.len(),
            if plan.changes.len() == 1 { "" } else { "s" },
            plan.product,
            plan.planned_version
                .map(|v| v.to_string())
                .unwrap_or_default()
        );
    }
    Ok(exit::OK)
}

/// Ask on the terminal; refuse when there is none to ask on.
fn confirm(plan: &Plan) -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "apply needs confirmation and stdin is not a terminal: review the plan and run again with --auto-approve; nothing was changed"
        );
    }
    eprint!(
        "\nApply these {} changes to {}? Only `yes` is accepted: ",
        plan.changes.len(),
        plan.product
    );
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if answer.trim() != "yes" {
        bail!("apply cancelled; nothing was changed");
    }
    Ok(())
}

/// Make every change of the plan in order.
async fn apply(client: &ApiClient, plan: &Plan, people: bool) -> anyhow::Result<()> {
    let mut latest = plan.current_version;
    for (done, step) in plan.changes.iter().enumerate() {
        let made = match apply_step(client, plan, step, latest).await {
            Ok(version) => version,
            Err(error) => bail!(
                "{error:#}\n{done} of {} changes were applied before this one; run `daap plan` to see where {} stands",
                plan.changes.len(),
                plan.product
            ),
        };
        if made != step.version {
            bail!(
                "daap made {} {made} where the plan expected {}; stopping after {} of {} changes: run `daap plan` again",
                plan.product,
                step.version,
                done + 1,
                plan.changes.len()
            );
        }
        if people {
            println!("  done: {} → {made}", describe(step));
        }
        latest = Some(made);
    }
    Ok(())
}

fn describe(step: &Step) -> String {
    let table = step.table.as_deref().unwrap_or_default();
    match step.action {
        Action::RegisterProduct => "registered the product".to_owned(),
        Action::UpdateProduct => "updated the product".to_owned(),
        Action::CreateTable => format!("created table {table}"),
        Action::ReplaceTable => format!("changed table {table}"),
        Action::DeleteTable => format!("deleted table {table}"),
    }
}

/// Make one change; the version it made.
async fn apply_step(
    client: &ApiClient,
    plan: &Plan,
    step: &Step,
    latest: Option<Version>,
) -> anyhow::Result<Version> {
    let key = uuid::Uuid::new_v4().to_string();
    let body = step.body.as_ref();
    let versioned = latest.map(|v| format!("{}:{v}", plan.product));
    let versioned = versioned.as_deref().unwrap_or(&plan.product);
    let table = step.table.as_deref().unwrap_or_default();
    let answer: Answer = match step.action {
        Action::RegisterProduct => {
            // `If-None-Match: *`: if someone registered the name since the plan, stop (412)
            // rather than replay or fail with a vaguer 409.
            let conditions = Conditions {
                idempotency_key: Some(&key),
                if_none_match: Some("*"),
                ..Conditions::default()
            };
            send_retrying(client, Method::POST, "/v1/data-products", body, conditions).await?
        }
        Action::UpdateProduct => {
            // Always the first change to an existing product, so the ETag read is current.
            let conditions = Conditions {
                if_match: plan.product_etag.as_deref(),
                ..Conditions::default()
            };
            let path = format!("/v1/data-products/{versioned}");
            client.send(Method::PUT, &path, body, conditions).await?
        }
        Action::CreateTable => {
            let conditions = Conditions {
                idempotency_key: Some(&key),
                ..Conditions::default()
            };
            let path = format!("/v1/schemas/{versioned}:{table}");
            send_retrying(client, Method::POST, &path, body, conditions).await?
        }
        Action::ReplaceTable | Action::DeleteTable => {
            let etag = plan::table_etag(client, versioned, table).await?;
            let conditions = Conditions {
                if_match: etag.as_deref(),
                ..Conditions::default()
            };
            let method = if step.action == Action::ReplaceTable {
                Method::PUT
            } else {
                Method::DELETE
            };
            let path = format!("/v1/schemas/{versioned}:{table}");
            client.send(method, &path, body, conditions).await?
        }
    };
    let version = match step.action {
        Action::RegisterProduct | Action::UpdateProduct => &answer.body["version"],
        _ => &answer.body["dataProduct"]["version"],
    };
    version
        .as_str()
        .unwrap_or_default()
        .parse()
        .map_err(|e: String| anyhow::anyhow!("daap answered without the version it made: {e}"))
}

/// Send a request that carries an idempotency key, sending it again (same key) when daap
/// could not be reached: if the first attempt did go through, daap replays its answer
/// instead of making a second version.
async fn send_retrying(
    client: &ApiClient,
    method: Method,
    path: &str,
    body: Option<&serde_json::Value>,
    conditions: Conditions<'_>,
) -> Result<Answer, super::CallError> {
    let mut attempt = 1;
    loop {
        match client.send(method.clone(), path, body, conditions).await {
            Err(error) if error.status.is_none() && attempt < SEND_ATTEMPTS => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
            other => return other,
        }
    }
}

/// How often a keyed request is sent before the apply gives up.
const SEND_ATTEMPTS: u32 = 3;
