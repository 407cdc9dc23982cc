//! JSON request bodies read exactly: a document whose meaning depends on which parser reads it
//! is refused instead of guessed at. RFC 8259 leaves duplicate member names undefined (most
//! parsers keep the last, some the first), so `{"status":"draft","status":"published"}` is
//! a 400 rather than "last one wins"; and a NUL character, which PostgreSQL cannot store in
//! text, is a 422 pointing at every string that holds one.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::error::ApiError;
use crate::validation::{FieldError, InvalidFields};

/// Parse a request body: a syntax error or a repeated member name is a 400; a NUL in any
/// string or member name is a 422 listing each.
pub fn parse(bytes: &[u8]) -> Result<Value, ApiError> {
    let Unambiguous(value) = serde_json::from_slice(bytes).map_err(|error| {
        ApiError::BadRequest(format!("the request body is not valid JSON: {error}"))
    })?;
    let mut errors = Vec::new();
    if has_nul_escape(bytes) {
        find_nul(&value, &mut String::new(), &mut errors);
    }
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(InvalidFields(errors).into())
    }
}

/// A JSON value whose objects had no repeated member names.
struct Unambiguous(Value);

impl<'de> Deserialize<'de> for Unambiguous {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(UnambiguousVisitor)
            .map(Unambiguous)
    }
}

struct UnambiguousVisitor;

impl<'de> Visitor<'de> for UnambiguousVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        // JSON has no NaN or infinity, so every parsed float is representable.
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(Unambiguous(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let Unambiguous(value) = map.next_value()?;
            if members.contains_key(&name) {
                return Err(de::Error::custom(format_args!(
                    "the member `{}` appears twice in one object; send it once",
                    name.escape_debug()
                )));
            }
            members.insert(name, value);
        }
        Ok(Value::Object(members))
    }
}

/// Whether the body spells a NUL character. JSON allows control characters in strings and
/// member names only escaped, and the only escape of NUL is `\u0000`, so a body without
/// those six bytes holds no NUL and needs no walk (most bodies: the walk built a pointer for
/// every member it visited).
fn has_nul_escape(bytes: &[u8]) -> bool {
    bytes.windows(6).any(|window| window == b"\\u0000")
}

/// Collect a pointer (RFC 6901) to every string or member name holding a NUL.
fn find_nul(value: &Value, pointer: &mut String, errors: &mut Vec<FieldError>) {
    const DETAIL: &str = "contains a NUL character (\\u0000), which no text field can hold";
    match value {
        Value::String(text) if text.contains('\0') => {
            errors.push(FieldError::new(pointer.clone(), DETAIL));
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let length = pointer.len();
                pointer.push_str(&format!("/{index}"));
                find_nul(item, pointer, errors);
                pointer.truncate(length);
            }
        }
        Value::Object(members) => {
            for (name, member) in members {
                let length = pointer.len();
                pointer.push('/');
                pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
                if name.contains('\0') {
                    errors.push(FieldError::new(pointer.clone(), DETAIL));
                } else {
                    find_nul(member, pointer, errors);
                }
                pointer.truncate(length);
            }
        }
        _ => {}
    }
}
