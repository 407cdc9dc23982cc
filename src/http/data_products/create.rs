//! `POST /v1/data-products`: register a data product at `v1.0`.

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;

use crate::authz::Action;
use crate::domain::ProductRef;
use crate::domain::product::NewProduct;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::actor::Actor;
use crate::http::extract::JsonBody;
use crate::http::idempotency::IdempotencyKey;
use crate::http::preconditions::if_none_match_star;
use crate::http::responses::{
    BodyErrors, IdempotencyKeyInFlight, IdempotencyKeyReused, IfNoneMatchNameTaken, InvalidFields,
    MalformedIdempotencyKey, MalformedJson, NameTaken, Problems, ServerErrors,
};
use crate::http::write::{self, Applied, ChangeFuture, Effect, Idempotent, VersionWriter};
use crate::store::StoreError;

use super::json::{DataProduct, RegisterDataProduct};
use super::product_response;

/// Register a data product
///
/// Creates the product at version `v1.0`. Every invalid field is reported at once.
#[utoipa::path(
    post,
    path = "/v1/data-products",
    operation_id = "register_data_product",
    tag = "data products",
    params(
        ("Idempotency-Key" = Option<String>, Header, pattern = r#"^"?[ -~]{1,255}"?$"#, description = "Retry safely: a repeat with the same key replays the first response (`x-idempotent-key` also works; without either, a key is derived from the request)"),
        ("If-None-Match" = Option<String>, Header, description = "`*`: answer 412 instead of 409 if the name is taken"),
    ),
    request_body = RegisterDataProduct,
    responses(
        (status = 201, description = "Registered", body = DataProduct,
            headers(("ETag" = String, description = "Entity tag of v1.0"),
                    ("Location" = String, description = "URL of the new product"))),
        Problems<(
            MalformedJson,
            MalformedIdempotencyKey,
            NameTaken,
            IdempotencyKeyInFlight,
            IfNoneMatchNameTaken,
            InvalidFields,
            IdempotencyKeyReused,
        )>,
        BodyErrors,
        ServerErrors,
    )
)]
pub async fn register_data_product(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    actor.authorize(&state, Action::Register, None)?;
    let new = NewProduct::parse(&body, &state.policy)?;
    let key = IdempotencyKey::for_request(&headers, &Method::POST, "/v1/data-products", &body)?;
    let reference = ProductRef {
        name: new.name.clone(),
        version: None,
    };
    let idempotency = Idempotent {
        key: &key,
        resource: ProductRef::product_id(&new.name),
        retention: None,
    };
    let registration = Registration {
        new: &new,
        actor: &actor,
        headers: &headers,
    };
    write::register_product(&state, idempotency, &reference, &registration).await
}

/// One registration, as the client asked for it.
struct Registration<'a> {
    new: &'a NewProduct,
    actor: &'a Actor,
    headers: &'a HeaderMap,
}

impl write::NewProduct for Registration<'_> {
    fn insert<'a>(&'a self, writer: &'a mut VersionWriter<'_>) -> ChangeFuture<'a> {
        Box::pin(async move {
            let row = writer
                .insert_product(&self.new.name, &self.new.fields, self.actor.author())
                .await
                .map_err(|error| match error {
                    StoreError::NameTaken(_) if if_none_match_star(self.headers) => {
                        ApiError::PreconditionFailed {
                            detail: format!("If-None-Match: * failed: {}", ApiError::from(error)),
                            current_etag: None,
                        }
                    }
                    other => other.into(),
                })?;
            Ok(Some(Applied {
                response: product_response(StatusCode::CREATED, &row),
                effect: Effect::Version(row.version()),
            }))
        })
    }
}
