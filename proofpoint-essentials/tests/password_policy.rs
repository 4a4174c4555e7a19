//! The password policy of new accounts: the strict fake refuses a REST create without a
//! password, and a directory sync of 20 people converges through `UserDirectory`
//! (no password shows anywhere: `password_leaks.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod password_support;
use password_support::{people, rest, strict_fake, sync};

use std::collections::HashSet;

use futures::TryStreamExt;
use idgraph_common::ExposeSecret;
use idgraph_common::graph::{DirectoryUser, Outcome, SyncPolicy, UserDirectory, plan};
use proofpoint_essentials::{
    GENERATED_PASSWORD_LENGTH, Irreversible, NewUser, PasswordPolicy, PrimaryEmail, UserPassword,
    UserType,
};
use serde_json::json;

#[tokio::test(start_paused = true)]
async fn the_strict_fake_refuses_a_rest_create_without_a_password() {
    let (fake, clock) = strict_fake().await;
    let client = rest(&fake, &clock, None);
    let e = PrimaryEmail::new("nopw@example.com").unwrap();
    for new in [
        NewUser::new(e.clone(), UserType::User).names("No", "Password"),
        NewUser::new(e.clone(), UserType::User)
            .names("No", "Password")
            .password(UserPassword::new("")),
    ] {
        let err = client.users().create(&new).await.unwrap_err();
        assert!(err.is_bad_request(), "{err:?}");
        assert!(err.to_string().contains("password"), "{err}");
    }
    assert_eq!(fake.user_count(), 0);
    // The interface API takes a create without one.
    let iface = fake.interface_client().build().unwrap();
    iface
        .users()
        .create(&NewUser::new(e, UserType::EndUser))
        .await
        .unwrap();
    assert_eq!(fake.user_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_strict_fake_refuses_a_rest_create_without_both_names() {
    let (fake, clock) = strict_fake().await;
    let client = rest(&fake, &clock, None);
    let e = PrimaryEmail::new("nonames@example.com").unwrap();
    let pw = || UserPassword::new("Temp@1234");
    for (new, missing) in [
        (
            NewUser::new(e.clone(), UserType::User).password(pw()),
            "firstName",
        ),
        (
            NewUser::new(e.clone(), UserType::User)
                .first_name("Only")
                .password(pw()),
            "lastName",
        ),
        (
            NewUser::new(e.clone(), UserType::User)
                .names(" ", "Blank")
                .password(pw()),
            "firstName",
        ),
    ] {
        let err = client.users().create(&new).await.unwrap_err();
        assert!(err.is_bad_request(), "{err:?}");
        assert!(err.to_string().contains(missing), "{err}");
    }
    assert_eq!(fake.user_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_directory_create_without_names_is_refused_before_anything_is_sent() {
    let (fake, clock) = strict_fake().await;
    let client = rest(&fake, &clock, None);
    for (person, missing) in [
        (
            DirectoryUser::new("anon@example.com"),
            "no given_name and no family_name",
        ),
        (
            DirectoryUser::new("half@example.com").with_names("Half", ""),
            "no family_name",
        ),
    ] {
        let err = client.create_user(&person).await.unwrap_err();
        assert!(
            matches!(err, idgraph_common::Error::InvalidInput { .. }),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains(missing), "{text}");
        assert!(text.contains(person.email().as_str()), "{text}");
    }
    assert!(
        fake.requests().iter().all(|r| r.method != "POST"),
        "{:?}",
        fake.requests()
    );
    // The same people with names are created.
    let named = DirectoryUser::new("anon@example.com").with_names("Ann", "Onymous");
    client.create_user(&named).await.unwrap();
    assert_eq!(fake.user_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_sync_with_one_nameless_person_creates_the_others_and_names_the_one_it_could_not() {
    let (fake, clock) = strict_fake().await;
    let client = rest(&fake, &clock, None);
    let mut src = people(3);
    src.push(DirectoryUser::new("nameless@example.com"));

    let report = sync(&client, &src).await;
    let counts = report.counts();
    assert_eq!((counts.done, counts.failed), (3, 1), "{report}");
    let failed: Vec<_> = report.failures().collect();
    assert_eq!(failed[0].email.as_str(), "nameless@example.com");
    match &failed[0].outcome {
        Outcome::Failed { error } => {
            assert!(
                error.contains("no given_name and no family_name"),
                "{error}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.user_count(), 3);
    assert!(fake.user_json("nameless@example.com").is_none());
}

#[tokio::test(start_paused = true)]
async fn a_directory_sync_of_twenty_people_converges_on_the_strict_fake() {
    let (fake, clock) = strict_fake().await;
    let client = rest(&fake, &clock, None);
    assert!(client.password_policy().is_generated(), "the default");
    let src = people(20);

    let report = sync(&client, &src).await;
    assert!(report.is_success(), "{report}");
    assert_eq!(report.counts().done, 20, "{report}");
    assert_eq!(fake.user_count(), 20);
    assert_eq!(fake.members("grp_001").len(), 10);
    assert_eq!(fake.members("grp_002").len(), 10);
    // Every create carried a password and the server took it the first time.
    let posts: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/v2/users")
        .collect();
    assert_eq!(posts.len(), 20);
    assert!(posts.iter().all(|r| r.status == 201), "{posts:?}");
    // Each person got a distinct password that meets the complexity rules.
    let mut seen = HashSet::new();
    for p in &src {
        let pw = fake.password_of(p.email().as_str()).unwrap();
        let pw = pw.secret().expose_secret().to_owned();
        assert_eq!(pw.len(), GENERATED_PASSWORD_LENGTH);
        assert!(pw.chars().any(|c| c.is_ascii_uppercase()));
        assert!(pw.chars().any(|c| c.is_ascii_lowercase()));
        assert!(pw.chars().any(|c| c.is_ascii_digit()));
        assert!(pw.chars().any(|c| !c.is_ascii_alphanumeric()));
        assert!(seen.insert(pw), "two people share a generated password");
    }

    // The next plan is a no-op.
    let target: Vec<DirectoryUser> = client.list_users().try_collect().await.unwrap();
    let again = plan(&src, &target, client.catalog(), &SyncPolicy::default());
    assert!(again.is_noop(), "{again}");
}

#[tokio::test(start_paused = true)]
async fn a_supplied_policy_sets_each_persons_password_on_both_surfaces() {
    let (fake, clock) = strict_fake().await;
    let policy =
        PasswordPolicy::per_user(|u| UserPassword::new(format!("Pw-{}!", u.email().key())));
    let client = rest(&fake, &clock, Some(policy.clone()));
    let report = sync(&client, &people(3)).await;
    assert!(report.is_success(), "{report}");
    for i in 0..3 {
        let e = format!("person{i:02}@example.com");
        assert!(fake.password_matches(&e, &format!("Pw-{e}!")), "{e}");
    }

    // Interface API: the supplied password is sent; the generated default sends none.
    let iface = fake
        .interface_client()
        .password_policy(policy)
        .build()
        .unwrap();
    iface
        .create_user(&DirectoryUser::new("sam@example.com"))
        .await
        .unwrap();
    assert!(fake.password_matches("sam@example.com", "Pw-sam@example.com!"));
    let iface = fake.interface_client().build().unwrap();
    iface
        .create_user(&DirectoryUser::new("kim@example.com"))
        .await
        .unwrap();
    assert!(fake.user_json("kim@example.com").is_some());
    assert!(fake.password_of("kim@example.com").is_none());

    // An empty supplied password is refused before anything is sent.
    let sent = fake.requests().len();
    let empty = rest(
        &fake,
        &clock,
        Some(PasswordPolicy::per_user(|_| UserPassword::new(""))),
    );
    let err = empty
        .create_user(&DirectoryUser::new("lee@example.com").with_names("Lee", "Empty"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("empty password"), "{err}");
    assert_eq!(fake.requests().len(), sent);
}

#[tokio::test(start_paused = true)]
async fn an_email_change_on_rest_needs_a_password_and_changes_nothing_without_one() {
    let (fake, clock) = strict_fake().await;
    fake.register_domain("new.example");
    fake.insert_user(json!({"primaryEmail": "jane@example.com", "type": "User"}))
        .unwrap();
    let client = rest(&fake, &clock, None);
    let plan = client
        .users()
        .change_primary_email(
            &PrimaryEmail::new("jane@example.com").unwrap(),
            PrimaryEmail::new("jane@new.example").unwrap(),
        )
        .await
        .unwrap();
    let sent = fake.requests().len();
    let err = plan.execute(Irreversible).await.unwrap_err();
    assert!(
        err.to_string().contains("EmailChangePlan::password"),
        "{err}"
    );
    assert_eq!(fake.requests().len(), sent, "nothing was sent");
    assert!(fake.user_json("jane@example.com").is_some());
}
