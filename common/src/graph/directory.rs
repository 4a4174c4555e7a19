//! The one trait every app implements: [`UserDirectory`], over [`DirectoryUser`]s.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::catalog::CatalogEntry;
use super::user::DirectoryUser;
use crate::error::Result;
use crate::paginate::Items;

/// An email address used as the identity key: kept as given, compared, hashed and
/// ordered case-insensitively (ASCII and Unicode lower case), trimmed of surrounding
/// white space.
///
/// Cheap to clone (shared, immutable storage; one allocation when the address is
/// already lower case).
///
/// ```
/// use idgraph_common::graph::Email;
///
/// assert_eq!(Email::new("Jane.Doe@Example.com"), Email::new("jane.doe@example.com"));
/// assert_eq!(Email::new(" Jane@X.io ").as_str(), "Jane@X.io");
/// assert_eq!(Email::new("Jane@X.io").key(), "jane@x.io");
/// ```
#[derive(Clone, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct Email {
    original: Arc<str>,
    key: Arc<str>,
}

impl Email {
    /// Wraps an address (not validated: each app validates its own rules).
    pub fn new(address: impl Into<String>) -> Self {
        let address: String = address.into();
        let trimmed = address.trim();
        let original: Arc<str> = Arc::from(trimmed);
        let already_lower = if trimmed.is_ascii() {
            !trimmed.bytes().any(|b| b.is_ascii_uppercase())
        } else {
            trimmed.to_lowercase() == trimmed
        };
        let key = if already_lower {
            Arc::clone(&original)
        } else {
            Arc::from(trimmed.to_lowercase())
        };
        Self { original, key }
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// The comparison key (lower case).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// `raw` trimmed, when it is plausibly one email address (one `@` with something on
    /// both sides, no white space); otherwise [`Error::InvalidInput`](crate::Error::InvalidInput)
    /// quoting it. Apps check their own rules on top; this catches what no app accepts
    /// before anything is sent.
    ///
    /// ```
    /// use idgraph_common::graph::Email;
    /// assert_eq!(Email::check(" jane@example.com ")?, "jane@example.com");
    /// assert!(Email::check("jane@").is_err());
    /// assert!(Email::check("jane doe@example.com").is_err());
    /// # Ok::<(), idgraph_common::Error>(())
    /// ```
    pub fn check(raw: &str) -> crate::Result<&str> {
        let email = raw.trim();
        if email.is_empty()
            || email.contains(char::is_whitespace)
            || email.split('@').count() != 2
            || email.starts_with('@')
            || email.ends_with('@')
        {
            return Err(crate::Error::invalid_input(format!(
                "{} is not an email address",
                crate::error::quote(email)
            )));
        }
        Ok(email)
    }
}

impl From<String> for Email {
    fn from(s: String) -> Self {
        Self::new(s)
    }
}

impl From<&str> for Email {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> Self {
        String::from(&*e.original)
    }
}

impl PartialEq for Email {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for Email {}

impl Hash for Email {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl PartialOrd for Email {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Email {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

impl AsRef<str> for Email {
    /// The address as given, as [`as_str`](Self::as_str) (what
    /// [`DirectoryUser::new`] takes).
    fn as_ref(&self) -> &str {
        &self.original
    }
}

impl Borrow<str> for Email {
    /// Borrows the *key*, so a `HashMap<Email, _>` can be queried with a lower-case `&str`.
    fn borrow(&self) -> &str {
        &self.key
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.original, f)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

/// One app's users, behind one interface.
///
/// Implemented by `probo_scim::Client`, `hyperproof::ScimClient`,
/// `proofpoint_essentials::Client` (both API surfaces) and by
/// `ReadBlind` for apps with no user API (Proof, Tessian), which
/// answers every operation with [`Error::Unsupported`](crate::Error::Unsupported) naming
/// the identity-provider action to take instead.
///
/// Operations that change a user identify it by [`DirectoryUser::app_id`] when set, else
/// by [email](DirectoryUser::email).
///
/// The methods are named `*_user` so that they never collide with a client's own
/// `users()` handle: `client.list_users()` and `client.users().list()` read differently
/// and both compile without naming the trait.
#[async_trait]
pub trait UserDirectory: Send + Sync {
    /// What the app offers (user API, SCIM, auth, limits, caveats). Its
    /// [`app`](CatalogEntry::app) id is what plans, reports and audit events name, and
    /// what `apply` checks a plan against. Your own app describes itself with
    /// [`CatalogEntry::builder`].
    fn catalog(&self) -> &CatalogEntry;

    /// Every user, as a lazy stream that ends cleanly only when the app's answers show
    /// everything arrived ([`Items::summary`]), and otherwise with an error: a plan made
    /// from a short listing would deprovision whoever is missing.
    fn list_users(&self) -> Items<DirectoryUser>;

    /// Creates a user, and says what the app really did ([`Created`]): some apps answer
    /// a create by taking over or renaming an existing account.
    async fn create_user(&self, user: &DirectoryUser) -> Result<Created>;

    /// Brings an existing user's names, external id, active flag (and groups where the
    /// app manages them) to the values in `desired`, without touching anything else the
    /// app stores. `desired.app_id()` (or its email) names the user. Returns the user as
    /// the app now has it.
    async fn update_user(&self, desired: &DirectoryUser) -> Result<DirectoryUser>;

    /// Deactivates a user (keeps the account and its history); returns the user as the
    /// app now has it.
    async fn deactivate_user(&self, user: &DirectoryUser) -> Result<DirectoryUser>;

    /// Deletes a user. Irreversible where the app says so; the caller's
    /// `SyncPolicy` is the confirmation. An app that only deactivated answers
    /// [`Error::Incomplete`](crate::Error::Incomplete).
    async fn delete_user(&self, user: &DirectoryUser) -> Result<()>;

    /// Reads one user as the app has it now: by `user.app_id()` when set, else by email.
    /// An unknown user is an error for which `is_not_found()` is true.
    ///
    /// [`apply`](super::apply()) calls it before every destructive step (deactivate,
    /// delete, rename) to make sure the account still belongs to the person the plan was
    /// made for: same email, same link key. If it does not, nothing is changed.
    async fn get_user(&self, user: &DirectoryUser) -> Result<DirectoryUser>;

    /// Changes a user's email to `new_email` while keeping the person, by the app's own
    /// route (the catalog's [`Lifecycle::rename`](super::catalog::Lifecycle::rename)), and
    /// returns the user as the app now has it. Its `app_id` may differ where the app's
    /// rename is a delete and a new create (then [`Lifecycle::rename_loses`] says what is
    /// lost, and a plan contains such a rename only when its policy allows lossy renames).
    ///
    /// The default answers [`Error::Unsupported`](crate::Error::Unsupported) with the
    /// catalog's instructions.
    ///
    /// [`Lifecycle::rename_loses`]: super::catalog::Lifecycle::rename_loses
    async fn rename_user(&self, user: &DirectoryUser, new_email: &Email) -> Result<DirectoryUser> {
        let _ = (user, new_email);
        Err(super::read_blind::unsupported(
            self.catalog(),
            super::catalog::Operation::Rename,
        ))
    }
}

/// What a create really did: [`UserDirectory::create_user`]'s answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Created {
    /// The user as the app stored it (with its `app_id`).
    pub user: DirectoryUser,
    /// Whether the app made a new account or reused one.
    pub kind: CreateKind,
}

impl Created {
    /// A new account.
    pub fn new(user: DirectoryUser) -> Self {
        Self {
            user,
            kind: CreateKind::New,
        }
    }

    /// An answer of another kind.
    pub fn with_kind(user: DirectoryUser, kind: CreateKind) -> Self {
        Self { user, kind }
    }
}

/// How an app answered a create.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CreateKind {
    /// A new account was made.
    New,
    /// An existing account (same email or same external id) was taken over and now has
    /// the attributes sent.
    TookOver,
    /// An existing account with the same external id was moved to the new email.
    Renamed {
        /// The email the account had before.
        previous_email: Email,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_lower_case_whatever_the_input() {
        for (given, key) in [
            ("ada@example.com", "ada@example.com"),
            (" Ada@Example.COM ", "ada@example.com"),
            ("ǅemal@example.com", "ǆemal@example.com"),
            ("ÉLODIE@example.fr", "élodie@example.fr"),
            ("élodie@example.fr", "élodie@example.fr"),
        ] {
            let e = Email::new(given);
            assert_eq!(e.key(), key, "{given}");
            assert_eq!(e.as_str(), given.trim());
            assert_eq!(e.clone(), Email::new(key));
            assert_eq!(String::from(e), given.trim());
        }
    }
}
