//! `GET /v1/stats`: each figure against a hand-computed catalogue, the empty database, the
//! counters after every kind of write compared with a recomputation from scratch, the back-fill
//! of an existing database, and the validation of the query.

use axum::http::StatusCode;
use daap::store::pool::MIGRATOR;
use serde_json::{Value, json};

use crate::support::tables::{incidents, table};
use crate::support::{TestApp, product, product_fields};

/// The statistics, without the instant they were generated at.
async fn stats(app: &TestApp, query: &str) -> Value {
    let response = app.get(&format!("/v1/stats{query}")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    let mut body = response.body;
    assert!(body["generatedAt"].is_string());
    body.as_object_mut().unwrap().remove("generatedAt");
    body
}

/// `stats` without the instants of the products' last changes (two catalogues built one after
/// the other differ only there).
fn without_instants(mut stats: Value) -> Value {
    for (section, list) in [("changes", "mostChanged"), ("health", "stalest")] {
        for product in stats[section][list].as_array_mut().unwrap() {
            product.as_object_mut().unwrap().remove("lastChange");
        }
    }
    stats
}

/// The sum of one kind of version over the 26 weeks.
fn weekly_total(stats: &Value, kind: &str) -> i64 {
    stats["changes"]["weekly"]
        .as_array()
        .unwrap()
        .iter()
        .map(|week| week[kind].as_i64().unwrap())
        .sum()
}

/// Register `name` in `domain` with `status`, a maintainer or not, and a DPIA requirement.
async fn register(app: &TestApp, name: &str, domain: &str, status: &str, extra: Value) {
    let mut body = product(name);
    body["domain"] = json!(domain);
    body["status"] = json!(status);
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    let response = app.register(&body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
}

async fn post_table(app: &TestApp, id: &str, body: &Value) {
    let response = app.post(&format!("/v1/schemas/{id}"), body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
}

async fn put_table(app: &TestApp, id: &str, body: &Value) {
    let response = app.put(&format!("/v1/schemas/{id}"), body).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
}

/// `prisons` (HMPPS, draft, no maintainer) with `incidents` changed in a breaking way,
/// `courts` (HMPPS, published, DPIA required and undecided) with an undescribed table, and
/// `legal_aid` (LAA, published, DPIA decided) without tables.
async fn hand_built_catalogue(app: &TestApp) {
    register(app, "prisons", "HMPPS", "draft", json!({})).await;
    post_table(app, "dp:prisons:incidents", &incidents()).await; // v1.1
    let mut fields = product_fields("prisons");
    fields["description"] = json!("Prisons, revised");
    let updated = app.put("/v1/data-products/dp:prisons", &fields).await; // v1.2
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    let breaking = table(&[
        ("id", "bigint"),
        ("reported_at", "timestamp"),
        ("category", "int"),
    ]);
    let major = app.put("/v1/schemas/dp:prisons:incidents", &breaking).await; // v2.0
    assert_eq!(major.status, StatusCode::OK, "{}", major.text);
    assert_eq!(major.body["dataProduct"]["version"], "v2.0");

    let maintained = json!({"dataProductMaintainer": "sam@justice.gov.uk",
                            "dataProductMaintainerDisplayName": "Sam"});
    let mut courts = maintained.clone();
    courts["dpiaRequired"] = json!(true);
    register(app, "courts", "HMPPS", "published", courts).await;
    let hearings = json!({
        "tableDescription": "",
        "columns": [
            {"name": "id", "type": "int", "description": "The hearing"},
            {"name": "fee", "type": "decimal(10,2)", "description": ""}
        ]
    });
    post_table(app, "dp:courts:hearings", &hearings).await; // v1.1

    let mut legal_aid = maintained;
    legal_aid["dpiaRequired"] = json!(true);
    legal_aid["tags"] = json!({"dpiaLocation": "s3://dpia/legal_aid.pdf"});
    register(app, "legal_aid", "LAA", "published", legal_aid).await;
}

#[tokio::test]
async fn an_empty_database_has_zero_everywhere_and_every_week_and_day() {
    let app = TestApp::new().await;

    let stats = stats(&app, "").await;

    assert_eq!(
        stats["products"],
        json!({"total": 0, "byDomainAndStatus": []})
    );
    assert_eq!(
        stats["schemas"],
        json!({"tables": 0, "columns": 0, "columnTypes": []})
    );
    let weeks = stats["changes"]["weekly"].as_array().unwrap();
    assert_eq!(weeks.len(), 26);
    assert!(
        weeks
            .windows(2)
            .all(|w| w[0]["week"].as_str() < w[1]["week"].as_str())
    );
    assert_eq!(
        weekly_total(&stats, "registrations") + weekly_total(&stats, "minor"),
        0
    );
    assert_eq!(stats["changes"]["majorByDomain"], json!([]));
    assert_eq!(stats["changes"]["mostChanged"], json!([]));
    assert_eq!(
        stats["health"],
        json!({"staleDays": 180, "staleProducts": 0, "stalest": [],
               "missing": {"maintainer": 0, "dpiaDecision": 0, "tableDescriptions": 0,
                           "columnDescriptions": 0}})
    );
    assert_eq!(stats["sync"], json!({"configured": false, "targets": []}));
    assert_eq!(stats["uploads"]["configured"], false);
    let days = stats["uploads"]["daily"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert!(days.iter().all(|d| d["issued"] == 0 && d["received"] == 0));
}

#[tokio::test]
async fn each_figure_matches_a_hand_computed_catalogue() {
    let app = TestApp::new().await;
    hand_built_catalogue(&app).await;

    let stats = stats(&app, "").await;

    assert_eq!(
        stats["products"],
        json!({"total": 3, "byDomainAndStatus": [
            {"domain": "HMPPS", "status": "draft", "products": 1},
            {"domain": "HMPPS", "status": "published", "products": 1},
            {"domain": "LAA", "status": "published", "products": 1}]})
    );
    assert_eq!(
        stats["schemas"],
        json!({"tables": 2, "columns": 5, "columnTypes": [
            {"type": "int", "columns": 2},
            {"type": "bigint", "columns": 1},
            {"type": "decimal", "columns": 1},
            {"type": "timestamp", "columns": 1}]})
    );
    let this_week = stats["changes"]["weekly"]
        .as_array()
        .unwrap()
        .last()
        .unwrap();
    assert_eq!(this_week["registrations"], 3);
    assert_eq!(this_week["minor"], 3);
    assert_eq!(this_week["major"], 1);
    assert_eq!(
        stats["changes"]["majorByDomain"],
        json!([{"domain": "HMPPS", "majorVersions": 1}])
    );
    let most: Vec<(&str, i64)> = stats["changes"]["mostChanged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["changes"].as_i64().unwrap()))
        .collect();
    assert_eq!(most, [("prisons", 3), ("courts", 1)]);
    assert_eq!(stats["changes"]["mostChanged"][0]["id"], "dp:prisons");
    assert_eq!(
        stats["health"]["missing"],
        json!({"maintainer": 1, "dpiaDecision": 1, "tableDescriptions": 1,
               "columnDescriptions": 1})
    );
    assert_eq!(stats["health"]["staleProducts"], 0);
}

#[tokio::test]
async fn stale_products_are_those_without_a_version_for_stale_days() {
    let app = TestApp::new().await;
    hand_built_catalogue(&app).await;
    // `legal_aid` last changed 200 days ago, `courts` 30 days ago.
    sqlx::raw_sql(
        "UPDATE data_products SET updated_at = now() - interval '200 days' WHERE name = 'legal_aid';
         UPDATE data_products SET updated_at = now() - interval '30 days' WHERE name = 'courts';",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    let default = stats(&app, "?section=health").await;
    let month = stats(&app, "?section=health&staleDays=30").await;
    let year = stats(&app, "?section=health&staleDays=365").await;

    assert_eq!(default["health"]["staleDays"], 180);
    assert_eq!(default["health"]["staleProducts"], 1);
    assert_eq!(default["health"]["stalest"][0]["name"], "legal_aid");
    assert_eq!(month["health"]["staleProducts"], 2);
    let stalest: Vec<&str> = month["health"]["stalest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(stalest, ["legal_aid", "courts"]);
    assert_eq!(year["health"]["staleProducts"], 0);
    assert_eq!(year["health"]["stalest"], json!([]));
}

#[tokio::test]
async fn counters_stay_exact_through_every_kind_of_write() {
    let app = TestApp::new().await;
    hand_built_catalogue(&app).await;
    // Fix what was missing, move a product to another domain and status, delete one with its
    // tables, register its name again, delete a table.
    let mut courts = product_fields("courts");
    courts["domain"] = json!("Courts");
    courts["status"] = json!("retired");
    courts["dpiaRequired"] = json!(true);
    courts["tags"] = json!({"dpiaLocation": "s3://dpia/courts.pdf"});
    let moved = app.put("/v1/data-products/dp:courts", &courts).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    let deleted = app.delete("/v1/data-products/dp:prisons").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    register(&app, "prisons", "LAA", "draft", json!({})).await;
    post_table(&app, "dp:prisons:cells", &table(&[("cell", "string")])).await;
    let dropped = app.delete("/v1/schemas/dp:courts:hearings").await;
    assert!(dropped.status.is_success(), "{}", dropped.text);

    let kept = assert_counters_exact(&app).await;
    assert_eq!(kept["products"]["total"], 3);
    assert_eq!(
        kept["schemas"],
        json!({"tables": 1, "columns": 1, "columnTypes": [{"type": "string", "columns": 1}]})
    );
    assert_eq!(
        kept["health"]["missing"],
        json!({"maintainer": 2, "dpiaDecision": 0, "tableDescriptions": 0,
               "columnDescriptions": 0})
    );
    // Versions of the deleted product still count as made; deleting a table is breaking.
    assert_eq!(weekly_total(&kept, "registrations"), 4);
    assert_eq!(
        kept["changes"]["majorByDomain"],
        json!([{"domain": "Courts", "majorVersions": 1}, {"domain": "HMPPS", "majorVersions": 1}])
    );
}

/// Rows in the counter tables a table write can touch besides the version's own.
async fn table_counter_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM stats_catalogue) + (SELECT count(*) FROM stats_column_types)
                + (SELECT count(*) FROM stats_missing)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// The kept counters equal a recomputation from scratch (which replaces them).
async fn assert_counters_exact(app: &TestApp) -> Value {
    let kept = stats(app, "").await;
    sqlx::query("SELECT stats_rebuild()")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(kept, stats(app, "").await);
    kept
}

/// A table write is counted as its net effect (migration 0013): revising a description that
/// stays non-blank writes no counter row; describing what was undescribed moves only the flags.
#[tokio::test]
async fn a_table_change_is_counted_once_as_its_net_effect() {
    let app = TestApp::new().await;
    hand_built_catalogue(&app).await;
    let rows_before = table_counter_rows(&app).await;

    let revised = json!({
        "tableDescription": "",
        "columns": [
            {"name": "id", "type": "int", "description": "The hearing, revised"},
            {"name": "fee", "type": "decimal(10,2)", "description": ""}
        ]
    });
    put_table(&app, "dp:courts:hearings", &revised).await;
    assert_eq!(table_counter_rows(&app).await, rows_before);

    let described = json!({
        "tableDescription": "Court hearings",
        "columns": [
            {"name": "id", "type": "int", "description": "The hearing"},
            {"name": "fee", "type": "decimal(10,2)", "description": "The fee"},
            {"name": "held_on", "type": "date", "description": "When"}
        ]
    });
    put_table(&app, "dp:courts:hearings", &described).await;
    // One catalogue row (+1 column), one type row (date), two flag rows (both cleared).
    assert_eq!(table_counter_rows(&app).await, rows_before + 4);

    let kept = assert_counters_exact(&app).await;
    assert_eq!(
        kept["health"]["missing"],
        json!({"maintainer": 1, "dpiaDecision": 1, "tableDescriptions": 0,
               "columnDescriptions": 0})
    );
    assert_eq!(kept["schemas"]["columns"], 6);
}

/// A table write counts its own change in its statement (migration 0014), by the rules the
/// revision triggers apply to any other statement: a type's family is its name before `(` or
/// `<`, whatever the case it was sent in; a description of spaces only is missing. Created,
/// revised and deleted, the table's counters equal a recount, so neither the write nor the
/// triggers (which step aside for it) counted it twice or not at all.
#[tokio::test]
async fn a_table_write_counts_its_change_by_the_triggers_rules() {
    let app = TestApp::new().await;
    create_revise_and_delete_a_table(&app).await;
}

/// The counting is the write's own, not the triggers': with them disabled, the counters still
/// follow a table created, revised and deleted.
#[tokio::test]
async fn a_table_write_counts_its_change_without_the_revision_triggers() {
    let app = TestApp::new().await;
    sqlx::query("ALTER TABLE table_revisions DISABLE TRIGGER USER")
        .execute(&app.pool)
        .await
        .unwrap();
    create_revise_and_delete_a_table(&app).await;
}

/// A table with parameterised and nested types and blank descriptions, then revised (same
/// family at another precision, a column gone, everything described), then deleted; the
/// counters checked against a recount after each step.
async fn create_revise_and_delete_a_table(app: &TestApp) {
    register(app, "courts", "HMPPS", "draft", json!({})).await;
    post_table(
        app,
        "dp:courts:fees",
        &json!({
            "tableDescription": "   ",
            "columns": [
                {"name": "amount", "type": "DECIMAL(10, 2)", "description": "  "},
                {"name": "codes", "type": "array<string>", "description": "Codes"},
                {"name": "detail", "type": "struct<a:int,b:string>", "description": ""},
                {"name": "paid_at", "type": "timestamp", "description": "When"}
            ]
        }),
    )
    .await;
    let created = assert_counters_exact(app).await;
    assert_eq!(
        created["schemas"],
        json!({"tables": 1, "columns": 4, "columnTypes": [
            {"type": "array", "columns": 1}, {"type": "decimal", "columns": 1},
            {"type": "struct", "columns": 1}, {"type": "timestamp", "columns": 1}]})
    );
    assert_eq!(created["health"]["missing"]["tableDescriptions"], 1);
    assert_eq!(created["health"]["missing"]["columnDescriptions"], 1);

    // Same family at another precision, a column gone, the table and every column described.
    let revised = json!({
        "tableDescription": "Fees paid",
        "columns": [
            {"name": "amount", "type": "decimal(12,2)", "description": "Amount"},
            {"name": "codes", "type": "array<int>", "description": "Codes"},
            {"name": "paid_at", "type": "date", "description": "When"}
        ]
    });
    put_table(app, "dp:courts:fees", &revised).await;
    let revised = assert_counters_exact(app).await;
    assert_eq!(
        revised["schemas"],
        json!({"tables": 1, "columns": 3, "columnTypes": [
            {"type": "array", "columns": 1}, {"type": "date", "columns": 1},
            {"type": "decimal", "columns": 1}]})
    );
    assert_eq!(revised["health"]["missing"]["tableDescriptions"], 0);
    assert_eq!(revised["health"]["missing"]["columnDescriptions"], 0);

    let deleted = app.delete("/v1/schemas/dp:courts:fees").await;
    assert!(deleted.status.is_success(), "{}", deleted.text);
    let deleted = assert_counters_exact(app).await;
    assert_eq!(
        deleted["schemas"],
        json!({"tables": 0, "columns": 0, "columnTypes": []})
    );
}

/// Revisions closed and opened other than by daap's one statement per table write (a close
/// and its successor in separate statements; one statement replacing several tables) are
/// counted exactly too: the close counts on its own unless its successor is in its statement.
#[tokio::test]
async fn revisions_replaced_by_any_statement_shape_keep_the_counters_exact() {
    let app = TestApp::new().await;
    hand_built_catalogue(&app).await;
    post_table(&app, "dp:courts:rooms", &table(&[("room", "string")])).await;
    let courts: i64 = sqlx::query_scalar("SELECT id FROM data_products WHERE name = 'courts'")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query(
        "UPDATE table_revisions SET end_seq = 100
         WHERE product_id = $1 AND table_name = 'rooms' AND end_seq IS NULL",
    )
    .bind(courts)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        r#"INSERT INTO table_revisions (product_id, table_name, first_seq, table_description,
                                        columns)
           VALUES ($1, 'rooms', 100, '', '[{"name": "room", "type": "bigint", "description": ""}]')"#,
    )
    .bind(courts)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_counters_exact(&app).await;

    sqlx::query(
        r#"WITH closed AS (
               UPDATE table_revisions SET end_seq = 200
               WHERE product_id = $1 AND end_seq IS NULL
               RETURNING table_name, columns
           )
           INSERT INTO table_revisions (product_id, table_name, first_seq, table_description,
                                        columns)
           SELECT $1, table_name, 200, 'Described',
                  columns || '[{"name": "added", "type": "date", "description": "New"}]'
           FROM closed"#,
    )
    .bind(courts)
    .execute(&app.pool)
    .await
    .unwrap();
    let kept = assert_counters_exact(&app).await;
    assert_eq!(kept["health"]["missing"]["tableDescriptions"], 0);
    assert_eq!(
        kept["schemas"]["columnTypes"],
        json!([{"type": "bigint", "columns": 2}, {"type": "date", "columns": 2},
               {"type": "int", "columns": 2}, {"type": "decimal", "columns": 1},
               {"type": "timestamp", "columns": 1}])
    );
}

/// Rows per key in each counter table (migration 0012: any number; folding leaves one).
async fn most_rows_per_key(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT max(n) FROM (
             SELECT count(*) AS n FROM stats_products GROUP BY domain, status
             UNION ALL SELECT count(*) FROM stats_catalogue
             UNION ALL SELECT count(*) FROM stats_column_types GROUP BY type_name
             UNION ALL SELECT count(*) FROM stats_versions_weekly GROUP BY week, bump
             UNION ALL SELECT count(*) FROM stats_majors GROUP BY domain
             UNION ALL SELECT count(*) FROM stats_last_change GROUP BY day
             UNION ALL SELECT count(*) FROM stats_missing GROUP BY requirement
             UNION ALL SELECT count(*) FROM stats_uploads_daily GROUP BY day, status) AS k",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn folding_the_counters_changes_no_figure_and_leaves_one_row_per_key() {
    let app = TestApp::new().await;
    hand_built_catalogue(&app).await;
    let deleted = app.delete("/v1/data-products/dp:legal_aid").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let before = stats(&app, "").await;
    assert!(most_rows_per_key(&app).await > 1, "writes append rows");

    let folded = daap::store::stats::compact(&app.state.pool).await.unwrap();

    assert!(folded > 0);
    assert_eq!(most_rows_per_key(&app).await, 1);
    assert_eq!(stats(&app, "").await, before);
    assert_eq!(
        daap::store::stats::compact(&app.state.pool).await.unwrap(),
        0
    );
}

/// Writers that move products into and out of the same groups at once (each appending its
/// rows to the same keys) leave the counters exact.
#[tokio::test]
async fn concurrent_writes_to_the_same_groups_keep_the_counters_exact() {
    let app = TestApp::new().await;
    let names: Vec<String> = (0..8).map(|i| format!("product_{i}")).collect();
    for name in &names {
        register(&app, name, "HMPPS", "draft", json!({})).await;
    }

    let moves = futures_util::future::join_all(names.iter().enumerate().map(|(i, name)| {
        let mut fields = product_fields(name);
        fields["domain"] = json!(if i % 2 == 0 { "Courts" } else { "HMPPS" });
        fields["status"] = json!("published");
        fields["dataProductMaintainer"] = json!("sam@justice.gov.uk");
        let app = &app;
        async move {
            let path = format!("/v1/data-products/dp:{name}");
            let moved = app.put(&path, &fields).await;
            assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
            let tabled = app
                .post(
                    &format!("/v1/schemas/dp:{name}:cells"),
                    &table(&[("cell", "string")]),
                )
                .await;
            assert_eq!(tabled.status, StatusCode::CREATED, "{}", tabled.text);
        }
    }))
    .await;
    assert_eq!(moves.len(), names.len());

    let kept = assert_counters_exact(&app).await;
    assert_eq!(
        kept["products"]["byDomainAndStatus"],
        json!([{"domain": "Courts", "status": "published", "products": 4},
               {"domain": "HMPPS", "status": "published", "products": 4}])
    );
    assert_eq!(kept["schemas"]["tables"], 8);
    assert_eq!(kept["health"]["missing"]["maintainer"], 0);
}

#[tokio::test]
async fn upgrading_back_fills_the_counters_from_existing_data() {
    let app = TestApp::at_migration(8).await;
    // A daap from before migration 0009 writes (the rolling-upgrade case), then the upgrade.
    // This binary's table writes call migration 0014's functions; a daap from before 0009
    // counted nothing, which stand-ins doing nothing reproduce (0014 replaces them).
    for stand_in in [
        "CREATE FUNCTION stats_mark_counted(bigint, text, integer) RETURNS text
         LANGUAGE sql RETURN NULL",
        "CREATE FUNCTION stats_apply_table_deltas(bigint, integer, integer, integer, integer,
                                                  text[], integer[])
         RETURNS void LANGUAGE sql RETURN NULL",
    ] {
        sqlx::query(stand_in).execute(&app.pool).await.unwrap();
    }
    hand_built_catalogue(&app).await;

    MIGRATOR.run(&app.pool).await.expect("the upgrade applies");

    let upgraded = without_instants(stats(&app, "").await);
    let fresh = TestApp::new().await;
    hand_built_catalogue(&fresh).await;
    assert_eq!(upgraded, without_instants(stats(&fresh, "").await));
    assert_eq!(upgraded["products"]["total"], 3);
}

#[tokio::test]
async fn a_section_returns_only_that_member() {
    let app = TestApp::new().await;
    hand_built_catalogue(&app).await;

    let schemas = stats(&app, "?section=schemas").await;

    let keys: Vec<&String> = schemas.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["schemas"]);
    assert_eq!(schemas["schemas"]["tables"], 2);
}

#[tokio::test]
async fn malformed_queries_are_400_problems() {
    let app = TestApp::new().await;

    for query in [
        "?section=everything",
        "?staleDays=0",
        "?staleDays=3651",
        "?staleDays=soon",
        "?stale=30",
    ] {
        let response = app.get(&format!("/v1/stats{query}")).await;
        let problem = response.assert_problem(StatusCode::BAD_REQUEST);
        assert!(problem["detail"].is_string(), "{query}: {problem}");
    }
}

/// More concurrent requests than the pool has connections (10 in tests): each holds one
/// connection for the whole read, and must never wait for a second one from the pool, or they
/// would all wait until the pool's acquire timeout (30 s) and fail.
#[tokio::test]
async fn more_concurrent_reads_than_pool_connections_all_complete() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;

    let started = std::time::Instant::now();
    let answers = futures_util::future::join_all((0..30).map(|i| {
        let path = if i % 2 == 0 {
            "/v1/stats"
        } else {
            "/dashboard"
        };
        app.get(path)
    }))
    .await;

    assert!(answers.iter().all(|a| a.status == StatusCode::OK));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
}
