//! The OpenAPI document's top level, and how Swagger UI signs users in; paths and schemas are
//! collected from the handlers by `utoipa-axum` as the routes are declared (`http::routes`).
//!
//! Nothing here depends on the HTTP layer: `http` uses this module, never the reverse.

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
        (name = "sync", description = "Delivery of every change to the Glue and DataHub catalogues"),
        (name = "statistics", description = "Platform statistics: what the catalogue holds, how it changes, and what needs attention"),
        (name = "health", description = "Liveness and readiness"),
        (name = "uploads", description = "Presigned uploads of CSV files into a table's landing area, and their records"),
    ),
    components(schemas(crate::error::Problem, crate::error::FieldError))
)]
pub struct ApiDoc;

/// How Swagger UI at `/docs` signs users in.
#[derive(Debug, Clone, Default)]
pub struct DocsSettings {
    pub sign_in: Option<DocsSignIn>,
}

/// The authorization-code flow with PKCE, for a single-page app registration: no client
/// secret ever reaches the browser.
#[derive(Debug, Clone)]
pub struct DocsSignIn {
    /// Client id of the UI's app registration.
    pub client_id: String,
    /// Scopes to ask for, e.g. `api://<API client id>/user_impersonation`.
    pub scopes: Vec<String>,
    /// Base of the `/authorize` and `/token` endpoints, e.g.
    /// `https://login.microsoftonline.com/<tenant>/oauth2/v2.0`.
    pub authority: Option<String>,
}

/// Adds bearer-token security to every `/v1` operation, with the 401 and 403 answers that come
/// with it, so the document says what the middleware enforces. Applied once the routes are
/// collected (`http::routes`).
pub struct BearerSecurity;

impl utoipa::Modify for BearerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        };
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};

        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token for the API from Microsoft Entra ID (or the configured OpenID Connect provider).",
                    ))
                    .build(),
            ),
        );
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    crate::error::PROBLEM_JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/v1/") {
                continue;
            }
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                operation.security = Some(vec![SecurityRequirement::new(
                    "bearer",
                    Vec::<String>::new(),
                )]);
                let responses = &mut operation.responses.responses;
                responses.insert(
                    "401".to_owned(),
                    problem("No valid bearer token (`WWW-Authenticate` says why)").into(),
                );
                responses.insert(
                    "403".to_owned(),
                    problem(
                        "The caller lacks the role, or is not the product's owner or maintainer",
                    )
                    .into(),
                );
            }
        }
    }
}

/// Describe Swagger UI's sign-in (authorization code with PKCE) in the served document.
pub fn add_sign_in(openapi: &mut utoipa::openapi::OpenApi, sign_in: &DocsSignIn) {
    use utoipa::openapi::security::{
        AuthorizationCode, Flow, OAuth2, Scopes, SecurityRequirement, SecurityScheme,
    };
    let Some(authority) = &sign_in.authority else {
        return;
    };
    let scopes = Scopes::from_iter(
        sign_in
            .scopes
            .iter()
            .map(|scope| (scope.clone(), "Use the daap API".to_owned())),
    );
    let flow = AuthorizationCode::new(
        format!("{authority}/authorize"),
        format!("{authority}/token"),
        scopes,
    );
    openapi
        .components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
            "entra",
            SecurityScheme::OAuth2(OAuth2::new([Flow::AuthorizationCode(flow)])),
        );
    // Either a pasted bearer token or Swagger UI's own sign-in satisfies an operation.
    for item in openapi.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            if let Some(security) = &mut operation.security {
                security.push(SecurityRequirement::new("entra", sign_in.scopes.clone()));
            }
        }
    }
}
