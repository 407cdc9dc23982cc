//! `/dashboard/products`: the product list with the list API's filters (domain, status,
//! owner, text) and keyset paging by name, through the same store function as the API.

use axum::extract::State;
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use crate::domain::Status;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::ApiQuery;
use crate::store::products::{self, ListFilter};

use super::layout::{self, query_value};

const PAGE_SIZE: usize = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListPageQuery {
    domain: Option<String>,
    status: Option<String>,
    owner: Option<String>,
    q: Option<String>,
    /// The page starts after this name (keyset paging).
    after: Option<String>,
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value.clone().filter(|v| !v.is_empty())
}

pub async fn page(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ListPageQuery>,
) -> Result<Response, ApiError> {
    let status = match non_empty(&query.status) {
        None => None,
        Some(raw) => Some(Status::parse(&raw).ok_or_else(|| {
            ApiError::BadRequest("`status` must be draft, published or retired".to_owned())
        })?),
    };
    let filter = ListFilter {
        domain: non_empty(&query.domain),
        status,
        owner: non_empty(&query.owner),
        text: non_empty(&query.q),
    };
    let after = query.after.clone().unwrap_or_default();
    let mut conn = state.pool.acquire().await?;
    let mut rows = products::list_current(&mut conn, &filter, &after, PAGE_SIZE as i64 + 1).await?;
    let more = rows.len() > PAGE_SIZE;
    rows.truncate(PAGE_SIZE);
    let next = more.then(|| {
        let mut link = String::from("/dashboard/products?");
        for (key, value) in [
            ("domain", &filter.domain),
            ("status", &query.status),
            ("owner", &filter.owner),
            ("q", &filter.text),
        ] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                link.push_str(&format!("{key}={}&", query_value(value)));
            }
        }
        let last = rows.last().map(|r| r.name.as_str()).unwrap_or_default();
        link.push_str(&format!("after={}", query_value(last)));
        link
    });
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let body = html! {
        form method="get" action="/dashboard/products" class="filters" {
            label { "Domain " input type="text" name="domain" value=(value(&query.domain)); }
            label { "Status "
                select name="status" {
                    option value="" { "any" }
                    @for s in Status::ALL {
                        option value=(s.as_str()) selected[status == Some(s)] { (s.as_str()) }
                    }
                }
            }
            label { "Owner " input type="email" name="owner" value=(value(&query.owner)); }
            label { "Text " input type="search" name="q" value=(value(&query.q)); }
            button type="submit" { "Filter" }
        }
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
