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
            &NewUser::new(email.clone(), UserType::User)
                .names("New", "Person")
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
        .transport(fake.transport().retry_policy(RetryPolicy::disabled()))
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
        .transport(fake.transport().retry_policy(RetryPolicy::disabled()))
        .build()
        .unwrap();
    let err = wrong_real.me().await.unwrap_err();
    assert!(err.is_unauthorized());
    assert_clean(&format!("{err} {err:?}"));
    let err = client
        .users()
        .create(
            &NewUser::new(
                PrimaryEmail::new("x@nowhere.example").unwrap(),
                UserType::User,
            )
            .names("No", "Where")
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

/// Everything an error shows: `Display`, `Debug`, pretty `Debug`, and the same for every
/// `source()` in its chain.
fn error_texts(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = format!("{err} | {err:?} | {err:#?}");
    let mut next = err.source();
    while let Some(source) = next {
        out.push_str(&format!(" | source: {source} | {source:?} | {source:#?}"));
        next = source.source();
    }
    out
}

/// A URL with a credential in each of its user info, query and fragment.
const SECRET_URL: &str =
    "https://admin:pw-SECRET@proxy.example.net/api?api_key=key-SECRET#frag-SECRET";

fn assert_no_marker(what: &str, text: &str) {
    assert!(
        !text.contains("SECRET"),
        "{what} shows a credential:\n{text}"
    );
}

#[test]
fn builder_client_and_stack_debug_hide_credentials_in_urls() {
    // REST surface: the base URL.
    let rest = Client::builder()
        .base_url(SECRET_URL)
        .api_key(ApiKey::new("key-SECRET"))
        .api_secret(ApiSecret::new("secret-SECRET"));
    let debug = format!("{rest:?} | {rest:#?}");
    assert_no_marker("REST builder Debug", &debug);
    assert!(debug.contains("https://proxy.example.net/api"), "{debug}");
    let err = rest.build().unwrap_err();
    assert!(
        matches!(err, proofpoint_essentials::Error::Config { .. }),
        "{err:?}"
    );
    assert_no_marker("REST build error", &error_texts(&err));

    // Interface API: a custom stack, as a URL and as a bare host with user info and query.
    for (raw, shown) in [
        (SECRET_URL, "https://proxy.example.net/api"),
        (
            "admin:pw-SECRET@proxy.example.net/api?api_key=key-SECRET#frag-SECRET",
            "proxy.example.net/api",
        ),
    ] {
        let stack = Stack::custom(raw);
        let texts = format!("{stack} | {stack:?} | {stack:#?}");
        assert_no_marker("Stack Display/Debug", &texts);
        assert!(texts.contains(shown), "{texts}");
        let builder = Client::builder()
            .stack(stack)
            .org_domain("example.com")
            .admin_user(AdminUser::new("admin-SECRET@example.com"))
            .admin_password(AdminPassword::new("pass-SECRET"));
        let debug = format!("{builder:?} | {builder:#?}");
        assert_no_marker("interface builder Debug", &debug);
        assert!(debug.contains(shown), "{debug}");
        let err = builder.build().unwrap_err();
        assert!(
            matches!(err, proofpoint_essentials::Error::Config { .. }),
            "{err:?}"
        );
        assert_no_marker("interface build error", &error_texts(&err));
    }
    // Public stacks show as before.
    assert_eq!(format!("{:?} {}", Stack::Us2, Stack::Us2), "Us2 us2");
    assert_eq!(
        format!("{:?}", Stack::custom("http://127.0.0.1:4000")),
        "Custom(\"http://127.0.0.1:4000\")"
    );

    // Built clients: clean URLs, secret credentials.
    let rest = Client::builder()
        .base_url("https://proxy.example.net/v2")
        .api_key(ApiKey::new("key-SECRET"))
        .api_secret(ApiSecret::new("secret-SECRET"))
        .build()
        .unwrap();
    let real = Client::builder()
        .stack(Stack::custom("https://proxy.example.net"))
        .org_domain("example.com")
        .admin_user(AdminUser::new("admin-SECRET@example.com"))
        .admin_password(AdminPassword::new("pass-SECRET"))
        .build()
        .unwrap();
    let debug = format!("{rest:?} {rest:#?} {real:?} {real:#?}");
    assert_no_marker("client Debug", &debug);
    assert!(debug.contains("https://proxy.example.net/v2"), "{debug}");
    assert!(
        debug.contains("https://proxy.example.net/api/v1"),
        "{debug}"
    );
}

/// A server that echoes every request (headers and body) into its answers, on both
/// surfaces: no credential, and no user password sent in a body, reaches an error, its
/// `Debug`, its sources or the TRACE output.
mod echo {
    use super::*;
    use base64::Engine as _;
    use futures::TryStreamExt as _;
    use idgraph_common::Jitter;
    use idgraph_common::testing::{EchoRequest, EchoShape, paused_clock_reqwest_client};
    use proofpoint_essentials::{BulkUser, Error, TransportSettings, User};
    use serde_json::json;
    use wiremock::matchers::any;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    // Characters that JSON-, form- and HTML-encoding change.
    const E_KEY: &str = r#"rest-key-SECRET-"k\"#;
    const E_SECRET: &str = r#"rest-secret-SECRET-\"s/+ü"#;
    const E_ADMIN: &str = "admin-SECRET@example.com";
    const E_ADMIN_PASSWORD: &str = r#"admin-pw-SECRET-"&<p>'"#;
    const E_USER_PASSWORD: &str = r#"user-pw-SECRET-"p&<\"#;

    fn assert_no_secret(what: &str, text: &str) {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{E_KEY}:{E_SECRET}"));
        for needle in [
            E_KEY,
            E_SECRET,
            E_ADMIN,
            E_ADMIN_PASSWORD,
            E_USER_PASSWORD,
            "SECRET",
            &basic,
            &basic[..16],
        ] {
            assert!(
                !text.contains(needle),
                "{what} contains `{needle}`:\n{text}"
            );
        }
    }

    fn exact() -> RetryPolicy {
        RetryPolicy::standard().with_jitter(Jitter::None)
    }

    fn transport() -> TransportSettings {
        TransportSettings::new()
            .retry_policy(exact())
            .no_attempt_timeout()
            .reqwest_client(paused_clock_reqwest_client())
    }

    fn clients(server: &MockServer) -> Vec<(&'static str, Client)> {
        vec![
            (
                "REST",
                Client::builder()
                    .base_url(format!("{}/v2", server.uri()))
                    .api_key(ApiKey::new(E_KEY))
                    .api_secret(ApiSecret::new(E_SECRET))
                    .transport(transport().no_rate_limiter())
                    .build()
                    .unwrap(),
            ),
            (
                "interface",
                Client::builder()
                    .stack(Stack::custom(server.uri()))
                    .org_domain("example.com")
                    .admin_user(AdminUser::new(E_ADMIN))
                    .admin_password(AdminPassword::new(E_ADMIN_PASSWORD))
                    .transport(transport())
                    .build()
                    .unwrap(),
            ),
        ]
    }

    /// A user with a password, of a type the surface knows.
    fn new_user(surface: &str) -> NewUser {
        let kind = match surface {
            "REST" => UserType::User,
            _ => UserType::EndUser,
        };
        NewUser::new(PrimaryEmail::new("echo@example.com").unwrap(), kind)
            .password(UserPassword::new(E_USER_PASSWORD))
    }

    fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
        let logs = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .with_writer(logs.clone())
            .with_ansi(false)
            .finish();
        (logs, tracing::subscriber::set_default(subscriber))
    }

    fn text(logs: &Captured) -> String {
        String::from_utf8(logs.0.lock().unwrap().clone()).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn echoed_requests_leave_no_secret_in_errors_or_traces() {
        let (logs, guard) = capture();
        let email = PrimaryEmail::new("echo@example.com").unwrap();
        let cases = [
            (400, EchoShape::JsonMessage, None),
            (401, EchoShape::Nested, None),
            (403, EchoShape::OAuthError, None),
            (404, EchoShape::ScimDetail, None),
            (500, EchoShape::Text, None),
            (502, EchoShape::Html, None),
            (400, EchoShape::Straddle, None),
            (200, EchoShape::JsonEverywhere, None),
            (200, EchoShape::Html, None),
            (200, EchoShape::Straddle, None),
            (429, EchoShape::JsonMessage, Some(1)),
        ];
        for (status, shape, retry_after) in cases {
            let server = MockServer::start().await;
            let mut echo = EchoRequest::new(status, shape);
            if let Some(secs) = retry_after {
                echo = echo.retry_after(secs);
            }
            Mock::given(any()).respond_with(echo).mount(&server).await;
            for (surface, client) in clients(&server) {
                let what = format!("{surface} {status} {shape:?}");
                let mut results = vec![
                    ("get", client.users().get(&email).await.err()),
                    (
                        "create",
                        client.users().create(&new_user(surface)).await.err(),
                    ),
                    (
                        "list",
                        client
                            .users()
                            .list()
                            .stream()
                            .try_collect::<Vec<User>>()
                            .await
                            .err(),
                    ),
                ];
                if surface == "interface" {
                    results.push(("me", client.me().await.err()));
                }
                // Users are read leniently (everything but the email is optional and
                // kept as is), so an echo in every field may read as a user: only the
                // listing must fail then.
                let lenient = (status, shape) == (200, EchoShape::JsonEverywhere);
                for (op, err) in &results {
                    let Some(err) = err else {
                        assert!(lenient && *op != "list", "{what} {op} succeeded");
                        continue;
                    };
                    let expected = match status {
                        200 => matches!(err, Error::Decode(_)),
                        429 => matches!(err, Error::RateLimited { last: Some(_), .. }),
                        _ => matches!(err, Error::Api(_)),
                    };
                    assert!(expected, "{what} {op}: {err:?}");
                    assert_no_secret(&format!("{what} {op}"), &error_texts(err));
                }
                let report = client
                    .users()
                    .bulk_create([BulkUser::new(new_user(surface))])
                    .send()
                    .await;
                if !lenient {
                    // (A lenient read succeeds with whatever the server sent: data, not
                    // an error.)
                    assert_eq!(report.failed().count(), 1, "{what}: {report:?}");
                    assert_no_secret(&format!("{what} bulk"), &format!("{report:?} {report:#?}"));
                }
                for (_, why) in report.failed() {
                    assert_no_secret(&format!("{what} bulk"), &error_texts(why));
                }
            }
            let sent = server.received_requests().await.unwrap();
            let echoed: String = sent.iter().map(EchoRequest::echo_text).collect();
            // (The password travels JSON-escaped in the body.)
            assert!(echoed.contains("user-pw-SECRET") && echoed.contains(E_ADMIN));
        }
        drop(guard);
        let traces = text(&logs);
        assert!(
            traces.contains("proofpoint_essentials.users.create"),
            "{traces}"
        );
        assert_no_secret("the TRACE output", &traces);
    }

    /// The interface API's batch create answers 200 with per-user `errors[]`: a server
    /// that echoes the request into those messages.
    #[tokio::test(start_paused = true)]
    async fn echoed_requests_in_batch_errors_leave_no_secret() {
        let (logs, guard) = capture();
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(|req: &wiremock::Request| {
                ResponseTemplate::new(200).set_body_json(json!({
                    "users": [],
                    "errors": [{
                        "status": 400,
                        "error_message": EchoRequest::echo_text(req),
                        "identifier": "echo@example.com",
                    }],
                }))
            })
            .mount(&server)
            .await;
        let (_, client) = clients(&server).pop().unwrap();
        let err = client
            .users()
            .create(&new_user("interface"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Api(_)), "{err:?}");
        assert_no_secret("create refused in errors[]", &error_texts(&err));
        let report = client
            .users()
            .bulk_create([BulkUser::new(new_user("interface"))])
            .send()
            .await;
        assert_eq!(report.failed().count(), 1);
        assert_no_secret("bulk report", &format!("{report:?} {report:#?}"));
        for (_, why) in report.failed() {
            assert_no_secret("bulk rejection", &error_texts(why));
        }
        drop(guard);
        assert_no_secret("the TRACE output", &text(&logs));
    }

    /// A PUT (update, here with a new password) refused by a server that echoes it.
    #[tokio::test(start_paused = true)]
    async fn an_echoed_update_leaves_no_password_in_the_error() {
        use wiremock::matchers::method;
        let (logs, guard) = capture();
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(|req: &wiremock::Request| {
                let interface = req.url.path().starts_with("/api/v1");
                let key = if interface {
                    "primary_email"
                } else {
                    "primaryEmail"
                };
                ResponseTemplate::new(200).set_body_json(json!({ key: "echo@example.com" }))
            })
            .mount(&server)
            .await;
        Mock::given(method("PUT"))
            .respond_with(EchoRequest::new(400, EchoShape::Nested))
            .mount(&server)
            .await;
        let email = PrimaryEmail::new("echo@example.com").unwrap();
        for (surface, client) in clients(&server) {
            let err = client
                .users()
                .update(&email, |u| {
                    u.password = Some(UserPassword::new(E_USER_PASSWORD))
                })
                .await
                .unwrap_err();
            assert!(matches!(err, Error::Api(_)), "{surface}: {err:?}");
            assert_no_secret(&format!("{surface} update"), &error_texts(&err));
        }
        let sent = server.received_requests().await.unwrap();
        let puts: Vec<_> = sent.iter().filter(|r| r.method.as_str() == "PUT").collect();
        assert_eq!(puts.len(), 2);
        assert!(
            puts.iter()
                .all(|r| EchoRequest::echo_text(r).contains("user-pw-SECRET"))
        );
        drop(guard);
        assert_no_secret("the TRACE output", &text(&logs));
    }
}
