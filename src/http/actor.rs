//! Who is making a request: the caller the authentication middleware established, and the
//! author recorded on the versions and deletions it makes.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::authz::{Action, Caller};
use crate::domain::Author;
use crate::domain::Ownership;
use crate::error::ApiError;
use crate::http::AppState;

/// The caller of a request. `Anonymous` unless authentication is configured.
#[derive(Debug, Clone)]
pub struct Actor {
    caller: Caller,
    author: Author,
}

impl Actor {
    pub fn new(caller: Caller) -> Self {
        let author = match &caller {
            Caller::Anonymous => Author::anonymous(),
            Caller::Authenticated(principal) => Author {
                id: principal.id.clone(),
                display_name: principal.display_name.clone(),
            },
        };
        Self { caller, author }
    }

    /// The identity recorded in the audit trail.
    pub fn author(&self) -> &Author {
        &self.author
    }

    /// 403 unless the deployment's policy lets this caller do `action` (to a product with
    /// `ownership`, for changes).
    pub fn authorize(
        &self,
        state: &AppState,
        action: Action,
        ownership: Option<Ownership<'_>>,
    ) -> Result<(), ApiError> {
        state
            .authz
            .decide(&self.caller, action, ownership)
            .map_err(|denied| ApiError::Forbidden(denied.detail()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let caller = parts
            .extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or(Caller::Anonymous);
        Ok(Actor::new(caller))
    }
}
