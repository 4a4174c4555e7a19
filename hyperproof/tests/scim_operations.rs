//! Every SCIM operation against recorded fixtures: the exact request, the decoded answer,
//! and the errors that matter (401 naming the SCIM token, 403, 404, 409).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use futures::TryStreamExt;
use hyperproof::scim::{NewGroup, NewUser};
use hyperproof::{Error, HyperproofRole, ScimClient, ScimToken};
use idgraph_common::paginate::StopReason;
use scim_types::{GroupId, Name, UserId};
use serde_json::json;
use support::*;
use wiremock::matchers::{body_json, header, headers, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Stands for the opaque per-organization SCIM URL Hyperproof generates.
const ROOT: &str = "/scim/v2/org-7f3a";
const JANE: &str = "2819c223-7f76-453a-919d-413861904646";

fn scim(server: &MockServer) -> ScimClient {
    scim_builder(format!("{}{ROOT}", server.uri()))
        .token(ScimToken::new(SCIM_TOKEN))
        .build()
        .unwrap()
}

fn patch_body(operations: serde_json::Value) -> serde_json::Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations})
}

#[tokio::test]
async fn get_decodes_an_entra_style_user_and_its_role() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users/{JANE}")))
        .and(header("authorization", format!("Bearer {SCIM_TOKEN}")))
        .and(headers(
            "accept",
            vec!["application/scim+json", "application/json"],
        ))
        .respond_with(scim_fixture(200, "scim_users_get_ok.json"))
        .expect(1)
        .mount(&server)
        .await;
    let user = scim(&server).users().get(&UserId::new(JANE)).await.unwrap();
    assert_eq!(user.user_name, "jane.doe@example.com");
    assert_eq!(user.active, Some(true)); // sent as "True"
    assert_eq!(
        HyperproofRole::of(&user),
        Some(HyperproofRole::ComplianceManager)
    );
    assert_eq!(user.external_id.as_deref(), Some("00u1abcdEFGH"));
}

#[tokio::test]
async fn list_streams_every_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users")))
        .and(query_param("startIndex", "1"))
        .and(query_param("count", "2"))
        .respond_with(scim_fixture(200, "scim_users_list_page1.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users")))
        .and(query_param("startIndex", "3"))
        .respond_with(scim_fixture(200, "scim_users_list_page2.json"))
        .expect(1)
        .mount(&server)
        .await;
    let client = ScimClient::builder()
        .scim_url(format!("{}{ROOT}", server.uri()))
        .token(ScimToken::new(SCIM_TOKEN))
        .page_size(2)
        .build()
        .unwrap();
    let (users, summary) = client
        .users()
        .list()
        .stream()
        .collect_with_summary()
        .await
        .unwrap();
    assert_eq!((summary.pages, summary.items), (2, 3));
    assert!(summary.is_complete(), "{summary}");
    let names: Vec<_> = users.iter().map(|u| u.user_name.as_str()).collect();
    assert_eq!(
        names,
        ["ada@example.com", "bob@example.com", "cy@example.com"]
    );
    assert_eq!(
        HyperproofRole::of(&users[0]),
        Some(HyperproofRole::OrganizationAdministrator)
    );
    // An unknown role value does not fail the listing.
    assert_eq!(HyperproofRole::of(&users[2]), None);
    assert_eq!(
        hyperproof::scim::primary_role_value(&users[2]),
        Some("SOME_FUTURE_ROLE")
    );
}

#[tokio::test]
async fn find_by_user_name_filters_and_compares_ignoring_case() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users")))
        .and(query_param(
            "filter",
            r#"userName eq "jane.doe@example.com""#,
        ))
        .respond_with(scim_fixture(200, "scim_users_find_ok.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users")))
        .and(query_param("filter", r#"userName eq "nobody@example.com""#))
        .respond_with(scim_fixture(200, "scim_users_find_empty.json"))
        .expect(1)
        .mount(&server)
        .await;
    let users = scim(&server).users();
    let jane = users
        .find_by_user_name("jane.doe@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(jane.id.unwrap(), JANE);
    assert!(
        users
            .find_by_user_name("nobody@example.com")
            .await
            .unwrap()
            .is_none()
    );
    let err = users.find_by_user_name(" ").await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
}

#[tokio::test]
async fn find_by_user_name_never_returns_another_user_when_the_filter_is_ignored() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users")))
        .respond_with(scim_fixture(200, "scim_users_find_ignored_filter.json"))
        .mount(&server)
        .await;
    let found = scim(&server)
        .users()
        .find_by_user_name("carol@example.com")
        .await
        .unwrap();
    assert!(found.is_none(), "{found:?}");
}

#[tokio::test]
async fn create_sends_the_email_and_the_default_role() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{ROOT}/Users")))
        .and(header("content-type", "application/scim+json"))
        .and(body_json(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "externalId": "00u9zyx",
            "userName": "new.hire@example.com",
            "name": {"givenName": "New", "familyName": "Hire"},
            "active": true,
            "emails": [{"value": "new.hire@example.com", "type": "work", "primary": true}],
            "roles": [{"value": "LIMITED_ACCESS_USER", "primary": true}]
        })))
        .respond_with(scim_fixture(201, "scim_users_create_ok.json"))
        .expect(1)
        .mount(&server)
        .await;
    let created = scim(&server)
        .users()
        .create(
            &NewUser::new("new.hire@example.com")
                .name("New", "Hire")
                .external_id("00u9zyx"),
        )
        .await
        .unwrap();
    assert_eq!(created.id.unwrap(), "5d0c2a7e-1f3b-4c6d-8e9f-0a1b2c3d4e5f");
}

#[tokio::test]
async fn create_reports_a_duplicate_as_a_conflict_and_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(scim_fixture(409, "scim_error_409_uniqueness.json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = scim(&server)
        .users()
        .create(&NewUser::new("new.hire@example.com").role(HyperproofRole::User))
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    assert_eq!(err.api().and_then(|a| a.code()), Some("uniqueness"));
    let err = scim(&server)
        .users()
        .create(&NewUser::new(""))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
}

#[tokio::test]
async fn replace_puts_the_whole_user_with_if_match() {
    let server = MockServer::start().await;
    let mut user: scim_types::User =
        serde_json::from_str(&fixture("scim_users_get_ok.json")).unwrap();
    user.name = Some(Name::new("Jane", "Doe-Smith"));
    let expected = serde_json::to_value(&user).unwrap();
    Mock::given(method("PUT"))
        .and(path(format!("{ROOT}/Users/{JANE}")))
        .and(header("if-match", r#"W/"3""#))
        .and(body_json(expected))
        .respond_with(scim_fixture(200, "scim_users_replace_ok.json"))
        .expect(1)
        .mount(&server)
        .await;
    let replaced = scim(&server)
        .users()
        .replace(&UserId::new(JANE), &user)
        .await
        .unwrap();
    assert_eq!(
        replaced.name.unwrap().family_name.as_deref(),
        Some("Doe-Smith")
    );
}

#[tokio::test]
async fn list_pages_end_in_pages_too() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users")))
        .and(query_param("startIndex", "1"))
        .respond_with(scim_fixture(200, "scim_users_list_page1.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users")))
        .and(query_param("startIndex", "3"))
        .respond_with(scim_fixture(200, "scim_users_list_page2.json"))
        .expect(1)
        .mount(&server)
        .await;
    let mut pages = scim(&server).users().list().page_size(2).pages();
    assert!(server.received_requests().await.unwrap().is_empty());
    let mut sizes = Vec::new();
    while let Some(page) = pages.try_next().await.unwrap() {
        sizes.push(page.items.len());
    }
    assert_eq!(sizes, [2, 1]);
    assert_eq!(pages.summary().unwrap().stop, StopReason::ReachedTotal);
}

#[tokio::test]
async fn deactivate_and_reactivate_patch_active_as_the_seed_shows() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path(format!("{ROOT}/Users/{JANE}")))
        .and(header("content-type", "application/scim+json"))
        .and(body_json(patch_body(
            json!([{"op": "replace", "path": "active", "value": false}]),
        )))
        .respond_with(scim_fixture(200, "scim_users_deactivate_ok.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{ROOT}/Users/{JANE}")))
        .and(body_json(patch_body(
            json!([{"op": "replace", "path": "active", "value": true}]),
        )))
        // Some servers answer 204: the user is then read back.
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users/{JANE}")))
        .respond_with(scim_fixture(200, "scim_users_get_ok.json"))
        .expect(1)
        .mount(&server)
        .await;
    let users = scim(&server).users();
    // Hyperproof answers with the user: no GET.
    let deactivated = users.deactivate(&UserId::new(JANE)).await.unwrap();
    assert_eq!(deactivated.active, Some(false));
    assert_eq!(deactivated.id.as_ref().map(|i| i.as_str()), Some(JANE));
    let reactivated = users.reactivate(&UserId::new(JANE)).await.unwrap();
    assert_eq!(reactivated.active, Some(true));
    assert_eq!(reactivated.user_name, "jane.doe@example.com");
}

#[tokio::test]
async fn a_failed_read_back_after_a_204_is_returned() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path(format!("{ROOT}/Users/{JANE}")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users/{JANE}")))
        .respond_with(scim_fixture(404, "scim_error_404_not_found.json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = scim(&server)
        .users()
        .deactivate(&UserId::new(JANE))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.api().map(|a| a.method()), Some("GET"));
}

#[tokio::test]
async fn deactivate_reports_the_patch_errors() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path(format!("{ROOT}/Users/{JANE}")))
        .respond_with(scim_fixture(404, "scim_error_404_not_found.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{ROOT}/Users/other")))
        .respond_with(scim_fixture(401, "scim_error_401_unauthorized.json"))
        .expect(1)
        .mount(&server)
        .await;
    let users = scim(&server).users();
    let err = users.deactivate(&UserId::new(JANE)).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = users.reactivate(&UserId::new("other")).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(err.to_string().contains("SCIM token (ScimToken)"), "{err}");
    // The PATCH failed: no follow-up GET.
    let sent = server.received_requests().await.unwrap();
    assert!(
        sent.iter().all(|r| r.method.as_str() == "PATCH"),
        "{sent:?}"
    );
}

#[tokio::test]
async fn set_role_patches_the_primary_role_value_as_entra_does() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path(format!("{ROOT}/Users/{JANE}")))
        .and(body_json(patch_body(json!([{
            "op": "replace",
            "path": "roles[primary eq \"True\"].value",
            "value": "ORGANIZATION_ADMINISTRATOR"
        }]))))
        .respond_with(scim_fixture(200, "scim_users_set_role_ok.json"))
        .expect(1)
        .mount(&server)
        .await;
    let user = scim(&server)
        .users()
        .set_role(
            &UserId::new(JANE),
            HyperproofRole::OrganizationAdministrator,
        )
        .await
        .unwrap();
    assert_eq!(
        HyperproofRole::of(&user),
        Some(HyperproofRole::OrganizationAdministrator)
    );
}

#[tokio::test]
async fn a_user_id_with_reserved_characters_is_one_encoded_segment() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path(format!("{ROOT}/Users/a%2Fb%3Fc%23d%25e..%2Fx%20y")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users/a%2Fb%3Fc%23d%25e..%2Fx%20y")))
        .respond_with(scim_fixture(200, "scim_users_get_ok.json"))
        // The read-back after the 204, then the explicit get.
        .expect(2)
        .mount(&server)
        .await;
    let users = scim(&server).users();
    let odd = UserId::new("a/b?c#d%e../x y");
    users.deactivate(&odd).await.unwrap();
    users.get(&odd).await.unwrap();
    for bad in ["", ".", ".."] {
        let err = users.deactivate(&UserId::new(bad)).await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{bad:?}: {err}");
    }
}

#[tokio::test]
async fn a_missing_user_is_not_found() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(scim_fixture(404, "scim_error_404_not_found.json"))
        .mount(&server)
        .await;
    let err = scim(&server)
        .users()
        .get(&UserId::new(JANE))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.scim_error().unwrap().status, 404);
}

#[tokio::test]
async fn a_401_names_the_scim_token_and_says_it_is_separate_and_rotatable() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(scim_fixture(401, "scim_error_401_unauthorized.json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = scim(&server)
        .users()
        .get(&UserId::new(JANE))
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    let msg = err.to_string();
    for needle in [
        "HTTP 401",
        "Bearer token is invalid or has been revoked.",
        "SCIM token (ScimToken)",
        "REST credentials (API token, OAuth2 client credentials) are separate",
        "can be rotated",
        "Settings > Authentication > Provisioning",
    ] {
        assert!(msg.contains(needle), "{needle:?} not in {msg}");
    }
    assert!(!msg.contains(SCIM_TOKEN), "{msg}");
}

#[tokio::test]
async fn groups_create_add_remove_and_archive() {
    let server = MockServer::start().await;
    let group = "e9e30dba-f08f-4109-8486-d5c6a331660a";
    Mock::given(method("POST"))
        .and(path(format!("{ROOT}/Groups")))
        .and(body_json(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Auditors",
            "members": [{"value": JANE}]
        })))
        .respond_with(scim_fixture(201, "scim_groups_create_ok.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{ROOT}/Groups/{group}")))
        .and(body_json(patch_body(json!([{
            "op": "add", "path": "members", "value": [{"value": "u-1"}, {"value": "u-2"}]
        }]))))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{ROOT}/Groups/{group}")))
        // The id is escaped as a SCIM string: a quote cannot end the filter early.
        .and(body_json(patch_body(json!([{
            "op": "remove", "path": "members[value eq \"u-\\\"1\"]"
        }]))))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{ROOT}/Groups/{group}")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let groups = scim(&server).groups();
    let created = groups
        .create(&NewGroup::new("Auditors").member(UserId::new(JANE)))
        .await
        .unwrap();
    let id = created.id.unwrap();
    assert_eq!(id, GroupId::new(group));
    groups
        .add_members(&id, &[UserId::new("u-1"), UserId::new("u-2")])
        .await
        .unwrap();
    // Adding nobody sends nothing.
    groups.add_members(&id, &[]).await.unwrap();
    groups
        .remove_member(&id, &UserId::new("u-\"1"))
        .await
        .unwrap();
    groups.archive(&id).await.unwrap();
}

#[tokio::test]
async fn groups_refused_by_the_provisioning_setup_are_a_clear_403() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(scim_fixture(403, "scim_error_403_forbidden.json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = scim(&server)
        .groups()
        .create(&NewGroup::new("Auditors"))
        .await
        .unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("Group provisioning is not enabled"), "{msg}");
    assert!(msg.contains("push groups"), "{msg}");
}
