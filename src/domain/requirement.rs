//! What the platform requires of every live product, named as `GET /v1/stats` names them
//! (`health.missing`), as the product list's `missing` filter takes them, and as the
//! statistics' summary rows store them (`stats_missing_flags`, migration 0009): one spelling
//! everywhere, so a count and the list behind it always mean the same thing.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A requirement a product can fail to meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Requirement {
    /// A `dataProductMaintainer`.
    Maintainer,
    /// With `dpiaRequired`, a decision recorded as the tag `dpiaLocation`.
    DpiaDecision,
    /// A `tableDescription` on every table of the latest version.
    TableDescriptions,
    /// A `description` on every column of the latest version.
    ColumnDescriptions,
}

impl Requirement {
    pub const ALL: [Requirement; 4] = [
        Requirement::Maintainer,
        Requirement::DpiaDecision,
        Requirement::TableDescriptions,
        Requirement::ColumnDescriptions,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Requirement::Maintainer => "maintainer",
            Requirement::DpiaDecision => "dpiaDecision",
            Requirement::TableDescriptions => "tableDescriptions",
            Requirement::ColumnDescriptions => "columnDescriptions",
        }
    }

    pub fn parse(raw: &str) -> Option<Requirement> {
        Requirement::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    /// The names, for messages: `maintainer, dpiaDecision, tableDescriptions or
    /// columnDescriptions`.
    pub fn names() -> String {
        let names: Vec<&str> = Requirement::ALL.map(Requirement::as_str).to_vec();
        let (last, rest) = names.split_last().expect("four requirements");
        format!("{} or {last}", rest.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_name_parses_back_and_serialises_as_written() {
        for requirement in Requirement::ALL {
            assert_eq!(Requirement::parse(requirement.as_str()), Some(requirement));
            assert_eq!(
                serde_json::to_value(requirement).unwrap(),
                requirement.as_str()
            );
        }
        assert_eq!(Requirement::parse("Maintainer"), None);
        assert_eq!(Requirement::parse(""), None);
    }
}
