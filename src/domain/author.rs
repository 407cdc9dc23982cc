//! Who made a change, as recorded on versions and deletions.

/// The author of a change: a stable id (a user's `oid`, an application's client id, or
/// `anonymous` when authentication is disabled) and, for people, their display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub id: String,
    pub display_name: Option<String>,
}

impl Author {
    pub fn anonymous() -> Self {
        Self {
            id: "anonymous".to_owned(),
            display_name: None,
        }
    }
}
