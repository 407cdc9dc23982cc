//! `daap product ...`, `daap schema ...` and `daap completions`, the real binary against a
//! served daap: tables for people, JSON and YAML for scripts, problems with their detail,
//! confirmation before a delete.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::cli::{ServedApp, Workspace};
use crate::support::product;

/// `prisons` with the table `incidents` at v1.1, then a breaking change to it at v2.0.
async fn seeded() -> (ServedApp, Workspace) {
    let served = ServedApp::new().await;
    served.app.register(&product("prisons")).await;
    let table = json!({"tableDescription": "Incidents", "columns": [
        {"name": "id", "type": "bigint", "description": "Id"},
        {"name": "reported_at", "type": "timestamp", "description": "Reported"}]});
    served
        .app
        .post("/v1/schemas/dp:prisons:incidents", &table)
        .await;
    let changed = json!({"tableDescription": "Incidents", "columns": [
        {"name": "id", "type": "string", "description": "Id"}]});
    served
        .app
        .put("/v1/schemas/dp:prisons:incidents", &changed)
        .await;
    let workspace = Workspace::new(&served.base);
    (served, workspace)
}

#[tokio::test]
async fn product_get_and_list_print_a_table_for_people_and_json_or_yaml_for_scripts() {
    let (_served, workspace) = seeded().await;

    let get = workspace.daap(&["product", "get", "dp:prisons"]).await;
    get.assert_code(0);
    assert!(
        get.stdout.starts_with("dp:prisons v2.0\n"),
        "{}",
        get.stdout
    );
    assert!(
        get.stdout
            .contains("owner:         Jane Doe <jane.doe@justice.gov.uk>"),
        "{}",
        get.stdout
    );
    assert!(!get.stdout.contains('\u{1b}'), "no colour off a terminal");
    let json = workspace
        .daap(&["product", "get", "dp:prisons:v1.0", "-o", "json"])
        .await;
    assert_eq!(json.assert_code(0).json()["versionedId"], "dp:prisons:v1.0");

    let list = workspace
        .daap(&["product", "list", "--domain", "HMPPS"])
        .await;
    list.assert_code(0);
    let lines: Vec<&str> = list.stdout.lines().collect();
    assert!(
        lines[0].starts_with("ID          VERSION  STATUS"),
        "{}",
        list.stdout
    );
    assert!(
        lines[1].starts_with("dp:prisons  v2.0     draft"),
        "{}",
        list.stdout
    );
    let yaml = workspace.daap(&["product", "list", "-o", "yaml"]).await;
    let products: Value = serde_norway::from_str(&yaml.assert_code(0).stdout).unwrap();
    assert_eq!(products[0]["id"], "dp:prisons");
}

#[tokio::test]
async fn product_versions_and_changes_show_the_history_and_the_net_difference() {
    let (_served, workspace) = seeded().await;

    let versions = workspace.daap(&["product", "versions", "dp:prisons"]).await;
    versions.assert_code(0);
    let lines: Vec<&str> = versions.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", versions.stdout);
    assert!(
        lines[1].starts_with("v2.0     major"),
        "{}",
        versions.stdout
    );
    assert!(
        lines[3].starts_with("v1.0     initial"),
        "{}",
        versions.stdout
    );

    let changes = workspace
        .daap(&["product", "changes", "dp:prisons", "--from", "v1.0"])
        .await;
    changes.assert_code(0);
    assert!(
        changes.stdout.starts_with("v1.0 → v2.0: minor"),
        "{}",
        changes.stdout
    );
    assert!(
        changes.stdout.contains("created table incidents (minor)"),
        "{}",
        changes.stdout
    );
    let json = workspace
        .daap(&["product", "changes", "dp:prisons", "-o", "json"])
        .await;
    let body = json.assert_code(0).json();
    assert_eq!(
        (body["from"].as_str(), body["bump"].as_str()),
        (Some("v1.1"), Some("major"))
    );
}

#[tokio::test]
async fn schema_get_and_diff_show_columns_and_what_changed_between_versions() {
    let (_served, workspace) = seeded().await;

    let get = workspace
        .daap(&["schema", "get", "dp:prisons:v1.1:incidents"])
        .await;
    get.assert_code(0);
    assert!(
        get.stdout.contains("reported_at  timestamp  Reported"),
        "{}",
        get.stdout
    );

    let diff = workspace
        .daap(&["schema", "diff", "dp:prisons:v1.1:incidents"])
        .await;
    diff.assert_code(2);
    assert!(diff.stdout.contains("Bump: major"), "{}", diff.stdout);
    assert!(diff.stdout.contains("- reported_at"), "{}", diff.stdout);
    assert!(
        diff.stdout.contains("~ id  bigint → string"),
        "{}",
        diff.stdout
    );

    let file = workspace.write(
        "incidents.yaml",
        "tableDescription: Incidents\ncolumns:\n  - {name: id, type: string, description: Id}\n  - {name: cell, type: string, description: Cell}\n",
    );
    let dry = workspace
        .daap(&[
            "schema",
            "diff",
            "dp:prisons:incidents",
            "-f",
            file.to_str().unwrap(),
            "-o",
            "json",
        ])
        .await;
    let change = dry.assert_code(2).json();
    assert_eq!(change["bump"], "minor");
    assert_eq!(change["addedColumns"], json!(["cell"]));
}

#[tokio::test]
async fn an_error_shows_the_problem_title_and_detail_and_what_to_do() {
    let (_served, workspace) = seeded().await;

    let run = workspace.daap(&["product", "get", "dp:nothing_here"]).await;
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("daap refused the request (404) Not Found: ")
            && run.stderr.contains("check the id"),
        "{}",
        run.stderr
    );
    let malformed = workspace
        .daap(&["product", "list", "--status", "live"])
        .await;
    malformed.assert_code(1);
    assert!(
        malformed.stderr.contains("(400) Bad Request"),
        "{}",
        malformed.stderr
    );
}

#[tokio::test]
async fn product_delete_asks_for_yes_without_a_terminal_and_deletes_with_it() {
    let (served, workspace) = seeded().await;

    let refused = workspace.daap(&["product", "delete", "dp:prisons"]).await;
    refused.assert_code(1);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    assert_eq!(
        served.app.get("/v1/data-products/dp:prisons").await.status,
        StatusCode::OK
    );

    let deleted = workspace
        .daap(&["product", "delete", "dp:prisons", "--yes"])
        .await;
    deleted.assert_code(0);
    served
        .app
        .get("/v1/data-products/dp:prisons")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn completions_are_printed_for_bash_zsh_and_fish() {
    let workspace = Workspace::new("http://127.0.0.1:9");
    for (shell, mark) in [
        ("bash", "_daap()"),
        ("zsh", "#compdef daap"),
        ("fish", "complete -c daap"),
    ] {
        let run = workspace.daap(&["completions", shell]).await;
        run.assert_code(0);
        assert!(
            run.stdout.contains(mark),
            "{shell}: {}",
            &run.stdout[..200.min(run.stdout.len())]
        );
        assert!(
            run.stdout.contains("apply"),
            "{shell} completes the subcommands"
        );
    }
}
