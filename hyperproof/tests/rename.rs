//! `UserDirectory::get_user` and `rename_user` for Hyperproof SCIM, against the fake:
//! one PATCH of `userName` and the primary email on the same SCIM id.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hyperproof::HyperproofRole;
use hyperproof::scim::{NewUser, PatchOp};
use hyperproof::testing::FakeHyperproof;
use idgraph_common::graph::{DirectoryUser, Email, UserDirectory};
use scim_types::UserId;

#[tokio::test]
async fn a_rename_converges_on_the_same_id_and_the_user_stays_active() {
    let fake = FakeHyperproof::start().await;
    let scim = fake.scim_client().unwrap();
    let created = scim
        .users()
        .create(
            &NewUser::new("jane@example.com")
                .name("Jane", "Doe")
                .external_id("00uJ")
                .role(HyperproofRole::ComplianceManager),
        )
        .await
        .unwrap();
    let id = created.id.clone().unwrap();
    let d = scim
        .get_user(&DirectoryUser::new("jane@example.com"))
        .await
        .unwrap();
    let sent = fake.received_requests().await.len();
    let renamed = scim
        .rename_user(&d, &Email::new("jane.doe@example.com"))
        .await
        .unwrap();
    assert_eq!(renamed.app_id(), Some(id.as_str()));
    assert_eq!(renamed.email().as_str(), "jane.doe@example.com");
    assert!(renamed.is_active());
    assert_eq!(renamed.external_id(), Some("00uJ"));

    let requests = fake.received_requests().await;
    let methods: Vec<String> = requests[sent..]
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(methods, ["GET", "PATCH"]);
    let body: serde_json::Value = serde_json::from_slice(&requests[sent + 1].body).unwrap();
    let ops = body["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), 2);
    assert_eq!(ops[0]["path"], "userName");
    assert_eq!(ops[0]["value"], "jane.doe@example.com");
    assert_eq!(ops[1]["path"], "emails");
    assert_eq!(ops[1]["value"][0]["value"], "jane.doe@example.com");
    assert_eq!(ops[1]["value"][0]["primary"], true);

    // The fake's state: one user, same id, active, same role, both identifiers moved.
    let users = fake.scim_users();
    assert_eq!(users.len(), 1);
    let now = &users[0];
    assert_eq!(now.id.as_ref(), Some(&id));
    assert_eq!(now.active, Some(true));
    assert_eq!(now.user_name, "jane.doe@example.com");
    assert_eq!(now.primary_email(), Some("jane.doe@example.com"));
    assert_eq!(
        HyperproofRole::of(now),
        Some(HyperproofRole::ComplianceManager)
    );
    // Converged: the same rename again sends only the read.
    let again = scim
        .rename_user(&renamed, &Email::new("jane.doe@example.com"))
        .await
        .unwrap();
    assert_eq!(again, renamed);
    assert_eq!(fake.received_requests().await.len(), sent + 3);
}

#[tokio::test]
async fn a_deactivated_user_stays_deactivated() {
    let fake = FakeHyperproof::start().await;
    let scim = fake.scim_client().unwrap();
    let u = scim
        .users()
        .create(&NewUser::new("leaver@example.com").active(false))
        .await
        .unwrap();
    let d =
        DirectoryUser::new("leaver@example.com").with_app_id(u.id.clone().unwrap().into_string());
    let renamed = scim
        .rename_user(&d, &Email::new("leaver2@example.com"))
        .await
        .unwrap();
    assert!(!renamed.is_active());
    assert_eq!(fake.scim_users()[0].active, Some(false));
}

#[tokio::test]
async fn a_taken_user_name_is_a_409_and_nothing_changes() {
    let fake = FakeHyperproof::start().await;
    let scim = fake.scim_client().unwrap();
    scim.users()
        .create(&NewUser::new("taken@example.com"))
        .await
        .unwrap();
    let u = scim
        .users()
        .create(&NewUser::new("mover@example.com"))
        .await
        .unwrap();
    let before = fake.scim_users();
    let d =
        DirectoryUser::new("mover@example.com").with_app_id(u.id.clone().unwrap().into_string());
    let err = scim
        .rename_user(&d, &Email::new("TAKEN@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    assert_eq!(fake.scim_users(), before);
}

#[tokio::test]
async fn a_gone_id_is_a_404() {
    let fake = FakeHyperproof::start().await;
    let scim = fake.scim_client().unwrap();
    let gone =
        DirectoryUser::new("gone@example.com").with_app_id("2819c223-7f76-453a-919d-000000000000");
    let err = scim
        .rename_user(&gone, &Email::new("new@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = scim.get_user(&gone).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = scim
        .get_user(&DirectoryUser::new("nobody@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(fake.scim_users().is_empty());
}

#[tokio::test]
async fn the_fake_refuses_a_user_name_that_leaves_the_email_behind() {
    let fake = FakeHyperproof::start().await;
    let scim = fake.scim_client().unwrap();
    let u = scim
        .users()
        .create(&NewUser::new("half@example.com"))
        .await
        .unwrap();
    let id: UserId = u.id.clone().unwrap();
    let before = fake.scim_users();
    let op = PatchOp::builder()
        .replace("userName", "half2@example.com")
        .build()
        .unwrap();
    let err = scim.users().patch(&id, &op).await.unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert_eq!(fake.scim_users(), before, "nothing changed");
    // Deactivating still works (nothing about the email changes).
    scim.users().deactivate(&id).await.unwrap();
}

#[tokio::test]
async fn a_rename_from_a_stale_read_is_refused_and_nothing_changes() {
    let fake = FakeHyperproof::start().await;
    let scim = fake.scim_client().unwrap();
    let created = scim
        .users()
        .create(&NewUser::new("jane@example.com").name("Jane", "Doe"))
        .await
        .unwrap();
    let id = created.id.clone().unwrap();
    let read = scim
        .get_user(&DirectoryUser::new("jane@example.com"))
        .await
        .unwrap();
    // Someone renames the account after it was read.
    scim.users()
        .rename_email(&id, "jane.smith@example.com")
        .await
        .unwrap();
    let sent = fake.received_requests().await.len();

    let e = scim
        .rename_user(&read, &Email::new("jane.doe@example.com"))
        .await
        .unwrap_err();
    assert!(!e.was_sent(), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("jane.smith@example.com") && msg.contains("nothing was changed"),
        "{msg}"
    );
    let methods: Vec<String> = fake.received_requests().await[sent..]
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(methods, ["GET"], "read, compared, and nothing written");
    let users = fake.scim_users();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].user_name, "jane.smith@example.com");
}
