//! Bodies that are not what the API documents: each is a typed error, never a panic or a
//! hang, and what the error quotes of the body is bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use idgraph_common::error::ERROR_SNIPPET_LEN;
use idgraph_common::http::DEFAULT_MAX_RESPONSE_BODY;
use idgraph_common::{DecodeReason, Error, ErrorBody, RetryPolicy};
use serde::Deserialize;
use serde_json::json;
use support::client;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct UserList {
    users: Vec<User>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct User {
    id: String,
    email: String,
}

/// Serves `template` at `/users` and returns the outcome of decoding it as a `UserList`.
async fn fetch(template: ResponseTemplate) -> Result<UserList, Error> {
    let server = MockServer::start().await;
    Mock::given(path("/users"))
        .respond_with(template)
        .mount(&server)
        .await;
    let c = client(&server)
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    c.get(["users"]).send_json().await
}

fn decode_error(result: Result<UserList, Error>) -> Box<idgraph_common::DecodeError> {
    match result {
        Err(Error::Decode(d)) => d,
        other => panic!("expected a decode error, got {other:?}"),
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/transport/");
    std::fs::read(format!("{dir}{name}")).unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_valid_body_decodes() {
    let list = fetch(
        ResponseTemplate::new(200)
            .set_body_raw(fixture("users_ok.json"), "application/json; charset=utf-8"),
    )
    .await
    .unwrap();
    assert_eq!(list.users.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn an_html_error_page_is_an_api_error_with_its_text() {
    let result =
        fetch(ResponseTemplate::new(502).set_body_raw(fixture("error_page_502.html"), "text/html"))
            .await;
    let err = result.unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status(), 502);
    let ErrorBody::Text(text) = &api.body() else {
        panic!("{api:?}")
    };
    assert!(text.starts_with("<!DOCTYPE html>"), "{text}");
    assert!(api.body_snippet().contains("502 Bad Gateway"));
    assert!(
        err.to_string()
            .starts_with("HTTP 502 Bad Gateway: <!DOCTYPE html>"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_html_page_with_status_200_is_a_decode_error_naming_the_content_type() {
    let d = decode_error(
        fetch(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("error_page_502.html"), "text/html; charset=utf-8"),
        )
        .await,
    );
    assert_eq!(*(d.reason()), DecodeReason::UnexpectedContentType);
    assert_eq!(d.content_type(), Some("text/html; charset=utf-8"));
    assert!(d.body_snippet().unwrap().starts_with("<!DOCTYPE html>"));
    assert!(
        d.to_string().contains("expected JSON, got text/html"),
        "{d}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_empty_success_body_is_a_decode_error() {
    let d = decode_error(fetch(ResponseTemplate::new(200)).await);
    assert_eq!(*(d.reason()), DecodeReason::EmptyBody);
    assert_eq!(d.status(), 200);
    assert!(d.to_string().contains("the body is empty"), "{d}");
}

#[tokio::test(start_paused = true)]
async fn truncated_json_is_a_decode_error() {
    let mut body = fixture("users_ok.json");
    body.truncate(body.len() / 2);
    let d = decode_error(
        fetch(ResponseTemplate::new(200).set_body_raw(body, "application/json")).await,
    );
    assert_eq!(*(d.reason()), DecodeReason::Truncated);
    assert!(
        d.serde_error().as_ref().is_some_and(|e| e.is_eof()),
        "{d:?}"
    );
    assert_eq!(d.request_path(), "/users");
}

#[tokio::test(start_paused = true)]
async fn a_wrong_shape_names_the_json_path() {
    let d = decode_error(
        fetch(ResponseTemplate::new(200).set_body_json(
            json!({"users": [{"id": "1", "email": "a@x.com"}, {"id": 2, "email": "b@x.com"}]}),
        ))
        .await,
    );
    assert_eq!(*(d.reason()), DecodeReason::InvalidJson);
    assert_eq!(d.json_path(), "users[1].id");
    assert!(d.to_string().contains("at `users[1].id`"), "{d}");
}

#[tokio::test(start_paused = true)]
async fn a_wrong_content_type_is_a_decode_error_unless_the_body_is_json() {
    let d = decode_error(
        fetch(ResponseTemplate::new(200).set_body_raw("<users><user/></users>", "application/xml"))
            .await,
    );
    assert_eq!(*(d.reason()), DecodeReason::UnexpectedContentType);
    assert_eq!(d.content_type(), Some("application/xml"));
    // JSON sent with a wrong label is still read (servers mislabel; the body decides).
    let list =
        fetch(ResponseTemplate::new(200).set_body_raw(fixture("users_ok.json"), "text/plain"))
            .await
            .unwrap();
    assert_eq!(list.users.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_ten_megabyte_error_body_is_read_only_up_to_the_cap() {
    let big = "x".repeat(10 * 1024 * 1024);
    let err = fetch(ResponseTemplate::new(500).set_body_raw(big, "text/plain"))
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status(), 500);
    assert_eq!(api.body_snippet().len(), ERROR_SNIPPET_LEN);
    let ErrorBody::Text(text) = &api.body() else {
        panic!("{api:?}")
    };
    assert!(text.len() <= ERROR_SNIPPET_LEN);
    assert!(err.to_string().len() < 1024, "{}", err.to_string().len());
}

#[tokio::test(start_paused = true)]
async fn a_ten_megabyte_json_error_body_is_bounded_too() {
    let big = format!("{{\"message\": \"{}\"}}", "y".repeat(10 * 1024 * 1024));
    let err = fetch(ResponseTemplate::new(503).set_body_raw(big, "application/json"))
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    // The capped read cut the JSON short, so it is kept as text.
    assert!(matches!(api.body(), ErrorBody::Text(_)), "{:?}", api.body());
    assert_eq!(api.body_snippet().len(), ERROR_SNIPPET_LEN);
}

#[tokio::test(start_paused = true)]
async fn a_success_body_above_the_limit_is_refused() {
    let server = MockServer::start().await;
    Mock::given(path("/users"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("z".repeat(1 << 20), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server)
        .max_response_body(64 * 1024)
        .build()
        .unwrap();
    let err = c.get(["users"]).send().await.unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*(d.reason()), DecodeReason::TooLarge { limit: 64 * 1024 });
    assert!(d.body_snippet().is_none());
    // Not retried: the same body would come back.
    assert!(!err.is_retryable());
}

#[tokio::test(start_paused = true)]
async fn scim_and_vendor_error_bodies_are_parsed() {
    let err = fetch(
        ResponseTemplate::new(409)
            .set_body_raw(fixture("error_scim_409.json"), "application/scim+json"),
    )
    .await
    .unwrap_err();
    assert!(err.is_conflict());
    let scim = err.scim_error().unwrap();
    assert_eq!(scim.detail.as_deref(), Some("User name already taken"));
    assert_eq!(err.api().unwrap().code(), Some("uniqueness"));

    let err = fetch(
        ResponseTemplate::new(400)
            .set_body_json(json!({"error": {"code": "E_EMAIL", "message": "email is invalid"}})),
    )
    .await
    .unwrap_err();
    assert_eq!(err.api().unwrap().code(), Some("E_EMAIL"));
    assert_eq!(err.api().unwrap().message(), Some("email is invalid"));
}

#[tokio::test(start_paused = true)]
async fn an_empty_error_body_still_names_the_status() {
    let err = fetch(ResponseTemplate::new(404)).await.unwrap_err();
    assert!(matches!(err.api().unwrap().body(), ErrorBody::Empty));
    assert_eq!(err.to_string(), "HTTP 404 Not Found on GET /users");
}

#[tokio::test(start_paused = true)]
async fn a_redirect_is_not_followed() {
    let err = fetch(
        ResponseTemplate::new(302).insert_header("Location", "https://elsewhere.example.com/"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), Some(302));
}

/// With no setting, a success body is capped at `DEFAULT_MAX_RESPONSE_BODY`: a body of
/// exactly that size arrives whole, one byte more is a typed error naming the cap.
#[tokio::test(start_paused = true)]
async fn the_default_success_body_cap_accepts_a_body_at_it_and_refuses_one_above() {
    let server = MockServer::start().await;
    Mock::given(path("/at"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            vec![b'a'; DEFAULT_MAX_RESPONSE_BODY],
            "application/octet-stream",
        ))
        .mount(&server)
        .await;
    Mock::given(path("/above"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            vec![b'a'; DEFAULT_MAX_RESPONSE_BODY + 1],
            "application/octet-stream",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).build().unwrap();

    let at = c.get(["at"]).send().await.unwrap();
    assert_eq!(at.body().len(), DEFAULT_MAX_RESPONSE_BODY);

    let err = c.get(["above"]).send().await.unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        *(d.reason()),
        DecodeReason::TooLarge {
            limit: DEFAULT_MAX_RESPONSE_BODY
        }
    );
    assert!(
        err.to_string().contains(&format!(
            "larger than the {DEFAULT_MAX_RESPONSE_BODY}-byte limit"
        )),
        "{err}"
    );
    // Not retried (`expect(1)`): the same body would come back.
    assert!(!err.is_retryable());
}
