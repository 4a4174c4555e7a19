//! The one builder for both surfaces, through the public API: the settings choose the
//! surface, a mix or a missing setting is an `Error::Config` naming the setters, `build`
//! sends nothing, and the vendor's transport defaults apply unless `TransportSettings`
//! says otherwise.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use futures::TryStreamExt;
use proofpoint_essentials::{
    AdminPassword, AdminUser, ApiKey, ApiSecret, Client, ClientBuilder, Error, RetryPolicy, Stack,
    Surface, TransportSettings,
};
use support::{ADMIN, ADMIN_PASSWORD, KEY, SECRET};
use tokio::time::Instant;
use wiremock::matchers::{any, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Every REST setting, pointed at `server`.
fn rest(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .base_url(format!("{}/v2", server.uri()))
        .api_key(ApiKey::new(KEY))
        .api_secret(ApiSecret::new(SECRET))
}

/// Every required interface API setting, pointed at `server`.
fn interface(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .stack(Stack::custom(server.uri()))
        .org_domain("example.com")
        .admin_user(AdminUser::new(ADMIN))
        .admin_password(AdminPassword::new(ADMIN_PASSWORD))
}

/// A server that fails the test (when dropped) if it receives anything.
async fn silent_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    server
}

fn config_message(result: proofpoint_essentials::Result<Client>) -> String {
    match result {
        Err(e @ Error::Config { .. }) => e.to_string(),
        Err(e) => panic!("expected Error::Config, got {e:?}"),
        Ok(c) => panic!("expected Error::Config, built {c:?}"),
    }
}

#[tokio::test]
async fn mixing_rest_and_interface_settings_is_a_config_error_naming_the_setters() {
    let server = silent_server().await;
    // Each REST setter, on a complete interface builder.
    for (setter, builder) in [
        (
            "ClientBuilder::api_key",
            interface(&server).api_key(ApiKey::new(KEY)),
        ),
        (
            "ClientBuilder::api_secret",
            interface(&server).api_secret(ApiSecret::new(SECRET)),
        ),
        (
            "ClientBuilder::base_url",
            interface(&server).base_url(format!("{}/v2", server.uri())),
        ),
    ] {
        let text = config_message(builder.build());
        assert!(text.contains(setter), "{setter}: {text}");
        for interface_setter in [
            "ClientBuilder::stack",
            "ClientBuilder::org_domain",
            "ClientBuilder::admin_user",
            "ClientBuilder::admin_password",
        ] {
            assert!(
                text.contains(interface_setter),
                "{interface_setter}: {text}"
            );
        }
    }
    // Each interface setter, on a complete REST builder.
    for (setter, builder) in [
        ("ClientBuilder::stack", rest(&server).stack(Stack::Us1)),
        (
            "ClientBuilder::org_domain",
            rest(&server).org_domain("example.com"),
        ),
        (
            "ClientBuilder::admin_user",
            rest(&server).admin_user(AdminUser::new(ADMIN)),
        ),
        (
            "ClientBuilder::admin_password",
            rest(&server).admin_password(AdminPassword::new(ADMIN_PASSWORD)),
        ),
        ("ClientBuilder::batch_size", rest(&server).batch_size(10)),
    ] {
        let text = config_message(builder.build());
        assert!(text.contains(setter), "{setter}: {text}");
        assert!(text.contains("ClientBuilder::api_key"), "{text}");
        assert!(text.contains("ClientBuilder::base_url"), "{text}");
    }
    // `discover` refuses the mix before asking anything.
    let err = interface(&server)
        .api_key(ApiKey::new(KEY))
        .discover()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("ClientBuilder::api_key"), "{err}");
    // The message never shows a credential.
    let text = config_message(
        interface(&server)
            .api_key(ApiKey::new(KEY))
            .api_secret(ApiSecret::new(SECRET))
            .build(),
    );
    for secret in [KEY, SECRET, ADMIN, ADMIN_PASSWORD] {
        assert!(!text.contains(secret), "`{secret}` in: {text}");
    }
}

#[tokio::test]
async fn a_missing_required_setting_names_its_setter() {
    let server = silent_server().await;
    let rest_cases = [
        (
            "ClientBuilder::api_key",
            Client::builder()
                .base_url(format!("{}/v2", server.uri()))
                .api_secret(ApiSecret::new(SECRET)),
        ),
        (
            "ClientBuilder::api_secret",
            Client::builder()
                .base_url(format!("{}/v2", server.uri()))
                .api_key(ApiKey::new(KEY)),
        ),
    ];
    for (setter, builder) in rest_cases {
        let text = config_message(builder.build());
        assert!(text.contains(setter), "{setter}: {text}");
    }
    let full = || interface(&server);
    let interface_cases = [
        (
            "ClientBuilder::stack",
            Client::builder()
                .org_domain("example.com")
                .admin_user(AdminUser::new(ADMIN))
                .admin_password(AdminPassword::new(ADMIN_PASSWORD)),
        ),
        (
            "ClientBuilder::org_domain",
            Client::builder()
                .stack(Stack::custom(server.uri()))
                .admin_user(AdminUser::new(ADMIN))
                .admin_password(AdminPassword::new(ADMIN_PASSWORD)),
        ),
        (
            "ClientBuilder::admin_user",
            Client::builder()
                .stack(Stack::custom(server.uri()))
                .org_domain("example.com")
                .admin_password(AdminPassword::new(ADMIN_PASSWORD)),
        ),
        (
            "ClientBuilder::admin_password",
            Client::builder()
                .stack(Stack::custom(server.uri()))
                .org_domain("example.com")
                .admin_user(AdminUser::new(ADMIN)),
        ),
    ];
    for (setter, builder) in interface_cases {
        let text = config_message(builder.build());
        assert!(text.contains(setter), "{setter}: {text}");
        // Only what is missing is named.
        for given in [
            "ClientBuilder::org_domain",
            "ClientBuilder::admin_user",
            "ClientBuilder::admin_password",
        ] {
            if given != setter {
                assert!(!text.contains(given), "{given} is set: {text}");
            }
        }
    }
    // Nothing set at all: both ways in are named.
    let text = config_message(Client::builder().build());
    assert!(
        text.contains("ClientBuilder::api_key") && text.contains("ClientBuilder::stack"),
        "{text}"
    );
    // The complete builders build, and sent nothing (the server checks on drop).
    assert_eq!(rest(&server).build().unwrap().surface(), Surface::RestV2);
    assert_eq!(full().build().unwrap().surface(), Surface::InterfaceV1);
}

#[test]
fn the_builder_is_clone_must_use_and_redacting() {
    let base = Client::builder()
        .api_key(ApiKey::new("key-SECRET"))
        .api_secret(ApiSecret::new("secret-SECRET"))
        .transport(
            TransportSettings::new()
                .user_agent("agent/1")
                .reqwest_client(support::http()),
        );
    let copy = base.clone();
    let debug = format!("{base:?} {copy:#?}");
    assert!(!debug.contains("SECRET"), "{debug}");
    assert!(debug.contains("agent/1"), "{debug}");
    // A clone is a complete, independent builder.
    let a = base.base_url("https://a.example/v2").build().unwrap();
    let b = copy.base_url("https://b.example/v2").build().unwrap();
    assert_eq!(
        (a.base_url(), b.base_url()),
        ("https://a.example/v2", "https://b.example/v2")
    );
}

async fn list_users_n_times(client: &Client, n: usize) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        let users: Vec<_> = client.users().list().stream().try_collect().await.unwrap();
        assert!(users.is_empty());
    }
    Instant::now() - start
}

#[tokio::test(start_paused = true)]
async fn the_rest_limiter_stays_unless_the_settings_replace_or_remove_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/users"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"users": [], "total": 0})),
        )
        .mount(&server)
        .await;
    // Settings that say nothing about a limiter keep the 100/minute one: a permit
    // every 600 ms.
    let paced = rest(&server)
        .transport(support::transport(RetryPolicy::disabled()))
        .build()
        .unwrap();
    assert_eq!(
        list_users_n_times(&paced, 4).await,
        Duration::from_millis(3 * 600)
    );
    // `no_rate_limiter` removes it.
    let free = rest(&server)
        .transport(support::transport(RetryPolicy::disabled()).no_rate_limiter())
        .build()
        .unwrap();
    assert_eq!(list_users_n_times(&free, 4).await, Duration::ZERO);
    // A limiter of the caller's replaces it.
    let slow = rest(&server)
        .transport(
            support::transport(RetryPolicy::disabled())
                .rate_limiter(proofpoint_essentials::RateLimiter::per_minute(10).unwrap()),
        )
        .build()
        .unwrap();
    assert_eq!(
        list_users_n_times(&slow, 3).await,
        Duration::from_secs(2 * 6)
    );
    // The interface API has none unless given one.
    let real = interface(&server)
        .transport(support::transport(RetryPolicy::disabled()))
        .build()
        .unwrap();
    let start = Instant::now();
    for _ in 0..4 {
        let _ = real.users().list().stream().try_collect::<Vec<_>>().await;
    }
    assert_eq!(Instant::now() - start, Duration::ZERO);
}

#[tokio::test]
async fn the_user_agent_is_the_crates_unless_the_settings_name_another() {
    let server = MockServer::start().await;
    let ours = concat!("proofpoint-essentials/", env!("CARGO_PKG_VERSION"));
    Mock::given(path("/api/v1/me"))
        .and(header("user-agent", ours))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/me"))
        .and(header("user-agent", "offboarding-bot/2.1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .expect(1)
        .mount(&server)
        .await;
    interface(&server)
        .transport(support::transport(RetryPolicy::disabled()))
        .build()
        .unwrap()
        .me()
        .await
        .unwrap();
    interface(&server)
        .transport(support::transport(RetryPolicy::disabled()).user_agent("offboarding-bot/2.1"))
        .build()
        .unwrap()
        .me()
        .await
        .unwrap();
}

/// A valid empty listing padded with whitespace past `bytes`.
fn padded(json: &str, bytes: usize) -> Vec<u8> {
    let mut body = Vec::with_capacity(bytes + json.len() + 1);
    body.extend_from_slice(&json.as_bytes()[..1]);
    body.resize(bytes + 1, b' ');
    body.extend_from_slice(&json.as_bytes()[1..]);
    body
}

#[tokio::test]
async fn the_interface_api_takes_large_answers_by_default_and_the_settings_cap_them() {
    // Just over the transport's 32 MiB, well under INTERFACE_MAX_RESPONSE_BODY: the
    // interface API answers every user at once.
    let large = 32 * 1024 * 1024 + 1;
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/orgs/example.com/users"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(padded(r#"{"users": []}"#, large), "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/v2/users"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            padded(r#"{"users": [], "total": 0}"#, large),
            "application/json",
        ))
        .mount(&server)
        .await;
    let settings = || support::transport(RetryPolicy::disabled()).no_rate_limiter();

    let real = interface(&server).transport(settings()).build().unwrap();
    let users: Vec<_> = real.users().list().stream().try_collect().await.unwrap();
    assert!(users.is_empty());

    // The REST surface pages, and keeps the transport's 32 MiB.
    let err = rest(&server)
        .transport(settings())
        .build()
        .unwrap()
        .users()
        .list()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(err.to_string().contains("33554432-byte limit"), "{err}");

    // A cap in the settings replaces the interface default.
    let capped = interface(&server)
        .transport(settings().max_response_body(1024 * 1024))
        .build()
        .unwrap();
    let err = capped
        .users()
        .list()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("1048576-byte limit"), "{err}");
}
