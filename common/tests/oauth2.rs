//! OAuth 2.0 client credentials over real HTTP: one token for many calls, refresh before
//! expiry (paused clock), one refresh on a 401, and the shape of the token request.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use idgraph_common::auth::{ClientAuthMethod, OAuth2ClientCredentials};
use idgraph_common::{Error, HttpClient};
use serde_json::{Value, json};
use support::{client, oauth2, received, secs};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const SECRET: &str = "client-secret-Zq8!";

/// Issues `tok-1`, `tok-2`, … with the given lifetime.
struct TokenIssuer {
    issued: AtomicUsize,
    expires_in: Option<u64>,
}

impl Respond for TokenIssuer {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        let mut body = json!({"access_token": format!("tok-{n}"), "token_type": "Bearer"});
        if let Some(secs) = self.expires_in {
            body["expires_in"] = json!(secs);
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

async fn token_endpoint(server: &MockServer, expires_in: Option<u64>) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(TokenIssuer {
            issued: AtomicUsize::new(0),
            expires_in,
        })
        .mount(server)
        .await;
}

/// `/me` answers 200 to `Bearer <token>`, naming the token it saw.
async fn api_accepting(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path("/me"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"token": token})))
        .mount(server)
        .await;
}

fn provider(server: &MockServer) -> OAuth2ClientCredentials {
    oauth2(&format!("{}/oauth/token", server.uri()), "client-1", SECRET)
        .build()
        .unwrap()
}

fn api_client(server: &MockServer, auth: &OAuth2ClientCredentials) -> HttpClient {
    client(server).auth(auth.clone()).build().unwrap()
}

async fn token_requests(server: &MockServer) -> Vec<Request> {
    support::requests(server)
        .await
        .into_iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .collect()
}

async fn seen_token(c: &HttpClient) -> String {
    let v: Value = c.get(["me"]).send_json().await.unwrap();
    v["token"].as_str().unwrap().to_owned()
}

#[tokio::test(start_paused = true)]
async fn fifty_concurrent_calls_fetch_the_token_once() {
    let server = MockServer::start().await;
    token_endpoint(&server, Some(3600)).await;
    api_accepting(&server, "tok-1").await;
    let auth = provider(&server);
    let c = api_client(&server, &auth);

    let handles: Vec<_> = (0..50)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { seen_token(&c).await })
        })
        .collect();
    for h in handles {
        assert_eq!(h.await.unwrap(), "tok-1");
    }
    assert_eq!(auth.token_requests(), 1);
    assert_eq!(token_requests(&server).await.len(), 1);
    assert_eq!(received(&server).await, 51);
}

#[tokio::test(start_paused = true)]
async fn the_token_request_is_a_client_credentials_form() {
    let server = MockServer::start().await;
    token_endpoint(&server, None).await;
    api_accepting(&server, "tok-1").await;
    let auth = oauth2(&format!("{}/oauth/token", server.uri()), "client 1", SECRET)
        .scope("user.read")
        .scope("user.write")
        .build()
        .unwrap();
    let c = api_client(&server, &auth);
    assert_eq!(seen_token(&c).await, "tok-1");

    let reqs = token_requests(&server).await;
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method.as_str(), "POST");
    assert_eq!(
        r.headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(r.headers.get("accept").unwrap(), "application/json");
    assert!(r.headers.get("authorization").is_none());
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&r.body).into_owned().collect();
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (&**k, &**v)).collect();
    assert_eq!(
        pairs,
        [
            ("grant_type", "client_credentials"),
            ("scope", "user.read user.write"),
            ("client_id", "client 1"),
            ("client_secret", SECRET),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn basic_client_auth_sends_the_secret_in_the_header_not_the_body() {
    use base64::Engine as _;
    let server = MockServer::start().await;
    token_endpoint(&server, None).await;
    api_accepting(&server, "tok-1").await;
    let auth = oauth2(&format!("{}/oauth/token", server.uri()), "id:1", SECRET)
        .client_auth(ClientAuthMethod::BasicAuth)
        .build()
        .unwrap();
    let c = api_client(&server, &auth);
    assert_eq!(seen_token(&c).await, "tok-1");

    let r = &token_requests(&server).await[0];
    let body = String::from_utf8(r.body.clone()).unwrap();
    assert_eq!(body, "grant_type=client_credentials");
    // RFC 6749 §2.3.1: id and secret are form-encoded, then Basic-encoded.
    let expected = base64::engine::general_purpose::STANDARD.encode("id%3A1:client-secret-Zq8%21");
    assert_eq!(
        r.headers.get("authorization").unwrap(),
        format!("Basic {expected}").as_str()
    );
}

#[tokio::test(start_paused = true)]
async fn an_expiring_token_is_refreshed_before_it_expires() {
    let server = MockServer::start().await;
    token_endpoint(&server, Some(3600)).await;
    api_accepting(&server, "tok-1").await;
    api_accepting(&server, "tok-2").await;
    let auth = provider(&server);
    let c = api_client(&server, &auth);

    assert_eq!(seen_token(&c).await, "tok-1");
    // Still inside the lifetime minus the 30 s skew: cached.
    tokio::time::advance(secs(3569)).await;
    assert_eq!(seen_token(&c).await, "tok-1");
    assert_eq!(auth.token_requests(), 1);
    // Past lifetime minus skew: refreshed before the server would reject it.
    tokio::time::advance(secs(2)).await;
    assert_eq!(seen_token(&c).await, "tok-2");
    assert_eq!(auth.token_requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_short_lived_token_is_refreshed_at_half_its_lifetime() {
    let server = MockServer::start().await;
    token_endpoint(&server, Some(40)).await;
    api_accepting(&server, "tok-1").await;
    api_accepting(&server, "tok-2").await;
    let auth = provider(&server);
    let c = api_client(&server, &auth);
    assert_eq!(seen_token(&c).await, "tok-1");
    tokio::time::advance(secs(19)).await;
    assert_eq!(seen_token(&c).await, "tok-1");
    tokio::time::advance(secs(1)).await;
    assert_eq!(seen_token(&c).await, "tok-2");
}

#[tokio::test(start_paused = true)]
async fn a_401_triggers_one_refresh_then_a_clean_unauthorized_error() {
    let server = MockServer::start().await;
    token_endpoint(&server, Some(3600)).await;
    Mock::given(path("/me"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "invalid_token", "message": "token revoked"})),
        )
        .expect(2)
        .mount(&server)
        .await;
    let auth = provider(&server);
    let c = api_client(&server, &auth);

    let err = c.get(["me"]).send().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(
        err.to_string(),
        "HTTP 401 Unauthorized [invalid_token]: token revoked on GET /me"
    );
    assert_eq!(auth.token_requests(), 2);
    // The second attempt carried the fresh token.
    let api_auth: Vec<String> = support::requests(&server)
        .await
        .iter()
        .filter(|r| r.url.path() == "/me")
        .map(|r| r.headers["authorization"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(api_auth, ["Bearer tok-1", "Bearer tok-2"]);
}

#[tokio::test(start_paused = true)]
async fn a_401_for_a_revoked_token_is_healed_by_one_refresh() {
    let server = MockServer::start().await;
    token_endpoint(&server, None).await;
    Mock::given(path("/me"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    api_accepting(&server, "tok-2").await;
    let auth = provider(&server);
    let c = api_client(&server, &auth);
    assert_eq!(seen_token(&c).await, "tok-2");
    // And the new token is cached for later calls.
    assert_eq!(seen_token(&c).await, "tok-2");
    assert_eq!(auth.token_requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn static_credentials_do_not_retry_a_401() {
    let server = MockServer::start().await;
    Mock::given(path("/me"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server)
        .auth(idgraph_common::auth::Bearer::new("static"))
        .build()
        .unwrap();
    assert!(c.get(["me"]).send().await.unwrap_err().is_unauthorized());
}

#[tokio::test(start_paused = true)]
async fn rejected_client_credentials_are_an_api_error_with_a_hint_and_no_retry() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "invalid_client", "error_description": "bad"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/me"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let auth = provider(&server);
    let c = api_client(&server, &auth);
    let err = c.get(["me"]).send().await.unwrap_err();
    let text = err.to_string();
    assert!(err.is_unauthorized(), "{err:?}");
    assert!(text.contains("[invalid_client]"), "{text}");
    assert!(text.contains("POST /oauth/token"), "{text}");
    assert!(text.contains("check the client id and secret"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
}

#[tokio::test(start_paused = true)]
async fn a_token_endpoint_outage_is_retried_even_for_post() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    token_endpoint(&server, None).await;
    Mock::given(method("POST"))
        .and(path("/things"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let auth = provider(&server);
    let c = api_client(&server, &auth);
    let start = tokio::time::Instant::now();
    c.post(["things"]).send_empty().await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_millis(500));
    assert_eq!(auth.token_requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_token_response_without_a_token_is_a_decode_error_that_quotes_nothing() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"access_token": 42, "note": "x"})),
        )
        .mount(&server)
        .await;
    let auth = provider(&server);
    let c = api_client(&server, &auth);
    let err = c.get(["me"]).send().await.unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(d.json_path(), "access_token");
    assert!(d.body_snippet().is_none());
    assert!(!format!("{err} {err:?}").contains("42"), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn non_bearer_tokens_are_refused() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "t", "token_type": "mac"})),
        )
        .mount(&server)
        .await;
    let auth = provider(&server);
    let c = api_client(&server, &auth);
    let err = c.get(["me"]).send().await.unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

#[test]
fn a_plain_http_token_url_to_a_remote_host_is_refused_unless_the_settings_allow_it() {
    let url = "http://auth.example.com/oauth/token";
    let err = OAuth2ClientCredentials::builder(url, "id", SECRET)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    // The opt-in is the transport settings' own, as for every client of the family.
    OAuth2ClientCredentials::builder(url, "id", SECRET)
        .transport(idgraph_common::TransportSettings::new().allow_insecure_http(true))
        .build()
        .unwrap();
}
