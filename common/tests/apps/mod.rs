//! Catalog entries shaped like the vendor apps, for the graph tests of `idgraph-common`.
//!
//! The real entries live in the vendor crates (`probo_scim::catalog_entry()` and so on),
//! which this crate cannot depend on. These carry only the facts the planner and the
//! executor read (routes, stored attributes, groups, what a rename loses), built with the
//! public [`CatalogEntry::builder`], as a user describing their own app would.
#![allow(dead_code)]

use std::sync::LazyLock;

use idgraph_common::graph::catalog::{self, AppId, Attributes, CatalogEntry, Operation, Route};

/// Like Probo: SCIM users with delete, every attribute stored, no groups.
pub(crate) fn probo_like() -> &'static CatalogEntry {
    static E: LazyLock<CatalogEntry> = LazyLock::new(|| {
        catalog::scim()
            .to_builder()
            .app(AppId::from_static("probo-like"))
            .name("Probo-like")
            .build()
    });
    &E
}

/// Like Hyperproof: SCIM users, no hard delete by API (an admin does it).
pub(crate) fn hyperproof_like() -> &'static CatalogEntry {
    static E: LazyLock<CatalogEntry> = LazyLock::new(|| {
        catalog::scim()
            .to_builder()
            .app(AppId::from_static("hyperproof-like"))
            .name("Hyperproof-like")
            .step(
                Operation::Delete,
                Route::AdminConsole,
                "ask a Hyperproof-like admin to delete the record manually",
            )
            .build()
    });
    &E
}

/// Like Proofpoint Essentials `/v2`: REST, names only, groups managed, the email
/// immutable (a rename deletes and recreates, and loses things).
pub(crate) fn proofpoint_like() -> &'static CatalogEntry {
    static E: LazyLock<CatalogEntry> = LazyLock::new(|| {
        CatalogEntry::builder(AppId::from_static("proofpoint-like"), "Proofpoint-like")
            .step(Operation::List, Route::RestApi, "GET /v2/users")
            .step(Operation::Create, Route::RestApi, "POST /v2/users")
            .step(Operation::Update, Route::RestApi, "PUT (full replacement)")
            .step(Operation::Deactivate, Route::RestApi, "PUT status inactive")
            .step(Operation::Delete, Route::RestApi, "DELETE, irreversible")
            .step(
                Operation::Rename,
                Route::RestApi,
                "delete and recreate; only when the SyncPolicy allows lossy renames",
            )
            .rename_loses(["the password", "the account's history"])
            .step(Operation::Groups, Route::RestApi, "group members")
            .stores(Attributes::NAMES_ONLY.with_groups(true))
            .build()
    });
    &E
}

/// Like Proofpoint Essentials' interface API v1: as [`proofpoint_like`] without groups.
pub(crate) fn proofpoint_v1_like() -> &'static CatalogEntry {
    static E: LazyLock<CatalogEntry> = LazyLock::new(|| {
        proofpoint_like()
            .to_builder()
            .app(AppId::from_static("proofpoint-v1-like"))
            .stores(Attributes::NAMES_ONLY)
            .step(
                Operation::Groups,
                Route::AdminConsole,
                "change groups in the console",
            )
            .build()
    });
    &E
}
