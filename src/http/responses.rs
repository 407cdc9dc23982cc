//! Error responses that many operations share, declared once for the OpenAPI document.
//!
//! Each set is listed in an operation's `#[utoipa::path(responses(...))]` next to the
//! responses that are particular to it; the document is the same as if every operation spelled
//! the shared ones out.

use std::collections::BTreeMap;

use utoipa::IntoResponses;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

/// `500` and `503`: any operation that uses the database.
pub struct ServerErrors;

impl IntoResponses for ServerErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[(500, "Server error"), (503, "Database unavailable")])
    }
}

/// `413` and `415`: any operation that takes a JSON body.
pub struct BodyErrors;

impl IntoResponses for BodyErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[(413, "Body over the size limit"), (415, "Body is not JSON")])
    }
}

/// `428`: an operation that a deployment can make require `If-Match`.
pub struct IfMatchRequired;

impl IntoResponses for IfMatchRequired {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[(428, "This server requires If-Match and none was sent")])
    }
}

/// Responses whose body is a `Problem` document (`application/problem+json`).
fn problems(list: &[(u16, &str)]) -> BTreeMap<String, RefOr<Response>> {
    list.iter()
        .map(|(status, description)| {
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build();
            let response = ResponseBuilder::new()
                .description(*description)
                .content("application/problem+json", content)
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
}
