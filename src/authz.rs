//! Authorisation: who may do what. One decision function, [`Policy::decide`], taking the
//! caller, the action and the resource, so that a policy engine could replace it later.

use crate::auth::{Principal, RoleNames};
use crate::domain::Ownership;

/// Who is calling.
#[derive(Debug, Clone)]
pub enum Caller {
    /// Authentication is disabled (local development): everything is allowed.
    Anonymous,
    /// A validated bearer token.
    Authenticated(Principal),
}

/// What the caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read anything.
    Read,
    /// Register a new data product.
    Register,
    /// Change a product's metadata or tables (and, later, its uploads).
    Change,
    /// Delete a whole product.
    Delete,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// The caller has none of these roles.
    MissingRole(Vec<String>),
    /// The caller has the producer role but is neither the owner nor the maintainer.
    NotOwner {
        producer_role: String,
        steward_role: String,
    },
}

impl Denied {
    /// The explanation sent in the 403 body.
    pub fn detail(&self) -> String {
        match self {
            Denied::MissingRole(roles) => match roles.as_slice() {
                [one] => format!("this needs the `{one}` app role"),
                many => format!(
                    "this needs one of the app roles {}",
                    many.iter()
                        .map(|r| format!("`{r}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            Denied::NotOwner {
                producer_role,
                steward_role,
            } => format!(
                "only the product's owner or maintainer (with the `{producer_role}` role) or a \
                 `{steward_role}` may change it"
            ),
        }
    }
}

/// The deployment's rules.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub roles: RoleNames,
    /// Reading needs the reader role (or producer/steward) rather than any valid token.
    pub require_reader_role: bool,
}

impl Policy {
    /// Decide whether `caller` may perform `action` on a product with `ownership` (needed for
    /// [`Action::Change`] only).
    pub fn decide(
        &self,
        caller: &Caller,
        action: Action,
        ownership: Option<Ownership<'_>>,
    ) -> Result<(), Denied> {
        let Caller::Authenticated(principal) = caller else {
            return Ok(());
        };
        let roles = &self.roles;
        let has = |role: &str| principal.has_role(role);
        let need_any = |wanted: &[&String]| {
            if wanted.iter().any(|role| has(role)) {
                Ok(())
            } else {
                Err(Denied::MissingRole(
                    wanted.iter().map(|r| (*r).clone()).collect(),
                ))
            }
        };
        match action {
            Action::Read if self.require_reader_role => {
                need_any(&[&roles.reader, &roles.producer, &roles.steward])
            }
            Action::Read => Ok(()),
            Action::Register => need_any(&[&roles.producer, &roles.steward]),
            Action::Delete => need_any(&[&roles.steward]),
            Action::Change => {
                if has(&roles.steward) {
                    return Ok(());
                }
                need_any(&[&roles.producer, &roles.steward])?;
                if ownership.is_some_and(|o| is_responsible(principal, o)) {
                    Ok(())
                } else {
                    Err(Denied::NotOwner {
                        producer_role: roles.producer.clone(),
                        steward_role: roles.steward.clone(),
                    })
                }
            }
        }
    }
}

/// A user is responsible when their sign-in name is the owner's or maintainer's address; an
/// application acting for itself when its client id is written there instead. Compared
/// case-insensitively. (A user's token also names the client app it came through; that does
/// not count.)
fn is_responsible(principal: &Principal, ownership: Ownership<'_>) -> bool {
    let client = principal
        .client_id
        .as_deref()
        .filter(|_| principal.is_application);
    let identities = [principal.email.as_deref(), client];
    [Some(ownership.owner), ownership.maintainer]
        .into_iter()
        .flatten()
        .any(|name| {
            identities
                .iter()
                .flatten()
                .any(|id| id.eq_ignore_ascii_case(name))
        })
}
