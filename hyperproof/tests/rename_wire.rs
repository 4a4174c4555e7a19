//! `ScimUsers::rename_email` against recorded fixtures: the exact requests (a GET, then one PATCH
//! of `userName` and `emails`), the answer, and the documented errors (409, 404).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use hyperproof::{Error, ScimClient, ScimToken};
use scim_types::UserId;
use serde_json::json;
use support::*;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ROOT: &str = "/scim/v2/org-7f3a";
const JANE: &str = "2819c223-7f76-453a-919d-413861904646";
const NEW: &str = "jane.smith@example.com";

fn scim(server: &MockServer) -> ScimClient {
    scim_builder(format!("{}{ROOT}", server.uri()))
        .token(ScimToken::new(SCIM_TOKEN))
        .build()
        .unwrap()
}

fn rename_body() -> serde_json::Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "replace", "path": "userName", "value": NEW},
            {"op": "replace", "path": "emails", "value": [{"value": NEW, "type": "work", "primary": true}]}
        ]
    })
}

async fn mount_get(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users/{JANE}")))
        .respond_with(scim_fixture(200, "scim_users_get_ok.json"))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn rename_sends_one_patch_of_user_name_and_the_primary_email() {
    let server = MockServer::start().await;
    mount_get(&server).await;
    let mut renamed: serde_json::Value =
        serde_json::from_str(&fixture("scim_users_get_ok.json")).unwrap();
    renamed["userName"] = json!(NEW);
    renamed["emails"][0]["value"] = json!(NEW);
    Mock::given(method("PATCH"))
        .and(path(format!("{ROOT}/Users/{JANE}")))
        .and(body_json(rename_body()))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(renamed.to_string(), "application/scim+json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let user = scim(&server)
        .users()
        .rename_email(&UserId::new(JANE), NEW)
        .await
        .unwrap();
    assert_eq!(user.id.as_ref().map(|i| i.as_str()), Some(JANE));
    assert_eq!(user.user_name, NEW);
    assert_eq!(user.primary_email(), Some(NEW));
    assert_eq!(user.active, Some(true));
}

#[tokio::test]
async fn an_answer_without_the_new_email_is_incomplete() {
    let server = MockServer::start().await;
    mount_get(&server).await;
    Mock::given(method("PATCH"))
        .and(path(format!("{ROOT}/Users/{JANE}")))
        .respond_with(scim_fixture(200, "scim_users_get_ok.json"))
        .mount(&server)
        .await;
    let err = scim(&server)
        .users()
        .rename_email(&UserId::new(JANE), NEW)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Incomplete { .. }), "{err}");
    assert!(err.to_string().contains("did not change"), "{err}");
}

#[tokio::test]
async fn a_taken_user_name_is_a_conflict() {
    let server = MockServer::start().await;
    mount_get(&server).await;
    Mock::given(method("PATCH"))
        .and(path(format!("{ROOT}/Users/{JANE}")))
        .respond_with(scim_fixture(409, "scim_error_409_uniqueness.json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = scim(&server)
        .users()
        .rename_email(&UserId::new(JANE), NEW)
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
}

#[tokio::test]
async fn a_gone_id_is_not_found_and_nothing_is_patched() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users/{JANE}")))
        .respond_with(scim_fixture(404, "scim_error_404_not_found.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let err = scim(&server)
        .users()
        .rename_email(&UserId::new(JANE), NEW)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = scim(&server)
        .users()
        .rename_email(&UserId::new(JANE), "not an email")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
}
