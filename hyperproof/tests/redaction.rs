//! No secret (API token, client secret, issued access token, SCIM token) ever appears in
//! `Debug` of a credential, client or builder, in an error's `Display` or `Debug`, or in
//! tracing output captured at TRACE level (the `log` records of the HTTP stack included).
//!
//! One test per binary: it installs the global subscriber.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::Write;
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
use wiremock::{Mock, MockServer, ResponseTemplate};

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
        .respond_with(ResponseTemplate::new(204))
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
    let scim_builder = ScimClient::builder(format!("{}/scim/v2", server.uri()))
        .token(ScimToken::new(SCIM_TOKEN))
        .configure_http(paused_clock_http);
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
    by_client.users().me().send().await.unwrap();
    by_token.users().me().send().await.unwrap();
    errors.push(by_token.roles().list().await.unwrap_err());
    errors.push(by_client.roles().list().await.unwrap_err());
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
        ScimClient::builder(format!("https://x:{SCIM_TOKEN}@scim.example.com/v2"))
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
