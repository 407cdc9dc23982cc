//! Multipart uploads: how a file is cut into parts, and the part lists clients send back.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::validation::{FieldError, Fields, InvalidFields};

use super::{MAX_PARTS, MAX_SINGLE_BYTES};

const MIB: u64 = 1024 * 1024;
/// Most part URLs one request gets: a client asks for more as it goes, so that none expires
/// before its part is sent.
pub const MAX_PART_URLS: u32 = 100;

/// How a file is cut: every part is `part_size` bytes but the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartPlan {
    pub part_size: u64,
    pub part_count: u32,
}

/// Parts of `part_size` bytes, or larger (whole MiB) when the file would need more than
/// 10,000 of them: a 5 TiB file has parts of 525 MiB.
pub fn plan_parts(length: u64, part_size: u64) -> PartPlan {
    let smallest = length.div_ceil(MAX_PARTS);
    let part_size = if part_size < smallest {
        smallest.div_ceil(MIB) * MIB
    } else {
        part_size
    }
    .clamp(1, MAX_SINGLE_BYTES);
    PartPlan {
        part_size,
        part_count: length.div_ceil(part_size).max(1) as u32,
    }
}

impl PartPlan {
    /// The size of part `number` (1-based) of a file of `length` bytes.
    pub fn part_length(&self, number: u32, length: u64) -> u64 {
        let start = u64::from(number - 1) * self.part_size;
        length.saturating_sub(start).min(self.part_size)
    }
}

/// One uploaded part, as the store acknowledged it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompletedPart {
    #[schema(minimum = 1, maximum = 10000)]
    pub part_number: u32,
    /// The `ETag` header the store answered the part's `PUT` with (quotes optional).
    #[schema(example = "\"b1946ac92492d2347c6235b4d2611184\"")]
    pub etag: String,
}

/// Ask for the URLs of parts `from` to `to` (inclusive, at most 100 at a time).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)] // the OpenAPI description of the body; parsing is `parse_part_range`
pub struct PartRangeBody {
    #[schema(minimum = 1, maximum = 10000)]
    from: u32,
    #[schema(minimum = 1, maximum = 10000)]
    to: u32,
}

/// Finish a multipart upload with every part, in order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)] // the OpenAPI description of the body; parsing is `parse_completed_parts`
pub struct CompleteBody {
    parts: Vec<CompletedPart>,
}

/// `{"from": a, "to": b}` within the upload's `part_count` parts.
pub fn parse_part_range(
    body: &Value,
    part_count: u32,
) -> Result<RangeInclusive<u32>, InvalidFields> {
    let mut fields = Fields::of(body)?;
    let max = i64::from(part_count);
    let from = fields.required_int("from", 1, max) as u32;
    let to = fields.required_int("to", 1, max) as u32;
    fields.finish()?;
    if to < from {
        return Err(InvalidFields::one("/to", "must not be less than `from`"));
    }
    if to - from >= MAX_PART_URLS {
        return Err(InvalidFields::one(
            "/to",
            format!("at most {MAX_PART_URLS} part URLs at a time: ask again for the rest"),
        ));
    }
    Ok(from..=to)
}

/// `{"parts": [{"partNumber": 1, "etag": "..."}, ...]}`: every one of the upload's
/// `part_count` parts, in order.
pub fn parse_completed_parts(
    body: &Value,
    part_count: u32,
) -> Result<Vec<CompletedPart>, InvalidFields> {
    let mut fields = Fields::of(body)?;
    let items = fields.required_array("parts");
    let mut errors = Vec::new();
    let mut parts = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let base = format!("/parts/{index}");
        let mut part = match Fields::nested(item, base.clone()) {
            Ok(part) => part,
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        let number = part.required_int("partNumber", 1, i64::from(part_count)) as u32;
        let etag = part.required_string("etag", 128);
        if !etag.is_empty() && !is_etag(&etag) {
            part.error("etag", "must be the ETag the store answered the part with");
        }
        let part_errors = part.into_errors();
        if part_errors.is_empty() && number as usize != index + 1 {
            errors.push(FieldError::new(
                format!("{base}/partNumber"),
                format!("must be {}: list every part once, in order", index + 1),
            ));
        }
        errors.extend(part_errors);
        parts.push(CompletedPart {
            part_number: number,
            etag,
        });
    }
    let listed = body.get("parts").is_some_and(Value::is_array);
    if errors.is_empty() && listed && items.len() != part_count as usize {
        fields.error(
            "parts",
            format!("must list all {part_count} parts of this upload"),
        );
    }
    fields.extend(errors);
    fields.finish()?;
    Ok(parts)
}

/// An entity tag as S3 (or daap's local store) gives it for a part: hex, optionally quoted.
fn is_etag(text: &str) -> bool {
    let bare = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    !bare.is_empty() && bare.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The ETag without its quotes.
pub fn bare_etag(text: &str) -> &str {
    text.trim_matches('"')
}
