//! `/Users` over SCIM: the user lifecycle.

use futures::TryStreamExt;
use idgraph_common::Error;
use idgraph_common::error::quote;
use idgraph_common::scim::{ListRequest, ScimClient as GenericScimClient};
use scim_types::{Email, Filter, Name, PatchOp, User, UserId};

use super::roles::{HyperproofRole, ROLE_PATH, set_primary_role};
use crate::Result;

/// The SCIM users endpoint. Get it with [`ScimClient::users`](crate::ScimClient::users):
/// an owned handle (`Clone + Send + Sync + 'static`).
///
/// Hyperproof identifies users by email: `userName` is the work email.
///
/// There is no `delete`: Hyperproof's SCIM deprovisioning deactivates a user and keeps
/// the record and its audit history; a hard delete is a manual action of an organization
/// administrator in Hyperproof.
#[derive(Debug, Clone)]
pub struct ScimUsers {
    scim: GenericScimClient,
}

impl ScimUsers {
    pub(crate) fn new(scim: GenericScimClient) -> Self {
        Self { scim }
    }

    /// A listing of users: add a filter, attributes, page size or page cap, then end it
    /// with [`stream`](ListRequest::stream) (`paginate::Items<User>`) or
    /// [`pages`](ListRequest::pages) (`paginate::Pages<User>`). Lazy, paged with
    /// `startIndex`/`count`, and complete or `Error::IncompleteListing`.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    ///
    /// # async fn run(scim: hyperproof::ScimClient) -> hyperproof::Result<()> {
    /// let inactive: Vec<_> = scim
    ///     .users()
    ///     .list()
    ///     .stream()
    ///     .try_filter(|u| std::future::ready(u.active == Some(false)))
    ///     .try_collect()
    ///     .await?;
    /// # let _ = inactive; Ok(()) }
    /// ```
    pub fn list(&self) -> ListRequest<User> {
        self.scim.users().list()
    }

    /// `GET /Users/{id}`. A missing user is an error for which
    /// [`Error::is_not_found`] is true. The id is sent as one encoded path segment.
    pub async fn get(&self, id: &UserId) -> Result<User> {
        self.scim.users().get(id).await
    }

    /// The user whose `userName` is `user_name` (compared ignoring ASCII case, as
    /// Hyperproof compares emails), or `None`.
    ///
    /// Sends `filter=userName eq "…"`. The answer is checked, not trusted: a user whose
    /// `userName` does not match is never returned, even from a server that ignores the
    /// filter.
    pub async fn find_by_user_name(&self, user_name: &str) -> Result<Option<User>> {
        if user_name.trim().is_empty() {
            return Err(Error::invalid_input("the userName to look for is empty"));
        }
        let mut users = std::pin::pin!(
            self.list()
                .filter(Filter::eq("userName", user_name))
                .stream()
        );
        while let Some(user) = users.try_next().await? {
            if user.user_name.eq_ignore_ascii_case(user_name) {
                return Ok(Some(user));
            }
        }
        Ok(None)
    }

    /// `POST /Users`: creates a user and returns it as Hyperproof stored it.
    ///
    /// Not retried once it may have reached the server (a retry could create the user
    /// twice). A user that already exists is an error for which `is_conflict()` is true.
    pub async fn create(&self, user: &NewUser) -> Result<User> {
        if user.user.user_name.trim().is_empty() {
            return Err(Error::invalid_input(
                "a Hyperproof SCIM user needs a userName (the user's work email)",
            ));
        }
        self.scim.users().create(&user.to_scim()).await
    }

    /// `PUT /Users/{id}`: replaces the user with `user`.
    ///
    /// A PUT is a full replacement: start from the user as read with [`get`](Self::get),
    /// change it, and send it back, so nothing is cleared by accident (its role
    /// included). `If-Match` is sent when the user carries `meta.version`.
    pub async fn replace(&self, id: &UserId, user: &User) -> Result<User> {
        self.scim.users().replace(id, user).await
    }

    /// Deactivates the user: `PATCH /Users/{id}` replacing `active` with `false`, as
    /// Hyperproof's deprovisioning does. The user record and its audit history stay;
    /// the user can no longer sign in. Undo with [`reactivate`](Self::reactivate).
    ///
    /// Returns the user as it is now: the PATCH answer (Hyperproof answers with the
    /// user, as the seed shows), or, when a server answers `204 No Content`, a `GET` of
    /// it. If that `GET` fails, its error is returned: the deactivation was processed.
    pub async fn deactivate(&self, id: &UserId) -> Result<User> {
        self.set_active(id, false).await
    }

    /// Reactivates a deactivated user: `PATCH` replacing `active` with `true`. Returns
    /// the user as it is now, like [`deactivate`](Self::deactivate).
    pub async fn reactivate(&self, id: &UserId) -> Result<User> {
        self.set_active(id, true).await
    }

    /// Changes the user's Hyperproof role: `PATCH` replacing
    /// `roles[primary eq "True"].value`, as Entra ID's mapping does. Returns the user as
    /// it is now, like [`deactivate`](Self::deactivate).
    pub async fn set_role(&self, id: &UserId, role: HyperproofRole) -> Result<User> {
        let op = PatchOp::builder()
            .replace(ROLE_PATH, role.as_str())
            .build()
            .map_err(patch_error)?;
        self.patch(id, &op).await
    }

    /// Applies any PATCH to a user and returns the user as it is now: the server's
    /// answer, or a `GET` after a `204 No Content` (so every lifecycle verb returns the
    /// same thing). For the new version without the extra `GET`, use
    /// [`generic`](crate::ScimClient::generic)`().users().patch(…)`.
    pub async fn patch(&self, id: &UserId, op: &PatchOp) -> Result<User> {
        match self.scim.users().patch(id, op).await?.resource {
            Some(user) => Ok(user),
            None => self.get(id).await,
        }
    }

    /// Changes the user's email: one `PATCH` replacing `userName` and `emails` (the
    /// primary email's value set to `new_email`, other emails kept) on the same SCIM id,
    /// so the account, its role, its active state and its history stay. Returns the user
    /// as it is now.
    ///
    /// Reads the user first (`GET`): an already equal `userName` and primary email sends
    /// nothing more. Another user with `new_email` as `userName` is an error for which
    /// `is_conflict()` is true (409), a user that is gone one for which `is_not_found()`
    /// is true (404); either way nothing changed. An answer that does not show the new
    /// email on the same id is an [`Error::Incomplete`].
    ///
    /// The same verb as `probo_scim`'s `rename_email`: the email changes, the account
    /// stays.
    pub async fn rename_email(&self, id: &UserId, new_email: &str) -> Result<User> {
        let new_email = idgraph_common::graph::Email::check(new_email)?;
        let current = self.get(id).await?;
        self.rename_read(id, current, new_email).await
    }

    /// [`rename_email`](Self::rename_email) of the user `current` as just read by `id`
    /// (the caller has checked it is the account it means to rename).
    pub(crate) async fn rename_read(
        &self,
        id: &UserId,
        current: User,
        new_email: &str,
    ) -> Result<User> {
        let mut emails = current.emails.clone();
        let slot = emails
            .iter()
            .position(|e| e.primary == Some(true))
            .or_else(|| (!emails.is_empty()).then_some(0));
        match slot {
            Some(i) => {
                emails[i].value = Some(new_email.to_owned());
                emails[i].primary = Some(true);
            }
            None => emails.push(Email::work(new_email).with_primary(true)),
        }
        if current.user_name == new_email && current.emails == emails {
            return Ok(current);
        }
        let op = PatchOp::builder()
            .replace("userName", new_email)
            .replace(
                "emails",
                serde_json::to_value(&emails)
                    .map_err(|e| Error::invalid_input(format!("could not encode emails: {e}")))?,
            )
            .build()
            .map_err(patch_error)?;
        let user = self.patch(id, &op).await?;
        let converged = user.id.as_ref() == Some(id)
            && user.user_name.eq_ignore_ascii_case(new_email)
            && user
                .primary_email()
                .is_some_and(|e| e.eq_ignore_ascii_case(new_email));
        if !converged {
            return Err(Error::Incomplete {
                app: "Hyperproof".into(),
                operation: format!(
                    "renaming SCIM user {} ({}) to {}",
                    quote(id.as_str()),
                    quote(&current.user_name),
                    quote(new_email)
                )
                .into(),
                outcome: format!(
                    "Hyperproof answered the PATCH with userName {} and primary email {}: the email did not change as asked; read the user again before retrying",
                    quote(&user.user_name),
                    quote(user.primary_email().unwrap_or_default())
                )
                .into(),
            });
        }
        Ok(user)
    }

    async fn set_active(&self, id: &UserId, active: bool) -> Result<User> {
        let op = PatchOp::builder()
            .replace("active", active)
            .build()
            .map_err(patch_error)?;
        self.patch(id, &op).await
    }
}

/// A PATCH this crate builds from constants failed to build: a bug, reported as one
/// (the shared conversion keeps the whole cause in the message).
pub(crate) fn patch_error(e: scim_types::PatchError) -> Error {
    Error::from(e)
}

/// A user to create over SCIM, built step by step.
///
/// * `userName` is the user's work email, and is also sent as the primary work email
///   unless [`email`](Self::email) says otherwise;
/// * the role defaults to [`HyperproofRole::LimitedAccessUser`], as Hyperproof documents,
///   and is written as the primary role;
/// * the user is active unless [`active(false)`](Self::active) is set.
///
/// ```
/// use hyperproof::HyperproofRole;
/// use hyperproof::scim::NewUser;
///
/// let user = NewUser::new("jane@example.com")
///     .name("Jane", "Doe")
///     .external_id("00u1abcd")
///     .role(HyperproofRole::ComplianceManager)
///     .to_scim();
/// let json = serde_json::to_value(&user)?;
/// assert_eq!(json["userName"], "jane@example.com");
/// assert_eq!(json["emails"][0], serde_json::json!({"value": "jane@example.com", "type": "work", "primary": true}));
/// assert_eq!(json["roles"][0], serde_json::json!({"value": "COMPLIANCE_MANAGER", "primary": true}));
/// assert_eq!(json["active"], true);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct NewUser {
    user: User,
    role: HyperproofRole,
}

impl NewUser {
    /// An active user with this `userName` (the work email) and the default role.
    pub fn new(user_name: impl Into<String>) -> Self {
        Self {
            user: User::new(user_name).with_active(true),
            role: HyperproofRole::default(),
        }
    }

    /// Starts from a SCIM user (every attribute kept). Its primary role is used when it
    /// is a known Hyperproof role, else the default.
    pub fn from_user(user: User) -> Self {
        let role = HyperproofRole::of(&user).unwrap_or_default();
        Self { user, role }
    }

    /// Sets given and family names.
    pub fn name(mut self, given: impl Into<String>, family: impl Into<String>) -> Self {
        self.user.name = Some(Name::new(given, family));
        self
    }

    /// Sets the display name.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.user.display_name = Some(name.into());
        self
    }

    /// Sets the primary work email, when it differs from `userName`.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.user.emails = vec![Email::work(email).with_primary(true)];
        self
    }

    /// Sets `externalId` (your directory's id for the user).
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.user.external_id = Some(id.into());
        self
    }

    /// Sets the job title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.user.title = Some(title.into());
        self
    }

    /// Sets the locale (for example `en-US`).
    pub fn locale(mut self, locale: impl Into<String>) -> Self {
        self.user.locale = Some(locale.into());
        self
    }

    /// Sets the Hyperproof role. Default [`HyperproofRole::LimitedAccessUser`].
    pub fn role(mut self, role: HyperproofRole) -> Self {
        self.role = role;
        self
    }

    /// Whether the user is active. Default `true`.
    pub fn active(mut self, active: bool) -> Self {
        self.user.active = Some(active);
        self
    }

    /// The role that will be written.
    pub fn hyperproof_role(&self) -> HyperproofRole {
        self.role
    }

    /// The SCIM user that [`ScimUsers::create`] sends.
    pub fn to_scim(&self) -> User {
        let mut user = self.user.clone();
        if user.emails.is_empty() && !user.user_name.is_empty() {
            user.emails
                .push(Email::work(user.user_name.clone()).with_primary(true));
        }
        set_primary_role(&mut user, self.role);
        user
    }
}
