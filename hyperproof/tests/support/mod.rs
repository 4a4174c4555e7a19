//! Helpers shared by the integration tests.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::time::Duration;

use hyperproof::{
    ApiToken, ClientCredentials, ClientSecret, RestClient, RestClientBuilder, ScimClient,
    ScimClientBuilder, TransportSettings,
};
use wiremock::{MockServer, ResponseTemplate};

pub const API_TOKEN: &str = "fixture-api-token-7c1d";
pub const CLIENT_ID: &str = "0123456789abcdef0123456789abcdef";
pub const CLIENT_SECRET: &str = "fixture-client-secret-3e9a";
pub const SCIM_TOKEN: &str = "fixture-scim-token-5b2f";

/// A fixture from this crate's `tests/fixtures/hyperproof/`.
pub fn fixture(name: &str) -> String {
    let p = format!(
        "{}/tests/fixtures/hyperproof/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// A JSON response with a fixture body.
pub fn json_fixture(status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(fixture(name), "application/json")
}

/// A SCIM JSON response with a fixture body.
pub fn scim_fixture(status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(fixture(name), "application/scim+json")
}

/// No attempt timeout and no idle-pool timer: safe on tokio's paused clock. Add knobs
/// to it (`.transport()` replaces the whole value).
pub fn paused_transport() -> TransportSettings {
    TransportSettings::new()
        .no_attempt_timeout()
        .reqwest_client(
            reqwest::Client::builder()
                .pool_idle_timeout(None)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        )
}

/// A REST builder pointed at `server` (`/v1`, token at `/oauth/token`), paused-clock
/// safe (token requests included).
pub fn rest_builder(server: &MockServer) -> RestClientBuilder {
    RestClient::builder()
        .base_url(format!("{}/v1", server.uri()))
        .token_url(format!("{}/oauth/token", server.uri()))
        .transport(paused_transport())
}

/// A SCIM builder for `url`, paused-clock safe, with no token yet.
pub fn scim_builder(url: impl Into<String>) -> ScimClientBuilder {
    ScimClient::builder()
        .scim_url(url)
        .transport(paused_transport())
}

pub fn api_token_client(server: &MockServer) -> RestClient {
    rest_builder(server)
        .api_token(ApiToken::new(API_TOKEN))
        .build()
        .unwrap()
}

pub fn credentials() -> ClientCredentials {
    ClientCredentials::new(CLIENT_ID, ClientSecret::new(CLIENT_SECRET)).with_scope("user.read")
}

pub fn client_credentials_client(server: &MockServer) -> RestClient {
    rest_builder(server)
        .client_credentials(credentials())
        .build()
        .unwrap()
}

/// Elapsed time on tokio's (paused) clock while running `f`.
pub async fn timed<T>(f: impl std::future::Future<Output = T>) -> (T, Duration) {
    let start = tokio::time::Instant::now();
    let out = f.await;
    (out, start.elapsed())
}
