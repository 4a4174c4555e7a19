//! `FakeProbo` behaviours that no checklist item covers: the cross-origin guard, ids and
//! tokens shaped like Probo's, and failure injection.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use probo_scim::testing::{Failure, FakeProbo};
use probo_scim::{RetryPolicy, TransportSettings, User, UserId};

#[tokio::test]
async fn non_get_requests_with_a_foreign_origin_are_403() {
    let probo = FakeProbo::start().await;
    let token = probo.scim_fake().token().unwrap();
    let http = reqwest::Client::new();
    let post = |origin: Option<&'static str>| {
        let mut req = http
            .post(format!("{}/Users", probo.scim_url()))
            .bearer_auth(&token)
            .header("content-type", "application/scim+json")
            .body(r#"{"userName":"o@example.com"}"#);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        req.send()
    };
    let denied = post(Some("https://evil.example.com")).await.unwrap();
    assert_eq!(denied.status(), 403);
    assert_eq!(
        denied.text().await.unwrap(),
        "{\"error\":\"cross-origin request denied\"}\n"
    );
    assert!(probo.users().is_empty(), "nothing was created");
    // A GET with an Origin is fine; so is a POST without one.
    let get = http
        .get(format!("{}/Users", probo.scim_url()))
        .bearer_auth(&token)
        .header("origin", "https://evil.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 200);
    assert_eq!(post(None).await.unwrap().status(), 201);
}

#[tokio::test]
async fn ids_and_tokens_look_like_probo_s() {
    let probo = FakeProbo::start().await;
    let token = probo.scim_fake().token().unwrap();
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let u = probo.insert_user(User::new("gid@example.com"));
    let id = u.id.unwrap().into_string();
    assert_eq!(id.len(), 32);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    // Anything that is not a GID is a 404 naming it.
    let err = probo
        .client()
        .unwrap()
        .users()
        .get(&UserId::new("abc"))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(
        err.scim_error().unwrap().detail.as_deref(),
        Some("Resource abc not found.")
    );
}

#[tokio::test]
async fn injected_failures_reach_the_client() {
    let probo = FakeProbo::start().await;
    probo.fail_next(Failure::status(503).on_method("GET"));
    let client = probo
        .client_builder()
        .transport(TransportSettings::new().retry_policy(RetryPolicy::disabled()))
        .build()
        .unwrap();
    let err = client
        .users()
        .find_by_user_name("x@example.com")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(err.is_retryable());
    assert_eq!(
        client
            .users()
            .find_by_user_name("x@example.com")
            .await
            .unwrap(),
        None
    );
}
