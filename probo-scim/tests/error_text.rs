//! Caller input that an error quotes is escaped and bounded (a forged log line or a
//! megabyte of input never reaches a log through an error message).
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use probo_scim::testing::FakeProbo;
use probo_scim::{Error, RetryPolicy, TransportSettings, User};
use scim_types::Email;

/// 10,000 characters with a line break, a carriage return and an ANSI escape.
fn hostile() -> String {
    format!(
        "evil\n2026-12-01 INFO forged log line\u{1b}[2J\r{}@example.com",
        "x".repeat(10_000)
    )
}

fn assert_escaped_and_bounded(err: &Error) {
    let text = err.to_string();
    assert!(
        !text.chars().any(char::is_control),
        "unescaped control character in {text:?}"
    );
    assert!(text.contains("evil\\n2026-12-01 INFO"), "{text}");
    assert!(text.contains("\\u{1b}[2J\\r"), "{text}");
    // The hint and two quoted addresses of at most 120 characters each.
    assert!(text.chars().count() < 600, "{} characters", text.len());
}

#[tokio::test]
async fn replace_quotes_the_refused_email_escaped_and_bounded() {
    let probo = FakeProbo::start().await;
    let users = probo
        .client_builder()
        .transport(TransportSettings::new().retry_policy(RetryPolicy::disabled()))
        .build()
        .unwrap()
        .users();
    let created = users
        .create(&User::new("before@example.com"))
        .await
        .unwrap()
        .into_user();
    let id = created.id.clone().unwrap();

    let mut other_email = created.clone();
    other_email.emails = vec![Email::work(hostile()).with_primary(true)];
    let err = users.replace(&id, &other_email).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert!(err.to_string().contains("the email from"), "{err}");
    assert_escaped_and_bounded(&err);

    let err = users.replace(&id, &User::new(hostile())).await.unwrap_err();
    assert!(err.to_string().contains("userName from"), "{err}");
    assert_escaped_and_bounded(&err);
}
