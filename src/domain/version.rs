//! Product versions `v<major>.<minor>` and the kinds of change that make them.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use utoipa::ToSchema;

/// A product version. The first is `v1.0`; a minor change adds one to `minor`; a major change
/// adds one to `major` and resets `minor` to zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: i32,
    pub minor: i32,
}

/// Serialised as it is written in ids and responses: `v<major>.<minor>`.
impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl Version {
    pub const FIRST: Version = Version { major: 1, minor: 0 };

    /// The version that a change of kind `bump` makes from this one.
    pub fn bumped(self, bump: Bump) -> Version {
        match bump {
            Bump::Initial => Version::FIRST,
            Bump::Minor => Version {
                major: self.major,
                minor: self.minor + 1,
            },
            Bump::Major => Version {
                major: self.major + 1,
                minor: 0,
            },
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}", self.major, self.minor)
    }
}

impl FromStr for Version {
    type Err = String;

    /// Parses the canonical spelling only (`v1.0`, not `1.0`, `v01.0` or `v1`), so that one
    /// version has exactly one id.
    fn from_str(raw: &str) -> Result<Self, String> {
        let invalid = || format!("`{raw}` is not a version like `v1.0`");
        let rest = raw.strip_prefix('v').ok_or_else(invalid)?;
        let (major, minor) = rest.split_once('.').ok_or_else(invalid)?;
        let number = |part: &str| -> Result<i32, String> {
            let canonical = !part.is_empty()
                && part.bytes().all(|b| b.is_ascii_digit())
                && (part == "0" || !part.starts_with('0'));
            if !canonical {
                return Err(invalid());
            }
            part.parse().map_err(|_| invalid())
        };
        let version = Version {
            major: number(major)?,
            minor: number(minor)?,
        };
        if version.major < 1 {
            return Err(format!(
                "`{raw}` is not a version: major versions start at 1"
            ));
        }
        Ok(version)
    }
}

/// What kind of version a change made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, sqlx::Type)]
#[sqlx(type_name = "version_bump", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    /// The first version, made by registration.
    Initial,
    /// A backwards-compatible change.
    Minor,
    /// A breaking change.
    Major,
}
