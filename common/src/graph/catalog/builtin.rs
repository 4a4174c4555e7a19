//! The entries `idgraph-common` itself owns: the read-blind apps no crate serves (Proof,
//! Tessian) and any SCIM 2.0 service provider. The vendor crates own theirs.

use std::sync::LazyLock;

use super::{
    AppId, Attributes, Auth, AuthMethod, Availability, CatalogEntry, CaveatKind, Operation,
    Pagination, RateLimits, Route, Scim, Webhooks,
};

/// The built-in entries, in this order: [`proof`], [`tessian`], [`scim`].
///
/// ```
/// use idgraph_common::graph::catalog;
/// let read_blind: Vec<&str> = catalog::builtin()
///     .iter()
///     .filter(|e| e.is_read_blind())
///     .map(|e| e.name.as_str())
///     .collect();
/// assert_eq!(read_blind, ["Proof", "Tessian"]);
/// ```
pub fn builtin() -> &'static [CatalogEntry] {
    static ALL: LazyLock<[CatalogEntry; 3]> =
        LazyLock::new(|| [proof().clone(), tessian().clone(), scim().clone()]);
    ALL.as_slice()
}

/// Proof: no user API; SAML 2.0 JIT through Command Center SSO (read-blind).
///
/// ```
/// use idgraph_common::graph::catalog;
/// assert_eq!(catalog::proof().scim.plan_required, "Enterprise (Command Center)");
/// ```
pub fn proof() -> &'static CatalogEntry {
    static ENTRY: LazyLock<CatalogEntry> = LazyLock::new(build_proof);
    &ENTRY
}

/// Tessian: no user API; the IdP's SCIM app integrations own the lifecycle (read-blind).
pub fn tessian() -> &'static CatalogEntry {
    static ENTRY: LazyLock<CatalogEntry> = LazyLock::new(build_tessian);
    &ENTRY
}

/// Any SCIM 2.0 service provider: what RFC 7643/7644 promise, and nothing
/// vendor-specific. `ScimDirectory` reads the server's own `ServiceProviderConfig` for
/// the rest (PATCH, filters, ETags, page size). Its id is [`AppId::SCIM`]; give each SCIM
/// server a program reconciles its own id with [`CatalogEntry::to_builder`].
pub fn scim() -> &'static CatalogEntry {
    static ENTRY: LazyLock<CatalogEntry> = LazyLock::new(build_scim);
    &ENTRY
}

const NO_LIST_ENDPOINT: &str = "No list endpoint.";
const NO_ENDPOINTS_TO_LIMIT: &str = "Not documented: there are no endpoints to limit.";

fn no_api_rate_limits() -> RateLimits {
    RateLimits::undocumented()
        .headers(Availability::No)
        .retry_after(Availability::No)
        .note(NO_ENDPOINTS_TO_LIMIT)
}

fn build_proof() -> CatalogEntry {
    let unassign = "unassign the user from the Proof app in Okta or Entra ID to block SSO \
         (Proof has no API to deactivate the account; the account itself stays until a Proof \
         admin removes it in Command Center)";
    CatalogEntry::builder(AppId::PROOF, "Proof")
        .surface("no user API (SAML 2.0 JIT through Command Center SSO)")
        .scim(
            Scim::none()
                .plan_required("Enterprise (Command Center)")
                .limitation(
                    "No SCIM provisioning documented in official Proof help center or developer \
                     resources.",
                )
                .limitation("User provisioning is handled via SAML 2.0 JIT provisioning only.")
                .limitation("Domain verification is required before SSO/JIT can be enabled.")
                .limitation("SSO requires the Proof Command Center plan."),
        )
        .pagination(Pagination::none().note(NO_LIST_ENDPOINT))
        .rate_limits(no_api_rate_limits())
        .webhooks(Webhooks::new(
            Availability::No,
            "No webhook documentation found in official sources.",
            "None programmatic: the lifecycle runs through SAML 2.0 JIT provisioning \
             configured in Command Center SSO.",
        ))
        .summary(
            "Read-blind: SAML 2.0 JIT creates accounts at first login; offboarding is \
             unassigning the user in the IdP, which blocks SSO.",
        )
        .step(
            Operation::List,
            Route::Unavailable,
            "there is no API to list Proof users; review them in Proof Command Center, or audit \
             the assignments of the Proof app in Okta or Entra ID",
        )
        .step(
            Operation::Create,
            Route::IdentityProvider,
            "assign the user to the Proof app in Okta or Entra ID; SAML JIT creates the account \
             at first login, so there is nothing to create",
        )
        .step(
            Operation::Update,
            Route::Unavailable,
            "JIT does not sync attributes and Proof has no API to update users; change the user \
             in Okta or Entra ID and ask a Proof admin to edit the account in Command Center",
        )
        .step(Operation::Deactivate, Route::IdentityProvider, unassign)
        .step(
            Operation::Delete,
            Route::AdminConsole,
            "Proof has no API to delete users: unassign the user from the Proof app in Okta or \
             Entra ID to block SSO, then ask a Proof admin to remove the account in Command Center",
        )
        .step(
            Operation::Rename,
            Route::IdentityProvider,
            "change the user's email in Okta or Entra ID; Proof has no API, and JIT does not \
             sync attributes, so ask a Proof admin to change the account in Command Center",
        )
        .step(
            Operation::Groups,
            Route::AdminConsole,
            "Proof has no groups API and JIT does not sync groups: ask a Proof admin to change \
             the user's groups in Command Center",
        )
        .step(
            Operation::Role,
            Route::AdminConsole,
            "JIT does not sync roles: ask a Proof admin to set the user's role in Command Center",
        )
        .identity_providers(["Okta", "Microsoft Entra ID"])
        .caveat(
            CaveatKind::JitOnly,
            "JIT provisioning creates accounts on first login but leaves deprovisioning, role \
             updates and access auditing outside any automated flow.",
        )
        .caveat(
            CaveatKind::NoApi,
            "There is no SCIM API to sync against, no webhook for user state changes, and no \
             documented rate limits or pagination because there are no API endpoints to call.",
        )
        .caveat(
            CaveatKind::PlanGated,
            "Supported IdPs are limited to Okta and Microsoft Entra ID; Google Workspace and \
             OneLogin are not documented as compatible.",
        )
        .caveat(
            CaveatKind::PlanGated,
            "The Command Center plan is required before any SSO or JIT capability is accessible, \
             and domain verification must be completed first.",
        )
        .build()
}

fn build_tessian() -> CatalogEntry {
    let idp = "manage the user in Okta or Entra ID and let the IdP's SCIM app provisioning \
         sync Tessian; there is no Tessian API";
    CatalogEntry::builder(AppId::TESSIAN, "Tessian")
        .surface("no user API (IdP-side SCIM app integrations only)")
        .scim(
            Scim::none()
                .plan_required("Enterprise")
                .limitation(
                    "No native SCIM endpoint is publicly documented by Tessian or Proofpoint.",
                )
                .limitation(
                    "User provisioning is handled through IdP connectors (Okta, Microsoft Entra \
                     ID) using IdP-side SCIM app integrations.",
                )
                .limitation(
                    "Post-acquisition by Proofpoint (December 2023), any future API/SCIM surface \
                     is subject to change.",
                )
                .limitation("No public developer documentation or API reference has been published."),
        )
        .pagination(Pagination::none().note(NO_LIST_ENDPOINT))
        .rate_limits(no_api_rate_limits())
        .webhooks(Webhooks::new(
            Availability::No,
            "No publicly documented webhook system for user-management events.",
            "Lifecycle events are managed through the IdP's SCIM provisioning flows.",
        ))
        .summary(
            "Read-blind: the IdP (Okta, Entra ID) owns the lifecycle and provisions Tessian \
             through its own SCIM app integration.",
        )
        .step(
            Operation::List,
            Route::Unavailable,
            "there is no API to list Tessian users; audit the assignments of the Tessian app in \
             Okta or Entra ID",
        )
        .step(
            Operation::Create,
            Route::IdentityProvider,
            "assign the user to the Tessian app in Okta or Entra ID and let the IdP's SCIM app \
             provisioning sync Tessian; there is no Tessian API",
        )
        .step(Operation::Update, Route::IdentityProvider, idp)
        .step(
            Operation::Deactivate,
            Route::IdentityProvider,
            "unassign the user from the Tessian app in Okta or Entra ID (or deactivate them in \
             the IdP) and let the IdP's SCIM app provisioning sync Tessian; there is no Tessian API",
        )
        .step(
            Operation::Delete,
            Route::IdentityProvider,
            "unassign the user from the Tessian app in Okta or Entra ID and let the IdP's SCIM \
             app provisioning deprovision Tessian; there is no Tessian API",
        )
        .step(
            Operation::Rename,
            Route::IdentityProvider,
            "change the user's email in Entra ID (or Google Workspace); Tessian follows the \
             directory sync",
        )
        .step(
            Operation::Groups,
            Route::IdentityProvider,
            "change the user's groups in Okta or Entra ID and let the IdP's SCIM app \
             provisioning sync Tessian; there is no Tessian API",
        )
        .step(
            Operation::Role,
            Route::AdminConsole,
            "ask a Tessian admin to set the user's role in the Tessian portal; there is no \
             Tessian API",
        )
        .identity_providers(["Okta", "Microsoft Entra ID"])
        .caveat(
            CaveatKind::NoApi,
            "Integrating with Okta or Entra ID does not mean Tessian exposes a manageable API: \
             the integration is one-directional and IdP-owned; nothing can query or mutate \
             Tessian user state independently.",
        )
        .caveat(
            CaveatKind::Roadmap,
            "After Proofpoint's acquisition (December 2023), any future API or SCIM capability \
             follows Proofpoint's unpublished roadmap; confirm with Proofpoint before depending \
             on one.",
        )
        .build()
}

fn build_scim() -> CatalogEntry {
    CatalogEntry::builder(AppId::SCIM, "SCIM 2.0")
        .surface("any SCIM 2.0 service provider (RFC 7643/7644) /Users")
        .scim(
            Scim::v2()
                .plan_required("Depends on the service provider")
                .auth(Auth::new(
                    AuthMethod::BearerToken,
                    "RFC 7644 §2: usually an OAuth bearer token; any auth provider of the \
                     transport works.",
                ))
                .limitation(
                    "PATCH, filters, sorting, ETags and bulk are optional in RFC 7644: the \
                     ServiceProviderConfig says which the server has.",
                ),
        )
        .pagination(
            Pagination::offset("startIndex / count").note(
                "RFC 7644 §3.4.2.4 index paging; the server's filter.maxResults caps a page.",
            ),
        )
        .rate_limits(
            RateLimits::undocumented().note("Server-specific; 429 with Retry-After is honoured."),
        )
        .webhooks(Webhooks::new(
            Availability::Unknown,
            "SCIM defines no events (RFC 8417 security events are separate).",
            "Poll GET /Users.",
        ))
        .summary(
            "SCIM 2.0: POST creates, PATCH (or PUT) updates and sets active=false, DELETE \
             removes.",
        )
        .step(Operation::List, Route::Scim, "GET /Users")
        .step(Operation::Create, Route::Scim, "POST /Users")
        .step(
            Operation::Update,
            Route::Scim,
            "PATCH /Users/{id} when the server supports PATCH, else PUT of the whole user (with \
             If-Match where the server has ETags)",
        )
        .step(
            Operation::Deactivate,
            Route::Scim,
            "active=false by PATCH (or PUT)",
        )
        .step(Operation::Delete, Route::Scim, "DELETE /Users/{id}")
        .step(
            Operation::Rename,
            Route::Scim,
            "userName and the primary email replaced on the same id, by PATCH (or PUT)",
        )
        .step(
            Operation::Groups,
            Route::Scim,
            "PATCH /Groups/{id} adding or removing the member, for groups that exist (found by \
             displayName); only where ScimDirectory::manage_groups is on, which also makes the \
             listing report groups",
        )
        .step(
            Operation::Role,
            Route::AdminConsole,
            "SCIM's roles attribute has no common meaning: set the user's role in the app's own \
             admin console",
        )
        .stores(Attributes::PROFILE)
        .identity_providers(["Okta", "Microsoft Entra ID", "OneLogin", "JumpCloud"])
        .caveat(
            CaveatKind::Undocumented,
            "What RFC 7644 leaves optional (PATCH, filters, ETags, page size) differs from \
             server to server: ScimDirectory::discover reads the ServiceProviderConfig.",
        )
        .caveat(
            CaveatKind::IrreversibleDelete,
            "DELETE /Users/{id} removes the user; most servers keep no copy.",
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_entries_in_order_with_their_ids() {
        let ids: Vec<&AppId> = builtin().iter().map(|e| &e.app).collect();
        assert_eq!(ids, [&AppId::PROOF, &AppId::TESSIAN, &AppId::SCIM]);
    }

    #[test]
    fn read_blind_apps_have_instructions_for_every_operation() {
        for e in builtin().iter().filter(|e| e.is_read_blind()) {
            assert!(!e.has_user_api(), "{}", e.name);
            for op in Operation::ALL {
                assert!(e.step(op).how.len() > 20, "{} {op}", e.name);
                assert!(
                    !e.step(op).how.starts_with("ask an administrator of"),
                    "{} {op} fell back to the generic instruction",
                    e.name
                );
            }
        }
    }

    #[test]
    fn seed_facts() {
        assert_eq!(proof().scim.plan_required, "Enterprise (Command Center)");
        assert!(scim().by_api(Operation::Delete) && !scim().lifecycle.stores.groups);
        assert!(scim().by_api(Operation::Groups) && !scim().by_api(Operation::Role));
        assert_eq!(scim().lifecycle.stores, Attributes::PROFILE);
    }

    #[test]
    fn serialises_to_json() {
        let v = serde_json::to_value(tessian()).unwrap_or_default();
        assert_eq!(v["app"], "tessian");
        assert_eq!(v["lifecycle"]["list"]["route"], "unavailable");
    }
}
