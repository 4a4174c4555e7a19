//! [`UserType`] and [`UserStatus`]: open enums that round-trip values they do not know.

use std::fmt;

/// What kind of user an account is.
///
/// The REST surface documents `User` and `Alias`; the Essentials interface API uses seven
/// snake_case roles. A value the client does not know is kept as [`UserType::Other`] and
/// written back exactly as read, so a new server value never fails a listing or changes
/// on an update.
///
/// ```
/// use proofpoint_essentials::UserType;
///
/// assert_eq!(UserType::parse("end_user"), UserType::EndUser);
/// assert_eq!(UserType::parse("robot"), UserType::Other("robot".into()));
/// assert_eq!(UserType::User.as_str(), "User");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UserType {
    /// REST surface: a regular user (`User`).
    User,
    /// REST surface: an alias account (`Alias`).
    Alias,
    /// Interface API: `end_user`.
    EndUser,
    /// Interface API: `organization_admin`.
    OrganizationAdmin,
    /// Interface API: `channel_admin`.
    ChannelAdmin,
    /// Interface API: `strategic_partner_admin`.
    StrategicPartnerAdmin,
    /// Interface API: `oem_partner_admin`.
    OemPartnerAdmin,
    /// Interface API: `silent_user`.
    SilentUser,
    /// Interface API: `functional_account`.
    FunctionalAccount,
    /// A value this version does not know, kept verbatim.
    Other(String),
}

impl UserType {
    /// Reads a wire value. Matching is exact, so an unknown spelling (`user`) is kept as
    /// [`UserType::Other`] and written back unchanged.
    pub fn parse(value: &str) -> Self {
        match value {
            "User" => Self::User,
            "Alias" => Self::Alias,
            "end_user" => Self::EndUser,
            "organization_admin" => Self::OrganizationAdmin,
            "channel_admin" => Self::ChannelAdmin,
            "strategic_partner_admin" => Self::StrategicPartnerAdmin,
            "oem_partner_admin" => Self::OemPartnerAdmin,
            "silent_user" => Self::SilentUser,
            "functional_account" => Self::FunctionalAccount,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::User => "User",
            Self::Alias => "Alias",
            Self::EndUser => "end_user",
            Self::OrganizationAdmin => "organization_admin",
            Self::ChannelAdmin => "channel_admin",
            Self::StrategicPartnerAdmin => "strategic_partner_admin",
            Self::OemPartnerAdmin => "oem_partner_admin",
            Self::SilentUser => "silent_user",
            Self::FunctionalAccount => "functional_account",
            Self::Other(s) => s,
        }
    }

    /// `true` for the values only the REST surface documents (`User`, `Alias`).
    pub(crate) fn is_rest_only(&self) -> bool {
        matches!(self, Self::User | Self::Alias)
    }

    /// `true` for the values only the interface API documents.
    pub(crate) fn is_interface_only(&self) -> bool {
        !matches!(self, Self::User | Self::Alias | Self::Other(_))
    }
}

impl fmt::Display for UserType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a user is active.
///
/// The REST surface sends `status: "active" | "inactive"`; the interface API sends
/// `is_active: true | false`, which maps onto [`Active`](UserStatus::Active) and
/// [`Inactive`](UserStatus::Inactive). Deactivation is a status change
/// ([`Users::deactivate`](crate::Users::deactivate)), never a deletion.
///
/// ```
/// use proofpoint_essentials::UserStatus;
///
/// assert_eq!(UserStatus::parse("inactive"), UserStatus::Inactive);
/// assert_eq!(UserStatus::parse("locked").as_str(), "locked");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UserStatus {
    /// `active`
    Active,
    /// `inactive`
    Inactive,
    /// A value this version does not know, kept verbatim (REST surface only: the
    /// interface API's flag is a boolean).
    Other(String),
}

impl UserStatus {
    /// Reads a wire value (exact match; anything else is kept as `Other`).
    pub fn parse(value: &str) -> Self {
        match value {
            "active" => Self::Active,
            "inactive" => Self::Inactive,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Other(s) => s,
        }
    }
}

impl fmt::Display for UserStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_value_round_trips() {
        for v in [
            "User",
            "Alias",
            "end_user",
            "organization_admin",
            "channel_admin",
            "strategic_partner_admin",
            "oem_partner_admin",
            "silent_user",
            "functional_account",
            "user",
            "",
        ] {
            assert_eq!(UserType::parse(v).as_str(), v);
        }
        for v in ["active", "inactive", "Active", "suspended"] {
            assert_eq!(UserStatus::parse(v).as_str(), v);
        }
        assert!(UserType::User.is_rest_only());
        assert!(UserType::EndUser.is_interface_only());
        assert!(!UserType::Other("x".into()).is_interface_only());
    }
}
