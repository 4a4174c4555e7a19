//! [`ScimDirectory`]: any SCIM 2.0 service provider as an identity-graph
//! [`UserDirectory`], usable as a target and as a source.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use scim_types::{
    Email as ScimEmail, Filter, Group, GroupId, Name, PatchOp, PatchPath, ServiceProviderConfig,
    User, UserId,
};
use serde_json::{Map, Value};

use super::ScimClient;
use crate::error::{ApiError, Error, ErrorBody, Result, quote};
use crate::graph::catalog::{self, CatalogEntry, Operation};
use crate::graph::{Created, DirectoryUser, Email, GroupNames, UserDirectory};
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

/// Which SCIM attribute holds the link key: the identity graph's
/// [`DirectoryUser::external_id`], the source's stable id for a person, by which a plan
/// recognises a rename.
///
/// `externalId` by default. Where the identity provider keeps `externalId` for itself,
/// or the app's HR feed fills another attribute, name a single-valued string attribute
/// of an extension schema instead, such as the Enterprise extension's `employeeNumber`.
/// It is read from every listed user, written on create, and replaced on update (by
/// PATCH of its path, or in the PUT body); `externalId` is then left as the server has
/// it.
///
/// ```
/// use idgraph_common::scim::LinkKeyAttribute;
///
/// let key: LinkKeyAttribute =
///     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber".parse()?;
/// assert_eq!(key, LinkKeyAttribute::employee_number());
/// assert_eq!("externalId".parse::<LinkKeyAttribute>()?, LinkKeyAttribute::ExternalId);
///
/// let badge = LinkKeyAttribute::extension("urn:example:acme:2.0:User", "badge")?;
/// assert_eq!(badge.path(), "urn:example:acme:2.0:User:badge");
/// assert!("urn:example:acme:2.0:User:badge.number".parse::<LinkKeyAttribute>().is_err());
/// # Ok::<(), idgraph_common::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum LinkKeyAttribute {
    /// `externalId` (RFC 7643 §3.1: the provisioning client's own id for the resource).
    #[default]
    ExternalId,
    /// A single-valued string attribute of an extension schema (made with
    /// [`LinkKeyAttribute::extension`], which checks it).
    #[non_exhaustive]
    Extension {
        /// The extension's schema URN
        /// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`).
        schema: String,
        /// The attribute's name in it (`employeeNumber`).
        attribute: String,
    },
}

impl LinkKeyAttribute {
    /// The Enterprise User extension's `employeeNumber` (RFC 7643 §4.3).
    pub fn employee_number() -> Self {
        Self::Extension {
            schema: scim_types::urn::ENTERPRISE_USER.to_owned(),
            attribute: "employeeNumber".to_owned(),
        }
    }

    /// The attribute `attribute` of the extension schema `schema`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `schema` is not a URN, is the core User schema (whose
    /// attributes are not link keys, except `externalId`: use
    /// [`LinkKeyAttribute::ExternalId`]), or `attribute` is not a plain attribute name
    /// (letters, digits, `-` and `_`, starting with a letter; no sub-attribute).
    pub fn extension(schema: impl Into<String>, attribute: impl Into<String>) -> Result<Self> {
        let (schema, attribute) = (schema.into(), attribute.into());
        let path = format!("{schema}:{attribute}");
        let bad = |why: &str| {
            Err(Error::invalid_input(format!(
                "{} cannot hold the link key: {why}",
                quote(&path)
            )))
        };
        let is_urn = schema
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
        if !is_urn || schema.len() == 4 {
            return bad("the schema is not a URN (`urn:…`)");
        }
        if schema.eq_ignore_ascii_case(scim_types::urn::USER) {
            return bad("a core User attribute; the core link key is LinkKeyAttribute::ExternalId");
        }
        let mut chars = attribute.chars();
        let plain = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !plain {
            return bad("the attribute is not a plain attribute name (letters, digits, `-`, `_`)");
        }
        // The path travels in PATCH operations and filters: it must read back as itself.
        match PatchPath::parse(&path) {
            Ok(p) if p.to_string() == path => {}
            _ => return bad("not a SCIM attribute path"),
        }
        Ok(Self::Extension { schema, attribute })
    }

    /// The attribute's SCIM path: `externalId`, or `<schema URN>:<attribute>`.
    pub fn path(&self) -> String {
        match self {
            Self::ExternalId => "externalId".to_owned(),
            Self::Extension { schema, attribute } => format!("{schema}:{attribute}"),
        }
    }

    /// The link key `user` carries (a number is read as its digits; empty is none).
    fn get(&self, user: &User) -> Option<String> {
        let value = match self {
            Self::ExternalId => return non_empty(user.external_id.as_deref()).map(str::to_owned),
            Self::Extension { schema, attribute } => {
                let ext: Value = user.extension(schema).ok().flatten()?;
                let obj = ext.as_object()?;
                obj.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(attribute))
                    .map(|(_, v)| v.clone())?
            }
        };
        match value {
            Value::String(s) => Some(s).filter(|s| !s.is_empty()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// Writes `key` into `user` (for a create or a PUT), keeping the extension's other
    /// attributes.
    fn set(&self, user: &mut User, key: &str) -> Result<()> {
        match self {
            Self::ExternalId => user.external_id = Some(key.to_owned()),
            Self::Extension { schema, attribute } => {
                let mut ext: Map<String, Value> = user
                    .extension::<Value>(schema)
                    .ok()
                    .flatten()
                    .and_then(|v| match v {
                        Value::Object(o) => Some(o),
                        _ => None,
                    })
                    .unwrap_or_default();
                ext.retain(|k, _| !k.eq_ignore_ascii_case(attribute));
                ext.insert(attribute.clone(), Value::String(key.to_owned()));
                user.set_extension(schema, &ext).map_err(|e| {
                    Error::invalid_input(format!(
                        "the link key cannot be written to {}: {e}",
                        quote(&self.path())
                    ))
                })?;
            }
        }
        Ok(())
    }
}

impl FromStr for LinkKeyAttribute {
    type Err = Error;

    /// `externalId` (any case), or an extension attribute's full path
    /// `<schema URN>:<attribute>` (see [`LinkKeyAttribute::extension`]).
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("externalId") {
            return Ok(Self::ExternalId);
        }
        match s.rsplit_once(':') {
            Some((schema, attribute)) => Self::extension(schema, attribute),
            None => Err(Error::invalid_input(format!(
                "{} is not a link key attribute: use `externalId` or an extension attribute \
                 `urn:…:<name>`",
                quote(s)
            ))),
        }
    }
}

impl fmt::Display for LinkKeyAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// What a SCIM server supports, as its `ServiceProviderConfig` says (RFC 7644 §5), and
/// how [`ScimDirectory`] uses each fact. [`ScimFeatures::assumed`] is what
/// [`ScimDirectory::new`] takes without asking.
///
/// ```
/// use idgraph_common::scim::ScimFeatures;
/// use scim_types::ServiceProviderConfig;
///
/// let spc: ServiceProviderConfig = serde_json::from_value(serde_json::json!({
///     "patch": {"supported": false},
///     "filter": {"supported": true, "maxResults": 200},
///     "etag": {"supported": true},
///     "bulk": {"supported": true, "maxOperations": 1000, "maxPayloadSize": 1048576}
/// }))?;
/// let f = ScimFeatures::from_config(&spc);
/// assert!(!f.patch && f.filter && f.etag && f.bulk);
/// assert_eq!((f.max_results, f.bulk_max_operations), (Some(200), Some(1000)));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScimFeatures {
    /// `patch.supported`. On, `update_user` and `deactivate_user` PATCH only the
    /// attributes they change, and `rename_user` is one PATCH of `userName` and/or the
    /// email; so a concurrent change to anything else survives. Off (a PUT-only server),
    /// they read the user and PUT it back whole, with the changes merged in; membership
    /// changes (which only go by PATCH of `/Groups/{id}`) are then refused before
    /// anything is sent.
    pub patch: bool,
    /// `filter.supported`. On, a user named by email is found with one filtered listing
    /// (`userName eq "…"`, within the [scope](ScimDirectory::scope)). Off, no filter is
    /// ever sent: the directory lists every user (completely, or an error) and matches
    /// the email itself; and a scope, which only a filter can express, makes every
    /// listing fail with [`Error::Config`] rather than list people outside it.
    pub filter: bool,
    /// `filter.maxResults`: the page size is capped at it (`0` is "not set").
    pub max_results: Option<u64>,
    /// `etag.supported`. On, a write made from a read — a PUT of the user as read, and a
    /// rename (read to check the account, then written) — carries `If-Match` with the
    /// version read, so a change made in between is refused (412,
    /// [`Error::is_precondition_failed`]) instead of overwritten. A PATCH of an update or
    /// a deactivation carries none: it is not made from a read, and changes only the
    /// attributes it names. Off, no `If-Match` is sent, even when the server fills
    /// `meta.version`.
    pub etag: bool,
    /// `bulk.supported`, recorded only: the directory never uses `/Bulk`. Each change is
    /// its own request, so that each has its own outcome in the sync report and audit
    /// trail, and one failure stops nothing else.
    pub bulk: bool,
    /// `bulk.maxOperations`, recorded only.
    pub bulk_max_operations: Option<u64>,
    /// `bulk.maxPayloadSize`, recorded only.
    pub bulk_max_payload_size: Option<u64>,
}

impl ScimFeatures {
    /// What [`ScimDirectory::new`] assumes without asking: PATCH and filters (most RFC
    /// 7644 servers have both), `If-Match` whenever the server gives a version, no bulk,
    /// no result cap.
    pub fn assumed() -> Self {
        Self {
            patch: true,
            filter: true,
            max_results: None,
            etag: true,
            bulk: false,
            bulk_max_operations: None,
            bulk_max_payload_size: None,
        }
    }

    /// The features a server's `ServiceProviderConfig` declares.
    pub fn from_config(spc: &ServiceProviderConfig) -> Self {
        Self {
            patch: spc.patch.supported,
            filter: spc.filter.supported,
            max_results: spc.filter.max_results.filter(|m| *m > 0),
            etag: spc.etag.supported,
            bulk: spc.bulk.supported,
            bulk_max_operations: spc.bulk.max_operations,
            bulk_max_payload_size: spc.bulk.max_payload_size,
        }
    }
}

impl Default for ScimFeatures {
    fn default() -> Self {
        Self::assumed()
    }
}

/// The default page size of a [`ScimDirectory`]'s listings (capped by `filter.maxResults`).
const PAGE_SIZE: u32 = 100;

/// Any SCIM 2.0 service provider (RFC 7643/7644) as a [`UserDirectory`], over the
/// generic [`ScimClient`]: plan against it as a target, or list it as a source.
///
/// * `list_users` lists `/Users` with index paging, complete or an error, at the page
///   size the server allows (`filter.maxResults`);
/// * `create_user` is a `POST`; `update_user`, `deactivate_user` a `PATCH` of the changed
///   attributes when the server supports PATCH, else a `PUT` of the user as read (with
///   `If-Match` where the server has ETags); `delete_user` a `DELETE`;
/// * `rename_user` reads the account, refuses when it is not the one the caller read,
///   and moves it to the new email on the same id: one `PATCH` replacing `userName`
///   and/or the email entry (per [`EmailAttribute`]) where the server supports PATCH, so
///   a concurrent change to anything else survives; a `PUT` of the user as read only on
///   a PUT-only server. Either carries `If-Match` with the version read where the server
///   has ETags, so a change in between is a 412;
/// * the email is `userName` unless [`email_attribute`](Self::email_attribute) says the
///   primary email; the link key is `externalId` unless
///   [`link_key_attribute`](Self::link_key_attribute) names another attribute;
/// * with [`manage_groups`](Self::manage_groups), memberships by group `displayName`:
///   the listing reports each user's groups from the groups' `members` (not from the
///   users' read-only `groups` attribute, which not every server fills), and
///   `create_user`/`update_user` add and remove the member with a `PATCH` of each
///   `/Groups/{id}` (`members[value eq "…"]` to remove).
///   The sync never creates a group: one that does not exist is an error naming it.
///
/// [`discover`](Self::discover) reads the server's `ServiceProviderConfig`: PATCH,
/// filter (and `maxResults`), ETag and bulk support, each used as [`ScimFeatures`]
/// documents; [`new`](Self::new) assumes [`ScimFeatures::assumed`] and page size 100.
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
    link_key: LinkKeyAttribute,
    features: ScimFeatures,
    page_size: u32,
    scope: Option<Filter>,
    groups: bool,
    entry: Arc<CatalogEntry>,
}

impl ScimDirectory {
    /// The server behind `client`, assuming [`ScimFeatures::assumed`] and 100 users per
    /// page.
    pub fn new(client: ScimClient) -> Self {
        Self {
            client,
            email: EmailAttribute::default(),
            link_key: LinkKeyAttribute::default(),
            features: ScimFeatures::assumed(),
            page_size: PAGE_SIZE,
            scope: None,
            groups: false,
            entry: Arc::new(catalog::scim().clone()),
        }
    }

    /// The server behind `client`, configured from its own `ServiceProviderConfig`
    /// ([`ScimFeatures::from_config`]; the page size capped at `filter.maxResults`).
    pub async fn discover(client: ScimClient) -> Result<Self> {
        let spc = client.service_provider_config().await?;
        Ok(Self::new(client).with_features(ScimFeatures::from_config(&spc)))
    }

    /// Uses `features` instead of what [`new`](Self::new) assumed or
    /// [`discover`](Self::discover) read (the page size follows `max_results`).
    #[must_use]
    pub fn with_features(mut self, features: ScimFeatures) -> Self {
        self.page_size = features
            .max_results
            .map_or(PAGE_SIZE, |max| {
                u32::try_from(max).unwrap_or(u32::MAX).min(PAGE_SIZE)
            })
            .max(1);
        self.features = features;
        self
    }

    /// What the directory takes the server to support, and so how it writes.
    pub fn features(&self) -> &ScimFeatures {
        &self.features
    }

    /// Which attribute holds the email. Default [`EmailAttribute::UserName`].
    #[must_use]
    pub fn email_attribute(mut self, attribute: EmailAttribute) -> Self {
        self.email = attribute;
        self
    }

    /// Which attribute holds the link key. Default [`LinkKeyAttribute::ExternalId`].
    #[must_use]
    pub fn link_key_attribute(mut self, attribute: LinkKeyAttribute) -> Self {
        self.link_key = attribute;
        self
    }

    /// Manages only the users `filter` selects (for example `userName sw "acme-"`, or
    /// one domain's users): listings and lookups carry it, so a plan never sees, and
    /// never deprovisions, anyone outside it. Default: every user. A server without
    /// filter support cannot apply a scope: its listings then fail (see
    /// [`ScimFeatures::filter`]).
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
    /// with a `PATCH` of each group (a server without PATCH refuses them, before
    /// anything is sent).
    #[must_use]
    pub fn manage_groups(mut self, on: bool) -> Self {
        self.groups = on;
        Arc::make_mut(&mut self.entry).lifecycle.stores.groups = on;
        self
    }

    /// Whether changes go by PATCH (`true`) or by PUT of the user as read
    /// ([`ScimFeatures::patch`]).
    #[must_use]
    pub fn use_patch(mut self, patch: bool) -> Self {
        self.features.patch = patch;
        self
    }

    /// The client underneath.
    pub fn client(&self) -> &ScimClient {
        &self.client
    }

    /// The identity email of `user`, per the mapping.
    fn email_of<'u>(&self, user: &'u User) -> &'u str {
        match self.email {
            EmailAttribute::UserName => &user.user_name,
            EmailAttribute::PrimaryEmail => user.primary_email().unwrap_or_default(),
        }
    }

    /// `user` as a directory user in `groups` (none where groups are not managed).
    fn to_directory(&self, user: &User, groups: &[String]) -> DirectoryUser {
        let name = user.name.as_ref();
        let link_key = self.link_key.get(user);
        DirectoryUser::builder(self.email_of(user))
            .active(user.active != Some(false))
            .given_name(non_empty(name.and_then(|n| n.given_name.as_deref())))
            .family_name(non_empty(name.and_then(|n| n.family_name.as_deref())))
            .display_name(non_empty(user.display_name.as_deref()))
            .external_id(link_key.as_deref())
            .app_id(user.id.as_ref().map(UserId::as_str))
            .groups(groups)
            .build()
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
        let groups = match &user.id {
            Some(id) if self.groups => self.memberships().await?.remove(id.as_str()),
            _ => None,
        };
        Ok(self.to_directory(user, groups.as_deref().unwrap_or_default()))
    }

    /// From one `/Groups` listing: the groups user `id` is in now (`None`: a user not
    /// created yet), and the groups to join and to leave to be in exactly `want` (by
    /// display name). Every group is resolved before anything is sent, so a group the
    /// app does not have fails the call with nothing changed; the sync never creates one.
    async fn group_changes(
        &self,
        id: Option<&UserId>,
        want: GroupNames<'_>,
    ) -> Result<GroupChanges> {
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
        for name in want.iter().filter(|g| !now.iter().any(|n| n == g)) {
            join.push(named(&groups, name)?);
        }
        // Leaving names the groups the user is in, so two groups sharing a name cannot
        // make it ambiguous.
        let leave: Vec<GroupId> = groups
            .iter()
            .filter(|g| holds(g) && !want.contains(&g.display_name))
            .filter_map(|g| g.id.clone())
            .collect();
        let changes = !join.is_empty() || !leave.is_empty();
        if changes && !self.features.patch {
            // A PUT of the whole group would overwrite memberships changed by anyone else
            // in between: refused, with nothing sent.
            return Err(Error::unsupported(
                self.entry.name.clone(),
                Operation::Groups.as_str(),
                "the SCIM server does not support PATCH (ServiceProviderConfig patch.supported \
                 is false), and memberships change only by PATCH of /Groups/{id}: change the \
                 user's groups in the app, or turn ScimDirectory::manage_groups off",
            ));
        }
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

    /// The `/Users` listing, scoped. A scope on a server without filters is an error:
    /// listing everyone instead would put people outside the scope into the plan.
    fn user_listing(&self) -> Result<super::ListRequest<User>> {
        let list = self.client.users().list().page_size(self.page_size);
        match &self.scope {
            Some(scope) if !self.features.filter => Err(Error::config(format!(
                "the SCIM server does not support filters (ServiceProviderConfig \
                 filter.supported is false), so the scope {} cannot be applied; nothing was \
                 listed, so nobody outside the scope is planned for",
                quote(&scope.to_string())
            ))),
            Some(scope) => Ok(list.filter(scope.clone())),
            None => Ok(list),
        }
    }

    /// Every user (in scope) whose email, per the mapping, is `email`. With filters, one
    /// filtered listing; without, the complete listing, matched here. Either way the
    /// match is checked here too: `emails.value eq` also matches secondary emails.
    async fn find_by_email(&self, email: &Email) -> Result<Vec<User>> {
        let listing = if self.features.filter {
            let attr = match self.email {
                EmailAttribute::UserName => "userName",
                EmailAttribute::PrimaryEmail => "emails.value",
            };
            let by_email = Filter::eq(attr, email.as_str());
            let filter = match &self.scope {
                Some(scope) => scope.clone().and(by_email),
                None => by_email,
            };
            self.client
                .users()
                .list()
                .page_size(self.page_size)
                .filter(filter)
        } else {
            self.user_listing()?
        };
        let users: Vec<User> = futures::TryStreamExt::try_collect(listing.stream()).await?;
        Ok(users
            .into_iter()
            .filter(|u| Email::new(self.email_of(u)) == *email)
            .collect())
    }

    /// The SCIM id of the user `d` names: its `app_id`, else a lookup by email.
    async fn resolve(&self, d: &DirectoryUser) -> Result<UserId> {
        if let Some(id) = d.app_id() {
            return Ok(UserId::new(id));
        }
        let email = d.email().to_email();
        let found = self.find_by_email(&email).await?;
        match found.as_slice() {
            [one] => one.id.clone().ok_or_else(|| not_found(&email)),
            [] => Err(not_found(&email)),
            _ => Err(Error::invalid_input(format!(
                "{} SCIM users have the email {}: name the user by its id",
                found.len(),
                quote(email.as_str())
            ))),
        }
    }

    /// Writes `desired`'s attributes onto `user` (as read), for a PUT.
    fn merge(&self, user: &mut User, desired: &DirectoryUser) -> Result<()> {
        if desired.given_name().is_some() || desired.family_name().is_some() {
            let name = user.name.get_or_insert_with(Name::default);
            name.given_name = desired.given_name().map(str::to_owned);
            name.family_name = desired.family_name().map(str::to_owned);
        }
        if let Some(display) = desired.display_name() {
            user.display_name = Some(display.to_owned());
        }
        if let Some(key) = desired.external_id() {
            self.link_key.set(user, key)?;
        }
        user.active = Some(desired.is_active());
        Ok(())
    }

    /// The version to send as `If-Match` with a write made from `read`: its
    /// `meta.version`, where the server has ETags.
    fn version<'u>(&self, read: &'u User) -> Option<&'u str> {
        if !self.features.etag {
            return None;
        }
        read.meta.as_ref()?.version.as_deref()
    }

    /// A PUT of `user` (as read, changed), and the user as it now is. `If-Match` carries
    /// the version read where the server has ETags, and nothing otherwise (the client
    /// sends `meta.version` when the body has one, so it is dropped).
    async fn put(&self, id: &UserId, mut user: User) -> Result<DirectoryUser> {
        if !self.features.etag
            && let Some(meta) = user.meta.as_mut()
        {
            meta.version = None;
        }
        self.read(&self.client.users().replace(id, &user).await?)
            .await
    }

    /// A PATCH (with `If-Match: version` when given), and the user as it now is (read
    /// back when the server answered 204).
    async fn patch(
        &self,
        id: &UserId,
        op: &PatchOp,
        version: Option<&str>,
    ) -> Result<DirectoryUser> {
        let users = self.client.users();
        let patched = match version {
            Some(v) => users.patch_if_match(id, v, op).await?,
            None => users.patch(id, op).await?,
        };
        let user = match patched.resource {
            Some(user) => user,
            None => users.get(id).await?,
        };
        self.read(&user).await
    }

    async fn write(&self, id: &UserId, desired: &DirectoryUser) -> Result<DirectoryUser> {
        if self.features.patch {
            let mut op = PatchOp::builder().replace("active", desired.is_active());
            if let Some(v) = desired.given_name() {
                op = op.replace("name.givenName", v);
            }
            if let Some(v) = desired.family_name() {
                op = op.replace("name.familyName", v);
            }
            if let Some(v) = desired.display_name() {
                op = op.replace("displayName", v);
            }
            if let Some(v) = desired.external_id() {
                op = op.replace(self.link_key.path(), v);
            }
            return self.patch(id, &op.build()?, None).await;
        }
        let mut user = self.client.users().get(id).await?;
        self.merge(&mut user, desired)?;
        self.put(id, user).await
    }

    /// Which entry of `user.emails` a rename from `old` rewrites.
    fn email_slot(&self, user: &User, old: &Email) -> EmailSlot {
        let primary = user.emails.iter().position(|e| e.primary == Some(true));
        match (self.email, primary) {
            // The primary email is the identity: rewrite it in place.
            (EmailAttribute::PrimaryEmail, Some(i)) => EmailSlot::Primary(i),
            (EmailAttribute::PrimaryEmail, None) => {
                match user.emails.first().and_then(|e| e.value.clone()) {
                    Some(value) => EmailSlot::First(value),
                    None => EmailSlot::Missing,
                }
            }
            // `userName` is the identity: the primary email follows it when it was the
            // same address, and a different one (an address of its own) stays.
            (EmailAttribute::UserName, Some(i)) => {
                let same = user
                    .emails
                    .get(i)
                    .and_then(|e| e.value.as_deref())
                    .is_some_and(|v| Email::new(v) == *old);
                if same {
                    EmailSlot::Primary(i)
                } else {
                    EmailSlot::Unrelated
                }
            }
            (EmailAttribute::UserName, None) => EmailSlot::Missing,
        }
    }

    /// The one PATCH of a rename: `userName` (when it is the email) and the email entry.
    fn rename_op(&self, now: &User, old: &Email, new: &Email) -> Result<PatchOp> {
        let mut op = PatchOp::builder();
        if self.email == EmailAttribute::UserName {
            op = op.replace("userName", new.as_str());
        }
        op = match self.email_slot(now, old) {
            EmailSlot::Primary(_) => op.replace(
                PatchPath::value_filtered("emails", Filter::eq("primary", true))?
                    .with_sub_attr("value")?,
                new.as_str(),
            ),
            EmailSlot::First(value) => op.replace(
                PatchPath::value_eq("emails", &value)?.with_sub_attr("value")?,
                new.as_str(),
            ),
            EmailSlot::Missing => {
                op.add("emails", [ScimEmail::work(new.as_str()).with_primary(true)])
            }
            EmailSlot::Unrelated => op,
        };
        Ok(op.build()?)
    }

    /// `now` renamed, for a PUT.
    fn renamed(&self, mut now: User, old: &Email, new: &Email) -> User {
        if self.email == EmailAttribute::UserName {
            now.user_name = new.as_str().to_owned();
        }
        // The slot was found in `now` itself, so its entry is there.
        let entry = match self.email_slot(&now, old) {
            EmailSlot::Primary(i) => now.emails.get_mut(i),
            EmailSlot::First(_) => now.emails.first_mut(),
            EmailSlot::Missing => {
                now.emails
                    .insert(0, ScimEmail::work(new.as_str()).with_primary(true));
                None
            }
            EmailSlot::Unrelated => None,
        };
        if let Some(e) = entry {
            e.value = Some(new.as_str().to_owned());
        }
        now
    }
}

/// The entry of `emails` a rename rewrites.
enum EmailSlot {
    /// The primary entry, at this index.
    Primary(usize),
    /// No primary: the first entry (the identity under [`EmailAttribute::PrimaryEmail`]),
    /// with this value.
    First(String),
    /// No entry to rewrite: a primary one is added.
    Missing,
    /// The primary entry is another address than the identity: left alone.
    Unrelated,
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

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

fn not_found(email: &Email) -> Error {
    Error::Api(Box::new(ApiError::new(404, "GET", "/Users").with_body(
        ErrorBody::Json {
            code: Some("notFound".into()),
            message: Some(format!(
                "no SCIM user has the email {}",
                quote(email.as_str())
            )),
        },
    )))
}

/// The 409 a rename to an email another user has gets, when the server cannot say it
/// (servers keep `userName` unique, not `emails`).
fn taken(email: &Email) -> Error {
    Error::Api(Box::new(ApiError::new(409, "PATCH", "/Users").with_body(
        ErrorBody::Json {
            code: Some("uniqueness".into()),
            message: Some(format!(
                "another SCIM user has the email {}: nothing was changed",
                quote(email.as_str())
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
        let listing = match self.user_listing() {
            Ok(listing) => listing,
            Err(e) => return Items::from_error(e),
        };
        if !self.groups {
            let this = self.clone();
            return listing.stream().map(move |u| this.to_directory(&u, &[]));
        }
        // With groups: every group's members first, then the users, as one answer that
        // is complete only if both listings were (each fails on its own short listing).
        let this = self.clone();
        Paginator::new(Strategy::Unpaginated, move |_| {
            let this = this.clone();
            async move {
                let mut memberships = this.memberships().await?;
                let users: Vec<User> =
                    futures::TryStreamExt::try_collect(this.user_listing()?.stream()).await?;
                let listed = users
                    .iter()
                    .map(|u| {
                        let groups = u.id.as_ref().and_then(|id| memberships.remove(id.as_str()));
                        this.to_directory(u, groups.as_deref().unwrap_or_default())
                    })
                    .collect();
                Ok(Page::new(listed))
            }
        })
        .items()
    }

    async fn create_user(&self, user: &DirectoryUser) -> Result<Created> {
        let email = user.email().as_str();
        let mut new = User::new(email)
            .with_email(ScimEmail::work(email).with_primary(true))
            .with_active(user.is_active());
        if user.given_name().is_some() || user.family_name().is_some() {
            let mut name = Name::default();
            name.given_name = user.given_name().map(str::to_owned);
            name.family_name = user.family_name().map(str::to_owned);
            new.name = Some(name);
        }
        new.display_name = user.display_name().map(str::to_owned);
        if let Some(key) = user.external_id() {
            self.link_key.set(&mut new, key)?;
        }
        // The groups first: one the app does not have fails the create before the user
        // exists.
        let joins = if self.groups {
            Some(self.group_changes(None, user.groups()).await?)
        } else {
            None
        };
        let created = self.client.users().create(&new).await?;
        let mut out = self.to_directory(&created, &[]);
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
        let changes = self.group_changes(Some(&id), desired.groups()).await?;
        let now = changes.now.clone();
        let mut written = self.write(&id, desired).await?;
        if self.apply_group_changes(&id, changes).await? {
            return self.read(&self.client.users().get(&id).await?).await;
        }
        written.set_groups(now);
        Ok(written)
    }

    async fn deactivate_user(&self, user: &DirectoryUser) -> Result<DirectoryUser> {
        let id = self.resolve(user).await?;
        if self.features.patch {
            let op = PatchOp::builder().replace("active", false).build()?;
            return self.patch(&id, &op, None).await;
        }
        let mut now = self.client.users().get(&id).await?;
        now.active = Some(false);
        self.put(&id, now).await
    }

    async fn delete_user(&self, user: &DirectoryUser) -> Result<()> {
        let id = self.resolve(user).await?;
        self.client.users().delete(&id).await
    }

    async fn get_user(&self, user: &DirectoryUser) -> Result<DirectoryUser> {
        let id = self.resolve(user).await?;
        self.read(&self.client.users().get(&id).await?).await
    }

    /// Reads the account, refuses (nothing changed) when its email is not `user.email()`
    /// or, with [`EmailAttribute::PrimaryEmail`], when another user has `new_email`
    /// (servers keep only `userName` unique); then one PATCH replacing `userName` and/or
    /// the email entry, or on a PUT-only server a PUT of the user as read. `If-Match`
    /// carries the version read where the server has ETags.
    async fn rename_user(&self, user: &DirectoryUser, new_email: &Email) -> Result<DirectoryUser> {
        let id = self.resolve(user).await?;
        let now = self.client.users().get(&id).await?;
        let read = Email::new(self.email_of(&now));
        if read != user.email() {
            return Err(Error::invalid_input(format!(
                "the SCIM user {} is now {}, not {} as read: nothing was changed",
                quote(id.as_str()),
                quote(read.as_str()),
                quote(user.email().as_str())
            )));
        }
        if self.email == EmailAttribute::PrimaryEmail
            && read != *new_email
            && self
                .find_by_email(new_email)
                .await?
                .iter()
                .any(|u| u.id.as_ref() != Some(&id))
        {
            return Err(taken(new_email));
        }
        let version = self.version(&now).map(str::to_owned);
        if self.features.patch {
            let op = self.rename_op(&now, &read, new_email)?;
            return self.patch(&id, &op, version.as_deref()).await;
        }
        // A PUT-only server: the user as read, renamed. Its `meta.version` is the one
        // read, so with ETags a change made in between is a 412.
        self.put(&id, self.renamed(now, &read, new_email)).await
    }
}
