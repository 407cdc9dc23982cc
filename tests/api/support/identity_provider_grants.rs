//! The fake identity provider's grants for `daap login`, at Entra's paths
//! (`/<tenant>/oauth2/v2.0/token` and `/devicecode`): client credentials for the pipeline
//! (checked against its client id, secret and the API's `.default` scope), the device code
//! grant (the first poll is told `authorization_pending`, the next one gets a user's token
//! and a refresh token), and refresh tokens. Every token issued is counted and its grant
//! recorded, so a test can tell a cached token from a new one.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::identity_provider::{
    API_CLIENT_ID, IdpState, PIPELINE_CLIENT_ID, key_a, machine_claims, user_claims,
};

/// The pipeline's client secret.
pub(crate) const PIPELINE_SECRET: &str = "pipeline-secret-for-tests";
/// The CLI's public client registration (device code sign-in).
pub(crate) const CLI_CLIENT_ID: &str = "0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e";

fn refused(error: &str, description: &str) -> Response {
    let body = json!({"error": error, "error_description": description});
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

fn issued(state: &IdpState, grant: &str, token: String, refresh: Option<String>) -> Response {
    state.tokens_issued.fetch_add(1, Ordering::SeqCst);
    state.grants.lock().unwrap().push(grant.to_owned());
    let lifetime = state.token_lifetime.load(Ordering::SeqCst);
    let mut body = json!({"access_token": token, "token_type": "Bearer", "expires_in": lifetime});
    if let Some(refresh) = refresh {
        body["refresh_token"] = Value::from(refresh);
    }
    axum::Json(body).into_response()
}

fn form(body: &str) -> HashMap<String, String> {
    serde_urlencoded::from_str(body).unwrap_or_default()
}

pub(crate) async fn device_authorization(State(state): State<IdpState>, body: String) -> Response {
    let form = form(&body);
    if form.get("client_id").map(String::as_str) != Some(CLI_CLIENT_ID) {
        return refused("unauthorized_client", "unknown client");
    }
    let code = format!("device-{}", state.device_codes.lock().unwrap().len());
    state.device_codes.lock().unwrap().insert(code.clone(), 0);
    axum::Json(json!({
        "device_code": code,
        "user_code": "ABCD-EFGH",
        "verification_uri": "https://microsoft.com/devicelogin",
        "expires_in": 900,
        "interval": 1,
        "message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD-EFGH to authenticate."
    }))
    .into_response()
}

pub(crate) async fn token(State(state): State<IdpState>, body: String) -> Response {
    let form = form(&body);
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    match field("grant_type").as_str() {
        "client_credentials" => {
            if field("client_id") != PIPELINE_CLIENT_ID || field("client_secret") != PIPELINE_SECRET
            {
                return refused(
                    "invalid_client",
                    "AADSTS7000215: Invalid client secret provided.",
                );
            }
            if field("scope") != format!("api://{API_CLIENT_ID}/.default") {
                return refused(
                    "invalid_scope",
                    "AADSTS70011: The provided scope is invalid.",
                );
            }
            issued(
                &state,
                "client_credentials",
                key_a().sign(&machine_claims()),
                None,
            )
        }
        "urn:ietf:params:oauth:grant-type:device_code" => {
            let mut codes = state.device_codes.lock().unwrap();
            let Some(polls) = codes.get_mut(&field("device_code")) else {
                return refused("expired_token", "unknown device code");
            };
            *polls += 1;
            if *polls == 1 {
                return refused("authorization_pending", "the user has not signed in yet");
            }
            codes.remove(&field("device_code"));
            drop(codes);
            let refresh = format!("refresh-{}", state.tokens_issued.load(Ordering::SeqCst));
            issued(
                &state,
                "device_code",
                key_a().sign(&user_claims()),
                Some(refresh),
            )
        }
        "refresh_token" => {
            if !field("refresh_token").starts_with("refresh-")
                || field("client_id") != CLI_CLIENT_ID
            {
                return refused("invalid_grant", "bad refresh token");
            }
            let refresh = format!("refresh-{}", state.tokens_issued.load(Ordering::SeqCst));
            issued(
                &state,
                "refresh_token",
                key_a().sign(&user_claims()),
                Some(refresh),
            )
        }
        _ => refused("unsupported_grant_type", "not supported here"),
    }
}
