//! `GET /v1/data-products`: the latest version of every product, a page at a time.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::domain::Status;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::ApiQuery;
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
}

/// List data products
///
/// The latest version of every registered product, ordered by name, a page at a time.
/// Follow `nextLink` until it is absent.
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
    let size = page.size()?;
    let after: String = page.after()?.unwrap_or_default();
    let filter = ListFilter {
        domain: query.domain.clone(),
        status: query.status,
        owner: query.owner.clone(),
        text: query.q.clone().filter(|q| !q.is_empty()),
    };
    let mut conn = state.pool.acquire().await?;
    let mut rows = products::list_current(&mut conn, &filter, &after, i64::from(size) + 1).await?;
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
