//! [`ScimDirectory`]: any SCIM 2.0 service provider as an identity-graph
//! [`UserDirectory`], usable as a target and as a source.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use scim_types::{
    Email as ScimEmail, Filter, Group, GroupId, Name, PatchOp, PatchPath, User, UserId,
};

use super::ScimClient;
use crate::error::{ApiError, Error, ErrorBody, Result, quote};
use crate::graph::catalog::{self, CatalogEntry};
use crate::graph::{Created, DirectoryUser, Email, UserDirectory};
use crate::paginate::{Items, Page, Paginator, Strategy};

/// Which SCIM attribute holds the person's email (the identity graph's email).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum EmailAttribute {
    /// `userName` (what most identity providers send, and the default).
    #[default]
    UserName,
    /// The primary entry of `emails` (`userName` is then left as the server has it on
    /// updates, and set to the email on creates).
    PrimaryEmail,
}

/// Any SCIM 2.0 service provider (RFC 7643/7644) as a [`UserDirectory`], over the
/// generic [`ScimClient`]: plan against it as a target, or list it as a source.
///
/// * `list_users` lists `/Users` with index paging, complete or an error, at the page
///   size the server allows (`filter.maxResults`);
/// * `create_user` is a `POST`; `update_user`, `deactivate_user` a `PATCH` of the changed
///   attributes when the server supports PATCH, else a `PUT` of the user as read (with
///   `If-Match` where the server has ETags); `delete_user` a `DELETE`;
/// * `rename_user` reads the account, refuses when it is not the one the caller read,
///   and replaces `userName` and the primary email on the same id by `PUT` (with
///   `If-Match` where the server has ETags, so a change in between is a 412);
/// * the link key is `externalId`; the email is `userName` unless
///   [`email_attribute`](Self::email_attribute) says the primary email;
/// * with [`manage_groups`](Self::manage_groups), memberships by group `displayName`:
///   the listing reports each user's groups from the groups' `members` (not from the
///   users' read-only `groups` attribute, which not every server fills), and
///   `create_user`/`update_user` add and remove the member with a `PATCH` of each
///   `/Groups/{id}` (`members[value eq "…"]` to remove).
///   The sync never creates a group: one that does not exist is an error naming it.
///
/// [`discover`](Self::discover) reads the server's `ServiceProviderConfig` for PATCH
/// support and the page size; [`new`](Self::new) assumes PATCH (RFC 7644 servers
/// usually have it) and page size 100.
///
/// Its catalog entry is [`catalog::scim`] (id `scim`) until
/// [`catalog_entry`](Self::catalog_entry) gives it one of its own: a program that
/// reconciles two SCIM servers must give each its own id, so that a plan made for one is
/// never applied to the other.
///
/// ```no_run
/// use idgraph_common::scim::{ScimClient, ScimDirectory, ScimToken};
/// use idgraph_common::graph::{list_target, UserDirectory};
///
/// # async fn run() -> idgraph_common::Result<()> {
/// let scim = ScimClient::builder()
///     .base_url("https://scim.example.com/scim/v2")
///     .token(ScimToken::new("t0ken"))
///     .build()?;
/// let app = ScimDirectory::discover(scim).await?;
/// let users = list_target(&app).await?;
/// println!("{} users in {}", users.users().len(), app.catalog().name);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ScimDirectory {
    client: ScimClient,
    email: EmailAttribute,
    patch: bool,
    page_size: u32,
    scope: Option<Filter>,
    groups: bool,
    entry: Arc<CatalogEntry>,
}

impl ScimDirectory {
    /// The server behind `client`, assuming PATCH support and 100 users per page.
    pub fn new(client: ScimClient) -> Self {
        Self {
            client,
            email: EmailAttribute::default(),
            patch: true,
            page_size: 100,
            scope: None,
            groups: false,
            entry: Arc::new(catalog::scim().clone()),
        }
    }

    /// The server behind `client`, configured from its own `ServiceProviderConfig`
    /// (PATCH support; the page size capped at `filter.maxResults`).
    pub async fn discover(client: ScimClient) -> Result<Self> {
        let spc = client.service_provider_config().await?;
        let mut dir = Self::new(client);
        dir.patch = spc.patch.supported;
        if let Some(max) = spc.filter.max_results.filter(|m| *m > 0) {
            dir.page_size = u32::try_from(max).unwrap_or(u32::MAX).min(dir.page_size);
        }
        Ok(dir)
    }

    /// Which attribute holds the email. Default [`EmailAttribute::UserName`].
    #[must_use]
    pub fn email_attribute(mut self, attribute: EmailAttribute) -> Self {
        self.email = attribute;
        self
    }

    /// Manages only the users `filter` selects (for example `userName sw "acme-"`, or
    /// one domain's users): listings carry it, so a plan never sees, and never
    /// deprovisions, anyone outside it. Default: every user.
    #[must_use]
    pub fn scope(mut self, filter: Filter) -> Self {
        self.scope = Some(filter);
        self
    }

    /// The app's own catalog entry (its id, name and facts) instead of the generic
    /// [`catalog::scim`]. Its lifecycle should stay SCIM's (start from
    /// `catalog::scim().to_builder()`), since that is what this directory does.
    ///
    /// ```
    /// use idgraph_common::graph::{UserDirectory, catalog::{self, AppId}};
    /// use idgraph_common::scim::{ScimClient, ScimDirectory, ScimToken};
    ///
    /// # fn main() -> idgraph_common::Result<()> {
    /// let client = ScimClient::builder()
    ///     .base_url("https://hr.example.com/scim/v2")
    ///     .token(ScimToken::new("t0ken"))
    ///     .build()?;
    /// let hr = ScimDirectory::new(client).catalog_entry(
    ///     catalog::scim().to_builder().app(AppId::new("hr-scim")?).name("HR").build(),
    /// );
    /// assert_eq!(hr.catalog().app, "hr-scim");
    /// # Ok(()) }
    /// ```
    ///
    /// Its `stores.groups` follows [`manage_groups`](Self::manage_groups), whatever the
    /// entry says, since that is what the directory reports.
    #[must_use]
    pub fn catalog_entry(mut self, mut entry: CatalogEntry) -> Self {
        entry.lifecycle.stores.groups = self.groups;
        self.entry = Arc::new(entry);
        self
    }

    /// Reconciles group memberships through `/Groups` (default off: many SCIM servers
    /// keep groups elsewhere, or push them from the IdP). On, the listing reports each
    /// user's groups by `displayName` and the catalog entry says so (`stores.groups`),
    /// so plans compare them; `create_user` and `update_user` add and remove the member
    /// with a `PATCH` of each group.
    #[must_use]
    pub fn manage_groups(mut self, on: bool) -> Self {
        self.groups = on;
        Arc::make_mut(&mut self.entry).lifecycle.stores.groups = on;
        self
    }

    /// Whether changes go by PATCH (`true`) or by PUT of the user as read.
    #[must_use]
    pub fn use_patch(mut self, patch: bool) -> Self {
        self.patch = patch;
        self
    }

    /// The client underneath.
    pub fn client(&self) -> &ScimClient {
        &self.client
    }

    fn to_directory(&self, user: &User) -> DirectoryUser {
        let email = match self.email {
            EmailAttribute::UserName => user.user_name.clone(),
            EmailAttribute::PrimaryEmail => user.primary_email().unwrap_or_default().to_owned(),
        };
        let mut d = DirectoryUser::new(email).with_active(user.active != Some(false));
        let name = user.name.as_ref();
        d.given_name = non_empty(name.and_then(|n| n.given_name.as_deref()));
        d.family_name = non_empty(name.and_then(|n| n.family_name.as_deref()));
        d.display_name = non_empty(user.display_name.as_deref());
        d.external_id = non_empty(user.external_id.as_deref());
        d.app_id = user.id.as_ref().map(|i| i.as_str().to_owned());
        d
    }

    /// Every group `/Groups` lists, to the end (a short listing is an error). Its
    /// `members` are authoritative: the users' read-only `groups` attribute is not filled
    /// by every server, scim2-server among them.
    async fn all_groups(&self) -> Result<Vec<Group>> {
        futures::TryStreamExt::try_collect(self.client.groups().list().stream()).await
    }

    /// Every group's members: user id → the names of the groups it is in.
    async fn memberships(&self) -> Result<HashMap<String, Vec<String>>> {
        let mut of_user: HashMap<String, Vec<String>> = HashMap::new();
        for g in self.all_groups().await? {
            for m in &g.members {
                if let Some(id) = &m.value {
                    of_user
                        .entry(id.clone())
                        .or_default()
                        .push(g.display_name.clone());
                }
            }
        }
        Ok(of_user)
    }

    /// `user` as a directory user, with its groups when they are managed.
    async fn read(&self, user: &User) -> Result<DirectoryUser> {
        let mut d = self.to_directory(user);
        if self.groups
            && let Some(id) = &user.id
        {
            d.groups = self
                .memberships()
                .await?
                .remove(id.as_str())
                .unwrap_or_default();
        }
        Ok(d)
    }

    /// From one `/Groups` listing: the groups user `id` is in now (`None`: a user not
    /// created yet), and the groups to join and to leave to be in exactly `want` (by
    /// display name). Every group is resolved before anything is sent, so a group the
    /// app does not have fails the call with nothing changed; the sync never creates one.
    async fn group_changes(&self, id: Option<&UserId>, want: &[String]) -> Result<GroupChanges> {
        let groups = self.all_groups().await?;
        let holds = |g: &Group| {
            id.is_some_and(|id| {
                g.members
                    .iter()
                    .any(|m| m.value.as_deref() == Some(id.as_str()))
            })
        };
        let now: Vec<String> = groups
            .iter()
            .filter(|g| holds(g))
            .map(|g| g.display_name.clone())
            .collect();
        let mut join = Vec::new();
        for name in want.iter().filter(|g| !now.contains(g)) {
            join.push(named(&groups, name)?);
        }
        // Leaving names the groups the user is in, so two groups sharing a name cannot
        // make it ambiguous.
        let leave = groups
            .iter()
            .filter(|g| holds(g) && !want.contains(&g.display_name))
            .filter_map(|g| g.id.clone())
            .collect();
        Ok(GroupChanges { now, join, leave })
    }

    /// One `PATCH` per group joined or left; `true` when anything changed.
    async fn apply_group_changes(&self, id: &UserId, changes: GroupChanges) -> Result<bool> {
        let GroupChanges { join, leave, .. } = changes;
        for group in &join {
            let op = PatchOp::builder()
                .add("members", [serde_json::json!({ "value": id.as_str() })])
                .build()?;
            self.client.groups().patch(group, &op).await?;
        }
        for group in &leave {
            let op = PatchOp::builder()
                .remove(PatchPath::value_eq("members", id.as_str())?)
                .build()?;
            self.client.groups().patch(group, &op).await?;
        }
        Ok(!join.is_empty() || !leave.is_empty())
    }

    /// The `/Users` listing, scoped.
    fn user_listing(&self) -> super::ListRequest<User> {
        let list = self.client.users().list().page_size(self.page_size);
        match &self.scope {
            Some(scope) => list.filter(scope.clone()),
            None => list,
        }
    }

    /// The SCIM id of the user `d` names: its `app_id`, else a lookup by email.
    async fn resolve(&self, d: &DirectoryUser) -> Result<UserId> {
        if let Some(id) = &d.app_id {
            return Ok(UserId::new(id.as_str()));
        }
        let attr = match self.email {
            EmailAttribute::UserName => "userName",
            EmailAttribute::PrimaryEmail => "emails.value",
        };
        let found: Vec<User> = futures::TryStreamExt::try_collect(
            self.client
                .users()
                .list()
                .filter(Filter::eq(attr, d.email.as_str()))
                .stream(),
        )
        .await?;
        match found.as_slice() {
            [one] => one.id.clone().ok_or_else(|| not_found(d)),
            [] => Err(not_found(d)),
            _ => Err(Error::invalid_input(format!(
                "{} SCIM users have the email {}: name the user by its id",
                found.len(),
                quote(d.email.as_str())
            ))),
        }
    }

    /// Writes `desired`'s attributes onto `user` (as read), for a PUT.
    fn merge(user: &mut User, desired: &DirectoryUser) {
        if desired.given_name.is_some() || desired.family_name.is_some() {
            let name = user.name.get_or_insert_with(Name::default);
            name.given_name.clone_from(&desired.given_name);
            name.family_name.clone_from(&desired.family_name);
        }
        if desired.display_name.is_some() {
            user.display_name.clone_from(&desired.display_name);
        }
        if desired.external_id.is_some() {
            user.external_id.clone_from(&desired.external_id);
        }
        user.active = Some(desired.active);
    }

    /// A PATCH, and the user as it now is (read back when the server answered 204).
    async fn patch(&self, id: &UserId, op: &PatchOp) -> Result<DirectoryUser> {
        let patched = self.client.users().patch(id, op).await?;
        let user = match patched.resource {
            Some(user) => user,
            None => self.client.users().get(id).await?,
        };
        self.read(&user).await
    }

    async fn write(&self, id: &UserId, desired: &DirectoryUser) -> Result<DirectoryUser> {
        if self.patch {
            let mut op = PatchOp::builder().replace("active", desired.active);
            if let Some(v) = &desired.given_name {
                op = op.replace("name.givenName", v.as_str());
            }
            if let Some(v) = &desired.family_name {
                op = op.replace("name.familyName", v.as_str());
            }
            if let Some(v) = &desired.display_name {
                op = op.replace("displayName", v.as_str());
            }
            if let Some(v) = &desired.external_id {
                op = op.replace("externalId", v.as_str());
            }
            return self.patch(id, &op.build()?).await;
        }
        let mut user = self.client.users().get(id).await?;
        Self::merge(&mut user, desired);
        self.read(&self.client.users().replace(id, &user).await?)
            .await
    }
}

/// What [`ScimDirectory::group_changes`] found.
struct GroupChanges {
    /// The names of the groups the user is in now.
    now: Vec<String>,
    join: Vec<GroupId>,
    leave: Vec<GroupId>,
}

/// The one group of `groups` whose `displayName` is `name`.
fn named(groups: &[Group], name: &str) -> Result<GroupId> {
    let found: Vec<&Group> = groups.iter().filter(|g| g.display_name == name).collect();
    match found.as_slice() {
        [one] => one.id.clone().ok_or_else(|| {
            Error::invalid_input(format!("the SCIM group {} has no id", quote(name)))
        }),
        [] => Err(Error::invalid_input(format!(
            "the SCIM group {} does not exist: the sync never creates groups; create it in \
             the app, or leave it alone with SyncPolicy::exclude_group",
            quote(name)
        ))),
        _ => Err(Error::invalid_input(format!(
            "{} SCIM groups are named {}: rename one in the app",
            found.len(),
            quote(name)
        ))),
    }
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
}

fn not_found(d: &DirectoryUser) -> Error {
    Error::Api(Box::new(ApiError::new(404, "GET", "/Users").with_body(
        ErrorBody::Json {
            code: Some("notFound".into()),
            message: Some(format!(
                "no SCIM user has the email {}",
                quote(d.email.as_str())
            )),
        },
    )))
}

#[async_trait]
impl UserDirectory for ScimDirectory {
    fn catalog(&self) -> &CatalogEntry {
        &self.entry
    }

    fn list_users(&self) -> Items<DirectoryUser> {
        if !self.groups {
            let this = self.clone();
            return self
                .user_listing()
                .stream()
                .map(move |u| this.to_directory(&u));
        }
        // With groups: every group's members first, then the users, as one answer that
        // is complete only if both listings were (each fails on its own short listing).
        let this = self.clone();
        Paginator::new(Strategy::Unpaginated, move |_| {
            let this = this.clone();
            async move {
                let mut memberships = this.memberships().await?;
                let users: Vec<User> =
                    futures::TryStreamExt::try_collect(this.user_listing().stream()).await?;
                let listed = users
                    .iter()
                    .map(|u| {
                        let mut d = this.to_directory(u);
                        if let Some(id) = &u.id {
                            d.groups = memberships.remove(id.as_str()).unwrap_or_default();
                        }
                        d
                    })
                    .collect();
                Ok(Page::new(listed))
            }
        })
        .items()
    }

    async fn create_user(&self, user: &DirectoryUser) -> Result<Created> {
        let mut new = User::new(user.email.as_str())
            .with_email(ScimEmail::work(user.email.as_str()).with_primary(true))
            .with_active(user.active);
        if user.given_name.is_some() || user.family_name.is_some() {
            let mut name = Name::default();
            name.given_name.clone_from(&user.given_name);
            name.family_name.clone_from(&user.family_name);
            new.name = Some(name);
        }
        new.display_name.clone_from(&user.display_name);
        new.external_id.clone_from(&user.external_id);
        // The groups first: one the app does not have fails the create before the user
        // exists.
        let joins = if self.groups {
            Some(self.group_changes(None, &user.groups).await?)
        } else {
            None
        };
        let created = self.client.users().create(&new).await?;
        let mut out = self.to_directory(&created);
        if let Some(changes) = joins
            && let Some(id) = created.id.as_ref()
            && self.apply_group_changes(id, changes).await?
        {
            out = self.read(&self.client.users().get(id).await?).await?;
        }
        Ok(Created::new(out))
    }

    async fn update_user(&self, desired: &DirectoryUser) -> Result<DirectoryUser> {
        let id = self.resolve(desired).await?;
        if !self.groups {
            return self.write(&id, desired).await;
        }
        // Every group resolved before anything is written.
        let changes = self.group_changes(Some(&id), &desired.groups).await?;
        let now = changes.now.clone();
        let mut written = self.write(&id, desired).await?;
        if self.apply_group_changes(&id, changes).await? {
            return self.read(&self.client.users().get(&id).await?).await;
        }
        written.groups = now;
        Ok(written)
    }

    async fn deactivate_user(&self, user: &DirectoryUser) -> Result<DirectoryUser> {
        let id = self.resolve(user).await?;
        if self.patch {
            let op = PatchOp::builder().replace("active", false).build()?;
            return self.patch(&id, &op).await;
        }
        let mut now = self.client.users().get(&id).await?;
        now.active = Some(false);
        self.read(&self.client.users().replace(&id, &now).await?)
            .await
    }

    async fn delete_user(&self, user: &DirectoryUser) -> Result<()> {
        let id = self.resolve(user).await?;
        self.client.users().delete(&id).await
    }

    async fn get_user(&self, user: &DirectoryUser) -> Result<DirectoryUser> {
        let id = self.resolve(user).await?;
        self.read(&self.client.users().get(&id).await?).await
    }

    async fn rename_user(&self, user: &DirectoryUser, new_email: &Email) -> Result<DirectoryUser> {
        let id = self.resolve(user).await?;
        let mut now = self.client.users().get(&id).await?;
        let read = self.to_directory(&now);
        if read.email != user.email {
            return Err(Error::invalid_input(format!(
                "the SCIM user {} is now {}, not {} as read: nothing was changed",
                quote(id.as_str()),
                quote(read.email.as_str()),
                quote(user.email.as_str())
            )));
        }
        if self.email == EmailAttribute::UserName {
            now.user_name = new_email.as_str().to_owned();
        }
        match now.emails.iter_mut().find(|e| e.primary == Some(true)) {
            Some(primary) => primary.value = Some(new_email.as_str().to_owned()),
            None => now
                .emails
                .insert(0, ScimEmail::work(new_email.as_str()).with_primary(true)),
        }
        // A PUT of the user as read: with the server's ETag, If-Match refuses a change
        // made in between (412).
        self.read(&self.client.users().replace(&id, &now).await?)
            .await
    }
}
