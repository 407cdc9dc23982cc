use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, product, product_fields};

fn names(page: &Value) -> Vec<String> {
    page["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Follow `nextLink` from `first` to the end, returning every name and the number of pages.
async fn walk(app: &TestApp, first: &str) -> (Vec<String>, usize) {
    let mut all = Vec::new();
    let mut pages = 0;
    let mut link = Some(first.to_owned());
    while let Some(url) = link {
        let page = app.get(&url).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        all.extend(names(&page.body));
        pages += 1;
        link = page.body["nextLink"].as_str().map(str::to_owned);
        assert!(pages < 100, "pagination does not terminate");
    }
    (all, pages)
}

#[tokio::test]
async fn listing_pages_through_every_product_in_name_order() {
    let app = TestApp::new().await;
    let mut expected: Vec<String> = (0..25).map(|i| format!("product_{i:02}")).collect();
    for name in expected.iter().rev() {
        app.register(&product(name)).await;
    }
    expected.sort();

    let first = app.get("/v1/data-products?limit=10").await;
    assert_eq!(names(&first.body), expected[..10].to_vec());
    assert!(
        first.body["nextLink"]
            .as_str()
            .unwrap()
            .starts_with("/v1/data-products?")
    );

    let (all, pages) = walk(&app, "/v1/data-products?limit=10").await;
    assert_eq!(all, expected);
    assert_eq!(pages, 3);

    let exact = app.get("/v1/data-products?limit=25").await;
    assert_eq!(names(&exact.body).len(), 25);
    assert!(
        exact.body.get("nextLink").is_none(),
        "no nextLink on the last page"
    );
}

#[tokio::test]
async fn listing_shows_the_latest_version_of_each_product() {
    let app = TestApp::new().await;
    app.register(&product("prisons")).await;
    let mut fields = product_fields("prisons");
    fields["description"] = json!("Latest words");
    app.put("/v1/data-products/dp:prisons", &fields).await;
    let page = app.get("/v1/data-products").await;
    assert_eq!(page.body["value"].as_array().unwrap().len(), 1);
    assert_eq!(page.body["value"][0]["version"], "v1.1");
    assert_eq!(page.body["value"][0]["description"], "Latest words");
    assert_eq!(
        page.body["value"][0],
        app.get("/v1/data-products/dp:prisons").await.body
    );
}

#[tokio::test]
async fn an_empty_registry_lists_an_empty_page() {
    let app = TestApp::new().await;
    let page = app.get("/v1/data-products").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body, json!({"value": []}));
}

#[tokio::test]
async fn listing_filters_by_domain_status_owner_and_text_and_keeps_them_across_pages() {
    let app = TestApp::new().await;
    for i in 0..12 {
        let mut body = product(&format!("p{i:02}"));
        body["domain"] = json!(if i % 2 == 0 { "HMPPS" } else { "OPG" });
        body["status"] = json!(if i % 3 == 0 { "published" } else { "draft" });
        body["dataProductOwner"] = json!(if i < 4 {
            "Alice@Justice.gov.uk"
        } else {
            "bob@justice.gov.uk"
        });
        body["description"] = json!(if i == 7 {
            "Court Hearings by day"
        } else {
            "Other data"
        });
        app.register(&body).await;
    }

    let (hmpps, _) = walk(&app, "/v1/data-products?domain=HMPPS&limit=2").await;
    assert_eq!(hmpps, vec!["p00", "p02", "p04", "p06", "p08", "p10"]);
    let (published_opg, _) = walk(
        &app,
        "/v1/data-products?domain=OPG&status=published&limit=1",
    )
    .await;
    assert_eq!(published_opg, vec!["p03", "p09"]);
    let (alice, _) = walk(&app, "/v1/data-products?owner=alice%40justice.gov.uk").await;
    assert_eq!(alice, vec!["p00", "p01", "p02", "p03"]);
    let (hearings, _) = walk(&app, "/v1/data-products?q=HEARINGS").await;
    assert_eq!(hearings, vec!["p07"]);
    let (by_name, _) = walk(&app, "/v1/data-products?q=p1").await;
    assert_eq!(by_name, vec!["p10", "p11"]);
    let (wildcard, _) = walk(&app, "/v1/data-products?q=%25").await;
    assert!(
        wildcard.is_empty(),
        "`%` is matched literally, not as a wildcard"
    );
}

#[tokio::test]
async fn invalid_list_parameters_are_400s() {
    let app = TestApp::new().await;
    for query in [
        "limit=0",
        "limit=1001",
        "limit=ten",
        "status=live",
        "cursor=not-a-cursor",
        "cursor=eyJ2Ijo5LCJrIjoiYSJ9",
        "colour=blue",
    ] {
        app.get(&format!("/v1/data-products?{query}"))
            .await
            .assert_problem(StatusCode::BAD_REQUEST);
    }
    assert_eq!(
        app.get("/v1/data-products?limit=1000").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_unknown_list_parameter_is_named_with_every_parameter_the_lists_take() {
    let app = TestApp::new().await;
    let list = app.get("/v1/data-products?colour=blue").await;
    let detail = list.assert_problem(StatusCode::BAD_REQUEST)["detail"]
        .as_str()
        .unwrap();
    for name in [
        "colour", "domain", "status", "owner", "q", "limit", "cursor",
    ] {
        assert!(detail.contains(&format!("`{name}`")), "{detail}");
    }
    let versions = app
        .get("/v1/data-products/dp:prisons/versions?colour=blue")
        .await;
    let detail = versions.assert_problem(StatusCode::BAD_REQUEST)["detail"]
        .as_str()
        .unwrap();
    for name in ["colour", "limit", "cursor"] {
        assert!(detail.contains(&format!("`{name}`")), "{detail}");
    }
}
