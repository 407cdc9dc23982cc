//! The product list's statistics filters, `staleDays` and `missing`: each lists exactly the
//! products the matching count of `GET /v1/stats` counts, combines with the other filters,
//! pages by name, and refuses a bad value with a 400 naming the parameter.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, product};

/// The four requirements, as `/v1/stats` names them in `health.missing`.
pub const REQUIREMENTS: [&str; 4] = [
    "maintainer",
    "dpiaDecision",
    "tableDescriptions",
    "columnDescriptions",
];

/// Register `name` with a maintainer or not and a DPIA requirement (`None`: not required;
/// `Some(decided)`), then create `table` (if any), and backdate its latest version by `age`
/// days, as if nothing had changed since.
async fn register(
    app: &TestApp,
    name: &str,
    maintained: bool,
    dpia: Option<bool>,
    table: Option<Value>,
    age: i32,
) {
    let mut body = product(name);
    if maintained {
        body["dataProductMaintainer"] = json!("sam@justice.gov.uk");
        body["dataProductMaintainerDisplayName"] = json!("Sam");
    }
    if let Some(decided) = dpia {
        body["dpiaRequired"] = json!(true);
        if decided {
            body["tags"] = json!({"dpiaLocation": format!("s3://dpia/{name}.pdf")});
        }
    }
    let registered = app.register(&body).await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );
    if let Some(table) = table {
        let created = app
            .post(&format!("/v1/schemas/dp:{name}:things"), &table)
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    }
    sqlx::query(
        "UPDATE data_products SET updated_at = now() - make_interval(days => $2) WHERE name = $1",
    )
    .bind(name)
    .bind(age)
    .execute(&app.pool)
    .await
    .unwrap();
}

/// A table whose own description and whose `amount` column's are given.
fn things(table_description: &str, amount_description: &str) -> Value {
    json!({
        "tableDescription": table_description,
        "columns": [
            {"name": "id", "type": "bigint", "description": "The thing"},
            {"name": "amount", "type": "decimal(10,2)", "description": amount_description}
        ]
    })
}

/// Products that are and are not stale and that lack and do not lack each requirement:
///
/// | product | maintainer | DPIA | table | last version |
/// |---|---|---|---|---|
/// | alpha | no | not required | none | 200 days ago |
/// | bravo | yes | undecided | undescribed table | 30 days ago |
/// | charlie | yes | decided | undescribed column | today |
/// | delta | yes | not required | described | today |
/// | echo | no | undecided | undescribed table and column | 400 days ago |
///
/// and `foxtrot`, like `echo` but 1000 days old, deleted: in no count and no list.
pub async fn attention_catalogue() -> TestApp {
    let app = TestApp::new().await;
    register(&app, "alpha", false, None, None, 200).await;
    register(
        &app,
        "bravo",
        true,
        Some(false),
        Some(things("", "Pence")),
        30,
    )
    .await;
    register(&app, "charlie", true, Some(true), Some(things("T", "")), 0).await;
    register(&app, "delta", true, None, Some(things("T", "Pence")), 0).await;
    register(&app, "echo", false, Some(false), Some(things("", "")), 400).await;
    register(
        &app,
        "foxtrot",
        false,
        Some(false),
        Some(things("", "")),
        1000,
    )
    .await;
    let deleted = app.delete("/v1/data-products/dp:foxtrot").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    app
}

/// The products of [`attention_catalogue`] lacking `requirement`.
pub fn lacking(requirement: &str) -> Vec<&'static str> {
    match requirement {
        "maintainer" => vec!["alpha", "echo"],
        "dpiaDecision" => vec!["bravo", "echo"],
        "tableDescriptions" => vec!["bravo", "echo"],
        "columnDescriptions" => vec!["charlie", "echo"],
        other => panic!("no requirement {other}"),
    }
}

/// The products of [`attention_catalogue`] stale after `days` days.
pub fn stale(days: i32) -> Vec<&'static str> {
    [("alpha", 200), ("bravo", 30), ("echo", 400)]
        .into_iter()
        .filter(|(_, age)| *age >= days)
        .map(|(name, _)| name)
        .collect()
}

/// The parameters of a relative URL, decoded.
fn parameters(url: &str) -> Vec<(String, String)> {
    let query = url
        .split_once('?')
        .map(|(_, query)| query)
        .unwrap_or_default();
    serde_urlencoded::from_str(query).unwrap()
}

/// Every product name of the list from `first`, following `nextLink` to the end, checking
/// that each link keeps the parameters of `first`.
async fn walk(app: &TestApp, first: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut link = Some(first.to_owned());
    while let Some(url) = link {
        let page = app.get(&url).await;
        assert_eq!(page.status, StatusCode::OK, "{url}: {}", page.text);
        for product in page.body["value"].as_array().unwrap() {
            names.push(product["name"].as_str().unwrap().to_owned());
        }
        link = page.body["nextLink"].as_str().map(str::to_owned);
        if let Some(next) = &link {
            let kept = parameters(next);
            for parameter in parameters(first) {
                assert!(kept.contains(&parameter), "{next} keeps {parameter:?}");
            }
        }
        assert!(names.len() < 100, "pagination does not terminate");
    }
    names
}

async fn health(app: &TestApp, stale_days: i32) -> Value {
    let stats = app
        .get(&format!("/v1/stats?section=health&staleDays={stale_days}"))
        .await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.text);
    stats.body["health"].clone()
}

#[tokio::test]
async fn the_stale_days_filter_lists_exactly_the_products_stale_products_counts() {
    let app = attention_catalogue().await;

    for days in [1, 30, 31, 180, 365, 400, 3650] {
        let counted = health(&app, days).await["staleProducts"].clone();
        // One product a page, so that every product is reached through a cursor.
        let listed = walk(&app, &format!("/v1/data-products?staleDays={days}&limit=1")).await;

        assert_eq!(json!(listed.len()), counted, "staleDays={days}");
        assert_eq!(listed, stale(days), "staleDays={days}");
    }
}

#[tokio::test]
async fn the_missing_filter_lists_exactly_the_products_each_missing_count_counts() {
    let app = attention_catalogue().await;
    let missing = health(&app, 180).await["missing"].clone();

    for requirement in REQUIREMENTS {
        let listed = walk(
            &app,
            &format!("/v1/data-products?missing={requirement}&limit=1"),
        )
        .await;

        assert_eq!(json!(listed.len()), missing[requirement], "{requirement}");
        assert_eq!(listed, lacking(requirement), "{requirement}");
    }
}

#[tokio::test]
async fn the_filters_follow_every_kind_of_write_as_the_counts_do() {
    let app = attention_catalogue().await;
    // Give `echo` a maintainer and describe its table: a new version, so no longer stale.
    let mut echo = product("echo");
    echo.as_object_mut().unwrap().remove("name");
    echo["dataProductMaintainer"] = json!("sam@justice.gov.uk");
    echo["dpiaRequired"] = json!(true);
    let updated = app.put("/v1/data-products/dp:echo", &echo).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    let described = app
        .put("/v1/schemas/dp:echo:things", &things("T", "Pence"))
        .await;
    assert!(described.status.is_success(), "{}", described.text);

    let health = health(&app, 30).await;

    for requirement in REQUIREMENTS {
        let listed = walk(&app, &format!("/v1/data-products?missing={requirement}")).await;
        let expected: Vec<&str> = lacking(requirement)
            .into_iter()
            .filter(|name| *name != "echo" || requirement == "dpiaDecision")
            .collect();
        assert_eq!(listed, expected, "{requirement}");
        assert_eq!(json!(listed.len()), health["missing"][requirement]);
    }
    let listed = walk(&app, "/v1/data-products?staleDays=30").await;
    assert_eq!(listed, ["alpha", "bravo"]);
    assert_eq!(json!(listed.len()), health["staleProducts"]);
}

#[tokio::test]
async fn the_filters_combine_with_each_other_and_the_other_filters() {
    let app = attention_catalogue().await;
    let mut other = product("golf");
    other["domain"] = json!("LAA");
    app.register(&other).await;

    for (query, expected) in [
        ("missing=maintainer,dpiaDecision", vec!["echo"]),
        ("missing=dpiaDecision,maintainer,dpiaDecision", vec!["echo"]),
        ("missing=tableDescriptions&staleDays=31", vec!["echo"]),
        ("missing=dpiaDecision&staleDays=30", vec!["bravo", "echo"]),
        ("missing=maintainer", vec!["alpha", "echo", "golf"]),
        ("missing=maintainer&domain=LAA", vec!["golf"]),
        (
            "missing=maintainer&domain=HMPPS&staleDays=180",
            vec!["alpha", "echo"],
        ),
        ("missing=maintainer&q=ech", vec!["echo"]),
        ("staleDays=30&status=published", vec![]),
        (
            "missing=maintainer,dpiaDecision,tableDescriptions,columnDescriptions",
            vec!["echo"],
        ),
    ] {
        let listed = walk(&app, &format!("/v1/data-products?{query}&limit=1")).await;
        assert_eq!(listed, expected, "{query}");
    }
}

#[tokio::test]
async fn bad_stale_days_and_missing_values_are_400s_naming_the_parameter() {
    let app = TestApp::new().await;

    for (query, parameter) in [
        ("staleDays=-1", "staleDays"),
        ("staleDays=0", "staleDays"),
        ("staleDays=3651", "staleDays"),
        ("staleDays=soon", "staleDays"),
        ("staleDays=", "staleDays"),
        ("staleDays=1.5", "staleDays"),
        ("missing=owner", "missing"),
        ("missing=Maintainer", "missing"),
        ("missing=", "missing"),
        ("missing=maintainer,,dpiaDecision", "missing"),
        ("missing=maintainer%20", "missing"),
    ] {
        let response = app.get(&format!("/v1/data-products?{query}")).await;

        let problem = response.assert_problem(StatusCode::BAD_REQUEST);
        assert_eq!(problem["type"], "urn:daap:problem:bad-request", "{query}");
        assert_eq!(
            problem["errors"],
            json!([{"parameter": parameter, "detail": problem["errors"][0]["detail"]}]),
            "{query}"
        );
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .starts_with(&format!("`{parameter}`: ")),
            "{query}: {problem}"
        );
    }
    let both = app
        .get("/v1/data-products?staleDays=-1&missing=owner")
        .await;
    let problem = both.assert_problem(StatusCode::BAD_REQUEST);
    let parameters: Vec<&Value> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| &error["parameter"])
        .collect();
    assert_eq!(parameters, [&json!("staleDays"), &json!("missing")]);
    let owner = both.body["errors"][1]["detail"].as_str().unwrap();
    assert!(
        owner.contains("maintainer, dpiaDecision, tableDescriptions or columnDescriptions"),
        "{owner}"
    );
    // Like every filter, a parameter is given once (a list is comma-separated).
    app.get("/v1/data-products?missing=maintainer&missing=dpiaDecision")
        .await
        .assert_problem(StatusCode::BAD_REQUEST);
    // `/v1/stats` refuses a bad `staleDays` in the same words.
    let stats = app.get("/v1/stats?staleDays=-1").await;
    assert_eq!(
        stats.assert_problem(StatusCode::BAD_REQUEST)["errors"],
        json!([problem["errors"][0]])
    );
}
