//! No secret (bearer token, password, API key, client secret, issued access token) ever
//! appears in `Debug` or `Display` of a client, builder, provider or error, nor in
//! anything the transport traces, even at TRACE level and on failing calls.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use idgraph_common::auth::{
    AuthProvider, Basic, Bearer, ClientAuthMethod, HeaderPair, OAuth2ClientCredentials,
};
use idgraph_common::{Error, HttpClient, RateLimiter, SecretString};
use serde_json::json;
use support::{client, oauth2};
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::util::SubscriberInitExt as _;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const BEARER: &str = "bearer-SECRET-7f3a";
const BASIC_USER: &str = "basic-user-SECRET-91";
const BASIC_PASSWORD: &str = "basic-password-SECRET-c2";
const PAIR_USER: &str = "pair-user-SECRET-44";
const PAIR_PASSWORD: &str = "pair-password-SECRET-d9";
const CLIENT_SECRET: &str = "client-secret-SECRET-e5";
const ACCESS_TOKEN: &str = "access-token-SECRET-0b";

/// Every secret, and the encodings in which it could travel (Basic headers).
fn needles() -> Vec<String> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let mut v: Vec<String> = [
        BEARER,
        BASIC_USER,
        BASIC_PASSWORD,
        PAIR_USER,
        PAIR_PASSWORD,
        CLIENT_SECRET,
        ACCESS_TOKEN,
        "SECRET",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    v.push(b64(&format!("{BASIC_USER}:{BASIC_PASSWORD}")));
    v.push(b64(&format!("oauth-client:{CLIENT_SECRET}")));
    v
}

fn assert_clean(what: &str, text: &str) {
    for needle in needles() {
        assert!(
            !text.contains(&needle),
            "{what} contains the secret `{needle}`:\n{text}"
        );
    }
}

/// A writer into a shared buffer, for the fmt layer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s)
}

fn providers(server: &MockServer) -> Vec<(&'static str, Arc<dyn AuthProvider>)> {
    let token_url = format!("{}/oauth/token", server.uri());
    vec![
        ("bearer", Arc::new(Bearer::new(secret(BEARER)))),
        (
            "basic",
            Arc::new(Basic::new(secret(BASIC_USER), secret(BASIC_PASSWORD))),
        ),
        (
            "header pair",
            Arc::new(HeaderPair::x_user_x_password(
                secret(PAIR_USER),
                secret(PAIR_PASSWORD),
            )),
        ),
        (
            "oauth2 body",
            Arc::new(
                oauth2(&token_url, "oauth-client", CLIENT_SECRET)
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "oauth2 basic",
            Arc::new(
                oauth2(&token_url, "oauth-client", CLIENT_SECRET)
                    .client_auth(ClientAuthMethod::BasicAuth)
                    .build()
                    .unwrap(),
            ),
        ),
    ]
}

async fn mount_api(server: &MockServer) {
    Mock::given(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": ACCESS_TOKEN, "token_type": "bearer", "expires_in": 3600}),
        ))
        .mount(server)
        .await;
    Mock::given(path("/ok"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "1"})))
        .mount(server)
        .await;
    Mock::given(path("/denied"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "nope"})))
        .mount(server)
        .await;
    Mock::given(path("/broken"))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>oops</html>"))
        .mount(server)
        .await;
    Mock::given(path("/throttled"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .mount(server)
        .await;
    Mock::given(path("/flaky"))
        .respond_with(ResponseTemplate::new(503))
        .mount(server)
        .await;
    Mock::given(path("/garbage"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{\"id\": ", "application/json"))
        .mount(server)
        .await;
}

#[tokio::test(start_paused = true)]
async fn secrets_never_reach_debug_display_or_traces() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    let captured = Captured::default();
    let writer = captured.clone();
    let _guard = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_span_events(FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish()
        .set_default();

    let mut strings = Vec::new();
    let refused = format!("http://127.0.0.1:{}", support::refused_port());
    for (name, auth) in providers(&server) {
        let builder = client(&server)
            .auth_shared(auth.clone())
            .rate_limiter(RateLimiter::per_second(1000).unwrap());
        strings.push((format!("{name}: builder"), format!("{builder:?}")));
        strings.push((format!("{name}: provider"), format!("{auth:?} {auth:#?}")));
        let c = builder.build().unwrap();
        strings.push((format!("{name}: client"), format!("{c:?} {c:#?}")));

        let ok = c.get(["ok"]).query("q", "x").send().await.unwrap();
        strings.push((format!("{name}: response"), format!("{ok:?}")));
        for p in ["denied", "broken", "throttled", "flaky"] {
            let err = c.get([p]).send().await.unwrap_err();
            strings.push((
                format!("{name}: {p}"),
                format!("{err} | {err:?} | {err:#?}"),
            ));
        }
        let err = c
            .get(["garbage"])
            .send_json::<serde_json::Value>()
            .await
            .unwrap_err();
        strings.push((format!("{name}: decode"), format!("{err} | {err:?}")));

        let offline = support::client_for(&refused)
            .auth_shared(auth)
            .build()
            .unwrap();
        let err = offline.post(["users"]).send().await.unwrap_err();
        strings.push((format!("{name}: refused"), format!("{err} | {err:?}")));
        if let Some(source) = std::error::Error::source(&err) {
            strings.push((format!("{name}: source"), format!("{source} | {source:?}")));
        }
    }
    for (what, text) in &strings {
        assert_clean(what, text);
    }

    let traces = captured.text();
    assert_clean("the captured traces", &traces);
    // The capture did see the transport's spans and events (so the check above means
    // something), with the fields operators need.
    #[cfg(feature = "tracing")]
    {
        assert!(traces.contains("http.client.operation"), "{traces}");
        assert!(traces.contains("http.client.attempt"), "{traces}");
        assert!(traces.contains("retrying"), "{traces}");
        assert!(traces.contains("url.path=/denied"), "{traces}");
        // The default operation name is "METHOD /path".
        assert!(traces.contains("otel.name=GET /denied"), "{traces}");
        assert!(traces.contains("http.response.status_code=401"), "{traces}");
    }
    // The query string (which may carry personal data) is not traced either.
    assert!(!traces.contains("q=x"), "{traces}");
}

#[test]
fn builders_configs_and_secret_types_redact_in_debug() {
    let token_url = "https://auth.example.com/oauth/token";
    let oauth_builder =
        OAuth2ClientCredentials::builder(token_url, "oauth-client", secret(CLIENT_SECRET))
            .scope("users.read");
    let oauth = OAuth2ClientCredentials::builder(token_url, "oauth-client", secret(CLIENT_SECRET))
        .build()
        .unwrap();
    let builder = HttpClient::builder()
        .base_url("https://api.example.com/v1")
        .auth(oauth.clone());
    let texts = [
        format!("{oauth_builder:?}"),
        format!("{oauth:?} {oauth:#?}"),
        format!("{builder:?} {builder:#?}"),
        format!("{:?}", secret(BEARER)),
        format!("{:?}", Bearer::new(secret(BEARER))),
        format!(
            "{:?}",
            Basic::new(secret(BASIC_USER), secret(BASIC_PASSWORD))
        ),
        format!(
            "{:?}",
            HeaderPair::x_user_x_password(secret(PAIR_USER), secret(PAIR_PASSWORD))
        ),
    ];
    for t in &texts {
        assert_clean("Debug", t);
    }
    // What is shown is useful: where the token comes from and for which client.
    assert!(texts[1].contains("oauth-client") && texts[1].contains(token_url));
}

#[test]
fn credentials_in_a_base_url_are_refused_without_being_echoed() {
    for url in [
        format!("https://user:{BEARER}@api.example.com/v1"),
        format!("https://api.example.com/v1?api_key={BEARER}"),
        format!("https://api.example.com/v1#{BEARER}"),
        format!("http://api.example.com/v1?token={BEARER}"),
        format!("not a url {BEARER}"),
    ] {
        let builder = HttpClient::builder().base_url(&url);
        let debug = format!("{builder:?}");
        let err = builder.build().unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{url}: {err:?}");
        assert_clean(&format!("error for {url}"), &format!("{err} | {err:?}"));
        assert_clean(&format!("builder Debug for {url}"), &debug);

        let err = OAuth2ClientCredentials::builder(&url, "id", secret("x"))
            .build()
            .unwrap_err();
        assert_clean(
            &format!("OAuth2 error for {url}"),
            &format!("{err} | {err:?}"),
        );
    }
}

#[test]
fn invalid_credentials_are_refused_without_being_echoed() {
    let bad = format!("{BEARER}\r\nX-Injected: 1");
    // Refused by the client's build(), before any request.
    let build = |auth: Arc<dyn AuthProvider>| {
        HttpClient::builder()
            .base_url("https://api.example.com")
            .auth_shared(auth)
            .build()
            .unwrap_err()
    };
    let errors = [
        build(Arc::new(Bearer::new(secret(&bad)))),
        build(Arc::new(HeaderPair::x_user_x_password(
            secret(&bad),
            secret(PAIR_PASSWORD),
        ))),
        build(Arc::new(HeaderPair::x_user_x_password(
            secret(PAIR_USER),
            secret(&bad),
        ))),
    ];
    for err in errors {
        assert!(matches!(err, Error::Config { .. }), "{err:?}");
        assert_clean("credential error", &format!("{err} | {err:?}"));
    }
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
    "https://admin:pw-SECRET@api.example.com/v1?api_key=key-SECRET#frag-SECRET";

#[test]
fn builder_debug_hides_credentials_in_the_url() {
    // The transport's builder, before build() (which refuses the URL).
    let builder = HttpClient::builder()
        .base_url(SECRET_URL)
        .auth(Bearer::new(secret(BEARER)));
    let debug = format!("{builder:?} | {builder:#?}");
    assert_clean("HttpClientBuilder Debug", &debug);
    // What is shown is still useful: where the client would go.
    assert!(debug.contains("https://api.example.com/v1"), "{debug}");
    let err = builder.build().unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert_clean("HttpClientBuilder::build error", &error_texts(&err));

    // The OAuth2 provider's builder, with the same URL as its token URL.
    let oauth = OAuth2ClientCredentials::builder(SECRET_URL, "oauth-client", secret(CLIENT_SECRET));
    let debug = format!("{oauth:?} | {oauth:#?}");
    assert_clean("OAuth2ClientCredentialsBuilder Debug", &debug);
    assert!(debug.contains("https://api.example.com/v1"), "{debug}");
    let err = oauth.build().unwrap_err();
    assert_clean("OAuth2 build error", &error_texts(&err));

    // A query or fragment alone is refused with the URL shown, redacted.
    for url in [
        "https://api.example.com/v1?api_key=key-SECRET",
        "https://api.example.com/v1#frag-SECRET",
        "http://remote.example.com/v1?api_key=key-SECRET",
    ] {
        let err = HttpClient::builder().base_url(url).build().unwrap_err();
        let text = error_texts(&err);
        assert_clean(&format!("build error for {url}"), &text);
        assert!(
            text.contains("api.example.com/v1") || text.contains("remote.example.com/v1"),
            "{text}"
        );
    }

    // Built clients (a clean URL, secret credentials): every provider.
    let clean = "https://api.example.com/v1";
    let token = OAuth2ClientCredentials::builder(clean, "oauth-client", secret(CLIENT_SECRET))
        .build()
        .unwrap();
    let auths: Vec<Arc<dyn AuthProvider>> = vec![
        Arc::new(Bearer::new(secret(BEARER))),
        Arc::new(Basic::new(secret(BASIC_USER), secret(BASIC_PASSWORD))),
        Arc::new(HeaderPair::x_user_x_password(
            secret(PAIR_USER),
            secret(PAIR_PASSWORD),
        )),
        Arc::new(token),
    ];
    for auth in auths {
        let builder = HttpClient::builder().base_url(clean).auth_shared(auth);
        assert_clean("builder Debug", &format!("{builder:?} | {builder:#?}"));
        let client = builder.build().unwrap();
        let debug = format!("{client:?} | {client:#?}");
        assert_clean("client Debug", &debug);
        assert!(debug.contains(clean), "{debug}");
    }
}

#[test]
fn scim_builder_and_client_debug_hide_credentials_in_the_url() {
    use idgraph_common::scim::{ScimClient, ScimToken};

    let builder = ScimClient::builder()
        .base_url(SECRET_URL)
        .token(ScimToken::new(BEARER));
    let debug = format!("{builder:?} | {builder:#?}");
    assert_clean("ScimClientBuilder Debug", &debug);
    assert!(debug.contains("https://api.example.com/v1"), "{debug}");
    // The URL is refused by build(), without being echoed.
    let err = builder.build().unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert_clean("ScimClientBuilder::build error", &error_texts(&err));
    // A query or fragment alone, too.
    for url in [
        "https://api.example.com/v1?api_key=key-SECRET",
        "https://api.example.com/v1#frag-SECRET",
    ] {
        let builder = ScimClient::builder()
            .base_url(url)
            .token(ScimToken::new(BEARER));
        let debug = format!("{builder:?} | {builder:#?}");
        assert_clean(&format!("ScimClientBuilder Debug for {url}"), &debug);
        assert!(debug.contains("https://api.example.com/v1"), "{debug}");
        let err = builder.build().unwrap_err();
        assert_clean(&format!("build error for {url}"), &error_texts(&err));
    }

    // A built client: where it goes, never the token.
    let clean = "https://api.example.com/v1";
    let client = ScimClient::builder()
        .base_url(clean)
        .token(ScimToken::new(BEARER))
        .build()
        .unwrap();
    let debug = format!("{client:?} | {client:#?}");
    assert_clean("ScimClient Debug", &debug);
    assert!(debug.contains(clean), "{debug}");
    let users = client.users();
    assert_clean("ScimClient users handle Debug", &format!("{users:?}"));
}

/// A server that echoes the request (every header, the body, a form body decoded) into
/// its answer, in every shape an error can quote: no credential the client sent, in any
/// form it could come back in, reaches an error, its `Debug`, its sources or a trace.
#[cfg(feature = "test-util")]
mod echo {
    use super::*;
    use idgraph_common::testing::{EchoRequest, EchoShape};
    use wiremock::matchers::any;

    // Secrets with characters that JSON-, percent-, form- and HTML-encoding change, so
    // each encoded form differs from the raw one.
    const E_BEARER: &str = r#"bearer-SECRET-"q\x/+="#;
    const E_BASIC_USER: &str = r#"basic-user-SECRET-"u"#;
    const E_BASIC_PASSWORD: &str = r#"basic-pw-SECRET-\"p w/+ü"#;
    const E_PAIR_USER: &str = "pair-user-SECRET@example.com";
    const E_PAIR_PASSWORD: &str = r#"pair-pw-SECRET-"&<p>'"#;
    const E_CLIENT_ID: &str = "echo-client";
    const E_CLIENT_SECRET: &str = r#"client-SECRET-"s/+ &=%x'"#;
    const E_ACCESS_TOKEN: &str = "access-SECRET-tok.3f9";
    /// A secret of the request body (a temporary password), declared `sensitive`.
    const E_REQUEST_SECRET: &str = r#"temp-SECRET-"pw\"#;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn form(s: &str) -> String {
        url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
    }

    /// Each credential, the Basic forms the server received, and the marker every secret
    /// here carries (so a half-scrubbed or re-encoded secret is caught too).
    fn echo_needles() -> Vec<String> {
        let mut v: Vec<String> = [
            E_BEARER,
            E_BASIC_USER,
            E_BASIC_PASSWORD,
            E_PAIR_USER,
            E_PAIR_PASSWORD,
            E_CLIENT_SECRET,
            E_ACCESS_TOKEN,
            E_REQUEST_SECRET,
            "SECRET",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        // The Basic credentials as sent, and their first 16 characters (a snippet cut
        // through a Basic header keeps only a prefix of it).
        for pair in [
            format!("{E_BASIC_USER}:{E_BASIC_PASSWORD}"),
            format!("{}:{}", form(E_CLIENT_ID), form(E_CLIENT_SECRET)),
        ] {
            let encoded = b64(&pair);
            v.push(encoded[..16].to_owned());
            v.push(encoded);
        }
        v
    }

    fn assert_no_secret(what: &str, text: &str) {
        for needle in echo_needles() {
            assert!(
                !text.contains(&needle),
                "{what} contains the secret `{needle}`:\n{text}"
            );
        }
    }

    fn echo_providers(token_url: &str) -> Vec<(&'static str, Arc<dyn AuthProvider>)> {
        vec![
            ("bearer", Arc::new(Bearer::new(secret(E_BEARER)))),
            (
                "basic",
                Arc::new(Basic::new(secret(E_BASIC_USER), secret(E_BASIC_PASSWORD))),
            ),
            (
                "header pair",
                Arc::new(HeaderPair::x_user_x_password(
                    secret(E_PAIR_USER),
                    secret(E_PAIR_PASSWORD),
                )),
            ),
            (
                "oauth2 client_secret_post",
                Arc::new(
                    oauth2(token_url, E_CLIENT_ID, E_CLIENT_SECRET)
                        .build()
                        .unwrap(),
                ),
            ),
            (
                "oauth2 client_secret_basic",
                Arc::new(
                    oauth2(token_url, E_CLIENT_ID, E_CLIENT_SECRET)
                        .client_auth(ClientAuthMethod::BasicAuth)
                        .build()
                        .unwrap(),
                ),
            ),
        ]
    }

    /// What the API answers in each case: status, shape, and a `Retry-After`.
    fn api_cases() -> Vec<(u16, EchoShape, Option<u64>)> {
        vec![
            (400, EchoShape::JsonMessage, None),
            (403, EchoShape::Nested, None),
            (404, EchoShape::ScimDetail, None),
            (409, EchoShape::OAuthError, None),
            (500, EchoShape::Text, None),
            (502, EchoShape::Html, None),
            (400, EchoShape::Straddle, None),
            // A 401 makes an OAuth2 provider fetch a new token and try once more.
            (401, EchoShape::JsonMessage, None),
            // Success statuses whose body is not what was asked for: decode errors.
            (200, EchoShape::JsonEverywhere, None),
            (200, EchoShape::Html, None),
            (200, EchoShape::Straddle, None),
            (200, EchoShape::JsonMessage, None),
            // Throttled on every attempt: `RateLimited { last }` after the retries.
            (429, EchoShape::JsonMessage, Some(1)),
            (429, EchoShape::Html, Some(1)),
        ]
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Thing {
        id: u64,
        active: bool,
    }

    /// The token endpoint answers normally; every other request is echoed.
    async fn echo_server(status: u16, shape: EchoShape, retry_after: Option<u64>) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(path("/oauth/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"access_token": E_ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600}),
            ))
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

    fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
        let captured = Captured::default();
        let writer = captured.clone();
        let guard = tracing_subscriber::fmt()
            .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
            .with_span_events(FmtSpan::FULL)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish()
            .set_default();
        (captured, guard)
    }

    #[tokio::test(start_paused = true)]
    async fn echoed_requests_leave_no_secret_in_errors_or_traces() {
        let (captured, guard) = capture();
        let mut checked = 0;
        for (status, shape, retry_after) in api_cases() {
            let server = echo_server(status, shape, retry_after).await;
            let token_url = format!("{}/oauth/token", server.uri());
            for (name, auth) in echo_providers(&token_url) {
                let c = client(&server).auth_shared(auth).build().unwrap();
                let what = format!("{name}, {status} {shape:?}");
                let get = c
                    .get(["users", "1"])
                    .send_json::<Thing>()
                    .await
                    .unwrap_err();
                let post = c
                    .post(["users"])
                    .json(&json!({"userName": "jane", "password": E_REQUEST_SECRET}))
                    .sensitive(&secret(E_REQUEST_SECRET))
                    .send_json::<Thing>()
                    .await
                    .unwrap_err();
                for (op, err) in [("GET", &get), ("POST", &post)] {
                    let expected = match status {
                        200 => matches!(err, Error::Decode(_)),
                        429 => matches!(err, Error::RateLimited { last: Some(_), .. }),
                        _ => matches!(err, Error::Api(_)),
                    };
                    assert!(expected, "{what} {op}: {err:?}");
                    assert_no_secret(&format!("{what} {op}"), &error_texts(err));
                    checked += 1;
                }
                // The echo really carried the secrets, and the error really quotes it
                // (so the assertions above mean something).
                let sent = support::requests(&server).await;
                let echoed = EchoRequest::echo_text(sent.last().unwrap());
                assert!(echoed.contains("SECRET"), "{echoed}");
                if status != 200 {
                    let api = post.api().unwrap();
                    assert!(api.body_snippet().contains("[redacted]"), "{what}: {api:?}");
                }
            }
        }
        assert_eq!(checked, api_cases().len() * 5 * 2);
        drop(guard);
        let traces = captured.text();
        assert!(traces.contains("http.client.attempt"), "{traces}");
        assert_no_secret("the captured traces", &traces);
    }

    /// The token endpoint echoes its request (the form body with the client secret, or
    /// the Basic header) into its error: the error quotes only RFC 6749's fields, scrubbed.
    #[tokio::test(start_paused = true)]
    async fn echoing_token_endpoints_leave_no_secret_in_errors_or_traces() {
        let (captured, guard) = capture();
        let cases = [
            (400, EchoShape::OAuthError),
            (401, EchoShape::OAuthError),
            (400, EchoShape::Nested),
            (401, EchoShape::Html),
            (400, EchoShape::Straddle),
            (500, EchoShape::Text),
            (503, EchoShape::JsonMessage),
            // A success without a token: a decode error that must not quote the body.
            (200, EchoShape::JsonEverywhere),
            (200, EchoShape::Html),
        ];
        for (status, shape) in cases {
            let server = MockServer::start().await;
            Mock::given(path("/oauth/token"))
                .respond_with(EchoRequest::new(status, shape))
                .mount(&server)
                .await;
            let token_url = format!("{}/oauth/token", server.uri());
            for (name, auth) in echo_providers(&token_url).into_iter().skip(3) {
                let c = client(&server).auth_shared(auth).build().unwrap();
                let err = c.get(["users"]).send().await.unwrap_err();
                let what = format!("{name}, token endpoint {status} {shape:?}");
                assert!(!matches!(err, Error::Transport { .. }), "{what}: {err:?}");
                assert_no_secret(&what, &error_texts(&err));
                let sent = support::requests(&server).await;
                let echoed = EchoRequest::echo_text(sent.last().unwrap());
                assert!(echoed.contains("SECRET"), "{echoed}");
            }
        }
        // A token of another type, whose name echoes the request: the error names it.
        let server = MockServer::start().await;
        Mock::given(path("/oauth/token"))
            .respond_with(|req: &wiremock::Request| {
                ResponseTemplate::new(200).set_body_json(json!({
                    "access_token": E_ACCESS_TOKEN,
                    "token_type": EchoRequest::echo_text(req),
                }))
            })
            .mount(&server)
            .await;
        let token_url = format!("{}/oauth/token", server.uri());
        for (name, auth) in echo_providers(&token_url).into_iter().skip(3) {
            let c = client(&server).auth_shared(auth).build().unwrap();
            let err = c.get(["users"]).send().await.unwrap_err();
            assert!(matches!(err, Error::Config { .. }), "{err:?}");
            assert_no_secret(&format!("{name}, token_type echo"), &error_texts(&err));
        }
        drop(guard);
        let traces = captured.text();
        assert!(traces.contains("http.client.operation"), "{traces}");
        assert_no_secret("the captured traces", &traces);
    }
    /// `idgraph_common::scim::ScimClient` built with a bearer token, against a server
    /// that echoes every request (the `Authorization` header included) into its answer.
    #[tokio::test(start_paused = true)]
    async fn scim_client_token_never_reaches_errors_or_traces() {
        use futures::TryStreamExt as _;
        use idgraph_common::TransportSettings;
        use idgraph_common::scim::{ScimClient, ScimToken};
        use scim_types::{User, UserId};

        const E_SCIM_TOKEN: &str = r#"scim-SECRET-"t\k/+=%20ü"#;
        let (captured, guard) = capture();
        let mut errors = 0;
        for (status, shape, retry_after) in api_cases() {
            let server = echo_server(status, shape, retry_after).await;
            let scim = ScimClient::builder()
                .base_url(server.uri())
                .token(ScimToken::new(E_SCIM_TOKEN))
                .transport(
                    TransportSettings::new()
                        .no_attempt_timeout()
                        .reqwest_client(support::reqwest_client())
                        .retry_policy(support::exact_retry()),
                )
                .build()
                .unwrap();
            let what = format!("ScimClient token, {status} {shape:?}");
            let results = [
                scim.users().get(&UserId::new("u1")).await.map(|_| ()),
                scim.users()
                    .create(&User::new("jane@example.com"))
                    .await
                    .map(|_| ()),
                scim.users()
                    .list()
                    .stream()
                    .try_collect::<Vec<_>>()
                    .await
                    .map(|_| ()),
            ];
            for result in &results {
                match result {
                    Err(err) => {
                        let expected = match status {
                            200 => {
                                matches!(err, Error::Decode(_) | Error::IncompleteListing { .. })
                            }
                            429 => matches!(err, Error::RateLimited { last: Some(_), .. }),
                            _ => matches!(err, Error::Api(_)),
                        };
                        assert!(expected, "{what}: {err:?}");
                        let text = error_texts(err);
                        assert_no_secret(&what, &text);
                        assert!(!text.contains(E_SCIM_TOKEN), "{what}: {text}");
                        errors += 1;
                    }
                    // A lenient decode may read an echo as a resource; only a success
                    // status can do that.
                    Ok(()) => assert_eq!(status, 200, "{what}"),
                }
            }
            // The server did receive the token, and echoed it back.
            let sent = support::requests(&server).await;
            let echoed = EchoRequest::echo_text(sent.last().unwrap());
            assert!(echoed.contains("scim-SECRET"), "{echoed}");
        }
        // Every non-success case is an error for each of the three calls.
        let failing = api_cases().iter().filter(|(s, _, _)| *s != 200).count();
        assert!(errors >= failing * 3, "{errors} errors");
        drop(guard);
        let traces = captured.text();
        assert!(traces.contains("http.client.attempt"), "{traces}");
        assert_no_secret("the captured traces", &traces);
        assert!(!traces.contains("scim-SECRET"), "{traces}");
    }
}

/// A SCIM write that carries a user's password (create, replace, PATCH of `password`)
/// never gets it quoted back by an error, even from a server that echoes the body.
#[cfg(feature = "test-util")]
#[tokio::test(start_paused = true)]
async fn scim_passwords_in_request_bodies_are_never_quoted_back() {
    use idgraph_common::scim::ScimClient;
    use idgraph_common::testing::{EchoRequest, EchoShape};
    use scim_types::{PatchOp, User};

    const PASSWORD: &str = "user-password-SECRET-\"q\"/ü";
    for shape in [
        EchoShape::ScimDetail,
        EchoShape::JsonMessage,
        EchoShape::Text,
    ] {
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(EchoRequest::new(400, shape))
            .mount(&server)
            .await;
        let http = support::client(&server)
            .accept(idgraph_common::scim::SCIM_ACCEPT)
            .build()
            .unwrap();
        let scim = ScimClient::from_http(http);
        let mut user = User::new("new@example.com");
        user.password = Some(PASSWORD.to_owned());
        let id = scim_types::UserId::new("u1");
        let patch = PatchOp::builder()
            .replace("password", PASSWORD)
            .build()
            .unwrap();
        let pathless = PatchOp::builder()
            .replace_value(json!({"password": PASSWORD, "active": true}))
            .build()
            .unwrap();
        let errors = [
            scim.users().create(&user).await.unwrap_err(),
            scim.users().replace(&id, &user).await.unwrap_err(),
            scim.users().patch(&id, &patch).await.unwrap_err(),
            scim.users().patch(&id, &pathless).await.unwrap_err(),
        ];
        // The server did echo it.
        let sent = server.received_requests().await.unwrap();
        assert!(EchoRequest::echo_text(&sent[0]).contains("user-password-SECRET"));
        for err in &errors {
            let text = error_texts(err);
            assert!(!text.contains("user-password-SECRET"), "{shape:?}: {text}");
        }
    }
}
