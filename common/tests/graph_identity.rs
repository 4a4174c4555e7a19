//! Reconciling people, not email strings: link keys, renames, ambiguous matches, and
//! `apply` acting only on the account that was planned.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod apps;

use futures::TryStreamExt;
use idgraph_common::graph::catalog::Operation;
use idgraph_common::graph::memory::MemoryDirectory;

use idgraph_common::graph::{
    Action, ActionKind, ApplyMode, DirectoryUser, Outcome, SkipReason, SyncPlan, SyncPolicy,
    UserDirectory, apply, plan,
};

fn person(email: &str, key: &str) -> DirectoryUser {
    DirectoryUser::new(email)
        .with_names("Jane", "Doe")
        .with_external_id(key)
}

fn account(email: &str, key: &str, id: &str) -> DirectoryUser {
    person(email, key).with_app_id(id)
}

fn kinds(p: &SyncPlan) -> Vec<(String, ActionKind)> {
    p.items
        .iter()
        .map(|i| (i.email.as_str().to_owned(), i.action.kind()))
        .collect()
}

fn skip_of<'a>(p: &'a SyncPlan, email: &str) -> Vec<&'a SkipReason> {
    p.items
        .iter()
        .filter(|i| i.email.as_str() == email)
        .filter_map(|i| match &i.action {
            Action::Skip { reason } => Some(reason),
            _ => None,
        })
        .collect()
}

#[test]
fn a_changed_email_with_the_same_link_key_is_one_rename() {
    let source = [person("jane.smith@example.com", "00u1")];
    let target = [account("jane.doe@example.com", "00u1", "p-1")];
    let p = plan(&source, &target, apps::probo_like(), &SyncPolicy::default());
    assert_eq!(
        kinds(&p),
        [("jane.smith@example.com".to_owned(), ActionKind::Rename)],
        "{p}"
    );
    let Action::Rename {
        current,
        desired,
        changes,
        loses,
        ..
    } = &p.items[0].action
    else {
        panic!("{p}")
    };
    assert_eq!(current.email().as_str(), "jane.doe@example.com");
    assert_eq!(desired.email().as_str(), "jane.smith@example.com");
    assert_eq!(desired.app_id(), Some("p-1"), "the same account");
    assert!(changes.is_empty() && loses.is_empty());
    assert_eq!(p.counts().rename, 1);
    assert_eq!(p.counts().deactivate + p.counts().create, 0);
    assert!(
        p.to_string()
            .contains("jane.doe@example.com → jane.smith@example.com"),
        "{p}"
    );
}

#[test]
fn without_a_link_key_in_the_app_the_email_decides() {
    let source = [person("ada@example.com", "00u1").with_names("Ada", "Lovelace")];
    let target = [DirectoryUser::new("ADA@example.com")
        .with_names("Ada", "Byron")
        .with_app_id("p-1")];
    let p = plan(&source, &target, apps::probo_like(), &SyncPolicy::default());
    assert_eq!(
        kinds(&p),
        [("ADA@example.com".to_owned(), ActionKind::Update)],
        "{p}"
    );
}

#[test]
fn ambiguous_matches_are_skips_never_actions() {
    // The person's link key names one account and their email another.
    let source = [person("jane@example.com", "00u1")];
    let target = [
        account("jane.old@example.com", "00u1", "p-1"),
        account("jane@example.com", "", "p-2"),
    ];
    let p = plan(&source, &target, apps::probo_like(), &SyncPolicy::default());
    assert!(!p.has_operations(), "{p}");
    assert_eq!(
        skip_of(&p, "jane@example.com"),
        [&SkipReason::MatchesTwoAccounts]
    );
    assert_eq!(
        skip_of(&p, "jane.old@example.com"),
        [&SkipReason::MatchesTwoAccounts]
    );

    // Two people claim one account: one by link key, one by email.
    let source = [
        person("jane.new@example.com", "00u1"),
        person("jane@example.com", "00u2"),
    ];
    let target = [account("jane@example.com", "00u1", "p-1")];
    let p = plan(&source, &target, apps::probo_like(), &SyncPolicy::default());
    assert!(!p.has_operations(), "{p}");
    assert_eq!(
        skip_of(&p, "jane.new@example.com"),
        [&SkipReason::ClaimedByTwoPeople]
    );
    assert_eq!(
        skip_of(&p, "jane@example.com"),
        [&SkipReason::ClaimedByTwoPeople]
    );

    // Two accounts carry the person's link key.
    let source = [person("jane@example.com", "00u1")];
    let target = [
        account("a@example.com", "00u1", "p-1"),
        account("b@example.com", "00u1", "p-2"),
    ];
    let p = plan(&source, &target, apps::probo_like(), &SyncPolicy::default());
    assert_eq!(
        skip_of(&p, "jane@example.com"),
        [&SkipReason::LinkKeySharedInTarget { count: 2 }]
    );

    // An address handed on: the account with this email is linked to someone else.
    let source = [person("jane@example.com", "00u2")];
    let target = [account("jane@example.com", "00u1", "p-1")];
    let p = plan(&source, &target, apps::probo_like(), &SyncPolicy::default());
    assert!(!p.has_operations(), "{p}");
    assert_eq!(
        skip_of(&p, "jane@example.com"),
        [&SkipReason::LinkedToAnotherPerson]
    );
}

#[test]
fn renamed_and_deactivated_in_the_source_deactivates_the_linked_account() {
    let source = [person("jane.smith@example.com", "00u1").with_active(false)];
    let target = [account("jane.doe@example.com", "00u1", "p-1")];
    let p = plan(
        &source,
        &target,
        apps::probo_like(),
        &SyncPolicy::default().max_deprovision_share(1.0),
    );
    assert_eq!(
        kinds(&p),
        [("jane.doe@example.com".to_owned(), ActionKind::Deactivate)],
        "{p}"
    );
}

#[test]
fn renames_are_never_counted_as_deprovisions() {
    // Everyone's email changed (a domain move): 100 renames, no deprovision, and the
    // guard (10 % by default) does not trip.
    let source: Vec<_> = (0..100)
        .map(|i| person(&format!("u{i}@new.example"), &format!("k{i}")))
        .collect();
    let target: Vec<_> = (0..100)
        .map(|i| {
            account(
                &format!("u{i}@old.example"),
                &format!("k{i}"),
                &format!("p{i}"),
            )
        })
        .collect();
    let p = plan(&source, &target, apps::probo_like(), &SyncPolicy::default());
    assert!(p.guard.is_none(), "{p}");
    let c = p.counts();
    assert_eq!(
        (c.rename, c.deactivate, c.delete, c.create),
        (100, 0, 0, 0),
        "{p}"
    );
    assert_eq!(p.items.len(), 100);
}

#[test]
fn a_lossy_rename_is_manual_unless_the_policy_allows_it() {
    // Proofpoint does not store link keys: the caller supplies them on the listed
    // accounts (from their own record), and the email is immutable there.
    let pp = apps::proofpoint_like();
    let source = [person("jane.smith@example.com", "00u1")];
    let target = [account(
        "jane.doe@example.com",
        "00u1",
        "jane.doe@example.com",
    )];
    let p = plan(&source, &target, pp, &SyncPolicy::default());
    assert_eq!(
        kinds(&p),
        [("jane.smith@example.com".to_owned(), ActionKind::Manual)],
        "{p}"
    );
    let Action::Manual {
        operation,
        instructions,
    } = &p.items[0].action
    else {
        panic!("{p}")
    };
    assert_eq!(*operation, Operation::Rename);
    assert!(instructions.contains("lossy"), "{instructions}");
    // Whose account, to what, and everything the rename would cost, for the person
    // who decides.
    assert!(
        instructions.contains("jane.doe@example.com → jane.smith@example.com"),
        "{instructions}"
    );
    assert!(!pp.lifecycle.rename_loses.is_empty());
    for loss in &pp.lifecycle.rename_loses {
        assert!(
            instructions.contains(loss.as_str()),
            "{loss}: {instructions}"
        );
    }
    assert!(p.to_string().contains("the account's history"), "{p}");
    assert!(
        !p.has_operations(),
        "nobody is created or deprovisioned: {p}"
    );

    let p = plan(
        &source,
        &target,
        pp,
        &SyncPolicy::default().allow_lossy_renames(true),
    );
    let Action::Rename { loses, .. } = &p.items[0].action else {
        panic!("{p}")
    };
    assert!(loses.iter().any(|l| l.contains("history")), "{loses:?}");
    assert!(p.to_string().contains("loses: the password"), "{p}");
}

#[tokio::test]
async fn a_rename_converges_in_one_apply_and_the_person_stays_active() {
    let app = MemoryDirectory::new(apps::probo_like());
    let before = app
        .create_user(&person("jane.doe@example.com", "00u1"))
        .await
        .unwrap()
        .user;
    let source = [person("jane.smith@example.com", "00u1").with_names("Jane", "Smith")];
    let target: Vec<_> = app.list_users().try_collect().await.unwrap();
    let p = plan(&source, &target, app.catalog(), &SyncPolicy::default());
    assert_eq!(p.counts().rename, 1, "{p}");

    let report = apply(&p, &app, ApplyMode::Execute).await;
    assert!(report.is_success(), "{report}");
    let now = app.get("jane.smith@example.com").unwrap();
    assert_eq!(now.app_id(), before.app_id(), "the same account");
    assert!(now.is_active());
    assert_eq!(now.family_name(), Some("Smith"), "the other change too");
    assert!(app.get("jane.doe@example.com").is_none());
    assert_eq!(app.calls(Operation::Deactivate), 0);
    assert_eq!(app.calls(Operation::Create), 1, "only the setup's create");

    let target: Vec<_> = app.list_users().try_collect().await.unwrap();
    let again = plan(&source, &target, app.catalog(), &SyncPolicy::default());
    assert!(again.is_noop(), "{again}");
}

#[tokio::test]
async fn a_planned_deactivation_of_an_account_renamed_since_is_refused() {
    let app = MemoryDirectory::new(apps::probo_like());
    app.create_user(&person("leaver@example.com", "00u1"))
        .await
        .unwrap();
    let target: Vec<_> = app.list_users().try_collect().await.unwrap();
    let p = plan(
        &[],
        &target,
        app.catalog(),
        &SyncPolicy::default()
            .allow_empty_source(true)
            .max_deprovision_share(1.0),
    );
    assert_eq!(p.counts().deactivate, 1, "{p}");

    // Between plan and apply, the account is moved to someone else's address.
    let listed = target[0].clone();
    app.rename_user(&listed, &"newcomer@example.com".into())
        .await
        .unwrap();

    let report = apply(&p, &app, ApplyMode::Execute).await;
    let Outcome::Failed { error } = &report.items[0].outcome else {
        panic!("{report}")
    };
    assert!(error.contains("changed since the plan"), "{error}");
    assert!(error.contains("newcomer@example.com"), "{error}");
    assert!(error.contains("nothing was changed"), "{error}");
    assert_eq!(app.calls(Operation::Deactivate), 0);
    assert!(app.get("newcomer@example.com").unwrap().is_active());
}

#[tokio::test]
async fn a_delete_of_an_account_already_gone_is_done_without_a_call() {
    let app = MemoryDirectory::new(apps::probo_like());
    app.create_user(&person("gone@example.com", "00u1"))
        .await
        .unwrap();
    let target: Vec<_> = app.list_users().try_collect().await.unwrap();
    let policy = SyncPolicy::default()
        .allow_empty_source(true)
        .max_deprovision_share(1.0)
        .deprovision(idgraph_common::graph::Deprovision::Delete);
    let p = plan(&[], &target, app.catalog(), &policy);
    app.delete_user(&target[0]).await.unwrap();
    let report = apply(&p, &app, ApplyMode::Execute).await;
    assert!(report.is_success(), "{report}");
    assert_eq!(app.calls(Operation::Delete), 1, "only the one made here");
}

#[tokio::test]
async fn where_a_rename_recreates_the_account_a_gone_account_is_refused_not_done() {
    // Proofpoint-like: accounts are known by their email only, and a rename deletes the
    // account and creates it again under the new one. An account gone between plan and
    // apply may be the person's, renamed: neither the deactivation nor the delete may
    // report done.
    for deprovision in [
        idgraph_common::graph::Deprovision::Deactivate,
        idgraph_common::graph::Deprovision::Delete,
    ] {
        let app = MemoryDirectory::new(apps::proofpoint_like());
        app.create_user(&person("jane.doe@example.com", "00u1"))
            .await
            .unwrap();
        let target: Vec<_> = app.list_users().try_collect().await.unwrap();
        let p = plan(
            &[],
            &target,
            app.catalog(),
            &SyncPolicy::default()
                .allow_empty_source(true)
                .max_deprovision_share(1.0)
                .deprovision(deprovision),
        );
        assert_eq!(p.counts().deactivate + p.counts().delete, 1, "{p}");

        // Renamed the app's way in between: the old account deleted, a new one created.
        app.delete_user(&target[0]).await.unwrap();
        app.create_user(&person("jane.smith@example.com", "00u1"))
            .await
            .unwrap();
        let (deactivations, deletes) = (
            app.calls(Operation::Deactivate),
            app.calls(Operation::Delete),
        );

        let report = apply(&p, &app, ApplyMode::Execute).await;
        let Outcome::Failed { error } = &report.items[0].outcome else {
            panic!("{deprovision:?}: {report}")
        };
        assert!(error.contains("is gone since the plan"), "{error}");
        assert!(error.contains("may have another account"), "{error}");
        assert!(error.contains("nothing was changed: plan again"), "{error}");
        assert_eq!(app.calls(Operation::Deactivate), deactivations);
        assert_eq!(app.calls(Operation::Delete), deletes);
        assert!(app.get("jane.smith@example.com").unwrap().is_active());
    }
}
