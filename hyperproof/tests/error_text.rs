//! Caller input this crate's errors quote (a client id, a URL's scheme) is escaped and
//! bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use hyperproof::{ClientCredentials, ClientSecret, Error};
use support::{json_fixture, rest_builder, scim_builder};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// `evil` + a forged log line + 10,000 characters.
fn hostile() -> String {
    format!(
        "evil\n2026-12-01 INFO forged\u{1b}[2J\r{}",
        "x".repeat(10_000)
    )
}

#[tokio::test(start_paused = true)]
async fn a_rejected_client_id_is_quoted_escaped_and_bounded() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(json_fixture(200, "token_ok.json"))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let client = rest_builder(&server)
        .client_credentials(ClientCredentials::new(
            hostile(),
            ClientSecret::new("client-secret"),
        ))
        .build()
        .unwrap();
    let err = client.users().me().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    let text = err.to_string();
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert!(
        text.contains("(client id `evil\\n2026-12-01 INFO forged\\u{1b}[2J\\r"),
        "{text}"
    );
    // The hint's own advice plus at most 120 characters of the id.
    assert!(text.chars().count() < 900, "{} characters", text.len());
}

#[test]
fn a_url_scheme_is_quoted_and_bounded() {
    let err = scim_builder(format!("{}://scim.example.com/v2", "s".repeat(10_000)))
        .token(hyperproof::ScimToken::new("t"))
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("must use https, not `ssss"), "{text}");
    assert!(text.chars().count() < 300, "{} characters", text.len());
}
