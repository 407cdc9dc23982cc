//! Reading a JSON object field by field while collecting *every* problem, so that a client gets
//! one 422 listing all of them instead of fixing its request one error at a time.
//!
//! Each reader returns a placeholder when the field is invalid; the placeholders are never used
//! because [`Fields::finish`] fails whenever any error was recorded.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use serde::Serialize;
use utoipa::ToSchema;

/// One problem with one part of the request: a place in the body (`pointer`) or a query
/// parameter (`parameter`), exactly one of the two (as JSON:API's `source` names them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// JSON Pointer (RFC 6901) into the request body, e.g. `/tags/owner`; `""` is the whole
    /// body. Absent when the problem is with a query parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub pointer: Option<String>,
    /// The query parameter with the problem, e.g. `staleDays`. Absent when the problem is in
    /// the body.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub parameter: Option<String>,
    /// What is wrong and what would be accepted.
    pub detail: String,
}

impl FieldError {
    /// A problem at `pointer` in the request body.
    pub fn new(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: Some(pointer.into()),
            parameter: None,
            detail: detail.into(),
        }
    }

    /// A problem with the query parameter `name`.
    pub fn parameter(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: None,
            parameter: Some(name.into()),
            detail: detail.into(),
        }
    }

    /// How messages name where the problem is: `staleDays`, `/name`, `body`.
    pub fn location(&self) -> &str {
        match (&self.parameter, &self.pointer) {
            (Some(parameter), _) => parameter,
            (None, pointer) => display_pointer(pointer.as_deref().unwrap_or_default()),
        }
    }
}

/// Input that failed validation: every problem found, each with a pointer to where it is
/// (never empty). The HTTP layer turns it into a 422 problem; the domain knows nothing of HTTP.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", summary(.0))]
pub struct InvalidFields(pub Vec<FieldError>);

impl InvalidFields {
    /// One problem with one field.
    pub fn one(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self(vec![FieldError::new(pointer, detail)])
    }
}

/// A one-line summary: the problem itself when there is one, a count otherwise.
fn summary(errors: &[FieldError]) -> String {
    match errors {
        [one] => format!("{}: {}", one.location(), one.detail),
        many => format!(
            "the request has {} invalid fields; see `errors`",
            many.len()
        ),
    }
}

/// How a pointer is named in messages: `""` is the body itself.
pub fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() { "body" } else { pointer }
}

pub struct Fields<'a> {
    object: &'a Map<String, Value>,
    /// JSON Pointer of this object inside the request body (`""` for the body itself).
    base: String,
    /// The members read or reported on; any other member is unknown. Few per object, and
    /// their names are the code's own constants, so a list without copies serves best.
    known: Vec<&'static str>,
    errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    /// Start reading `body`, which must be a JSON object.
    pub fn of(body: &'a Value) -> Result<Self, InvalidFields> {
        Self::nested(body, String::new())
            .map_err(|_| InvalidFields::one("", "the body must be a JSON object"))
    }

    /// Read an object found at `base` inside the body (e.g. `/columns/3`).
    pub fn nested(value: &'a Value, base: String) -> Result<Self, FieldError> {
        match value {
            Value::Object(object) => Ok(Self {
                object,
                base,
                known: Vec::new(),
                errors: Vec::new(),
            }),
            other => Err(FieldError::new(
                base,
                format!("must be an object, not {}", json_kind(other)),
            )),
        }
    }

    fn mark_known(&mut self, key: &'static str) {
        if !self.known.contains(&key) {
            self.known.push(key);
        }
    }

    /// Record a problem with `key`.
    pub fn error(&mut self, key: &'static str, detail: impl Into<String>) {
        self.mark_known(key);
        let path = self.pointer(key);
        self.errors.push(FieldError::new(path, detail));
    }

    /// Record a problem at a pointer below `key` (e.g. one entry of a map).
    pub fn error_at(&mut self, key: &str, child: &str, detail: impl Into<String>) {
        let path = format!("{}/{}", self.pointer(key), escape(child));
        self.errors.push(FieldError::new(path, detail));
    }

    /// The raw value of `key`; `None` when absent or `null`.
    fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        self.mark_known(key);
        self.object.get(key).filter(|value| !value.is_null())
    }

    /// A string that must be present and, after trimming, non-empty and at most `max_chars` long.
    pub fn required_string(&mut self, key: &'static str, max_chars: usize) -> String {
        let value = self.optional_string(key, max_chars);
        self.required(key, value)
    }

    /// A string that may be absent or `null`; if present it must be non-empty after trimming.
    /// Surrounding whitespace is removed.
    pub fn optional_string(&mut self, key: &'static str, max_chars: usize) -> Option<String> {
        let text = trim_blank(self.text_as_sent(key, max_chars)?);
        self.non_empty(key, text)
    }

    /// An identifier or address that must be present, taken exactly as sent: no trimming, so
    /// that the document's anchored pattern (or enum) and the server agree on every string.
    pub fn required_exact(&mut self, key: &'static str, max_chars: usize) -> String {
        let value = self.optional_exact(key, max_chars);
        self.required(key, value)
    }

    /// Like [`Fields::required_exact`], but may be absent or `null`.
    pub fn optional_exact(&mut self, key: &'static str, max_chars: usize) -> Option<String> {
        let text = self.text_as_sent(key, max_chars)?;
        self.non_empty(key, text)
    }

    /// `value`, or "is required" when it is missing and nothing else was said about `key`.
    fn required(&mut self, key: &'static str, value: Option<String>) -> String {
        value.unwrap_or_else(|| {
            let path = self.pointer(key);
            if !self
                .errors
                .iter()
                .any(|e| e.pointer.as_ref() == Some(&path))
            {
                self.error(key, "is required");
            }
            String::new()
        })
    }

    fn non_empty(&mut self, key: &'static str, text: &str) -> Option<String> {
        if text.is_empty() {
            self.error(key, "must not be empty");
            return None;
        }
        Some(text.to_owned())
    }

    /// A string that must be present but may be empty (e.g. a description still to be written).
    pub fn required_text(&mut self, key: &'static str, max_chars: usize) -> String {
        if self.object.get(key).is_none_or(Value::is_null) {
            self.error(key, "is required");
            return String::new();
        }
        self.text(key, max_chars).unwrap_or_default()
    }

    /// An array that must be present.
    pub fn required_array(&mut self, key: &'static str) -> &'a [Value] {
        match self.get(key) {
            Some(Value::Array(items)) => items,
            Some(other) => {
                let kind = json_kind(other);
                self.error(key, format!("must be an array, not {kind}"));
                &[]
            }
            None => {
                self.error(key, "is required");
                &[]
            }
        }
    }

    /// The trimmed string value of `key`, checking its type and length only.
    fn text(&mut self, key: &'static str, max_chars: usize) -> Option<String> {
        self.text_as_sent(key, max_chars)
            .map(|text| trim_blank(text).to_owned())
    }

    /// The string value of `key` as sent, checking its type and length. The length counts as
    /// sent, like the document's `maxLength`; callers that trim remove only the whitespace the
    /// document's patterns name (`NOT_BLANK`), so both agree on every string.
    fn text_as_sent(&mut self, key: &'static str, max_chars: usize) -> Option<&'a str> {
        let value = self.get(key)?;
        let Some(text) = value.as_str() else {
            self.error(key, format!("must be a string, not {}", json_kind(value)));
            return None;
        };
        if text.chars().count() > max_chars {
            self.error(key, format!("must be at most {max_chars} characters long"));
            return None;
        }
        Some(text)
    }

    pub fn required_bool(&mut self, key: &'static str) -> bool {
        match self.get(key) {
            Some(Value::Bool(flag)) => *flag,
            Some(other) => {
                let kind = json_kind(other);
                self.error(key, format!("must be true or false, not {kind}"));
                false
            }
            None => {
                self.error(key, "is required");
                false
            }
        }
    }

    /// A whole number in `min..=max`.
    pub fn required_int(&mut self, key: &'static str, min: i64, max: i64) -> i64 {
        let Some(value) = self.get(key) else {
            self.error(key, "is required");
            return min;
        };
        match whole_number(value) {
            Some(n) if (min..=max).contains(&n) => n,
            Some(_) => {
                self.error(key, format!("must be between {min} and {max}"));
                min
            }
            None if value.is_number() => {
                self.error(
                    key,
                    format!("must be a whole number between {min} and {max}"),
                );
                min
            }
            None => {
                let kind = json_kind(value);
                self.error(key, format!("must be a whole number, not {kind}"));
                min
            }
        }
    }

    /// A whole number in `min..=max` that may be absent or `null`.
    pub fn optional_int(&mut self, key: &'static str, min: i64, max: i64) -> Option<i64> {
        self.get(key)?;
        Some(self.required_int(key, min, max))
    }

    /// A boolean that may be absent or `null`.
    pub fn optional_bool(&mut self, key: &'static str) -> Option<bool> {
        self.get(key)?;
        Some(self.required_bool(key))
    }

    /// An optional object of string values, returned with its keys sorted.
    pub fn string_map(&mut self, key: &'static str) -> Option<BTreeMap<String, String>> {
        let value = self.get(key)?;
        let Value::Object(entries) = value else {
            let kind = json_kind(value);
            self.error(key, format!("must be an object of strings, not {kind}"));
            return None;
        };
        let mut map = BTreeMap::new();
        for (name, entry) in entries {
            match entry.as_str() {
                Some(text) => {
                    map.insert(name.clone(), text.to_owned());
                }
                None => {
                    let kind = json_kind(entry);
                    self.error_at(key, name, format!("must be a string, not {kind}"));
                }
            }
        }
        Some(map)
    }

    /// Fail with every problem found, including one per field the reader never asked for.
    pub fn finish(self) -> Result<(), InvalidFields> {
        let errors = self.into_errors();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(InvalidFields(errors))
        }
    }

    /// Every problem found, including one per field the reader never asked for; for nested
    /// objects whose problems join their parent's.
    pub fn into_errors(mut self) -> Vec<FieldError> {
        let unknown: Vec<String> = self
            .object
            .keys()
            .filter(|key| !self.known.contains(&key.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            let path = self.pointer(&key);
            self.errors
                .push(FieldError::new(path, format!("unknown field `{key}`")));
        }
        self.errors
    }

    /// Add problems found elsewhere (e.g. in nested objects).
    pub fn extend(&mut self, errors: impl IntoIterator<Item = FieldError>) {
        self.errors.extend(errors);
    }

    /// Pointer of `key` in this object.
    pub fn pointer(&self, key: &str) -> String {
        format!("{}/{}", self.base, escape(key))
    }
}

/// Escape one JSON Pointer reference token (RFC 6901 section 4).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// How a JSON value is described in error messages.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The OpenAPI pattern of a text that must not be blank: at least one character other than
/// the space, tab, CR and LF that are trimmed from every text field ([`trim_blank`]).
pub const NOT_BLANK: &str = "[^\t\n\r ]";

/// `text` without leading and trailing spaces, tabs, CRs and LFs. Only these: what counts as
/// whitespace differs between Unicode, JavaScript and Python, and the OpenAPI document must
/// say exactly which strings are blank.
pub fn trim_blank(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\n', '\r'])
}

/// A JSON number with no fractional part, as an `i64`: `3` and `3.0` alike, since JSON (and
/// JSON Schema's `integer`) does not tell them apart.
fn whole_number(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        let float = value.as_f64()?;
        // The range check keeps the cast exact: every f64 in it with no fraction is an i64.
        (float.fract() == 0.0 && float >= -(2f64.powi(63)) && float < 2f64.powi(63))
            .then_some(float as i64)
    })
}
