//! `/dashboard/products/{name}/diff?from=&to=`: the net difference between two versions, as
//! the `changes` API computes it, explained for people.

use axum::extract::{Path, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use crate::domain::{DataProductName, Version};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::data_products::changes::diff;
use crate::http::extract::ApiQuery;
use crate::store::products;

use super::layout;
use super::product::{explain, find};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    from: String,
    to: String,
}

fn version(raw: &str, parameter: &str) -> Result<Version, ApiError> {
    raw.parse::<Version>()
        .map_err(|why| ApiError::BadRequest(format!("`{parameter}`: {why}")))
}

pub async fn page(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiQuery(query): ApiQuery<DiffQuery>,
) -> Result<Response, ApiError> {
    let from = version(&query.from, "from")?;
    let to = version(&query.to, "to")?;
    let mut conn = state.pool.acquire().await?;
    let head = find(&mut conn, &name).await?;
    let name = DataProductName::parse(&head.name).map_err(anyhow::Error::msg)?;
    let mut row = async |v: Version| -> Result<products::ProductVersionRow, ApiError> {
        products::find_head(&mut conn, &name, Some(v))
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("dp:{name} has no version {v}")))
    };
    let (from_row, to_row) = (row(from).await?, row(to).await?);
    if from_row.seq > to_row.seq {
        return Err(ApiError::BadRequest(format!(
            "`from` ({from}) must not be after `to` ({to})"
        )));
    }
    let changes = diff(&mut conn, &from_row, &to_row).await?;
    let body = html! {
        p { "From " strong { (from) } " to " strong { (to) } " of "
            a href=(format!("/dashboard/products/{}", head.name)) { "dp:" (head.name) } "." }
        p class="verdict" {
            "For a consumer of " (from) ": "
            strong data-bump=(format!("{:?}", changes.bump()).to_lowercase()) {
                @match changes.bump() {
                    crate::domain::table::ChangeBump::Major => "breaking (major)",
                    crate::domain::table::ChangeBump::Minor => "compatible (minor)",
                    crate::domain::table::ChangeBump::None => "no change",
                }
            }
        }
        @if changes.is_empty() { p { "The two versions are the same." } }
        (explain(&changes))
        p { a href=(format!("/v1/data-products/dp:{}/changes?from={from}&to={to}", head.name)) { "The same as JSON" } }
    };
    Ok(layout::page(&format!("{} {from} → {to}", head.name), body))
}
