//! The token never appears in `Debug` output (client, builder, token, errors), in error
//! messages, or in anything logged through `tracing` at TRACE level.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use futures::TryStreamExt;
use probo_scim::testing::FakeProbo;
use probo_scim::{Client, ScimToken, User, UserId};

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
        .get(&UserId::new("ABEiM0RVZncAMwAAAaAlZTWoobLD1OX0"))
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
    "https://admin:pw-SECRET@probo.example.com/path?api_key=key-SECRET#frag-SECRET";

#[test]
fn builder_and_client_debug_hide_credentials_in_the_url() {
    for builder in [
        Client::builder()
            .base_url(SECRET_URL)
            .token(ScimToken::new("token-SECRET")),
        Client::builder()
            .scim_url(SECRET_URL)
            .token(ScimToken::new("token-SECRET")),
    ] {
        let debug = format!("{builder:?} | {builder:#?}");
        assert!(!debug.contains("SECRET"), "{debug}");
        // Still useful: where the client would go.
        assert!(debug.contains("https://probo.example.com/path"), "{debug}");
        let err = builder.build().unwrap_err();
        assert!(matches!(err, probo_scim::Error::Config { .. }), "{err:?}");
        let text = error_texts(&err);
        assert!(!text.contains("SECRET"), "{text}");
    }
    // A query alone is refused with the URL shown, redacted.
    let err = Client::builder()
        .base_url("https://probo.example.com?api_key=key-SECRET")
        .token(ScimToken::new("token-SECRET"))
        .build()
        .unwrap_err();
    let text = error_texts(&err);
    assert!(
        !text.contains("SECRET") && text.contains("probo.example.com"),
        "{text}"
    );

    let client = Client::builder()
        .base_url("https://probo.example.com")
        .token(ScimToken::new("token-SECRET"))
        .build()
        .unwrap();
    let debug = format!("{client:?} | {client:#?}");
    assert!(!debug.contains("SECRET"), "{debug}");
    assert!(
        debug.contains("https://probo.example.com/api/connect/v1/scim/2.0"),
        "{debug}"
    );
}

/// A server that echoes every request (headers and body) into its answers: the token
/// never reaches an error, its `Debug`, its sources or the TRACE output.
mod echo {
    use super::*;
    use idgraph_common::testing::{EchoRequest, EchoShape, paused_clock_reqwest_client};
    use idgraph_common::{Error, Jitter, RetryPolicy, TransportSettings};
    use wiremock::matchers::any;
    use wiremock::{Mock, MockServer};

    /// JSON-escaping changes `"` and `\`.
    const TOKEN: &str = r#"probo-SECRET-"tok\/+="#;

    fn assert_no_secret(what: &str, text: &str) {
        for needle in [TOKEN, "SECRET"] {
            assert!(
                !text.contains(needle),
                "{what} contains `{needle}`:\n{text}"
            );
        }
    }

    fn client(server: &MockServer) -> Client {
        // Safe on the paused clock: no attempt timeout, no idle-pool timer, no jitter.
        Client::builder()
            .base_url(server.uri())
            .token(ScimToken::new(TOKEN))
            .transport(
                TransportSettings::new()
                    .no_attempt_timeout()
                    .reqwest_client(paused_clock_reqwest_client())
                    .retry_policy(RetryPolicy::standard().with_jitter(Jitter::None)),
            )
            .build()
            .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn echoed_requests_leave_no_token_in_errors_or_traces() {
        let capture = Capture::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .with_writer(capture.clone())
            .with_ansi(false)
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);

        let cases = [
            (400, EchoShape::ScimDetail, None),
            (401, EchoShape::JsonMessage, None),
            (403, EchoShape::Nested, None),
            (409, EchoShape::OAuthError, None),
            (500, EchoShape::Text, None),
            (502, EchoShape::Html, None),
            (400, EchoShape::Straddle, None),
            (200, EchoShape::JsonEverywhere, None),
            (200, EchoShape::Html, None),
            (200, EchoShape::Straddle, None),
            (429, EchoShape::ScimDetail, Some(1)),
        ];
        for (status, shape, retry_after) in cases {
            let server = MockServer::start().await;
            let mut echo = EchoRequest::new(status, shape);
            if let Some(secs) = retry_after {
                echo = echo.retry_after(secs);
            }
            Mock::given(any()).respond_with(echo).mount(&server).await;
            let c = client(&server);
            let what = format!("{status} {shape:?}");
            let errors = [
                (
                    "get",
                    c.users()
                        .get(&UserId::new("ABEiM0RVZncAMwAAAaAlZTWoobLD1OX0"))
                        .await
                        .unwrap_err(),
                ),
                (
                    "create",
                    c.users()
                        .create(&User::new("echo@example.com"))
                        .await
                        .unwrap_err(),
                ),
                (
                    "list",
                    c.users()
                        .list()
                        .stream()
                        .try_collect::<Vec<User>>()
                        .await
                        .unwrap_err(),
                ),
            ];
            for (op, err) in &errors {
                let expected = match status {
                    200 => matches!(err, Error::Decode(_)),
                    429 => matches!(err, Error::RateLimited { last: Some(_), .. }),
                    _ => matches!(err, Error::Api(_)),
                };
                assert!(expected, "{what} {op}: {err:?}");
                assert_no_secret(&format!("{what} {op}"), &error_texts(err));
            }
            // The server did echo the token, and the errors quote the echo.
            let sent = server.received_requests().await.unwrap();
            assert!(EchoRequest::echo_text(&sent[0]).contains(TOKEN));
            if status != 200 {
                let api = errors[0].1.api().unwrap();
                assert!(api.body_snippet().contains("[redacted]"), "{what}: {api:?}");
            }
        }
        drop(guard);
        let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
        assert!(logs.contains("http.client.attempt"), "{logs}");
        assert_no_secret("the TRACE output", &logs);
    }
}
