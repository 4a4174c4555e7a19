//! The shared `UserDirectory` conformance suite, run against every implementation in
//! this crate (the in-memory directory as each app, and `ReadBlind`), plus proof that it
//! catches broken implementations.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod apps;

use async_trait::async_trait;
use idgraph_common::graph::catalog::{self, CatalogEntry};
use idgraph_common::graph::conformance::{self, Knobs};
use idgraph_common::graph::memory::MemoryDirectory;
use idgraph_common::graph::{Created, DirectoryUser, ReadBlind, UserDirectory};
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
            "listing_plans_as_unchanged",
            "duplicate_create_is_rejected",
            "update_by_app_id",
            "update_by_email_case_insensitive",
            "groups_are_a_set",
            "deactivate_keeps_the_user",
            "update_reactivates",
            "unknown_user_is_an_error",
            "delete_removes_the_user",
        ]
    );
    assert!(dir.is_empty(), "the test user is deleted");

    // Without delete (Hyperproof), the refusal is checked and the user left inactive.
    let dir = MemoryDirectory::new(apps::hyperproof_like());
    let report = passes(&dir).await;
    assert!(report.names().contains(&"delete_is_refused"));
    assert_eq!(dir.snapshot().iter().filter(|u| u.active).count(), 0);
}

#[tokio::test]
async fn read_blind_conforms() {
    for dir in [ReadBlind::proof(), ReadBlind::tessian()] {
        let report = passes(&dir).await;
        assert_eq!(report.checks.len(), 6, "{report}");
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
}

#[async_trait]
impl UserDirectory for Broken {
    fn catalog(&self) -> &CatalogEntry {
        self.inner.catalog()
    }
    fn list_users(&self) -> Items<DirectoryUser> {
        match self.bug {
            Bug::ListingLosesFields => self.inner.list_users().map(|mut u| {
                u.external_id = None;
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
            Bug::CaseSensitiveEmail if desired.app_id.is_none() => {
                let exact = self
                    .inner
                    .snapshot()
                    .into_iter()
                    .any(|u| u.email.as_str() == desired.email.as_str());
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
        self.inner.get_user(u).await
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
    ];
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
        s.starts_with("UserDirectory conformance for Tessian: 6 passed, 0 failed\n"),
        "{s}"
    );
    assert!(s.contains("list_is_unsupported"));
}
