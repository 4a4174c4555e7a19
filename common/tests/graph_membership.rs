//! Groups and roles: memberships reconciled with the same diff, exclusion and guard rules
//! as accounts, and a manual item wherever the app cannot make the change by API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures::TryStreamExt;
use idgraph_common::graph::catalog::{
    AppId, Attributes, CatalogEntry, CatalogEntryBuilder, Operation, Route,
};
use idgraph_common::graph::memory::MemoryDirectory;
use idgraph_common::graph::{
    Action, ApplyMode, DirectoryUser, Field, FieldChange, SkipReason, SyncPlan, SyncPolicy,
    UserDirectory, apply, plan,
};

fn api_app(id: &'static str) -> CatalogEntryBuilder {
    CatalogEntry::builder(AppId::from_static(id), id)
        .step(Operation::List, Route::RestApi, "GET /users")
        .step(Operation::Create, Route::RestApi, "POST /users")
        .step(Operation::Update, Route::RestApi, "PATCH /users/{id}")
        .step(Operation::Deactivate, Route::RestApi, "PATCH disabled")
        .step(Operation::Delete, Route::RestApi, "DELETE /users/{id}")
}

/// Groups and roles by API.
fn full() -> CatalogEntry {
    api_app("full")
        .step(Operation::Groups, Route::RestApi, "PUT /groups/{g}/members")
        .step(Operation::Role, Route::RestApi, "PATCH role")
        .stores(Attributes::NAMES_ONLY.with_groups(true).with_role(true))
        .build()
}

/// Lists groups and roles but changes neither by API.
fn read_only_memberships() -> CatalogEntry {
    api_app("read-only")
        .step(
            Operation::Groups,
            Route::AdminConsole,
            "ask an admin to change the groups in Settings > Groups",
        )
        .step(
            Operation::Role,
            Route::AdminConsole,
            "ask an admin to set the role in Settings > Members",
        )
        .stores(Attributes::NAMES_ONLY.with_groups(true).with_role(true))
        .build()
}

fn person(email: &str, groups: &[&str]) -> DirectoryUser {
    DirectoryUser::new(email).with_groups(groups.iter().copied())
}

fn changes_of<'p>(p: &'p SyncPlan, email: &str) -> &'p [FieldChange] {
    p.items
        .iter()
        .find(|i| i.email.as_str() == email && matches!(i.action, Action::Update { .. }))
        .map(|i| i.action.changes())
        .unwrap_or_else(|| panic!("no update for {email}: {p}"))
}

fn lenient() -> SyncPolicy {
    SyncPolicy::default().max_membership_removal_share(1.0)
}

#[test]
fn adds_and_removes_are_one_update_per_person() {
    let source = [person("ada@x.io", &["Eng", "On call"])];
    let target = [person("ada@x.io", &["Eng", "Sales"]).with_app_id("1")];
    let p = plan(&source, &target, &full(), &lenient());
    assert_eq!(
        changes_of(&p, "ada@x.io"),
        [FieldChange::Groups {
            added: vec!["On call".into()],
            removed: vec!["Sales".into()],
        }]
    );
    let Action::Update { desired, .. } = &p.items[0].action else {
        panic!("{p}")
    };
    assert_eq!(desired.groups(), ["Eng", "On call"]);
}

#[test]
fn a_role_change_is_compared_only_when_the_source_names_one() {
    let target = [DirectoryUser::new("ada@x.io")
        .with_role("viewer")
        .with_app_id("1")];
    let p = plan(
        &[DirectoryUser::new("ada@x.io").with_role("editor")],
        &target,
        &full(),
        &lenient(),
    );
    assert_eq!(
        changes_of(&p, "ada@x.io"),
        [FieldChange::Text {
            field: Field::Role,
            from: Some("viewer".into()),
            to: Some("editor".into()),
        }]
    );
    let p = plan(
        &[DirectoryUser::new("ada@x.io")],
        &target,
        &full(),
        &lenient(),
    );
    assert!(p.is_noop(), "no role in the source: not managed: {p}");
    let p = plan(
        &[DirectoryUser::new("ada@x.io").with_role("editor")],
        &target,
        &full(),
        &lenient().sync_roles(false),
    );
    assert!(p.is_noop(), "roles not synced: {p}");
}

#[test]
fn an_app_that_does_not_report_memberships_is_never_compared() {
    let entry = api_app("plain").stores(Attributes::NAMES_ONLY).build();
    let p = plan(
        &[person("ada@x.io", &["Eng"]).with_role("admin")],
        &[DirectoryUser::new("ada@x.io").with_app_id("1")],
        &entry,
        &lenient(),
    );
    assert!(p.is_noop(), "{p}");
}

#[test]
fn excluded_groups_are_never_added_or_removed() {
    let policy = lenient().exclude_group("Everyone").exclude_group("Admins");
    let source = [person("ada@x.io", &["Eng", "Admins"])];
    let target = [person("ada@x.io", &["Everyone", "Sales"]).with_app_id("1")];
    let p = plan(&source, &target, &full(), &policy);
    assert_eq!(
        changes_of(&p, "ada@x.io"),
        [FieldChange::Groups {
            added: vec!["Eng".into()],
            removed: vec!["Sales".into()],
        }]
    );
    let Action::Update { desired, .. } = &p.items[0].action else {
        panic!("{p}")
    };
    assert_eq!(desired.groups(), ["Everyone", "Eng"], "Everyone stays");

    // A create carries no excluded group either.
    let p = plan(&source, &[], &full(), &policy);
    let Action::Create { user } = &p.items[0].action else {
        panic!("{p}")
    };
    assert_eq!(user.groups(), ["Eng"]);
}

#[test]
fn excluded_people_keep_their_memberships() {
    let p = plan(
        &[person("svc@x.io", &[])],
        &[person("svc@x.io", &["Ops"]).with_app_id("1")],
        &full(),
        &lenient().exclude("svc@x.io"),
    );
    assert!(!p.has_operations(), "{p}");
}

#[test]
fn the_guard_withholds_mass_membership_removal_but_not_adds() {
    // A source export that lost most of its group column: 9 of 10 memberships would go.
    let target: Vec<DirectoryUser> = (0..10)
        .map(|i| person(&format!("u{i}@x.io"), &["Eng"]).with_app_id(i.to_string()))
        .collect();
    let mut source: Vec<DirectoryUser> = (0..10)
        .map(|i| person(&format!("u{i}@x.io"), &[]))
        .collect();
    source[0].set_groups(["Eng", "New"]);
    source[1].set_given_name(Some("Renamed"));
    let entry = api_app("names")
        .step(Operation::Groups, Route::RestApi, "members")
        .stores(Attributes::NAMES_ONLY.with_groups(true))
        .build();
    let p = plan(&source, &target, &entry, &SyncPolicy::default());
    let guard = p.membership_guard.as_ref().expect("guard trips");
    assert_eq!((guard.would_remove, guard.memberships), (9, 10));
    assert!(
        p.to_string()
            .contains("refused to remove 9 of 10 group memberships")
    );
    // No removal survives anywhere in the plan.
    for item in &p.items {
        for c in item.action.changes() {
            if let FieldChange::Groups { removed, .. } = c {
                assert!(removed.is_empty(), "{p}");
            }
        }
    }
    // The add goes ahead; the other field changes go ahead with the groups kept.
    assert_eq!(
        changes_of(&p, "u0@x.io"),
        [FieldChange::Groups {
            added: vec!["New".into()],
            removed: vec![],
        }]
    );
    let u1 = p
        .items
        .iter()
        .find(|i| i.email.as_str() == "u1@x.io")
        .unwrap();
    let Action::Update {
        desired, changes, ..
    } = &u1.action
    else {
        panic!("{p}")
    };
    assert_eq!(changes.len(), 1, "{p}");
    assert_eq!(
        desired.groups(),
        ["Eng"],
        "the withheld removal keeps the group"
    );
    let withheld = p
        .items
        .iter()
        .filter(|i| {
            i.action
                == Action::Skip {
                    reason: SkipReason::GuardWithheld {
                        operation: Operation::Groups,
                    },
                }
        })
        .count();
    assert_eq!(withheld, 8);

    // Raising the share (or an allowance) lets them through.
    let p = plan(&source, &target, &entry, &lenient());
    assert!(p.membership_guard.is_none());
    let p = plan(
        &source,
        &target,
        &entry,
        &SyncPolicy::default().membership_removal_allowance(9),
    );
    assert!(p.membership_guard.is_none());
}

#[test]
fn without_an_api_each_change_is_a_manual_item_naming_the_admin_action() {
    let source = [
        person("ada@x.io", &["Eng"]).with_role("editor"),
        person("new@x.io", &["Eng"]).with_role("viewer"),
    ];
    let target = [person("ada@x.io", &["Sales"])
        .with_role("viewer")
        .with_app_id("1")];
    let p = plan(&source, &target, &read_only_memberships(), &lenient());
    let manual: Vec<(&str, Operation, &str)> = p
        .items
        .iter()
        .filter_map(|i| match &i.action {
            Action::Manual {
                operation,
                instructions,
            } => Some((i.email.as_str(), *operation, instructions.as_ref())),
            _ => None,
        })
        .collect();
    assert_eq!(
        manual,
        [
            (
                "ada@x.io",
                Operation::Role,
                "ask an admin to set the role in Settings > Members (role: \"viewer\" → \"editor\")"
            ),
            (
                "ada@x.io",
                Operation::Groups,
                "ask an admin to change the groups in Settings > Groups (groups: +Eng -Sales)"
            ),
            (
                "new@x.io",
                Operation::Groups,
                "ask an admin to change the groups in Settings > Groups (groups: +Eng)"
            ),
            (
                "new@x.io",
                Operation::Role,
                "ask an admin to set the role in Settings > Members (role: (none) → \"viewer\")"
            ),
        ],
        "{p}"
    );
    // Nothing the API cannot do is planned as an operation, and the create carries
    // neither groups nor role.
    assert!(
        !p.items
            .iter()
            .any(|i| matches!(i.action, Action::Update { .. }))
    );
    let created = p
        .items
        .iter()
        .find_map(|i| match &i.action {
            Action::Create { user } => Some(user),
            _ => None,
        })
        .unwrap();
    assert!(created.groups().is_empty() && created.role().is_none());
}

#[tokio::test]
async fn memberships_converge_in_one_apply_and_the_next_plan_is_empty() {
    let entry = full();
    let app = MemoryDirectory::new(&entry).with_users([
        person("ada@x.io", &["Sales", "Eng"]).with_role("viewer"),
        person("bob@x.io", &["Eng"]),
    ]);
    let source = [
        person("ada@x.io", &["Eng", "On call"]).with_role("editor"),
        person("bob@x.io", &["Eng", "Sales"]),
        person("cy@x.io", &["Eng"]).with_role("viewer"),
    ];
    let policy = lenient();
    let listed: Vec<DirectoryUser> = app.list_users().try_collect().await.unwrap();
    let first = plan(&source, &listed, app.catalog(), &policy);
    assert_eq!(first.counts().update, 2, "{first}");
    assert_eq!(first.counts().create, 1, "{first}");
    let report = apply(&first, &app, ApplyMode::Execute).await;
    assert!(report.is_success(), "{report}");

    let ada = app.get("ada@x.io").unwrap();
    assert_eq!(ada.groups(), ["Eng", "On call"]);
    assert_eq!(ada.role(), Some("editor"));
    assert_eq!(app.get("cy@x.io").unwrap().groups(), ["Eng"]);

    let listed: Vec<DirectoryUser> = app.list_users().try_collect().await.unwrap();
    let second = plan(&source, &listed, app.catalog(), &policy);
    assert!(second.is_noop(), "{second}");
}

/// Like Probo: reactivation resets the role, which the app neither reports nor sets by
/// API (an admin does it in the console).
fn resets_role_on_reactivation() -> CatalogEntry {
    api_app("resets")
        .step(
            Operation::Role,
            Route::AdminConsole,
            "ask an admin to set the member's role in the console",
        )
        .stores(Attributes::NAMES_ONLY)
        .reactivation_resets_role("EMPLOYEE")
        .build()
}

#[tokio::test]
async fn a_reactivation_that_resets_the_role_warns_and_names_the_admin_action() {
    let entry = resets_role_on_reactivation();
    let app = MemoryDirectory::new(&entry).with_users([
        DirectoryUser::new("ada@example.com").with_active(false),
        DirectoryUser::new("bob@example.com").with_names("Bob", "Old"),
    ]);
    let source = [
        DirectoryUser::new("ada@example.com").with_role("ADMIN"),
        // An update that does not reactivate: no warning, no manual item.
        DirectoryUser::new("bob@example.com").with_names("Bob", "New"),
    ];
    let target: Vec<DirectoryUser> = app.list_users().try_collect().await.unwrap();
    let p = plan(&source, &target, &entry, &SyncPolicy::default());

    let ada: Vec<_> = p
        .items
        .iter()
        .filter(|i| i.email.as_str() == "ada@example.com")
        .collect();
    assert_eq!(ada.len(), 2, "{p}");
    assert!(
        ada[0].action.changes().contains(&FieldChange::Active {
            from: false,
            to: true
        }),
        "{p}"
    );
    let warnings = ada[0].action.warnings();
    assert_eq!(warnings.len(), 1, "{p}");
    assert!(
        warnings[0].contains("resets the role in resets to EMPLOYEE"),
        "{p}"
    );
    assert!(
        ada[0].action.detail().contains("warning: reactivating"),
        "{p}"
    );
    let Action::Manual {
        operation,
        instructions,
    } = &ada[1].action
    else {
        panic!("{p}")
    };
    assert_eq!(*operation, Operation::Role);
    assert!(
        instructions.starts_with(
            "set ada@example.com's role again in resets's console; reactivation made it EMPLOYEE"
        ),
        "{instructions}"
    );
    assert!(
        instructions.contains("ADMIN"),
        "the source's role: {instructions}"
    );

    let bob = p
        .items
        .iter()
        .filter(|i| i.email.as_str() == "bob@example.com")
        .collect::<Vec<_>>();
    assert_eq!(bob.len(), 1, "{p}");
    assert!(bob[0].action.warnings().is_empty(), "{p}");

    // The warning survives the saved plan, the manual item reaches the report, and the
    // audit event of the reactivation records what it did to the role.
    let back: SyncPlan = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
    struct Events(std::sync::Mutex<Vec<idgraph_common::graph::AuditEvent>>);
    impl idgraph_common::graph::AuditSink for Events {
        fn record(&self, e: &idgraph_common::graph::AuditEvent) -> idgraph_common::Result<()> {
            self.0.lock().unwrap().push(e.clone());
            Ok(())
        }
    }
    let events = Events(std::sync::Mutex::new(Vec::new()));
    let report = idgraph_common::graph::apply_audited(&p, &app, ApplyMode::Execute, &events).await;
    assert!(report.is_success(), "{report}");
    assert_eq!(report.counts().manual, 1, "{report}");
    assert!(app.get("ada@example.com").unwrap().is_active());
    let events = events.0.into_inner().unwrap();
    let ada_event = events
        .iter()
        .find(|e| e.email.as_str() == "ada@example.com")
        .unwrap();
    assert_eq!(ada_event.warnings, warnings);
    let json = serde_json::to_string(ada_event).unwrap();
    assert!(
        json.contains(r#""warnings":["reactivating resets"#),
        "{json}"
    );
    let bob_event = events
        .iter()
        .find(|e| e.email.as_str() == "bob@example.com")
        .unwrap();
    assert!(bob_event.warnings.is_empty());
    assert!(
        !serde_json::to_string(bob_event)
            .unwrap()
            .contains("warnings")
    );

    // Without the catalog flag, the same reactivation is a plain update.
    let plain = api_app("plain").stores(Attributes::NAMES_ONLY).build();
    let p = plan(&source, &target, &plain, &SyncPolicy::default());
    assert_eq!(p.counts().manual, 0, "{p}");
    assert!(
        p.items.iter().all(|i| i.action.warnings().is_empty()),
        "{p}"
    );
}

#[test]
fn where_the_role_is_set_by_api_the_warning_says_the_next_plan_restores_it() {
    let entry = full()
        .to_builder()
        .reactivation_resets_role("MEMBER")
        .build();
    let source = [DirectoryUser::new("ada@example.com").with_role("ADMIN")];
    let target = [DirectoryUser::new("ada@example.com")
        .with_role("ADMIN")
        .with_active(false)
        .with_app_id("1")];
    let p = plan(&source, &target, &entry, &SyncPolicy::default());
    assert_eq!(p.counts().manual, 0, "{p}");
    let warnings = p.items[0].action.warnings();
    assert_eq!(warnings.len(), 1, "{p}");
    assert!(
        warnings[0].contains("the next plan sets it back to ADMIN by API"),
        "{p}"
    );
}
