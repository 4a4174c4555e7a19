//! Groups and roles through the identity graph against the SCIM side of
//! `FakeHyperproof`: one apply converges, the next plan is empty, and an unknown group or
//! role is a typed error before anything is sent.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures::TryStreamExt;
use hyperproof::testing::FakeHyperproof;
use hyperproof::{Error, HyperproofRole, ScimClient};
use idgraph_common::graph::{
    Action, ApplyMode, DirectoryUser, Field, FieldChange, SyncPolicy, UserDirectory, apply, plan,
};
use scim_types::{Member, User};

/// A SCIM user as Hyperproof's IdP provisioning would have left it.
fn seeded(fake: &FakeHyperproof, email: &str, role: HyperproofRole) -> String {
    let user = hyperproof::scim::NewUser::new(email)
        .name("Test", email.split('@').next().unwrap())
        .role(role)
        .to_scim();
    fake.scim().insert_user(user).id.unwrap().into_string()
}

/// Seeds a group with these members.
fn group(fake: &FakeHyperproof, name: &str, members: &[&str]) {
    let mut g = scim_types::Group::new(name);
    g.members = members.iter().map(|m| Member::user(*m)).collect();
    fake.scim().insert_group(g);
}

async fn listed(scim: &ScimClient) -> Vec<DirectoryUser> {
    scim.list_users().try_collect().await.unwrap()
}

fn person(email: &str, groups: &[&str]) -> DirectoryUser {
    DirectoryUser::new(email)
        .with_names("Test", email.split('@').next().unwrap())
        .with_groups(groups.iter().copied())
}

fn patches(fake: &FakeHyperproof) -> usize {
    fake.scim()
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .count()
}

#[tokio::test]
async fn the_listing_reports_groups_from_group_members_and_the_role() {
    let fake = FakeHyperproof::start().await;
    let ada = seeded(&fake, "ada@example.com", HyperproofRole::ComplianceManager);
    let bob = seeded(&fake, "bob@example.com", HyperproofRole::User);
    group(&fake, "Auditors", &[&ada]);
    group(&fake, "Engineering", &[&ada, &bob]);
    group(&fake, "Empty", &[]);
    let scim = fake.scim_client().unwrap();
    let users = listed(&scim).await;
    let ada_listed = users
        .iter()
        .find(|u| u.email().as_str() == "ada@example.com")
        .unwrap();
    assert_eq!(ada_listed.groups(), ["Auditors", "Engineering"]);
    assert_eq!(ada_listed.role(), Some("COMPLIANCE_MANAGER"));
    let bob_listed = users
        .iter()
        .find(|u| u.email().as_str() == "bob@example.com")
        .unwrap();
    assert_eq!(bob_listed.groups(), ["Engineering"]);
    assert_eq!(bob_listed.role(), Some("USER"));
    // A single read answers in the listing's shape.
    let got = scim
        .get_user(&DirectoryUser::new("ada@example.com"))
        .await
        .unwrap();
    assert_eq!(&got, ada_listed);
}

#[tokio::test]
async fn memberships_and_roles_converge_in_one_apply_and_the_next_plan_is_empty() {
    let fake = FakeHyperproof::start().await;
    let ada = seeded(&fake, "ada@example.com", HyperproofRole::User);
    let bob = seeded(&fake, "bob@example.com", HyperproofRole::LimitedAccessUser);
    group(&fake, "Auditors", &[&ada]);
    group(&fake, "Engineering", &[&ada, &bob]);
    group(&fake, "Risk", &[]);
    group(&fake, "Everyone", &[&ada, &bob]);
    let scim = fake.scim_client().unwrap();

    let source = [
        // Leaves Auditors, joins Risk, becomes a compliance manager.
        person("ada@example.com", &["Engineering", "Risk"]).with_role("COMPLIANCE_MANAGER"),
        // Leaves Engineering; the source says nothing of the role.
        person("bob@example.com", &[]),
        // New: created as a user, in two groups.
        person("cy@example.com", &["Auditors", "Risk"]).with_role("USER"),
    ];
    let policy = SyncPolicy::default()
        .exclude_group("Everyone")
        .max_membership_removal_share(1.0);
    let first = plan(&source, &listed(&scim).await, scim.catalog(), &policy);
    assert_eq!(first.counts().update, 2, "{first}");
    assert_eq!(first.counts().create, 1, "{first}");
    let ada_changes = first
        .items
        .iter()
        .find(|i| i.email.as_str() == "ada@example.com")
        .unwrap()
        .action
        .changes()
        .to_vec();
    assert!(
        ada_changes.contains(&FieldChange::Text {
            field: Field::Role,
            from: Some("USER".into()),
            to: Some("COMPLIANCE_MANAGER".into()),
        }),
        "{first}"
    );
    assert!(
        ada_changes.contains(&FieldChange::Groups {
            added: vec!["Risk".into()],
            removed: vec!["Auditors".into()],
        }),
        "{first}"
    );
    // Nothing is left to an admin: both travel over SCIM.
    assert!(
        !first
            .items
            .iter()
            .any(|i| matches!(i.action, Action::Manual { .. })),
        "{first}"
    );

    let report = apply(&first, &scim, ApplyMode::Execute).await;
    assert!(report.is_success(), "{report}");

    // The fake's own state, not the client's view of it.
    assert_eq!(
        fake.scim_groups_of(&ada),
        ["Engineering", "Risk", "Everyone"]
    );
    assert_eq!(
        fake.scim_groups_of(&bob),
        ["Everyone"],
        "excluded group kept"
    );
    let users = fake.scim_users();
    let role_of = |email: &str| {
        let u: &User = users.iter().find(|u| u.user_name == email).unwrap();
        HyperproofRole::of(u)
    };
    assert_eq!(
        role_of("ada@example.com"),
        Some(HyperproofRole::ComplianceManager)
    );
    assert_eq!(
        role_of("bob@example.com"),
        Some(HyperproofRole::LimitedAccessUser)
    );
    assert_eq!(role_of("cy@example.com"), Some(HyperproofRole::User));
    let cy = users
        .iter()
        .find(|u| u.user_name == "cy@example.com")
        .unwrap();
    assert_eq!(
        fake.scim_groups_of(cy.id.as_ref().unwrap().as_str()),
        ["Auditors", "Risk"]
    );

    let second = plan(&source, &listed(&scim).await, scim.catalog(), &policy);
    assert!(second.is_noop(), "{second}");
}

#[tokio::test]
async fn an_unknown_group_is_a_typed_error_and_nothing_is_sent() {
    let fake = FakeHyperproof::start().await;
    let ada = seeded(&fake, "ada@example.com", HyperproofRole::User);
    group(&fake, "Auditors", &[&ada]);
    let scim = fake.scim_client().unwrap();
    let before = patches(&fake);

    let mut desired = scim
        .get_user(&DirectoryUser::new("ada@example.com"))
        .await
        .unwrap();
    desired.set_groups(["Auditors", "Nope"]);
    desired.set_given_name(Some("Changed"));
    let err = scim.update_user(&desired).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("`Nope`") && msg.contains("never creates groups"),
        "{msg}"
    );
    // Names are exact: another case is another name.
    desired.set_groups(["auditors"]);
    let err = scim.update_user(&desired).await.unwrap_err();
    assert!(err.to_string().contains("`auditors`"), "{err}");

    // A create with an unknown group creates nothing.
    let err = scim
        .create_user(&person("new@example.com", &["Nope"]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert_eq!(patches(&fake), before, "nothing but reads was sent");
    assert_eq!(fake.scim_users().len(), 1);
    assert_eq!(fake.scim_groups().len(), 1, "no group was created");
    assert_eq!(fake.scim_groups_of(&ada), ["Auditors"]);
}

#[tokio::test]
async fn a_group_name_two_groups_share_is_refused() {
    let fake = FakeHyperproof::start().await;
    let ada = seeded(&fake, "ada@example.com", HyperproofRole::User);
    group(&fake, "Twins", &[]);
    group(&fake, "Twins", &[]);
    let scim = fake.scim_client().unwrap();
    let mut desired = scim
        .get_user(&DirectoryUser::new("ada@example.com"))
        .await
        .unwrap();
    desired.set_groups(["Twins"]);
    let err = scim.update_user(&desired).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert!(err.to_string().contains("more than one"), "{err}");
    assert!(fake.scim_groups_of(&ada).is_empty());
}

#[tokio::test]
async fn an_unknown_role_is_a_typed_error_naming_the_accepted_values() {
    let fake = FakeHyperproof::start().await;
    seeded(&fake, "ada@example.com", HyperproofRole::User);
    let scim = fake.scim_client().unwrap();
    let before = patches(&fake);

    let desired = scim
        .get_user(&DirectoryUser::new("ada@example.com"))
        .await
        .unwrap()
        .with_role("SUPERUSER");
    let err = scim.update_user(&desired).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    let msg = err.to_string();
    for accepted in HyperproofRole::ALL {
        assert!(msg.contains(accepted.as_str()), "{msg}");
    }
    assert!(msg.contains("`SUPERUSER`"), "{msg}");
    let err = scim
        .create_user(&person("new@example.com", &[]).with_role("admin"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert_eq!(patches(&fake), before);
    assert_eq!(fake.scim_users().len(), 1);
    // The role is unchanged.
    assert_eq!(
        HyperproofRole::of(&fake.scim_users()[0]),
        Some(HyperproofRole::User)
    );
}

#[tokio::test]
async fn a_role_in_any_case_is_sent_as_hyperproofs_value_and_an_equal_one_sends_no_role() {
    let fake = FakeHyperproof::start().await;
    seeded(&fake, "ada@example.com", HyperproofRole::User);
    let scim = fake.scim_client().unwrap();
    let current = scim
        .get_user(&DirectoryUser::new("ada@example.com"))
        .await
        .unwrap();

    fake.scim().clear_requests();
    let same = current.clone().with_role("user");
    scim.update_user(&same).await.unwrap();
    let sent: Vec<String> = fake
        .scim()
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH")
        .map(|r| r.json().unwrap().to_string())
        .collect();
    assert_eq!(sent.len(), 1);
    assert!(!sent[0].contains("roles"), "{sent:?}");

    let now = scim
        .update_user(&current.with_role("organization_administrator"))
        .await
        .unwrap();
    assert_eq!(now.role(), Some("ORGANIZATION_ADMINISTRATOR"));
    assert_eq!(
        HyperproofRole::of(&fake.scim_users()[0]),
        Some(HyperproofRole::OrganizationAdministrator)
    );
}

#[tokio::test]
async fn a_membership_hyperproof_does_not_keep_is_an_incomplete_error() {
    // An organization whose provisioning answers group PATCHes but keeps no members.
    let fake = FakeHyperproof::start().await;
    seeded(&fake, "ada@example.com", HyperproofRole::User);
    group(&fake, "Auditors", &[]);
    let scim = fake.scim_client().unwrap();
    let mut desired = scim
        .get_user(&DirectoryUser::new("ada@example.com"))
        .await
        .unwrap();
    desired.set_groups(["Auditors"]);
    let gid = fake.scim_groups()[0].id.clone().unwrap();
    fake.scim().fail_next(
        idgraph_common::testing::Failure::status(204)
            .on_method("PATCH")
            .on_path(&format!("/Groups/{}", gid.as_str())),
    );
    let err = scim.update_user(&desired).await.unwrap_err();
    assert!(matches!(err, Error::Incomplete { .. }), "{err:?}");
    assert!(err.to_string().contains("not in `Auditors`"), "{err}");
}

#[tokio::test]
async fn the_fake_keeps_memberships_in_groups_only() {
    let fake = FakeHyperproof::start().await;
    let scim = fake.scim_client().unwrap();
    let auditors = fake.add_scim_group("Auditors");
    let gid = auditors.id.clone().unwrap();

    // A user's `groups` is read-only: ignored in a create, refused in a PATCH.
    let mut body = hyperproof::scim::NewUser::new("ada@example.com").to_scim();
    body.groups.push(scim_types::GroupRef::new(gid.as_str()));
    let ada = scim.generic().users().create(&body).await.unwrap();
    assert!(ada.groups.is_empty(), "{ada:?}");
    let ada_id = ada.id.clone().unwrap();
    assert!(fake.scim_groups_of(ada_id.as_str()).is_empty());
    let op = scim_types::PatchOp::builder()
        .add("groups", serde_json::json!([{"value": gid.as_str()}]))
        .build()
        .unwrap();
    let err = scim.users().patch(&ada_id, &op).await.unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert!(fake.scim_groups_of(ada_id.as_str()).is_empty());

    // A member must be a user of the organization; nothing changes otherwise.
    let err = scim
        .groups()
        .add_members(&gid, &[scim_types::UserId::new("no-such-user")])
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert!(fake.scim_groups()[0].members.is_empty());
    scim.groups()
        .add_members(&gid, std::slice::from_ref(&ada_id))
        .await
        .unwrap();
    assert_eq!(fake.scim_groups_of(ada_id.as_str()), ["Auditors"]);
}
