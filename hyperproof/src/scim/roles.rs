//! Hyperproof's organization roles as SCIM provisions them.

use std::fmt;
use std::str::FromStr;

use scim_types::{MultiValued, User};

use crate::Error;
use idgraph_common::error::quote;

/// The SCIM PATCH path Hyperproof reads a user's role from (as Microsoft Entra ID's
/// attribute mapping writes it).
pub const ROLE_PATH: &str = r#"roles[primary eq "True"].value"#;

/// A Hyperproof organization role, as provisioned over SCIM.
///
/// Written as the user's primary role (`roles: [{"value": "…", "primary": true}]` on
/// create and replace; PATCH path [`ROLE_PATH`], `roles[primary eq "True"].value`, for a
/// change), with the app-role values of Hyperproof's Entra ID mapping.
///
/// The default, as Hyperproof documents for provisioned users, is
/// [`LimitedAccessUser`](HyperproofRole::LimitedAccessUser): a user gets more only when
/// you say so.
///
/// ```
/// use hyperproof::HyperproofRole;
///
/// assert_eq!(HyperproofRole::default(), HyperproofRole::LimitedAccessUser);
/// assert_eq!(HyperproofRole::ComplianceManager.as_str(), "COMPLIANCE_MANAGER");
/// assert_eq!("organization_administrator".parse::<HyperproofRole>()?, HyperproofRole::OrganizationAdministrator);
/// # Ok::<(), hyperproof::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum HyperproofRole {
    /// Organization administrator: full control of the organization (`ORGANIZATION_ADMINISTRATOR`).
    OrganizationAdministrator,
    /// Compliance manager (`COMPLIANCE_MANAGER`).
    ComplianceManager,
    /// User (`USER`).
    User,
    /// Limited access user (`LIMITED_ACCESS_USER`); the default.
    #[default]
    LimitedAccessUser,
}

impl HyperproofRole {
    /// Every role, most privileged first.
    pub const ALL: [HyperproofRole; 4] = [
        HyperproofRole::OrganizationAdministrator,
        HyperproofRole::ComplianceManager,
        HyperproofRole::User,
        HyperproofRole::LimitedAccessUser,
    ];

    /// The SCIM value (`ORGANIZATION_ADMINISTRATOR`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            HyperproofRole::OrganizationAdministrator => "ORGANIZATION_ADMINISTRATOR",
            HyperproofRole::ComplianceManager => "COMPLIANCE_MANAGER",
            HyperproofRole::User => "USER",
            HyperproofRole::LimitedAccessUser => "LIMITED_ACCESS_USER",
        }
    }

    /// The role for a SCIM value, in any case; `None` for a value this version does not
    /// know.
    pub fn from_value(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(value.trim()))
    }

    /// The user's role: its primary `roles` value (else its only one), when that is a
    /// known role. Use [`primary_role_value`] for the raw value.
    pub fn of(user: &User) -> Option<Self> {
        primary_role_value(user).and_then(Self::from_value)
    }
}

/// The raw value of a user's primary role (else of its first role), whatever it is.
pub fn primary_role_value(user: &User) -> Option<&str> {
    scim_types::Role::primary_in(&user.roles).and_then(|r| r.value.as_deref())
}

impl fmt::Display for HyperproofRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HyperproofRole {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_value(s).ok_or_else(|| {
            Error::invalid_input(format!(
                "unknown Hyperproof role {}: expected ORGANIZATION_ADMINISTRATOR, COMPLIANCE_MANAGER, USER or LIMITED_ACCESS_USER",
                quote(s)
            ))
        })
    }
}

/// Makes `role` the user's primary role, keeping its other, non-primary roles.
pub(crate) fn set_primary_role(user: &mut User, role: HyperproofRole) {
    user.roles.retain(|r| !r.is_primary());
    user.roles
        .insert(0, scim_types::Role::new(role.as_str()).with_primary(true));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_path_parses_and_prints_back() {
        let path: scim_types::PatchPath = ROLE_PATH.parse().unwrap();
        assert_eq!(path.to_string(), ROLE_PATH);
        assert_eq!(path.sub_attr(), Some("value"));
    }

    #[test]
    fn role_of_a_user_reads_the_primary_role() {
        let mut user = User::new("jane@example.com");
        assert_eq!(HyperproofRole::of(&user), None);
        user.roles.push(scim_types::Role::new("Something"));
        set_primary_role(&mut user, HyperproofRole::ComplianceManager);
        assert_eq!(
            HyperproofRole::of(&user),
            Some(HyperproofRole::ComplianceManager)
        );
        assert_eq!(user.roles.len(), 2);
        set_primary_role(&mut user, HyperproofRole::User);
        assert_eq!(user.roles.len(), 2);
        assert_eq!(primary_role_value(&user), Some("USER"));
    }
}
