//! `daap plan` and `daap apply`, the real binary against a served daap: a new product is
//! planned (exit 2) and registered with its tables; minor changes plan with exit 2 and apply
//! as one minor version each; a breaking change plans with exit 3 and is refused (nothing
//! changed) until `--allow-major`; re-applying is a no-op; tables missing from the file are
//! kept unless pruned; directories work like files; mistakes show their pointers.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::cli::{ServedApp, Workspace};

/// A product file for `prisons` with the table `incidents` (its columns given) and `cells`.
fn product_file(description: &str, incident_columns: &str) -> String {
    format!(
        r#"product:
  name: prisons
  description: {description}
  domain: HMPPS
  dataProductOwner: jane.doe@justice.gov.uk
  dataProductOwnerDisplayName: Jane Doe
  email: data@justice.gov.uk
  status: draft
  retentionPeriod: 3000
  dpiaRequired: false
  tags:
    sensitivity: official
tables:
  incidents:
    tableDescription: Use of force incidents
    columns:
{incident_columns}
  cells:
    tableDescription: Cells
    columns:
      - {{name: cell_id, type: string, description: Cell}}
"#
    )
}

const TWO_COLUMNS: &str = "      - {name: incident_id, type: bigint, description: Incident number}
      - {name: reported_at, type: timestamp, description: When it was reported}";

const THREE_COLUMNS: &str =
    "      - {name: incident_id, type: bigint, description: Incident number}
      - {name: reported_at, type: timestamp, description: When it was reported}
      - {name: location, type: 'varchar(64)', description: Where}";

const ONE_COLUMN: &str = "      - {name: incident_id, type: bigint, description: Incident number}";

async fn latest_version(served: &ServedApp) -> Value {
    served.app.get("/v1/data-products/dp:prisons").await.body["version"].clone()
}

/// A served daap with `prisons` applied from [`product_file`] with two columns (at v1.2).
async fn applied() -> (ServedApp, Workspace, std::path::PathBuf) {
    let served = ServedApp::new().await;
    let workspace = Workspace::new(&served.base);
    let file = workspace.write("product.yaml", &product_file("Prisons", TWO_COLUMNS));
    let file_arg = file.to_str().unwrap().to_owned();
    workspace
        .daap(&["apply", "-f", &file_arg, "--auto-approve"])
        .await
        .assert_code(0);
    (served, workspace, file)
}

#[tokio::test]
async fn a_new_product_plans_with_exit_2_and_apply_registers_it_with_its_tables() {
    let served = ServedApp::new().await;
    let workspace = Workspace::new(&served.base);
    let file = workspace.write("product.yaml", &product_file("Prisons", TWO_COLUMNS));
    let file = file.to_str().unwrap();

    let plan = workspace.daap(&["plan", "-f", file]).await;
    plan.assert_code(2);
    assert!(
        plan.stdout.contains("+ register the product"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("+ create table cells  (minor → v1.1)"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("+ create table incidents  (minor → v1.2)"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("+ reported_at  timestamp"),
        "{}",
        plan.stdout
    );
    served
        .app
        .get("/v1/data-products/dp:prisons")
        .await
        .assert_problem(StatusCode::NOT_FOUND);

    let apply = workspace
        .daap(&["apply", "-f", file, "--auto-approve"])
        .await;
    apply.assert_code(0);
    assert!(
        apply
            .stdout
            .contains("Applied 3 changes: dp:prisons is at v1.2."),
        "{}",
        apply.stdout
    );
    let product = served.app.get("/v1/data-products/dp:prisons").await.body;
    assert_eq!(product["version"], "v1.2");
    assert_eq!(product["description"], "Prisons");
    let incidents = served
        .app
        .get("/v1/schemas/dp:prisons:incidents")
        .await
        .body;
    assert_eq!(incidents["columns"][1]["type"], "timestamp");
    let versions = served
        .app
        .get("/v1/data-products/dp:prisons/versions")
        .await
        .body;
    assert_eq!(
        versions["value"].as_array().unwrap().len(),
        3,
        "one version per change"
    );
}

#[tokio::test]
async fn reapplying_the_same_file_is_a_no_op_with_exit_0() {
    let (served, workspace, file) = applied().await;
    let file = file.to_str().unwrap();

    let plan = workspace.daap(&["plan", "-f", file]).await;
    plan.assert_code(0);
    assert!(
        plan.stdout
            .contains("No changes: dp:prisons is up to date (now v1.2)."),
        "{}",
        plan.stdout
    );
    let apply = workspace
        .daap(&["apply", "-f", file, "--auto-approve"])
        .await;
    apply.assert_code(0);
    assert!(apply.stdout.contains("No changes"), "{}", apply.stdout);
    assert_eq!(latest_version(&served).await, "v1.2");
}

#[tokio::test]
async fn minor_changes_plan_with_exit_2_and_apply_as_one_minor_version_each() {
    let (served, workspace, _) = applied().await;
    let file = workspace.write(
        "product.yaml",
        &product_file("Prisons in England", THREE_COLUMNS),
    );
    let file = file.to_str().unwrap();

    let plan = workspace.daap(&["plan", "-f", file]).await;
    plan.assert_code(2);
    assert!(
        plan.stdout
            .contains("~ update the product: description  (minor → v1.3)"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("~ change table incidents  (minor → v1.4)"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("+ location  varchar(64)"),
        "{}",
        plan.stdout
    );
    assert!(
        !plan.stdout.contains("cells"),
        "an unchanged table is not planned: {}",
        plan.stdout
    );
    assert_eq!(
        latest_version(&served).await,
        "v1.2",
        "a plan changes nothing"
    );

    workspace
        .daap(&["apply", "-f", file, "--auto-approve"])
        .await
        .assert_code(0);
    assert_eq!(latest_version(&served).await, "v1.4");
    let versions = served
        .app
        .get("/v1/data-products/dp:prisons/versions")
        .await
        .body;
    let bumps: Vec<&str> = versions["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["bump"].as_str().unwrap())
        .collect();
    assert_eq!(bumps, ["minor", "minor", "minor", "minor", "initial"]);
}

#[tokio::test]
async fn a_major_change_plans_with_exit_3_and_apply_refuses_it_without_allow_major() {
    let (served, workspace, _) = applied().await;
    let file = workspace.write("product.yaml", &product_file("Prisons", ONE_COLUMN));
    let file = file.to_str().unwrap();

    let plan = workspace.daap(&["plan", "-f", file]).await;
    plan.assert_code(3);
    assert!(
        plan.stdout
            .contains("~ change table incidents  (MAJOR → v2.0)"),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("- reported_at"), "{}", plan.stdout);
    assert!(plan.stdout.contains("--allow-major"), "{}", plan.stdout);

    let refused = workspace
        .daap(&["apply", "-f", file, "--auto-approve"])
        .await;
    refused.assert_code(3);
    assert!(
        refused.stderr.contains("refusing to apply"),
        "{}",
        refused.stderr
    );
    assert_eq!(latest_version(&served).await, "v1.2", "nothing changed");
    let columns = served
        .app
        .get("/v1/schemas/dp:prisons:incidents")
        .await
        .body["columns"]
        .clone();
    assert_eq!(columns.as_array().unwrap().len(), 2);

    workspace
        .daap(&["plan", "-f", file, "--allow-major"])
        .await
        .assert_code(2);
    workspace
        .daap(&["apply", "-f", file, "--auto-approve", "--allow-major"])
        .await
        .assert_code(0);
    assert_eq!(latest_version(&served).await, "v2.0");
    workspace
        .daap(&["apply", "-f", file, "--auto-approve"])
        .await
        .assert_code(0);
    assert_eq!(
        latest_version(&served).await,
        "v2.0",
        "re-applying is a no-op"
    );
}

#[tokio::test]
async fn apply_without_auto_approve_refuses_when_stdin_is_not_a_terminal() {
    let served = ServedApp::new().await;
    let workspace = Workspace::new(&served.base);
    let file = workspace.write("product.yaml", &product_file("Prisons", TWO_COLUMNS));

    let run = workspace
        .daap(&["apply", "-f", file.to_str().unwrap()])
        .await;
    run.assert_code(1);
    assert!(
        run.stderr.contains("stdin is not a terminal") && run.stderr.contains("--auto-approve"),
        "{}",
        run.stderr
    );
    served
        .app
        .get("/v1/data-products/dp:prisons")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn plan_output_json_lists_every_change_with_its_bump_and_version() {
    let (_served, workspace, _) = applied().await;
    let file = workspace.write("product.yaml", &product_file("Prisons", ONE_COLUMN));

    let run = workspace
        .daap(&["plan", "-f", file.to_str().unwrap(), "--output", "json"])
        .await;
    run.assert_code(3);
    let plan = run.json();
    assert_eq!(plan["product"], "dp:prisons");
    assert_eq!(plan["currentVersion"], "v1.2");
    assert_eq!(plan["plannedVersion"], "v2.0");
    assert_eq!(plan["breaking"], true);
    assert_eq!(
        plan["changes"],
        json!([{
            "action": "replaceTable", "table": "incidents", "bump": "major", "version": "v2.0",
            "change": {"bump": "major", "addedColumns": [], "removedColumns": ["reported_at"],
                       "typesChanged": [], "descriptionsChanged": [],
                       "tableDescriptionChanged": false, "reordered": false}
        }])
    );
    let yaml = workspace
        .daap(&["plan", "-f", file.to_str().unwrap(), "-o", "yaml"])
        .await;
    let parsed: Value = serde_norway::from_str(&yaml.stdout).expect("YAML");
    assert_eq!(parsed, plan);
}

#[tokio::test]
async fn tables_missing_from_the_file_are_reported_and_kept_unless_pruned() {
    let (served, workspace, _) = applied().await;
    let without_cells = product_file("Prisons", TWO_COLUMNS);
    let without_cells = without_cells.split("  cells:").next().unwrap();
    let file = workspace.write("product.yaml", without_cells);
    let file = file.to_str().unwrap();

    let plan = workspace.daap(&["plan", "-f", file]).await;
    plan.assert_code(0);
    assert!(
        plan.stdout
            .contains("left as they are (--prune deletes them): cells"),
        "{}",
        plan.stdout
    );
    let pruned = workspace.daap(&["plan", "-f", file, "--prune"]).await;
    pruned.assert_code(3);
    assert!(
        pruned
            .stdout
            .contains("- delete table cells  (MAJOR → v2.0)"),
        "{}",
        pruned.stdout
    );
    assert_eq!(latest_version(&served).await, "v1.2");

    workspace
        .daap(&[
            "apply",
            "-f",
            file,
            "--prune",
            "--allow-major",
            "--auto-approve",
        ])
        .await
        .assert_code(0);
    served
        .app
        .get("/v1/schemas/dp:prisons:cells")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    assert_eq!(latest_version(&served).await, "v2.0");
}

#[tokio::test]
async fn a_directory_with_product_and_table_files_plans_like_one_file() {
    let (served, workspace, _) = applied().await;
    let whole: Value = serde_norway::from_str(&product_file("Prisons", TWO_COLUMNS)).unwrap();
    workspace.write(
        "dir/product.yaml",
        &serde_norway::to_string(&whole["product"]).unwrap(),
    );
    workspace.write(
        "dir/tables/incidents.json",
        &whole["tables"]["incidents"].to_string(),
    );
    workspace.write(
        "dir/tables/cells.yaml",
        &serde_norway::to_string(&whole["tables"]["cells"]).unwrap(),
    );
    workspace.write("dir/tables/README.md", "not a table");
    let dir = workspace.path("dir");

    let plan = workspace.daap(&["plan", "-f", dir.to_str().unwrap()]).await;
    plan.assert_code(0);
    assert!(plan.stdout.contains("No changes"), "{}", plan.stdout);
    assert_eq!(latest_version(&served).await, "v1.2");
}

#[tokio::test]
async fn a_file_with_mistakes_is_refused_with_the_pointer_of_each() {
    let served = ServedApp::new().await;
    let workspace = Workspace::new(&served.base);
    let bad = product_file(
        "Prisons",
        "      - {name: incident_id, type: 'map<array<int>,int>', description: Id}",
    )
    .replace("status: draft", "status: live");
    let file = workspace.write("product.yaml", &bad);

    let run = workspace
        .daap(&["plan", "-f", file.to_str().unwrap()])
        .await;
    run.assert_code(1);
    assert!(run.stderr.contains("has 2 problems"), "{}", run.stderr);
    assert!(
        run.stderr.contains("  /product/status: must be one of"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("  /tables/incidents/columns/0/type: "),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn a_refusal_shows_the_servers_problem_title_detail_and_field_pointers() {
    let policy = daap::domain::product::MetadataPolicy {
        allowed_domains: Some(vec!["OTHER".to_owned()]),
    };
    let served = ServedApp::start(crate::support::TestApp::with_policy(policy).await).await;
    let workspace = Workspace::new(&served.base);
    let file = workspace.write("product.yaml", &product_file("Prisons", TWO_COLUMNS));

    let run = workspace
        .daap(&["apply", "-f", file.to_str().unwrap(), "--auto-approve"])
        .await;
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("daap refused the request (422) Unprocessable Entity: "),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("\n  /domain: "), "{}", run.stderr);
    assert!(
        run.stderr.contains("0 of 3 changes were applied"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn an_exported_odcs_contract_plans_as_no_change_and_applies_to_another_server() {
    let (served, workspace, _) = applied().await;
    let contract = workspace.path("prisons.odcs.yaml");
    let contract_arg = contract.to_str().unwrap().to_owned();
    workspace
        .daap(&[
            "export",
            "dp:prisons",
            "--format",
            "odcs",
            "-o",
            &contract_arg,
        ])
        .await
        .assert_code(0);

    let plan = workspace.daap(&["plan", "-f", &contract_arg]).await;
    plan.assert_code(0);
    assert!(
        plan.stdout.contains("No changes: dp:prisons is up to date"),
        "the contract describes exactly what is registered: {}",
        plan.stdout
    );

    // The same contract registers the product, tables and all, on an empty server.
    let other = ServedApp::new().await;
    let elsewhere = Workspace::new(&other.base);
    elsewhere
        .daap(&["plan", "-f", &contract_arg])
        .await
        .assert_code(2);
    elsewhere
        .daap(&["apply", "-f", &contract_arg, "--auto-approve"])
        .await
        .assert_code(0);
    for table in ["incidents", "cells"] {
        let here = served
            .app
            .get(&format!("/v1/schemas/dp:prisons:{table}"))
            .await;
        let there = other
            .app
            .get(&format!("/v1/schemas/dp:prisons:{table}"))
            .await;
        assert_eq!(there.status, StatusCode::OK, "{}", there.text);
        assert_eq!(there.body["columns"], here.body["columns"], "{table}");
        assert_eq!(
            there.body["tableDescription"],
            here.body["tableDescription"]
        );
    }
    let here = served.app.get("/v1/data-products/dp:prisons").await.body;
    let there = other.app.get("/v1/data-products/dp:prisons").await.body;
    for field in [
        "description",
        "domain",
        "dataProductOwner",
        "email",
        "status",
        "retentionPeriod",
        "dpiaRequired",
        "tags",
    ] {
        assert_eq!(there[field], here[field], "{field}");
    }
}

#[tokio::test]
async fn a_contract_that_cannot_be_imported_is_refused_with_its_pointers() {
    let served = ServedApp::new().await;
    let workspace = Workspace::new(&served.base);
    let file = workspace.write(
        "broken.odcs.yaml",
        "apiVersion: v3.2.0\nkind: DataContract\nid: dp:prisons\nschema:\n  - description: no name\n",
    );
    let plan = workspace
        .daap(&["plan", "-f", file.to_str().unwrap()])
        .await;
    plan.assert_code(1);
    assert!(
        plan.stderr.contains("cannot be imported"),
        "{}",
        plan.stderr
    );
    assert!(plan.stderr.contains("/schema/0"), "{}", plan.stderr);
}
