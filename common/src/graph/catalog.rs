//! What each app in the identity graph offers, as typed data a program can query, and
//! that anyone can write for an app of their own.
//!
//! One [`CatalogEntry`] per app, identified by an open [`AppId`]: user API, SCIM (and the
//! plan it needs), auth, pagination, rate limits, webhooks, the lifecycle route of every
//! operation, and the caveats that make building it yourself a trap. Each vendor crate
//! owns and exports its own entry (`probo_scim::catalog_entry()`,
//! `hyperproof::catalog_entry()`, `proofpoint_essentials::catalog_entry()`); this module
//! keeps the entries of the apps no crate serves ([`proof`], [`tessian`]: read-blind) and
//! of any SCIM 2.0 service provider ([`scim`]). An app of your own gets its entry from
//! [`CatalogEntry::builder`].
//!
//! ```
//! use idgraph_common::graph::catalog::{self, AppId, CatalogEntry, Operation, Route};
//!
//! // Which of the built-in apps cannot be deprovisioned through an API?
//! let blind: Vec<&str> = catalog::builtin()
//!     .iter()
//!     .filter(|e| !e.can_deprovision_by_api())
//!     .map(|e| e.name.as_str())
//!     .collect();
//! assert_eq!(blind, ["Proof", "Tessian"]);
//!
//! // An app none of our crates knows: a wiki with a REST API and no delete.
//! let wiki = CatalogEntry::builder(AppId::from_static("acme-wiki"), "Acme Wiki")
//!     .surface("REST https://wiki.acme.test/api/users")
//!     .step(Operation::List, Route::RestApi, "GET /api/users")
//!     .step(Operation::Create, Route::RestApi, "POST /api/users")
//!     .step(Operation::Deactivate, Route::RestApi, "POST /api/users/{id}/disable")
//!     .step(Operation::Delete, Route::AdminConsole, "ask a wiki admin to delete the account")
//!     .build();
//! assert!(wiki.can_deprovision_by_api() && !wiki.by_api(Operation::Delete));
//! assert_eq!(wiki.step(Operation::Delete).how, "ask a wiki admin to delete the account");
//! ```

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result, quote};

mod builder;
mod builtin;

pub use builder::CatalogEntryBuilder;
pub use builtin::{builtin, proof, scim, tessian};

/// The id of an app in the identity graph: an open name, not a closed list, so anyone can
/// add an app.
///
/// 1 to 64 characters: lower-case ASCII letters, digits, `-`, `_` and `.`, starting with a
/// letter or a digit (`probo`, `proofpoint-essentials`, `acme-wiki`). Plans, reports and
/// audit events carry it, and `apply` refuses a plan made for another id. Give two
/// instances of one kind of app (two SCIM servers, two tenants) two ids.
///
/// ```
/// use idgraph_common::graph::catalog::AppId;
///
/// const WIKI: AppId = AppId::from_static("acme-wiki");
/// assert_eq!(WIKI.as_str(), "acme-wiki");
/// assert_eq!(AppId::new("acme-wiki")?, WIKI);
/// assert!(AppId::new("Acme Wiki").is_err());
/// # Ok::<(), idgraph_common::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AppId(Cow<'static, str>);

/// Longest [`AppId`], in bytes.
pub const APP_ID_MAX_LEN: usize = 64;

impl AppId {
    /// The id of Proof (read-blind).
    pub const PROOF: AppId = AppId::from_static("proof");
    /// The id of Tessian (read-blind).
    pub const TESSIAN: AppId = AppId::from_static("tessian");
    /// The id of the generic SCIM 2.0 entry ([`scim`]). A program that reconciles more
    /// than one SCIM server gives each its own id.
    pub const SCIM: AppId = AppId::from_static("scim");

    /// An id from a literal, checked when the constant is evaluated.
    ///
    /// # Panics
    ///
    /// When `id` is not a valid id (see [`AppId`]). Used in a `const`, that is a compile
    /// error, not a runtime panic; for ids that come from configuration use
    /// [`AppId::new`], which returns an error instead.
    ///
    /// ```compile_fail
    /// use idgraph_common::graph::catalog::AppId;
    /// const BAD: AppId = AppId::from_static("Acme Wiki"); // upper case and a space
    /// ```
    // The panic is the literal check, as in `http::HeaderName::from_static`: evaluated in
    // a `const` (the intended use) it is a compile error, never a runtime panic.
    #[allow(clippy::panic)]
    pub const fn from_static(id: &'static str) -> Self {
        if !is_valid(id.as_bytes()) {
            panic!("invalid AppId: 1-64 of a-z 0-9 - _ . starting with a letter or digit");
        }
        AppId(Cow::Borrowed(id))
    }

    /// An id from configuration or user input.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the id (quoted) when it is not a valid id.
    pub fn new(id: impl Into<String>) -> Result<Self> {
        let id = id.into();
        if is_valid(id.as_bytes()) {
            Ok(AppId(Cow::Owned(id)))
        } else {
            Err(Error::invalid_input(format!(
                "invalid app id {}: an app id is 1 to {APP_ID_MAX_LEN} characters of a-z, 0-9, \
                 `-`, `_` and `.`, starting with a letter or a digit",
                quote(&id)
            )))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The rule of [`AppId`], as a `const fn` so that [`AppId::from_static`] checks literals
/// at compile time.
const fn is_valid(id: &[u8]) -> bool {
    if id.is_empty() || id.len() > APP_ID_MAX_LEN {
        return false;
    }
    let mut i = 0;
    while i < id.len() {
        let c = id[i];
        let ok = c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || (i > 0 && (c == b'-' || c == b'_' || c == b'.'));
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

impl fmt::Debug for AppId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AppId").field(&self.as_str()).finish()
    }
}

impl fmt::Display for AppId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for AppId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for AppId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for AppId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for AppId {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AppId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        AppId::new(id).map_err(serde::de::Error::custom)
    }
}

/// A user-lifecycle operation of [`UserDirectory`](super::UserDirectory).
///
/// ```
/// use idgraph_common::graph::catalog::Operation;
/// assert_eq!(Operation::Deactivate.to_string(), "deactivate");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Operation {
    /// List every user.
    List,
    /// Create (provision) a user.
    Create,
    /// Change a user's attributes.
    Update,
    /// Deactivate (suspend) a user, keeping the account.
    Deactivate,
    /// Delete a user.
    Delete,
    /// Change a user's email, keeping the person.
    Rename,
    /// Change which groups a user belongs to.
    Groups,
    /// Change a user's role.
    Role,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 8] = [
        Operation::List,
        Operation::Create,
        Operation::Update,
        Operation::Deactivate,
        Operation::Delete,
        Operation::Rename,
        Operation::Groups,
        Operation::Role,
    ];

    /// The lower-case name used in errors and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::List => "list",
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Deactivate => "deactivate",
            Operation::Delete => "delete",
            Operation::Rename => "rename",
            Operation::Groups => "groups",
            Operation::Role => "role",
        }
    }
}

impl Operation {
    /// The operation as a verb whose object is "the user" ("delete", "change the groups
    /// of"), for instructions.
    pub(crate) fn verb(self) -> &'static str {
        match self {
            Operation::Groups => "change the groups of",
            Operation::Role => "change the role of",
            other => other.as_str(),
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A three-valued fact: vendor documentation often says "unknown" or "not documented".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Availability {
    /// Documented as available.
    Yes,
    /// Documented as absent (or there is nothing it could apply to).
    No,
    /// Not documented either way.
    Unknown,
}

/// How an API authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuthMethod {
    /// `Authorization: Bearer <token>`.
    BearerToken,
    /// HTTP Basic (`key:secret`).
    HttpBasic,
    /// A pair of custom headers (Proofpoint Essentials' real `X-User` / `X-Password`).
    HeaderPair,
    /// OAuth 2.0 client credentials (RFC 6749 §4.4).
    OAuth2ClientCredentials,
    /// Not documented, or there is no API to authenticate to.
    NotDocumented,
}

/// An authentication fact: the method and what to know about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Auth {
    /// The method.
    pub method: AuthMethod,
    /// Where the credential comes from and what to watch out for.
    pub note: String,
}

impl Auth {
    /// An auth fact.
    pub fn new(method: AuthMethod, note: impl Into<String>) -> Self {
        Self {
            method,
            note: note.into(),
        }
    }
}

/// The app's own (non-SCIM) user API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UserApi {
    /// Base URL as documented (may be a pattern such as `https://<stack>.example.com`).
    pub base_url: String,
    /// How it authenticates.
    pub auth: Auth,
    /// Whether endpoint-level documentation is public (default `false`).
    pub publicly_documented: bool,
}

impl UserApi {
    /// A user API at `base_url`, not publicly documented until
    /// [`publicly_documented`](Self::publicly_documented) says so.
    pub fn new(base_url: impl Into<String>, auth: Auth) -> Self {
        Self {
            base_url: base_url.into(),
            auth,
            publicly_documented: false,
        }
    }

    /// Sets whether endpoint-level documentation is public.
    #[must_use]
    pub fn publicly_documented(mut self, yes: bool) -> Self {
        self.publicly_documented = yes;
        self
    }
}

/// SCIM 2.0 support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Scim {
    /// Whether the app offers a SCIM endpoint.
    pub available: bool,
    /// SCIM version, when available.
    pub version: Option<String>,
    /// Endpoint as documented (may be per tenant), when available.
    pub endpoint: Option<String>,
    /// The plan (tier) SCIM or SSO requires, as the vendor states it.
    pub plan_required: String,
    /// How the SCIM endpoint authenticates, when available.
    pub auth: Option<Auth>,
    /// Documented limitations.
    pub limitations: Vec<String>,
}

impl Scim {
    /// No SCIM endpoint (the default).
    pub fn none() -> Self {
        Self {
            available: false,
            version: None,
            endpoint: None,
            plan_required: String::new(),
            auth: None,
            limitations: Vec::new(),
        }
    }

    /// A SCIM 2.0 endpoint.
    pub fn v2() -> Self {
        Self {
            available: true,
            version: Some("2.0".to_owned()),
            ..Self::none()
        }
    }

    /// Sets the endpoint.
    #[must_use]
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Sets the plan (tier) SCIM or SSO requires.
    #[must_use]
    pub fn plan_required(mut self, plan: impl Into<String>) -> Self {
        self.plan_required = plan.into();
        self
    }

    /// Sets how the endpoint authenticates.
    #[must_use]
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Adds a limitation.
    #[must_use]
    pub fn limitation(mut self, text: impl Into<String>) -> Self {
        self.limitations.push(text.into());
        self
    }
}

impl Default for Scim {
    fn default() -> Self {
        Self::none()
    }
}

/// How a list endpoint pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaginationMethod {
    /// No pagination (or no list endpoint).
    None,
    /// Offset-based (`page`/`pageSize`, SCIM `startIndex`/`count`).
    Offset,
    /// Opaque cursor.
    Cursor,
}

/// Pagination facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Pagination {
    /// The method.
    pub method: PaginationMethod,
    /// The query parameters that carry the position, when documented.
    pub pointer: Option<String>,
    /// Default page size, when documented.
    pub default_page_size: Option<u32>,
    /// Largest page size, when documented.
    pub max_page_size: Option<u32>,
    /// Anything surprising.
    pub note: String,
}

impl Pagination {
    /// No pagination (the default).
    pub fn none() -> Self {
        Self {
            method: PaginationMethod::None,
            pointer: None,
            default_page_size: None,
            max_page_size: None,
            note: String::new(),
        }
    }

    /// Offset paging through the query parameters `pointer` (for example
    /// `"startIndex / count"`).
    pub fn offset(pointer: impl Into<String>) -> Self {
        Self {
            method: PaginationMethod::Offset,
            pointer: Some(pointer.into()),
            ..Self::none()
        }
    }

    /// Cursor paging through the query parameter `pointer`.
    pub fn cursor(pointer: impl Into<String>) -> Self {
        Self {
            method: PaginationMethod::Cursor,
            pointer: Some(pointer.into()),
            ..Self::none()
        }
    }

    /// Sets the documented default and largest page sizes.
    #[must_use]
    pub fn page_sizes(mut self, default: Option<u32>, max: Option<u32>) -> Self {
        self.default_page_size = default;
        self.max_page_size = max;
        self
    }

    /// Sets the note.
    #[must_use]
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }
}

impl Default for Pagination {
    fn default() -> Self {
        Self::none()
    }
}

/// Rate-limit facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RateLimits {
    /// Documented limit in requests per minute (per key), when there is one.
    pub requests_per_minute: Option<u32>,
    /// Whether responses carry rate-limit headers.
    pub headers: Availability,
    /// Whether throttled responses carry `Retry-After`.
    pub retry_after: Availability,
    /// Notes.
    pub note: String,
}

impl RateLimits {
    /// No documented limit, headers or `Retry-After` unknown (the default).
    pub fn undocumented() -> Self {
        Self {
            requests_per_minute: None,
            headers: Availability::Unknown,
            retry_after: Availability::Unknown,
            note: String::new(),
        }
    }

    /// Sets the documented limit in requests per minute.
    #[must_use]
    pub fn per_minute(mut self, requests: u32) -> Self {
        self.requests_per_minute = Some(requests);
        self
    }

    /// Sets whether responses carry rate-limit headers.
    #[must_use]
    pub fn headers(mut self, headers: Availability) -> Self {
        self.headers = headers;
        self
    }

    /// Sets whether throttled responses carry `Retry-After`.
    #[must_use]
    pub fn retry_after(mut self, retry_after: Availability) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// Sets the note.
    #[must_use]
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self::undocumented()
    }
}

/// Webhook (event) facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Webhooks {
    /// Whether user-lifecycle webhooks exist.
    pub available: Availability,
    /// Notes.
    pub note: String,
    /// How to learn about changes instead.
    pub alternative: String,
}

impl Webhooks {
    /// Webhook facts.
    pub fn new(
        available: Availability,
        note: impl Into<String>,
        alternative: impl Into<String>,
    ) -> Self {
        Self {
            available,
            note: note.into(),
            alternative: alternative.into(),
        }
    }
}

impl Default for Webhooks {
    /// Unknown, with "poll the user listing" as the alternative.
    fn default() -> Self {
        Self::new(
            Availability::Unknown,
            "Not documented.",
            "Poll the user listing.",
        )
    }
}

/// Through what a lifecycle operation can be carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Route {
    /// The app's own REST API.
    RestApi,
    /// The app's SCIM 2.0 endpoint.
    Scim,
    /// Only through the identity provider (assignment, SAML JIT, the IdP's own connector).
    IdentityProvider,
    /// Only by an administrator in the app's console.
    AdminConsole,
    /// Not possible at all.
    Unavailable,
}

impl Route {
    /// `true` for routes a program can call ([`Route::RestApi`], [`Route::Scim`]).
    ///
    /// ```
    /// use idgraph_common::graph::catalog::Route;
    /// assert!(Route::Scim.is_api());
    /// assert!(!Route::IdentityProvider.is_api());
    /// ```
    pub fn is_api(self) -> bool {
        matches!(self, Route::RestApi | Route::Scim)
    }
}

/// How one operation is carried out for an app, and what to do when it is not by API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Step {
    /// The route.
    pub route: Route,
    /// For API routes, what to watch out for; otherwise the action a person takes
    /// instead (used verbatim in [`Error::Unsupported`] and in
    /// manual plan actions).
    pub how: String,
}

impl Step {
    /// A step.
    pub fn new(route: Route, how: impl Into<String>) -> Self {
        Self {
            route,
            how: how.into(),
        }
    }
}

/// The lifecycle route of every operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Lifecycle {
    /// One line: how the app's users are provisioned and deprovisioned.
    pub summary: String,
    /// Listing users.
    pub list: Step,
    /// Creating users.
    pub create: Step,
    /// Updating users.
    pub update: Step,
    /// Deactivating users.
    pub deactivate: Step,
    /// Deleting users.
    pub delete: Step,
    /// Changing a user's email while keeping the person (a rename).
    pub rename: Step,
    /// Changing a user's group memberships (compared only where
    /// [`Attributes::groups`] says the app reports them). Through the API, `update_user`
    /// carries the change; otherwise each change is a manual plan item with these
    /// instructions.
    pub groups: Step,
    /// Changing a user's role (compared only where [`Attributes::role`] says the app
    /// reports one), as for [`groups`](Self::groups).
    pub role: Step,
    /// What a rename by API loses, for apps where it is a delete and a new create
    /// (Proofpoint: the email is immutable). Empty when a rename keeps the account. A
    /// plan lists these on the rename item, and plans such a rename only when the
    /// `SyncPolicy` allows lossy renames.
    pub rename_loses: Vec<String>,
    /// The role a reactivated account comes back with, for apps that reset a member's
    /// role when they reactivate them (Probo: `EMPLOYEE`); `None` where reactivation
    /// keeps the role. A plan that reactivates an account in such an app warns on the
    /// reactivating item, and, unless it can set the source's role by API in the same
    /// run, adds a manual [`role`](Self::role) item naming the person whose role must be
    /// given again: otherwise an admin reactivated by a sync would silently come back
    /// with the lesser role.
    pub reactivation_resets_role: Option<String>,
    /// Which user attributes the app keeps, so reconciliation compares only those: an
    /// attribute the app cannot store would otherwise show up as a difference on every
    /// sync, and a plan would never settle.
    pub stores: Attributes,
}

impl Lifecycle {
    fn step_mut(&mut self, op: Operation) -> &mut Step {
        match op {
            Operation::List => &mut self.list,
            Operation::Create => &mut self.create,
            Operation::Update => &mut self.update,
            Operation::Deactivate => &mut self.deactivate,
            Operation::Delete => &mut self.delete,
            Operation::Rename => &mut self.rename,
            Operation::Groups => &mut self.groups,
            Operation::Role => &mut self.role,
        }
    }
}

/// The user attributes (besides email and active state, which every app with a user API
/// keeps) that an app stores and reports, so reconciliation compares only those.
///
/// ```
/// use idgraph_common::graph::catalog::Attributes;
/// let names_and_link = Attributes::NONE.with_names(true).with_external_id(true);
/// assert!(names_and_link.names && !names_and_link.display_name);
/// let with_groups = Attributes::PROFILE.with_groups(true);
/// assert!(with_groups.groups && !with_groups.role);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Attributes {
    /// Given and family names.
    pub names: bool,
    /// A display name separate from the names.
    pub display_name: bool,
    /// The source directory's id (SCIM `externalId`).
    pub external_id: bool,
    /// Each user's group memberships, by group name (see [`Lifecycle::groups`] for how
    /// they change).
    pub groups: bool,
    /// Each user's role (see [`Lifecycle::role`]).
    pub role: bool,
}

impl Attributes {
    /// Every profile attribute: names, display name, link key (SCIM apps). Memberships
    /// (groups, role) are facts of their own: add them with
    /// [`with_groups`](Self::with_groups) and [`with_role`](Self::with_role).
    pub const PROFILE: Self = Self {
        names: true,
        display_name: true,
        external_id: true,
        groups: false,
        role: false,
    };
    /// No attribute (apps without a user API; the default).
    pub const NONE: Self = Self {
        names: false,
        display_name: false,
        external_id: false,
        groups: false,
        role: false,
    };
    /// Given and family names only (for example Proofpoint Essentials'
    /// `firstName`/`lastName`).
    pub const NAMES_ONLY: Self = Self {
        names: true,
        ..Self::NONE
    };

    /// Sets whether given and family names are stored.
    #[must_use]
    pub const fn with_names(mut self, yes: bool) -> Self {
        self.names = yes;
        self
    }

    /// Sets whether a display name is stored.
    #[must_use]
    pub const fn with_display_name(mut self, yes: bool) -> Self {
        self.display_name = yes;
        self
    }

    /// Sets whether the source's id (the link key) is stored.
    #[must_use]
    pub const fn with_external_id(mut self, yes: bool) -> Self {
        self.external_id = yes;
        self
    }

    /// Sets whether group memberships are reported.
    #[must_use]
    pub const fn with_groups(mut self, yes: bool) -> Self {
        self.groups = yes;
        self
    }

    /// Sets whether a role is reported.
    #[must_use]
    pub const fn with_role(mut self, yes: bool) -> Self {
        self.role = yes;
        self
    }
}

impl Default for Attributes {
    fn default() -> Self {
        Self::NONE
    }
}

/// What kind of trap a caveat describes, so programs can filter on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CaveatKind {
    /// There is no API for the user lifecycle.
    NoApi,
    /// Accounts are created just in time at first login; nothing deprovisions them.
    JitOnly,
    /// A plan, tier or prerequisite gates the integration.
    PlanGated,
    /// Endpoints, limits or schemas are undocumented or unconfirmed.
    Undocumented,
    /// Two credentials (or two API surfaces) that must not be conflated.
    CredentialConfusion,
    /// Group or role provisioning is missing, unconfirmed or delayed.
    Groups,
    /// An update replaces the whole object: omitted fields are reset.
    FullReplaceUpdate,
    /// A delete cannot be undone.
    IrreversibleDelete,
    /// The identity key cannot change; a change means delete and recreate.
    ImmutableKey,
    /// No change events: polling is the only detection.
    NoWebhooks,
    /// The vendor's roadmap makes the surface unstable.
    Roadmap,
    /// Another system may undo or repeat what this client does.
    Interference,
}

/// One caveat: a reason building this integration yourself is a trap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Caveat {
    /// Its kind.
    pub kind: CaveatKind,
    /// The caveat in words.
    pub text: String,
}

impl Caveat {
    /// A caveat.
    pub fn new(kind: CaveatKind, text: impl Into<String>) -> Self {
        Self {
            kind,
            text: text.into(),
        }
    }
}

/// One app's entry in the catalog. Build one with [`CatalogEntry::builder`].
///
/// ```
/// use idgraph_common::graph::catalog::{self, AppId, AuthMethod, Operation, Route};
///
/// let scim = catalog::scim();
/// assert_eq!(scim.app, AppId::SCIM);
/// assert_eq!(scim.scim.auth.as_ref().map(|a| a.method), Some(AuthMethod::BearerToken));
/// assert_eq!(scim.step(Operation::Delete).route, Route::Scim);
/// assert!(catalog::proof().is_read_blind());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CatalogEntry {
    /// Which app.
    pub app: AppId,
    /// Its display name.
    pub name: String,
    /// Which API surface this entry describes (the seed's, or a real deployment's).
    pub surface: String,
    /// The app's own user API, if it has one.
    pub user_api: Option<UserApi>,
    /// SCIM 2.0 support.
    pub scim: Scim,
    /// Pagination of the user listing.
    pub pagination: Pagination,
    /// Rate limits.
    pub rate_limits: RateLimits,
    /// Webhooks.
    pub webhooks: Webhooks,
    /// How each lifecycle operation is carried out.
    pub lifecycle: Lifecycle,
    /// Identity providers documented for this app.
    pub identity_providers: Vec<String>,
    /// Why building this integration yourself is a trap, one caveat per point.
    pub caveats: Vec<Caveat>,
}

impl CatalogEntry {
    /// A builder for the entry of `app`, shown as `name`; see [`CatalogEntryBuilder`]
    /// for the defaults.
    pub fn builder(app: AppId, name: impl Into<String>) -> CatalogEntryBuilder {
        CatalogEntryBuilder::new(app, name.into())
    }

    /// A builder that starts from this entry: to describe a variant of an app (another
    /// id for a second tenant, another surface) without repeating its facts.
    ///
    /// ```
    /// use idgraph_common::graph::catalog::{self, AppId};
    /// let hr = catalog::scim()
    ///     .to_builder()
    ///     .app(AppId::from_static("hr-scim"))
    ///     .name("HR (SCIM)")
    ///     .build();
    /// assert_eq!(hr.app, "hr-scim");
    /// assert_eq!(hr.lifecycle, catalog::scim().lifecycle);
    /// ```
    pub fn to_builder(&self) -> CatalogEntryBuilder {
        CatalogEntryBuilder::from_entry(self.clone())
    }

    /// How `op` is carried out.
    pub fn step(&self, op: Operation) -> &Step {
        let l = &self.lifecycle;
        match op {
            Operation::List => &l.list,
            Operation::Create => &l.create,
            Operation::Update => &l.update,
            Operation::Deactivate => &l.deactivate,
            Operation::Delete => &l.delete,
            Operation::Rename => &l.rename,
            Operation::Groups => &l.groups,
            Operation::Role => &l.role,
        }
    }

    /// `true` when `op` can be done by a program (REST or SCIM).
    pub fn by_api(&self, op: Operation) -> bool {
        self.step(op).route.is_api()
    }

    /// `true` when a program can neither list nor change the app's users: it is a
    /// read-blind node whose lifecycle runs through the identity provider.
    ///
    /// ```
    /// use idgraph_common::graph::catalog;
    /// assert!(catalog::tessian().is_read_blind());
    /// assert!(!catalog::scim().is_read_blind());
    /// ```
    pub fn is_read_blind(&self) -> bool {
        !Operation::ALL.iter().any(|op| self.by_api(*op))
    }

    /// `true` when users can be deactivated or deleted by API.
    pub fn can_deprovision_by_api(&self) -> bool {
        self.by_api(Operation::Deactivate) || self.by_api(Operation::Delete)
    }

    /// `true` when the app has a user API or a SCIM endpoint.
    pub fn has_user_api(&self) -> bool {
        self.user_api.is_some() || self.scim.available
    }

    /// The caveats of one kind.
    ///
    /// ```
    /// use idgraph_common::graph::catalog::{self, CaveatKind};
    /// assert!(catalog::proof().caveats_of(CaveatKind::JitOnly).next().is_some());
    /// ```
    pub fn caveats_of(&self, kind: CaveatKind) -> impl Iterator<Item = &Caveat> + '_ {
        self.caveats.iter().filter(move |c| c.kind == kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_ids_follow_the_rule() {
        for ok in [
            "a",
            "probo",
            "proofpoint-essentials",
            "acme.wiki_2",
            "9lives",
        ] {
            assert_eq!(
                AppId::new(ok).map(|id| id.to_string()).ok(),
                Some(ok.to_owned())
            );
        }
        let long = "a".repeat(APP_ID_MAX_LEN + 1);
        for bad in [
            "",
            "-probo",
            "Probo",
            "acme wiki",
            "acme/wiki",
            "é",
            long.as_str(),
        ] {
            let Err(e) = AppId::new(bad) else {
                panic!("{bad:?} accepted")
            };
            assert!(matches!(e, Error::InvalidInput { .. }), "{bad:?}: {e}");
        }
        assert!(AppId::new("a\nFAKE").is_err_and(|e| e.to_string().contains("`a\\nFAKE`")));
    }

    #[test]
    fn app_ids_round_trip_through_serde_and_refuse_bad_ones() {
        let json = serde_json::to_string(&AppId::SCIM).unwrap_or_default();
        assert_eq!(json, "\"scim\"");
        let back: AppId = serde_json::from_str(&json).unwrap_or(AppId::PROOF);
        assert_eq!(back, AppId::SCIM);
        assert!(serde_json::from_str::<AppId>("\"Not An Id\"").is_err());
    }
}
