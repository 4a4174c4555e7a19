//! [`CatalogEntryBuilder`]: how anyone describes an app, ours or their own.

use super::{
    AppId, Attributes, CatalogEntry, Caveat, CaveatKind, Lifecycle, Operation, Pagination,
    RateLimits, Route, Scim, Step, UserApi, Webhooks,
};

/// Builds a [`CatalogEntry`] (from [`CatalogEntry::builder`] or
/// [`CatalogEntry::to_builder`]).
///
/// Defaults, each replaced by its setter: no user API, no SCIM, no pagination,
/// undocumented rate limits, unknown webhooks, no identity providers, no caveats, no
/// stored attribute besides email and active state, no group management, and every
/// operation [`Route::Unavailable`]. A step that is not by API and has no instructions
/// gets a generic one at [`build`](Self::build) ("ask an administrator of `name` to
/// `operation` the user by hand"), because plans quote it verbatim in manual items and
/// an empty instruction would tell an operator nothing.
///
/// ```
/// use idgraph_common::graph::catalog::{
///     AppId, Attributes, Auth, AuthMethod, CatalogEntry, CaveatKind, Operation, Pagination,
///     RateLimits, Route, UserApi,
/// };
///
/// let entry = CatalogEntry::builder(AppId::from_static("acme-wiki"), "Acme Wiki")
///     .user_api(UserApi::new(
///         "https://wiki.acme.test/api",
///         Auth::new(AuthMethod::BearerToken, "a service token from Settings > API"),
///     ))
///     .pagination(Pagination::offset("page / per_page").page_sizes(Some(50), Some(500)))
///     .rate_limits(RateLimits::undocumented().per_minute(600))
///     .summary("REST API: create, disable, no delete")
///     .step(Operation::List, Route::RestApi, "GET /users")
///     .step(Operation::Create, Route::RestApi, "POST /users")
///     .step(Operation::Update, Route::RestApi, "PATCH /users/{id}")
///     .step(Operation::Deactivate, Route::RestApi, "POST /users/{id}/disable")
///     .stores(Attributes::NAMES_ONLY.with_external_id(true))
///     .caveat(CaveatKind::IrreversibleDelete, "deleting a wiki user deletes their pages")
///     .build();
/// assert_eq!(entry.rate_limits.requests_per_minute, Some(600));
/// assert_eq!(
///     entry.step(Operation::Delete).how,
///     "ask an administrator of Acme Wiki to delete the user by hand"
/// );
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct CatalogEntryBuilder {
    entry: CatalogEntry,
}

impl CatalogEntryBuilder {
    pub(super) fn new(app: AppId, name: String) -> Self {
        let unavailable = || Step::new(Route::Unavailable, String::new());
        Self {
            entry: CatalogEntry {
                app,
                name,
                surface: String::new(),
                user_api: None,
                scim: Scim::none(),
                pagination: Pagination::none(),
                rate_limits: RateLimits::undocumented(),
                webhooks: Webhooks::default(),
                lifecycle: Lifecycle {
                    summary: String::new(),
                    list: unavailable(),
                    create: unavailable(),
                    update: unavailable(),
                    deactivate: unavailable(),
                    delete: unavailable(),
                    rename: unavailable(),
                    groups: unavailable(),
                    role: unavailable(),
                    rename_loses: Vec::new(),
                    reactivation_resets_role: None,
                    stores: Attributes::NONE,
                },
                identity_providers: Vec::new(),
                caveats: Vec::new(),
            },
        }
    }

    pub(super) fn from_entry(entry: CatalogEntry) -> Self {
        Self { entry }
    }

    /// Sets the app's id.
    pub fn app(mut self, app: AppId) -> Self {
        self.entry.app = app;
        self
    }

    /// Sets the display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.entry.name = name.into();
        self
    }

    /// Sets which API surface the entry describes.
    pub fn surface(mut self, surface: impl Into<String>) -> Self {
        self.entry.surface = surface.into();
        self
    }

    /// Sets the app's own user API.
    pub fn user_api(mut self, api: UserApi) -> Self {
        self.entry.user_api = Some(api);
        self
    }

    /// Sets the SCIM facts.
    pub fn scim(mut self, scim: Scim) -> Self {
        self.entry.scim = scim;
        self
    }

    /// Sets the pagination facts.
    pub fn pagination(mut self, pagination: Pagination) -> Self {
        self.entry.pagination = pagination;
        self
    }

    /// Sets the rate-limit facts.
    pub fn rate_limits(mut self, rate_limits: RateLimits) -> Self {
        self.entry.rate_limits = rate_limits;
        self
    }

    /// Sets the webhook facts.
    pub fn webhooks(mut self, webhooks: Webhooks) -> Self {
        self.entry.webhooks = webhooks;
        self
    }

    /// Sets the one-line lifecycle summary.
    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.entry.lifecycle.summary = summary.into();
        self
    }

    /// Sets how `op` is carried out: for API routes, what to watch out for; otherwise
    /// the action a person takes instead.
    pub fn step(mut self, op: Operation, route: Route, how: impl Into<String>) -> Self {
        *self.entry.lifecycle.step_mut(op) = Step::new(route, how);
        self
    }

    /// Sets what a rename by API loses (see
    /// [`Lifecycle::rename_loses`](super::Lifecycle::rename_loses)).
    pub fn rename_loses<I, S>(mut self, losses: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.entry.lifecycle.rename_loses = losses.into_iter().map(Into::into).collect();
        self
    }

    /// Says that reactivating an account resets its role to `role` (see
    /// [`Lifecycle::reactivation_resets_role`](super::Lifecycle::reactivation_resets_role)).
    ///
    /// ```
    /// use idgraph_common::graph::catalog::{self, AppId};
    ///
    /// let entry = catalog::scim()
    ///     .to_builder()
    ///     .app(AppId::from_static("acme"))
    ///     .reactivation_resets_role("MEMBER")
    ///     .build();
    /// assert_eq!(entry.lifecycle.reactivation_resets_role.as_deref(), Some("MEMBER"));
    /// ```
    pub fn reactivation_resets_role(mut self, role: impl Into<String>) -> Self {
        self.entry.lifecycle.reactivation_resets_role = Some(role.into());
        self
    }

    /// Sets which attributes the app stores.
    pub fn stores(mut self, stores: Attributes) -> Self {
        self.entry.lifecycle.stores = stores;
        self
    }

    /// Sets the documented identity providers.
    pub fn identity_providers<I, S>(mut self, idps: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.entry.identity_providers = idps.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a caveat.
    pub fn caveat(mut self, kind: CaveatKind, text: impl Into<String>) -> Self {
        self.entry.caveats.push(Caveat::new(kind, text));
        self
    }

    /// The entry, with a generic instruction for every non-API step that has none.
    pub fn build(mut self) -> CatalogEntry {
        for op in Operation::ALL {
            let step = self.entry.lifecycle.step_mut(op);
            if !step.route.is_api() && step.how.trim().is_empty() {
                step.how = format!(
                    "ask an administrator of {} to {} the user by hand",
                    self.entry.name,
                    op.verb()
                );
            }
        }
        self.entry
    }
}
