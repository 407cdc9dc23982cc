//! `/dashboard/products`: the product list with the list API's filters (domain, status,
//! owner, text, and the statistics' `staleDays` and `missing`, which the overview's tiles link
//! to) and keyset paging by name, through the same store function and the same parsers as the
//! API.

use axum::extract::State;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use crate::domain::{Requirement, Status};
use crate::error::{ApiError, FieldError};
use crate::http::AppState;
use crate::http::extract::ApiQuery;
use crate::http::health_query::{self, MAX_STALE_DAYS};
use crate::store::products::{self, ListFilter};

use super::layout::{self, query_value};

const PAGE_SIZE: usize = 50;

/// The query of the page: the API's filter names, an empty field meaning "any" (as a form
/// submits it), and `after` for the page.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListPageQuery {
    domain: Option<String>,
    status: Option<String>,
    owner: Option<String>,
    q: Option<String>,
    #[serde(rename = "staleDays")]
    stale_days: Option<String>,
    /// Requirement names separated by commas, as the API takes them.
    missing: Option<String>,
    /// The page starts after this name (keyset paging).
    after: Option<String>,
}

impl ListPageQuery {
    /// The filters as (parameter, value), in the order the API documents them, empty ones left
    /// out: what the next page's link and the active filters repeat.
    fn filters(&self) -> Vec<(&'static str, &str)> {
        [
            ("domain", &self.domain),
            ("status", &self.status),
            ("owner", &self.owner),
            ("q", &self.q),
            ("staleDays", &self.stale_days),
            ("missing", &self.missing),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value.as_deref().filter(|v| !v.is_empty())?)))
        .collect()
    }

    /// The store's filter; every bad value is reported at once, each naming its parameter.
    fn filter(&self) -> Result<ListFilter, ApiError> {
        let mut filter = ListFilter::default();
        let mut errors: Vec<FieldError> = Vec::new();
        for (name, value) in self.filters() {
            match name {
                "domain" => filter.domain = Some(value.to_owned()),
                "owner" => filter.owner = Some(value.to_owned()),
                "q" => filter.text = Some(value.to_owned()),
                "status" => match Status::parse(value) {
                    Some(status) => filter.status = Some(status),
                    None => errors.push(FieldError::parameter(
                        "status",
                        "must be draft, published or retired",
                    )),
                },
                "staleDays" => match health_query::stale_days(value) {
                    Ok(days) => filter.stale_days = Some(days),
                    Err(error) => errors.push(error),
                },
                _ => match health_query::missing(value) {
                    Ok(missing) => filter.missing = missing,
                    Err(error) => errors.push(error),
                },
            }
        }
        if errors.is_empty() {
            Ok(filter)
        } else {
            Err(ApiError::InvalidQuery(errors))
        }
    }
}

/// How the pages name a requirement a product lacks (the overview's tiles say the same).
pub fn requirement_label(requirement: Requirement) -> &'static str {
    match requirement {
        Requirement::Maintainer => "without a maintainer",
        Requirement::DpiaDecision => "DPIA required, no decision",
        Requirement::TableDescriptions => "with undescribed tables",
        Requirement::ColumnDescriptions => "with undescribed columns",
    }
}

/// How the pages name staleness after `days` days.
pub fn stale_label(days: i32) -> String {
    format!("stale (no version for {days} days)")
}

pub async fn page(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ListPageQuery>,
) -> Result<Response, ApiError> {
    let filter = query.filter()?;
    let after = query.after.clone().unwrap_or_default();
    let conn = state.pool.acquire().await?;
    let (task_filter, task_after) = (filter.clone(), after.clone());
    let mut rows = conn
        .run_to_completion(move |conn| {
            Box::pin(async move {
                products::list_current(conn, &task_filter, &task_after, PAGE_SIZE as i64 + 1).await
            })
        })
        .await?;
    let more = rows.len() > PAGE_SIZE;
    rows.truncate(PAGE_SIZE);
    let next = more.then(|| {
        let mut link = String::from("/dashboard/products?");
        for (name, value) in query.filters() {
            link.push_str(&format!("{name}={}&", query_value(value)));
        }
        let last = rows.last().map(|r| r.name.as_str()).unwrap_or_default();
        link.push_str(&format!("after={}", query_value(last)));
        link
    });
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let missing = query.missing.as_deref().filter(|m| !m.is_empty());
    let body = html! {
        form method="get" action="/dashboard/products" class="filters" {
            label { "Domain " input type="text" name="domain" value=(value(&query.domain)); }
            label { "Status "
                select name="status" {
                    option value="" { "any" }
                    @for s in Status::ALL {
                        option value=(s.as_str()) selected[filter.status == Some(s)] { (s.as_str()) }
                    }
                }
            }
            label { "Owner " input type="email" name="owner" value=(value(&query.owner)); }
            label { "Text " input type="search" name="q" value=(value(&query.q)); }
            label { "Stale after (days) "
                input type="number" name="staleDays" min="1" max=(MAX_STALE_DAYS)
                    value=(value(&query.stale_days));
            }
            label { "Lacking "
                select name="missing" {
                    option value="" { "nothing in particular" }
                    @for r in Requirement::ALL {
                        option value=(r.as_str()) selected[filter.missing == [r]] { (requirement_label(r)) }
                    }
                    // A combination from a link: kept selected, so filtering again keeps it.
                    @if let Some(missing) = missing.filter(|_| filter.missing.len() > 1) {
                        option value=(missing) selected { (combined(&filter.missing)) }
                    }
                }
            }
            button type="submit" { "Filter" }
        }
        (active_filters(&filter))
        @if rows.is_empty() {
            p { "No products match." }
        } @else {
            table class="products" {
                caption { "Products, by name" @if !after.is_empty() { " (after " (after) ")" } }
                thead { tr {
                    th scope="col" { "Name" } th scope="col" { "Domain" } th scope="col" { "Status" }
                    th scope="col" { "Version" } th scope="col" { "Owner" } th scope="col" { "Updated" }
                } }
                tbody {
                    @for row in &rows {
                        tr {
                            th scope="row" { a href=(format!("/dashboard/products/{}", row.name)) { (row.name) } }
                            td { (row.domain) } td { (row.status.as_str()) }
                            td { (row.version()) } td { (row.data_product_owner) }
                            td { (row.updated_at.date()) }
                        }
                    }
                }
            }
        }
        @if let Some(next) = next {
            p { a href=(next) rel="next" { "Next page" } }
        }
    };
    Ok(layout::page("Products", body))
}

fn combined(missing: &[Requirement]) -> String {
    missing
        .iter()
        .map(|r| requirement_label(*r))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The filters in force, in words, with a way to drop them all: a list reached from an
/// overview tile says what it is a list of.
fn active_filters(filter: &ListFilter) -> Markup {
    let mut active: Vec<(&str, String)> = Vec::new();
    if let Some(domain) = &filter.domain {
        active.push(("domain", format!("domain {domain}")));
    }
    if let Some(status) = filter.status {
        active.push(("status", format!("status {}", status.as_str())));
    }
    if let Some(owner) = &filter.owner {
        active.push(("owner", format!("owned by {owner}")));
    }
    if let Some(text) = &filter.text {
        active.push(("q", format!("containing “{text}”")));
    }
    if let Some(days) = filter.stale_days {
        active.push(("staleDays", stale_label(days)));
    }
    for requirement in &filter.missing {
        active.push(("missing", requirement_label(*requirement).to_owned()));
    }
    html! {
        @if !active.is_empty() {
            div class="active-filters" {
                h2 id="active-filters" { "Active filters" }
                ul aria-labelledby="active-filters" {
                    @for (parameter, words) in &active {
                        li data-filter=(parameter) { (words) }
                    }
                }
                p { a href="/dashboard/products" { "Clear all filters" } }
            }
        }
    }
}
