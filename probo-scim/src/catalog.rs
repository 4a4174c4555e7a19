//! Probo's entry in the identity graph's catalog: what its SCIM API offers, as the seed
//! and Probo's own code show it.

use std::sync::LazyLock;

use idgraph_common::graph::catalog::{
    AppId, Attributes, Auth, AuthMethod, Availability, CatalogEntry, CaveatKind, Operation,
    Pagination, RateLimits, Route, Scim, Webhooks,
};

/// Probo's id in plans, reports and audit events.
pub const APP_ID: AppId = AppId::from_static("probo");

/// Probo's catalog entry: SCIM 2.0 users (no groups), deactivation by `active=false`,
/// `DELETE` removes; renames by a `POST` that repeats the `externalId`.
///
/// ```
/// use idgraph_common::graph::catalog::{CaveatKind, Operation};
///
/// let entry = probo_scim::catalog_entry();
/// assert_eq!(entry.app, probo_scim::APP_ID);
/// assert!(entry.by_api(Operation::Delete) && !entry.lifecycle.stores.groups);
/// assert!(entry.caveats_of(CaveatKind::Interference).count() >= 2);
/// assert_eq!(entry.lifecycle.reactivation_resets_role.as_deref(), Some("EMPLOYEE"));
/// ```
pub fn catalog_entry() -> &'static CatalogEntry {
    static ENTRY: LazyLock<CatalogEntry> = LazyLock::new(build);
    &ENTRY
}

fn build() -> CatalogEntry {
    CatalogEntry::builder(APP_ID, "Probo")
        .surface("SCIM 2.0 at https://<probo-domain>/api/connect/v1/scim/2.0/Users (+ Bridge)")
        .scim(
            Scim::v2()
                .endpoint("https://your-probo-domain.com/api/connect/v1/scim/2.0/Users")
                .plan_required("Not stated by the seed")
                .auth(Auth::new(
                    AuthMethod::BearerToken,
                    "Generated with the SCIM configuration and shown once; an attached Bridge \
                     rotates it on every sync.",
                ))
                .limitation("Filtering supports the eq operator only (userName, externalId).")
                .limitation("Users only: no Groups, Bulk or /.search."),
        )
        .pagination(Pagination::offset("startIndex / count").note(
            "Real servers return every user on every page and echo the paging parameters: stop \
             on totalResults or on a page that adds nothing new.",
        ))
        .rate_limits(RateLimits::undocumented().note("Not documented."))
        .webhooks(Webhooks::new(
            Availability::Unknown,
            "Not described by the seed (real servers emit user:created, user:updated and \
             user:deleted webhooks).",
            "The SCIM event log (Organization Settings > Authentication > Auto-Provisioning > \
             Event Log).",
        ))
        .summary(
            "SCIM 2.0 pushed by an IdP, or pulled by Probo's Bridge; deactivation is \
             active=false, DELETE removes the user.",
        )
        .step(Operation::List, Route::Scim, "GET /Users (filter eq only)")
        .step(Operation::Create, Route::Scim, "POST /Users")
        .step(
            Operation::Update,
            Route::Scim,
            "PUT (full replacement) or PATCH /Users/{id}",
        )
        .step(Operation::Deactivate, Route::Scim, "PATCH active=false")
        .step(
            Operation::Delete,
            Route::Scim,
            "DELETE /Users/{id} (may degrade to a deactivation while still answering 204)",
        )
        .step(
            Operation::Rename,
            Route::Scim,
            "POST /Users repeating the externalId with the new email (Probo ignores emails on \
             PUT and PATCH): the same id, role and history",
        )
        .step(
            Operation::Groups,
            Route::Unavailable,
            "Probo has no groups: its SCIM API serves Users only",
        )
        .step(
            Operation::Role,
            Route::AdminConsole,
            "Probo's SCIM API can neither read nor set roles: ask a Probo admin to set the \
             member's role in Probo (a reactivation resets it to EMPLOYEE)",
        )
        .stores(Attributes::PROFILE)
        // Research "role": reactivation (active=true while deactivated) resets the
        // membership role, and SCIM cannot set it back, so plans must say so.
        .reactivation_resets_role("EMPLOYEE")
        .identity_providers(["Okta", "Microsoft Entra ID", "OneLogin", "JumpCloud"])
        .caveat(
            CaveatKind::Interference,
            "An attached Bridge rotates the SCIM bearer token on every sync, so external clients \
             get 401 invalid token.",
        )
        .caveat(
            CaveatKind::Interference,
            "The Bridge hard-deletes excluded users that exist in Probo, on every run.",
        )
        .caveat(
            CaveatKind::Undocumented,
            "List paging is fake: every page holds every user and echoes the request.",
        )
        .caveat(
            CaveatKind::Groups,
            "Reactivating a user (active=true) resets their membership role to EMPLOYEE, and the \
             SCIM API can neither read nor set roles: an admin reactivated by a sync comes back \
             as an employee and must be given their role again in Probo.",
        )
        .build()
}
