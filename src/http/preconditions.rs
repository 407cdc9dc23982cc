//! Entity tags and the conditional request headers `If-Match` / `If-None-Match` (RFC 9110 §13).

use axum::http::header::{ETAG, IF_MATCH, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// A strong entity tag for one version of one product. Versions are immutable, so the tag
/// changes exactly when the resource does; the internal product id distinguishes a product
/// from an earlier one of the same name that was deleted.
pub fn product_etag(product_id: i64, major: i32, minor: i32) -> String {
    format!("\"{product_id}.{major}.{minor}\"")
}

/// Whether `If-None-Match` matches `etag` (weak comparison, as RFC 9110 prescribes for it).
pub fn if_none_match_hits(headers: &HeaderMap, etag: &str) -> bool {
    header_tags(headers, IF_NONE_MATCH).is_some_and(|tags| {
        tags.iter()
            .any(|tag| *tag == "*" || opaque(tag) == opaque(etag))
    })
}

/// Enforce `If-Match` against the current tag (strong comparison): 412 with the current tag
/// when it does not match; nothing when the header is absent.
pub fn check_if_match(headers: &HeaderMap, current: &str) -> Result<(), ApiError> {
    let Some(tags) = header_tags(headers, IF_MATCH) else {
        return Ok(());
    };
    if tags.iter().any(|tag| *tag == "*" || *tag == current) {
        return Ok(());
    }
    Err(ApiError::PreconditionFailed {
        detail: format!(
            "If-Match {} does not match the current version {current}; someone changed the \
             resource since you read it: re-read it and retry",
            tags.join(", ")
        ),
        current_etag: Some(current.to_owned()),
    })
}

/// With `required`, a write without `If-Match` is refused with 428 before anything is read.
pub fn require_if_match(headers: &HeaderMap, required: bool) -> Result<(), ApiError> {
    if required && !headers.contains_key(IF_MATCH) {
        return Err(ApiError::PreconditionRequired(
            "this server requires `If-Match` on every update and delete: read the resource, \
             then send its `ETag` as `If-Match`"
                .to_owned(),
        ));
    }
    Ok(())
}

/// Whether a create carries `If-None-Match: *` ("only if it does not exist yet").
pub fn if_none_match_star(headers: &HeaderMap) -> bool {
    header_tags(headers, IF_NONE_MATCH).is_some_and(|tags| tags.iter().any(|t| t == "*"))
}

/// The entity tags of a header, or `None` when it is absent. Every request has passed
/// [`parse_condition`] on the way in (`crate::http::readable`), so an unreadable header never
/// reaches a handler; should one anyway, it counts as a tag that matches nothing.
fn header_tags(headers: &HeaderMap, name: axum::http::HeaderName) -> Option<Vec<String>> {
    let values: Vec<&HeaderValue> = headers.get_all(name).iter().collect();
    if values.is_empty() {
        return None;
    }
    Some(
        values
            .iter()
            .flat_map(|value| parse_condition(value).unwrap_or_else(|_| vec![String::new()]))
            .collect(),
    )
}

/// One `If-Match` / `If-None-Match` field value: `*` or a comma-separated list of entity tags
/// (`"…"` or `W/"…"`, RFC 9110 §8.8.3 and §13.1.1; a tag may itself contain commas). A value
/// that is neither is an error, not an empty list: a client that sent a precondition must not
/// see its write go through unconditionally because daap could not read it.
/// `openapi_rules::ENTITY_TAGS_PATTERN` documents exactly this syntax.
pub fn parse_condition(value: &HeaderValue) -> Result<Vec<String>, String> {
    let text = std::str::from_utf8(value.as_bytes())
        .map_err(|_| "is not valid UTF-8".to_owned())?
        .trim_matches([' ', '\t']);
    if text == "*" {
        return Ok(vec!["*".to_owned()]);
    }
    let not_a_tag = |rest: &str| {
        let shown: String = rest.chars().take(40).collect();
        format!(
            "holds `{}`, which is not an entity tag",
            shown.escape_debug()
        )
    };
    let mut tags = Vec::new();
    let mut rest = text;
    loop {
        // Empty list elements and the separators before a tag are allowed (RFC 9110 §5.6.1).
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            break;
        }
        let weak = rest.starts_with("W/");
        let quoted = if weak { &rest[2..] } else { rest };
        let Some(body) = quoted.strip_prefix('"') else {
            return Err(not_a_tag(rest));
        };
        let Some(end) = body.find('"') else {
            return Err(not_a_tag(rest));
        };
        if !body[..end].bytes().all(is_etag_char) {
            return Err(not_a_tag(rest));
        }
        let length = usize::from(weak) * 2 + end + 2;
        tags.push(rest[..length].to_owned());
        rest = rest[length..].trim_start_matches([' ', '\t']);
        if !(rest.is_empty() || rest.starts_with(',')) {
            return Err(not_a_tag(rest));
        }
    }
    if tags.is_empty() {
        return Err("is empty".to_owned());
    }
    Ok(tags)
}

/// `etagc` without obs-text: printable ASCII but `"`. daap's own tags are ASCII, so the
/// obs-text RFC 9110 also allows could never match one.
fn is_etag_char(b: u8) -> bool {
    b == 0x21 || (0x23..=0x7e).contains(&b)
}

/// The tag without its weakness indicator.
fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

/// `304 Not Modified` carrying the tag the client already has.
pub fn not_modified(etag: &str) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    if let Ok(value) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(ETAG, value);
    }
    response
}
