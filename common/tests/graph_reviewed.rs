//! Plans only from complete listings, and reviewed plans that run only against the
//! target they were made from.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod apps;

use idgraph_common::Error;
use idgraph_common::graph::catalog::Operation;
use idgraph_common::graph::memory::MemoryDirectory;
use idgraph_common::graph::{
    ApplyMode, DirectoryUser, Listing, SyncPlan, SyncPolicy, UserDirectory, apply, apply_reviewed,
    list_target, plan, plan_listings,
};
use idgraph_common::paginate::{ListingFault, Page, PageRequest, Paginator, Strategy};

fn users(n: usize) -> Vec<DirectoryUser> {
    (0..n)
        .map(|i| DirectoryUser::new(format!("u{i}@example.com")).with_names("U", "Ser"))
        .collect()
}

/// A page-numbered listing of `all`, two per page, reporting `total`, capped at `cap`.
fn listing(all: Vec<DirectoryUser>, total: u64, cap: Option<u64>) -> Paginator<DirectoryUser> {
    let p = Paginator::new(Strategy::page_number(2), move |req: PageRequest| {
        let all = all.clone();
        async move {
            let PageRequest::Number { page, .. } = req else {
                panic!("{req:?}")
            };
            let from = ((page - 1) * 2) as usize;
            let items: Vec<_> = all.iter().skip(from).take(2).cloned().collect();
            Ok(Page::new(items).with_total(Some(total)))
        }
    });
    match cap {
        Some(c) => p.max_pages(c),
        None => p,
    }
}

#[tokio::test]
async fn a_listing_is_kept_only_when_it_is_provably_complete() {
    let ok = Listing::complete(listing(users(5), 5, None).items())
        .await
        .unwrap();
    assert_eq!(ok.users().len(), 5);
    assert!(ok.summary().unwrap().is_complete());

    // Capped by max_pages: fine for a preview, never for a plan.
    let err = Listing::complete(listing(users(5), 5, Some(1)).items())
        .await
        .unwrap_err();
    let Error::IncompleteListing {
        received,
        expected,
        reason,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((*received, *expected), (2, Some(5)));
    assert_eq!(*reason, ListingFault::StoppedAtMaxPages);

    // Fewer than reported: the paginator's own guard answers.
    let err = Listing::complete(listing(users(3), 5, None).items())
        .await
        .unwrap_err();
    assert!(err.is_incomplete_listing(), "{err}");
}

#[tokio::test]
async fn the_bridge_path_refuses_a_target_listing_that_is_short() {
    struct Short(MemoryDirectory);
    #[async_trait::async_trait]
    impl UserDirectory for Short {
        fn catalog(&self) -> &idgraph_common::graph::CatalogEntry {
            self.0.catalog()
        }
        fn list_users(&self) -> idgraph_common::paginate::Items<DirectoryUser> {
            listing(users(5), 5, Some(1)).items()
        }
        async fn create_user(
            &self,
            u: &DirectoryUser,
        ) -> idgraph_common::Result<idgraph_common::graph::Created> {
            self.0.create_user(u).await
        }
        async fn update_user(&self, u: &DirectoryUser) -> idgraph_common::Result<DirectoryUser> {
            self.0.update_user(u).await
        }
        async fn deactivate_user(
            &self,
            u: &DirectoryUser,
        ) -> idgraph_common::Result<DirectoryUser> {
            self.0.deactivate_user(u).await
        }
        async fn delete_user(&self, u: &DirectoryUser) -> idgraph_common::Result<()> {
            self.0.delete_user(u).await
        }
        async fn get_user(&self, u: &DirectoryUser) -> idgraph_common::Result<DirectoryUser> {
            self.0.get_user(u).await
        }
    }
    let err = list_target(&Short(MemoryDirectory::new(apps::probo_like())))
        .await
        .unwrap_err();
    assert!(err.is_incomplete_listing(), "{err}");
}

async fn reviewed_plan(app: &MemoryDirectory, source: &[DirectoryUser]) -> String {
    let target = list_target(app).await.unwrap();
    let p = plan_listings(
        &Listing::from_source(source.to_vec()),
        &target,
        app.catalog(),
        &SyncPolicy::default().max_deprovision_share(1.0),
    );
    assert_eq!(p.target_fingerprint.as_deref(), Some(target.fingerprint()));
    serde_json::to_string_pretty(&p).unwrap()
}

#[tokio::test]
async fn a_saved_plan_runs_only_against_the_target_it_was_made_from() {
    let source = users(3);
    let app = MemoryDirectory::new(apps::probo_like())
        .with_users([DirectoryUser::new("leaver@example.com").with_app_id("p-9")]);
    let saved = reviewed_plan(&app, &source).await;

    // Someone changes the target between review and apply: refused, nothing sent.
    app.insert(DirectoryUser::new("late@example.com"));
    let reviewed: SyncPlan = serde_json::from_str(&saved).unwrap();
    let err = apply_reviewed(&reviewed, &app, ApplyMode::Execute)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::StalePlan { .. }), "{err}");
    assert!(err.to_string().contains("plan again"), "{err}");
    assert!(!err.was_sent());
    assert_eq!(
        app.calls(Operation::Create) + app.calls(Operation::Deactivate),
        0
    );

    // Unchanged: applied, with the same report as the plan made and applied at once.
    let twin = MemoryDirectory::new(apps::probo_like())
        .with_users([DirectoryUser::new("leaver@example.com").with_app_id("p-9")]);
    let app = MemoryDirectory::new(apps::probo_like())
        .with_users([DirectoryUser::new("leaver@example.com").with_app_id("p-9")]);
    let saved = reviewed_plan(&app, &source).await;
    let reviewed: SyncPlan = serde_json::from_str(&saved).unwrap();
    let report = apply_reviewed(&reviewed, &app, ApplyMode::Execute)
        .await
        .unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.counts().done, 4, "{report}");

    let direct = plan(
        &source,
        &list_target(&twin).await.unwrap().into_users(),
        twin.catalog(),
        &SyncPolicy::default().max_deprovision_share(1.0),
    );
    let direct_report = apply(&direct, &twin, ApplyMode::Execute).await;
    assert_eq!(
        serde_json::to_value(&report).unwrap(),
        serde_json::to_value(&direct_report).unwrap()
    );

    // A plan without a fingerprint is not a reviewed plan.
    let err = apply_reviewed(&direct, &twin, ApplyMode::Execute)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::StalePlan { .. }), "{err}");
}

#[test]
fn a_plan_round_trips_through_json() {
    let source = [
        DirectoryUser::new("a@example.com").with_external_id("k1"),
        DirectoryUser::new("b@example.com"),
    ];
    let target = [
        DirectoryUser::new("a.old@example.com")
            .with_external_id("k1")
            .with_app_id("1"),
        DirectoryUser::new("gone@example.com").with_app_id("2"),
    ];
    let p = plan(
        &source,
        &target,
        apps::hyperproof_like(),
        &SyncPolicy::default()
            .max_deprovision_share(1.0)
            .deprovision(idgraph_common::graph::Deprovision::Delete),
    );
    let back: SyncPlan = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
}

/// An app that stores no link key (as Proofpoint), but renames in place.
fn keyless_app() -> idgraph_common::graph::CatalogEntry {
    idgraph_common::graph::catalog::scim()
        .to_builder()
        .app(idgraph_common::graph::AppId::from_static("keyless"))
        .stores(idgraph_common::graph::catalog::Attributes::PROFILE.with_external_id(false))
        .build()
}

/// Plans Jane's rename in `app`, whose listing has no link keys: the keys come from the
/// source as applied before, carried onto the listing; the plan, as saved for review.
async fn reviewed_rename(app: &MemoryDirectory) -> SyncPlan {
    let previous = [DirectoryUser::new("jane.doe@example.com")
        .with_names("Jane", "Doe")
        .with_external_id("00u1")];
    let source = [DirectoryUser::new("jane.smith@example.com")
        .with_names("Jane", "Doe")
        .with_external_id("00u1")];
    let mut target = list_target(app).await.unwrap();
    assert!(target.users().iter().all(|u| u.external_id().is_none()));
    let listed = target.fingerprint().to_owned();
    target.carry_link_keys(&previous);
    assert_eq!(
        target.fingerprint(),
        listed,
        "the fingerprint is what was listed"
    );
    let p = plan_listings(
        &Listing::from_source(source.to_vec()),
        &target,
        app.catalog(),
        &SyncPolicy::default(),
    );
    let c = p.counts();
    assert_eq!((c.rename, c.create, c.deactivate), (1, 0, 0), "{p}");
    serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap()
}

#[tokio::test]
async fn a_reviewed_rename_with_carried_link_keys_runs_only_against_an_unchanged_target() {
    let entry = keyless_app();
    let jane = || {
        DirectoryUser::new("jane.doe@example.com")
            .with_names("Jane", "Doe")
            .with_external_id("00u1")
    };

    // Unchanged: the fresh listing (without keys) has the planned fingerprint.
    let app = MemoryDirectory::new(&entry).with_users([jane()]);
    let reviewed = reviewed_rename(&app).await;
    let report = apply_reviewed(&reviewed, &app, ApplyMode::Execute)
        .await
        .unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(app.calls(Operation::Rename), 1);
    assert!(app.get("jane.doe@example.com").is_none());
    let renamed = app.get("jane.smith@example.com").unwrap();
    assert!(renamed.is_active());
    assert_eq!(renamed.app_id(), Some("mem-1"), "the same account");

    // Changed between review and apply: refused, nothing renamed.
    let app = MemoryDirectory::new(&entry).with_users([jane()]);
    let reviewed = reviewed_rename(&app).await;
    app.insert(DirectoryUser::new("late@example.com"));
    let err = apply_reviewed(&reviewed, &app, ApplyMode::Execute)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::StalePlan { .. }), "{err}");
    assert_eq!(app.calls(Operation::Rename), 0);
    assert!(app.get("jane.doe@example.com").is_some());
    assert!(app.get("jane.smith@example.com").is_none());
}
