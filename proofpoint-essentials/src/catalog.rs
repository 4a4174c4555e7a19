//! Proofpoint Essentials' entries in the identity graph's catalog: the seed's `/v2` REST
//! surface and the real interface API v1, as the seed and the vendor's public material
//! state them.

use std::sync::LazyLock;

use idgraph_common::graph::catalog::{
    AppId, Attributes, Auth, AuthMethod, Availability, CatalogEntry, CatalogEntryBuilder,
    CaveatKind, Operation, Pagination, RateLimits, Route, Scim, UserApi, Webhooks,
};

/// Proofpoint Essentials' id in plans, reports and audit events (both surfaces: they are
/// one app).
pub const APP_ID: AppId = AppId::from_static("proofpoint-essentials");

/// The entry of the seed's `/v2` REST surface (users and groups, 100 requests per
/// minute, the email immutable): what a client built with `rest_v2` returns from
/// `UserDirectory::catalog`.
///
/// ```
/// use idgraph_common::graph::catalog::{AuthMethod, Operation, Route};
///
/// let pp = proofpoint_essentials::catalog_entry();
/// assert_eq!(pp.rate_limits.requests_per_minute, Some(100));
/// assert_eq!(pp.user_api.as_ref().map(|a| a.auth.method), Some(AuthMethod::HttpBasic));
/// assert!(pp.lifecycle.stores.groups && pp.by_api(Operation::Groups));
/// assert_eq!(pp.step(Operation::Delete).route, Route::RestApi);
/// ```
pub fn catalog_entry() -> &'static CatalogEntry {
    static ENTRY: LazyLock<CatalogEntry> = LazyLock::new(build_v2);
    &ENTRY
}

/// The entry of the real *interface API v1* (stack hosts, `X-User`/`X-Password`, no
/// groups, no paging): what a client configured for real deployments returns from
/// `UserDirectory::catalog`, so that reconciliation does not compare groups it cannot
/// manage.
///
/// ```
/// assert!(!proofpoint_essentials::catalog_entry_interface_v1().lifecycle.stores.groups);
/// ```
pub fn catalog_entry_interface_v1() -> &'static CatalogEntry {
    static ENTRY: LazyLock<CatalogEntry> = LazyLock::new(build_v1);
    &ENTRY
}

fn with_caveats(b: CatalogEntryBuilder) -> CatalogEntryBuilder {
    b.identity_providers(["Okta", "Microsoft Entra ID", "OneLogin"])
        .caveat(
            CaveatKind::CredentialConfusion,
            "Essentials and Enterprise/TAP are different APIs: different base URLs, auth \
             mechanisms and capabilities; the developer portal documents TAP/TRAP/PSAT, not \
             Essentials user management.",
        )
        .caveat(
            CaveatKind::CredentialConfusion,
            "API keys are scoped to one Essentials organization; MSP or reseller accounts must \
             manage per-org keys explicitly.",
        )
        .caveat(
            CaveatKind::FullReplaceUpdate,
            "Updates are PUT-only full replacement: any field omitted from the payload may be \
             reset to its default.",
        )
        .caveat(
            CaveatKind::ImmutableKey,
            "primaryEmail is immutable: an address change is a delete-and-recreate, which also \
             removes all aliases.",
        )
        .caveat(
            CaveatKind::IrreversibleDelete,
            "DELETE is immediate and irreversible (aliases included); suspension is a status \
             change to inactive instead.",
        )
        .caveat(
            CaveatKind::NoWebhooks,
            "No webhooks for user lifecycle events: polling GET /v2/users is the only detection \
             (the TAP SIEM API is no substitute).",
        )
        .caveat(
            CaveatKind::Undocumented,
            "The API exposes no last-login field.",
        )
        .caveat(
            CaveatKind::Groups,
            "Group membership changes take up to 15 minutes to reach policy enforcement.",
        )
        .caveat(
            CaveatKind::Interference,
            "Active directory sync can re-create users that were deleted through the API.",
        )
}

fn build_v2() -> CatalogEntry {
    let b = CatalogEntry::builder(APP_ID, "Proofpoint Essentials")
        .surface("seed: REST https://api.proofpoint.com/v2 (users and groups)")
        .user_api(
            UserApi::new(
                "https://api.proofpoint.com/v2",
                Auth::new(
                    AuthMethod::HttpBasic,
                    "API key as user name, secret as password (Settings > API Keys); the \
                     access level is the key owner's admin role. Enterprise/TAP uses client \
                     credentials instead.",
                ),
            )
            .publicly_documented(true),
        )
        .scim(
            Scim::none()
                .plan_required("Enterprise")
                .limitation("Proofpoint does not publish a native SCIM 2.0 endpoint.")
                .limitation(
                    "Okta, Entra ID and OneLogin connectors use the Essentials REST API, not \
                     SCIM.",
                )
                .limitation(
                    "Enterprise customers should confirm SCIM availability with their account \
                     team.",
                ),
        )
        .pagination(
            Pagination::offset("page / pageSize")
                .page_sizes(Some(100), Some(1000))
                .note("Pagination is required for organizations with more than 100 users."),
        )
        .rate_limits(
            RateLimits::undocumented()
                .per_minute(100)
                .headers(Availability::Yes)
                .retry_after(Availability::No)
                .note(
                    "100 requests per minute per API key; 429 when exceeded; Retry-After not \
                     confirmed, so back off exponentially.",
                ),
        )
        .webhooks(Webhooks::new(
            Availability::No,
            "No webhook or event subscription for user lifecycle events.",
            "Poll GET /v2/users on a schedule.",
        ))
        .summary(
            "REST API: create, full-replace update, suspend by status, irreversible delete; \
             groups through /v2/groups members.",
        )
        .step(
            Operation::List,
            Route::RestApi,
            "GET /v2/users?page=&pageSize= (max 1000)",
        )
        .step(
            Operation::Create,
            Route::RestApi,
            "POST /v2/users; the email domain must already be registered in the admin console",
        )
        .step(
            Operation::Update,
            Route::RestApi,
            "PUT is full replacement: read-modify-write from the full current user",
        )
        .step(
            Operation::Deactivate,
            Route::RestApi,
            "PUT with status inactive (full replacement)",
        )
        .step(
            Operation::Delete,
            Route::RestApi,
            "DELETE /v2/users/{primaryEmail} is immediate and irreversible, aliases included",
        )
        .step(
            Operation::Rename,
            Route::RestApi,
            "primaryEmail is immutable: the account is created again under the new email \
             (roles, status, mailbox size and spam policy copied; aliases and group memberships \
             deleted with the old account and re-added, a failed re-add reported) and the old \
             one deleted; only when the SyncPolicy allows lossy renames",
        )
        .rename_loses([
            "the password (the new account gets one from the PasswordPolicy)",
            "creation time, update time and the server id",
            "fields the client does not model",
            "the account's history (quarantine, logs)",
        ])
        .step(
            Operation::Groups,
            Route::RestApi,
            "POST and DELETE /v2/groups/{group}/members; changes take up to 15 minutes to reach \
             policy enforcement",
        )
        .step(
            Operation::Role,
            Route::AdminConsole,
            "change the user's administrative role in the Proofpoint Essentials admin console \
             (the client does not reconcile roles)",
        )
        .stores(Attributes::NAMES_ONLY.with_groups(true));
    with_caveats(b).build()
}

fn build_v1() -> CatalogEntry {
    let b = CatalogEntry::builder(APP_ID, "Proofpoint Essentials")
        .surface(
            "real deployments: Essentials interface API v1 \
             (https://<stack>.proofpointessentials.com/api/v1/orgs/{domain}/users)",
        )
        .user_api(
            UserApi::new(
                "https://<stack>.proofpointessentials.com/api/v1",
                Auth::new(
                    AuthMethod::HeaderPair,
                    "X-User / X-Password headers carrying an admin's credentials.",
                ),
            )
            .publicly_documented(true),
        )
        .scim(
            Scim::none()
                .plan_required("Enterprise")
                .limitation("Proofpoint does not publish a native SCIM 2.0 endpoint."),
        )
        .pagination(Pagination::none().note("The users listing is one unpaginated array."))
        .rate_limits(RateLimits::undocumented().note("No documented rate limit."))
        .webhooks(Webhooks::new(
            Availability::No,
            "No webhook or event subscription for user lifecycle events.",
            "Poll the users listing on a schedule.",
        ))
        .summary(
            "REST API v1: create, full-replace update, suspend by is_active, irreversible \
             delete; no groups resource.",
        )
        .step(
            Operation::List,
            Route::RestApi,
            "GET /orgs/{domain}/users (unpaginated)",
        )
        .step(
            Operation::Create,
            Route::RestApi,
            "POST /orgs/{domain}/users",
        )
        .step(
            Operation::Update,
            Route::RestApi,
            "PUT is full replacement: read-modify-write",
        )
        .step(
            Operation::Deactivate,
            Route::RestApi,
            "PUT with is_active false (full replacement)",
        )
        .step(
            Operation::Delete,
            Route::RestApi,
            "DELETE is immediate and irreversible",
        )
        .step(
            Operation::Rename,
            Route::RestApi,
            "the primary email is immutable: the account is created again under the new email \
             (sender allow and block lists copied, aliases re-added) and the old one deleted; \
             only when the SyncPolicy allows lossy renames",
        )
        .rename_loses([
            "the password",
            "creation time and the server id (uid)",
            "fields the client does not model",
            "the account's history (quarantine, logs)",
        ])
        .step(
            Operation::Groups,
            Route::AdminConsole,
            "the interface API v1 has no groups resource: change the user's groups in the \
             Proofpoint Essentials admin console",
        )
        .step(
            Operation::Role,
            Route::AdminConsole,
            "change the user's administrative role in the Proofpoint Essentials admin console \
             (the client does not reconcile roles)",
        )
        .stores(Attributes::NAMES_ONLY);
    with_caveats(b).build()
}
