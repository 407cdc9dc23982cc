//! Many clients writing one product at once: no 500, no lost update, no duplicate, no gap.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, TestResponse, insert_next_version, product, product_fields};

const CLIENTS: usize = 32;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_updates_each_make_one_version_with_no_gaps() {
    let app = Arc::new(TestApp::new().await);
    app.register(&product("prisons")).await;

    let tasks: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                let mut fields = product_fields("prisons");
                fields["description"] = json!(format!("edit {i}"));
                app.put("/v1/data-products/dp:prisons", &fields).await
            })
        })
        .collect();
    let mut versions = Vec::new();
    for task in tasks {
        let response = task.await.unwrap();
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        versions.push(response.body["version"].as_str().unwrap().to_owned());
    }

    versions.sort_by_key(|v| v[3..].parse::<u32>().unwrap());
    let expected: Vec<String> = (1..=CLIENTS).map(|m| format!("v1.{m}")).collect();
    assert_eq!(
        versions, expected,
        "every update got its own version, none twice, no gaps"
    );
    let seqs: Vec<i32> = sqlx::query_scalar("SELECT seq FROM data_product_versions ORDER BY seq")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(seqs, (1..=CLIENTS as i32 + 1).collect::<Vec<_>>());
    // The latest version holds the last writer's whole body (nothing merged or lost).
    let latest = app.get("/v1/data-products/dp:prisons").await;
    let last_writer = sqlx::query_scalar::<_, String>(
        "SELECT description FROM data_product_versions ORDER BY seq DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(latest.body["description"], json!(last_writer));
    assert_eq!(latest.body["version"], format!("v1.{CLIENTS}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_conditional_updates_from_one_read_let_exactly_one_win() {
    let app = Arc::new(TestApp::new().await);
    let etag = app.register(&product("prisons")).await.etag();

    let tasks: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let app = app.clone();
            let etag = etag.clone();
            tokio::spawn(async move {
                let mut fields = product_fields("prisons");
                fields["description"] = json!(format!("edit {i}"));
                app.call(
                    Method::PUT,
                    "/v1/data-products/dp:prisons",
                    Some(&fields),
                    &[("if-match", &etag)],
                )
                .await
            })
        })
        .collect();
    let mut ok = 0;
    let mut precondition_failed = 0;
    for task in tasks {
        let response = task.await.unwrap();
        match response.status {
            StatusCode::OK => ok += 1,
            StatusCode::PRECONDITION_FAILED => precondition_failed += 1,
            other => panic!("unexpected {other}: {}", response.text),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(precondition_failed, CLIENTS - 1);
    assert_eq!(
        app.get("/v1/data-products/dp:prisons").await.body["version"],
        "v1.1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_registrations_of_one_name_create_exactly_one_product() {
    let app = Arc::new(TestApp::new().await);
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                let mut body = product("prisons");
                body["description"] = json!(format!("attempt {i}"));
                app.post("/v1/data-products", &body).await
            })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        let response = task.await.unwrap();
        match response.status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                response.assert_problem(StatusCode::CONFLICT);
            }
            other => panic!("unexpected {other}: {}", response.text),
        }
    }
    assert_eq!(created, 1);
    let (products, versions): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM data_products), (SELECT count(*) FROM data_product_versions)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((products, versions), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn updates_racing_a_delete_never_fail_with_a_server_error() {
    let app = Arc::new(TestApp::new().await);
    app.register(&product("prisons")).await;
    let mut tasks = Vec::new();
    for i in 0..CLIENTS {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            if i == CLIENTS / 2 {
                app.delete("/v1/data-products/dp:prisons").await
            } else {
                let mut fields = product_fields("prisons");
                fields["retentionPeriod"] = json!(i);
                app.put("/v1/data-products/dp:prisons", &fields).await
            }
        }));
    }
    let mut deleted = 0;
    for task in tasks {
        let response = task.await.unwrap();
        match response.status {
            StatusCode::NO_CONTENT => deleted += 1,
            StatusCode::OK => {}
            StatusCode::NOT_FOUND => {
                response.assert_problem(StatusCode::NOT_FOUND);
            }
            other => panic!("unexpected {other}: {}", response.text),
        }
    }
    assert_eq!(deleted, 1);
    app.get("/v1/data-products/dp:prisons")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let seqs: Vec<i32> = sqlx::query_scalar("SELECT seq FROM data_product_versions ORDER BY seq")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(seqs, (1..=seqs.len() as i32).collect::<Vec<_>>(), "no gaps");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_table_writes_to_one_product_each_make_one_version() {
    let app = Arc::new(TestApp::new().await);
    app.register(&product("prisons")).await;
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                let body = json!({
                    "tableDescription": format!("table {i}"),
                    "columns": [{"name": "id", "type": "bigint", "description": ""}]
                });
                app.post(&format!("/v1/schemas/dp:prisons:table_{i:02}"), &body)
                    .await
            })
        })
        .collect();
    for task in tasks {
        let response = task.await.unwrap();
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    }
    let product = app.get("/v1/data-products/dp:prisons").await;
    assert_eq!(product.body["version"], format!("v1.{CLIENTS}"));
    assert_eq!(product.body["schemas"].as_array().unwrap().len(), CLIENTS);
    let seqs: Vec<i32> = sqlx::query_scalar("SELECT seq FROM data_product_versions ORDER BY seq")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(seqs, (1..=CLIENTS as i32 + 1).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_whose_client_goes_away_still_commits() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    // Another transaction holds the product's row lock, so the update waits inside its own
    // transaction, after BEGIN and before COMMIT.
    let mut blocker = app.pool.begin().await.expect("begin");
    sqlx::query("SELECT 1 FROM data_products WHERE name = 'prisons' FOR UPDATE")
        .execute(&mut *blocker)
        .await
        .expect("lock the product");
    let mut fields = product_fields("prisons");
    fields["description"] = json!("Changed by a client that hung up");
    let update = app.put("/v1/data-products/dp:prisons", &fields);
    // The client gives up while the write waits: its request future is dropped.
    let gave_up = tokio::time::timeout(std::time::Duration::from_millis(300), update).await;
    assert!(
        gave_up.is_err(),
        "the update cannot finish while the lock is held"
    );
    blocker.rollback().await.expect("release the lock");

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let now = app.get("/v1/data-products/dp:prisons").await;
        if now.body["version"] == "v1.1" {
            assert_eq!(now.body["description"], "Changed by a client that hung up");
            break;
        }
        assert_eq!(now.body["version"], "v1.0");
        assert!(
            std::time::Instant::now() < deadline,
            "the abandoned write never committed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Another writer makes the next minor version of `prisons` (its version row and the product
/// head, as daap itself would) in a transaction the caller commits later.
async fn other_writer_makes_next_version(
    app: &TestApp,
    description: &str,
) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut other = app.pool.begin().await.expect("begin");
    let seq = insert_next_version(&mut other, "prisons", description).await;
    sqlx::query(
        "UPDATE data_products
         SET current_seq = $1, minor = minor + 1, bump = 'minor', description = $2,
             updated_at = now(), updated_by = 'other-writer'
         WHERE name = 'prisons'",
    )
    .bind(seq)
    .bind(description)
    .execute(&mut *other)
    .await
    .expect("the other writer's head");
    other
}

/// Commit the other writer's transaction once the request racing it has had time to wait.
async fn commit_after_300ms(other: sqlx::Transaction<'static, sqlx::Postgres>) {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    other.commit().await.expect("commit");
}

/// Create the table `incidents` (one column, `id`) in `prisons`: its body, and the answer.
async fn create_incidents_table(app: &TestApp) -> (Value, TestResponse) {
    let table = json!({"tableDescription": "Incidents", "columns": [
        {"name": "id", "type": "bigint", "description": "The id"}]});
    let created = app.post("/v1/schemas/dp:prisons:incidents", &table).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    (table, created)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_that_loses_the_race_is_applied_on_top_of_the_winner() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    // The update reads v1.0, then finds the product locked by a writer that commits v1.1.
    let other = other_writer_makes_next_version(&app, "By the other writer").await;
    let mut fields = product_fields("prisons");
    fields["domain"] = json!("Prisons");
    let update = app.put("/v1/data-products/dp:prisons", &fields);
    let commit_later = commit_after_300ms(other);
    let (updated, ()) = tokio::join!(update, commit_later);
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    // Built on v1.1: its version number follows it and it keeps what v1.1 changed.
    assert_eq!(updated.body["version"], "v1.2");
    assert_eq!(updated.body["domain"], "Prisons");
    let v1_1 = app.get("/v1/data-products/dp:prisons:v1.1").await;
    assert_eq!(v1_1.body["description"], "By the other writer");
    let versions: i64 = sqlx::query_scalar("SELECT count(*) FROM data_product_versions")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(versions, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_change_that_loses_the_race_checks_if_match_against_the_winner() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let (table, created) = create_incidents_table(&app).await;
    let etag = created.etag();
    // v1.1 has the table; another writer now makes v1.2 (a metadata change).
    let other = other_writer_makes_next_version(&app, "Other").await;
    let mut changed = table.clone();
    changed["columns"][0]["description"] = json!("The incident's id");
    let request = axum::http::Request::builder()
        .method(Method::PUT)
        .uri("/v1/schemas/dp:prisons:incidents")
        .header("content-type", "application/json")
        .header("if-match", &etag)
        .body(axum::body::Body::from(changed.to_string()))
        .expect("request");
    let update = app.send(request);
    let commit_later = commit_after_300ms(other);
    let (response, ()) = tokio::join!(update, commit_later);
    // The schema's tag named v1.1, which is no longer the latest: the write is refused.
    response.assert_problem(StatusCode::PRECONDITION_FAILED);
    let latest = app.get("/v1/schemas/dp:prisons:incidents").await;
    assert_eq!(latest.body["columns"][0]["description"], "The id");
    assert_eq!(latest.body["dataProduct"]["version"], "v1.2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_change_that_loses_the_race_is_diffed_against_the_winners_table() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let (table, _) = create_incidents_table(&app).await;
    // Another writer makes v1.2 by adding a column to the table (as daap itself would: close
    // the revision, open the next one, move the head), and commits while the change waits.
    let mut other = other_writer_makes_next_version(&app, "Other").await;
    sqlx::query(
        "WITH closed AS (
             UPDATE table_revisions r SET end_seq = p.current_seq
             FROM data_products p
             WHERE p.name = 'prisons' AND r.product_id = p.id AND r.table_name = 'incidents'
               AND r.end_seq IS NULL
             RETURNING r.product_id, p.current_seq)
         INSERT INTO table_revisions (product_id, table_name, first_seq, table_description,
                                      columns)
         SELECT product_id, 'incidents', current_seq, 'Incidents',
                '[{\"name\": \"id\", \"type\": \"bigint\", \"description\": \"The id\"},
                  {\"name\": \"added_by_other\", \"type\": \"string\", \"description\": \"New\"}]'
         FROM closed",
    )
    .execute(&mut *other)
    .await
    .expect("the other writer's table revision");
    let mut changed = table.clone();
    changed["columns"][0]["description"] = json!("The incident's id");
    let update = app.put("/v1/schemas/dp:prisons:incidents", &changed);
    let commit_later = commit_after_300ms(other);
    let (response, ()) = tokio::join!(update, commit_later);
    // Applied on top of the winner's table: dropping its new column is a breaking change.
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.body["dataProduct"]["version"], "v2.0");
    assert_eq!(
        response.body["change"]["removedColumns"],
        json!(["added_by_other"]),
        "{}",
        response.text
    );
    let winner = app.get("/v1/schemas/dp:prisons:v1.2:incidents").await;
    assert_eq!(winner.body["columns"][1]["name"], "added_by_other");
    let latest = app.get("/v1/schemas/dp:prisons:incidents").await;
    assert_eq!(latest.body["columns"], changed["columns"]);
}
