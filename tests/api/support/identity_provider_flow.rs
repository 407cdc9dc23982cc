//! The fake identity provider's browser sign-in: the authorization code flow with PKCE as
//! Entra ID runs it for a single-page app, enough for the dashboard's sign-in script to be
//! tested in a real browser. `/authorize` signs in a fixed user at once (no login form) and
//! sends the browser back with a code; `/token` redeems the code only with the verifier whose
//! SHA-256 is the challenge, for the same redirect URI, once, and answers with CORS as Entra
//! does for single-page apps.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::identity_provider::{IdpState, key_a, user_claims};

/// What a code was issued for.
#[derive(Clone)]
pub(crate) struct Issued {
    challenge: String,
    redirect_uri: String,
    client_id: String,
}

pub(crate) async fn authorize(
    State(state): State<IdpState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let field = |name: &str| query.get(name).cloned().unwrap_or_default();
    if field("response_type") != "code" || field("code_challenge_method") != "S256" {
        return (StatusCode::BAD_REQUEST, "code flow with S256 PKCE only").into_response();
    }
    let code = format!("code-{}", state.tokens_issued.load(Ordering::SeqCst));
    let issued = Issued {
        challenge: field("code_challenge"),
        redirect_uri: field("redirect_uri"),
        client_id: field("client_id"),
    };
    state.codes.lock().unwrap().insert(code.clone(), issued);
    let back = serde_urlencoded::to_string([("code", code), ("state", field("state"))]).unwrap();
    Redirect::to(&format!("{}?{back}", field("redirect_uri"))).into_response()
}

pub(crate) async fn token(State(state): State<IdpState>, body: String) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let issued = state.codes.lock().unwrap().remove(&field("code"));
    let verified = issued.is_some_and(|issued| {
        field("grant_type") == "authorization_code"
            && URL_SAFE_NO_PAD.encode(Sha256::digest(field("code_verifier"))) == issued.challenge
            && field("redirect_uri") == issued.redirect_uri
            && field("client_id") == issued.client_id
    });
    let cors = [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")];
    if !verified {
        let error = json!({"error": "invalid_grant", "error_description": "bad code or verifier"});
        return (StatusCode::BAD_REQUEST, cors, axum::Json(error)).into_response();
    }
    state.tokens_issued.fetch_add(1, Ordering::SeqCst);
    let token = key_a().sign(&user_claims());
    let body = json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600});
    (cors, axum::Json(body)).into_response()
}
