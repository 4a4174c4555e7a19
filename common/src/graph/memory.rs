//! [`MemoryDirectory`]: an in-memory [`UserDirectory`] that behaves as an app's catalog
//! entry says, for tests (yours and ours).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;

use super::catalog::{CatalogEntry, Operation};
use super::directory::{Created, Email, UserDirectory};
use super::read_blind::unsupported;
use super::user::DirectoryUser;
use crate::error::{ApiError, Error, ErrorBody, Result};
use crate::paginate::Items;

/// An in-memory [`UserDirectory`] that mimics one app.
///
/// * Operations the catalog entry does not offer by API answer the same
///   [`Error::Unsupported`] as [`ReadBlind`](super::ReadBlind) (for example Hyperproof's
///   delete, or everything for Proof).
/// * Groups and the role are stored only when the entry's `stores` says so.
/// * `create` assigns an `app_id` (`mem-1`, `mem-2`, …) and answers 409 for an email that
///   exists (case-insensitively); `update`, `deactivate` and `delete` find the user by
///   `app_id` when set, else by email, and answer 404 when there is none.
/// * [`fail_next`](Self::fail_next) makes the next calls of an operation fail with a
///   retryable 503, to test failure handling.
/// * Listing returns users sorted by email key.
///
/// ```
/// use futures::TryStreamExt;
/// use idgraph_common::graph::{DirectoryUser, UserDirectory, catalog::{self, Operation}};
/// use idgraph_common::graph::memory::MemoryDirectory;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> idgraph_common::Result<()> {
/// // A SCIM app that also manages groups through its user API.
/// let entry = catalog::scim()
///     .to_builder()
///     .stores(catalog::Attributes::PROFILE.with_groups(true))
///     .build();
/// let dir = MemoryDirectory::new(&entry)
///     .with_users([DirectoryUser::new("ada@example.com").with_groups(["Sales"])]);
/// let created = dir.create_user(&DirectoryUser::new("bob@example.com")).await?.user;
/// assert_eq!(created.app_id(), Some("mem-2"));
///
/// dir.fail_next(Operation::Deactivate, 1);
/// assert!(dir.deactivate_user(&created).await.is_err());
/// dir.deactivate_user(&created).await?;
///
/// let users: Vec<DirectoryUser> = dir.list_users().try_collect().await?;
/// assert_eq!(users.len(), 2);
/// assert_eq!(dir.get("BOB@example.com").map(|u| u.is_active()), Some(false));
/// assert_eq!(dir.calls(Operation::Deactivate), 2);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct MemoryDirectory {
    entry: CatalogEntry,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// By email key.
    users: BTreeMap<String, DirectoryUser>,
    /// app_id → email key.
    ids: HashMap<String, String>,
    next_id: u64,
    failures: HashMap<Operation, usize>,
    calls: HashMap<Operation, usize>,
}

impl MemoryDirectory {
    /// An empty directory that behaves as `entry` says (a copy of it: a vendor crate's
    /// `catalog_entry()`, one of [`catalog::builtin`](super::catalog::builtin), or your
    /// own).
    pub fn new(entry: &CatalogEntry) -> Self {
        Self {
            entry: entry.clone(),
            state: Mutex::new(State::default()),
        }
    }

    /// Adds users directly (not counted as calls), assigning an `app_id` to those
    /// without one.
    #[must_use]
    pub fn with_users(self, users: impl IntoIterator<Item = DirectoryUser>) -> Self {
        for u in users {
            self.insert(u);
        }
        self
    }

    /// Adds or replaces a user directly (not counted as a call); returns it as stored.
    pub fn insert(&self, user: DirectoryUser) -> DirectoryUser {
        let mut st = self.lock();
        let user = self.store(&mut st, user);
        if let Some(old) = st.users.get(user.email().key().as_ref())
            && let Some(old_id) = old.app_id()
        {
            let old_id = old_id.to_owned();
            st.ids.remove(&old_id);
        }
        insert(&mut st, user.clone());
        user
    }

    /// The user with this email (case-insensitive), as stored.
    pub fn get(&self, email: impl Into<Email>) -> Option<DirectoryUser> {
        let email = email.into();
        self.lock().users.get(email.key()).cloned()
    }

    /// Every user, sorted by email key.
    pub fn snapshot(&self) -> Vec<DirectoryUser> {
        self.lock().users.values().cloned().collect()
    }

    /// Number of users.
    pub fn len(&self) -> usize {
        self.lock().users.len()
    }

    /// `true` when there are no users.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes the next `times` calls of `op` fail with a retryable 503 (for
    /// [`Operation::List`], the listing stream yields that error and ends).
    pub fn fail_next(&self, op: Operation, times: usize) {
        self.lock().failures.insert(op, times);
    }

    /// How many times `op` was called (failed and unsupported calls included).
    pub fn calls(&self, op: Operation) -> usize {
        self.lock().calls.get(&op).copied().unwrap_or(0)
    }

    /// Total calls of every operation.
    pub fn total_calls(&self) -> usize {
        self.lock().calls.values().sum()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Normalises a user for storage: app id assigned, and groups and attributes the app
    /// does not store dropped, as the real app would.
    fn store(&self, st: &mut State, mut user: DirectoryUser) -> DirectoryUser {
        if user.app_id().is_none() {
            st.next_id += 1;
            user.set_app_id(Some(&format!("mem-{}", st.next_id)));
        }
        self.drop_unstored(&mut user);
        user
    }

    fn drop_unstored(&self, user: &mut DirectoryUser) {
        let lifecycle = &self.entry.lifecycle;
        if !lifecycle.stores.groups {
            user.set_groups(None::<&str>);
        }
        if !lifecycle.stores.role {
            user.set_role(None);
        }
        if !lifecycle.stores.names {
            user.set_given_name(None);
            user.set_family_name(None);
        }
        if !lifecycle.stores.display_name {
            user.set_display_name(None);
        }
        if !lifecycle.stores.external_id {
            user.set_external_id(None);
        }
    }

    /// Counts the call, then answers unsupported or an injected failure if due.
    fn begin(&self, st: &mut State, op: Operation) -> Result<()> {
        *st.calls.entry(op).or_insert(0) += 1;
        if !self.entry.by_api(op) {
            return Err(unsupported(&self.entry, op));
        }
        if let Some(n) = st.failures.get_mut(&op)
            && *n > 0
        {
            *n -= 1;
            return Err(api_error(
                503,
                op,
                "unavailable",
                "injected failure (MemoryDirectory::fail_next)",
            ));
        }
        Ok(())
    }

    /// The email key of the user `u` names: by `app_id` when set, else by email.
    fn find(st: &State, u: &DirectoryUser, op: Operation) -> Result<String> {
        let key = match u.app_id() {
            Some(id) => st.ids.get(id).cloned(),
            None => {
                let key = u.email().key();
                st.users
                    .contains_key(key.as_ref())
                    .then(|| key.into_owned())
            }
        };
        key.ok_or_else(|| api_error(404, op, "notFound", "no such user"))
    }
}

fn insert(st: &mut State, user: DirectoryUser) {
    let key = user.email().key().into_owned();
    if let Some(id) = user.app_id() {
        st.ids.insert(id.to_owned(), key.clone());
    }
    st.users.insert(key, user);
}

fn api_error(status: u16, op: Operation, code: &str, message: &str) -> Error {
    let method = match op {
        Operation::List => "GET",
        Operation::Create => "POST",
        Operation::Update
        | Operation::Deactivate
        | Operation::Rename
        | Operation::Groups
        | Operation::Role => "PUT",
        Operation::Delete => "DELETE",
    };
    Error::Api(Box::new(
        ApiError::new(status, method, "/memory/users").with_body(ErrorBody::Json {
            code: Some(code.to_owned()),
            message: Some(message.to_owned()),
        }),
    ))
}

#[async_trait]
impl UserDirectory for MemoryDirectory {
    fn catalog(&self) -> &CatalogEntry {
        &self.entry
    }

    fn list_users(&self) -> Items<DirectoryUser> {
        let mut st = self.lock();
        match self.begin(&mut st, Operation::List) {
            Err(e) => Items::from_error(e),
            Ok(()) => Items::from_vec(st.users.values().cloned().collect()),
        }
    }

    async fn create_user(&self, user: &DirectoryUser) -> Result<Created> {
        let mut st = self.lock();
        self.begin(&mut st, Operation::Create)?;
        if st.users.contains_key(user.email().key().as_ref()) {
            return Err(api_error(
                409,
                Operation::Create,
                "uniqueness",
                "a user with this email exists",
            ));
        }
        let mut user = user.clone();
        user.set_app_id(None);
        let user = self.store(&mut st, user);
        insert(&mut st, user.clone());
        Ok(Created::new(user))
    }

    async fn update_user(&self, desired: &DirectoryUser) -> Result<DirectoryUser> {
        let mut st = self.lock();
        self.begin(&mut st, Operation::Update)?;
        let key = Self::find(&st, desired, Operation::Update)?;
        let stores = self.entry.lifecycle.stores;
        let user = st
            .users
            .get_mut(&key)
            .ok_or_else(|| api_error(404, Operation::Update, "notFound", "no such user"))?;
        user.set_given_name(desired.given_name());
        user.set_family_name(desired.family_name());
        user.set_display_name(desired.display_name());
        user.set_external_id(desired.external_id());
        user.set_active(desired.is_active());
        if stores.groups {
            user.set_groups(desired.groups());
        }
        if stores.role {
            user.set_role(desired.role());
        }
        let mut stored = user.clone();
        self.drop_unstored(&mut stored);
        *user = stored.clone();
        Ok(stored)
    }

    async fn deactivate_user(&self, user: &DirectoryUser) -> Result<DirectoryUser> {
        let mut st = self.lock();
        self.begin(&mut st, Operation::Deactivate)?;
        let key = Self::find(&st, user, Operation::Deactivate)?;
        let u = st
            .users
            .get_mut(&key)
            .ok_or_else(|| api_error(404, Operation::Deactivate, "notFound", "no such user"))?;
        u.set_active(false);
        Ok(u.clone())
    }

    async fn delete_user(&self, user: &DirectoryUser) -> Result<()> {
        let mut st = self.lock();
        self.begin(&mut st, Operation::Delete)?;
        let key = Self::find(&st, user, Operation::Delete)?;
        if let Some(u) = st.users.remove(&key)
            && let Some(id) = u.app_id()
        {
            st.ids.remove(id);
        }
        Ok(())
    }

    async fn get_user(&self, user: &DirectoryUser) -> Result<DirectoryUser> {
        let mut st = self.lock();
        self.begin(&mut st, Operation::List)?;
        let key = Self::find(&st, user, Operation::List)?;
        st.users
            .get(&key)
            .cloned()
            .ok_or_else(|| api_error(404, Operation::List, "notFound", "no such user"))
    }

    /// Moves the account to `new_email`, keeping its `app_id` (the way SCIM apps and
    /// Probo rename); 409 when another account has the new email.
    async fn rename_user(&self, user: &DirectoryUser, new_email: &Email) -> Result<DirectoryUser> {
        let mut st = self.lock();
        self.begin(&mut st, Operation::Rename)?;
        let key = Self::find(&st, user, Operation::Rename)?;
        if key != new_email.key() && st.users.contains_key(new_email.key()) {
            return Err(api_error(
                409,
                Operation::Rename,
                "uniqueness",
                "a user with the new email exists",
            ));
        }
        let mut moved = st
            .users
            .remove(&key)
            .ok_or_else(|| api_error(404, Operation::Rename, "notFound", "no such user"))?;
        moved.set_email(new_email.as_str());
        insert(&mut st, moved.clone());
        Ok(moved)
    }
}
