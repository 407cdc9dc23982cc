//! Reading a JSON object field by field while collecting *every* problem, so that a client gets
//! one 422 listing all of them instead of fixing its request one error at a time.
//!
//! Each reader returns a placeholder when the field is invalid; the placeholders are never used
//! because [`Fields::finish`] fails whenever any error was recorded.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::error::{ApiError, FieldError};

pub struct Fields<'a> {
    object: &'a Map<String, Value>,
    known: BTreeSet<String>,
    errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    /// Start reading `body`, which must be a JSON object.
    pub fn of(body: &'a Value) -> Result<Self, ApiError> {
        match body {
            Value::Object(object) => Ok(Self {
                object,
                known: BTreeSet::new(),
                errors: Vec::new(),
            }),
            _ => Err(ApiError::invalid_field(
                "",
                "the body must be a JSON object",
            )),
        }
    }

    /// Record a problem with `key`.
    pub fn error(&mut self, key: &str, detail: impl Into<String>) {
        self.known.insert(key.to_owned());
        self.errors.push(FieldError::new(pointer(key), detail));
    }

    /// Record a problem at a pointer below `key` (e.g. one entry of a map).
    pub fn error_at(&mut self, key: &str, child: &str, detail: impl Into<String>) {
        let path = format!("{}/{}", pointer(key), escape(child));
        self.errors.push(FieldError::new(path, detail));
    }

    /// The raw value of `key`; `None` when absent or `null`.
    fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        self.known.insert(key.to_owned());
        self.object.get(key).filter(|value| !value.is_null())
    }

    /// A string that must be present and, after trimming, non-empty and at most `max_chars` long.
    pub fn required_string(&mut self, key: &'static str, max_chars: usize) -> String {
        match self.optional_string(key, max_chars) {
            Some(value) => value,
            None => {
                if !self.errors.iter().any(|e| e.pointer == pointer(key)) {
                    self.error(key, "is required");
                }
                String::new()
            }
        }
    }

    /// A string that may be absent or `null`; if present it must be non-empty after trimming.
    /// Surrounding whitespace is removed.
    pub fn optional_string(&mut self, key: &'static str, max_chars: usize) -> Option<String> {
        let value = self.get(key)?;
        let Some(text) = value.as_str() else {
            self.error(key, format!("must be a string, not {}", json_kind(value)));
            return None;
        };
        let text = text.trim();
        if text.is_empty() {
            self.error(key, "must not be empty");
            return None;
        }
        if text.chars().count() > max_chars {
            self.error(key, format!("must be at most {max_chars} characters long"));
            return None;
        }
        Some(text.to_owned())
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
        match value.as_i64() {
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
    pub fn finish(mut self) -> Result<(), ApiError> {
        let unknown: Vec<String> = self
            .object
            .keys()
            .filter(|key| !self.known.contains(*key))
            .cloned()
            .collect();
        for key in unknown {
            self.errors.push(FieldError::new(
                pointer(&key),
                format!("unknown field `{key}`"),
            ));
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.errors))
        }
    }
}

/// JSON Pointer for a top-level key.
pub fn pointer(key: &str) -> String {
    format!("/{}", escape(key))
}

/// Escape one JSON Pointer reference token (RFC 6901 section 4).
fn escape(token: &str) -> String {
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
