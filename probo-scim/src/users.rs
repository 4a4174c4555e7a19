//! [`Users`]: the `/Users` endpoint with Probo's traps handled, and [`ListUsers`].

use std::fmt;

use futures::TryStreamExt;
use idgraph_common::error::quote;
use idgraph_common::paginate::{Items, Pages};
use idgraph_common::scim::{ListRequest, Resources};
use idgraph_common::{ApiError, Error, ErrorBody, Result};
use scim_types::{Email, Filter, Name, PatchOp, PatchOpKind, User, UserId};
use serde_json::Value;

use crate::client::Client;
use crate::outcome::{CreateOutcome, RenameOutcome};
use crate::timestamp::parse_rfc3339;

/// The user's real `externalId`, or `None`.
///
/// Probo never leaves `externalId` out: for a user without one it sends the user's own
/// `id` instead. This treats that echo as "no externalId".
///
/// ```
/// use probo_scim::{User, external_id};
///
/// let echo: User = serde_json::from_str(r#"{"id":"ABEiM0RVZncAMwAAAaAlZTWoobLD1OX2","externalId":"ABEiM0RVZncAMwAAAaAlZTWoobLD1OX2","userName":"a@x.io"}"#)?;
/// assert_eq!(external_id(&echo), None);
/// let real = User::new("a@x.io").with_external_id("00u1abcd");
/// assert_eq!(external_id(&real), Some("00u1abcd"));
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn external_id(user: &User) -> Option<&str> {
    let ext = user.external_id.as_deref().filter(|e| !e.is_empty())?;
    match &user.id {
        Some(id) if id.as_str() == ext => None,
        _ => Some(ext),
    }
}

/// Operations on Probo's `/Users`. Get one with [`Client::users`].
///
/// An owned handle (a cheap clone of the client inside): `Send + Sync + 'static`, keep it
/// as long as you like.
///
/// Every method that names a user takes its [`UserId`] (the `id` Probo assigned, as in
/// `user.id`) and sends it as one percent-encoded path segment (an id holding `/`, `?` or
/// `#` cannot reach another endpoint); `""`, `.` and `..` are refused before anything is
/// sent.
///
/// | Verb | Returns |
/// |---|---|
/// | [`get`](Self::get) | the [`User`] |
/// | [`create`](Self::create) | a [`CreateOutcome`] (new, taken over or renamed), [`CreateOutcome::user`] |
/// | [`deactivate`](Self::deactivate), [`reactivate`](Self::reactivate) | the [`User`] as it is now |
/// | [`delete`](Self::delete) | `()` when the user is gone; [`Error::Incomplete`] when Probo only deactivated them |
/// | [`rename_email`](Self::rename_email) | a [`RenameOutcome`] |
#[derive(Clone)]
pub struct Users {
    client: Client,
}

impl Users {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    fn scim(&self) -> Resources<User> {
        self.client.scim().users()
    }

    /// A listing of users: add a filter or page size, then
    /// [`stream`](ListUsers::stream).
    ///
    /// Probo ignores paging and answers every request with every matching user; the
    /// stream stops after the first answer (its `totalResults` is what it returned) and
    /// never yields a user twice. Deactivated users are listed (`active: false`); users
    /// Probo did not provision through SCIM (invited by hand, SAML) are not.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(client: probo_scim::Client) -> probo_scim::Result<()> {
    /// let inactive: Vec<_> = client
    ///     .users()
    ///     .list()
    ///     .stream()
    ///     .try_filter(|u| std::future::ready(u.active == Some(false)))
    ///     .try_collect()
    ///     .await?;
    /// # let _ = inactive; Ok(()) }
    /// ```
    pub fn list(&self) -> ListUsers {
        ListUsers {
            inner: self.scim().list(),
        }
    }

    /// `GET /Users/{id}`. An unknown id (or a string that is not a Probo id) is an error
    /// for which [`Error::is_not_found`] is true.
    ///
    /// ```no_run
    /// use probo_scim::UserId;
    /// # async fn run(client: probo_scim::Client) -> probo_scim::Result<()> {
    /// let user = client.users().get(&UserId::new("ABEiM0RVZncAMwAAAaAlZTWoobLD1OX2")).await?;
    /// println!("{} active={:?}", user.user_name, user.active);
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, id: &UserId) -> Result<User> {
        self.scim().get(id).await
    }

    /// The user whose `userName` (their email) equals `user_name`, ignoring case, as
    /// Probo compares it. `None` when there is none (or when the only match is a user
    /// Probo did not provision through SCIM: those are invisible to SCIM listings).
    ///
    /// The value is escaped into a `userName eq "…"` filter; the match is checked again
    /// locally, so a server that ignored the filter could not return the wrong user.
    pub async fn find_by_user_name(&self, user_name: &str) -> Result<Option<User>> {
        if user_name.trim().is_empty() {
            return Err(Error::invalid_input(
                "find_by_user_name needs a non-empty userName",
            ));
        }
        let wanted = user_name.to_lowercase();
        let found: Vec<User> = self
            .list()
            .filter(Filter::eq("userName", user_name))
            .stream()
            .try_filter(|u| std::future::ready(u.user_name.to_lowercase() == wanted))
            .try_collect()
            .await?;
        Ok(found.into_iter().next())
    }

    /// The user whose `externalId` is exactly `external_id`.
    ///
    /// Probo rejects `externalId` filters (400 `invalidFilter`), so this lists every user
    /// (one request: Probo returns them all at once) and compares locally. The `id` that
    /// Probo sends as `externalId` for users without one never matches (see
    /// [`external_id`]).
    pub async fn find_by_external_id(&self, external_id_value: &str) -> Result<Option<User>> {
        if external_id_value.is_empty() {
            return Err(Error::invalid_input(
                "find_by_external_id needs a non-empty externalId",
            ));
        }
        let found: Vec<User> = self
            .list()
            .stream()
            .try_filter(|u| std::future::ready(external_id(u) == Some(external_id_value)))
            .try_collect()
            .await?;
        Ok(found.into_iter().next())
    }

    /// `POST /Users`, reporting what Probo actually did ([`CreateOutcome`]).
    ///
    /// Probo answers 201 in three cases: a new user; a take-over of a profile with this
    /// email that Probo did not provision through SCIM (same id, attributes overwritten);
    /// and, when the `externalId` belongs to a user with another email, a *rename* of that
    /// user. It answers 409 when the email already belongs to a SCIM user.
    ///
    /// **How the outcome is determined, and what it costs.** The client keeps a record of
    /// the SCIM users it has seen: the last complete listing (from
    /// [`UserDirectory::list_users`](idgraph_common::graph::UserDirectory::list_users), or
    /// taken here), updated with every user Probo answers a write with. A create whose
    /// user carries an `externalId` lists every user first (one request) only when that
    /// record is missing or older than 15 minutes; otherwise it is one `POST`. So K creates
    /// cost at most one listing plus K writes. Then, from Probo's answer:
    ///
    /// * an id the record holds as a SCIM user is [`CreateOutcome::Renamed`] (from the
    ///   email recorded for it);
    /// * any other id whose `meta.lastModified` is later than its `meta.created` existed
    ///   before: [`CreateOutcome::TookOver`] (a profile not provisioned through SCIM, or a
    ///   SCIM user created or renamed by someone else since the listing, whose previous
    ///   email the client cannot know);
    /// * otherwise [`CreateOutcome::Created`].
    ///
    /// The limit: Probo's timestamps have second precision and its answer carries no
    /// other sign of reuse, so an existing account that the record does not hold *and*
    /// that was created within the same second as it was reused reads as `Created`
    /// (Probo's answers make the two indistinguishable). Changes others make after the
    /// listing can also make `previous_user_name` the email the client last saw rather
    /// than the very last one. A create without `externalId` never lists: Probo can then
    /// only take over a profile that no listing shows anyway.
    ///
    /// `active` absent means active. Not retried once it may have reached Probo.
    pub async fn create(&self, user: &User) -> Result<CreateOutcome> {
        if user.user_name.trim().is_empty() {
            return Err(Error::invalid_input(
                "a Probo user needs a userName (their email address)",
            ));
        }
        let mut body = user.clone();
        body.id = None;
        body.meta = None;
        let seen = self.client.snapshot();
        if body.external_id.as_deref().is_some_and(|e| !e.is_empty()) && !seen.is_fresh() {
            self.refresh_snapshot().await?;
        }
        let created = self.scim().create(&body).await?;
        let before = created.id.as_ref().and_then(|id| seen.seen(id.as_str()));
        seen.observe(&created);
        Ok(match before {
            Some(before) if before.user_name.to_lowercase() != created.user_name.to_lowercase() => {
                CreateOutcome::Renamed {
                    user: created,
                    previous_user_name: before.user_name,
                }
            }
            // A SCIM user with this very email would have been a 409: whatever happened
            // since the listing, the account existed before.
            Some(_) => CreateOutcome::TookOver { user: created },
            None if modified_after_creation(&created) => CreateOutcome::TookOver { user: created },
            None => CreateOutcome::Created { user: created },
        })
    }

    /// Lists every user (one request) and keeps the result as the record of SCIM users
    /// that [`create`](Self::create) reads.
    pub(crate) async fn refresh_snapshot(&self) -> Result<Vec<User>> {
        let (users, summary) = self.list().stream().collect_with_summary().await?;
        if summary.is_complete() {
            self.client.snapshot().replace(&users);
        }
        Ok(users)
    }

    /// `PUT /Users/{id}` with Probo's traps defused. Returns the user as Probo stored it.
    ///
    /// Probo's PUT is not a full replacement, and two of its rules lose data silently:
    ///
    /// * a PUT without `active` **reactivates** the user: the client always sends `active`,
    ///   from `user`, else from the current user;
    /// * a PUT without `title`, `name.givenName` or `name.familyName` **clears** them: the
    ///   client sends the current values for those the caller left unset (`None`). To clear
    ///   one, set it to `""`.
    ///
    /// It also refuses (with [`Error::InvalidInput`], nothing sent) a `userName` or primary
    /// email different from the current one: Probo ignores `emails` on PUT and would let
    /// `userName` and the email disagree. Use [`rename_email`](Self::rename_email).
    /// `emails` is sent as it is now; an `externalId` equal to the user's `id` (Probo's
    /// echo) is not sent, so it is never stored for real. Costs one `GET` first.
    pub async fn replace(&self, id: &UserId, user: &User) -> Result<User> {
        let current = self.get(id).await?;
        refuse_email_change(&current, user)?;
        let mut body = user.clone();
        body.id = None;
        body.meta = None;
        if body.user_name.is_empty() {
            body.user_name = current.user_name.clone();
        }
        body.active = Some(user.active.or(current.active).ok_or_else(|| {
            Error::invalid_input(
                "cannot tell whether the user is active (Probo did not say): set `active` explicitly, since a PUT without it reactivates the user",
            )
        })?);
        if body.title.is_none() {
            body.title = current.title.clone();
        }
        let current_name = current.name.clone().unwrap_or_default();
        let mut name = body.name.take().unwrap_or_default();
        if name.given_name.is_none() {
            name.given_name = current_name.given_name;
        }
        if name.family_name.is_none() {
            name.family_name = current_name.family_name;
        }
        if name != Name::default() {
            body.name = Some(name);
        }
        if body.external_id.as_deref() == Some(id.as_str()) {
            body.external_id = None;
        }
        body.emails = current.emails.clone();
        let user = self.scim().replace(id, &body).await?;
        self.client.snapshot().observe(&user);
        Ok(user)
    }

    /// `PATCH /Users/{id}`; returns the user as Probo stored it.
    ///
    /// Operations on `userName` or `emails` are refused with [`Error::InvalidInput`]
    /// (Probo ignores `emails` and would let `userName` and the email disagree): use
    /// [`rename_email`](Self::rename_email).
    ///
    /// What Probo does with a PATCH: `add` is `replace`; `remove` of an attribute it does
    /// not clear is ignored (200, unchanged), as are `emails…`, `phoneNumbers…`,
    /// `addresses…`, `roles` and core-URN-qualified paths; changing `name.givenName` or
    /// `name.familyName` without `displayName` in the same request rewrites
    /// `displayName` from the parts sent (send `displayName` too to keep it);
    /// `active: true` on a deactivated user resets their role to EMPLOYEE.
    pub async fn patch(&self, id: &UserId, op: &PatchOp) -> Result<User> {
        refuse_email_patch(op)?;
        self.patch_unchecked(id, op).await
    }

    async fn patch_unchecked(&self, id: &UserId, op: &PatchOp) -> Result<User> {
        let user = match self.scim().patch(id, op).await?.resource {
            Some(user) => user,
            // Probo always answers 200 with the user; a 204 from a proxy or a future
            // version is followed by a GET so the caller still gets the user.
            None => self.get(id).await?,
        };
        self.client.snapshot().observe(&user);
        Ok(user)
    }

    /// Deactivates the user (`PATCH active: false`): they can no longer sign in, stay
    /// listed with `active: false`, their pending invitations expire and their open
    /// signature requests are removed. Returns the user as it is now.
    pub async fn deactivate(&self, id: &UserId) -> Result<User> {
        self.set_active(id, false).await
    }

    /// Reactivates a deactivated user (`PATCH active: true`).
    ///
    /// Probo resets the user's role to **EMPLOYEE** on reactivation: an admin who is
    /// deactivated and reactivated comes back as an employee. A user still invited
    /// (pending) stays pending.
    pub async fn reactivate(&self, id: &UserId) -> Result<User> {
        self.set_active(id, true).await
    }

    async fn set_active(&self, id: &UserId, active: bool) -> Result<User> {
        let op = PatchOp::builder()
            .replace("active", active)
            .build()
            .map_err(|e| Error::invalid_input(e.to_string()))?;
        self.patch_unchecked(id, &op).await
    }

    /// `DELETE /Users/{id}`, then a `GET` to find out what Probo did. `Ok(())` means the
    /// user is gone (the `GET` answered 404).
    ///
    /// Probo answers 204 both when it deleted the user and when it could not (other
    /// records, for example signed documents, reference the user) and deactivated them
    /// instead. That second case is an [`Error::Incomplete`] whose outcome says so: the
    /// user is deprovisioned (cannot sign in, listed with `active: false`) but still
    /// there, and deleting again does the same. A user still there *and active* after the
    /// 204 (not expected from Probo) is an [`Error::Incomplete`] too, saying nothing was
    /// removed. Either way, [`get`](Self::get) shows the user as it is now.
    ///
    /// Deleting an unknown id is an error for which [`Error::is_not_found`] is true. If the
    /// follow-up `GET` fails otherwise, its error is returned: the DELETE was processed,
    /// but what it did is unknown.
    ///
    /// ```no_run
    /// use probo_scim::{Error, UserId};
    /// # async fn run(client: probo_scim::Client, id: UserId) -> probo_scim::Result<()> {
    /// match client.users().delete(&id).await {
    ///     Ok(()) => println!("deleted"),
    ///     // Probo kept the user (referenced by signed documents) and deactivated them.
    ///     Err(e @ Error::Incomplete { .. }) => println!("{e}"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, id: &UserId) -> Result<()> {
        self.scim().delete(id).await?;
        let user = match self.get(id).await {
            Err(e) if e.is_not_found() => {
                self.client.snapshot().forget(id.as_str());
                return Ok(());
            }
            Err(e) => return Err(e),
            Ok(user) => user,
        };
        let operation = format!(
            "deleting user {} ({})",
            quote(id.as_str()),
            quote(&user.user_name)
        );
        let outcome = if user.active == Some(false) {
            "Probo kept the user because other records (for example signed documents) reference it, and deactivated it instead: the user can no longer sign in and stays listed with active: false; deleting again does the same"
        } else {
            "Probo answered the DELETE with 204 but the user is still there and active: nothing was removed"
        };
        Err(Error::Incomplete {
            app: "Probo".into(),
            operation: operation.into(),
            outcome: outcome.into(),
        })
    }

    /// Changes a user's email (and `userName`), keeping their id, role, active state and
    /// history.
    ///
    /// Probo changes an email only through a `POST /Users` that repeats the user's
    /// `externalId` with the new email; PUT and PATCH ignore emails. So this reads the
    /// user, and POSTs their current attributes with the new email. A user without an
    /// `externalId` first gets their own `id` as `externalId` (`PATCH`), which Probo
    /// displays exactly like "no externalId" (it shows the id there anyway); before that
    /// PATCH, a `userName` lookup makes sure no SCIM user has the new email, so a conflict
    /// changes nothing.
    ///
    /// **Role and active state.** Probo resets the role to EMPLOYEE when a step
    /// reactivates a deactivated user, and its SCIM API can neither read nor set roles
    /// (`roles` is accepted and dropped), so a reset role could not be restored. The POST
    /// therefore always carries the user's current `active` (never `true` for a user who
    /// is not active), so no step reactivates anyone and the role is never reset. A user
    /// whose `active` Probo did not report is refused ([`Error::InvalidInput`], nothing
    /// sent). Probo shows a user still invited (pending) as `active: false`, like a
    /// deactivated one; the POST keeps `active: false` for them too, which in Probo's
    /// create path may deactivate the pending invitation: SCIM cannot tell the two apart,
    /// and reactivating a deactivated user would be worse.
    ///
    /// A new email already used by a SCIM user is a 409 ([`Error::is_conflict`]), and
    /// nothing is changed. A new email that belongs to a profile Probo did not provision
    /// through SCIM (invisible to SCIM, so it cannot be checked first) makes Probo take
    /// over *that* profile instead ([`RenameOutcome::TookOverOtherProfile`]). A change of
    /// letter case only is refused: Probo compares emails ignoring case.
    pub async fn rename_email(&self, id: &UserId, new_email: &str) -> Result<RenameOutcome> {
        let new_email = idgraph_common::graph::Email::check(new_email)?;
        let current = self.get(id).await?;
        if current.user_name == new_email {
            return Ok(RenameOutcome::Unchanged { user: current });
        }
        if current.user_name.to_lowercase() == new_email.to_lowercase() {
            return Err(Error::invalid_input(
                "Probo compares emails ignoring case, so it cannot change only the case of an email",
            ));
        }
        let active = current.active.ok_or_else(|| {
            Error::invalid_input(
                "cannot tell whether the user is active (Probo did not say): a rename POST without `active` would reactivate the user and reset their role",
            )
        })?;
        let ext = match external_id(&current) {
            Some(ext) => ext.to_owned(),
            None => {
                // A write comes before the POST here: make sure the POST cannot be a 409.
                if let Some(holder) = self.find_by_user_name(new_email).await?
                    && holder.id.as_ref() != Some(id)
                {
                    return Err(email_taken(new_email));
                }
                let op = PatchOp::builder()
                    .replace("externalId", id.as_str())
                    .build()
                    .map_err(|e| Error::invalid_input(e.to_string()))?;
                self.patch_unchecked(id, &op).await?;
                id.as_str().to_owned()
            }
        };
        let mut body = current.clone();
        body.id = None;
        body.meta = None;
        body.user_name = new_email.to_owned();
        body.emails = vec![Email::work(new_email).with_primary(true)];
        body.external_id = Some(ext);
        body.active = Some(active);
        let user = self.scim().create(&body).await?;
        self.client.snapshot().observe(&user);
        if user.id.as_ref() == Some(id) {
            Ok(RenameOutcome::Renamed {
                user,
                previous_user_name: current.user_name,
            })
        } else {
            let original = Box::new(self.get(id).await?);
            self.client.snapshot().observe(&original);
            Ok(RenameOutcome::TookOverOtherProfile { user, original })
        }
    }
}

impl fmt::Debug for Users {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Users")
            .field("client", &self.client)
            .finish()
    }
}

/// The conflict a rename meets when a SCIM user already has the new email, found by a
/// `userName` lookup before any write (so nothing was changed): the 409 Probo would answer.
fn email_taken(new_email: &str) -> Error {
    let mut api = ApiError::new(409, "POST", "/Users").with_body(ErrorBody::Json {
        code: Some("uniqueness".into()),
        message: Some(format!(
            "another Probo SCIM user already has the email {}",
            quote(new_email)
        )),
    });
    api.set_hint(
        "found by a userName lookup before any write: nothing was changed; rename or remove the other user first",
    );
    Error::Api(Box::new(api))
}

/// `true` when the resource changed after it was created (Probo's second-precision
/// timestamps, compared as instants).
fn modified_after_creation(user: &User) -> bool {
    let Some(meta) = &user.meta else {
        return false;
    };
    match (
        meta.created.as_deref().and_then(parse_rfc3339),
        meta.last_modified.as_deref().and_then(parse_rfc3339),
    ) {
        (Some(created), Some(modified)) => modified > created,
        _ => false,
    }
}

const RENAME_HINT: &str = "Probo ignores emails on PUT and PATCH and would let userName and the email disagree; change a user's email with users().rename_email(&id, new_email)";

fn refuse_email_change(current: &User, wanted: &User) -> Result<()> {
    let differs = |a: &str, b: &str| a.to_lowercase() != b.to_lowercase();
    if !wanted.user_name.is_empty() && differs(&wanted.user_name, &current.user_name) {
        return Err(Error::invalid_input(format!(
            "replace cannot change userName from {} to {}: {RENAME_HINT}",
            quote(&current.user_name),
            quote(&wanted.user_name)
        )));
    }
    if let (Some(new), Some(old)) = (wanted.primary_email(), current.primary_email())
        && differs(new, old)
    {
        return Err(Error::invalid_input(format!(
            "replace cannot change the email from {} to {}: {RENAME_HINT}",
            quote(old),
            quote(new)
        )));
    }
    Ok(())
}

/// Whether an attribute name (possibly core-URN-qualified or dotted) is `userName` or
/// `emails`.
fn is_identity_attribute(name: &str) -> bool {
    let bare = name
        .strip_prefix(scim_types::urn::USER)
        .map(|r| r.trim_start_matches(':'))
        .unwrap_or(name);
    let head = bare.split(['.', '[']).next().unwrap_or(bare);
    head.eq_ignore_ascii_case("userName") || head.eq_ignore_ascii_case("emails")
}

fn refuse_email_patch(op: &PatchOp) -> Result<()> {
    for (i, operation) in op.operations.iter().enumerate() {
        let touches = match &operation.path {
            Some(path) => {
                let attr = path.attr();
                let core = attr
                    .urn()
                    .is_none_or(|u| u.eq_ignore_ascii_case(scim_types::urn::USER));
                core && is_identity_attribute(attr.name())
            }
            None => match &operation.value {
                Some(Value::Object(values)) if operation.op != PatchOpKind::Remove => {
                    values.keys().any(|k| is_identity_attribute(k))
                }
                _ => false,
            },
        };
        if touches {
            return Err(Error::invalid_input(format!(
                "PATCH operation {i} changes userName or emails: {RENAME_HINT}"
            )));
        }
    }
    Ok(())
}

/// A listing of Probo users, built step by step, then streamed. Get one with
/// [`Users::list`].
#[must_use = "a listing does nothing until it is streamed"]
pub struct ListUsers {
    inner: ListRequest<User>,
}

impl ListUsers {
    /// Only users matching `filter`. Probo supports `userName eq "…"` only (optionally
    /// joined with `and`; the comparison ignores case); anything else is a 400 whose
    /// message says so. Values are escaped by the [`Filter`] builder.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.inner = self.inner.filter(filter);
        self
    }

    /// Users requested per page (`count`, at least 1). Probo ignores it.
    pub fn page_size(mut self, size: u32) -> Self {
        self.inner = self.inner.page_size(size);
        self
    }

    /// Stops after this many pages.
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.inner = self.inner.max_pages(pages);
        self
    }

    /// The users, as a lazy `Send + 'static` stream (nothing is sent before the first
    /// poll). `try_collect` loads them all into memory.
    pub fn stream(self) -> Items<User> {
        self.inner.stream()
    }

    /// The pages, as a lazy `Send + 'static` stream.
    pub fn pages(self) -> Pages<User> {
        self.inner.pages()
    }
}

impl fmt::Debug for ListUsers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_attributes() {
        for yes in [
            "userName",
            "USERNAME",
            "emails",
            "emails.value",
            "emails[type eq \"work\"].value",
            "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        ] {
            assert!(is_identity_attribute(yes), "{yes}");
        }
        for no in ["displayName", "name.givenName", "externalId", "active"] {
            assert!(!is_identity_attribute(no), "{no}");
        }
    }

    #[test]
    fn patch_guard() {
        let ok = PatchOp::builder().replace("active", false).build().unwrap();
        assert!(refuse_email_patch(&ok).is_ok());
        let bad = PatchOp::builder()
            .replace("title", "x")
            .replace(r#"emails[type eq "work"].value"#, "n@x.io")
            .build()
            .unwrap();
        let err = refuse_email_patch(&bad).unwrap_err();
        assert!(err.to_string().contains("rename_email"), "{err}");
        let pathless = PatchOp::builder()
            .replace_value(serde_json::json!({"userName": "n@x.io"}))
            .build()
            .unwrap();
        assert!(refuse_email_patch(&pathless).is_err());
    }
}
