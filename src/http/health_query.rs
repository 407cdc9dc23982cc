//! The query values that pick out the products needing attention, `staleDays` and `missing`:
//! parsed here once for `GET /v1/stats`, the product list and the dashboard, so all of them
//! accept exactly the same values and refuse the rest with the same words.
//!
//! Both arrive as text and are parsed here rather than by serde, so that a bad value is a 400
//! whose `errors` names the parameter (serde's own failure names nothing a client can use).

use crate::domain::Requirement;
use crate::error::FieldError;

/// Default of `staleDays` in the statistics.
pub const DEFAULT_STALE_DAYS: i32 = 180;
/// Largest accepted `staleDays` (ten years).
pub const MAX_STALE_DAYS: i32 = 3650;

/// `staleDays`: whole days, 1 to [`MAX_STALE_DAYS`].
pub fn stale_days(raw: &str) -> Result<i32, FieldError> {
    match raw.parse::<i32>() {
        Ok(days @ 1..=MAX_STALE_DAYS) => Ok(days),
        _ => Err(FieldError::parameter(
            "staleDays",
            format!("must be a whole number of days from 1 to {MAX_STALE_DAYS}, not `{raw}`"),
        )),
    }
}

/// `missing`: one or more requirement names separated by commas (a product must lack every
/// one). Repeats are harmless; the result is sorted and without duplicates.
pub fn missing(raw: &str) -> Result<Vec<Requirement>, FieldError> {
    let mut found = Vec::new();
    let mut unknown = Vec::new();
    for name in raw.split(',') {
        match Requirement::parse(name) {
            Some(requirement) => found.push(requirement),
            None => unknown.push(format!("`{name}`")),
        }
    }
    if !unknown.is_empty() {
        return Err(FieldError::parameter(
            "missing",
            format!(
                "{} {}; use {}, separated by commas",
                unknown.join(", "),
                if unknown.len() == 1 {
                    "is not a requirement"
                } else {
                    "are not requirements"
                },
                Requirement::names()
            ),
        ));
    }
    found.sort();
    found.dedup();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_days_takes_1_to_3650_days_only() {
        assert_eq!(stale_days("1"), Ok(1));
        assert_eq!(stale_days("3650"), Ok(3650));
        for bad in ["0", "-1", "3651", "soon", "", "1.5", " 1"] {
            let error = stale_days(bad).unwrap_err();
            assert_eq!(error.parameter.as_deref(), Some("staleDays"), "{bad}");
        }
    }

    #[test]
    fn missing_takes_requirement_names_separated_by_commas() {
        assert_eq!(
            missing("tableDescriptions,maintainer,maintainer"),
            Ok(vec![
                Requirement::Maintainer,
                Requirement::TableDescriptions
            ])
        );
        let error = missing("maintainer,owner,").unwrap_err();
        assert_eq!(error.parameter.as_deref(), Some("missing"));
        assert!(
            error
                .detail
                .starts_with("`owner`, `` are not requirements; use maintainer, "),
            "{}",
            error.detail
        );
        assert!(missing("").is_err());
    }
}
