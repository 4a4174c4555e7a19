//! Secrets never show: not in `Debug` of the client, builders, credentials or users, not
//! in errors, not in URLs, and not in logs at any level.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use proofpoint_essentials::testing::FakeEssentials;
use proofpoint_essentials::{
    AdminPassword, AdminUser, ApiKey, ApiSecret, Client, NewUser, PrimaryEmail, RetryPolicy, Stack,
    UserPassword, UserType,
};

const SECRETS: &[&str] = &[
    "KEY-sekrit-1",
    "SECRET-sekrit-2",
    "ADMIN-sekrit-3",
    "PASS-sekrit-4",
    "USERPW-sekrit-5",
    "fake-api-secret",
    "fake-admin-password",
];

fn assert_clean(text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "`{s}` leaked in: {text}");
    }
}

#[test]
fn debug_of_credentials_builders_and_clients_is_redacted() {
    let creds = format!(
        "{:?} {:?} {:?} {:?} {:?}",
        ApiKey::new("KEY-sekrit-1"),
        ApiSecret::new("SECRET-sekrit-2"),
        AdminUser::new("ADMIN-sekrit-3"),
        AdminPassword::new("PASS-sekrit-4"),
        UserPassword::new("USERPW-sekrit-5"),
    );
    assert_clean(&creds);
    assert!(creds.contains("[redacted]"));

    let rest_builder = Client::builder()
        .api_key(ApiKey::new("KEY-sekrit-1"))
        .api_secret(ApiSecret::new("SECRET-sekrit-2"));
    assert_clean(&format!("{rest_builder:?} {rest_builder:#?}"));
    let rest = rest_builder.build().unwrap();
    assert_clean(&format!("{rest:?} {rest:#?}"));

    let real_builder = Client::builder()
        .stack(Stack::Eu1)
        .org_domain("example.com")
        .admin_user(AdminUser::new("ADMIN-sekrit-3"))
        .admin_password(AdminPassword::new("PASS-sekrit-4"));
    assert_clean(&format!("{real_builder:?} {real_builder:#?}"));
    let real = real_builder.build().unwrap();
    assert_clean(&format!("{real:?} {real:#?}"));

    let new = NewUser::new(PrimaryEmail::new("a@example.com").unwrap(), UserType::User)
        .password(UserPassword::new("USERPW-sekrit-5"));
    assert_clean(&format!("{new:?} {new:#?}"));
}

#[test]
fn a_credential_that_cannot_be_a_header_is_refused_without_echoing_it() {
    let err = Client::builder()
        .api_key(ApiKey::new("KEY-sekrit-1:SECRET-sekrit-2"))
        .api_secret(ApiSecret::new("SECRET-sekrit-2"))
        .build()
        .unwrap_err();
    assert_clean(&format!("{err} {err:?}"));
    let err = Client::builder()
        .stack(Stack::Us1)
        .org_domain("example.com")
        .admin_user(AdminUser::new("ADMIN-sekrit-3"))
        .admin_password(AdminPassword::new("PASS-sekrit-4\n"))
        .build()
        .unwrap_err();
    assert_clean(&format!("{err} {err:?}"));
}

/// A `MakeWriter` collecting everything logged.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test(start_paused = true)]
async fn passwords_and_credentials_never_reach_logs_errors_or_urls() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let fake = FakeEssentials::start().await;
    let client = fake.rest_client().build().unwrap();
    let email = PrimaryEmail::new("new@example.com").unwrap();
    let user = client
        .users()
        .create(
            NewUser::new(email.clone(), UserType::User)
                .password(UserPassword::new("USERPW-sekrit-5")),
        )
        .await
        .unwrap();
    assert_clean(&format!("{user:?}"));
    let updated = client
        .users()
        .update(&email, |u| {
            u.password = Some(UserPassword::new("USERPW-sekrit-5"))
        })
        .await
        .unwrap();
    assert!(updated.password.is_none());
    assert_clean(&format!("{updated:?}"));
    assert!(fake.password_matches("new@example.com", "USERPW-sekrit-5"));

    // Failures: wrong credentials on both surfaces, and a refused create.
    let wrong = Client::builder()
        .base_url(fake.rest_base_url())
        .api_key(ApiKey::new("KEY-sekrit-1"))
        .api_secret(ApiSecret::new("SECRET-sekrit-2"))
        .retry_policy(RetryPolicy::disabled())
        .reqwest_client(idgraph_common::testing::paused_clock_reqwest_client())
        .no_attempt_timeout()
        .build()
        .unwrap();
    let err = wrong.users().get(&email).await.unwrap_err();
    assert!(err.is_unauthorized());
    assert_clean(&format!("{err} {err:?}"));
    let wrong_real = Client::builder()
        .stack(fake.stack())
        .org_domain("example.com")
        .admin_user(AdminUser::new("ADMIN-sekrit-3"))
        .admin_password(AdminPassword::new("PASS-sekrit-4"))
        .retry_policy(RetryPolicy::disabled())
        .reqwest_client(idgraph_common::testing::paused_clock_reqwest_client())
        .no_attempt_timeout()
        .build()
        .unwrap();
    let err = wrong_real.me().await.unwrap_err();
    assert!(err.is_unauthorized());
    assert_clean(&format!("{err} {err:?}"));
    let err = client
        .users()
        .create(
            NewUser::new(
                PrimaryEmail::new("x@nowhere.example").unwrap(),
                UserType::User,
            )
            .password(UserPassword::new("USERPW-sekrit-5")),
        )
        .await
        .unwrap_err();
    assert_clean(&format!("{err} {err:?}"));

    for r in fake.requests() {
        assert_clean(&r.path);
    }
    assert_clean(&format!("{fake:?}"));
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("proofpoint_essentials.users.create"),
        "spans were logged: {text}"
    );
    assert_clean(&text);
}
