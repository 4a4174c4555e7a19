//! The shared `UserDirectory` conformance suite, run against every implementation in
//! this crate (the in-memory directory as each app, and `ReadBlind`), plus proof that it
//! catches broken implementations.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod apps;

use async_trait::async_trait;
use idgraph_common::graph::catalog::{self, AppId, Attributes, CatalogEntry, Operation, Route};
use idgraph_common::graph::conformance::{self, Knobs};
use idgraph_common::graph::memory::MemoryDirectory;
use idgraph_common::graph::{Created, DirectoryUser, Email, ReadBlind, UserDirectory};
use idgraph_common::paginate::Items;
use idgraph_common::{Error, Result};

async fn passes(dir: &dyn UserDirectory) -> conformance::ConformanceReport {
    let report = conformance::run(dir, &Knobs::from_catalog(dir.catalog())).await;
    assert!(report.passed(), "{report}");
    report
}

#[tokio::test]
async fn memory_directory_conforms_as_every_app() {
    let builtin = catalog::builtin().iter();
    let shaped = [
        apps::probo_like(),
        apps::hyperproof_like(),
        apps::proofpoint_like(),
        apps::proofpoint_v1_like(),
    ];
    for entry in builtin.chain(shaped) {
        let dir = MemoryDirectory::new(entry);
        let report = passes(&dir).await;
        let names = report.names();
        let app = &entry.app;
        if dir.catalog().is_read_blind() {
            assert!(names.contains(&"list_is_unsupported"), "{app}");
        } else {
            assert!(names.contains(&"listing_plans_as_unchanged"), "{app}");
        }
    }
}

#[tokio::test]
async fn the_writable_scenario_covers_the_lifecycle() {
    let dir = MemoryDirectory::new(apps::proofpoint_like());
    let report = passes(&dir).await;
    assert_eq!(
        report.names(),
        [
            "knobs_agree_with_catalog",
            "create_returns_the_stored_user",
            "listed_after_create",
            "get_user_answers_as_listed",
            "get_user_unknown_is_not_found",
            "listing_plans_as_unchanged",
            "duplicate_create_is_rejected",
            "update_by_app_id",
            "update_by_email_case_insensitive",
            "groups_are_a_set",
            "deactivate_keeps_the_user",
            "update_reactivates",
            "rename_to_a_taken_email_is_refused",
            "rename_keeps_the_person",
            "unknown_user_is_an_error",
            "delete_removes_the_user",
        ]
    );
    // Proofpoint-like renames recreate the account, and it has no roles: said, not hidden.
    assert_eq!(
        report.skipped_names(),
        ["role_changes_by_update", "rename_keeps_the_app_id"]
    );
    assert!(dir.is_empty(), "both test users are deleted");

    // Without delete (Hyperproof), the refusal is checked and the user left inactive.
    let dir = MemoryDirectory::new(apps::hyperproof_like());
    let report = passes(&dir).await;
    assert!(report.names().contains(&"delete_is_refused"));
    assert_eq!(dir.snapshot().iter().filter(|u| u.is_active()).count(), 0);
}

/// An app with roles by API and renames only by an admin.
fn roles_no_rename() -> CatalogEntry {
    catalog::scim()
        .to_builder()
        .app(AppId::from_static("roles-no-rename"))
        .name("Roles, no rename")
        .step(Operation::Role, Route::Scim, "PATCH roles")
        .step(
            Operation::Rename,
            Route::AdminConsole,
            "ask an admin to change the user's email in the console",
        )
        .stores(Attributes::PROFILE.with_role(true))
        .build()
}

#[tokio::test]
async fn roles_are_checked_where_the_app_has_them_and_renames_refused_where_it_has_none() {
    let entry = roles_no_rename();
    let dir = MemoryDirectory::new(&entry);
    let knobs = Knobs::from_catalog(dir.catalog());
    assert!(knobs.supports_role && !knobs.supports_rename);
    let report = passes(&dir).await;
    let names = report.names();
    assert!(names.contains(&"role_changes_by_update"), "{report}");
    assert!(names.contains(&"rename_is_refused"), "{report}");
    assert!(!names.contains(&"rename_keeps_the_person"), "{report}");
    assert!(dir.is_empty(), "the test user is deleted");

    // A role the app stores but changes only by hand is skipped, with the reason.
    let manual = entry
        .to_builder()
        .step(
            Operation::Role,
            Route::AdminConsole,
            "set the role in the console",
        )
        .build();
    let report = passes(&MemoryDirectory::new(&manual)).await;
    let skip = report
        .skipped
        .iter()
        .find(|s| s.name == "role_changes_by_update")
        .unwrap();
    assert!(
        skip.reason.contains("set the role in the console"),
        "{report}"
    );
    assert!(report.to_string().contains(", 2 skipped\n"), "{report}");
}

#[tokio::test]
async fn read_blind_conforms() {
    for dir in [ReadBlind::proof(), ReadBlind::tessian()] {
        let report = passes(&dir).await;
        assert_eq!(report.checks.len(), 8, "{report}");
        assert!(report.names().contains(&"get_is_unsupported"), "{report}");
        assert!(
            report.names().contains(&"rename_is_unsupported"),
            "{report}"
        );
    }
}

#[tokio::test]
async fn knobs_must_agree_with_the_catalog() {
    let dir = MemoryDirectory::new(apps::probo_like());
    let report = conformance::run(
        &dir,
        &Knobs::from_catalog(dir.catalog()).reports_groups(true),
    )
    .await;
    assert!(!report.passed());
    let failed: Vec<_> = report.failures().map(|c| c.name).collect();
    assert!(failed.contains(&"knobs_agree_with_catalog"), "{report}");
}

/// A directory with one deliberate bug, over a working in-memory one.
struct Broken {
    inner: MemoryDirectory,
    bug: Bug,
}

#[derive(Clone, Copy, Debug)]
enum Bug {
    /// `update` answers success without changing anything.
    UpdateIgnored,
    /// `deactivate` deletes instead.
    DeactivateDeletes,
    /// Lists emails lower-cased and drops external ids.
    ListingLosesFields,
    /// Finds users by exact-case email only.
    CaseSensitiveEmail,
    /// A read-blind app that answers with an empty listing.
    SilentlyEmpty,
    /// `get_user` drops the display name the listing has.
    GetDiffersFromListing,
    /// `get_user` of an unknown user answers a server error, not "not found".
    GetUnknownIsAServerError,
    /// A rename to an email another user has takes it over (deletes the other user).
    RenameTakesOver,
    /// A rename deletes the account and creates a new one, though the catalog says it
    /// keeps the account.
    RenameRecreates,
    /// `update` leaves the role as it was.
    RoleIgnored,
}

#[async_trait]
impl UserDirectory for Broken {
    fn catalog(&self) -> &CatalogEntry {
        self.inner.catalog()
    }
    fn list_users(&self) -> Items<DirectoryUser> {
        match self.bug {
            Bug::ListingLosesFields => self.inner.list_users().map(|mut u| {
                u.set_external_id(None);
                u
            }),
            Bug::SilentlyEmpty => Items::from_vec(Vec::new()),
            _ => self.inner.list_users(),
        }
    }
    async fn create_user(&self, u: &DirectoryUser) -> Result<Created> {
        self.inner.create_user(u).await
    }
    async fn update_user(&self, desired: &DirectoryUser) -> Result<DirectoryUser> {
        match self.bug {
            Bug::UpdateIgnored => Ok(desired.clone()),
            Bug::RoleIgnored => {
                let mut same_role = desired.clone();
                same_role.set_role(self.inner.get_user(desired).await?.role());
                self.inner.update_user(&same_role).await
            }
            Bug::CaseSensitiveEmail if desired.app_id().is_none() => {
                let exact = self
                    .inner
                    .snapshot()
                    .into_iter()
                    .any(|u| u.email().as_str() == desired.email().as_str());
                if exact {
                    self.inner.update_user(desired).await
                } else {
                    Err(Error::invalid_input("no such user"))
                }
            }
            _ => self.inner.update_user(desired).await,
        }
    }
    async fn deactivate_user(&self, u: &DirectoryUser) -> Result<DirectoryUser> {
        match self.bug {
            Bug::DeactivateDeletes => {
                self.inner.delete_user(u).await?;
                Ok(u.clone().with_active(false))
            }
            _ => self.inner.deactivate_user(u).await,
        }
    }
    async fn delete_user(&self, u: &DirectoryUser) -> Result<()> {
        self.inner.delete_user(u).await
    }
    async fn get_user(&self, u: &DirectoryUser) -> Result<DirectoryUser> {
        match self.bug {
            Bug::GetDiffersFromListing => self.inner.get_user(u).await.map(|mut u| {
                u.set_display_name(None);
                u
            }),
            Bug::GetUnknownIsAServerError => self.inner.get_user(u).await.map_err(|e| {
                if e.is_not_found() {
                    Error::invalid_input("the app failed")
                } else {
                    e
                }
            }),
            _ => self.inner.get_user(u).await,
        }
    }
    async fn rename_user(&self, u: &DirectoryUser, new_email: &Email) -> Result<DirectoryUser> {
        match self.bug {
            Bug::RenameTakesOver => {
                if let Some(other) = self.inner.get(new_email.clone()) {
                    self.inner.delete_user(&other).await?;
                }
                self.inner.rename_user(u, new_email).await
            }
            Bug::RenameRecreates => {
                let now = self.inner.get_user(u).await?;
                self.inner.delete_user(&now).await?;
                let mut moved = now.clone();
                moved.set_email(new_email.as_str());
                moved.set_app_id(None);
                Ok(self.inner.create_user(&moved).await?.user)
            }
            _ => self.inner.rename_user(u, new_email).await,
        }
    }
}

#[tokio::test]
async fn the_suite_catches_broken_implementations() {
    let cases = [
        (apps::probo_like(), Bug::UpdateIgnored, "update_by_app_id"),
        (
            apps::probo_like(),
            Bug::DeactivateDeletes,
            "deactivate_keeps_the_user",
        ),
        (
            apps::probo_like(),
            Bug::ListingLosesFields,
            "listed_after_create",
        ),
        (
            apps::probo_like(),
            Bug::CaseSensitiveEmail,
            "update_by_email_case_insensitive",
        ),
        (catalog::proof(), Bug::SilentlyEmpty, "list_is_unsupported"),
        (
            apps::probo_like(),
            Bug::GetDiffersFromListing,
            "get_user_answers_as_listed",
        ),
        (
            apps::probo_like(),
            Bug::GetUnknownIsAServerError,
            "get_user_unknown_is_not_found",
        ),
        (
            apps::probo_like(),
            Bug::RenameTakesOver,
            "rename_to_a_taken_email_is_refused",
        ),
        (
            apps::probo_like(),
            Bug::RenameRecreates,
            "rename_keeps_the_person",
        ),
    ];
    let roles = roles_no_rename();
    let cases = cases
        .into_iter()
        .chain([(&roles, Bug::RoleIgnored, "role_changes_by_update")]);
    for (app, bug, check) in cases {
        let dir = Broken {
            inner: MemoryDirectory::new(app),
            bug,
        };
        let report = conformance::run(&dir, &Knobs::from_catalog(dir.catalog())).await;
        let failed: Vec<_> = report.failures().map(|c| c.name).collect();
        assert!(
            failed.contains(&check),
            "{bug:?} should fail {check}:\n{report}"
        );
    }
}

#[tokio::test]
async fn report_prints_a_table() {
    let report = conformance::run(
        &ReadBlind::tessian(),
        &Knobs::from_catalog(catalog::tessian()),
    )
    .await;
    let s = report.to_string();
    assert!(
        s.starts_with("UserDirectory conformance for Tessian: 8 passed, 0 failed\n"),
        "{s}"
    );
    assert!(s.contains("list_is_unsupported"));
}
