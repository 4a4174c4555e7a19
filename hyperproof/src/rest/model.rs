//! The REST API's data: users, groups, roles, typed ids and open enums.
//!
//! Decoding is lenient where Hyperproof's documentation is vague or inconsistent:
//!
//! * the enums ([`UserState`], [`OrganizationUserType`], [`ObjectStatus`]) are *open*: a
//!   value this version does not know becomes `Unknown(value)` instead of failing the
//!   whole response, and is written back as it came;
//! * every field but `id` may be absent or `null`;
//! * fields this crate does not model are kept in `extra`.
//!
//! Dates are kept as the ISO-8601 strings Hyperproof sends.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Defines a string id newtype.
macro_rules! rest_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id (opaque; not validated).
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as sent.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0).finish()
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

rest_id! {
    /// A user id (a UUID). [`Me::id`] and [`OrganizationUser::user_id`] are the user's
    /// identity across organizations; [`OrganizationUser::id`] is the user's record in
    /// this organization.
    UserId
}

rest_id! {
    /// A group id (a UUID).
    GroupId
}

rest_id! {
    /// A role id (a UUID), as in [`Me::organization_role_id`].
    RoleId
}

/// Defines an open string enum: known values as variants, anything else kept in
/// `Unknown(String)`.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version does not know, kept exactly as sent.
            Unknown(String),
        }

        impl $name {
            /// The value as Hyperproof writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )*
                    $name::Unknown(s) => s,
                }
            }

            /// Reads a value; known values match in any case.
            pub fn from_wire(s: &str) -> Self {
                $(
                    if s.eq_ignore_ascii_case($wire) {
                        return $name::$variant;
                    }
                )*
                $name::Unknown(s.to_owned())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok($name::from_wire(&s))
            }
        }
    };
}

open_enum! {
    /// The state of a user's Hyperproof account ([`Me::state`]).
    ///
    /// The documentation lists `pending`, `valid`, `not_invited`, `disabled` and `erased`,
    /// and its own example shows `verified`; all six are known here.
    ///
    /// ```
    /// use hyperproof::rest::UserState;
    /// let s: UserState = serde_json::from_str(r#""brand_new_state""#)?;
    /// assert_eq!(s, UserState::Unknown("brand_new_state".into()));
    /// assert_eq!(serde_json::to_string(&s)?, r#""brand_new_state""#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    UserState {
        /// Invited, not yet signed in.
        Pending => "pending",
        /// A valid account.
        Valid => "valid",
        /// Verified (the documentation's example value).
        Verified => "verified",
        /// Not invited.
        NotInvited => "not_invited",
        /// Disabled.
        Disabled => "disabled",
        /// Erased.
        Erased => "erased",
    }
}

open_enum! {
    /// What kind of member of the organization a user is ([`OrganizationUser::kind`]).
    OrganizationUserType {
        /// A person with an active account.
        ActiveUser => "activeUser",
        /// A person whose account is deactivated.
        DeactivatedUser => "deactivatedUser",
        /// A contact (no sign-in).
        Contact => "contact",
        /// A service account (an API client's identity).
        ServiceAccount => "serviceAccount",
        /// A deactivated service account.
        DeactivatedServiceAccount => "deactivatedServiceAccount",
        /// A service account used by a Hypersync.
        SyncServiceAccount => "syncServiceAccount",
        /// A deactivated Hypersync service account.
        DeactivatedSyncServiceAccount => "deactivatedSyncServiceAccount",
    }
}

impl OrganizationUserType {
    /// `true` for the deactivated kinds.
    pub fn is_deactivated(&self) -> bool {
        matches!(
            self,
            Self::DeactivatedUser
                | Self::DeactivatedServiceAccount
                | Self::DeactivatedSyncServiceAccount
        )
    }

    /// `true` for service accounts of any kind, active or not.
    pub fn is_service_account(&self) -> bool {
        matches!(
            self,
            Self::ServiceAccount
                | Self::DeactivatedServiceAccount
                | Self::SyncServiceAccount
                | Self::DeactivatedSyncServiceAccount
        )
    }
}

open_enum! {
    /// Whether an object is in use (`status` of users and groups).
    ObjectStatus {
        /// In use.
        Active => "active",
        /// Archived (for a group: removed from the IdP, or deleted over SCIM).
        Archived => "archived",
    }
}

/// The user the credentials act as (`GET /v1/users/me`).
///
/// With client credentials of a *service account* API client this is the service
/// account; with a *personal* API client it is the person who created it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Me {
    /// The user's id.
    pub id: UserId,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Given name.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Surname.
    #[serde(default)]
    pub surname: Option<String>,
    /// Language preference (`en`).
    #[serde(default)]
    pub language: Option<String>,
    /// Locale preference (`US`).
    #[serde(default)]
    pub locale: Option<String>,
    /// Time zone (`America/Los_Angeles`).
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Identity providers the user signs in with (with `expand=identityProviders`).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub identity_providers: Vec<String>,
    /// The user's role in the organization.
    #[serde(default)]
    pub organization_role_id: Option<RoleId>,
    /// Last sign-in (ISO-8601).
    #[serde(default)]
    pub last_login: Option<String>,
    /// Account state.
    #[serde(default)]
    pub state: Option<UserState>,
    /// When the account was verified (ISO-8601).
    #[serde(default)]
    pub verified_on: Option<String>,
    /// When the terms were accepted (ISO-8601).
    #[serde(default)]
    pub terms_accepted_on: Option<String>,
    /// Everything else (for example `organizations` with `expand=organizations`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A member of the organization (`GET /v1/users`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrganizationUser {
    /// The user's record in this organization.
    pub id: UserId,
    /// The user's identity across organizations (as [`Me::id`]).
    #[serde(default)]
    pub user_id: Option<UserId>,
    /// Email address; absent for some service accounts.
    #[serde(default)]
    pub email: Option<String>,
    /// Given name.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Surname.
    #[serde(default)]
    pub surname: Option<String>,
    /// Job title.
    #[serde(default)]
    pub title: Option<String>,
    /// What kind of member (`type` on the wire).
    #[serde(default, rename = "type")]
    pub kind: Option<OrganizationUserType>,
    /// Whether the record is active or archived.
    #[serde(default)]
    pub status: Option<ObjectStatus>,
    /// The user's role (with `expand=organizationRoleId`).
    #[serde(default)]
    pub organization_role_id: Option<RoleId>,
    /// Identity providers (with `expand=identityProviders`).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub identity_providers: Vec<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl OrganizationUser {
    /// `true` when the member is deactivated (by `type`), or archived.
    pub fn is_deactivated(&self) -> bool {
        self.kind
            .as_ref()
            .is_some_and(OrganizationUserType::is_deactivated)
            || self.status == Some(ObjectStatus::Archived)
    }

    /// `true` unless [`is_deactivated`](Self::is_deactivated): the name every user type
    /// of the family has for it (`scim_types::User::is_active`, Proofpoint's
    /// `User::is_active`).
    pub fn is_active(&self) -> bool {
        !self.is_deactivated()
    }
}

/// A group of users (`/v1/groups`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Group {
    /// The group's id.
    pub id: GroupId,
    /// The organization's id.
    #[serde(default)]
    pub org_id: Option<String>,
    /// The group's name.
    #[serde(default)]
    pub name: String,
    /// The group lead.
    #[serde(default)]
    pub group_lead_id: Option<UserId>,
    /// The members.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub user_ids: Vec<UserId>,
    /// Whether the group is active or archived.
    #[serde(default)]
    pub status: Option<ObjectStatus>,
    /// Created (ISO-8601).
    #[serde(default)]
    pub created_on: Option<String>,
    /// Last updated (ISO-8601).
    #[serde(default)]
    pub updated_on: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An organization role (`GET /v1/roles`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Role {
    /// The role's id.
    pub id: RoleId,
    /// The role's name.
    #[serde(default)]
    pub name: Option<String>,
    /// What the role allows.
    #[serde(default)]
    pub description: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A new group (`POST /v1/groups`), built step by step.
///
/// ```
/// use hyperproof::rest::{NewGroup, UserId};
///
/// let group = NewGroup::new("Compliance Managers")
///     .group_lead(UserId::new("abcdef12-3456-7890-abcd-ef1234567890"))
///     .member(UserId::new("195032c4-0a2b-4f3e-8d5f-1a2b3c4d5e6f"));
/// assert_eq!(
///     serde_json::to_value(&group)?,
///     serde_json::json!({
///         "name": "Compliance Managers",
///         "groupLeadId": "abcdef12-3456-7890-abcd-ef1234567890",
///         "userIds": ["195032c4-0a2b-4f3e-8d5f-1a2b3c4d5e6f"]
///     })
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[must_use]
pub struct NewGroup {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_lead_id: Option<UserId>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    user_ids: Vec<UserId>,
}

impl NewGroup {
    /// A group with this name (required, not empty) and no members.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            group_lead_id: None,
            user_ids: Vec::new(),
        }
    }

    /// Sets the group lead.
    pub fn group_lead(mut self, user: UserId) -> Self {
        self.group_lead_id = Some(user);
        self
    }

    /// Adds a member.
    pub fn member(mut self, user: UserId) -> Self {
        self.user_ids.push(user);
        self
    }

    /// Adds members.
    pub fn members(mut self, users: impl IntoIterator<Item = UserId>) -> Self {
        self.user_ids.extend(users);
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// `null` reads as an empty list.
fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_enums_match_known_values_in_any_case_and_keep_unknown_ones() {
        assert_eq!(
            OrganizationUserType::from_wire("ACTIVEUSER"),
            OrganizationUserType::ActiveUser
        );
        let unknown = OrganizationUserType::from_wire("robot");
        assert_eq!(unknown.as_str(), "robot");
        assert!(!unknown.is_deactivated());
        assert!(OrganizationUserType::DeactivatedSyncServiceAccount.is_deactivated());
        assert!(OrganizationUserType::DeactivatedSyncServiceAccount.is_service_account());
    }

    #[test]
    fn a_user_with_unknown_values_and_nulls_decodes() -> Result<(), serde_json::Error> {
        let u: OrganizationUser = serde_json::from_value(serde_json::json!({
            "id": "u1", "type": "hologram", "status": null, "identityProviders": null,
            "newField": 1
        }))?;
        assert_eq!(
            u.kind,
            Some(OrganizationUserType::Unknown("hologram".into()))
        );
        assert_eq!(u.status, None);
        assert!(u.identity_providers.is_empty());
        assert_eq!(u.extra["newField"], 1);
        Ok(())
    }
}
