//! The builder, headers, bad input (encoding, escaping, undecodable bodies) and retries.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use futures::TryStreamExt;
use probo_scim::{Client, Error, Filter, RetryPolicy, ScimToken, TransportSettings, User, UserId};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ROOT: &str = "/api/connect/v1/scim/2.0";

fn user_json(id: &str) -> serde_json::Value {
    serde_json::json!({"id": id, "userName": "x@example.com", "active": true})
}

#[test]
fn base_url_adds_the_scim_path_and_scim_url_is_taken_as_is() {
    let token = || ScimToken::new("t");
    let c = Client::builder()
        .base_url("https://probo.example.com/")
        .token(token())
        .build()
        .unwrap();
    assert_eq!(
        c.scim_url().as_str(),
        "https://probo.example.com/api/connect/v1/scim/2.0"
    );
    let c = Client::builder()
        .base_url("https://probo.example.com/api/connect/v1/scim/2.0")
        .token(token())
        .build()
        .unwrap();
    assert_eq!(
        c.scim_url().as_str(),
        "https://probo.example.com/api/connect/v1/scim/2.0"
    );
    let c = Client::builder()
        .scim_url("https://proxy.example.com/probo/scim")
        .token(token())
        .build()
        .unwrap();
    assert_eq!(
        c.scim_url().as_str(),
        "https://proxy.example.com/probo/scim"
    );
}

#[test]
fn missing_or_bad_settings_are_config_errors() {
    let err = Client::builder()
        .token(ScimToken::new("t"))
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::Config { .. }) && err.to_string().contains("base_url"),
        "{err}"
    );
    let err = Client::builder()
        .base_url("https://p.example.com")
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::Config { .. }) && err.to_string().contains("token"),
        "{err}"
    );
    let err = Client::builder()
        .base_url("http://probo.example.com")
        .token(ScimToken::new("t"))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("plain http"), "{err}");
    let err = Client::builder()
        .base_url("https://p.example.com")
        .token(ScimToken::new("bad\ntoken"))
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }));
    assert!(!format!("{err} {err:?}").contains("bad\ntoken"));
}

async fn server_with_catch_all() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"Resources": [], "totalResults": 0})),
        )
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .token(ScimToken::new("t0ken"))
        .transport(TransportSettings::new().retry_policy(RetryPolicy::disabled()))
        .build()
        .unwrap()
}

#[tokio::test]
async fn ids_and_emails_with_reserved_characters_are_one_encoded_segment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users/a%2Fb%3Fc%23d%25e..%2F..")))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("a/b?c#d%e../..")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!(
            "{ROOT}/Users/jane%2Fx%3F%23%25%40example.com"
        )))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "{ROOT}/Users/jane%2Fx%3F%23%25%40example.com"
        )))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let c = client(&server);
    let u = c.users().get(&UserId::new("a/b?c#d%e../..")).await.unwrap();
    assert_eq!(u.id.unwrap().as_str(), "a/b?c#d%e../..");
    c.users()
        .delete(&UserId::new("jane/x?#%@example.com"))
        .await
        .unwrap();
    for bad in ["", ".", ".."] {
        let err = c.users().get(&UserId::new(bad)).await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{bad:?}: {err}");
    }
}

#[tokio::test]
async fn filter_values_are_escaped() {
    let server = MockServer::start().await;
    let tricky = r#"o"brien\x@example.com"#;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users")))
        .and(query_param(
            "filter",
            r#"userName eq "o\"brien\\x@example.com""#,
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "Resources": [{"id": "1", "userName": tricky}], "totalResults": 1
        })))
        .expect(1)
        .mount(&server)
        .await;
    let found = client(&server)
        .users()
        .find_by_user_name(tricky)
        .await
        .unwrap();
    assert_eq!(found.unwrap().user_name, tricky);
    // The filter builder's output parses back to the same value.
    let f = Filter::eq("userName", tricky);
    assert_eq!(f.to_string().parse::<Filter>().unwrap(), f);
}

#[tokio::test]
async fn an_unparsable_body_is_a_decode_error_naming_the_field() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"Resources":[{"id":"1","userName":"a@x.io","active":true},{"id":"2","userName":"b@x.io","emails":[{"value":"b@x.io","primary":"maybe"}]}],"totalResults":2}"#,
            "application/scim+json",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users/1")))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>oops</html>", "text/html"))
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c
        .users()
        .list()
        .stream()
        .try_collect::<Vec<User>>()
        .await
        .unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(d.json_path(), "Resources[1].emails[0].primary", "{err}");
    assert!(
        err.to_string().contains("Resources[1].emails[0].primary"),
        "{err}"
    );
    assert_eq!(err.status(), Some(200));
    let err = c.users().get(&UserId::new("1")).await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err}");
    assert!(
        err.to_string().contains("text/html") || err.to_string().contains("oops"),
        "{err}"
    );
}

#[tokio::test]
async fn headers_sent_never_include_origin() {
    let server = server_with_catch_all().await;
    for m in ["POST", "PUT", "PATCH", "DELETE"] {
        Mock::given(method(m))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(user_json("ABEiM0RVZncAMwAAAaAlZTWoobLD1OX2")),
            )
            .mount(&server)
            .await;
    }
    let c = client(&server);
    let users = c.users();
    let _ = users.list().stream().try_collect::<Vec<User>>().await;
    let _ = users.create(&User::new("a@example.com")).await;
    let _ = users
        .deactivate(&UserId::new("ABEiM0RVZncAMwAAAaAlZTWoobLD1OX2"))
        .await;
    let _ = users
        .delete(&UserId::new("ABEiM0RVZncAMwAAAaAlZTWoobLD1OX2"))
        .await;
    let _ = users
        .replace(
            &UserId::new("ABEiM0RVZncAMwAAAaAlZTWoobLD1OX2"),
            &User::new("x@example.com"),
        )
        .await;
    let requests = server.received_requests().await.unwrap();
    assert!(requests.len() >= 6);
    for r in &requests {
        assert!(r.headers.get("origin").is_none(), "{} {}", r.method, r.url);
        assert!(r.headers.get("sec-fetch-site").is_none());
        assert_eq!(r.headers["authorization"], "Bearer t0ken");
        assert!(
            r.headers["user-agent"]
                .to_str()
                .unwrap()
                .starts_with("probo-scim/")
        );
        assert_eq!(
            r.headers["accept"],
            "application/scim+json, application/json"
        );
        assert!(
            !r.url.as_str().contains("t0ken"),
            "the token is never in a URL"
        );
    }
}

/// Retries wait on tokio's paused clock: no real sleeping. (No attempt timeout and no
/// pool idle timer, so no pending timer makes the clock jump during real socket I/O.)
#[tokio::test(start_paused = true)]
async fn a_503_with_retry_after_is_retried_after_the_wait() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "7"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("1")))
        .mount(&server)
        .await;
    let http = reqwest::Client::builder()
        .pool_idle_timeout(None)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let c = Client::builder()
        .base_url(server.uri())
        .token(ScimToken::new("t"))
        .transport(
            TransportSettings::new()
                .reqwest_client(http)
                .no_attempt_timeout(),
        )
        .build()
        .unwrap();
    let start = tokio::time::Instant::now();
    let u = c.users().get(&UserId::new("1")).await.unwrap();
    assert_eq!(u.id.unwrap().as_str(), "1");
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(7) && waited < Duration::from_secs(8),
        "{waited:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_post_is_not_retried_after_a_500() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::builder()
        .base_url(server.uri())
        .token(ScimToken::new("t"))
        .build()
        .unwrap();
    let err = c
        .users()
        .create(&User::new("a@example.com"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(502));
}
