//! The OpenAPI document's top level; paths and schemas are collected from the handlers by
//! `utoipa-axum` as the routes are declared (`http::routes`).

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "daap: Data-as-a-Product API",
        description = "Register data products and their table schemas, versioned automatically. \
                       Errors are RFC 9457 problem documents (`application/problem+json`).",
        license(name = "MIT", identifier = "MIT"),
    ),
    tags(
        (name = "data products", description = "Register, read, update and delete data products"),
        (name = "schemas", description = "Table schemas of data products, versioned by what each change means for consumers"),
        (name = "health", description = "Liveness and readiness"),
    ),
    components(schemas(crate::error::Problem, crate::error::FieldError))
)]
pub struct ApiDoc;
