//! What each app in the identity graph offers, as typed data a program can query.
//!
//! One [`CatalogEntry`] per [`App`], filled in from the vendor seeds: user API, SCIM (and
//! the plan it needs), auth, pagination, rate limits, webhooks, the lifecycle route of
//! every operation, and the caveats each seed lists under "why building this yourself is
//! a trap".
//!
//! ```
//! use idgraph_common::graph::catalog::{self, App, Operation};
//!
//! // Which apps cannot be deprovisioned through an API?
//! let blind: Vec<&str> = catalog::all()
//!     .iter()
//!     .filter(|e| !e.can_deprovision_by_api())
//!     .map(|e| e.name)
//!     .collect();
//! assert_eq!(blind, ["Proof", "Tessian"]);
//!
//! // Which can hard-delete a user through an API?
//! let deletable: Vec<App> = catalog::all()
//!     .iter()
//!     .filter(|e| e.by_api(Operation::Delete))
//!     .map(|e| e.app)
//!     .collect();
//! assert_eq!(deletable, [App::ProofpointEssentials, App::Probo, App::Scim]);
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// An app of the identity graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum App {
    /// Proof (no user API; SAML JIT only).
    Proof,
    /// Hyperproof (REST + SCIM).
    Hyperproof,
    /// Proofpoint Essentials (REST users and groups).
    ProofpointEssentials,
    /// Tessian (no user API; IdP-driven).
    Tessian,
    /// Probo (SCIM 2.0 + Bridge).
    Probo,
    /// Any SCIM 2.0 service provider (RFC 7643/7644), through
    /// `idgraph_common::scim::ScimDirectory`.
    Scim,
}

impl App {
    /// Every app, in catalog order.
    ///
    /// ```
    /// use idgraph_common::graph::catalog::App;
    /// assert_eq!(App::ALL.len(), 6);
    /// ```
    pub const ALL: [App; 6] = [
        App::Proof,
        App::Hyperproof,
        App::ProofpointEssentials,
        App::Tessian,
        App::Probo,
        App::Scim,
    ];

    /// The app's catalog entry (same as [`entry`]).
    ///
    /// ```
    /// use idgraph_common::graph::catalog::App;
    /// assert_eq!(App::Probo.entry().name, "Probo");
    /// ```
    pub fn entry(self) -> &'static CatalogEntry {
        entry(self)
    }
}

impl fmt::Display for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(entry(*self).name)
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
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 6] = [
        Operation::List,
        Operation::Create,
        Operation::Update,
        Operation::Deactivate,
        Operation::Delete,
        Operation::Rename,
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
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A three-valued fact: the seeds often say "unknown" or "not documented".
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

/// An authentication fact: the method and what the seed says about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Auth {
    /// The method.
    pub method: AuthMethod,
    /// Where the credential comes from and what to watch out for.
    pub note: &'static str,
}

/// The app's own (non-SCIM) user API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UserApi {
    /// Base URL as the seed states it.
    pub base_url: &'static str,
    /// How it authenticates.
    pub auth: Auth,
    /// Whether endpoint-level documentation is public.
    pub publicly_documented: bool,
}

/// SCIM 2.0 support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Scim {
    /// Whether the app offers a SCIM endpoint.
    pub available: bool,
    /// SCIM version, when available.
    pub version: Option<&'static str>,
    /// Endpoint as the seed states it (may be per tenant), when available.
    pub endpoint: Option<&'static str>,
    /// The plan (tier) the seed says SCIM or SSO requires.
    pub plan_required: &'static str,
    /// How the SCIM endpoint authenticates, when available.
    pub auth: Option<Auth>,
    /// The seed's limitations list.
    pub limitations: &'static [&'static str],
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
    pub pointer: Option<&'static str>,
    /// Default page size, when documented.
    pub default_page_size: Option<u32>,
    /// Largest page size, when documented.
    pub max_page_size: Option<u32>,
    /// Anything surprising.
    pub note: &'static str,
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
    /// The seed's notes.
    pub note: &'static str,
}

/// Webhook (event) facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Webhooks {
    /// Whether user-lifecycle webhooks exist.
    pub available: Availability,
    /// The seed's notes.
    pub note: &'static str,
    /// How to learn about changes instead.
    pub alternative: &'static str,
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
    /// instead (used verbatim in [`Error::Unsupported`](crate::Error::Unsupported) and in
    /// manual plan actions).
    pub how: &'static str,
}

/// The lifecycle route of every operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Lifecycle {
    /// One line: how the app's users are provisioned and deprovisioned.
    pub summary: &'static str,
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
    /// What a rename by API loses, for apps where it is a delete and a new create
    /// (Proofpoint: the email is immutable). Empty when a rename keeps the account. A
    /// plan lists these on the rename item, and plans such a rename only when the
    /// `SyncPolicy` allows lossy renames.
    pub rename_loses: &'static [&'static str],
    /// Whether group membership is managed through the user API (so reconciliation
    /// compares groups).
    pub manages_groups: bool,
    /// Which user attributes the app keeps, so reconciliation compares only those: an
    /// attribute the app cannot store would otherwise show up as a difference on every
    /// sync, and a plan would never settle.
    pub stores: Attributes,
}

/// The user attributes (besides email and active state, which every app with a user API
/// keeps) that an app stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Attributes {
    /// Given and family names.
    pub names: bool,
    /// A display name separate from the names.
    pub display_name: bool,
    /// The source directory's id (SCIM `externalId`).
    pub external_id: bool,
}

impl Attributes {
    /// Every attribute (SCIM apps).
    pub const ALL: Self = Self {
        names: true,
        display_name: true,
        external_id: true,
    };
    /// No attribute (apps without a user API).
    pub const NONE: Self = Self {
        names: false,
        display_name: false,
        external_id: false,
    };
    /// Given and family names only (Proofpoint Essentials: `firstName`/`lastName`).
    pub const NAMES_ONLY: Self = Self {
        names: true,
        display_name: false,
        external_id: false,
    };
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

/// One caveat from a seed's "why building this yourself is a trap".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Caveat {
    /// Its kind.
    pub kind: CaveatKind,
    /// The caveat in words.
    pub text: &'static str,
}

/// One app's entry in the catalog.
///
/// ```
/// use idgraph_common::graph::catalog::{entry, App, AuthMethod, Operation, Route};
///
/// let pp = entry(App::ProofpointEssentials);
/// assert_eq!(pp.rate_limits.requests_per_minute, Some(100));
/// assert_eq!(pp.user_api.as_ref().map(|a| a.auth.method), Some(AuthMethod::HttpBasic));
/// assert!(pp.lifecycle.manages_groups);
/// assert_eq!(pp.step(Operation::Delete).route, Route::RestApi);
/// assert!(entry(App::Proof).is_read_blind());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CatalogEntry {
    /// Which app.
    pub app: App,
    /// Its display name.
    pub name: &'static str,
    /// Which API surface this entry describes (the seed's, or a real deployment's).
    pub surface: &'static str,
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
    /// Identity providers the seed documents for this app.
    pub identity_providers: &'static [&'static str],
    /// The seed's "why building this yourself is a trap", one caveat per point.
    pub caveats: &'static [Caveat],
}

impl CatalogEntry {
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
    /// use idgraph_common::graph::catalog::{entry, App};
    /// assert!(entry(App::Tessian).is_read_blind());
    /// assert!(!entry(App::Hyperproof).is_read_blind());
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
    /// use idgraph_common::graph::catalog::{entry, App, CaveatKind};
    /// assert!(entry(App::ProofpointEssentials)
    ///     .caveats_of(CaveatKind::FullReplaceUpdate)
    ///     .next()
    ///     .is_some());
    /// ```
    pub fn caveats_of(&self, kind: CaveatKind) -> impl Iterator<Item = &Caveat> + '_ {
        self.caveats.iter().filter(move |c| c.kind == kind)
    }
}

const fn step(route: Route, how: &'static str) -> Step {
    Step { route, how }
}

const fn caveat(kind: CaveatKind, text: &'static str) -> Caveat {
    Caveat { kind, text }
}

const NO_PAGINATION: Pagination = Pagination {
    method: PaginationMethod::None,
    pointer: None,
    default_page_size: None,
    max_page_size: None,
    note: "No list endpoint.",
};

const NO_RATE_LIMITS: RateLimits = RateLimits {
    requests_per_minute: None,
    headers: Availability::No,
    retry_after: Availability::No,
    note: "Not documented: there are no endpoints to limit.",
};

const PROOF_UNASSIGN: &str = "unassign the user from the Proof app in Okta or Entra ID to block SSO \
     (Proof has no API to deactivate the account; the account itself stays until a Proof \
     admin removes it in Command Center)";

const PROOF: CatalogEntry = CatalogEntry {
    app: App::Proof,
    name: "Proof",
    surface: "no user API (SAML 2.0 JIT through Command Center SSO)",
    user_api: None,
    scim: Scim {
        available: false,
        version: None,
        endpoint: None,
        plan_required: "Enterprise (Command Center)",
        auth: None,
        limitations: &[
            "No SCIM provisioning documented in official Proof help center or developer resources.",
            "User provisioning is handled via SAML 2.0 JIT provisioning only.",
            "Domain verification is required before SSO/JIT can be enabled.",
            "SSO requires the Proof Command Center plan.",
        ],
    },
    pagination: NO_PAGINATION,
    rate_limits: NO_RATE_LIMITS,
    webhooks: Webhooks {
        available: Availability::No,
        note: "No webhook documentation found in official sources.",
        alternative: "None programmatic: the lifecycle runs through SAML 2.0 JIT provisioning \
                      configured in Command Center SSO.",
    },
    lifecycle: Lifecycle {
        summary: "Read-blind: SAML 2.0 JIT creates accounts at first login; offboarding is \
                  unassigning the user in the IdP, which blocks SSO.",
        list: step(
            Route::Unavailable,
            "there is no API to list Proof users; review them in Proof Command Center, or audit \
             the assignments of the Proof app in Okta or Entra ID",
        ),
        create: step(
            Route::IdentityProvider,
            "assign the user to the Proof app in Okta or Entra ID; SAML JIT creates the account \
             at first login, so there is nothing to create",
        ),
        update: step(
            Route::Unavailable,
            "JIT does not sync attributes and Proof has no API to update users; change the user \
             in Okta or Entra ID and ask a Proof admin to edit the account in Command Center",
        ),
        deactivate: step(Route::IdentityProvider, PROOF_UNASSIGN),
        delete: step(
            Route::AdminConsole,
            "Proof has no API to delete users: unassign the user from the Proof app in Okta or \
             Entra ID to block SSO, then ask a Proof admin to remove the account in Command Center",
        ),
        rename: step(
            Route::IdentityProvider,
            "change the user's email in Okta or Entra ID; Proof has no API, and JIT does not \
             sync attributes, so ask a Proof admin to change the account in Command Center",
        ),
        rename_loses: &[],
        manages_groups: false,
        stores: Attributes::NONE,
    },
    identity_providers: &["Okta", "Microsoft Entra ID"],
    caveats: &[
        caveat(
            CaveatKind::JitOnly,
            "JIT provisioning creates accounts on first login but leaves deprovisioning, role \
             updates and access auditing outside any automated flow.",
        ),
        caveat(
            CaveatKind::NoApi,
            "There is no SCIM API to sync against, no webhook for user state changes, and no \
             documented rate limits or pagination because there are no API endpoints to call.",
        ),
        caveat(
            CaveatKind::PlanGated,
            "Supported IdPs are limited to Okta and Microsoft Entra ID; Google Workspace and \
             OneLogin are not documented as compatible.",
        ),
        caveat(
            CaveatKind::PlanGated,
            "The Command Center plan is required before any SSO or JIT capability is accessible, \
             and domain verification must be completed first.",
        ),
    ],
};

const HYPERPROOF: CatalogEntry = CatalogEntry {
    app: App::Hyperproof,
    name: "Hyperproof",
    surface: "seed: REST https://api.hyperproof.io/v1 + per-organization SCIM 2.0",
    user_api: Some(UserApi {
        base_url: "https://api.hyperproof.io/v1",
        auth: Auth {
            method: AuthMethod::BearerToken,
            note: "API token from Settings > Integrations > API Tokens (OAuth 2.0 not confirmed by \
                   the seed; real deployments use OAuth 2.0 client credentials). Expiry and \
                   rotation are undocumented: treat a 401 as a signal to rotate.",
        },
        publicly_documented: false,
    }),
    scim: Scim {
        available: true,
        version: Some("2.0"),
        endpoint: Some("https://api.hyperproof.io/scim/v2 (the real URL is per organization)"),
        plan_required: "Contact vendor; SSO is a prerequisite (likely Business or Enterprise tier, \
                        not officially confirmed).",
        auth: Some(Auth {
            method: AuthMethod::BearerToken,
            note: "A SCIM token separate from the REST token, generated in the SSO/SCIM settings.",
        }),
        limitations: &[
            "SSO must be configured before SCIM provisioning can be enabled.",
            "Exact SCIM endpoint URL is provisioned per-organization and may differ from the \
             generic base.",
            "Group/role provisioning support is not confirmed in public documentation.",
            "SCIM token is separate from the REST API token.",
        ],
    },
    pagination: Pagination {
        method: PaginationMethod::Offset,
        pointer: Some("startIndex / count"),
        default_page_size: None,
        max_page_size: None,
        note: "Page sizes are not documented.",
    },
    rate_limits: RateLimits {
        requests_per_minute: None,
        headers: Availability::Unknown,
        retry_after: Availability::Unknown,
        note: "Not publicly documented; contact Hyperproof support before high-frequency use.",
    },
    webhooks: Webhooks {
        available: Availability::Unknown,
        note: "No official webhook documentation for user-management events.",
        alternative: "SCIM provisioning via the IdP.",
    },
    lifecycle: Lifecycle {
        summary: "SCIM 2.0 (IdP-driven or by this client); deprovisioning is PATCH active=false, \
                  which keeps the record and its audit history.",
        list: step(
            Route::Scim,
            "GET /Users with startIndex/count on the per-organization endpoint",
        ),
        create: step(
            Route::Scim,
            "POST /Users; SSO must work before SCIM is enabled",
        ),
        update: step(
            Route::Scim,
            "validate supported attributes in a non-production org first",
        ),
        deactivate: step(
            Route::Scim,
            "PATCH /Users/{id} active=false; the record and its audit history are kept",
        ),
        delete: step(
            Route::AdminConsole,
            "Hyperproof has no API to hard-delete users: deactivate through SCIM (unassign the \
             user from the Hyperproof SCIM app in the IdP), then ask a Hyperproof admin to delete \
             the record manually",
        ),
        rename: step(
            Route::Scim,
            "PATCH of userName and emails on the same SCIM id: the account, its role and its \
             history stay",
        ),
        rename_loses: &[],
        manages_groups: false,
        stores: Attributes::ALL,
    },
    identity_providers: &["Okta", "Microsoft Entra ID"],
    caveats: &[
        caveat(
            CaveatKind::Undocumented,
            "Endpoint schemas, pagination behavior and rate limits are all unconfirmed in public \
             documentation.",
        ),
        caveat(
            CaveatKind::CredentialConfusion,
            "The SCIM token and the REST API token are distinct credentials; conflating them \
             produces authentication failures that are hard to debug.",
        ),
        caveat(
            CaveatKind::Groups,
            "Group and role provisioning via SCIM is unconfirmed, which limits how far role \
             assignments propagate without manual fallback.",
        ),
        caveat(
            CaveatKind::PlanGated,
            "Plan-tier gating for SCIM is not published; assume enterprise-tier requirements and \
             validate with the vendor.",
        ),
    ],
};

const PROOFPOINT_CAVEATS: &[Caveat] = &[
    caveat(
        CaveatKind::CredentialConfusion,
        "Essentials and Enterprise/TAP are different APIs: different base URLs, auth mechanisms \
         and capabilities; the developer portal documents TAP/TRAP/PSAT, not Essentials user \
         management.",
    ),
    caveat(
        CaveatKind::CredentialConfusion,
        "API keys are scoped to one Essentials organization; MSP or reseller accounts must \
         manage per-org keys explicitly.",
    ),
    caveat(
        CaveatKind::FullReplaceUpdate,
        "Updates are PUT-only full replacement: any field omitted from the payload may be reset \
         to its default.",
    ),
    caveat(
        CaveatKind::ImmutableKey,
        "primaryEmail is immutable: an address change is a delete-and-recreate, which also \
         removes all aliases.",
    ),
    caveat(
        CaveatKind::IrreversibleDelete,
        "DELETE is immediate and irreversible (aliases included); suspension is a status change \
         to inactive instead.",
    ),
    caveat(
        CaveatKind::NoWebhooks,
        "No webhooks for user lifecycle events: polling GET /v2/users is the only detection \
         (the TAP SIEM API is no substitute).",
    ),
    caveat(
        CaveatKind::Undocumented,
        "The API exposes no last-login field.",
    ),
    caveat(
        CaveatKind::Groups,
        "Group membership changes take up to 15 minutes to reach policy enforcement.",
    ),
    caveat(
        CaveatKind::Interference,
        "Active directory sync can re-create users that were deleted through the API.",
    ),
];

const PROOFPOINT_ESSENTIALS: CatalogEntry = CatalogEntry {
    app: App::ProofpointEssentials,
    name: "Proofpoint Essentials",
    surface: "seed: REST https://api.proofpoint.com/v2 (users and groups)",
    user_api: Some(UserApi {
        base_url: "https://api.proofpoint.com/v2",
        auth: Auth {
            method: AuthMethod::HttpBasic,
            note: "API key as user name, secret as password (Settings > API Keys); the access \
                   level is the key owner's admin role. Enterprise/TAP uses client credentials \
                   instead.",
        },
        publicly_documented: true,
    }),
    scim: Scim {
        available: false,
        version: None,
        endpoint: None,
        plan_required: "Enterprise",
        auth: None,
        limitations: &[
            "Proofpoint does not publish a native SCIM 2.0 endpoint.",
            "Okta, Entra ID and OneLogin connectors use the Essentials REST API, not SCIM.",
            "Enterprise customers should confirm SCIM availability with their account team.",
        ],
    },
    pagination: Pagination {
        method: PaginationMethod::Offset,
        pointer: Some("page / pageSize"),
        default_page_size: Some(100),
        max_page_size: Some(1000),
        note: "Pagination is required for organizations with more than 100 users.",
    },
    rate_limits: RateLimits {
        requests_per_minute: Some(100),
        headers: Availability::Yes,
        retry_after: Availability::No,
        note: "100 requests per minute per API key; 429 when exceeded; Retry-After not \
               confirmed, so back off exponentially.",
    },
    webhooks: Webhooks {
        available: Availability::No,
        note: "No webhook or event subscription for user lifecycle events.",
        alternative: "Poll GET /v2/users on a schedule.",
    },
    lifecycle: Lifecycle {
        summary: "REST API: create, full-replace update, suspend by status, irreversible delete; \
                  groups through /v2/groups members.",
        list: step(Route::RestApi, "GET /v2/users?page=&pageSize= (max 1000)"),
        create: step(
            Route::RestApi,
            "POST /v2/users; the email domain must already be registered in the admin console",
        ),
        update: step(
            Route::RestApi,
            "PUT is full replacement: read-modify-write from the full current user",
        ),
        deactivate: step(
            Route::RestApi,
            "PUT with status inactive (full replacement)",
        ),
        delete: step(
            Route::RestApi,
            "DELETE /v2/users/{primaryEmail} is immediate and irreversible, aliases included",
        ),
        rename: step(
            Route::RestApi,
            "primaryEmail is immutable: the account is created again under the new email \
             (roles, status, mailbox size and spam policy copied; aliases and group \
             memberships deleted with the old account and re-added, a failed re-add \
             reported) and the old one deleted; only when the SyncPolicy allows lossy renames",
        ),
        rename_loses: &[
            "the password (the new account gets one from the PasswordPolicy)",
            "creation time, update time and the server id",
            "fields the client does not model",
            "the account's history (quarantine, logs)",
        ],
        manages_groups: true,
        stores: Attributes::NAMES_ONLY,
    },
    identity_providers: &["Okta", "Microsoft Entra ID", "OneLogin"],
    caveats: PROOFPOINT_CAVEATS,
};

const PROOFPOINT_ESSENTIALS_V1: CatalogEntry = CatalogEntry {
    app: App::ProofpointEssentials,
    name: "Proofpoint Essentials",
    surface: "real deployments: Essentials interface API v1 \
              (https://<stack>.proofpointessentials.com/api/v1/orgs/{domain}/users)",
    user_api: Some(UserApi {
        base_url: "https://<stack>.proofpointessentials.com/api/v1",
        auth: Auth {
            method: AuthMethod::HeaderPair,
            note: "X-User / X-Password headers carrying an admin's credentials.",
        },
        publicly_documented: true,
    }),
    scim: Scim {
        available: false,
        version: None,
        endpoint: None,
        plan_required: "Enterprise",
        auth: None,
        limitations: &["Proofpoint does not publish a native SCIM 2.0 endpoint."],
    },
    pagination: Pagination {
        method: PaginationMethod::None,
        pointer: None,
        default_page_size: None,
        max_page_size: None,
        note: "The users listing is one unpaginated array.",
    },
    rate_limits: RateLimits {
        requests_per_minute: None,
        headers: Availability::Unknown,
        retry_after: Availability::Unknown,
        note: "No documented rate limit.",
    },
    webhooks: Webhooks {
        available: Availability::No,
        note: "No webhook or event subscription for user lifecycle events.",
        alternative: "Poll the users listing on a schedule.",
    },
    lifecycle: Lifecycle {
        summary: "REST API v1: create, full-replace update, suspend by is_active, irreversible \
                  delete; no groups resource.",
        list: step(Route::RestApi, "GET /orgs/{domain}/users (unpaginated)"),
        create: step(Route::RestApi, "POST /orgs/{domain}/users"),
        update: step(Route::RestApi, "PUT is full replacement: read-modify-write"),
        deactivate: step(
            Route::RestApi,
            "PUT with is_active false (full replacement)",
        ),
        delete: step(Route::RestApi, "DELETE is immediate and irreversible"),
        rename: step(
            Route::RestApi,
            "the primary email is immutable: the account is created again under the new email \
             (sender allow and block lists copied, aliases re-added) and the old one deleted; \
             only when the SyncPolicy allows lossy renames",
        ),
        rename_loses: &[
            "the password",
            "creation time and the server id (uid)",
            "fields the client does not model",
            "the account's history (quarantine, logs)",
        ],
        manages_groups: false,
        stores: Attributes::NAMES_ONLY,
    },
    identity_providers: &["Okta", "Microsoft Entra ID", "OneLogin"],
    caveats: PROOFPOINT_CAVEATS,
};

const TESSIAN_IDP: &str = "manage the user in Okta or Entra ID and let the IdP's SCIM app \
     provisioning sync Tessian; there is no Tessian API";

const TESSIAN: CatalogEntry = CatalogEntry {
    app: App::Tessian,
    name: "Tessian",
    surface: "no user API (IdP-side SCIM app integrations only)",
    user_api: None,
    scim: Scim {
        available: false,
        version: None,
        endpoint: None,
        plan_required: "Enterprise",
        auth: None,
        limitations: &[
            "No native SCIM endpoint is publicly documented by Tessian or Proofpoint.",
            "User provisioning is handled through IdP connectors (Okta, Microsoft Entra ID) \
             using IdP-side SCIM app integrations.",
            "Post-acquisition by Proofpoint (December 2023), any future API/SCIM surface is \
             subject to change.",
            "No public developer documentation or API reference has been published.",
        ],
    },
    pagination: NO_PAGINATION,
    rate_limits: NO_RATE_LIMITS,
    webhooks: Webhooks {
        available: Availability::No,
        note: "No publicly documented webhook system for user-management events.",
        alternative: "Lifecycle events are managed through the IdP's SCIM provisioning flows.",
    },
    lifecycle: Lifecycle {
        summary: "Read-blind: the IdP (Okta, Entra ID) owns the lifecycle and provisions Tessian \
                  through its own SCIM app integration.",
        list: step(
            Route::Unavailable,
            "there is no API to list Tessian users; audit the assignments of the Tessian app in \
             Okta or Entra ID",
        ),
        create: step(
            Route::IdentityProvider,
            "assign the user to the Tessian app in Okta or Entra ID and let the IdP's SCIM app \
             provisioning sync Tessian; there is no Tessian API",
        ),
        update: step(Route::IdentityProvider, TESSIAN_IDP),
        deactivate: step(
            Route::IdentityProvider,
            "unassign the user from the Tessian app in Okta or Entra ID (or deactivate them in \
             the IdP) and let the IdP's SCIM app provisioning sync Tessian; there is no Tessian API",
        ),
        delete: step(
            Route::IdentityProvider,
            "unassign the user from the Tessian app in Okta or Entra ID and let the IdP's SCIM \
             app provisioning deprovision Tessian; there is no Tessian API",
        ),
        rename: step(
            Route::IdentityProvider,
            "change the user's email in Entra ID (or Google Workspace); Tessian follows the \
             directory sync",
        ),
        rename_loses: &[],
        manages_groups: false,
        stores: Attributes::NONE,
    },
    identity_providers: &["Okta", "Microsoft Entra ID"],
    caveats: &[
        caveat(
            CaveatKind::NoApi,
            "Integrating with Okta or Entra ID does not mean Tessian exposes a manageable API: \
             the integration is one-directional and IdP-owned; nothing can query or mutate \
             Tessian user state independently.",
        ),
        caveat(
            CaveatKind::Roadmap,
            "After Proofpoint's acquisition (December 2023), any future API or SCIM capability \
             follows Proofpoint's unpublished roadmap; confirm with Proofpoint before depending \
             on one.",
        ),
    ],
};

const PROBO: CatalogEntry = CatalogEntry {
    app: App::Probo,
    name: "Probo",
    surface: "SCIM 2.0 at https://<probo-domain>/api/connect/v1/scim/2.0/Users (+ Bridge)",
    user_api: None,
    scim: Scim {
        available: true,
        version: Some("2.0"),
        endpoint: Some("https://your-probo-domain.com/api/connect/v1/scim/2.0/Users"),
        plan_required: "Not stated by the seed",
        auth: Some(Auth {
            method: AuthMethod::BearerToken,
            note: "Generated with the SCIM configuration and shown once; an attached Bridge \
                   rotates it on every sync.",
        }),
        limitations: &[
            "Filtering supports the eq operator only (userName, externalId).",
            "Users only: no Groups, Bulk or /.search.",
        ],
    },
    pagination: Pagination {
        method: PaginationMethod::Offset,
        pointer: Some("startIndex / count"),
        default_page_size: None,
        max_page_size: None,
        note: "Real servers return every user on every page and echo the paging parameters: \
               stop on totalResults or on a page that adds nothing new.",
    },
    rate_limits: RateLimits {
        requests_per_minute: None,
        headers: Availability::Unknown,
        retry_after: Availability::Unknown,
        note: "Not documented.",
    },
    webhooks: Webhooks {
        available: Availability::Unknown,
        note: "Not described by the seed (real servers emit user:created, user:updated and \
               user:deleted webhooks).",
        alternative: "The SCIM event log (Organization Settings > Authentication > \
                      Auto-Provisioning > Event Log).",
    },
    lifecycle: Lifecycle {
        summary: "SCIM 2.0 pushed by an IdP, or pulled by Probo's Bridge; deactivation is \
                  active=false, DELETE removes the user.",
        list: step(Route::Scim, "GET /Users (filter eq only)"),
        create: step(Route::Scim, "POST /Users"),
        update: step(Route::Scim, "PUT (full replacement) or PATCH /Users/{id}"),
        deactivate: step(Route::Scim, "PATCH active=false"),
        delete: step(
            Route::Scim,
            "DELETE /Users/{id} (may degrade to a deactivation while still answering 204)",
        ),
        rename: step(
            Route::Scim,
            "POST /Users repeating the externalId with the new email (Probo ignores emails on \
             PUT and PATCH): the same id, role and history",
        ),
        rename_loses: &[],
        manages_groups: false,
        stores: Attributes::ALL,
    },
    identity_providers: &["Okta", "Microsoft Entra ID", "OneLogin", "JumpCloud"],
    caveats: &[
        caveat(
            CaveatKind::Interference,
            "An attached Bridge rotates the SCIM bearer token on every sync, so external \
             clients get 401 invalid token.",
        ),
        caveat(
            CaveatKind::Interference,
            "The Bridge hard-deletes excluded users that exist in Probo, on every run.",
        ),
        caveat(
            CaveatKind::Undocumented,
            "List paging is fake: every page holds every user and echoes the request.",
        ),
        caveat(
            CaveatKind::Groups,
            "Reactivating a user (active=true) resets their membership role to EMPLOYEE, and \
             the SCIM API can neither read nor set roles: an admin reactivated by a sync \
             comes back as an employee and must be given their role again in Probo.",
        ),
    ],
};

/// The catalog entry of `app` (the seed's API surface).
///
/// ```
/// use idgraph_common::graph::catalog::{entry, App};
/// assert_eq!(entry(App::Hyperproof).name, "Hyperproof");
/// ```
pub fn entry(app: App) -> &'static CatalogEntry {
    match app {
        App::Proof => &ENTRIES[0],
        App::Hyperproof => &ENTRIES[1],
        App::ProofpointEssentials => &ENTRIES[2],
        App::Tessian => &ENTRIES[3],
        App::Probo => &ENTRIES[4],
        App::Scim => &ENTRIES[5],
    }
}

/// The entry for Proofpoint Essentials' real *interface API v1* (stack hosts,
/// `X-User`/`X-Password`, no groups, no paging): what a client configured for real
/// deployments returns from [`UserDirectory::catalog`](super::UserDirectory::catalog), so
/// that reconciliation does not compare groups it cannot manage.
///
/// ```
/// use idgraph_common::graph::catalog;
/// assert!(!catalog::proofpoint_essentials_interface_v1().lifecycle.manages_groups);
/// ```
pub fn proofpoint_essentials_interface_v1() -> &'static CatalogEntry {
    &PROOFPOINT_ESSENTIALS_V1_ENTRY
}

static PROOFPOINT_ESSENTIALS_V1_ENTRY: CatalogEntry = PROOFPOINT_ESSENTIALS_V1;

static ENTRIES: [CatalogEntry; 6] = [
    PROOF,
    HYPERPROOF,
    PROOFPOINT_ESSENTIALS,
    TESSIAN,
    PROBO,
    GENERIC_SCIM,
];

/// Any SCIM 2.0 service provider: what RFC 7643/7644 promise, and nothing vendor-specific.
/// `ScimDirectory` reads the server's own `ServiceProviderConfig` for the rest (PATCH,
/// filters, ETags, page size).
const GENERIC_SCIM: CatalogEntry = CatalogEntry {
    app: App::Scim,
    name: "SCIM 2.0",
    surface: "any SCIM 2.0 service provider (RFC 7643/7644) /Users",
    user_api: None,
    scim: Scim {
        available: true,
        version: Some("2.0"),
        endpoint: None,
        plan_required: "Depends on the service provider",
        auth: Some(Auth {
            method: AuthMethod::BearerToken,
            note: "RFC 7644 §2: usually an OAuth bearer token; any auth provider of the \
                   transport works.",
        }),
        limitations: &[
            "PATCH, filters, sorting, ETags and bulk are optional in RFC 7644: the \
             ServiceProviderConfig says which the server has.",
        ],
    },
    pagination: Pagination {
        method: PaginationMethod::Offset,
        pointer: Some("startIndex / count"),
        default_page_size: None,
        max_page_size: None,
        note: "RFC 7644 §3.4.2.4 index paging; the server's filter.maxResults caps a page.",
    },
    rate_limits: RateLimits {
        requests_per_minute: None,
        headers: Availability::Unknown,
        retry_after: Availability::Unknown,
        note: "Server-specific; 429 with Retry-After is honoured.",
    },
    webhooks: Webhooks {
        available: Availability::Unknown,
        note: "SCIM defines no events (RFC 8417 security events are separate).",
        alternative: "Poll GET /Users.",
    },
    lifecycle: Lifecycle {
        summary: "SCIM 2.0: POST creates, PATCH (or PUT) updates and sets active=false, \
                  DELETE removes.",
        list: step(Route::Scim, "GET /Users"),
        create: step(Route::Scim, "POST /Users"),
        update: step(
            Route::Scim,
            "PATCH /Users/{id} when the server supports PATCH, else PUT of the whole user \
             (with If-Match where the server has ETags)",
        ),
        deactivate: step(Route::Scim, "active=false by PATCH (or PUT)"),
        delete: step(Route::Scim, "DELETE /Users/{id}"),
        rename: step(
            Route::Scim,
            "userName and the primary email replaced on the same id, by PATCH (or PUT)",
        ),
        rename_loses: &[],
        manages_groups: false,
        stores: Attributes::ALL,
    },
    identity_providers: &["Okta", "Microsoft Entra ID", "OneLogin", "JumpCloud"],
    caveats: &[
        caveat(
            CaveatKind::Undocumented,
            "What RFC 7644 leaves optional (PATCH, filters, ETags, page size) differs from \
             server to server: ScimDirectory::discover reads the ServiceProviderConfig.",
        ),
        caveat(
            CaveatKind::IrreversibleDelete,
            "DELETE /Users/{id} removes the user; most servers keep no copy.",
        ),
    ],
};

/// Every entry, one per app, in [`App::ALL`] order.
///
/// ```
/// use idgraph_common::graph::catalog;
/// let read_blind: Vec<_> = catalog::all()
///     .iter()
///     .filter(|e| e.is_read_blind())
///     .map(|e| e.name)
///     .collect();
/// assert_eq!(read_blind, ["Proof", "Tessian"]);
/// ```
pub fn all() -> &'static [CatalogEntry] {
    &ENTRIES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_entry_per_app_in_order() {
        let apps: Vec<App> = all().iter().map(|e| e.app).collect();
        assert_eq!(apps, App::ALL);
        for app in App::ALL {
            assert_eq!(entry(app).app, app);
        }
    }

    #[test]
    fn read_blind_apps_have_instructions_for_every_operation() {
        for e in all().iter().filter(|e| e.is_read_blind()) {
            assert!(!e.has_user_api(), "{}", e.name);
            for op in Operation::ALL {
                assert!(e.step(op).how.len() > 20, "{} {op}", e.name);
            }
        }
    }

    #[test]
    fn seed_facts() {
        let hp = entry(App::Hyperproof);
        assert!(hp.scim.available && hp.by_api(Operation::Deactivate));
        assert!(!hp.by_api(Operation::Delete));
        let probo = entry(App::Probo);
        assert!(probo.by_api(Operation::Delete) && !probo.lifecycle.manages_groups);
        assert_eq!(
            entry(App::ProofpointEssentials).pagination.max_page_size,
            Some(1000)
        );
        assert_eq!(
            entry(App::Proof).scim.plan_required,
            "Enterprise (Command Center)"
        );
    }

    #[test]
    fn serialises_to_json() {
        let v = serde_json::to_value(entry(App::Tessian)).unwrap_or_default();
        assert_eq!(v["app"], "Tessian");
        assert_eq!(v["lifecycle"]["list"]["route"], "unavailable");
    }
}
