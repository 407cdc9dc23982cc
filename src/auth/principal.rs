//! Who a validated token speaks for.

use std::fmt;

/// The caller behind a validated bearer token: a signed-in user (delegated token) or an
/// application acting for itself (client-credentials token).
///
/// `Debug` shows the roles, scopes and kind of caller but not who it is: identifiers, names
/// and e-mail addresses are personal data and stay out of logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Principal {
    /// A user's `oid` (object id, stable across the tenant's applications; never `sub`), or an
    /// application's client id (`azp`, or `appid` in v1.0 tokens).
    pub id: String,
    /// `name`, when the token carries it.
    pub display_name: Option<String>,
    /// The user's sign-in name or address: `preferred_username`, else `email`, else `upn`
    /// (else v1.0's `unique_name`). Not necessarily a deliverable e-mail address. `None` for
    /// applications.
    pub email: Option<String>,
    /// The client application that obtained the token (`azp`, or `appid` in v1.0 tokens).
    pub client_id: Option<String>,
    /// An application acting for itself, with no user.
    pub is_application: bool,
    /// App roles granted to the user or application (`roles`).
    pub roles: Vec<String>,
    /// Delegated permissions consented for the user (`scp`, space-separated in the token).
    /// Always empty for applications.
    pub scopes: Vec<String>,
}

impl Principal {
    /// Whether the token grants the app role `role` (exact, case-sensitive, as Entra sends it).
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|granted| granted == role)
    }

    /// Whether the token grants the delegated scope `scope` (exact, case-sensitive).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|granted| granted == scope)
    }
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HIDDEN: &str = "<hidden>";
        let hidden = |present: bool| if present { HIDDEN } else { "None" };
        f.debug_struct("Principal")
            .field("id", &HIDDEN)
            .field("display_name", &hidden(self.display_name.is_some()))
            .field("email", &hidden(self.email.is_some()))
            .field("client_id", &hidden(self.client_id.is_some()))
            .field("is_application", &self.is_application)
            .field("roles", &self.roles)
            .field("scopes", &self.scopes)
            .finish()
    }
}
