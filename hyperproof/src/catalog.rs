//! Hyperproof's entry in the identity graph's catalog: what its APIs offer, as the seed
//! and the vendor's public material state it.

use std::sync::LazyLock;

use idgraph_common::graph::catalog::{
    AppId, Attributes, Auth, AuthMethod, Availability, CatalogEntry, CaveatKind, Operation,
    Pagination, RateLimits, Route, Scim, UserApi, Webhooks,
};

/// Hyperproof's id in plans, reports and audit events.
pub const APP_ID: AppId = AppId::from_static("hyperproof");

/// Hyperproof's catalog entry: REST plus per-organization SCIM 2.0; deprovisioning is
/// a SCIM deactivation, a hard delete is an admin's manual step, and group memberships
/// and the role travel over SCIM.
///
/// ```
/// use idgraph_common::graph::catalog::{Operation, Route};
///
/// let entry = hyperproof::catalog_entry();
/// assert_eq!(entry.app, hyperproof::APP_ID);
/// assert_eq!(entry.step(Operation::Deactivate).route, Route::Scim);
/// assert_eq!(entry.step(Operation::Delete).route, Route::AdminConsole);
/// assert_eq!(entry.step(Operation::Groups).route, Route::Scim);
/// assert_eq!(entry.step(Operation::Role).route, Route::Scim);
/// assert!(entry.lifecycle.stores.groups && entry.lifecycle.stores.role);
/// ```
pub fn catalog_entry() -> &'static CatalogEntry {
    static ENTRY: LazyLock<CatalogEntry> = LazyLock::new(build);
    &ENTRY
}

fn build() -> CatalogEntry {
    CatalogEntry::builder(APP_ID, "Hyperproof")
        .surface("seed: REST https://api.hyperproof.io/v1 + per-organization SCIM 2.0")
        .user_api(UserApi::new(
            "https://api.hyperproof.io/v1",
            Auth::new(
                AuthMethod::BearerToken,
                "API token from Settings > Integrations > API Tokens (OAuth 2.0 not confirmed \
                 by the seed; real deployments use OAuth 2.0 client credentials). Expiry and \
                 rotation are undocumented: treat a 401 as a signal to rotate.",
            ),
        ))
        .scim(
            Scim::v2()
                .endpoint("https://api.hyperproof.io/scim/v2 (the real URL is per organization)")
                .plan_required(
                    "Contact vendor; SSO is a prerequisite (likely Business or Enterprise tier, \
                     not officially confirmed).",
                )
                .auth(Auth::new(
                    AuthMethod::BearerToken,
                    "A SCIM token separate from the REST token, generated in the SSO/SCIM \
                     settings.",
                ))
                .limitation("SSO must be configured before SCIM provisioning can be enabled.")
                .limitation(
                    "Exact SCIM endpoint URL is provisioned per-organization and may differ from \
                     the generic base.",
                )
                .limitation(
                    "Group/role provisioning is not confirmed by the seed; Hyperproof's admin \
                     docs describe groups pushed by Okta and Entra ID (displayName, members) and \
                     the role as roles[primary eq \"True\"].value.",
                )
                .limitation("SCIM token is separate from the REST API token."),
        )
        .pagination(Pagination::offset("startIndex / count").note("Page sizes are not documented."))
        .rate_limits(
            RateLimits::undocumented().note(
                "Not publicly documented; contact Hyperproof support before high-frequency use.",
            ),
        )
        .webhooks(Webhooks::new(
            Availability::Unknown,
            "No official webhook documentation for user-management events.",
            "SCIM provisioning via the IdP.",
        ))
        .summary(
            "SCIM 2.0 (IdP-driven or by this client); deprovisioning is PATCH active=false, which \
             keeps the record and its audit history.",
        )
        .step(
            Operation::List,
            Route::Scim,
            "GET /Users with startIndex/count on the per-organization endpoint",
        )
        .step(
            Operation::Create,
            Route::Scim,
            "POST /Users; SSO must work before SCIM is enabled",
        )
        .step(
            Operation::Update,
            Route::Scim,
            "validate supported attributes in a non-production org first",
        )
        .step(
            Operation::Deactivate,
            Route::Scim,
            "PATCH /Users/{id} active=false; the record and its audit history are kept",
        )
        .step(
            Operation::Delete,
            Route::AdminConsole,
            "Hyperproof has no API to hard-delete users: deactivate through SCIM (unassign the \
             user from the Hyperproof SCIM app in the IdP), then ask a Hyperproof admin to delete \
             the record manually",
        )
        .step(
            Operation::Rename,
            Route::Scim,
            "PATCH of userName and emails on the same SCIM id: the account, its role and its \
             history stay",
        )
        .step(
            Operation::Groups,
            Route::Scim,
            "PATCH /Groups/{id} adding or removing the user in members, the group found by its \
             displayName (groups are never created); the organization's provisioning must \
             accept groups (Okta's Push groups, Entra ID's group mapping), else Hyperproof \
             refuses the PATCH or does not show the member, and the change fails as incomplete",
        )
        .step(
            Operation::Role,
            Route::Scim,
            "PATCH /Users/{id} replacing roles[primary eq \"True\"].value with \
             ORGANIZATION_ADMINISTRATOR, COMPLIANCE_MANAGER, USER or LIMITED_ACCESS_USER (the \
             values of Hyperproof's Entra ID role mapping)",
        )
        .stores(Attributes::PROFILE.with_groups(true).with_role(true))
        .identity_providers(["Okta", "Microsoft Entra ID"])
        .caveat(
            CaveatKind::Undocumented,
            "Endpoint schemas, pagination behavior and rate limits are all unconfirmed in public \
             documentation.",
        )
        .caveat(
            CaveatKind::CredentialConfusion,
            "The SCIM token and the REST API token are distinct credentials; conflating them \
             produces authentication failures that are hard to debug.",
        )
        .caveat(
            CaveatKind::Groups,
            "Group and role provisioning via SCIM is unconfirmed by the seed: memberships are \
             read from /Groups members and changed with /Groups PATCH, and each change is read \
             back, so an organization whose provisioning does not take groups sees the change \
             fail as incomplete, never a silent success.",
        )
        .caveat(
            CaveatKind::PlanGated,
            "Plan-tier gating for SCIM is not published; assume enterprise-tier requirements and \
             validate with the vendor.",
        )
        .build()
}
