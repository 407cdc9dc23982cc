//! The fake GMS's HTTP side: records every request, then answers it as GMS's Rest.li API
//! would (or as the test forced it to).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::aspect_schemas::schema;
use super::validator::check_proposal;
use super::{Recorded, State};

fn rest_li_error(status: StatusCode, message: &str) -> Response {
    let body = json!({
        "exceptionClass": "com.linkedin.restli.server.RestLiServiceException",
        "message": message,
        "status": status.as_u16(),
    });
    (status, axum::Json(body)).into_response()
}

pub(super) async fn handle(
    state: Arc<Mutex<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (forced, delay) = {
        let mut state = state.lock().unwrap();
        state.recorded.push(Recorded {
            method: method.clone(),
            uri: uri.to_string(),
            headers: headers.clone(),
            body: serde_json::from_slice(&body).ok(),
        });
        (state.forced.clone(), state.delay)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    if let Some((status, message)) = forced {
        return rest_li_error(status, &message);
    }
    if headers
        .get("x-restli-protocol-version")
        .and_then(|v| v.to_str().ok())
        != Some("2.0.0")
    {
        return rest_li_error(
            StatusCode::BAD_REQUEST,
            "missing X-RestLi-Protocol-Version: 2.0.0",
        );
    }
    let query: BTreeMap<String, String> =
        serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default();
    let path = uri.path();
    if method == Method::POST && path == "/aspects" {
        if query.get("action").map(String::as_str) != Some("ingestProposal") {
            return rest_li_error(StatusCode::BAD_REQUEST, "unsupported action");
        }
        return match check_proposal(&body) {
            Ok((urn, aspect_name, value)) => {
                state
                    .lock()
                    .unwrap()
                    .aspects
                    .insert((urn.clone(), aspect_name), value);
                (StatusCode::OK, axum::Json(json!({ "value": urn }))).into_response()
            }
            Err(reason) => rest_li_error(StatusCode::UNPROCESSABLE_ENTITY, &reason),
        };
    }
    if method == Method::GET
        && let Some(encoded) = path.strip_prefix("/aspects/")
    {
        let Some(urn) = percent_decode(encoded) else {
            return rest_li_error(StatusCode::BAD_REQUEST, "bad percent-encoding");
        };
        let Some(aspect_name) = query.get("aspect") else {
            return rest_li_error(StatusCode::BAD_REQUEST, "missing ?aspect=");
        };
        if query.get("version").map(String::as_str) != Some("0") {
            return rest_li_error(StatusCode::BAD_REQUEST, "only version=0 is served");
        }
        let Some(class) = schema(aspect_name).map(|(class, _)| class) else {
            return rest_li_error(StatusCode::BAD_REQUEST, "unknown aspect");
        };
        let value = state
            .lock()
            .unwrap()
            .aspects
            .get(&(urn.clone(), aspect_name.clone()))
            .cloned();
        return match value {
            Some(value) => {
                let answer = json!({ "urn": urn, "version": 0, "aspect": { class: value } });
                (StatusCode::OK, axum::Json(answer)).into_response()
            }
            None => rest_li_error(StatusCode::NOT_FOUND, "aspect not found"),
        };
    }
    rest_li_error(StatusCode::NOT_FOUND, "no such resource")
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
