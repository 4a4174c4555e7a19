//! OAuth2 client credentials against the fake: one token for many concurrent calls,
//! refreshed before it expires and after the API rejects it.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use futures::TryStreamExt;
use futures::future::join_all;
use hyperproof::testing::{FakeHyperproof, Fault};

#[tokio::test(start_paused = true)]
async fn twenty_concurrent_calls_make_one_token_request() {
    let fake = FakeHyperproof::start().await;
    let client = fake.rest_client().unwrap();
    let calls = (0..20).map(|i| {
        let client = client.clone();
        async move {
            if i % 2 == 0 {
                client
                    .users()
                    .list()
                    .stream()
                    .try_collect::<Vec<_>>()
                    .await
                    .map(|u| u.len())
            } else {
                client
                    .roles()
                    .list()
                    .stream()
                    .try_collect::<Vec<_>>()
                    .await
                    .map(|r| r.len())
            }
        }
    });
    for result in join_all(calls).await {
        assert!(result.unwrap() > 0);
    }
    assert_eq!(fake.token_requests(), 1);
    assert_eq!(client.token_requests(), Some(1));
}

#[tokio::test(start_paused = true)]
async fn an_expiring_token_is_refreshed_before_it_expires() {
    let fake = FakeHyperproof::builder()
        .token_lifetime(Duration::from_secs(300))
        .start()
        .await;
    let client = fake.rest_client().unwrap();
    client.users().me().await.unwrap();
    assert_eq!(fake.token_requests(), 1);

    // Well inside the lifetime: the cached token is used.
    tokio::time::advance(Duration::from_secs(200)).await;
    client.users().me().await.unwrap();
    assert_eq!(fake.token_requests(), 1);

    // Within the refresh skew (30 s before expiry): a new token, before any 401.
    tokio::time::advance(Duration::from_secs(75)).await;
    client.users().me().await.unwrap();
    assert_eq!(fake.token_requests(), 2);
    assert_eq!(client.token_requests(), Some(2));
}

#[tokio::test(start_paused = true)]
async fn a_revoked_token_is_replaced_once_after_a_401() {
    let fake = FakeHyperproof::start().await;
    let client = fake.rest_client().unwrap();
    client
        .groups()
        .list()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    fake.revoke_access_tokens();
    client
        .groups()
        .list()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(fake.token_requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn the_fakes_faults_are_retried_like_the_real_ones() {
    let fake = FakeHyperproof::start().await;
    let client = fake.rest_client().unwrap();
    fake.fail_next_rest(Fault::QuotaExceeded {
        retry_after: Some(Duration::from_secs(3)),
    });
    fake.fail_next_rest(Fault::RateLimited {
        retry_after: Some(Duration::from_secs(4)),
    });
    let start = tokio::time::Instant::now();
    client
        .users()
        .list()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(7));

    fake.fail_next_rest(Fault::Forbidden);
    let err = client
        .users()
        .list()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.is_forbidden(), "{err}");
}

#[tokio::test]
async fn requested_scopes_reach_the_token_endpoint() {
    let fake = FakeHyperproof::start().await;
    let client = fake
        .rest_client_builder()
        .client_credentials(
            fake.client_credentials()
                .with_scopes(["user.read", "group.read"]),
        )
        .build()
        .unwrap();
    client.users().me().await.unwrap();
    assert_eq!(fake.last_token_scopes(), ["user.read", "group.read"]);
}
