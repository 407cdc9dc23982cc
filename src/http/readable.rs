//! Refuses, before routing, requests whose meaning daap could only guess: a query string that
//! is not UTF-8 once percent-decoded (it would be matched after lossy decoding, `%FF` as `�`),
//! a NUL character in a query value (PostgreSQL cannot store or compare one), and a
//! precondition (`If-Match`, `If-None-Match`) or idempotency key that cannot be parsed (the
//! write would otherwise run unconditionally, or without its replay protection). Each is a 400
//! problem naming what it could not read; nothing has been touched when it is sent.

use axum::extract::Request;
use axum::http::header::{IF_MATCH, IF_NONE_MATCH};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;

use crate::error::ApiError;
use crate::http::idempotency::{IDEMPOTENCY_KEY, LEGACY_IDEMPOTENCY_KEY, parse_key};
use crate::http::preconditions::parse_condition;
use crate::validation::FieldError;

pub async fn refuse_unreadable(request: Request, next: Next) -> Response {
    if let Err(error) = check(&request) {
        return error.into_response();
    }
    next.run(request).await
}

fn check(request: &Request) -> Result<(), ApiError> {
    if let Some(query) = request.uri().query() {
        check_query(query)?;
    }
    check_path(request.uri().path())?;
    let headers = request.headers();
    for name in [IF_MATCH, IF_NONE_MATCH] {
        for value in headers.get_all(&name) {
            parse_condition(value).map_err(|problem| {
                ApiError::BadRequest(format!(
                    "the `{name}` header {problem}; send `*` or entity tags as the `ETag` \
                     header gave them, e.g. `{name}: \"12.1.3\"`",
                    name = header_title(name.as_str())
                ))
            })?;
        }
    }
    for name in [IDEMPOTENCY_KEY, LEGACY_IDEMPOTENCY_KEY] {
        if let Some(value) = headers.get(name) {
            parse_key(value)?;
        }
    }
    Ok(())
}

/// Every parameter's name and value must decode to UTF-8 text without NUL.
fn check_query(query: &str) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name_text = decode(name);
        let value_text = decode(value);
        let shown = name_text
            .clone()
            .unwrap_or_else(|_| percent_decode_str(name).decode_utf8_lossy().into_owned());
        let problem = match (&name_text, &value_text) {
            (Err(_), _) => Some("the parameter's name is not valid UTF-8 once percent-decoded"),
            (_, Err(_)) => Some("the value is not valid UTF-8 once percent-decoded"),
            (Ok(name), Ok(value)) if name.contains('\0') || value.contains('\0') => {
                Some("the value contains a NUL character (%00), which no text field can hold")
            }
            _ => None,
        };
        if let Some(detail) = problem {
            errors.push(FieldError::parameter(shown, detail));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::InvalidQuery(errors))
    }
}

/// Path segments name products and tables; ones that are not UTF-8 text cannot name either.
fn check_path(path: &str) -> Result<(), ApiError> {
    match decode(path) {
        Ok(text) if !text.contains('\0') => Ok(()),
        _ => Err(ApiError::BadRequest(
            "the path is not valid UTF-8 text once percent-decoded (or holds a NUL character)"
                .to_owned(),
        )),
    }
}

/// Percent-decoded text (`+` is left as it is: it is valid either way).
fn decode(text: &str) -> Result<String, std::str::Utf8Error> {
    percent_decode_str(text)
        .decode_utf8()
        .map(|text| text.into_owned())
}

/// `If-Match` as clients write it (header names arrive lower-cased).
fn header_title(name: &str) -> &'static str {
    match name {
        "if-match" => "If-Match",
        _ => "If-None-Match",
    }
}
