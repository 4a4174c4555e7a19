//! [`User`] (as the API stores it) and [`NewUser`] (what a create sends).

use serde_json::{Map, Value};

use super::email::PrimaryEmail;
use super::kinds::{UserStatus, UserType};
use crate::credentials::UserPassword;
use crate::{Error, Result, Surface};
use idgraph_common::error::quote;

/// Which of the two spellings a sender list was read under (interface API sources
/// disagree: `white_list_senders` vs `safe_list_senders`, `black_list_senders` vs
/// `block_list_senders`). It is written back under the same key(s), so the server never
/// sees a field it would ignore while the one it knows is reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ListKey {
    /// `white_list_senders` / `black_list_senders` (also the choice for new users).
    #[default]
    Legacy,
    /// `safe_list_senders` / `block_list_senders`.
    Current,
    /// Both were present; both are written.
    Both,
}

/// A user as the API stores it.
///
/// A `User` can only come from the API ([`Users::get`](crate::Users::get),
/// [`Users::list`](crate::Users::list), …): it has no public constructor. That is what
/// makes [`Users::replace`](crate::Users::replace) safe: a PUT replaces the whole user,
/// so the client only ever PUTs a user that started as the server's full copy.
///
/// * Updatable fields are public; change them inside
///   [`Users::update`](crate::Users::update).
/// * [`primary_email`](Self::primary_email), [`user_type`](Self::user_type) and the
///   timestamps are read-only (the API says they are immutable or system-set).
/// * Fields the client does not model are kept in [`extra`](Self::extra) under their wire
///   names and sent back unchanged. So is a modelled field whose value has an unexpected
///   type (for example `mailboxSize: "1024"`): it stays in `extra` verbatim rather than
///   failing the listing or being dropped.
/// * `password` is write-only: always `None` when read, never logged or shown by `Debug`.
///
/// There is no way to build one by hand, so no partial user can reach a PUT:
///
/// ```compile_fail
/// use proofpoint_essentials::User;
/// let partial = User { first_name: Some("Jane".into()), ..User::default() };
/// ```
///
/// Field availability by surface: `roles`, `groups`, `mailbox_size`, `spam_policy` and
/// the timestamps exist on the REST surface only; `sender_allow_list` and
/// `sender_block_list` on the interface API only. Setting a field the client's surface
/// does not have is refused with [`Error::InvalidInput`] rather than silently dropped.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct User {
    pub(crate) primary_email: PrimaryEmail,
    pub(crate) user_type: Option<UserType>,
    /// First name (`firstName` / `firstname`).
    pub first_name: Option<String>,
    /// Last name (`lastName` / `surname`).
    pub last_name: Option<String>,
    /// Write-only: set it to change the user's password with the next PUT. Always `None`
    /// on a user read from the API.
    pub password: Option<UserPassword>,
    /// Admin roles, for example `["USER"]` (REST surface).
    pub roles: Option<Vec<String>>,
    /// Alias addresses (`aliases` / `alias_emails`). Deleted with the user.
    pub aliases: Option<Vec<String>>,
    /// Groups the user belongs to (REST surface). Membership is better changed through
    /// [`Groups::add_member`](crate::Groups::add_member), which confirms each change.
    pub groups: Option<Vec<String>>,
    /// Mailbox quota in MB (REST surface).
    pub mailbox_size: Option<u64>,
    /// User-level spam policy object (REST surface).
    pub spam_policy: Option<Value>,
    /// `active` / `inactive` (`status` on REST, `is_active` on the interface API).
    pub status: Option<UserStatus>,
    /// Allowed senders (`white_list_senders` or `safe_list_senders`, interface API).
    pub sender_allow_list: Option<Vec<String>>,
    /// Blocked senders (`black_list_senders` or `block_list_senders`, interface API).
    pub sender_block_list: Option<Vec<String>>,
    pub(crate) created_at: Option<String>,
    pub(crate) updated_at: Option<String>,
    pub(crate) extra: Map<String, Value>,
    pub(crate) origin: Surface,
    pub(crate) allow_key: ListKey,
    pub(crate) block_key: ListKey,
}

impl User {
    /// The primary email: the user's key. Immutable.
    pub fn primary_email(&self) -> &PrimaryEmail {
        &self.primary_email
    }

    /// The user's id, which every [`Users`](crate::Users) method takes: the primary email
    /// (Proofpoint names users by email), the same as [`primary_email`](Self::primary_email).
    /// Every user type of the family calls its typed id `id`.
    pub fn id(&self) -> &PrimaryEmail {
        &self.primary_email
    }

    /// The user type (`type`). Immutable on the REST surface.
    pub fn user_type(&self) -> Option<&UserType> {
        self.user_type.as_ref()
    }

    /// When the user was created (ISO 8601, REST surface), as the server sent it.
    pub fn created_at(&self) -> Option<&str> {
        self.created_at.as_deref()
    }

    /// When the user was last updated (ISO 8601, REST surface), as the server sent it.
    pub fn updated_at(&self) -> Option<&str> {
        self.updated_at.as_deref()
    }

    /// The interface API's numeric user id (`uid`), when the server sent one.
    pub fn uid(&self) -> Option<u64> {
        self.extra.get("uid").and_then(Value::as_u64)
    }

    /// Which API surface this user was read from.
    pub fn surface(&self) -> Surface {
        self.origin
    }

    /// `true` unless the status is [`UserStatus::Inactive`] (a user with no status is
    /// active, as the REST surface creates them).
    pub fn is_active(&self) -> bool {
        self.status != Some(UserStatus::Inactive)
    }

    /// Fields the client does not model, under their wire names, sent back unchanged.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// Sets a field the client does not model (wire name of this user's surface).
    ///
    /// Refuses the names of modelled fields (set those through the typed fields) and the
    /// primary email, which no update can carry.
    pub fn set_extra(&mut self, key: impl Into<String>, value: Value) -> Result<()> {
        let key = key.into();
        check_extra_key(self.origin, &key)?;
        self.extra.insert(key, value);
        Ok(())
    }

    /// Removes a field the client does not model; the next PUT omits it, which on a
    /// full-replace API resets it to the server's default.
    pub fn remove_extra(&mut self, key: &str) -> Option<Value> {
        self.extra.remove(key)
    }
}

/// A user to create. The required fields are the constructor's arguments, so a
/// `NewUser` without them does not compile.
///
/// ```
/// use proofpoint_essentials::{NewUser, PrimaryEmail, UserPassword, UserType};
///
/// let user = NewUser::new(PrimaryEmail::new("newuser@example.com")?, UserType::User)
///     .names("John", "Smith")
///     .password(UserPassword::new("Temp@1234"))
///     .role("USER");
/// assert_eq!(user.primary_email().as_str(), "newuser@example.com");
/// // The password never shows.
/// assert!(!format!("{user:?}").contains("Temp@1234"));
/// # Ok::<(), proofpoint_essentials::Error>(())
/// ```
///
/// Leaving out a required field does not compile:
///
/// ```compile_fail
/// use proofpoint_essentials::{NewUser, PrimaryEmail};
/// // error: `NewUser::new` takes the primary email *and* the user type.
/// let user = NewUser::new(PrimaryEmail::new("a@example.com")?);
/// # Ok::<(), proofpoint_essentials::Error>(())
/// ```
///
/// Group membership is not part of a create: the seed's onboarding scenario assigns
/// groups through `POST /groups/{id}/members` once the user exists, which
/// [`Users::bulk_create`](crate::Users::bulk_create) does for each
/// [`BulkUser::group`](crate::BulkUser::group).
#[derive(Debug, Clone)]
#[must_use]
pub struct NewUser {
    pub(crate) primary_email: PrimaryEmail,
    pub(crate) user_type: UserType,
    pub(crate) first_name: Option<String>,
    pub(crate) last_name: Option<String>,
    pub(crate) password: Option<UserPassword>,
    pub(crate) roles: Option<Vec<String>>,
    pub(crate) aliases: Option<Vec<String>>,
    pub(crate) mailbox_size: Option<u64>,
    pub(crate) spam_policy: Option<Value>,
    pub(crate) status: Option<UserStatus>,
    pub(crate) sender_allow_list: Option<Vec<String>>,
    pub(crate) sender_block_list: Option<Vec<String>>,
    pub(crate) send_welcome_email: Option<bool>,
    pub(crate) extra: Map<String, Value>,
}

impl NewUser {
    /// A user with the two fields every create requires: the primary email and the type
    /// (REST: [`UserType::User`] or [`UserType::Alias`]; interface API: for example
    /// [`UserType::EndUser`]).
    pub fn new(primary_email: PrimaryEmail, user_type: UserType) -> Self {
        Self {
            primary_email,
            user_type,
            first_name: None,
            last_name: None,
            password: None,
            roles: None,
            aliases: None,
            mailbox_size: None,
            spam_policy: None,
            status: None,
            sender_allow_list: None,
            sender_block_list: None,
            send_welcome_email: None,
            extra: Map::new(),
        }
    }

    /// The primary email the user will be created with.
    pub fn primary_email(&self) -> &PrimaryEmail {
        &self.primary_email
    }

    /// The user type.
    pub fn user_type(&self) -> &UserType {
        &self.user_type
    }

    /// First name.
    pub fn first_name(mut self, name: impl Into<String>) -> Self {
        self.first_name = Some(name.into());
        self
    }

    /// Last name.
    pub fn last_name(mut self, name: impl Into<String>) -> Self {
        self.last_name = Some(name.into());
        self
    }

    /// First and last name.
    pub fn names(self, first: impl Into<String>, last: impl Into<String>) -> Self {
        self.first_name(first).last_name(last)
    }

    /// The initial (temporary) password. Write-only; never logged.
    pub fn password(mut self, password: UserPassword) -> Self {
        self.password = Some(password);
        self
    }

    /// Adds an admin role (REST surface).
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.roles.get_or_insert_with(Vec::new).push(role.into());
        self
    }

    /// Adds an alias address.
    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        self.aliases.get_or_insert_with(Vec::new).push(alias.into());
        self
    }

    /// Mailbox quota in MB (REST surface).
    pub fn mailbox_size(mut self, megabytes: u64) -> Self {
        self.mailbox_size = Some(megabytes);
        self
    }

    /// User-level spam policy object (REST surface).
    pub fn spam_policy(mut self, policy: Value) -> Self {
        self.spam_policy = Some(policy);
        self
    }

    /// Initial status.
    pub fn status(mut self, status: UserStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Allowed senders (interface API).
    pub fn sender_allow_list<I: IntoIterator<Item = S>, S: Into<String>>(mut self, s: I) -> Self {
        self.sender_allow_list = Some(s.into_iter().map(Into::into).collect());
        self
    }

    /// Blocked senders (interface API).
    pub fn sender_block_list<I: IntoIterator<Item = S>, S: Into<String>>(mut self, s: I) -> Self {
        self.sender_block_list = Some(s.into_iter().map(Into::into).collect());
        self
    }

    /// Whether the server sends a welcome email (interface API, create only).
    pub fn send_welcome_email(mut self, send: bool) -> Self {
        self.send_welcome_email = Some(send);
        self
    }

    /// A field the client does not model, under its wire name on the client's surface.
    ///
    /// Fails for the names of modelled fields and for the primary email.
    pub fn extra_field(mut self, key: impl Into<String>, value: Value) -> Result<Self> {
        let key = key.into();
        check_extra_key(Surface::RestV2, &key)?;
        check_extra_key(Surface::InterfaceV1, &key)?;
        self.extra.insert(key, value);
        Ok(self)
    }
}

/// Wire names of the modelled fields on each surface (an `extra` entry under one of them
/// would be sent twice or override the typed value).
const REST_KEYS: &[&str] = &[
    "primaryEmail",
    "firstName",
    "lastName",
    "password",
    "type",
    "roles",
    "aliases",
    "groups",
    "mailboxSize",
    "spamPolicy",
    "status",
    "createdAt",
    "updatedAt",
];

/// See [`REST_KEYS`].
const INTERFACE_KEYS: &[&str] = &[
    "primary_email",
    "firstname",
    "surname",
    "password",
    "type",
    "alias_emails",
    "is_active",
    "white_list_senders",
    "safe_list_senders",
    "black_list_senders",
    "block_list_senders",
    "send_welcome_email",
];

fn check_extra_key(surface: Surface, key: &str) -> Result<()> {
    let keys = match surface {
        Surface::RestV2 => REST_KEYS,
        Surface::InterfaceV1 => INTERFACE_KEYS,
    };
    if key.eq_ignore_ascii_case("primaryEmail") || key.eq_ignore_ascii_case("primary_email") {
        return Err(Error::invalid_input(
            "the primary email is immutable and cannot be sent in an update; use Users::change_primary_email, which deletes and recreates the user and says what is lost",
        ));
    }
    if keys.contains(&key) {
        return Err(Error::invalid_input(format!(
            "{} is a modelled field; set it through the typed field instead of `extra`",
            quote(key)
        )));
    }
    Ok(())
}
