//! Shared helpers for the integration tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

use proofpoint_essentials::{
    AdminPassword, AdminUser, ApiKey, ApiSecret, Client, RetryPolicy, Stack, TransportSettings,
};
use serde_json::Value;
use wiremock::MockServer;

/// `tests/fixtures/proofpoint/<name>.json` inside this crate.
pub fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/proofpoint")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

pub const KEY: &str = "test-key";
pub const SECRET: &str = "test-secret";
pub const ADMIN: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin-pass";

/// `Basic base64(test-key:test-secret)`.
pub const BASIC: &str = "Basic dGVzdC1rZXk6dGVzdC1zZWNyZXQ=";

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(None)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Transport settings for a plain wiremock server: no attempt timeout, a client without
/// the pool's idle timer (paused-clock tests), and `retry`.
pub fn transport(retry: RetryPolicy) -> TransportSettings {
    TransportSettings::new()
        .retry_policy(retry)
        .no_attempt_timeout()
        .reqwest_client(http())
}

/// A REST client for a plain wiremock server, without retries or a rate limiter.
pub fn rest(server: &MockServer) -> Client {
    Client::builder()
        .base_url(format!("{}/v2", server.uri()))
        .api_key(ApiKey::new(KEY))
        .api_secret(ApiSecret::new(SECRET))
        .transport(transport(RetryPolicy::disabled()).no_rate_limiter())
        .build()
        .unwrap()
}

/// An interface API client for a plain wiremock server, org `example.com`.
pub fn interface(server: &MockServer) -> Client {
    Client::builder()
        .stack(Stack::custom(server.uri()))
        .org_domain("example.com")
        .admin_user(AdminUser::new(ADMIN))
        .admin_password(AdminPassword::new(ADMIN_PASSWORD))
        .transport(transport(RetryPolicy::disabled()))
        .build()
        .unwrap()
}
