//! `UserDirectory::get_user` and `rename_user` for Probo, against `FakeProbo`: the rename
//! keeps the account (same id, active state and role at every step), refuses a taken
//! email without changing anything, and never reports a take-over as a success.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use idgraph_common::graph::{DirectoryUser, Email, UserDirectory};
use probo_scim::testing::FakeProbo;
use probo_scim::{Error, User, UserId};

fn writes(probo: &FakeProbo, from: usize) -> Vec<String> {
    probo
        .requests()
        .into_iter()
        .skip(from)
        .filter(|r| r.method != "GET")
        .map(|r| r.method)
        .collect()
}

fn id(u: &User) -> UserId {
    u.id.clone().unwrap()
}

/// Every write that touched `id` kept it: same id, same state, same role, SCIM-managed.
fn assert_kept_at_every_step(probo: &FakeProbo, id: &UserId, state: &str, role: &str) {
    let steps = probo.history(id);
    assert!(!steps.is_empty());
    for step in &steps {
        assert!(step.exists, "{step:?}");
        assert_eq!(step.state, state, "{step:?}");
        assert_eq!(step.role, role, "{step:?}");
        assert_eq!(step.source, "SCIM", "{step:?}");
    }
}

#[tokio::test]
async fn rename_keeps_id_active_state_and_role_at_every_step() {
    let probo = FakeProbo::start().await;
    let client = probo.client().unwrap();
    // With an externalId (one POST) and without one (a PATCH giving it one, then the POST).
    for (old, ext) in [
        ("linked@example.com", Some("00uL")),
        ("plain@example.com", None),
    ] {
        let mut seed = User::new(old);
        seed.external_id = ext.map(str::to_owned);
        let u = probo.insert_user(seed);
        let uid = id(&u);
        probo.set_role(&uid, "ADMIN");
        let listed = client.get_user(&DirectoryUser::new(old)).await.unwrap();
        let from = probo.request_count();
        let new = Email::new(old.replace('@', ".new@"));
        let renamed = client.rename_user(&listed, &new).await.unwrap();
        assert_eq!(renamed.app_id(), Some(uid.as_str()));
        assert_eq!(renamed.email(), new);
        assert!(renamed.is_active());
        let expected: &[&str] = if ext.is_some() {
            &["POST"]
        } else {
            &["PATCH", "POST"]
        };
        assert_eq!(writes(&probo, from), expected);
        assert_kept_at_every_step(&probo, &uid, "ACTIVE", "ADMIN");
        let now = probo.user(&uid).unwrap();
        assert_eq!(now.user_name, new.as_str());
        assert_eq!(now.primary_email(), Some(new.as_str()));
        assert_eq!(probo.role(&uid).as_deref(), Some("ADMIN"));
        // The next read finds the person at the new email, by id and by email.
        assert_eq!(client.get_user(&renamed).await.unwrap(), renamed);
        let by_email = client
            .get_user(&DirectoryUser::new(new.clone()))
            .await
            .unwrap();
        assert_eq!(by_email.app_id(), renamed.app_id());
    }
    assert_eq!(probo.users().len(), 2, "no account was created");
}

#[tokio::test]
async fn a_deactivated_user_is_renamed_without_being_reactivated() {
    let probo = FakeProbo::start().await;
    let client = probo.client().unwrap();
    let u = probo.insert_user(
        User::new("leaver@example.com")
            .with_external_id("00uD")
            .with_active(false),
    );
    let uid = id(&u);
    probo.set_role(&uid, "ADMIN");
    let d = client
        .get_user(&DirectoryUser::new("leaver@example.com"))
        .await
        .unwrap();
    let renamed = client
        .rename_user(&d, &Email::new("leaver2@example.com"))
        .await
        .unwrap();
    assert!(!renamed.is_active());
    assert_kept_at_every_step(&probo, &uid, "DEACTIVATED", "ADMIN");
    assert_eq!(probo.role(&uid).as_deref(), Some("ADMIN"), "never reset");
}

#[tokio::test]
async fn a_rename_to_a_taken_email_is_a_conflict_and_changes_nothing() {
    let probo = FakeProbo::start().await;
    let client = probo.client().unwrap();
    probo.insert_user(User::new("taken@example.com").with_external_id("00uT"));
    for (old, ext) in [("a@example.com", Some("00uA")), ("b@example.com", None)] {
        let mut seed = User::new(old);
        seed.external_id = ext.map(str::to_owned);
        let u = probo.insert_user(seed);
        let before = probo.users();
        let d = client.get_user(&DirectoryUser::new(old)).await.unwrap();
        let err = client
            .rename_user(&d, &Email::new("TAKEN@example.com"))
            .await
            .unwrap_err();
        assert!(err.is_conflict(), "{err}");
        assert!(
            err.to_string().contains("taken@example.com") || err.status() == Some(409),
            "{err}"
        );
        assert_eq!(probo.users(), before, "nothing changed");
        assert!(
            probo.history(&id(&u)).is_empty(),
            "no write reached the user"
        );
    }
}

#[tokio::test]
async fn a_take_over_of_another_profile_is_an_error_naming_both() {
    let probo = FakeProbo::start().await;
    let client = probo.client().unwrap();
    let u = probo.insert_user(User::new("person@example.com").with_external_id("00uP"));
    let manual = probo.insert_manual_user("invited@example.com");
    let d = client
        .get_user(&DirectoryUser::new("person@example.com"))
        .await
        .unwrap();
    let err = client
        .rename_user(&d, &Email::new("invited@example.com"))
        .await
        .unwrap_err();
    let Error::Incomplete { outcome, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(outcome.contains(manual.as_str()), "{err}");
    assert!(outcome.contains(id(&u).as_str()), "{err}");
    assert!(outcome.contains("took over"), "{err}");
    assert!(err.was_sent() && !err.is_retryable());
}

#[tokio::test]
async fn get_user_of_a_gone_account_is_not_found() {
    let probo = FakeProbo::start().await;
    let client = probo.client().unwrap();
    let u = probo.insert_user(User::new("gone@example.com"));
    let d = client
        .get_user(&DirectoryUser::new("gone@example.com"))
        .await
        .unwrap();
    assert_eq!(d.app_id(), Some(id(&u).as_str()));
    client.delete_user(&d).await.unwrap();
    let err = client.get_user(&d).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = client
        .get_user(&DirectoryUser::new("gone@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = client
        .get_user(&DirectoryUser::new("x@example.com").with_app_id("not-a-probo-id"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = client
        .rename_user(&d, &Email::new("back@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}
