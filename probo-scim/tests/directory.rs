//! `probo_scim::Client` as an identity-graph `UserDirectory`, against `FakeProbo`.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures::TryStreamExt;
use idgraph_common::graph::conformance::{self, Knobs};
use idgraph_common::graph::{DirectoryUser, UserDirectory};
use probo_scim::testing::FakeProbo;
use probo_scim::{Error, Name, User, UserId};

#[tokio::test]
async fn conformance_suite_passes_against_fake_probo() {
    let probo = FakeProbo::start().await;
    let client = probo.client().unwrap();
    let report = conformance::run(&client, &Knobs::from_catalog(client.catalog())).await;
    assert!(report.passed(), "{report}");
}

#[tokio::test]
async fn mapping_ignores_the_external_id_echo_and_empty_strings() {
    let probo = FakeProbo::start().await;
    probo.insert_user(User::new("plain@example.com"));
    let mut named = User::new("named@example.com")
        .with_name(Name::new("Ann", "Lee"))
        .with_external_id("00u1");
    named.active = Some(false);
    let named = probo.insert_user(named);
    let client = probo.client().unwrap();
    assert_eq!(client.catalog().app, probo_scim::APP_ID);
    let users: Vec<DirectoryUser> = client.list_users().try_collect().await.unwrap();
    assert_eq!(users.len(), 2);
    let plain = &users[0];
    assert_eq!(plain.email().as_str(), "plain@example.com");
    assert_eq!(
        plain.external_id(),
        None,
        "the id echo is not an external id"
    );
    assert_eq!(
        (
            plain.given_name().map(str::to_owned),
            plain.family_name().map(str::to_owned)
        ),
        (None, None)
    );
    assert!(plain.is_active() && plain.groups().is_empty());
    let n = &users[1];
    assert_eq!(n.external_id(), Some("00u1"));
    assert_eq!(n.given_name(), Some("Ann"));
    assert_eq!(n.display_name(), Some("Ann Lee"));
    assert!(!n.is_active());
    assert_eq!(n.app_id(), named.id.as_ref().map(|i| i.as_str()));
}

#[tokio::test]
async fn update_patches_only_what_changed_and_keeps_the_display_name() {
    let probo = FakeProbo::start().await;
    let client = probo.client().unwrap();
    let created = UserDirectory::create_user(
        &client,
        &DirectoryUser::new("up@example.com")
            .with_names("Ann", "Lee")
            .with_display_name("Ann Lee (Ops)"),
    )
    .await
    .unwrap()
    .user;
    let before = probo.request_count();
    // Nothing changed: no request beyond the read.
    let same = client.update_user(&created).await.unwrap();
    assert_eq!(same, created);
    assert_eq!(probo.request_count(), before + 1);

    let mut desired = created.clone();
    desired.set_given_name(Some("Anna"));
    desired.set_external_id(Some("00u9"));
    let updated = client.update_user(&desired).await.unwrap();
    assert_eq!(updated.given_name(), Some("Anna"));
    assert_eq!(updated.external_id(), Some("00u9"));
    assert_eq!(
        updated.display_name(),
        Some("Ann Lee (Ops)"),
        "Probo's displayName rewrite is prevented"
    );
    let patch = probo
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PATCH")
        .unwrap();
    let ops = patch.json().unwrap()["Operations"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(ops, 4, "givenName, familyName, displayName, externalId");

    // Removing the external id, by email lookup (no app_id).
    let mut by_email = DirectoryUser::new("UP@example.com").with_names("Anna", "Lee");
    by_email.set_display_name(Some("Ann Lee (Ops)"));
    let updated = client.update_user(&by_email).await.unwrap();
    assert_eq!(updated.external_id(), None);
}

#[tokio::test]
async fn deactivate_and_delete() {
    let probo = FakeProbo::start().await;
    let client = probo.client().unwrap();
    let a = UserDirectory::create_user(&client, &DirectoryUser::new("a@example.com"))
        .await
        .unwrap()
        .user;
    client.deactivate_user(&a).await.unwrap();
    assert_eq!(probo.users()[0].active, Some(false));
    client.delete_user(&a).await.unwrap();
    assert!(probo.users().is_empty());

    let b = UserDirectory::create_user(&client, &DirectoryUser::new("b@example.com"))
        .await
        .unwrap()
        .user;
    probo.mark_referenced(&UserId::new(b.app_id().unwrap()));
    let err = client.delete_user(&b).await.unwrap_err();
    assert!(matches!(err, Error::Incomplete { .. }), "{err}");
    assert!(err.was_sent() && !err.is_retryable(), "{err}");
    assert!(err.to_string().contains("deactivated it instead"), "{err}");
    assert!(err.to_string().contains("b@example.com"), "{err}");
    let err = client
        .deactivate_user(&DirectoryUser::new("nobody@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
}

#[tokio::test]
async fn a_planned_reactivation_warns_that_probo_resets_the_role_and_names_the_admin_action() {
    use idgraph_common::graph::catalog::Operation;
    use idgraph_common::graph::{Action, ApplyMode, Outcome, SyncPolicy, apply, plan};

    let probo = FakeProbo::start().await;
    let mut admin = User::new("ada@example.com").with_name(Name::new("Ada", "Lovelace"));
    admin.active = Some(false);
    let admin = probo.insert_user(admin);
    let id = admin.id.clone().unwrap();
    assert!(probo.set_role(&id, "ADMIN"));
    let client = probo.client().unwrap();

    let source = [DirectoryUser::new("ada@example.com").with_names("Ada", "Lovelace")];
    let target: Vec<DirectoryUser> = client.list_users().try_collect().await.unwrap();
    let p = plan(&source, &target, client.catalog(), &SyncPolicy::default());
    assert_eq!(p.items.len(), 2, "{p}");
    // The reactivation says what it does to the role...
    assert!(matches!(p.items[0].action, Action::Update { .. }), "{p}");
    let warnings = p.items[0].action.warnings();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("resets the role in Probo to EMPLOYEE")),
        "{p}"
    );
    // ...and the admin action that undoes it is a manual item right after.
    let Action::Manual {
        operation,
        instructions,
    } = &p.items[1].action
    else {
        panic!("{p}")
    };
    assert_eq!(*operation, Operation::Role);
    assert_eq!(
        instructions,
        "set ada@example.com's role again in Probo's console; reactivation made it EMPLOYEE"
    );
    assert!(
        p.to_string()
            .contains("warning: reactivating resets the role"),
        "{p}"
    );

    // What the warning is about: the fake, as Probo, made the admin an employee.
    let report = apply(&p, &client, ApplyMode::Execute).await;
    assert!(report.is_success(), "{report}");
    assert!(
        matches!(report.items[1].outcome, Outcome::Manual { .. }),
        "{report}"
    );
    assert_eq!(probo.user(&id).unwrap().active, Some(true));
    assert_eq!(probo.role(&id).as_deref(), Some("EMPLOYEE"));
}
