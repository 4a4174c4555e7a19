//! The safety guarantees against the stateful fake: the PUT guard, the immutable email,
//! irreversible deletion, offboarding, and typed errors, on both surfaces.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures::TryStreamExt;
use proofpoint_essentials::testing::{FAKE_API_KEY, FAKE_API_SECRET, FakeEssentials};
use proofpoint_essentials::{
    BulkUser, CreateError, Error, ErrorCode, GroupId, Irreversible, Loss, NewUser, PrimaryEmail,
    UserPassword, UserStatus, UserType,
};
use serde_json::{Value, json};

fn email(s: &str) -> PrimaryEmail {
    PrimaryEmail::new(s).unwrap()
}

/// A fully populated user in two groups, with a field the client does not model.
fn seed_jane(fake: &FakeEssentials) {
    fake.add_group("grp_001", "Sales");
    fake.add_group("grp_002", "Engineering");
    fake.insert_user(json!({
        "primaryEmail": "jane@example.com", "firstName": "Jane", "lastName": "Doe",
        "type": "User", "roles": ["ADMINISTRATOR"], "aliases": ["jd@example.com"],
        "groups": ["grp_001", "grp_002"], "mailboxSize": 4096,
        "spamPolicy": {"level": "strict"}, "status": "active", "password": "Old-pass-1",
        "costCenter": "CC-42"
    }))
    .unwrap();
}

fn without(mut v: Value, keys: &[&str]) -> Value {
    for k in keys {
        v.as_object_mut().unwrap().remove(*k);
    }
    v
}

#[tokio::test(start_paused = true)]
async fn the_fake_resets_fields_a_put_omits() {
    // The hazard the PUT guard exists for: a partial PUT, as the seed's own example sends.
    let fake = FakeEssentials::start().await;
    seed_jane(&fake);
    let resp = reqwest::Client::new()
        .put(format!("{}/users/jane%40example.com", fake.rest_base_url()))
        .basic_auth(FAKE_API_KEY, Some(FAKE_API_SECRET))
        .header("content-type", "application/json")
        .body(
            json!({"firstName": "Jane", "lastName": "Updated", "roles": ["ADMINISTRATOR"]})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let after = fake.user_json("jane@example.com").unwrap();
    assert_eq!(after["aliases"], json!([]));
    assert_eq!(after["groups"], json!([]));
    assert_eq!(after["mailboxSize"], 1024);
    assert_eq!(after["spamPolicy"], json!({"level": "default"}));
    assert!(after.get("costCenter").is_none());
}

#[tokio::test(start_paused = true)]
async fn changing_one_field_never_resets_another_rest() {
    let fake = FakeEssentials::start().await;
    seed_jane(&fake);
    let before = fake.user_json("jane@example.com").unwrap();
    let client = fake.rest_client().build().unwrap();
    let updated = client
        .users()
        .update(&email("jane@example.com"), |u| {
            u.last_name = Some("Updated".into())
        })
        .await
        .unwrap();
    assert_eq!(updated.last_name.as_deref(), Some("Updated"));
    let after = fake.user_json("jane@example.com").unwrap();
    assert_eq!(after["lastName"], "Updated");
    assert_eq!(
        without(after, &["lastName", "updatedAt"]),
        without(before, &["lastName", "updatedAt"]),
        "every other field, unknown ones and group memberships included, is unchanged"
    );
    assert!(fake.password_matches("jane@example.com", "Old-pass-1"));
    assert_eq!(fake.members("grp_002"), ["jane@example.com"]);
}

#[tokio::test(start_paused = true)]
async fn changing_one_field_never_resets_another_interface() {
    let fake = FakeEssentials::start().await;
    let client = fake.interface_client().build().unwrap();
    client
        .users()
        .create(
            &NewUser::new(email("bob@example.com"), UserType::EndUser)
                .names("Bob", "Stone")
                .alias("bs@example.com")
                .sender_allow_list(["partner@vendor.example"])
                .sender_block_list(["spam@x.example"])
                .extra_field("is_billable", json!(false))
                .unwrap(),
        )
        .await
        .unwrap();
    let before = fake.user_json("bob@example.com").unwrap();
    client
        .users()
        .update(&email("bob@example.com"), |u| {
            u.first_name = Some("Robert".into())
        })
        .await
        .unwrap();
    let got = client.users().get(&email("bob@example.com")).await.unwrap();
    assert_eq!(got.first_name.as_deref(), Some("Robert"));
    assert_eq!(
        got.aliases.as_deref(),
        Some(&["bs@example.com".to_owned()][..])
    );
    assert_eq!(
        got.sender_allow_list.as_deref(),
        Some(&["partner@vendor.example".to_owned()][..])
    );
    assert_eq!(
        got.sender_block_list.as_deref(),
        Some(&["spam@x.example".to_owned()][..])
    );
    assert_eq!(got.extra()["is_billable"], false);
    let after = fake.user_json("bob@example.com").unwrap();
    assert_eq!(
        without(after, &["firstName", "updatedAt"]),
        without(before, &["firstName", "updatedAt"])
    );
}

#[tokio::test(start_paused = true)]
async fn password_is_written_and_never_read_back() {
    let fake = FakeEssentials::start().await;
    seed_jane(&fake);
    let client = fake.rest_client().build().unwrap();
    let user = client
        .users()
        .update(&email("jane@example.com"), |u| {
            u.password = Some(UserPassword::new("N3w-secret!"))
        })
        .await
        .unwrap();
    assert!(user.password.is_none());
    assert!(fake.password_matches("jane@example.com", "N3w-secret!"));
    assert!(!format!("{user:?}").contains("N3w-secret!"));
    let read = client
        .users()
        .get(&email("jane@example.com"))
        .await
        .unwrap();
    assert!(read.password.is_none());
    assert!(!read.extra().contains_key("password"));
}

#[tokio::test(start_paused = true)]
async fn replace_refuses_a_user_from_the_other_surface() {
    let fake = FakeEssentials::start().await;
    seed_jane(&fake);
    let rest = fake.rest_client().build().unwrap();
    let real = fake.interface_client().build().unwrap();
    let jane = rest.users().get(&email("jane@example.com")).await.unwrap();
    let err = real.users().replace(&jane).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    // From its own surface it goes through, whole.
    let mut jane = jane;
    jane.first_name = Some("Janet".into());
    rest.users().replace(&jane).await.unwrap();
    assert_eq!(
        fake.user_json("jane@example.com").unwrap()["aliases"],
        json!(["jd@example.com"])
    );
}

#[tokio::test(start_paused = true)]
async fn the_primary_email_cannot_ride_along_in_an_update() {
    let fake = FakeEssentials::start().await;
    seed_jane(&fake);
    fake.insert_user(json!({"primaryEmail": "other@example.com", "type": "User"}))
        .unwrap();
    let client = fake.rest_client().build().unwrap();
    let other = client
        .users()
        .get(&email("other@example.com"))
        .await
        .unwrap();
    // Swapping in another user is refused before any PUT.
    let err = client
        .users()
        .update(&email("jane@example.com"), move |u| *u = other)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("primary email is immutable"),
        "{err}"
    );
    // And `extra` will not carry it either.
    let mut jane = client
        .users()
        .get(&email("jane@example.com"))
        .await
        .unwrap();
    assert!(
        jane.set_extra("primaryEmail", json!("x@example.com"))
            .is_err()
    );
    assert!(jane.set_extra("firstName", json!("x")).is_err());
}

#[tokio::test(start_paused = true)]
async fn deactivate_is_a_status_change_and_nothing_else() {
    let fake = FakeEssentials::start().await;
    seed_jane(&fake);
    let client = fake.rest_client().build().unwrap();
    let before = fake.user_json("jane@example.com").unwrap();
    let u = client
        .users()
        .deactivate(&email("jane@example.com"))
        .await
        .unwrap();
    assert_eq!(u.status, Some(UserStatus::Inactive));
    let after = fake.user_json("jane@example.com").unwrap();
    assert_eq!(after["status"], "inactive");
    assert_eq!(
        without(after, &["status", "updatedAt"]),
        without(before, &["status", "updatedAt"])
    );
    let u = client
        .users()
        .reactivate(&email("jane@example.com"))
        .await
        .unwrap();
    // The user as it is now.
    assert_eq!(u.status, Some(UserStatus::Active));
    assert_eq!(u.first_name.as_deref(), Some("Jane"));
    assert_eq!(
        fake.user_json("jane@example.com").unwrap()["status"],
        "active"
    );
}

#[tokio::test(start_paused = true)]
async fn delete_takes_the_aliases_with_the_user() {
    let fake = FakeEssentials::start().await;
    seed_jane(&fake);
    let client = fake.rest_client().build().unwrap();
    // While Jane exists her alias is taken.
    let err = client
        .users()
        .create(
            &NewUser::new(email("jd@example.com"), UserType::User)
                .names("John", "Dee")
                .password(UserPassword::new("Temp@1234")),
        )
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    client
        .users()
        .delete(&email("JANE@example.com"), Irreversible)
        .await
        .unwrap();
    assert!(fake.user_json("jane@example.com").is_none());
    assert!(fake.members("grp_001").is_empty());
    // The alias went with her.
    client
        .users()
        .create(
            &NewUser::new(email("jd@example.com"), UserType::User)
                .names("John", "Dee")
                .password(UserPassword::new("Temp@1234")),
        )
        .await
        .unwrap();
    let err = client
        .users()
        .get(&email("jane@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test(start_paused = true)]
async fn offboard_runs_the_deprovisioning_scenario() {
    let fake = FakeEssentials::start().await;
    seed_jane(&fake);
    let client = fake.rest_client().build().unwrap();
    let before = fake.requests().len();
    let report = client
        .users()
        .offboard(&email("jane@example.com"), Irreversible)
        .await
        .unwrap();
    assert!(report.verified_gone);
    assert!(
        report.group_failures.is_empty(),
        "{:?}",
        report.group_failures
    );
    assert_eq!(
        report.groups_removed,
        [
            GroupId::new("grp_001").unwrap(),
            GroupId::new("grp_002").unwrap()
        ]
    );
    assert_eq!(
        report.user.aliases.as_deref(),
        Some(&["jd@example.com".to_owned()][..])
    );
    let calls: Vec<(String, String, u16)> = fake.requests()[before..]
        .iter()
        .map(|r| (r.method.clone(), r.path.clone(), r.status))
        .collect();
    let call = |m: &str, p: &str, s: u16| (m.to_owned(), p.to_owned(), s);
    assert_eq!(
        calls,
        [
            call("GET", "/v2/users/jane%40example.com", 200),
            call(
                "DELETE",
                "/v2/groups/grp_001/members/jane%40example.com",
                204
            ),
            call(
                "DELETE",
                "/v2/groups/grp_002/members/jane%40example.com",
                204
            ),
            call("DELETE", "/v2/users/jane%40example.com", 204),
            call("GET", "/v2/users/jane%40example.com", 404),
        ]
    );
    // Nothing to offboard twice.
    let err = client
        .users()
        .offboard(&email("jane@example.com"), Irreversible)
        .await
        .unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test(start_paused = true)]
async fn offboard_on_the_interface_api_skips_groups() {
    let fake = FakeEssentials::start().await;
    seed_jane(&fake);
    let client = fake.interface_client().build().unwrap();
    let report = client
        .users()
        .offboard(&email("jane@example.com"), Irreversible)
        .await
        .unwrap();
    assert!(report.verified_gone);
    assert!(report.groups_removed.is_empty());
}

#[tokio::test(start_paused = true)]
async fn change_primary_email_reports_losses_then_recreates() {
    let fake = FakeEssentials::start().await;
    seed_jane(&fake);
    fake.register_domain("new.example");
    let client = fake.rest_client().build().unwrap();
    let plan = client
        .users()
        .change_primary_email(&email("jane@example.com"), email("jane@new.example"))
        .await
        .unwrap()
        .password(UserPassword::new("Temp@1234"));
    let losses = plan.losses();
    assert!(losses.contains(&Loss::Aliases(vec!["jd@example.com".into()])));
    assert!(losses.contains(&Loss::Groups(vec!["grp_001".into(), "grp_002".into()])));
    assert!(losses.contains(&Loss::Password));
    assert!(losses.contains(&Loss::UnmodelledFields(vec!["costCenter".into()])));
    // Planning changed nothing.
    assert!(fake.user_json("jane@example.com").is_some());
    assert!(fake.user_json("jane@new.example").is_none());

    let report = plan.execute(Irreversible).await.unwrap();
    assert!(report.old_deletion.is_ok());
    assert_eq!(report.aliases_readded, ["jd@example.com"]);
    assert!(report.aliases_not_readded.is_none());
    assert_eq!(report.groups_readded.len(), 2);
    assert!(report.groups_not_readded.is_empty());
    assert!(fake.user_json("jane@example.com").is_none());
    let new = fake.user_json("jane@new.example").unwrap();
    assert_eq!(new["firstName"], "Jane");
    assert_eq!(new["roles"], json!(["ADMINISTRATOR"]));
    assert_eq!(new["mailboxSize"], 4096);
    assert_eq!(new["aliases"], json!(["jd@example.com"]));
    assert_eq!(new["groups"], json!(["grp_001", "grp_002"]));
    assert!(fake.password_matches("jane@new.example", "Temp@1234"));
}

#[tokio::test(start_paused = true)]
async fn change_primary_email_refuses_unsafe_plans_before_changing_anything() {
    let fake = FakeEssentials::start().await;
    seed_jane(&fake);
    fake.insert_user(json!({"primaryEmail": "taken@example.com", "type": "User"}))
        .unwrap();
    let client = fake.rest_client().build().unwrap();
    let users = client.users();
    let jane = email("jane@example.com");
    for (new, why) in [
        ("taken@example.com", "already exists"),
        ("JD@example.com", "alias"),
        ("Jane@Example.com", "same address"),
    ] {
        let err = users
            .change_primary_email(&jane, email(new))
            .await
            .unwrap_err();
        assert!(err.to_string().contains(why), "{new}: {err}");
    }
    // A create that fails (unregistered domain) leaves the old user in place.
    let plan = users
        .change_primary_email(&jane, email("jane@unregistered.example"))
        .await
        .unwrap()
        .password(UserPassword::new("Temp@1234"));
    let err = plan.execute(Irreversible).await.unwrap_err();
    assert!(
        matches!(
            err.vendor_code::<ErrorCode>(),
            Some(ErrorCode::DomainNotRegistered { .. })
        ),
        "{err:?}"
    );
    assert!(fake.user_json("jane@example.com").is_some());
}

#[tokio::test(start_paused = true)]
async fn unregistered_domains_are_typed_on_both_surfaces() {
    let fake = FakeEssentials::start().await;
    for client in [
        fake.rest_client().build().unwrap(),
        fake.interface_client().build().unwrap(),
    ] {
        let user_type = match client.surface() {
            proofpoint_essentials::Surface::RestV2 => UserType::User,
            _ => UserType::EndUser,
        };
        let err = client
            .users()
            .create(
                &NewUser::new(email("a@elsewhere.example"), user_type)
                    .names("Ann", "Elsewhere")
                    .password(UserPassword::new("Temp@1234")),
            )
            .await
            .unwrap_err();
        match err.vendor_code::<ErrorCode>() {
            Some(ErrorCode::DomainNotRegistered { domain }) => {
                assert_eq!(domain, "elsewhere.example")
            }
            other => panic!("{other:?} {err:?}"),
        }
        assert!(err.to_string().contains("admin console"), "{err}");
    }
}

#[tokio::test(start_paused = true)]
async fn interface_batch_against_the_fake_continues_past_failures() {
    let fake = FakeEssentials::start().await;
    fake.insert_user(json!({"primaryEmail": "dup@example.com", "type": "end_user"}))
        .unwrap();
    let client = fake.interface_client().batch_size(2).build().unwrap();
    let report = client
        .users()
        .bulk_create(
            [
                "a@example.com",
                "dup@example.com",
                "b@nowhere.example",
                "c@example.com",
            ]
            .map(|e| BulkUser::new(NewUser::new(email(e), UserType::EndUser))),
        )
        .send()
        .await;
    let created: Vec<&str> = report
        .created()
        .map(|u| u.primary_email().as_str())
        .collect();
    assert_eq!(created, ["a@example.com", "c@example.com"]);
    let r = &report.results;
    assert_eq!(r[1].user.as_ref().unwrap_err().status(), Some(409));
    assert_eq!(
        r[2].user.as_ref().unwrap_err().unregistered_domain(),
        Some("nowhere.example")
    );
    assert!(matches!(r[2].user, Err(CreateError::Rejected(_))));
    // Two batches of two.
    let posts = fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 2);
}

#[tokio::test(start_paused = true)]
async fn interface_me_endpoints_and_discovery_against_the_fake() {
    let fake = FakeEssentials::start().await;
    let client = fake.interface_client().build().unwrap();
    let me = client.me().await.unwrap();
    assert_eq!(me.entity_primary_domain.as_deref(), Some("example.com"));
    let discovered = fake.interface_client().discover().await.unwrap();
    assert_eq!(discovered.stack(), Some(&fake.stack()));
    let users: Vec<_> = discovered
        .users()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(users.is_empty());
}

#[tokio::test(start_paused = true)]
async fn awkward_emails_travel_as_one_path_segment() {
    let fake = FakeEssentials::start().await;
    fake.register_domain("bücher.example");
    let client = fake.rest_client().build().unwrap();
    for raw in [
        "a/b@example.com",
        "q?x=1@example.com",
        "hash#tag@example.com",
        "100%real@example.com",
        "first+last@example.com",
        "UPPER.Case@Example.COM",
        "jörg@bücher.example",
    ] {
        let e = email(raw);
        client
            .users()
            .create(
                &NewUser::new(e.clone(), UserType::User)
                    .names("Awkward", "Address")
                    .password(UserPassword::new("Temp@1234")),
            )
            .await
            .unwrap();
        let got = client.users().get(&e).await.unwrap();
        assert_eq!(got.primary_email(), &e, "{raw}");
        client
            .users()
            .update(&e, |u| u.first_name = Some("X".into()))
            .await
            .unwrap();
        client.users().delete(&e, Irreversible).await.unwrap();
        assert!(
            client.users().get(&e).await.unwrap_err().is_not_found(),
            "{raw}"
        );
    }
    for r in fake.requests() {
        let email_segment = r.path.rsplit('/').next().unwrap();
        assert!(!email_segment.contains(['?', '#', '+', '@']), "{}", r.path);
        assert!(r.status < 400 || r.status == 404, "{r:?}");
    }
    let p = &fake.requests()[1].path;
    assert_eq!(p, "/v2/users/a%2Fb%40example.com");
}

#[tokio::test(start_paused = true)]
async fn handles_are_owned_and_outlive_the_client() {
    let fake = FakeEssentials::start().await;
    seed_jane(&fake);
    fake.register_domain("new.example");
    let client = fake.rest_client().build().unwrap();
    let (users, groups) = (client.users(), client.groups());
    let bulk = users.bulk_create([BulkUser::new(
        NewUser::new(email("spawned@example.com"), UserType::User)
            .names("Spawned", "Task")
            .password(UserPassword::new("Temp@1234")),
    )
    .group(GroupId::new("grp_002").unwrap())]);
    let plan = users
        .change_primary_email(&email("jane@example.com"), email("jane@new.example"))
        .await
        .unwrap()
        .password(UserPassword::new("Temp@1234"));
    drop(client);
    // Each one moves into its own task (`Send + 'static`) with no client in sight.
    let listed = tokio::spawn(async move {
        users
            .list()
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
            .len()
    });
    let joined = tokio::spawn(async move {
        groups
            .add_member(
                &GroupId::new("grp_001").unwrap(),
                &email("jane@example.com"),
            )
            .await
            .unwrap()
    });
    assert_eq!(listed.await.unwrap(), 1);
    joined.await.unwrap();
    assert!(
        fake.requests().iter().any(|r| r.method == "POST"
            && r.path == "/v2/groups/grp_001/members"
            && r.status < 300),
        "{:?}",
        fake.requests()
    );
    let report = tokio::spawn(bulk.send()).await.unwrap();
    assert!(report.all_succeeded(), "{:?}", report.failed().next());
    assert!(
        fake.members("grp_002")
            .contains(&"spawned@example.com".to_owned())
    );
    let changed = tokio::spawn(plan.execute(Irreversible))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(changed.user.primary_email(), &email("jane@new.example"));
    assert!(fake.user_json("jane@example.com").is_none());
}
