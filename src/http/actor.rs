//! Who is making a request, as recorded on every version and deletion.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::ApiError;

/// The caller of a request. Until authentication is configured every caller is `anonymous`;
/// with authentication it will be the token's object id.
#[derive(Debug, Clone)]
pub struct Actor {
    id: String,
}

impl Actor {
    pub fn anonymous() -> Self {
        Self {
            id: "anonymous".to_owned(),
        }
    }

    /// The identity recorded in the audit trail.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Ok(Actor::anonymous())
    }
}
