//! Planner and apply tests: every kind of difference, exclusions, the mass-deprovision
//! guard, case-insensitive matching, duplicates, read-blind targets, idempotence.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod apps;

use futures::TryStreamExt;
use idgraph_common::graph::catalog::{self, Operation};
use idgraph_common::graph::memory::MemoryDirectory;
use idgraph_common::graph::{
    Action, ApplyMode, Deprovision, DeprovisionReason, DirectoryUser, Field, FieldChange,
    GuardReason, Outcome, SkipReason, SyncPlan, SyncPolicy, UserDirectory, apply, plan,
};

fn u(email: &str) -> DirectoryUser {
    DirectoryUser::new(email)
}

fn find<'a>(p: &'a SyncPlan, email: &str) -> Vec<&'a Action> {
    p.items
        .iter()
        .filter(|i| i.email.key() == email.to_lowercase())
        .map(|i| &i.action)
        .collect()
}

fn one<'a>(p: &'a SyncPlan, email: &str) -> &'a Action {
    let v = find(p, email);
    assert_eq!(v.len(), 1, "{email}: {v:?}\n{p:#}");
    v[0]
}

fn skip_reason(p: &SyncPlan, email: &str) -> SkipReason {
    match one(p, email) {
        Action::Skip { reason } => *reason,
        other => panic!("{email}: expected a skip, got {other:?}"),
    }
}

/// Source and target agree on `email`: no item, counted as unchanged.
fn assert_unchanged(p: &SyncPlan, email: &str) {
    let key = email.to_lowercase();
    assert!(
        !p.items.iter().any(|i| i.email.key() == key),
        "{email}: expected unchanged (no item):\n{p}"
    );
    assert!(
        p.unchanged > 0,
        "{email}: nothing counted as unchanged:\n{p}"
    );
}

fn lenient() -> SyncPolicy {
    SyncPolicy::default()
        .max_deprovision_share(1.0)
        .max_membership_removal_share(1.0)
}

fn base() -> DirectoryUser {
    u("ann@example.com")
        .with_names("Ann", "Lee")
        .with_display_name("Ann Lee")
        .with_external_id("e-1")
        .with_groups(["Sales", "All"])
}

#[test]
fn every_kind_of_difference() {
    let pp = apps::proofpoint_like();
    let source = vec![
        u("new@example.com").with_names("New", "User"),
        base().with_names("Anne", "Lee"),
        u("fam@example.com").with_names("F", "New"),
        u("disp@example.com").with_display_name("New Display"),
        u("ext@example.com").with_external_id("e-new"),
        u("react@example.com"),
        u("groups@example.com").with_groups(["B", "C"]),
        u("leaver@example.com").with_active(false),
        u("gone-already@example.com").with_active(false),
        u("never@example.com").with_active(false),
        base()
            .with_active(true)
            .with_external_id("e-9")
            .with_names("Same", "Person"),
    ];
    let mut same = source[10].clone();
    same.set_email("SAME-ignored@example.com");
    let source = {
        let mut s = source;
        s[10].set_email("same@example.com");
        s
    };
    let target = vec![
        base().with_app_id("1"),
        u("fam@example.com").with_names("F", "Old").with_app_id("2"),
        u("disp@example.com")
            .with_display_name("Old Display")
            .with_app_id("3"),
        u("ext@example.com")
            .with_external_id("e-old")
            .with_app_id("4"),
        u("react@example.com").with_active(false).with_app_id("5"),
        u("groups@example.com")
            .with_groups(["A", "B"])
            .with_app_id("6"),
        u("leaver@example.com").with_app_id("7"),
        u("gone-already@example.com")
            .with_active(false)
            .with_app_id("8"),
        u("absent@example.com").with_app_id("9"),
        u("absent-inactive@example.com")
            .with_active(false)
            .with_app_id("10"),
        {
            let mut s = same.clone();
            s.set_email("Same@Example.com");
            s.with_app_id("11")
        },
    ];
    let p = plan(&source, &target, pp, &lenient());
    assert!(p.guard.is_none(), "{p}");

    match one(&p, "new@example.com") {
        Action::Create { user } => {
            assert_eq!(user.given_name(), Some("New"));
            assert_eq!(user.app_id(), None);
        }
        a => panic!("{a:?}"),
    }
    let text = |field, from: &str, to: &str| FieldChange::Text {
        field,
        from: Some(from.into()),
        to: Some(to.into()),
    };
    let expect_update = |email: &str, want: Vec<FieldChange>| match one(&p, email) {
        Action::Update {
            current,
            desired,
            changes,
            ..
        } => {
            assert_eq!(changes, &want, "{email}");
            assert_eq!(
                desired.app_id(),
                current.app_id(),
                "{email}: desired keeps the app id"
            );
        }
        a => panic!("{email}: {a:?}"),
    };
    expect_update(
        "ann@example.com",
        vec![text(Field::GivenName, "Ann", "Anne")],
    );
    expect_update(
        "fam@example.com",
        vec![text(Field::FamilyName, "Old", "New")],
    );
    // Proofpoint stores neither a display name nor an external id: not differences there
    // (the SCIM apps below compare them).
    assert_unchanged(&p, "disp@example.com");
    assert_unchanged(&p, "ext@example.com");
    expect_update(
        "react@example.com",
        vec![FieldChange::Active {
            from: false,
            to: true,
        }],
    );
    expect_update(
        "groups@example.com",
        vec![FieldChange::Groups {
            added: vec!["C".into()],
            removed: vec!["A".into()],
        }],
    );
    match one(&p, "groups@example.com") {
        Action::Update { desired, .. } => assert_eq!(desired.groups(), ["B", "C"]),
        a => panic!("{a:?}"),
    }
    match one(&p, "leaver@example.com") {
        Action::Deactivate { user, reason } => {
            assert_eq!(*reason, DeprovisionReason::InactiveInSource);
            assert_eq!(user.app_id(), Some("7"), "the target's user");
        }
        a => panic!("inactive in source must deactivate, never delete: {a:?}"),
    }
    assert_eq!(
        skip_reason(&p, "gone-already@example.com"),
        SkipReason::AlreadyInactive
    );
    assert_eq!(
        skip_reason(&p, "never@example.com"),
        SkipReason::InactiveInSource
    );
    match one(&p, "absent@example.com") {
        Action::Deactivate { reason, .. } => {
            assert_eq!(*reason, DeprovisionReason::AbsentFromSource)
        }
        a => panic!("{a:?}"),
    }
    assert_eq!(
        skip_reason(&p, "absent-inactive@example.com"),
        SkipReason::AlreadyInactive,
        "already inactive and absent: not deactivated again"
    );
    assert_unchanged(&p, "same@example.com");

    let c = p.counts();
    assert_eq!(
        (c.create, c.update, c.deactivate, c.delete, c.manual),
        (1, 4, 2, 0, 0)
    );
    assert_eq!(c.unchanged, 3);
    assert_eq!(p.unchanged, 3);
    assert_eq!(
        p.items.len(),
        source.len() + 2 - 3,
        "unchanged users have no item"
    );

    // On a SCIM app, which stores both, display name and external id are differences.
    let probo = apps::probo_like();
    let p = plan(&source, &target, probo, &lenient());
    let expect_update = |email: &str, want: Vec<FieldChange>| match one(&p, email) {
        Action::Update { changes, .. } => assert_eq!(changes, &want, "{email}"),
        a => panic!("{email}: {a:?}"),
    };
    expect_update(
        "disp@example.com",
        vec![text(Field::DisplayName, "Old Display", "New Display")],
    );
    // The app's own record links the account to another person (e-old): the source's
    // e-new is not the same person as far as anyone can prove, so nothing is taken over.
    assert_eq!(
        skip_reason(&p, "ext@example.com"),
        SkipReason::LinkedToAnotherPerson
    );
    // Probo has no groups: a group difference is not one there.
    assert_unchanged(&p, "groups@example.com");
}

#[test]
fn deprovision_modes() {
    let probo = apps::probo_like();
    let source = [u("stay@example.com")];
    let target = [
        u("stay@example.com"),
        u("gone@example.com"),
        u("gone-inactive@example.com").with_active(false),
    ];
    let del = plan(
        &source,
        &target,
        probo,
        &lenient().deprovision(Deprovision::Delete),
    );
    assert!(matches!(
        one(&del, "gone@example.com"),
        Action::Delete { .. }
    ));
    assert!(
        matches!(
            one(&del, "gone-inactive@example.com"),
            Action::Delete { .. }
        ),
        "delete also removes users that are already inactive"
    );
    let none = plan(
        &source,
        &target,
        probo,
        &lenient().deprovision(Deprovision::None),
    );
    assert_eq!(
        skip_reason(&none, "gone@example.com"),
        SkipReason::DeprovisionDisabled
    );
    assert!(!none.has_operations());
}

#[test]
fn source_without_a_value_never_clears_the_target() {
    let mut t = base();
    t.set_email("a@example.com");
    let p = plan(
        &[u("a@example.com")],
        &[t],
        apps::probo_like(),
        &SyncPolicy::default(),
    );
    assert_unchanged(&p, "a@example.com");
}

#[test]
fn groups_are_compared_only_where_the_target_manages_them() {
    let s = [u("a@example.com").with_groups(["X"])];
    let t = [u("a@example.com").with_groups(["Y"])];
    for app in [apps::probo_like(), apps::hyperproof_like()] {
        let p = plan(&s, &t, app, &SyncPolicy::default());
        assert_unchanged(&p, "a@example.com");
    }
    let v1 = apps::proofpoint_v1_like();
    let p = plan(&s, &t, v1, &SyncPolicy::default());
    assert_unchanged(&p, "a@example.com");
    let pp = apps::proofpoint_like();
    let p = plan(&s, &t, pp, &SyncPolicy::default().sync_groups(false));
    assert_unchanged(&p, "a@example.com");
    let p = plan(&s, &t, pp, &SyncPolicy::default());
    assert!(matches!(one(&p, "a@example.com"), Action::Update { .. }));
    // Creates do not carry groups the target cannot store.
    let p = plan(&s, &[], apps::probo_like(), &SyncPolicy::default());
    match one(&p, "a@example.com") {
        Action::Create { user } => assert!(user.groups().is_empty()),
        a => panic!("{a:?}"),
    }
}

#[test]
fn exclusions_are_case_insensitive_in_both_directions() {
    let policy = lenient()
        .exclude("SVC@Example.com")
        .exclude("Break-Glass@example.com");
    let source = [
        u("svc@example.com").with_names("Changed", "Name"),
        u("ann@example.com"),
    ];
    let target = [
        u("Svc@EXAMPLE.com").with_names("Old", "Name"),
        u("ann@example.com"),
        u("break-glass@EXAMPLE.COM"),
    ];
    let p = plan(
        &source,
        &target,
        apps::probo_like(),
        &policy.deprovision(Deprovision::Delete),
    );
    assert_eq!(skip_reason(&p, "svc@example.com"), SkipReason::Excluded);
    assert_eq!(
        skip_reason(&p, "break-glass@example.com"),
        SkipReason::Excluded
    );
    assert!(!p.has_operations(), "{p}");
    // Excluded from the source side: not created.
    let p = plan(
        &[u("SVC@example.com")],
        &[],
        apps::probo_like(),
        &SyncPolicy::default().exclude("svc@example.com"),
    );
    assert_eq!(skip_reason(&p, "svc@example.com"), SkipReason::Excluded);
}

#[test]
fn emails_match_case_insensitively() {
    let p = plan(
        &[u("Ada.Lovelace@Example.COM").with_names("Ada", "L")],
        &[u("ada.lovelace@example.com")
            .with_names("Ada", "L")
            .with_app_id("1")],
        apps::probo_like(),
        &SyncPolicy::default(),
    );
    assert!(p.items.is_empty(), "{p}");
    assert_eq!(p.unchanged, 1);
    assert!(p.is_noop());
}

#[test]
fn duplicate_emails_are_reported_never_guessed() {
    let source = [
        u("dup@example.com").with_names("One", "X"),
        u("DUP@example.com").with_names("Two", "X"),
        u("ok@example.com"),
    ];
    let target = [
        u("dup@example.com").with_app_id("1"),
        u("twice@example.com").with_app_id("2"),
        u("Twice@example.com").with_app_id("3"),
        u("ok@example.com"),
        u("t2@example.com").with_app_id("4"),
        u("T2@example.com").with_app_id("5"),
    ];
    let mut source = source.to_vec();
    source.push(u("twice@example.com").with_names("New", "Name"));
    let p = plan(&source, &target, apps::probo_like(), &lenient());
    assert_eq!(
        skip_reason(&p, "dup@example.com"),
        SkipReason::DuplicateInSource { count: 2 }
    );
    assert_eq!(
        skip_reason(&p, "twice@example.com"),
        SkipReason::DuplicateInTarget { count: 2 }
    );
    assert_eq!(
        skip_reason(&p, "t2@example.com"),
        SkipReason::DuplicateInTarget { count: 2 },
        "absent from source but duplicated in target: not deprovisioned"
    );
    assert!(!p.has_operations(), "{p:#}");
}

#[test]
fn guard_refuses_an_empty_source() {
    let target: Vec<_> = (0..20)
        .map(|i| u(&format!("u{i}@example.com")).with_app_id(i.to_string()))
        .collect();
    for policy in [
        SyncPolicy::default(),
        SyncPolicy::default().max_deprovision_share(1.0),
        SyncPolicy::default()
            .max_deprovision_share(1.0)
            .deprovision(Deprovision::Delete),
    ] {
        let p = plan(&[], &target, apps::probo_like(), &policy);
        let g = p.guard.as_ref().expect("guard");
        assert_eq!(g.reason, GuardReason::EmptySource);
        assert_eq!(g.would_deprovision, 20);
        assert!(!p.has_operations(), "{p}");
        assert!(!p.is_noop());
        assert!(p.items.iter().all(|i| matches!(
            i.action,
            Action::Skip {
                reason: SkipReason::GuardWithheld { .. }
            }
        )));
    }
    // A source of only excluded users is empty too.
    let p = plan(
        &[u("svc@example.com")],
        &target,
        apps::probo_like(),
        &lenient().exclude("svc@example.com"),
    );
    assert_eq!(p.guard.map(|g| g.reason), Some(GuardReason::EmptySource));
    // Knowingly allowed.
    let p = plan(
        &[],
        &target,
        apps::probo_like(),
        &lenient().allow_empty_source(true),
    );
    assert!(p.guard.is_none());
    assert_eq!(p.counts().deactivate, 20);
}

#[test]
fn guard_refuses_a_half_source() {
    let target: Vec<_> = (0..100)
        .map(|i| u(&format!("u{i}@example.com")).with_app_id(i.to_string()))
        .collect();
    let half = &target[..50];
    let newcomer = u("new@example.com");
    let mut source = half.to_vec();
    source.push(newcomer);
    let p = plan(&source, &target, apps::probo_like(), &SyncPolicy::default());
    let g = p.guard.clone().expect("guard");
    assert_eq!(g.reason, GuardReason::ShareExceeded);
    assert_eq!(
        (g.would_deprovision, g.candidates, g.max_allowed),
        (50, 100, 10)
    );
    assert!(g.to_string().contains("50 of 100"), "{g}");
    let c = p.counts();
    assert_eq!(
        (c.deactivate, c.delete, c.create),
        (0, 0, 1),
        "creates still planned"
    );
    assert_eq!(
        skip_reason(&p, "u99@example.com"),
        SkipReason::GuardWithheld {
            operation: Operation::Deactivate
        }
    );
    assert!(
        p.to_string()
            .contains("GUARD: refused to deprovision 50 of 100")
    );

    // Exactly 10 % passes; 11 % does not.
    let p = plan(
        &target[..90],
        &target,
        apps::probo_like(),
        &SyncPolicy::default(),
    );
    assert!(p.guard.is_none());
    assert_eq!(p.counts().deactivate, 10);
    let p = plan(
        &target[..89],
        &target,
        apps::probo_like(),
        &SyncPolicy::default(),
    );
    assert!(p.guard.is_some());

    // The explicit override allows it.
    let p = plan(&source, &target, apps::probo_like(), &lenient());
    assert!(p.guard.is_none());
    assert_eq!(p.counts().deactivate, 50);
}

#[test]
fn guard_counts_source_inactive_users_and_measures_active_users() {
    // 900 dormant, 100 active: deactivating the 100 active ones is a wipe.
    let mut target: Vec<_> = (0..900)
        .map(|i| u(&format!("dormant{i}@example.com")).with_active(false))
        .collect();
    target.extend((0..100).map(|i| u(&format!("a{i}@example.com"))));
    let mut source: Vec<_> = target[..900].to_vec();
    source.push(u("someone-else@example.com"));
    let p = plan(&source, &target, apps::probo_like(), &SyncPolicy::default());
    assert_eq!(p.guard.map(|g| g.candidates), Some(100));

    // A source that marks everyone inactive is no safer than an empty one.
    let target: Vec<_> = (0..10).map(|i| u(&format!("a{i}@example.com"))).collect();
    let source: Vec<_> = target
        .iter()
        .map(|t| t.clone().with_active(false))
        .collect();
    let p = plan(&source, &target, apps::probo_like(), &SyncPolicy::default());
    assert_eq!(p.guard.map(|g| g.reason), Some(GuardReason::ShareExceeded));
}

#[test]
fn read_blind_targets_get_manual_idp_actions() {
    let source = [
        u("joiner@example.com"),
        u("leaver@example.com").with_active(false),
        u("svc@example.com"),
    ];
    let policy = SyncPolicy::default().exclude("svc@example.com");
    let p = plan(&source, &[], catalog::proof(), &policy);
    assert!(p.read_blind);
    assert!(p.guard.is_none());
    match one(&p, "joiner@example.com") {
        Action::Manual {
            operation,
            instructions,
        } => {
            assert_eq!(*operation, Operation::Create);
            assert!(instructions.contains("assign the user to the Proof app"));
        }
        a => panic!("{a:?}"),
    }
    match one(&p, "leaver@example.com") {
        Action::Manual {
            operation,
            instructions,
        } => {
            assert_eq!(*operation, Operation::Deactivate);
            assert!(
                instructions.contains("unassign the user from the Proof app in Okta or Entra ID")
            );
        }
        a => panic!("{a:?}"),
    }
    assert_eq!(skip_reason(&p, "svc@example.com"), SkipReason::Excluded);
    assert!(!p.has_operations());

    // With an export of the app's users, departed users get the unassign step too.
    let p = plan(
        &source,
        &[u("departed@example.com")],
        catalog::tessian(),
        &policy,
    );
    match one(&p, "departed@example.com") {
        Action::Manual { operation, .. } => assert_eq!(*operation, Operation::Deactivate),
        a => panic!("{a:?}"),
    }
}

#[test]
fn plan_prints_a_table_and_serialises_to_json() {
    let p = plan(
        &[
            u("ada@example.com").with_names("Ada", "Lovelace"),
            u("bob@example.com").with_names("Robert", "B"),
            u("cy@example.com"),
        ],
        &[
            u("bob@example.com").with_names("Bob", "B").with_app_id("2"),
            u("cy@example.com").with_app_id("3"),
            u("dee@example.com").with_app_id("4"),
        ],
        apps::probo_like(),
        &lenient(),
    );
    let expected = "\
Plan for probo-like: 1 create, 1 update, 0 rename, 1 deactivate, 0 delete, 0 manual, 0 skip, 1 unchanged (not listed)
ACTION      EMAIL            DETAIL
----------  ---------------  ----------------------------
create      ada@example.com
update      bob@example.com  given_name: \"Bob\" → \"Robert\"
deactivate  dee@example.com  absent from source
";
    assert_eq!(p.to_string(), expected);
    assert!(
        !p.to_string().contains("cy@example.com"),
        "unchanged: counted, not listed"
    );

    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["app"], "probo-like");
    assert_eq!(json["items"][0]["action"], "create");
    assert_eq!(json["items"][0]["email"], "ada@example.com");
    assert_eq!(json["items"][1]["changes"][0]["field"], "given_name");
    assert_eq!(json["items"][1]["changes"][0]["to"], "Robert");
    assert_eq!(json["unchanged"], 1);
    assert_eq!(json["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(json["items"][2]["reason"], "absent_from_source");
    assert!(json["guard"].is_null());
}

async fn list(dir: &dyn UserDirectory) -> Vec<DirectoryUser> {
    dir.list_users().try_collect().await.unwrap()
}

fn population(n: usize) -> Vec<DirectoryUser> {
    (0..n)
        .map(|i| {
            u(&format!("User{i}@Example.com"))
                .with_names(format!("Given{i}"), format!("Family{i}"))
                .with_display_name(format!("User {i}"))
                .with_external_id(format!("ext-{i}"))
                .with_groups(if i % 2 == 0 {
                    vec!["Even", "All"]
                } else {
                    vec!["All"]
                })
                .with_active(i % 17 != 0)
        })
        .collect()
}

#[tokio::test]
async fn applying_then_planning_again_is_a_noop() {
    for (app, deprovision) in [
        (apps::proofpoint_like(), Deprovision::Delete),
        (apps::proofpoint_like(), Deprovision::Deactivate),
        (apps::probo_like(), Deprovision::Delete),
        (apps::hyperproof_like(), Deprovision::Deactivate),
    ] {
        let source = population(200);
        // A target that differs in every way the planner knows.
        let target = MemoryDirectory::new(app);
        let app = &app.app;
        for (i, s) in source.iter().enumerate().step_by(3) {
            let mut t = s.clone();
            t.set_email(&s.email().as_str().to_lowercase());
            match i % 4 {
                0 => t.set_given_name(Some("Stale")),
                1 => t.set_active(!t.is_active()),
                2 => t.set_groups(["Odd"]),
                _ => t.set_external_id(None),
            }
            target.insert(t);
        }
        for i in 0..15 {
            target.insert(u(&format!("leaver{i}@example.com")));
        }
        let policy = SyncPolicy::default()
            .deprovision(deprovision)
            .max_deprovision_share(0.5)
            .max_membership_removal_share(1.0);

        let first = plan(&source, &list(&target).await, target.catalog(), &policy);
        assert!(first.guard.is_none(), "{first}");
        assert!(first.has_operations());
        let report = apply(&first, &target, ApplyMode::Execute).await;
        assert!(report.is_success(), "{app}: {report}");

        let second = plan(&source, &list(&target).await, target.catalog(), &policy);
        assert!(second.is_noop(), "{app} {deprovision:?}: {second}");
    }
}

#[tokio::test]
async fn dry_run_calls_nothing() {
    let target = MemoryDirectory::new(apps::probo_like()).with_users([u("old@example.com")]);
    let p = plan(
        &[u("new@example.com")],
        &list(&target).await,
        target.catalog(),
        &lenient(),
    );
    let calls_before = target.total_calls();
    let r = apply(&p, &target, ApplyMode::DryRun).await;
    assert_eq!(target.total_calls(), calls_before);
    assert!(r.dry_run);
    assert_eq!(r.counts().skipped, 2);
    assert!(r.items.iter().all(|i| i.outcome
        == Outcome::Skipped {
            reason: "dry run".into()
        }));
    assert!(
        r.to_string()
            .starts_with("Sync report for probo-like (dry run): 0 done, 0 failed, 2 skipped")
    );
}

#[tokio::test]
async fn apply_continues_past_a_failure_and_reports_each_item() {
    let target = MemoryDirectory::new(apps::proofpoint_like()).with_users([
        u("gone@example.com"),
        u("bob@example.com").with_names("Bob", "B"),
    ]);
    let source = [
        u("a@example.com"),
        u("b@example.com"),
        u("c@example.com"),
        u("bob@example.com").with_names("Robert", "B"),
    ];
    let p = plan(&source, &list(&target).await, target.catalog(), &lenient());
    target.fail_next(Operation::Create, 1);
    let r = apply(&p, &target, ApplyMode::Execute).await;
    let c = r.counts();
    assert_eq!((c.done, c.failed), (4, 1), "{r}");
    assert!(!r.is_success());
    let failed: Vec<_> = r.failures().map(|i| i.email.as_str()).collect();
    assert_eq!(failed, ["a@example.com"]);
    assert!(target.get("b@example.com").is_some() && target.get("c@example.com").is_some());
    assert!(target.get("a@example.com").is_none());
    assert_eq!(
        target.get("gone@example.com").map(|u| u.is_active()),
        Some(false)
    );
    match &r.items[3].outcome {
        Outcome::Done {
            user: Some(user), ..
        } => {
            assert_eq!(user.given_name(), Some("Robert"));
        }
        o => panic!("{o:?}"),
    }

    let table = r.to_string();
    assert!(
        table.starts_with(
            "Sync report for proofpoint-like: 4 done, 1 failed, 0 skipped, 0 manual, 0 unchanged\n"
        ),
        "{table}"
    );
    assert!(
        table.contains(
            "create      a@example.com     failed   HTTP 503 Service Unavailable [unavailable]: \
             injected"
        ),
        "{table}"
    );
    assert!(
        table.contains("update      bob@example.com   done     given_name: \"Bob\" → \"Robert\"\n")
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["items"][0]["outcome"], "failed");
    assert_eq!(json["items"][1]["outcome"], "done");
    assert_eq!(json["items"][1]["user"]["email"], "b@example.com");
}

#[tokio::test]
async fn apply_refuses_a_plan_made_for_another_app() {
    let probo = MemoryDirectory::new(apps::probo_like()).with_users([u("x@example.com")]);
    let p = plan(
        &[u("new@example.com")],
        &[u("x@example.com")],
        apps::proofpoint_like(),
        &lenient(),
    );
    let r = apply(&p, &probo, ApplyMode::Execute).await;
    assert!(r.aborted.is_some());
    assert_eq!(probo.total_calls(), 0);
    assert_eq!(r.counts().done, 0);
}

#[tokio::test]
async fn delete_of_a_missing_user_counts_as_done_and_manual_items_are_reported() {
    let probo = MemoryDirectory::new(apps::probo_like());
    let p = plan(
        &[u("keep@example.com")],
        &[
            u("keep@example.com"),
            u("ghost@example.com").with_app_id("nope"),
        ],
        probo.catalog(),
        &lenient().deprovision(Deprovision::Delete),
    );
    let r = apply(&p, &probo, ApplyMode::Execute).await;
    assert!(r.is_success(), "{r}");

    let blind = idgraph_common::graph::ReadBlind::tessian();
    let p = plan(
        &[u("new@example.com")],
        &[],
        blind.catalog(),
        &SyncPolicy::default(),
    );
    let r = apply(&p, &blind, ApplyMode::Execute).await;
    assert_eq!(r.counts().manual, 1);
    assert!(r.is_success(), "manual actions are not failures");
    assert!(
        r.to_string()
            .contains("let the IdP's SCIM app provisioning sync Tessian")
    );
}

#[test]
fn catalog_answers_questions() {
    let no_deprovision: Vec<&str> = catalog::builtin()
        .iter()
        .filter(|e| !e.can_deprovision_by_api())
        .map(|e| e.app.as_str())
        .collect();
    assert_eq!(no_deprovision, ["proof", "tessian"]);
    let irreversible: Vec<&str> = catalog::builtin()
        .iter()
        .filter(|e| {
            e.caveats_of(catalog::CaveatKind::IrreversibleDelete)
                .next()
                .is_some()
        })
        .map(|e| e.app.as_str())
        .collect();
    assert_eq!(irreversible, ["scim"]);
    assert!(catalog::builtin().iter().all(|e| !e.caveats.is_empty()));
}

/// A plan saved as JSON by the version whose `DirectoryUser` had public fields (the
/// fixture was written by it) reads back, and writes out byte for byte as it was saved.
#[test]
fn a_plan_saved_before_the_fields_became_private_reads_and_writes_the_same() {
    let saved = include_str!("fixtures/saved_plan_public_fields.json");
    let plan: SyncPlan = serde_json::from_str(saved).unwrap();
    assert_eq!(
        serde_json::to_string_pretty(&plan).unwrap(),
        saved.trim_end()
    );
    let Action::Update {
        current, desired, ..
    } = &plan.items[1].action
    else {
        panic!("{plan:#}")
    };
    assert_eq!(current.email().as_str(), "ada@example.com");
    assert_eq!(current.family_name(), Some("King"));
    assert_eq!(current.display_name(), None);
    assert_eq!(current.app_id(), Some("1"));
    assert!(!current.is_active() && desired.is_active());
    assert_eq!(desired.groups(), ["Sales", "Ops", "Eng"]);
    assert_eq!(desired.role(), None);
}

/// `Debug` names every field as the struct with public fields printed it (the expected
/// text is what that version printed for this user).
#[test]
fn debug_prints_every_field_as_the_public_fields_did() {
    let ada = DirectoryUser::new("Ada@Example.com")
        .with_names("Ada", "Lovelace")
        .with_display_name("")
        .with_external_id("00u1")
        .with_groups(["Eng", "Sales", "Eng"])
        .with_role("admin");
    assert_eq!(
        format!("{ada:?}"),
        r#"DirectoryUser { email: "Ada@Example.com", external_id: Some("00u1"), given_name: Some("Ada"), family_name: Some("Lovelace"), display_name: Some(""), active: true, groups: ["Eng", "Sales", "Eng"], role: Some("admin"), app_id: None }"#
    );
}
