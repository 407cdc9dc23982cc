//! `GET /v1/data-products/{id}/contract`: a product version in an open standard, Bitol ODCS
//! (its tables as a data contract, the default) or ODPS (the product), as JSON or YAML.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::header::{ACCEPT, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::contracts::{self, Format, Snapshot};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::ApiQuery;
use crate::http::responses::{
    MalformedId, MalformedQuery, NoSuchProduct, NoSuchVersion, Problems, ServerErrors,
};
use crate::store::tables;

use super::json::ProductIdParam;
use super::{parse_id, require_product};

/// The media type of YAML (RFC 9512).
const YAML: &str = "application/yaml";

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContractQuery {
    /// `odcs` (default): Bitol Open Data Contract Standard v3.2.0, the product's tables;
    /// `odps`: Bitol Open Data Product Standard v1.0.0, the product.
    #[param(inline)]
    pub format: Option<Format>,
}

/// Export a data product in an open standard
///
/// The product version as a Bitol Open Data Contract Standard (ODCS v3.2.0) contract, one
/// schema object per table with each column's Athena type as `physicalType` and its ODCS
/// `logicalType`; or as a Bitol Open Data Product Standard (ODPS v1.0.0) document. JSON, or
/// YAML with `Accept: application/yaml`. `dp:<name>:v<M>.<m>` exports that version.
/// Importing the document gives back the product's request bodies unchanged (see
/// `docs/contracts.md`).
#[utoipa::path(
    get,
    path = "/v1/data-products/{id}/contract",
    operation_id = "get_data_product_contract",
    tag = "data products",
    params(
        ProductIdParam,
        ContractQuery,
        ("Accept" = Option<String>, Header, description = "`application/yaml` for YAML; JSON otherwise"),
    ),
    responses(
        (status = 200, description = "The ODCS or ODPS document",
            content(
                (serde_json::Value = "application/json"),
                (String = "application/yaml"),
            ),
            headers(("Vary" = String, description = "`Accept`: JSON or YAML"))),
        Problems<(MalformedId, MalformedQuery, NoSuchProduct, NoSuchVersion)>,
        ServerErrors,
    )
)]
pub async fn get_data_product_contract(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ContractQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let reference = parse_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    let row = require_product(&mut conn, &reference).await?;
    let tables = tables::tables_at(&mut conn, row.product_id, row.seq).await?;
    drop(conn);
    let snapshot = Snapshot {
        name: row.name.clone(),
        version: row.version(),
        fields: row.fields(),
        tables: tables
            .iter()
            .map(|table| (table.table_name.clone(), table.schema()))
            .collect::<BTreeMap<_, _>>(),
    };
    let document = contracts::export(query.format.unwrap_or_default(), &snapshot);
    let (media_type, body) = if wants_yaml(&headers) {
        let yaml = serde_norway::to_string(&document)
            .map_err(|error| ApiError::Internal(anyhow::anyhow!("YAML output: {error}")))?;
        (YAML, yaml)
    } else {
        (
            "application/json",
            serde_json::to_string(&document)
                .map_err(|error| ApiError::Internal(anyhow::anyhow!("JSON output: {error}")))?,
        )
    };
    Ok((
        StatusCode::OK,
        [(CONTENT_TYPE, media_type), (VARY, "accept")],
        body,
    )
        .into_response())
}

/// Whether the first JSON or YAML media type the `Accept` header lists is YAML
/// (`application/yaml`, or the older `application/x-yaml` and `text/yaml`). Anything else,
/// `*/*` or no header answers JSON, the API's default.
fn wants_yaml(headers: &HeaderMap) -> bool {
    let accepted = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|range| {
            range
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    for media_type in accepted {
        match media_type.as_str() {
            "application/yaml" | "application/x-yaml" | "text/yaml" => return true,
            "application/json" => return false,
            _ => {}
        }
    }
    false
}
