//! The dashboard's HTML pages through the real router: the overview shows the numbers of
//! `/v1/stats` and links to the products behind them, the product page explains each version,
//! the diff page compares two versions; all are accessible HTML under the strict CSP, and
//! none is served without sign-in when authentication is on (dashboard_signin.rs).

use axum::http::StatusCode;
use regex::Regex;
use serde_json::json;

use crate::support::tables::{incidents, table};
use crate::support::{TestApp, TestResponse, product};

/// `prisons` at v2.0 (a table created, then changed in a breaking way) and `courts` (also the
/// browser test's seed).
pub async fn catalogue() -> TestApp {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let created = app
        .post("/v1/schemas/dp:prisons:incidents", &incidents())
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let breaking = table(&[
        ("id", "bigint"),
        ("reported_at", "timestamp"),
        ("category", "int"),
    ]);
    let changed = app.put("/v1/schemas/dp:prisons:incidents", &breaking).await;
    assert_eq!(
        changed.body["dataProduct"]["version"], "v2.0",
        "{}",
        changed.text
    );
    let mut courts = product("courts");
    courts["domain"] = json!("Courts & Tribunals");
    courts["status"] = json!("published");
    app.register(&courts).await;
    app
}

/// A page, checked to be a complete, accessible HTML document under the CSP.
pub async fn html(app: &TestApp, path: &str) -> String {
    let response: TestResponse = app.get(path).await;
    assert_eq!(response.status, StatusCode::OK, "{path}: {}", response.text);
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let csp = response.header("content-security-policy").expect("a CSP");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let page = response.text;
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains(r#"<html lang="en">"#));
    assert_eq!(page.matches("<main").count(), 1, "one main landmark");
    assert_eq!(page.matches("<h1>").count(), 1, "one h1");
    assert!(!page.contains("<script"), "no script");
    assert!(!page.contains("style="), "no inline style");
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "nothing external"
    );
    page
}

/// The figure the overview shows for a `/v1/stats` member.
fn figure(page: &str, stat: &str) -> String {
    let pattern = format!(r#"data-stat="{}">([^<]*)<"#, regex::escape(stat));
    Regex::new(&pattern)
        .unwrap()
        .captures(page)
        .unwrap_or_else(|| panic!("no {stat}"))[1]
        .replace(',', "")
}

#[tokio::test]
async fn the_overview_shows_the_numbers_of_v1_stats() {
    let app = catalogue().await;
    let stats = app.get("/v1/stats").await.body;

    let page = html(&app, "/dashboard").await;

    for (stat, value) in [
        ("products.total", &stats["products"]["total"]),
        ("schemas.tables", &stats["schemas"]["tables"]),
        ("schemas.columns", &stats["schemas"]["columns"]),
        ("health.staleProducts", &stats["health"]["staleProducts"]),
        (
            "health.missing.maintainer",
            &stats["health"]["missing"]["maintainer"],
        ),
        (
            "health.missing.dpiaDecision",
            &stats["health"]["missing"]["dpiaDecision"],
        ),
    ] {
        assert_eq!(figure(&page, stat), value.to_string(), "{stat}");
    }
    assert_eq!(figure(&page, "products.total"), "2");
    assert_eq!(figure(&page, "schemas.columns"), "3");
    // Charts are labelled images with a data table, linking to the filtered list.
    assert!(page.contains(r#"role="img" aria-labelledby="by-group-title""#));
    assert!(page.contains(r#"<figcaption id="by-group-title">"#));
    assert!(page.contains("/dashboard/products?domain=Courts+%26+Tribunals&amp;status=published"));
    assert!(page.contains(r#"<a href="/dashboard/products/prisons">prisons</a>"#));
    assert!(
        page.contains("Not configured."),
        "sync and uploads are not configured"
    );
}

#[tokio::test]
async fn the_product_list_filters_and_pages_by_name() {
    let app = catalogue().await;

    let all = html(&app, "/dashboard/products").await;
    let courts = html(
        &app,
        "/dashboard/products?domain=Courts+%26+Tribunals&status=published",
    )
    .await;

    assert!(all.contains(">courts</a>") && all.contains(">prisons</a>"));
    assert!(courts.contains(">courts</a>") && !courts.contains(">prisons</a>"));
    let mut many = TestApp::new().await;
    for i in 0..51 {
        many.register(&product(&format!("p{i:02}"))).await;
    }
    let first = html(&many, "/dashboard/products").await;
    assert!(
        first.contains(r#"href="/dashboard/products?after=p49" rel="next""#),
        "{first}"
    );
    let second = html(&many, "/dashboard/products?after=p49").await;
    assert!(second.contains(">p50</a>") && !second.contains(">p49</a>"));
    many = TestApp::new().await;
    let empty = html(&many, "/dashboard/products").await;
    assert!(empty.contains("No products match."));
}

#[tokio::test]
async fn the_product_page_explains_each_version_and_shows_the_tables() {
    let app = catalogue().await;

    let page = html(&app, "/dashboard/products/prisons").await;

    assert!(page.contains("<h1>prisons</h1>"));
    assert!(
        page.contains("v2.0 <span class=\"badge\">major: breaking</span>"),
        "{page}"
    );
    assert!(page.contains("Type of <code>category</code>: <code>string</code> → <code>int</code>"));
    assert!(page.contains("v1.1 <span class=\"badge\">minor</span>"));
    assert!(page.contains("Registered the data product."));
    assert!(page.contains(r#"href="/dashboard/products/prisons/diff?from=v1.1&amp;to=v2.0""#));
    assert!(page.contains("<code>reported_at</code>"));
    app.get("/dashboard/products/nothing_here")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_diff_page_compares_any_two_versions_like_the_changes_api() {
    let app = catalogue().await;
    let api = app
        .get("/v1/data-products/dp:prisons/changes?from=v1.0&to=v2.0")
        .await;

    let page = html(&app, "/dashboard/products/prisons/diff?from=v1.0&to=v2.0").await;

    assert_eq!(
        api.body["bump"], "minor",
        "a table created since v1.0 breaks no one"
    );
    assert!(page.contains(r#"data-bump="minor""#), "{page}");
    assert!(page.contains("<code>incidents</code></strong> created"));
    let breaking = html(&app, "/dashboard/products/prisons/diff?from=v1.1&to=v2.0").await;
    assert!(breaking.contains(r#"data-bump="major""#));
    app.get("/dashboard/products/prisons/diff?from=v2.0&to=v1.0")
        .await
        .assert_problem(StatusCode::BAD_REQUEST);
    app.get("/dashboard/products/prisons/diff?from=v1.0&to=v9.0")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_stylesheet_is_served_by_daap() {
    let app = TestApp::new().await;

    let css = app.get("/dashboard/dashboard.css").await;

    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert!(css.text.contains(".tiles"));
}

#[tokio::test]
async fn the_overview_counts_staleness_over_the_days_asked_for() {
    let app = catalogue().await;
    sqlx::query(
        "UPDATE data_products SET updated_at = now() - interval '40 days' WHERE name = 'courts'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query("SELECT stats_rebuild()")
        .execute(&app.pool)
        .await
        .unwrap();

    let default = html(&app, "/dashboard").await;
    let month = html(&app, "/dashboard?staleDays=30").await;

    assert_eq!(figure(&default, "health.staleProducts"), "0");
    assert_eq!(figure(&month, "health.staleProducts"), "1");
    assert!(month.contains("stale (no version for 30 days)"));
    assert!(month.contains(r#"name="staleDays" min="1" max="3650" required value="30""#));
    app.get("/dashboard?staleDays=0")
        .await
        .assert_problem(StatusCode::BAD_REQUEST);
}
