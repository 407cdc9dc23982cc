//! The parameters of the OpenAPI document say what the server accepts: the `{id}` patterns
//! match exactly the ids `ProductRef::parse` and `TableRef::parse` accept, and both lists take
//! the same page parameters, with the server's page size limit.

use daap::domain::{ProductRef, TableRef};
use daap::http::pagination::MAX_PAGE_SIZE;
use regex::Regex;
use serde_json::{Value, json};

/// Every operation's parameter called `name`, as (operation, parameter).
fn parameters<'a>(document: &'a Value, name: &str) -> Vec<(String, &'a Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let list = operation["parameters"].as_array().map(Vec::as_slice);
            for parameter in list.unwrap_or_default() {
                if parameter["name"] == name {
                    found.push((format!("{method} {path}"), parameter));
                }
            }
        }
    }
    found
}

/// The one pattern every `{id}` of the paths under `prefix` declares.
fn id_pattern(document: &Value, prefix: &str) -> Regex {
    let patterns: Vec<&str> = parameters(document, "id")
        .into_iter()
        .filter(|(operation, _)| operation.split(' ').nth(1).unwrap().starts_with(prefix))
        .map(|(operation, parameter)| {
            assert_eq!(parameter["in"], "path", "{operation}");
            assert_eq!(parameter["required"], true, "{operation}");
            parameter["schema"]["pattern"].as_str().unwrap()
        })
        .collect();
    assert!(patterns.len() >= 4, "{prefix}: {patterns:?}");
    assert!(
        patterns.iter().all(|pattern| *pattern == patterns[0]),
        "{prefix}: one pattern for every id: {patterns:?}"
    );
    Regex::new(patterns[0]).expect("the pattern is a regular expression")
}

/// Numbers around every boundary of a 32-bit version number: `i32::MAX` with each digit in
/// turn replaced by every other digit and the rest all `0` or all `9`, their neighbours, and
/// spellings with a leading zero or too many digits.
fn version_numbers() -> Vec<String> {
    let max = i32::MAX.to_string();
    let mut numbers = vec![
        "0".to_owned(),
        "1".to_owned(),
        "9".to_owned(),
        "10".to_owned(),
    ];
    for position in 0..max.len() {
        for digit in '0'..='9' {
            for fill in ['0', '9'] {
                let rest = fill.to_string().repeat(max.len() - position - 1);
                let number = format!("{}{digit}{rest}", &max[..position]);
                numbers.push(number.trim_start_matches('0').to_owned());
                numbers.push(number);
            }
        }
    }
    for delta in [-2_i64, -1, 0, 1, 2] {
        numbers.push((i64::from(i32::MAX) + delta).to_string());
    }
    numbers.extend(["", "00", "01", "99999999999", "-1", "+1", "1e3", "١"].map(str::to_owned));
    numbers
}

fn versions() -> Vec<String> {
    let mut versions = Vec::new();
    for number in version_numbers() {
        versions.push(format!("v{number}.0"));
        versions.push(format!("v1.{number}"));
    }
    let odd = [
        "v1", "v1.", "v.1", "V1.0", "1.0", "v1x0", "v1\\.0", "v1.0.0", "v 1.0", "v1.0 ",
    ];
    versions.extend(odd.map(str::to_owned));
    versions
}

fn names(max_len: usize) -> Vec<String> {
    let mut names: Vec<String> = [
        "a",
        "hmpps_use_of_force",
        "a1_",
        "z9",
        "_a",
        "1a",
        "A",
        "aB",
        "a-b",
        "a b",
        "a.b",
        "é",
        "a:b",
        "",
    ]
    .map(str::to_owned)
    .to_vec();
    names.push("a".repeat(max_len));
    names.push("a".repeat(max_len + 1));
    names.push(format!("b{}", "_".repeat(max_len - 1)));
    names
}

#[test]
fn the_id_patterns_accept_exactly_the_ids_the_parsers_accept() {
    let document = serde_json::to_value(daap::http::openapi()).unwrap();
    let product_pattern = id_pattern(&document, "/v1/data-products/");
    let table_pattern = id_pattern(&document, "/v1/schemas/");
    let product_names = names(daap::domain::name::MAX_NAME_LEN);
    let table_names = names(daap::domain::table::MAX_TABLE_NAME_LEN);
    let mut versions: Vec<Option<String>> = versions().into_iter().map(Some).collect();
    versions.push(None);
    let mut ids = vec![
        "dp:".to_owned(),
        "dp".to_owned(),
        "DP:a".to_owned(),
        "xp:a".to_owned(),
        " dp:a".to_owned(),
        "dp:a\n".to_owned(),
        "dp:a:".to_owned(),
        "dp:a::t".to_owned(),
        "dp:a:v1.0:t:u".to_owned(),
        "dp:a:t:v1.0".to_owned(),
    ];
    // Every name with every version; then tables: every table name in a few products, and one
    // table in every product id.
    let mut products = Vec::new();
    for name in &product_names {
        for version in &versions {
            products.push(match version {
                Some(version) => format!("dp:{name}:{version}"),
                None => format!("dp:{name}"),
            });
        }
    }
    for product in ["dp:a", "dp:a:v1.0", "dp:a:v2147483647.3", "dp:A", "dp:a:v1"] {
        for table in &table_names {
            ids.push(format!("{product}:{table}"));
        }
    }
    for product in &products {
        ids.push(format!("{product}:incidents"));
    }
    ids.extend(products);
    let (mut valid_products, mut valid_tables) = (0, 0);
    for id in &ids {
        let product = ProductRef::parse(id).is_ok();
        assert_eq!(product_pattern.is_match(id), product, "product id {id:?}");
        let table = TableRef::parse(id).is_ok();
        assert_eq!(table_pattern.is_match(id), table, "table id {id:?}");
        valid_products += usize::from(product);
        valid_tables += usize::from(table);
    }
    // Both kinds of id, valid and not, were tried in numbers.
    assert!(valid_products > 100, "{valid_products}");
    assert!(valid_tables > 100, "{valid_tables}");
    assert!(
        ids.len() > 2 * (valid_products + valid_tables),
        "{}",
        ids.len()
    );
}

#[test]
fn every_list_takes_the_same_page_parameters_with_the_servers_page_size_limit() {
    let document = serde_json::to_value(daap::http::openapi()).unwrap();
    for name in ["limit", "cursor"] {
        let found = parameters(&document, name);
        let operations: Vec<&str> = found.iter().map(|(op, _)| op.as_str()).collect();
        assert_eq!(
            operations,
            [
                "get /v1/data-products",
                "get /v1/data-products/{id}/versions",
                "get /v1/schemas/{id}/uploads"
            ]
        );
        for (operation, parameter) in &found[1..] {
            assert_eq!(
                parameter, &found[0].1,
                "`{name}` of {operation} is declared once"
            );
        }
        assert_eq!(found[0].1["in"], "query");
    }
    let limit = &parameters(&document, "limit")[0].1["schema"];
    assert_eq!(limit["minimum"], json!(1));
    assert_eq!(limit["maximum"], json!(MAX_PAGE_SIZE));
}

#[test]
fn the_statistics_filters_are_documented_as_the_server_accepts_them() {
    let document = serde_json::to_value(daap::http::openapi()).unwrap();
    // `staleDays`: the same whole days, 1 to 3650, on the list and in the statistics.
    let stale = parameters(&document, "staleDays");
    let operations: Vec<&str> = stale.iter().map(|(op, _)| op.as_str()).collect();
    assert_eq!(operations, ["get /v1/data-products", "get /v1/stats"]);
    for (operation, parameter) in &stale {
        assert_eq!(parameter["in"], "query", "{operation}");
        let schema = &parameter["schema"];
        assert_eq!(schema["minimum"], json!(1), "{operation}");
        assert_eq!(
            schema["maximum"],
            json!(daap::http::health_query::MAX_STALE_DAYS),
            "{operation}"
        );
        assert!(schema["type"].to_string().contains("integer"), "{schema}");
    }
    // `missing`: a comma-separated list of exactly the names `health.missing` counts under.
    let missing = parameters(&document, "missing");
    assert_eq!(missing.len(), 1);
    let (_, parameter) = &missing[0];
    assert_eq!(parameter["in"], "query");
    assert_eq!(parameter["style"], "form");
    assert_eq!(parameter["explode"], false);
    let items = &parameter["schema"]["items"];
    let items = match items.get("$ref") {
        Some(reference) => {
            let name = reference.as_str().unwrap().rsplit('/').next().unwrap();
            &document["components"]["schemas"][name]
        }
        None => items,
    };
    let accepted: Vec<&str> = daap::domain::Requirement::ALL
        .iter()
        .map(|r| r.as_str())
        .collect();
    assert_eq!(items["enum"], json!(accepted));
    let counted: Vec<&String> =
        document["components"]["schemas"]["MissingRequirements"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
    let mut sorted = accepted.clone();
    sorted.sort();
    let mut counted: Vec<&str> = counted.iter().map(|k| k.as_str()).collect();
    counted.sort();
    assert_eq!(
        counted, sorted,
        "the filter takes the names the counts have"
    );
}
