//! `/dashboard`: the figures of `/v1/stats` as tiles and charts, each linking to the products
//! behind it (the "Needs attention" tiles to the product list filtered by `staleDays` or
//! `missing`, which lists exactly the products counted). It reads exactly what `/v1/stats` reads ([`crate::http::stats::read`]), so the
//! page and the API cannot disagree.

use axum::extract::State;
use axum::response::Response;
use maud::{Markup, html};

use crate::domain::Requirement;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::ApiQuery;
use crate::http::stats::{self, ProductActivity, Stats, StatsQuery};

use super::charts::{self, Bar};
use super::layout::{self, number, query_value};
use super::products::{requirement_label, stale_label};

pub async fn page(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<StatsQuery>,
) -> Result<Response, ApiError> {
    let query = StatsQuery {
        section: None,
        ..query
    };
    let stats = stats::read(&state, &query).await?;
    Ok(layout::page("Platform overview", body(&stats)))
}

fn tile(id: &str, label: &str, value: i64, href: Option<&str>) -> Markup {
    html! {
        li class="tile" {
            @if let Some(href) = href {
                a href=(href) {
                    span class="figure" data-stat=(id) { (number(value)) }
                    span class="caption" { (label) }
                }
            } @else {
                span class="figure" data-stat=(id) { (number(value)) }
                span class="caption" { (label) }
            }
        }
    }
}

fn body(stats: &Stats) -> Markup {
    let (Some(products), Some(schemas), Some(changes), Some(health)) = (
        &stats.products,
        &stats.schemas,
        &stats.changes,
        &stats.health,
    ) else {
        return html! {};
    };
    let by_group: Vec<Bar> = products
        .by_domain_and_status
        .iter()
        .map(|g| Bar {
            label: format!("{} · {}", g.domain, g.status.as_str()),
            value: g.products,
            href: Some(format!(
                "/dashboard/products?domain={}&status={}",
                query_value(&g.domain),
                g.status.as_str()
            )),
        })
        .collect();
    let types: Vec<Bar> = schemas
        .column_types
        .iter()
        .map(|t| Bar {
            label: t.r#type.clone(),
            value: t.columns,
            href: None,
        })
        .collect();
    let majors: Vec<Bar> = changes
        .major_by_domain
        .iter()
        .map(|d| Bar {
            label: d.domain.clone(),
            value: d.major_versions,
            href: Some(format!(
                "/dashboard/products?domain={}",
                query_value(&d.domain)
            )),
        })
        .collect();
    let weeks: Vec<(String, [i64; 3])> = changes
        .weekly
        .iter()
        .map(|w| (w.week.clone(), [w.registrations, w.minor, w.major]))
        .collect();
    let missing = &health.missing;
    html! {
        p class="generated" { "Figures as of " (stats.generated_at.date()) " (UTC), the same as " a href="/v1/stats" { code { "/v1/stats" } } "." }
        section aria-labelledby="catalogue" {
            h2 id="catalogue" { "Catalogue" }
            ul class="tiles" {
                (tile("products.total", "live products", products.total, Some("/dashboard/products")))
                (tile("schemas.tables", "tables in latest versions", schemas.tables, None))
                (tile("schemas.columns", "columns in latest versions", schemas.columns, None))
            }
            div class="charts" {
                (charts::bars("by-group", "Products by domain and status", "products", &by_group))
                (charts::bars("types", "Column types in use", "columns", &types))
            }
        }
        section aria-labelledby="attention" {
            h2 id="attention" { "Needs attention" }
            ul class="tiles" {
                (tile("health.staleProducts", &stale_label(health.stale_days), health.stale_products,
                    Some(&format!("/dashboard/products?staleDays={}", health.stale_days))))
                @for requirement in Requirement::ALL {
                    (tile(&format!("health.missing.{}", requirement.as_str()), requirement_label(requirement),
                        missing.products(requirement),
                        Some(&format!("/dashboard/products?missing={}", requirement.as_str()))))
                }
            }
            (activity_list("stalest", "Stalest products", &health.stalest))
            form method="get" action="/dashboard" class="filters" {
                label { "Stale after (days)"
                    input type="number" name="staleDays" min="1" max="3650" required
                        value=(health.stale_days);
                }
                button type="submit" { "Update" }
            }
        }
        section aria-labelledby="change" {
            h2 id="change" { "Change" }
            div class="charts" {
                (charts::weekly("weekly", "Versions made per week, last 26 weeks", &weeks))
                (charts::bars("majors", "Breaking (major) versions per domain", "major versions", &majors))
            }
            (activity_list("most-changed", "Changed most often", &changes.most_changed))
        }
        section aria-labelledby="operations" {
            h2 id="operations" { "Sync and uploads" }
            @if let Some(sync) = &stats.sync {
                h3 { "Catalogue sync" }
                @if !sync.configured {
                    p class="muted" { "Not configured." }
                } @else {
                    table {
                        thead { tr {
                            th scope="col" { "Target" } th scope="col" class="num" { "Pending" }
                            th scope="col" class="num" { "Failing" } th scope="col" class="num" { "Parked" }
                            th scope="col" class="num" { "Oldest pending (s)" }
                        } }
                        tbody { @for t in &sync.targets { tr {
                            th scope="row" { (t.target) } td class="num" { (t.pending_products) }
                            td class="num" { (t.failing_products) } td class="num" { (t.parked_products) }
                            td class="num" { (t.oldest_pending_age_seconds.round()) }
                        } } }
                    }
                }
            }
            @if let Some(uploads) = &stats.uploads {
                h3 { "Uploads, last 30 days" }
                @if !uploads.configured {
                    p class="muted" { "Not configured." }
                }
                @let days: Vec<Bar> = uploads.daily.iter().filter(|d| d.issued + d.received + d.expired + d.aborted > 0)
                    .map(|d| Bar { label: d.day.clone(), value: d.issued + d.received + d.expired + d.aborted, href: None }).collect();
                (charts::bars("uploads", "Uploads issued per day (days with uploads)", "uploads", &days))
            }
        }
    }
}

fn activity_list(id: &str, title: &str, products: &[ProductActivity]) -> Markup {
    html! {
        h3 id=(id) { (title) }
        @if products.is_empty() {
            p class="muted" { "None." }
        } @else {
            ol aria-labelledby=(id) {
                @for p in products {
                    li {
                        a href=(format!("/dashboard/products/{}", p.name)) { (p.name) }
                        " (" (p.domain) "): " (p.changes) " changes, last on " (p.last_change.date())
                    }
                }
            }
        }
    }
}
