//! `UserDirectory` for `Client`, on both surfaces, against the fake.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures::TryStreamExt;
use idgraph_common::graph::{DirectoryUser, UserDirectory};
use proofpoint_essentials::testing::FakeEssentials;
use serde_json::json;

#[tokio::test(start_paused = true)]
async fn rest_surface_directory_round_trip() {
    let fake = FakeEssentials::start().await;
    fake.add_group("grp_001", "Sales");
    fake.add_group("grp_002", "Engineering");
    let client = fake.rest_client().build().unwrap();
    let dir: &dyn UserDirectory = &client;
    assert_eq!(dir.catalog().app, proofpoint_essentials::APP_ID);

    // Groups by name or id.
    let created = dir
        .create_user(
            &DirectoryUser::new("Jane@Example.com")
                .with_names("Jane", "Doe")
                .with_groups(["Sales"]),
        )
        .await
        .unwrap()
        .user;
    assert_eq!(created.app_id(), Some("Jane@Example.com"));
    assert_eq!(fake.members("grp_001"), ["jane@example.com"]);

    // An unknown group creates nothing.
    let err = dir
        .create_user(
            &DirectoryUser::new("bob@example.com")
                .with_names("Bob", "Smith")
                .with_groups(["Nope"]),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Nope"), "{err}");
    assert!(fake.user_json("bob@example.com").is_none());

    let listed: Vec<DirectoryUser> = dir.list_users().try_collect().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].given_name(), Some("Jane"));
    // Listed by name, as created: the API's group ids are resolved, so a plan settles.
    assert_eq!(listed[0].groups(), ["Sales"]);

    // Update: names and groups; unknown fields untouched.
    fake.insert_user(json!({"primaryEmail": "x@example.com", "type": "User"}))
        .unwrap();
    let mut desired = listed[0]
        .clone()
        .with_names("Janet", "Doe")
        .with_groups(["grp_002"]);
    desired.set_external_id(Some("ext-1"));
    // A group may also be named by id; the answer speaks names.
    assert_eq!(
        dir.update_user(&desired).await.unwrap().groups(),
        ["Engineering"]
    );
    let after = fake.user_json("jane@example.com").unwrap();
    assert_eq!(after["firstName"], "Janet");
    assert_eq!(after["groups"], json!(["grp_002"]));

    dir.deactivate_user(&desired).await.unwrap();
    assert_eq!(
        fake.user_json("jane@example.com").unwrap()["status"],
        "inactive"
    );
    let listed: Vec<DirectoryUser> = dir.list_users().try_collect().await.unwrap();
    assert!(
        !listed
            .iter()
            .find(|u| u.email().as_str() == "Jane@Example.com")
            .unwrap()
            .is_active()
    );

    dir.delete_user(&desired).await.unwrap();
    assert!(fake.user_json("jane@example.com").is_none());
}

#[tokio::test(start_paused = true)]
async fn interface_surface_directory_round_trip() {
    let fake = FakeEssentials::start().await;
    let client = fake.interface_client().build().unwrap();
    let dir: &dyn UserDirectory = &client;
    let created = dir
        .create_user(
            &DirectoryUser::new("sam@example.com")
                .with_names("Sam", "Lee")
                .with_active(false),
        )
        .await
        .unwrap()
        .user;
    assert!(!created.is_active());
    let listed: Vec<DirectoryUser> = dir.list_users().try_collect().await.unwrap();
    assert_eq!(listed[0].family_name(), Some("Lee"));
    dir.update_user(&listed[0].clone().with_active(true))
        .await
        .unwrap();
    assert_eq!(
        fake.user_json("sam@example.com").unwrap()["status"],
        "active"
    );
    dir.delete_user(&listed[0]).await.unwrap();
    assert_eq!(fake.user_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn membership_changes_converge_in_one_apply_and_the_next_plan_is_empty() {
    use idgraph_common::graph::{ApplyMode, SyncPolicy, apply, plan};

    let fake = FakeEssentials::start().await;
    fake.add_group("grp_001", "Sales");
    fake.add_group("grp_002", "Engineering");
    fake.add_group("grp_003", "On call");
    let client = fake.rest_client().build().unwrap();
    let person = |email: &str, groups: &[&str]| {
        DirectoryUser::new(email)
            .with_names("Pat", "Example")
            .with_groups(groups.iter().copied())
    };
    let policy = SyncPolicy::default().max_membership_removal_share(1.0);
    let sync = |source: Vec<DirectoryUser>| {
        let client = &client;
        let policy = &policy;
        async move {
            let listed: Vec<DirectoryUser> = client.list_users().try_collect().await.unwrap();
            let p = plan(&source, &listed, client.catalog(), policy);
            let report = apply(&p, client, ApplyMode::Execute).await;
            assert!(report.is_success(), "{report}");
            let listed: Vec<DirectoryUser> = client.list_users().try_collect().await.unwrap();
            (p, plan(&source, &listed, client.catalog(), policy))
        }
    };

    let (_, again) = sync(vec![
        person("ada@example.com", &["Sales", "On call"]),
        person("bob@example.com", &["Engineering"]),
    ])
    .await;
    assert!(again.is_noop(), "{again}");
    assert_eq!(fake.members("grp_003"), ["ada@example.com"]);

    // Ada leaves on-call and joins Engineering; Bob leaves every group.
    let (first, again) = sync(vec![
        person("ada@example.com", &["Sales", "Engineering"]),
        person("bob@example.com", &[]),
    ])
    .await;
    assert_eq!(first.counts().update, 2, "{first}");
    assert!(again.is_noop(), "one apply converges: {again}");
    assert_eq!(fake.members("grp_001"), ["ada@example.com"]);
    assert_eq!(fake.members("grp_002"), ["ada@example.com"]);
    assert!(fake.members("grp_003").is_empty());
}
