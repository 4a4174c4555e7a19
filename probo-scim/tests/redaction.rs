//! The token never appears in `Debug` output (client, builder, token, errors), in error
//! messages, or in anything logged through `tracing` at TRACE level.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use futures::TryStreamExt;
use probo_scim::testing::FakeProbo;
use probo_scim::{Client, ScimToken, User};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

#[tokio::test]
async fn the_token_never_leaks() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let probo = FakeProbo::start().await;
    let secret = probo.scim_fake().token().unwrap();
    assert_eq!(secret.len(), 64);
    let token = probo.token();
    let builder = Client::builder()
        .base_url(probo.base_url())
        .token(token.clone());
    let mut seen = vec![
        format!("{token:?}"),
        format!("{builder:?}"),
        format!("{builder:#?}"),
    ];
    let client = builder.build().unwrap();
    seen.push(format!("{client:?}"));
    seen.push(format!("{client:#?}"));
    seen.push(format!("{:?}", client.users()));
    seen.push(format!("{:?}", client.users().list()));
    seen.push(format!("{probo:?}"));

    // Traffic: successes and errors, all traced.
    let users = client.users();
    let created = users.create(&User::new("trace@example.com")).await.unwrap();
    seen.push(format!("{created:?}"));
    users
        .list()
        .stream()
        .try_collect::<Vec<User>>()
        .await
        .unwrap();
    let conflict = users
        .create(&User::new("trace@example.com"))
        .await
        .unwrap_err();
    seen.push(format!("{conflict} {conflict:?}"));
    probo.rotate_token();
    let unauthorized = users
        .get("ABEiM0RVZncAMwAAAaAlZTWoobLD1OX0")
        .await
        .unwrap_err();
    assert!(unauthorized.is_unauthorized());
    seen.push(format!("{unauthorized} {unauthorized:?}"));
    let config = Client::builder()
        .base_url("https://p.example.com")
        .token(ScimToken::new(format!("{secret}\n")))
        .build()
        .unwrap_err();
    seen.push(format!("{config} {config:?}"));
    // The fake records requests with the Authorization header redacted.
    seen.push(format!("{:?}", probo.requests()));

    drop(_guard);
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("http.client"),
        "tracing output was captured: {logs}"
    );
    seen.push(logs);
    for text in &seen {
        assert!(!text.contains(&secret), "the token leaked into: {text}");
    }
    assert_eq!(format!("{token:?}"), "ScimToken([redacted])");
}
