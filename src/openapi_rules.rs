//! Rules the document states for every operation at once, applied after the routes are
//! collected (`http::routes`): the exact syntax of the headers and cursors every handler
//! shares, rules across the fields of one body, and the links between operations (what a response's ids lead to), which let a
//! client, or a fuzzer's stateful phase, follow a registration to the product's reads and
//! writes.

use serde_json::json;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ObjectBuilder, OpenApi, RefOr, Schema, Type};

use crate::http::data_products::json::optional_version_pattern;

/// `*`, or a comma-separated list of entity tags (`"…"` or `W/"…"`), empty list elements
/// allowed (RFC 9110 §5.6.1): exactly what `http::preconditions::parse_condition` accepts.
pub const ENTITY_TAGS_PATTERN: &str =
    r#"^(\*|[\t ,]*(W/)?"[!#-~]*"([\t ]*,[\t ,]*(W/)?"[!#-~]*")*[\t ,]*)$"#;

/// 1 to 255 printable ASCII characters without `"`, optionally in double quotes (the draft's
/// structured-field string): exactly what `http::idempotency::parse_key` accepts.
pub const IDEMPOTENCY_KEY_PATTERN: &str = r#"^("[ !#-~]{1,255}"|[!#-~]([ !#-~]{0,253}[!#-~])?)$"#;

/// A page cursor: unpadded URL-safe base64, as `http::pagination` issues it (empty: the first
/// page). Only cursors this server issued decode; no pattern can say which those are.
pub const CURSOR_PATTERN: &str = "^[A-Za-z0-9_-]*$";

/// Header and query syntax shared by every operation.
pub struct ExactParameters;

impl utoipa::Modify for ExactParameters {
    fn modify(&self, openapi: &mut OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                for parameter in operation.parameters.iter_mut().flatten() {
                    let RefOr::T(parameter) = parameter else {
                        continue;
                    };
                    let pattern = match (&parameter.parameter_in, parameter.name.as_str()) {
                        (ParameterIn::Header, "If-Match" | "If-None-Match") => {
                            ENTITY_TAGS_PATTERN.to_owned()
                        }
                        (ParameterIn::Header, "Idempotency-Key") => {
                            IDEMPOTENCY_KEY_PATTERN.to_owned()
                        }
                        (ParameterIn::Query, "cursor") => CURSOR_PATTERN.to_owned(),
                        // `GET …/changes?from=&to=`.
                        (ParameterIn::Query, "from" | "to") => optional_version_pattern(),
                        _ => continue,
                    };
                    parameter.schema = Some(RefOr::T(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .pattern(Some(pattern))
                            .into(),
                    ));
                }
            }
        }
    }
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// Rules across fields, which utoipa's attributes cannot state: written as JSON Schema
/// `if`/`then` on the component.
pub struct CrossFieldRules;

impl utoipa::Modify for CrossFieldRules {
    fn modify(&self, openapi: &mut OpenApi) {
        let Some(RefOr::T(Schema::Object(upload))) = openapi
            .components
            .as_mut()
            .and_then(|components| components.schemas.get_mut("UploadRequestBody"))
        else {
            return;
        };
        // A multipart upload needs its size: daap chooses the parts from it
        // (`uploads::request::UploadRequest::parse`).
        let extensions = upload.extensions.get_or_insert_with(Default::default);
        extensions.insert(
            "if".to_owned(),
            json!({"required": ["multipart"], "properties": {"multipart": {"const": true}}}),
        );
        extensions.insert(
            "then".to_owned(),
            json!({"required": ["contentLength"], "properties": {"contentLength": {"type": "integer"}}}),
        );
    }
}

/// What the ids in a creation's answer lead to.
pub struct Links;

/// (operation, status, link name, target operation, its parameters as runtime expressions).
type LinkSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const PRODUCT: &[(&str, &str)] = &[("id", "$response.body#/id")];
const TABLE_OF_PRODUCT: &[(&str, &str)] = &[("id", "{$response.body#/id}:incidents")];
const TABLE: &[(&str, &str)] = &[("id", "$request.path.id")];
const UPLOAD: &[(&str, &str)] = &[
    ("id", "$request.path.id"),
    ("uploadId", "$response.body#/uploadId"),
];

const LINKS: &[LinkSpec] = &[
    (
        "register_data_product",
        "201",
        "GetProduct",
        "get_data_product",
        PRODUCT,
    ),
    (
        "register_data_product",
        "201",
        "UpdateProduct",
        "update_data_product",
        PRODUCT,
    ),
    (
        "register_data_product",
        "201",
        "DeleteProduct",
        "delete_data_product",
        PRODUCT,
    ),
    (
        "register_data_product",
        "201",
        "ProductVersions",
        "list_data_product_versions",
        PRODUCT,
    ),
    (
        "register_data_product",
        "201",
        "ProductChanges",
        "get_data_product_changes",
        PRODUCT,
    ),
    (
        "register_data_product",
        "201",
        "ProductContract",
        "get_data_product_contract",
        PRODUCT,
    ),
    (
        "register_data_product",
        "201",
        "ProductSync",
        "get_data_product_sync",
        PRODUCT,
    ),
    (
        "register_data_product",
        "201",
        "CreateTable",
        "create_schema",
        TABLE_OF_PRODUCT,
    ),
    ("create_schema", "201", "GetTable", "get_schema", TABLE),
    (
        "create_schema",
        "201",
        "ReplaceTable",
        "replace_schema",
        TABLE,
    ),
    (
        "create_schema",
        "201",
        "DeleteTable",
        "delete_schema",
        TABLE,
    ),
    ("create_schema", "201", "ListUploads", "list_uploads", TABLE),
    (
        "create_schema",
        "201",
        "CreateUpload",
        "create_upload",
        TABLE,
    ),
    ("create_upload", "201", "GetUpload", "get_upload", UPLOAD),
    (
        "create_upload",
        "201",
        "AbortUpload",
        "abort_upload",
        UPLOAD,
    ),
    (
        "create_upload",
        "201",
        "CompleteUpload",
        "complete_upload",
        UPLOAD,
    ),
    (
        "create_upload",
        "201",
        "UploadPartUrls",
        "get_upload_part_urls",
        UPLOAD,
    ),
];

impl utoipa::Modify for Links {
    fn modify(&self, openapi: &mut OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                let Some(id) = operation.operation_id.clone() else {
                    continue;
                };
                for (_, status, name, target, parameters) in
                    LINKS.iter().filter(|(source, ..)| *source == id)
                {
                    let Some(RefOr::T(response)) = operation.responses.responses.get_mut(*status)
                    else {
                        continue;
                    };
                    let link = parameters.iter().fold(
                        LinkBuilder::new().operation_id(*target),
                        |link, (parameter, expression)| link.parameter(*parameter, *expression),
                    );
                    response
                        .links
                        .insert((*name).to_owned(), RefOr::T(link.build()));
                }
            }
        }
    }
}
