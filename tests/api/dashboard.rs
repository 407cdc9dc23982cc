//! The dashboard's HTML pages through the real router: the overview shows the numbers of
//! `/v1/stats` and links to the products behind them, the product page explains each version,
//! the diff page compares two versions; all are accessible HTML under the strict CSP, and
//! none is served without sign-in when authentication is on (dashboard_signin.rs).

use axum::http::StatusCode;
use regex::Regex;
use serde_json::json;

use crate::products_list_attention::{attention_catalogue, lacking, stale};
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

/// The overview's tiles that link somewhere: (`/v1/stats` member, link, figure shown).
fn tile_links(page: &str) -> Vec<(String, String, String)> {
    let tile = Regex::new(r#"<a href="([^"]*)"><span class="figure" data-stat="([^"]*)">([^<]*)<"#)
        .unwrap();
    tile.captures_iter(page)
        .map(|c| (c[2].to_owned(), c[1].replace("&amp;", "&"), c[3].to_owned()))
        .collect()
}

/// The product names a list page shows, in order.
fn listed(page: &str) -> Vec<String> {
    let row = Regex::new(r#"<th scope="row"><a href="/dashboard/products/([a-z0-9_]+)">"#).unwrap();
    row.captures_iter(page).map(|c| c[1].to_owned()).collect()
}

#[tokio::test]
async fn every_attention_tile_links_to_the_list_of_exactly_the_products_it_counts() {
    let app = attention_catalogue().await;

    for stale_days in [30, 180, 3650] {
        let overview = html(&app, &format!("/dashboard?staleDays={stale_days}")).await;
        let tiles = tile_links(&overview);
        let mut followed = Vec::new();
        for (stat, href, shown) in &tiles {
            let Some(member) = stat.strip_prefix("health.") else {
                continue;
            };
            let list = html(&app, href).await;
            let names = listed(&list);

            let expected = match member.strip_prefix("missing.") {
                Some(requirement) => {
                    assert_eq!(href, &format!("/dashboard/products?missing={requirement}"));
                    assert!(list.contains(r#"<li data-filter="missing">"#), "{list}");
                    assert!(list.contains(&format!(r#"<option value="{requirement}" selected>"#)));
                    lacking(requirement)
                }
                None => {
                    assert_eq!(member, "staleProducts");
                    assert_eq!(href, &format!("/dashboard/products?staleDays={stale_days}"));
                    assert!(list.contains(&format!(
                        r#"<li data-filter="staleDays">stale (no version for {stale_days} days)</li>"#
                    )));
                    assert!(list.contains(&format!(
                        r#"name="staleDays" min="1" max="3650" value="{stale_days}""#
                    )));
                    stale(stale_days)
                }
            };
            assert_eq!(names, expected, "{href}");
            assert_eq!(shown, &names.len().to_string(), "{stat}");
            followed.push(member.to_owned());
        }
        assert_eq!(
            followed,
            [
                "staleProducts",
                "missing.maintainer",
                "missing.dpiaDecision",
                "missing.tableDescriptions",
                "missing.columnDescriptions"
            ],
            "every attention tile links to its list"
        );
    }
}

#[tokio::test]
async fn the_product_list_pages_keep_the_statistics_filters() {
    let app = TestApp::new().await;
    // `p00` has a maintainer; the other 51 lack one. All last changed 10 days ago.
    let mut maintained = product("p00");
    maintained["dataProductMaintainer"] = json!("sam@justice.gov.uk");
    app.register(&maintained).await;
    for i in 1..52 {
        app.register(&product(&format!("p{i:02}"))).await;
    }
    sqlx::query("UPDATE data_products SET updated_at = now() - interval '10 days'")
        .execute(&app.pool)
        .await
        .unwrap();

    let first = html(&app, "/dashboard/products?staleDays=5&missing=maintainer").await;
    let next =
        r#"href="/dashboard/products?staleDays=5&amp;missing=maintainer&amp;after=p50" rel="next""#;
    let second = html(
        &app,
        "/dashboard/products?staleDays=5&missing=maintainer&after=p50",
    )
    .await;
    let fresh = html(&app, "/dashboard/products?staleDays=11&missing=maintainer").await;
    let blank = html(&app, "/dashboard/products?staleDays=&missing=&domain=").await;

    assert_eq!(listed(&first).len(), 50);
    assert_eq!(listed(&first)[0], "p01", "p00 has a maintainer");
    assert!(first.contains(next), "{first}");
    assert_eq!(listed(&second), ["p51"]);
    assert!(second.contains(r#"<li data-filter="staleDays">"#));
    assert!(second.contains(r#"<li data-filter="missing">without a maintainer</li>"#));
    assert!(fresh.contains("No products match."));
    assert_eq!(listed(&blank).len(), 50, "empty fields filter nothing");
    assert!(!blank.contains("Active filters"));
    for bad in [
        "staleDays=-1",
        "staleDays=soon",
        "missing=owner",
        "status=gone",
    ] {
        let response = app.get(&format!("/dashboard/products?{bad}")).await;
        let problem = response.assert_problem(StatusCode::BAD_REQUEST);
        let parameter = bad.split('=').next().unwrap();
        assert_eq!(problem["errors"][0]["parameter"], parameter, "{bad}");
    }
}

#[tokio::test]
async fn a_product_list_reached_from_a_link_with_combined_requirements_keeps_them() {
    let app = attention_catalogue().await;

    let page = html(&app, "/dashboard/products?missing=maintainer,dpiaDecision").await;

    assert_eq!(listed(&page), ["echo"]);
    assert!(page.contains(
        r#"<option value="maintainer,dpiaDecision" selected>without a maintainer and DPIA required, no decision</option>"#
    ), "{page}");
}

#[tokio::test]
async fn long_chart_labels_are_cut_and_keep_their_full_text_as_a_title() {
    let app = TestApp::new().await;
    let mut long = product("compensation");
    long["domain"] = json!("Criminal Injuries Compensation Authority");
    app.register(&long).await;
    app.register(&product("prisons")).await;

    let page = html(&app, "/dashboard").await;

    let label = Regex::new(
        r#"<text x="0" y="\d+" class="label">(?:<title>([^<]*)</title>)?([^<]*)</text>"#,
    )
    .unwrap();
    let labels: Vec<(Option<String>, String)> = label
        .captures_iter(&page)
        .map(|c| (c.get(1).map(|t| t.as_str().to_owned()), c[2].to_owned()))
        .collect();
    assert!(
        labels.contains(&(
            Some("Criminal Injuries Compensation Authority · draft".to_owned()),
            "Criminal Injuries Com…".to_owned()
        )),
        "{labels:?}"
    );
    assert!(
        labels.contains(&(None, "HMPPS · draft".to_owned())),
        "{labels:?}"
    );
    for (title, shown) in &labels {
        assert_eq!(title.is_some(), shown.ends_with('…'), "{shown}: {title:?}");
    }
}
