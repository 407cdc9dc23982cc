//! `daap export`, the real binary, against a served daap: YAML to standard output or a file,
//! JSON to a `.json` file, an exact version, and a one-line failure for an unknown product.

use std::path::Path;

use daap::contracts;
use serde_json::Value;

use crate::support::cli::Workspace;
use crate::support::served::{Served, command};
use crate::support::standards::{assert_valid_odcs, assert_valid_odps};
use crate::support::{TestApp, every_type};
use crate::uploads::Scratch;

/// Run `daap export` against `server` with `args` in a scratch workspace (its own config home,
/// so no cached login of the machine's user is read): (success, stdout, stderr).
async fn export(server: &str, args: &[&str]) -> (bool, String, String) {
    let run = Workspace::new(server)
        .daap(&[&["export"], args].concat())
        .await;
    (run.code == 0, run.stdout, run.stderr)
}

/// A served daap holding the every-type product `use_of_force`, and its base URL.
async fn serving() -> (TestApp, Served, String) {
    let app = TestApp::new().await;
    every_type::register(&app, "use_of_force").await;
    let (command, port) = command(&app);
    let mut served = Served::spawn(command, port);
    served.wait_ready().await;
    let base = served.url("");
    (app, served, base)
}

fn read_yaml(path: &Path) -> Value {
    serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).expect("YAML")
}

#[tokio::test]
async fn export_writes_the_servers_odcs_contract_as_yaml_that_imports_to_the_registered_product() {
    let (app, _served, base) = serving().await;
    let dir = Scratch::new("export-odcs");
    let file = dir.join("use_of_force.odcs.yaml");
    let (ok, stdout, stderr) = export(
        &base,
        &[
            "dp:use_of_force",
            "--format",
            "odcs",
            "--output",
            file.to_str().unwrap(),
        ],
    )
    .await;
    assert!(ok, "{stdout} {stderr}");
    assert!(stdout.is_empty(), "the document goes to the file: {stdout}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("apiVersion: v3.2.0\nkind: DataContract\n"),
        "{text}"
    );
    let document = read_yaml(&file);
    assert_valid_odcs(&document);
    let served = app.get("/v1/data-products/dp:use_of_force/contract").await;
    assert_eq!(document, served.body, "the server's document, unchanged");
    let imported = contracts::import(&document).unwrap();
    assert_eq!(imported.product, every_type::product("use_of_force"));
    assert_eq!(imported.tables.len(), 2);
}

#[tokio::test]
async fn export_prints_yaml_by_default_and_writes_json_to_a_json_file() {
    let (app, _served, base) = serving().await;
    let (ok, stdout, stderr) = export(&base, &["dp:use_of_force:v1.1", "--format", "odps"]).await;
    assert!(ok, "{stdout} {stderr}");
    let printed: Value = serde_norway::from_str(&stdout).expect("YAML on standard output");
    assert_valid_odps(&printed);
    assert_eq!(printed["version"], "1.1.0", "the version asked for");
    assert_eq!(printed["outputPorts"].as_array().unwrap().len(), 1);

    let dir = Scratch::new("export-json");
    let file = dir.join("product.json");
    let (ok, _, stderr) = export(
        &base,
        &[
            "dp:use_of_force",
            "--format",
            "odps",
            "-o",
            file.to_str().unwrap(),
        ],
    )
    .await;
    assert!(ok, "{stderr}");
    let document: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).expect("JSON");
    let served = app
        .get("/v1/data-products/dp:use_of_force/contract?format=odps")
        .await;
    assert_eq!(document, served.body);
}

#[tokio::test]
async fn export_of_an_unknown_product_or_a_bad_id_fails_in_one_line() {
    let (_app, _served, base) = serving().await;
    let (ok, stdout, stderr) = export(&base, &["dp:nothing"]).await;
    assert!(!ok);
    assert!(stdout.is_empty());
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("(404)") && stderr.contains("dp:nothing"),
        "{stderr}"
    );

    let (ok, _, stderr) = export(&base, &["use_of_force"]).await;
    assert!(!ok);
    assert!(stderr.contains("is not a data product id"), "{stderr}");
}
