//! `GET /v1/data-products`: the latest version of every product, a page at a time.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::domain::{Requirement, Status};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::ApiQuery;
use crate::http::health_query;
use crate::http::pagination::{PageQuery, Paged};
use crate::http::responses::{MalformedCursor, MalformedQuery, Problems, ServerErrors};
use crate::store::products::{self, ListFilter};

use super::json::{DataProduct, DataProductPage};

/// The product list's own query parameters: filters, which combine with AND (the page
/// parameters are [`PageQuery`]).
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only products in this domain (exact match).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Only products with this status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Only products owned by this email (case-insensitive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Only products whose name or description contains this text (case-insensitive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Only stale products: those whose latest version was made on a UTC day at least this
    /// many days before today (1 to 3650). The products `staleProducts` of
    /// `GET /v1/stats?staleDays=` counts.
    #[serde(rename = "staleDays", skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<i32>, minimum = 1, maximum = 3650)]
    pub stale_days: Option<String>,
    /// Only products lacking what the platform requires: one or more of the requirements
    /// counted by `health.missing` of `GET /v1/stats`, separated by commas
    /// (`missing=maintainer,dpiaDecision`: products lacking both).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<Vec<Requirement>>, inline, style = Form, explode = false, min_items = 1)]
    pub missing: Option<String>,
}

impl ListQuery {
    /// The store's filter; every bad value is reported at once, each naming its parameter.
    pub fn filter(&self) -> Result<ListFilter, ApiError> {
        let mut errors = Vec::new();
        let stale_days = self
            .stale_days
            .as_deref()
            .map(health_query::stale_days)
            .transpose()
            .unwrap_or_else(|error| {
                errors.push(error);
                None
            });
        let missing = self
            .missing
            .as_deref()
            .map(health_query::missing)
            .transpose()
            .unwrap_or_else(|error| {
                errors.push(error);
                None
            });
        if !errors.is_empty() {
            return Err(ApiError::InvalidQuery(errors));
        }
        Ok(ListFilter {
            domain: self.domain.clone(),
            status: self.status,
            owner: self.owner.clone(),
            text: self.q.clone().filter(|q| !q.is_empty()),
            stale_days,
            missing: missing.unwrap_or_default(),
        })
    }
}

/// List data products
///
/// The latest version of every registered product, ordered by name, a page at a time.
/// Follow `nextLink` until it is absent. Filters combine with AND; `staleDays` and `missing`
/// list exactly the products that the matching counts of `GET /v1/stats` count.
#[utoipa::path(
    get,
    path = "/v1/data-products",
    operation_id = "list_data_products",
    tag = "data products",
    params(ListQuery, PageQuery),
    responses(
        (status = 200, description = "A page of products", body = DataProductPage),
        Problems<(MalformedQuery, MalformedCursor)>,
        ServerErrors,
    )
)]
pub async fn list_data_products(
    State(state): State<AppState>,
    ApiQuery(Paged {
        filter: query,
        page,
    }): ApiQuery<Paged<ListQuery>>,
) -> Result<Response, ApiError> {
    let filter = query.filter()?;
    let size = page.size()?;
    let after: String = page.after()?.unwrap_or_default();
    let limit = i64::from(size) + 1;
    let conn = state.pool.acquire().await?;
    let mut rows = conn
        .run_to_completion(move |conn| {
            Box::pin(async move { products::list_current(conn, &filter, &after, limit).await })
        })
        .await?;
    let next_link = if rows.len() > size as usize {
        rows.truncate(size as usize);
        let last = rows.last().map(|row| row.name.as_str()).unwrap_or_default();
        Some(page.next_link("/v1/data-products", &query, last)?)
    } else {
        None
    };
    // Serialised here, while the rows it borrows from are alive.
    Ok(Json(DataProductPage {
        value: rows.iter().map(DataProduct::from_row).collect(),
        next_link,
    })
    .into_response())
}
