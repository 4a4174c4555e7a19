//! A create does not list every user: K creates after one listing are K writes, and what
//! Probo did (new, took over, renamed) is still reported truthfully.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use futures::TryStreamExt;
use idgraph_common::graph::{CreateKind, DirectoryUser, UserDirectory};
use probo_scim::testing::{FakeProbo, RecordedRequest};
use probo_scim::{CreateOutcome, User};

fn is_listing(r: &RecordedRequest) -> bool {
    r.method == "GET" && r.path.ends_with("/Users")
}

fn is_write(r: &RecordedRequest) -> bool {
    matches!(r.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
}

/// Requests received after the first `skip`.
fn since(probo: &FakeProbo, skip: usize) -> Vec<RecordedRequest> {
    probo.requests().into_iter().skip(skip).collect()
}

fn seed(probo: &FakeProbo, n: usize) {
    for i in 0..n {
        probo.insert_user(
            User::new(format!("seed{i}@example.com")).with_external_id(format!("s{i}")),
        );
    }
}

#[tokio::test]
async fn k_creates_after_one_listing_are_k_writes_and_no_listing() {
    let probo = FakeProbo::start().await;
    seed(&probo, 50);
    let manual = probo.insert_manual_user("invited@example.com");
    let client = probo.client().unwrap();
    let listed: Vec<DirectoryUser> = client.list_users().try_collect().await.unwrap();
    assert_eq!(listed.len(), 50);
    let before = probo.request_count();

    const K: usize = 20;
    let mut kinds = Vec::new();
    for i in 0..K {
        let wanted = match i {
            // The link key of a listed user with a new email: Probo renames that user.
            0 => DirectoryUser::new("seed7.new@example.com").with_external_id("s7"),
            // The email of a profile invited by hand: Probo takes it over.
            1 => DirectoryUser::new("invited@example.com").with_external_id("inv"),
            // No link key at all.
            2 => DirectoryUser::new("plain@example.com"),
            _ => {
                DirectoryUser::new(format!("new{i}@example.com")).with_external_id(format!("n{i}"))
            }
        };
        let created = UserDirectory::create_user(&client, &wanted).await.unwrap();
        assert_eq!(created.user.email(), wanted.email());
        kinds.push((
            created.user.app_id().map(str::to_owned).unwrap(),
            created.kind,
        ));
    }

    let sent = since(&probo, before);
    assert_eq!(sent.len(), K, "exactly one request per create: {sent:?}");
    assert!(sent.iter().all(is_write), "only writes");
    assert!(!sent.iter().any(is_listing), "no listing");

    let seed7 = listed
        .iter()
        .find(|u| u.email().as_str() == "seed7@example.com")
        .unwrap();
    assert_eq!(
        kinds[0].0,
        seed7.app_id().map(str::to_owned).unwrap(),
        "same account"
    );
    assert_eq!(
        kinds[0].1,
        CreateKind::Renamed {
            previous_email: "seed7@example.com".into()
        }
    );
    assert_eq!(
        (kinds[1].0.as_str(), &kinds[1].1),
        (manual.as_str(), &CreateKind::TookOver)
    );
    for (_, kind) in &kinds[2..] {
        assert_eq!(kind, &CreateKind::New);
    }
    assert_eq!(
        probo.users().len(),
        50 + K - 1,
        "the rename made no account"
    );
}

#[tokio::test]
async fn creates_without_a_prior_listing_list_once_in_all() {
    let probo = FakeProbo::start().await;
    seed(&probo, 30);
    let client = probo.client().unwrap();
    let before = probo.request_count();
    const K: usize = 10;
    for i in 0..K {
        let u = User::new(format!("k{i}@example.com")).with_external_id(format!("k{i}"));
        assert!(client.users().create(&u).await.unwrap().is_new());
    }
    // A rename of a user created in this batch is still seen as one.
    let outcome = client
        .users()
        .create(&User::new("k3.renamed@example.com").with_external_id("k3"))
        .await
        .unwrap();
    let CreateOutcome::Renamed {
        previous_user_name, ..
    } = &outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(previous_user_name, "k3@example.com");
    let sent = since(&probo, before);
    assert_eq!(sent.iter().filter(|r| is_listing(r)).count(), 1, "{sent:?}");
    assert_eq!(sent.iter().filter(|r| is_write(r)).count(), K + 1);
    assert_eq!(sent.len(), K + 2);

    // Clones share the record.
    let clone = client.clone();
    let n = probo.request_count();
    clone
        .users()
        .create(&User::new("clone@example.com").with_external_id("c1"))
        .await
        .unwrap();
    assert_eq!(probo.request_count(), n + 1);
}

#[tokio::test]
async fn changes_made_by_someone_else_after_the_listing_never_read_as_new() {
    let probo = FakeProbo::start().await;
    let ours = probo.client().unwrap();
    let _: Vec<DirectoryUser> = ours.list_users().try_collect().await.unwrap();
    // Another tool creates a user after our listing.
    let theirs = probo.client().unwrap();
    let other = theirs
        .users()
        .create(&User::new("old@example.com").with_external_id("x1"))
        .await
        .unwrap()
        .into_user();
    // Our create with the same link key renames that user: an account we never saw.
    let created = UserDirectory::create_user(
        &ours,
        &DirectoryUser::new("new@example.com").with_external_id("x1"),
    )
    .await
    .unwrap();
    assert_eq!(created.user.app_id(), other.id.as_ref().map(|i| i.as_str()));
    assert_eq!(
        created.kind,
        CreateKind::TookOver,
        "an existing account, not a new one"
    );
}

#[tokio::test(start_paused = true)]
async fn an_old_record_is_refreshed_by_one_listing() {
    let probo = FakeProbo::start().await;
    seed(&probo, 5);
    // The fake's own transport is paused-clock safe.
    let client = probo.client().unwrap();
    let _: Vec<DirectoryUser> = client.list_users().try_collect().await.unwrap();
    let listings = |p: &FakeProbo| p.requests().iter().filter(|r| is_listing(r)).count();
    client
        .users()
        .create(&User::new("a@example.com").with_external_id("a"))
        .await
        .unwrap();
    assert_eq!(listings(&probo), 1);
    tokio::time::advance(Duration::from_secs(16 * 60)).await;
    client
        .users()
        .create(&User::new("b@example.com").with_external_id("b"))
        .await
        .unwrap();
    assert_eq!(
        listings(&probo),
        2,
        "a record older than 15 minutes is listed again"
    );
    client
        .users()
        .create(&User::new("c@example.com").with_external_id("c"))
        .await
        .unwrap();
    assert_eq!(listings(&probo), 2);
}
