//! No secret (API token, client secret, issued access token, SCIM token) ever appears in
//! `Debug` of a credential, client or builder, in an error's `Display` or `Debug`, or in
//! tracing output captured at TRACE level (the `log` records of the HTTP stack included).
//!
//! `no_secret_in_debug_errors_or_trace_output` installs the global subscriber (so the
//! `log` records of the HTTP stack are captured too); no other test here installs one:
//! the echo tests capture with a subscriber set for their own thread.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::Write;

use futures::TryStreamExt;
use std::sync::{Arc, Mutex};

use hyperproof::scim::NewUser;
use hyperproof::{
    ApiToken, ClientCredentials, ClientSecret, Error, RestClient, ScimClient, ScimToken,
};
use scim_types::UserId;
use support::*;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer};

const ACCESS_TOKEN: &str = "fixture-access-token";

fn secrets() -> [&'static str; 4] {
    [API_TOKEN, CLIENT_SECRET, SCIM_TOKEN, ACCESS_TOKEN]
}

fn assert_clean(what: &str, text: &str) {
    for secret in secrets() {
        assert!(!text.contains(secret), "{what} leaks {secret:?}:\n{text}");
    }
}

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

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

async fn mock_everything(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(json_fixture(200, "token_ok.json"))
        .mount(server)
        .await;
    // One 401 (the client refreshes), one quota 403 (retried), then success.
    Mock::given(method("GET"))
        .and(path("/v1/users/me"))
        .respond_with(json_fixture(401, "error_401_unauthorized.json"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/users/me"))
        .respond_with(json_fixture(403, "error_403_quota.json").insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/users/me"))
        .respond_with(json_fixture(200, "users_me_ok.json"))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/roles"))
        .respond_with(json_fixture(401, "error_401_unauthorized.json"))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/scim/v2/Users"))
        .respond_with(scim_fixture(201, "scim_users_create_ok.json"))
        .mount(server)
        .await;
    Mock::given(method("PATCH"))
        .and(path_regex("^/scim/v2/Users/"))
        .respond_with(scim_fixture(200, "scim_users_deactivate_ok.json"))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/scim/v2/Users/"))
        .respond_with(scim_fixture(401, "scim_error_401_unauthorized.json"))
        .mount(server)
        .await;
}

#[tokio::test]
async fn no_secret_in_debug_errors_or_trace_output() {
    let capture = Capture::default();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(capture.clone())
        .try_init()
        .unwrap();

    // Debug of every credential type.
    let creds = credentials();
    for (what, debug) in [
        (
            "ApiToken",
            format!(
                "{:?} {:#?}",
                ApiToken::new(API_TOKEN),
                ApiToken::new(API_TOKEN)
            ),
        ),
        (
            "ScimToken",
            format!(
                "{:?} {:#?}",
                ScimToken::new(SCIM_TOKEN),
                ScimToken::new(SCIM_TOKEN)
            ),
        ),
        (
            "ClientSecret",
            format!("{:?}", ClientSecret::new(CLIENT_SECRET)),
        ),
        ("ClientCredentials", format!("{creds:?} {creds:#?}")),
    ] {
        assert!(debug.contains("[redacted]"), "{what}: {debug}");
        assert_clean(what, &debug);
    }

    // Debug of the builders and clients.
    let server = MockServer::start().await;
    mock_everything(&server).await;
    let token_builder = rest_builder(&server).api_token(ApiToken::new(API_TOKEN));
    let creds_builder = rest_builder(&server).client_credentials(credentials());
    let scim_builder =
        scim_builder(format!("{}/scim/v2", server.uri())).token(ScimToken::new(SCIM_TOKEN));
    assert_clean(
        "RestClientBuilder",
        &format!("{token_builder:?} {creds_builder:#?}"),
    );
    assert_clean(
        "ScimClientBuilder",
        &format!("{scim_builder:?} {scim_builder:#?}"),
    );
    let by_token: RestClient = token_builder.build().unwrap();
    let by_client: RestClient = creds_builder.build().unwrap();
    let scim = scim_builder.build().unwrap();

    // Calls that fetch a token, retry, refresh after a 401, fail with 401s.
    let mut errors: Vec<Error> = Vec::new();
    by_client.users().me().await.unwrap();
    by_token.users().me().await.unwrap();
    for client in [&by_token, &by_client] {
        let roles = client.roles().list().stream();
        errors.push(roles.try_collect::<Vec<_>>().await.unwrap_err());
    }
    let created = scim
        .users()
        .create(&NewUser::new("new.hire@example.com"))
        .await
        .unwrap();
    scim.users()
        .deactivate(created.id.as_ref().unwrap())
        .await
        .unwrap();
    errors.push(scim.users().get(&UserId::new("x")).await.unwrap_err());
    // Configuration errors about credentials.
    errors.push(
        RestClient::builder()
            .api_token(ApiToken::new(format!("{API_TOKEN}\n")))
            .build()
            .unwrap_err(),
    );
    errors.push(
        ScimClient::builder()
            .scim_url(format!("https://x:{SCIM_TOKEN}@scim.example.com/v2"))
            .token(ScimToken::new(SCIM_TOKEN))
            .build()
            .unwrap_err(),
    );
    errors.push(
        RestClient::builder()
            .client_credentials(ClientCredentials::new(
                CLIENT_ID,
                ClientSecret::new(CLIENT_SECRET),
            ))
            .token_url(format!("http://x:{CLIENT_SECRET}@accounts.example.com/t"))
            .build()
            .unwrap_err(),
    );

    // Clients after use (the token cache is filled).
    assert_clean(
        "clients",
        &format!("{by_token:?} {by_client:#?} {scim:?} {scim:#?}"),
    );
    // The first token, one after the 401 on `me`, one after the 401 on `roles`.
    assert_eq!(by_client.token_requests(), Some(3));

    for (i, e) in errors.iter().enumerate() {
        assert_clean(&format!("error {i} Display"), &e.to_string());
        assert_clean(&format!("error {i} Debug"), &format!("{e:?}"));
    }
    assert!(errors[0].is_unauthorized() && errors[2].is_unauthorized());

    #[cfg(feature = "test-util")]
    {
        let fake = hyperproof::testing::FakeHyperproof::start().await;
        let debug = format!(
            "{fake:?} {:?} {:?}",
            fake.rest_client_builder().api_token(fake.api_token()),
            fake.scim_client().unwrap()
        );
        for secret in [
            "fake-client-secret-0f1e2d3c",
            "fake-api-token-9a8b7c6d",
            "fake-scim-token-5e4f3a2b",
        ] {
            assert!(!debug.contains(secret), "{debug}");
        }
    }

    let captured = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    // The capture really saw the calls, at every level.
    for needle in [
        "hyperproof.users.me",
        "scim.users.create",
        "http.client.attempt",
        "TRACE",
    ] {
        assert!(
            captured.contains(needle),
            "{needle:?} not captured:\n{captured}"
        );
    }
    assert_clean("tracing output", &captured);
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
const SECRET_URL: &str = "https://admin:pw-SECRET@hp.example.com/v1?api_key=key-SECRET#frag-SECRET";

fn assert_no_marker(what: &str, text: &str) {
    assert!(
        !text.contains("SECRET"),
        "{what} shows a credential:\n{text}"
    );
}

#[test]
fn builder_and_client_debug_hide_credentials_in_urls() {
    let creds = || ClientCredentials::new(CLIENT_ID, ClientSecret::new("client-SECRET"));
    // REST: the base URL, the token URL, and both.
    for builder in [
        RestClient::builder()
            .api_token(ApiToken::new("api-SECRET"))
            .base_url(SECRET_URL),
        RestClient::builder()
            .client_credentials(creds())
            .token_url(SECRET_URL),
        RestClient::builder()
            .client_credentials(creds())
            .base_url(SECRET_URL)
            .token_url(SECRET_URL),
    ] {
        let debug = format!("{builder:?} | {builder:#?}");
        assert_no_marker("RestClientBuilder Debug", &debug);
        assert!(debug.contains("https://hp.example.com/v1"), "{debug}");
        let err = builder.build().unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err:?}");
        assert_no_marker("RestClientBuilder::build error", &error_texts(&err));
    }
    // SCIM.
    let builder = ScimClient::builder()
        .scim_url(SECRET_URL)
        .token(ScimToken::new("scim-SECRET"));
    let debug = format!("{builder:?} | {builder:#?}");
    assert_no_marker("ScimClientBuilder Debug", &debug);
    assert!(debug.contains("https://hp.example.com/v1"), "{debug}");
    let err = builder.build().unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert_no_marker("ScimClientBuilder::build error", &error_texts(&err));
    // A query or fragment alone: refused, the URL shown redacted.
    for url in [
        "https://hp.example.com/v1?api_key=key-SECRET",
        "https://hp.example.com/v1#frag-SECRET",
    ] {
        let err = ScimClient::builder()
            .scim_url(url)
            .token(ScimToken::new("scim-SECRET"))
            .build()
            .unwrap_err();
        let text = error_texts(&err);
        assert_no_marker("SCIM URL error", &text);
        assert!(text.contains("https://hp.example.com/v1"), "{text}");
        let err = RestClient::builder()
            .client_credentials(creds())
            .token_url(url)
            .build()
            .unwrap_err();
        let text = error_texts(&err);
        assert_no_marker("token URL error", &text);
        assert!(text.contains("https://hp.example.com/v1"), "{text}");
    }

    // Built clients: clean URLs, secret credentials.
    let by_token = RestClient::builder()
        .api_token(ApiToken::new("api-SECRET"))
        .base_url("https://hp.example.com/v1")
        .build()
        .unwrap();
    let by_client = RestClient::builder()
        .client_credentials(creds())
        .token_url("https://hp.example.com/oauth/token")
        .build()
        .unwrap();
    let scim = ScimClient::builder()
        .scim_url("https://hp.example.com/scim/v2")
        .token(ScimToken::new("scim-SECRET"))
        .build()
        .unwrap();
    let debug =
        format!("{by_token:?} {by_token:#?} {by_client:?} {by_client:#?} {scim:?} {scim:#?}");
    assert_no_marker("client Debug", &debug);
    for shown in [
        "https://hp.example.com/v1",
        "https://hp.example.com/oauth/token",
        "https://hp.example.com/scim/v2",
    ] {
        assert!(debug.contains(shown), "{shown} in {debug}");
    }
}

/// Servers (API and token endpoint) that echo every request (headers and body) into their
/// answers: no credential reaches an error, its `Debug`, its sources or the TRACE output.
#[cfg(feature = "test-util")]
mod echo {
    use super::*;
    use base64::Engine as _;
    use hyperproof::ClientAuthMethod;
    use hyperproof::rest::NewGroup;
    use idgraph_common::testing::{EchoRequest, EchoShape};
    use idgraph_common::{Jitter, RetryPolicy};
    use wiremock::ResponseTemplate;
    use wiremock::matchers::any;

    // Characters that JSON-, form- and HTML-encoding change.
    const E_API_TOKEN: &str = r#"rest-api-SECRET-"tok\/+="#;
    const E_CLIENT_SECRET: &str = r#"client-SECRET-"s/+ &=%x'"#;
    const E_ACCESS_TOKEN: &str = "access-SECRET-hp.42";
    const E_SCIM_TOKEN: &str = r#"scim-SECRET-"tok\<"#;

    fn form(s: &str) -> String {
        url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
    }

    fn assert_no_secret(what: &str, text: &str) {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            form(CLIENT_ID),
            form(E_CLIENT_SECRET)
        ));
        for needle in [
            E_API_TOKEN,
            E_CLIENT_SECRET,
            E_ACCESS_TOKEN,
            E_SCIM_TOKEN,
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

    fn capture() -> (Capture, tracing::subscriber::DefaultGuard) {
        let capture = Capture::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(FmtSpan::FULL)
            .with_ansi(false)
            .with_writer(capture.clone())
            .finish();
        (
            capture.clone(),
            tracing::subscriber::set_default(subscriber),
        )
    }

    fn captured(capture: &Capture) -> String {
        String::from_utf8(capture.0.lock().unwrap().clone()).unwrap()
    }

    fn rest_clients(server: &MockServer) -> Vec<(&'static str, RestClient)> {
        let creds = || ClientCredentials::new(CLIENT_ID, ClientSecret::new(E_CLIENT_SECRET));
        vec![
            (
                "api token",
                rest_builder(server)
                    .api_token(ApiToken::new(E_API_TOKEN))
                    .transport(paused_transport().retry_policy(exact()))
                    .build()
                    .unwrap(),
            ),
            (
                "client credentials (form body)",
                rest_builder(server)
                    .client_credentials(creds())
                    .transport(paused_transport().retry_policy(exact()))
                    .build()
                    .unwrap(),
            ),
            (
                "client credentials (Basic)",
                rest_builder(server)
                    .client_credentials(creds())
                    .token_client_auth(ClientAuthMethod::BasicAuth)
                    .transport(paused_transport().retry_policy(exact()))
                    .build()
                    .unwrap(),
            ),
        ]
    }

    fn cases() -> Vec<(u16, EchoShape, Option<u64>)> {
        vec![
            (400, EchoShape::JsonMessage, None),
            (401, EchoShape::JsonMessage, None),
            (403, EchoShape::Nested, None),
            (404, EchoShape::ScimDetail, None),
            (409, EchoShape::OAuthError, None),
            (500, EchoShape::Text, None),
            (502, EchoShape::Html, None),
            (400, EchoShape::Straddle, None),
            (200, EchoShape::JsonEverywhere, None),
            (200, EchoShape::Html, None),
            (200, EchoShape::Straddle, None),
            (429, EchoShape::JsonMessage, Some(1)),
        ]
    }

    fn expected(status: u16, err: &Error) -> bool {
        match status {
            200 => matches!(err, Error::Decode(_)),
            429 => matches!(err, Error::RateLimited { last: Some(_), .. }),
            _ => matches!(err, Error::Api(_)),
        }
    }

    async fn echo_server(status: u16, shape: EchoShape, retry_after: Option<u64>) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "access_token": E_ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600
            })))
            .with_priority(1)
            .mount(&server)
            .await;
        let mut echo = EchoRequest::new(status, shape);
        if let Some(secs) = retry_after {
            echo = echo.retry_after(secs);
        }
        Mock::given(any()).respond_with(echo).mount(&server).await;
        server
    }

    #[tokio::test(start_paused = true)]
    async fn rest_echoes_leave_no_secret_in_errors_or_traces() {
        let (capture, guard) = capture();
        for (status, shape, retry_after) in cases() {
            let server = echo_server(status, shape, retry_after).await;
            for (name, client) in rest_clients(&server) {
                let what = format!("REST {name}, {status} {shape:?}");
                let results = [
                    ("me", client.users().me().await.err()),
                    (
                        "users",
                        client
                            .users()
                            .list()
                            .stream()
                            .try_collect::<Vec<_>>()
                            .await
                            .err(),
                    ),
                    (
                        "create group",
                        client.groups().create(&NewGroup::new("Echo")).await.err(),
                    ),
                ];
                // `Me` and `Group` read leniently (every field optional but the id), so
                // an echo in every field decodes as one: only the listing must fail then.
                let lenient = (status, shape) == (200, EchoShape::JsonEverywhere);
                for (op, err) in &results {
                    let Some(err) = err else {
                        assert!(lenient && *op != "users", "{what} {op} succeeded");
                        continue;
                    };
                    assert!(expected(status, err), "{what} {op}: {err:?}");
                    assert_no_secret(&format!("{what} {op}"), &error_texts(err));
                }
                let sent = server.received_requests().await.unwrap();
                assert!(EchoRequest::echo_text(sent.last().unwrap()).contains("SECRET"));
            }
        }
        drop(guard);
        let traces = captured(&capture);
        assert!(traces.contains("http.client.attempt"), "{traces}");
        assert_no_secret("the TRACE output", &traces);
    }

    #[tokio::test(start_paused = true)]
    async fn echoing_token_endpoints_leave_no_secret_in_errors_or_traces() {
        let (capture, guard) = capture();
        for (status, shape) in [
            (400, EchoShape::OAuthError),
            (401, EchoShape::OAuthError),
            (400, EchoShape::Nested),
            (401, EchoShape::Html),
            (401, EchoShape::Straddle),
            (500, EchoShape::Text),
            (503, EchoShape::JsonMessage),
            (200, EchoShape::JsonEverywhere),
        ] {
            let server = MockServer::start().await;
            Mock::given(path("/oauth/token"))
                .respond_with(EchoRequest::new(status, shape))
                .mount(&server)
                .await;
            for (name, client) in rest_clients(&server).into_iter().skip(1) {
                let what = format!("REST {name}, token endpoint {status} {shape:?}");
                let err = client.users().me().await.unwrap_err();
                assert!(!matches!(err, Error::Transport { .. }), "{what}: {err:?}");
                if matches!(status, 400 | 401) {
                    assert!(
                        err.is_unauthorized() || err.status() == Some(400),
                        "{what}: {err:?}"
                    );
                }
                assert_no_secret(&what, &error_texts(&err));
                let sent = server.received_requests().await.unwrap();
                assert!(EchoRequest::echo_text(sent.last().unwrap()).contains("SECRET"));
            }
        }
        drop(guard);
        let traces = captured(&capture);
        assert!(traces.contains("http.client.operation"), "{traces}");
        assert_no_secret("the TRACE output", &traces);
    }

    #[tokio::test(start_paused = true)]
    async fn scim_echoes_leave_no_secret_in_errors_or_traces() {
        let (capture, guard) = capture();
        for (status, shape, retry_after) in cases() {
            let server = echo_server(status, shape, retry_after).await;
            let scim = scim_builder(format!("{}/scim/v2", server.uri()))
                .token(ScimToken::new(E_SCIM_TOKEN))
                .transport(paused_transport().retry_policy(exact()))
                .build()
                .unwrap();
            let what = format!("SCIM {status} {shape:?}");
            let errors = [
                (
                    "get",
                    scim.users().get(&UserId::new("u1")).await.unwrap_err(),
                ),
                (
                    "create",
                    scim.users()
                        .create(&NewUser::new("echo@example.com"))
                        .await
                        .unwrap_err(),
                ),
            ];
            for (op, err) in &errors {
                assert!(expected(status, err), "{what} {op}: {err:?}");
                assert_no_secret(&format!("{what} {op}"), &error_texts(err));
            }
            let sent = server.received_requests().await.unwrap();
            assert!(EchoRequest::echo_text(&sent[0]).contains(E_SCIM_TOKEN));
        }
        drop(guard);
        let traces = captured(&capture);
        assert!(traces.contains("scim.users.create"), "{traces}");
        assert_no_secret("the TRACE output", &traces);
    }
}
