//! `UserDirectory::get_user` and `rename_user` against the fake: a rename is the
//! delete-and-recreate helper, acts only on the account as it was read, and says clearly
//! what exists when a step in the middle fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures::TryStreamExt;
use idgraph_common::graph::{DirectoryUser, Email, SyncPolicy, UserDirectory, plan};
use proofpoint_essentials::testing::FakeEssentials;
use proofpoint_essentials::{Client, Error, ErrorCode, Loss, PrimaryEmail};
use serde_json::json;

/// Jane: in two groups, with an alias, a role, a mailbox size and a field the client
/// does not model.
async fn fake_with_jane() -> FakeEssentials {
    let fake = FakeEssentials::start().await;
    fake.register_domain("new.example");
    fake.add_group("grp_001", "Sales");
    fake.add_group("grp_002", "Engineering");
    fake.insert_user(json!({
        "primaryEmail": "jane@example.com", "firstName": "Jane", "lastName": "Doe",
        "type": "User", "roles": ["ADMINISTRATOR"], "aliases": ["jd@example.com"],
        "groups": ["grp_001", "grp_002"], "mailboxSize": 4096, "status": "active",
        "password": "Old-pass-1", "costCenter": "CC-42"
    }))
    .unwrap();
    fake.insert_user(json!({"primaryEmail": "other@example.com", "type": "User"}))
        .unwrap();
    fake
}

async fn listed(dir: &dyn UserDirectory, email: &str) -> DirectoryUser {
    let all: Vec<DirectoryUser> = dir.list_users().try_collect().await.unwrap();
    all.into_iter()
        .find(|u| u.email() == Email::new(email))
        .unwrap()
}

/// Requests that change something (anything but a GET).
fn writes(fake: &FakeEssentials) -> usize {
    fake.requests().iter().filter(|r| r.method != "GET").count()
}

#[tokio::test(start_paused = true)]
async fn get_user_has_the_shape_of_list_users() {
    let fake = fake_with_jane().await;
    let dir = fake.rest_client().build().unwrap();
    let from_list = listed(&dir, "jane@example.com").await;
    assert_eq!(from_list.groups(), ["Sales", "Engineering"]);
    let got = dir.get_user(&from_list).await.unwrap();
    assert_eq!(got, from_list);
    // By email when there is no app id, whatever the case.
    let got = dir
        .get_user(&DirectoryUser::new("JANE@example.com"))
        .await
        .unwrap();
    assert_eq!(got, from_list);
    let err = dir
        .get_user(&DirectoryUser::new("gone@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let iface = fake.interface_client().build().unwrap();
    let from_list = listed(&iface, "jane@example.com").await;
    assert_eq!(iface.get_user(&from_list).await.unwrap(), from_list);
}

#[tokio::test(start_paused = true)]
async fn a_rename_recreates_the_account_and_converges() {
    let fake = fake_with_jane().await;
    let client = fake.rest_client().build().unwrap();
    let jane = listed(&client, "jane@example.com").await;

    let renamed = client
        .rename_user(&jane, &Email::new("jane@new.example"))
        .await
        .unwrap();
    assert_eq!(renamed.email().as_str(), "jane@new.example");
    assert_eq!(renamed.app_id(), Some("jane@new.example"));
    assert_eq!(renamed.groups(), ["Sales", "Engineering"]);
    assert_eq!(
        (renamed.given_name(), renamed.family_name()),
        (Some("Jane"), Some("Doe"))
    );
    assert!(renamed.is_active());

    // The old account is gone, the new one has what the helper keeps.
    assert!(fake.user_json("jane@example.com").is_none());
    let new = fake.user_json("jane@new.example").unwrap();
    assert_eq!(new["aliases"], json!(["jd@example.com"]));
    assert_eq!(new["roles"], json!(["ADMINISTRATOR"]));
    assert_eq!(new["mailboxSize"], 4096);
    assert_eq!(new["status"], "active");
    assert_eq!(new["groups"], json!(["grp_001", "grp_002"]));
    // …and what it loses: the password (a new one from the policy), the unmodelled field.
    assert!(!fake.password_matches("jane@new.example", "Old-pass-1"));
    assert!(fake.password_of("jane@new.example").is_some());
    assert!(new.get("costCenter").is_none());
    assert_eq!(fake.user_count(), 2);

    // What rename_user answered is what the app now lists, and a plan from the source
    // (Jane under her new address) is empty.
    assert_eq!(client.get_user(&renamed).await.unwrap(), renamed);
    let target: Vec<DirectoryUser> = client.list_users().try_collect().await.unwrap();
    let source = [
        DirectoryUser::new("jane@new.example")
            .with_names("Jane", "Doe")
            .with_groups(["Sales", "Engineering"]),
        DirectoryUser::new("other@example.com"),
    ];
    let again = plan(&source, &target, client.catalog(), &SyncPolicy::default());
    assert!(again.is_noop(), "{again}");
}

#[tokio::test(start_paused = true)]
async fn a_rename_on_the_interface_api_sends_no_generated_password() {
    let fake = fake_with_jane().await;
    fake.insert_user(json!({
        "primaryEmail": "sam@example.com", "firstName": "Sam", "type": "end_user",
        "aliases": ["sl@example.com"]
    }))
    .unwrap();
    let client = fake.interface_client().build().unwrap();
    client
        .users()
        .update(&PrimaryEmail::new("sam@example.com").unwrap(), |u| {
            u.sender_allow_list = Some(vec!["friend@partner.example".into()]);
            u.sender_block_list = Some(vec!["spam@bad.example".into()]);
        })
        .await
        .unwrap();
    let sam = listed(&client, "sam@example.com").await;
    let renamed = client
        .rename_user(&sam, &Email::new("sam@new.example"))
        .await
        .unwrap();
    assert_eq!(renamed.email().as_str(), "sam@new.example");
    assert_eq!(renamed.given_name(), Some("Sam"));
    assert!(fake.user_json("sam@example.com").is_none());
    assert_eq!(
        fake.user_json("sam@new.example").unwrap()["aliases"],
        json!(["sl@example.com"])
    );
    assert!(fake.password_of("sam@new.example").is_none());
    // The sender allow and block lists are copied (the catalog's interface entry says
    // they are lost: see the report to the lead).
    let now = client
        .users()
        .get(&PrimaryEmail::new("sam@new.example").unwrap())
        .await
        .unwrap();
    assert_eq!(
        now.sender_allow_list,
        Some(vec!["friend@partner.example".to_owned()])
    );
    assert_eq!(
        now.sender_block_list,
        Some(vec!["spam@bad.example".to_owned()])
    );
    assert_eq!(client.get_user(&renamed).await.unwrap(), renamed);
}

#[tokio::test(start_paused = true)]
async fn a_rename_acts_only_on_the_account_as_it_was_read() {
    let fake = fake_with_jane().await;
    let client = fake.rest_client().build().unwrap();
    let jane = listed(&client, "jane@example.com").await;
    let before = writes(&fake);

    // Changed since it was read (someone else renamed her last name and removed a group).
    let other: Client = fake.rest_client().build().unwrap();
    other
        .users()
        .update(&PrimaryEmail::new("jane@example.com").unwrap(), |u| {
            u.last_name = Some("Smith".into());
        })
        .await
        .unwrap();
    let before = before + 1;
    let err = client
        .rename_user(&jane, &Email::new("jane@new.example"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("changed since it was read") && text.contains("last name"),
        "{text}"
    );
    assert!(text.contains("nothing was changed"), "{text}");
    assert_eq!(writes(&fake), before, "nothing was written");
    assert!(fake.user_json("jane@new.example").is_none());

    // Read again: it goes through.
    let jane = listed(&client, "jane@example.com").await;
    // A different planned person under the same address (other groups) is refused too.
    let mut stale = jane.clone();
    stale.set_groups(["Sales"]);
    let err = client
        .rename_user(&stale, &Email::new("jane@new.example"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("groups"), "{err}");
    assert_eq!(writes(&fake), before);

    // Gone since it was read.
    client.delete_user(&jane).await.unwrap();
    let before = writes(&fake);
    let err = client
        .rename_user(&jane, &Email::new("jane@new.example"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(writes(&fake), before);
    assert!(fake.user_json("jane@new.example").is_none());
}

#[tokio::test(start_paused = true)]
async fn a_create_that_fails_leaves_the_old_account_untouched() {
    let fake = fake_with_jane().await;
    let client = fake.rest_client().build().unwrap();
    let jane = listed(&client, "jane@example.com").await;
    let err = client
        .rename_user(&jane, &Email::new("jane@unregistered.example"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.vendor_code::<ErrorCode>(),
            Some(ErrorCode::DomainNotRegistered { .. })
        ),
        "{err:?}"
    );
    assert_eq!(listed(&client, "jane@example.com").await, jane);
    // The new address already taken: refused before anything.
    let err = client
        .rename_user(&jane, &Email::new("other@example.com"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(fake.user_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_failure_in_the_middle_says_what_exists_now() {
    let fake = fake_with_jane().await;
    let client = fake.rest_client().build().unwrap();
    let jane = listed(&client, "jane@example.com").await;
    // The old account cannot be deleted: both exist, the aliases stay with the old one.
    fake.fail_next("DELETE", "/v2/users/jane%40example.com", 403);
    let err = client
        .rename_user(&jane, &Email::new("jane@new.example"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Incomplete { .. }), "{err:?}");
    let text = err.to_string();
    for part in [
        "the new account `jane@new.example` exists",
        "the old account `jane@example.com` could not be deleted",
        "both accounts exist",
        "aliases jd@example.com were not re-added",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    assert!(fake.user_json("jane@example.com").is_some());
    assert!(fake.user_json("jane@new.example").is_some());

    // A membership that cannot be re-added is named.
    let fake = fake_with_jane().await;
    let client = fake.rest_client().build().unwrap();
    let jane = listed(&client, "jane@example.com").await;
    fake.fail_next("POST", "/v2/groups/grp_002/members", 403);
    let err = client
        .rename_user(&jane, &Email::new("jane@new.example"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Incomplete { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("membership in `grp_002` was not re-added"),
        "{text}"
    );
    assert!(!text.contains("could not be deleted"), "{text}");
    assert!(fake.user_json("jane@example.com").is_none());
    assert_eq!(fake.members("grp_001"), ["jane@new.example"]);
    assert!(fake.members("grp_002").is_empty());
}

/// The catalog's `rename_loses` against what the helper announces for a fully
/// populated account (see the report to the lead when they disagree).
#[tokio::test(start_paused = true)]
async fn the_helper_announces_its_losses() {
    let fake = fake_with_jane().await;
    let client = fake.rest_client().build().unwrap();
    let plan = client
        .users()
        .change_primary_email(
            &PrimaryEmail::new("jane@example.com").unwrap(),
            PrimaryEmail::new("jane@new.example").unwrap(),
        )
        .await
        .unwrap();
    let losses = plan.losses();
    assert!(losses.contains(&Loss::Password));
    assert!(losses.contains(&Loss::ServerAssigned));
    assert!(losses.contains(&Loss::AccountHistory));
    assert!(losses.contains(&Loss::UnmodelledFields(vec!["costCenter".into()])));
    // Aliases and groups are announced, and re-added by the helper.
    assert!(losses.contains(&Loss::Aliases(vec!["jd@example.com".into()])));
    let entry = proofpoint_essentials::catalog_entry();
    assert!(!entry.lifecycle.rename_loses.is_empty());
}
