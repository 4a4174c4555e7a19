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
