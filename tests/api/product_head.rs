//! The latest version kept on the product row (migration 0005): it always reads the same as
//! the version in the history, and upgrading an existing database fills it in.

use axum::http::StatusCode;
use daap::store::pool::MIGRATOR;
use serde_json::{Value, json};

use crate::support::{TestApp, insert_next_version, product, product_fields};

fn table(description: &str, columns: &[&str]) -> Value {
    json!({
        "tableDescription": description,
        "columns": columns
            .iter()
            .map(|name| json!({"name": name, "type": "string", "description": format!("The {name}")}))
            .collect::<Vec<_>>()
    })
}

/// The names of the tables a product response lists, in its order.
fn table_names(product: &Value) -> Vec<&str> {
    product["schemas"]
        .as_array()
        .expect("schemas")
        .iter()
        .map(|schema| schema["name"].as_str().expect("a name"))
        .collect()
}

/// The latest version as `GET dp:<name>` answers it (from the product row).
async fn latest(app: &TestApp, name: &str) -> Value {
    let response = app.get(&format!("/v1/data-products/dp:{name}")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.body
}

/// One exact version as `GET dp:<name>:v<M>.<m>` answers it (from the history).
async fn exact(app: &TestApp, versioned_id: &str) -> Value {
    let response = app.get(&format!("/v1/data-products/{versioned_id}")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.body
}

#[tokio::test]
async fn every_version_reads_the_same_while_latest_and_once_superseded() {
    let app = TestApp::new().await;
    let mut seen = vec![app.register(&product("prisons")).await.body];
    let mut fields = product_fields("prisons");
    fields["description"] = json!("Prison data, revised");
    fields["tags"] = json!({"sensitivity": "official", "team": "hmpps"});
    let writes = [
        ("PUT", "/v1/data-products/dp:prisons", fields.clone()),
        (
            "POST",
            "/v1/schemas/dp:prisons:zeta",
            table("Last by name", &["id"]),
        ),
        (
            "POST",
            "/v1/schemas/dp:prisons:a_b",
            table("Underscore sorts before letters", &["id"]),
        ),
        (
            "POST",
            "/v1/schemas/dp:prisons:ab",
            table("After a_b", &["id"]),
        ),
        (
            "PUT",
            "/v1/schemas/dp:prisons:zeta",
            table("Last by name", &["id", "added"]),
        ),
        (
            "PUT",
            "/v1/schemas/dp:prisons:zeta",
            table("Last by name", &["other"]),
        ),
        ("DELETE", "/v1/schemas/dp:prisons:a_b", Value::Null),
        ("PUT", "/v1/data-products/dp:prisons", {
            let mut f = fields.clone();
            f["status"] = json!("published");
            f
        }),
    ];
    for (method, path, body) in writes {
        let response = match method {
            "PUT" => app.put(path, &body).await,
            "POST" => app.post(path, &body).await,
            _ => app.delete(path).await,
        };
        assert!(
            response.status.is_success(),
            "{method} {path}: {}",
            response.text
        );
        let now = latest(&app, "prisons").await;
        assert_ne!(
            now["version"],
            seen.last().unwrap()["version"],
            "{method} {path} made a version"
        );
        seen.push(now);
    }
    let last = seen.last().unwrap();
    assert_eq!(last["version"], "v3.1");
    assert_eq!(last["status"], "published");
    assert_eq!(table_names(last), ["ab", "zeta"]);
    for version in &seen {
        let id = version["versionedId"].as_str().unwrap();
        assert_eq!(
            &exact(&app, id).await,
            version,
            "{id} changed once superseded"
        );
    }
    let page = app.get("/v1/data-products").await;
    assert_eq!(
        &page.body["value"][0], last,
        "the list shows the latest version"
    );
}

#[tokio::test]
async fn upgrading_a_database_puts_each_products_latest_version_on_its_row() {
    let app = TestApp::at_migration(4).await;
    // Two products as daap before migration 0005 stored them: `alpha` at v2.0 after three
    // versions (one table deleted, one changed), `beta` at v1.0 without tables.
    sqlx::raw_sql(
        r#"
        INSERT INTO data_products (name, current_seq, created_by)
        VALUES ('alpha', 3, 'creator-a'), ('beta', 1, 'creator-b');
        INSERT INTO data_product_versions (
            product_id, seq, major, minor, bump, changes, description, domain,
            data_product_owner, data_product_owner_display_name, data_product_maintainer,
            data_product_maintainer_display_name, email, status, retention_period,
            dpia_required, tags, created_by, created_by_name)
        SELECT p.id, v.seq, v.major, v.minor, v.bump::version_bump, '{}', v.description,
               'Prisons', 'owner@justice.gov.uk', 'Owner', v.maintainer, v.maintainer_name,
               'data@justice.gov.uk', v.status::product_status, v.retention, v.dpia,
               v.tags::jsonb, v.author, NULL
        FROM (VALUES
            ('alpha', 1, 1, 0, 'initial', 'first', NULL, NULL, 'draft', 10, false, '{}', 'u1'),
            ('alpha', 2, 1, 1, 'minor', 'second', NULL, NULL, 'draft', 10, false, '{}', 'u2'),
            ('alpha', 3, 2, 0, 'major', 'third', 'maint@justice.gov.uk', 'Maintainer',
             'published', 20, true, '{"team": "hmpps"}', 'u3'),
            ('beta', 1, 1, 0, 'initial', 'only', NULL, NULL, 'retired', 0, false, '{}', 'u4'))
            AS v(product, seq, major, minor, bump, description, maintainer, maintainer_name,
                 status, retention, dpia, tags, author)
        JOIN data_products p ON p.name = v.product;
        INSERT INTO table_revisions (product_id, table_name, first_seq, end_seq,
                                     table_description, columns)
        SELECT p.id, r.name, r.first_seq, r.end_seq, 'A table',
               '[{"name": "id", "type": "string", "description": "The id"}]'
        FROM (VALUES ('zeta', 1, 3), ('zeta', 3, NULL), ('gone', 1, 3), ('a_b', 2, NULL),
                     ('ab', 2, NULL))
            AS r(name, first_seq, end_seq)
        JOIN data_products p ON p.name = 'alpha';
        "#,
    )
    .execute(&app.pool)
    .await
    .expect("seed the pre-0005 schema");

    MIGRATOR.run(&app.pool).await.expect("the upgrade applies");

    let alpha = latest(&app, "alpha").await;
    assert_eq!(alpha["version"], "v2.0");
    assert_eq!(alpha["description"], "third");
    assert_eq!(alpha["status"], "published");
    assert_eq!(alpha["retentionPeriod"], 20);
    assert_eq!(alpha["dpiaRequired"], true);
    assert_eq!(alpha["dataProductMaintainer"], "maint@justice.gov.uk");
    assert_eq!(alpha["tags"], json!({"team": "hmpps"}));
    assert_eq!(table_names(&alpha), ["a_b", "ab", "zeta"]);
    assert_eq!(exact(&app, "dp:alpha:v2.0").await, alpha);
    let beta = latest(&app, "beta").await;
    assert_eq!(beta["version"], "v1.0");
    assert_eq!(beta["status"], "retired");
    assert_eq!(beta["schemas"], json!([]));
    assert_eq!(exact(&app, "dp:beta:v1.0").await, beta);

    // Writes carry on from the copied head.
    let changed = app
        .put(
            "/v1/schemas/dp:alpha:zeta",
            &table("A table", &["id", "added"]),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let after = latest(&app, "alpha").await;
    assert_eq!(after["version"], "v2.1");
    assert_eq!(after["description"], "third");
    assert_eq!(table_names(&after), ["a_b", "ab", "zeta"]);
}

#[tokio::test]
async fn a_daap_older_than_the_head_cannot_move_it_without_the_copy() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    // What a daap from before migration 0005 ran to make a version, after inserting its row:
    // move the pointer alone.
    let mut tx = app.pool.begin().await.expect("begin");
    let seq = insert_next_version(&mut tx, "prisons", "Old writer").await;
    assert_eq!(seq, 2);
    let error = sqlx::query("UPDATE data_products SET current_seq = 2 WHERE name = 'prisons'")
        .execute(&mut *tx)
        .await
        .expect_err("moving the pointer without the copy is refused");
    let code = error
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned());
    assert_eq!(code.as_deref(), Some("55000"), "{error}");
    drop(tx);

    let now = latest(&app, "prisons").await;
    assert_eq!(now["version"], "v1.0");
    assert_eq!(now["description"], "All about prisons");
}
