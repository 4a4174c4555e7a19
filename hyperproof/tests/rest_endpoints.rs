//! Every REST endpoint against recorded fixtures: success, 401, permission 403,
//! quota 403 then success, 429 with `Retry-After` then success, 404.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use futures::TryStreamExt;
use hyperproof::rest::{
    GroupId, NewGroup, ObjectStatus, OrganizationUserType, RoleId, UserId, UserState,
};
use hyperproof::{Error, RestClient};
use idgraph_common::paginate::{ListingFault, StopReason};
use serde_json::json;
use support::*;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// One REST endpoint: how it is called and where it lives.
#[derive(Debug, Clone, Copy)]
enum Endpoint {
    UsersMe,
    UsersList,
    GroupsList,
    GroupsGet,
    GroupsCreate,
    RolesList,
}

const ALL: [Endpoint; 6] = [
    Endpoint::UsersMe,
    Endpoint::UsersList,
    Endpoint::GroupsList,
    Endpoint::GroupsGet,
    Endpoint::GroupsCreate,
    Endpoint::RolesList,
];

const GROUP_ID: &str = "abcdef12-3456-7890-abcd-ef1234567890";

impl Endpoint {
    fn method(self) -> &'static str {
        match self {
            Endpoint::GroupsCreate => "POST",
            _ => "GET",
        }
    }

    fn path(self) -> String {
        match self {
            Endpoint::UsersMe => "/v1/users/me".into(),
            Endpoint::UsersList => "/v1/users".into(),
            Endpoint::GroupsList | Endpoint::GroupsCreate => "/v1/groups".into(),
            Endpoint::GroupsGet => format!("/v1/groups/{GROUP_ID}"),
            Endpoint::RolesList => "/v1/roles".into(),
        }
    }

    fn ok_fixture(self) -> &'static str {
        match self {
            Endpoint::UsersMe => "users_me_ok.json",
            Endpoint::UsersList => "users_list_ok.json",
            Endpoint::GroupsList => "groups_list_ok.json",
            Endpoint::GroupsGet => "groups_get_ok.json",
            Endpoint::GroupsCreate => "groups_create_ok.json",
            Endpoint::RolesList => "roles_list_ok.json",
        }
    }

    /// Calls the endpoint and returns how many items it decoded.
    async fn call(self, client: &RestClient) -> Result<usize, Error> {
        Ok(match self {
            Endpoint::UsersMe => client.users().me().await.map(|_| 1)?,
            Endpoint::UsersList => client
                .users()
                .list()
                .stream()
                .try_collect::<Vec<_>>()
                .await?
                .len(),
            Endpoint::GroupsList => client
                .groups()
                .list()
                .stream()
                .try_collect::<Vec<_>>()
                .await?
                .len(),
            Endpoint::GroupsGet => client
                .groups()
                .get(&GroupId::new(GROUP_ID))
                .await
                .map(|_| 1)?,
            Endpoint::GroupsCreate => client
                .groups()
                .create(&NewGroup::new("Auditors"))
                .await
                .map(|_| 1)?,
            Endpoint::RolesList => client
                .roles()
                .list()
                .stream()
                .try_collect::<Vec<_>>()
                .await?
                .len(),
        })
    }

    fn mock(self) -> wiremock::MockBuilder {
        Mock::given(method(self.method())).and(path(self.path()))
    }
}

#[tokio::test(start_paused = true)]
async fn every_endpoint_decodes_its_success_fixture() {
    for endpoint in ALL {
        let server = MockServer::start().await;
        endpoint
            .mock()
            .and(header("authorization", format!("Bearer {API_TOKEN}")))
            .and(header("accept", "application/json"))
            .respond_with(json_fixture(200, endpoint.ok_fixture()))
            .expect(1)
            .mount(&server)
            .await;
        let n = endpoint
            .call(&api_token_client(&server))
            .await
            .unwrap_or_else(|e| panic!("{endpoint:?}: {e}"));
        assert!(n >= 1, "{endpoint:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn every_endpoint_reports_401_naming_the_rejected_credential() {
    for endpoint in ALL {
        let server = MockServer::start().await;
        endpoint
            .mock()
            .respond_with(json_fixture(401, "error_401_unauthorized.json"))
            // A static token cannot be refreshed: exactly one attempt.
            .expect(1)
            .mount(&server)
            .await;
        let err = endpoint.call(&api_token_client(&server)).await.unwrap_err();
        assert!(err.is_unauthorized(), "{endpoint:?}: {err}");
        let msg = err.to_string();
        for needle in [
            "HTTP 401",
            "Access denied due to invalid token.",
            "REST API token (ApiToken)",
            "SCIM token are separate",
            "can be rotated",
        ] {
            assert!(
                msg.contains(needle),
                "{endpoint:?}: {needle:?} not in {msg}"
            );
        }
        assert!(!msg.contains(API_TOKEN), "{msg}");
    }
}

#[tokio::test(start_paused = true)]
async fn every_endpoint_reports_a_permission_403_without_retrying() {
    for endpoint in ALL {
        let server = MockServer::start().await;
        endpoint
            .mock()
            .respond_with(json_fixture(403, "error_403_permission.json"))
            .expect(1)
            .mount(&server)
            .await;
        let err = endpoint.call(&api_token_client(&server)).await.unwrap_err();
        assert!(err.is_forbidden(), "{endpoint:?}: {err}");
        assert!(!err.is_rate_limited() && !err.is_retryable(), "{err}");
        let msg = err.to_string();
        assert!(msg.contains("You do not have permission"), "{msg}");
        assert!(msg.contains("lack permission"), "{msg}");
    }
}

#[tokio::test(start_paused = true)]
async fn every_endpoint_retries_the_quota_403_and_then_succeeds() {
    for endpoint in ALL {
        let server = MockServer::start().await;
        endpoint
            .mock()
            .respond_with(
                json_fixture(403, "error_403_quota.json").insert_header("retry-after", "2"),
            )
            .up_to_n_times(1)
            .expect(1)
            .with_priority(1)
            .mount(&server)
            .await;
        endpoint
            .mock()
            .respond_with(json_fixture(200, endpoint.ok_fixture()))
            .expect(1)
            .mount(&server)
            .await;
        let (result, waited) = timed(endpoint.call(&api_token_client(&server))).await;
        result.unwrap_or_else(|e| panic!("{endpoint:?}: {e}"));
        assert_eq!(waited, Duration::from_secs(2), "{endpoint:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn every_endpoint_waits_for_retry_after_on_429_and_then_succeeds() {
    for endpoint in ALL {
        let server = MockServer::start().await;
        endpoint
            .mock()
            .respond_with(
                json_fixture(429, "error_429_rate_limited.json").insert_header("retry-after", "5"),
            )
            .up_to_n_times(1)
            .expect(1)
            .with_priority(1)
            .mount(&server)
            .await;
        endpoint
            .mock()
            .respond_with(json_fixture(200, endpoint.ok_fixture()))
            .expect(1)
            .mount(&server)
            .await;
        let (result, waited) = timed(endpoint.call(&api_token_client(&server))).await;
        result.unwrap_or_else(|e| panic!("{endpoint:?}: {e}"));
        assert_eq!(waited, Duration::from_secs(5), "{endpoint:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn every_endpoint_reports_404() {
    for endpoint in ALL {
        let server = MockServer::start().await;
        endpoint
            .mock()
            .respond_with(json_fixture(404, "error_404_not_found.json"))
            .expect(1)
            .mount(&server)
            .await;
        let err = endpoint.call(&api_token_client(&server)).await.unwrap_err();
        assert!(err.is_not_found(), "{endpoint:?}: {err}");
        assert!(err.to_string().contains("Resource not found"), "{err}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_quota_403_that_persists_ends_as_a_rate_limit_error_not_a_permission_one() {
    let server = MockServer::start().await;
    Endpoint::UsersList
        .mock()
        .respond_with(json_fixture(403, "error_403_quota.json"))
        .expect(4)
        .mount(&server)
        .await;
    let err = Endpoint::UsersList
        .call(&api_token_client(&server))
        .await
        .unwrap_err();
    assert!(err.is_rate_limited(), "{err}");
    assert!(!err.is_forbidden(), "{err}");
    assert!(
        err.to_string().contains("Bandwidth quota exceeded"),
        "{err}"
    );
}

#[tokio::test]
async fn me_decodes_every_documented_field() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/users/me"))
        .and(query_param("expand", "identityProviders,organizations"))
        .respond_with(json_fixture(200, "users_me_ok.json"))
        .expect(1)
        .mount(&server)
        .await;
    let me = api_token_client(&server)
        .users()
        .me_expanded(&["identityProviders", "organizations"])
        .await
        .unwrap();
    assert_eq!(me.id, UserId::new("82d7c228-8bcd-11e9-a94b-ab3de8494987"));
    assert_eq!(me.email.as_deref(), Some("john.smith@example.com"));
    assert_eq!(me.given_name.as_deref(), Some("John"));
    assert_eq!(me.surname.as_deref(), Some("Smith"));
    assert_eq!(me.time_zone.as_deref(), Some("America/Los_Angeles"));
    assert_eq!(me.identity_providers, ["google.com", "okta.com"]);
    assert_eq!(
        me.organization_role_id,
        Some(RoleId::new("b97cf308-2504-4b56-bece-1f523070e2d9"))
    );
    // The documentation's own example value, outside its listed enum.
    assert_eq!(me.state, Some(UserState::Verified));
    assert_eq!(me.extra["organizations"][0]["name"], "Example Corp");
}

#[tokio::test]
async fn list_users_sends_its_options_and_keeps_unknown_types() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/users"))
        .and(query_param("includeDeactivated", "true"))
        .and(query_param("expand", "organizationRoleId"))
        .respond_with(json_fixture(200, "users_list_ok.json"))
        .expect(1)
        .mount(&server)
        .await;
    let (users, summary) = api_token_client(&server)
        .users()
        .list()
        .include_deactivated(true)
        .expand("organizationRoleId")
        .stream()
        .collect_with_summary()
        .await
        .unwrap();
    assert_eq!(users.len(), 4);
    // The bare array is everything: one page, complete.
    assert_eq!(summary.pages, 1);
    assert_eq!(summary.items, 4);
    assert_eq!(summary.stop, StopReason::SingleAnswer);
    assert!(summary.is_complete());
    assert_eq!(users[0].kind, Some(OrganizationUserType::ActiveUser));
    assert_eq!(users[0].title.as_deref(), Some("Compliance Lead"));
    assert!(users[1].is_deactivated());
    assert!(users[2].email.is_none());
    assert!(users[2].kind.as_ref().unwrap().is_service_account());
    // Values this version does not know never fail the response.
    assert_eq!(
        users[3].kind,
        Some(OrganizationUserType::Unknown("holographicUser".into()))
    );
    assert_eq!(
        users[3].status,
        Some(ObjectStatus::Unknown("dormant".into()))
    );
}

#[tokio::test]
async fn groups_list_filters_by_status_and_decodes_nulls() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/groups"))
        .and(query_param("status", "archived"))
        .respond_with(json_fixture(200, "groups_list_ok.json"))
        .expect(1)
        .mount(&server)
        .await;
    let groups: Vec<_> = api_token_client(&server)
        .groups()
        .list()
        .status(ObjectStatus::Archived)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(groups[0].user_ids.len(), 2);
    assert_eq!(groups[1].status, Some(ObjectStatus::Archived));
    assert!(groups[1].user_ids.is_empty());
}

#[tokio::test]
async fn create_group_posts_the_documented_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/groups"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "name": "Auditors",
            "groupLeadId": "195032c4-0a2b-4f3e-8d5f-1a2b3c4d5e6f",
            "userIds": ["195032c4-0a2b-4f3e-8d5f-1a2b3c4d5e6f"]
        })))
        .respond_with(json_fixture(200, "groups_create_ok.json"))
        .expect(1)
        .mount(&server)
        .await;
    let lead = UserId::new("195032c4-0a2b-4f3e-8d5f-1a2b3c4d5e6f");
    let group = api_token_client(&server)
        .groups()
        .create(
            &NewGroup::new("Auditors")
                .group_lead(lead.clone())
                .member(lead),
        )
        .await
        .unwrap();
    assert_eq!(
        group.id,
        GroupId::new("cdef1234-5678-9012-cdef-123456789012")
    );
    assert_eq!(group.name, "Auditors");
}

#[tokio::test(start_paused = true)]
async fn create_group_is_not_retried_after_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let err = api_token_client(&server)
        .groups()
        .create(&NewGroup::new("Auditors"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(502));
}

#[tokio::test]
async fn a_group_without_a_name_is_refused_before_sending() {
    let server = MockServer::start().await;
    let err = api_token_client(&server)
        .groups()
        .create(&NewGroup::new("  "))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn roles_decode_with_unknown_fields_kept() {
    let server = MockServer::start().await;
    Endpoint::RolesList
        .mock()
        .respond_with(json_fixture(200, "roles_list_ok.json"))
        .mount(&server)
        .await;
    let roles: Vec<_> = api_token_client(&server)
        .roles()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(roles.len(), 4);
    assert_eq!(roles[0].name.as_deref(), Some("Organization Administrator"));
    assert_eq!(roles[3].extra["isBuiltIn"], true);
}

#[tokio::test]
async fn a_group_id_with_reserved_characters_is_one_encoded_segment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/groups/a%2Fb%3Fc%23d%25e..%2Fx"))
        .respond_with(json_fixture(200, "groups_get_ok.json"))
        .expect(1)
        .mount(&server)
        .await;
    let client = api_token_client(&server);
    client
        .groups()
        .get(&GroupId::new("a/b?c#d%e../x"))
        .await
        .unwrap();
    let err = client.groups().get(&GroupId::new("..")).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
}

#[tokio::test]
async fn client_credentials_401_says_which_client_was_rejected_after_one_refresh() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(json_fixture(200, "token_ok.json"))
        // The first token, then one fresh token after the 401.
        .expect(2)
        .mount(&server)
        .await;
    Endpoint::UsersMe
        .mock()
        .respond_with(json_fixture(401, "error_401_unauthorized.json"))
        .expect(2)
        .mount(&server)
        .await;
    let client = client_credentials_client(&server);
    let err = Endpoint::UsersMe.call(&client).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    let msg = err.to_string();
    for needle in [
        "OAuth2 client credentials",
        CLIENT_ID,
        "SCIM token are separate",
        "can be rotated",
    ] {
        assert!(msg.contains(needle), "{needle:?} not in {msg}");
    }
    assert!(!msg.contains(CLIENT_SECRET) && !msg.contains("fixture-access-token"));
    assert_eq!(client.token_requests(), Some(2));
}

#[tokio::test]
async fn the_token_endpoint_refusing_the_client_is_a_clear_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(json_fixture(401, "token_401_invalid_client.json"))
        .mount(&server)
        .await;
    let err = Endpoint::UsersMe
        .call(&client_credentials_client(&server))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("invalid_client"), "{msg}");
    assert!(msg.contains("client id and secret"), "{msg}");
    assert!(!msg.contains(CLIENT_SECRET), "{msg}");
}

#[tokio::test]
async fn client_credentials_are_posted_as_a_form_with_the_scopes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(wiremock::matchers::body_string_contains(
            "grant_type=client_credentials",
        ))
        .and(wiremock::matchers::body_string_contains("scope=user.read"))
        .and(wiremock::matchers::body_string_contains(format!(
            "client_id={CLIENT_ID}"
        )))
        .respond_with(json_fixture(200, "token_ok.json"))
        .expect(1)
        .mount(&server)
        .await;
    Endpoint::RolesList
        .mock()
        .and(header(
            "authorization",
            "Bearer eyJhbGciOiJSUzI1NiJ9.fixture-access-token.sig",
        ))
        .respond_with(json_fixture(200, "roles_list_ok.json"))
        .expect(1)
        .mount(&server)
        .await;
    Endpoint::RolesList
        .call(&client_credentials_client(&server))
        .await
        .unwrap();
}

#[tokio::test]
async fn rest_listings_are_lazy_one_request_and_one_complete_page() {
    let server = MockServer::start().await;
    for endpoint in [
        Endpoint::UsersList,
        Endpoint::GroupsList,
        Endpoint::RolesList,
    ] {
        endpoint
            .mock()
            .respond_with(json_fixture(200, endpoint.ok_fixture()))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = api_token_client(&server);
    // Built, not polled: nothing is sent.
    let users = client.users().list().include_deactivated(true).stream();
    let groups = client.groups().list().pages();
    let roles = client.roles().list().stream();
    assert!(server.received_requests().await.unwrap().is_empty());
    assert!(users.summary().is_none());

    let (users, summary) = users.collect_with_summary().await.unwrap();
    assert_eq!((summary.pages, summary.items), (1, users.len() as u64));
    assert_eq!(summary.stop, StopReason::SingleAnswer);
    let (roles, summary) = roles.collect_with_summary().await.unwrap();
    assert_eq!((summary.pages, summary.items), (1, roles.len() as u64));

    let mut groups = groups;
    let page = groups.try_next().await.unwrap().unwrap();
    assert!(!page.items.is_empty());
    assert!(groups.try_next().await.unwrap().is_none());
    let summary = groups.summary().unwrap();
    assert_eq!(summary.pages, 1);
    assert_eq!(summary.stop, StopReason::SingleAnswer);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);

    // Pages of users, and the handles' streams, are Send + Unpin + 'static.
    fn owned<T: Send + Sync + 'static>(_: &T) {}
    fn stream<S: Send + Unpin + 'static>(_: &S) {}
    owned(&client.users());
    owned(&client.groups());
    owned(&client.roles());
    stream(&client.users().list().pages());
    stream(&client.groups().list().stream());
    stream(&client.roles().list().pages());
}

#[tokio::test]
async fn an_empty_answer_is_a_complete_empty_listing() {
    let server = MockServer::start().await;
    Endpoint::RolesList
        .mock()
        .respond_with(ResponseTemplate::new(200).set_body_raw("[]", "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let (roles, summary) = api_token_client(&server)
        .roles()
        .list()
        .stream()
        .collect_with_summary()
        .await
        .unwrap();
    assert!(roles.is_empty());
    assert!(summary.is_complete(), "{summary}");
    assert_eq!(summary.items, 0);
}

#[tokio::test]
async fn an_id_twice_in_the_answer_ends_the_listing_as_incomplete() {
    let server = MockServer::start().await;
    Endpoint::UsersList
        .mock()
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "u1", "email": "a@example.com"},
            {"id": "u1", "email": "a@example.com"}
        ])))
        .expect(1)
        .mount(&server)
        .await;
    let err = api_token_client(&server)
        .users()
        .list()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    match err {
        Error::IncompleteListing { reason, .. } => {
            assert_eq!(reason, ListingFault::RepeatedItems { repeated: 1 });
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_answer_that_is_not_an_array_is_a_decode_error() {
    let server = MockServer::start().await;
    Endpoint::GroupsList
        .mock()
        .respond_with(json_fixture(200, "groups_get_ok.json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = api_token_client(&server)
        .groups()
        .list()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn the_attempt_timeout_bounds_a_token_endpoint_that_hangs() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(json_fixture(200, "token_ok.json").set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    let client = RestClient::builder()
        .base_url(format!("{}/v1", server.uri()))
        .token_url(format!("{}/oauth/token", server.uri()))
        .client_credentials(credentials())
        .transport(
            hyperproof::TransportSettings::new()
                .retry_policy(hyperproof::RetryPolicy::disabled())
                .attempt_timeout(Duration::from_millis(200))
                .user_agent("offboarding-bot/2.1"),
        )
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.users().me().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "{err}");
    // The API itself was never called.
    let sent = server.received_requests().await.unwrap();
    assert!(sent.iter().all(|r| r.url.path() == "/oauth/token"));
    // The token request travelled with the same settings: the caller's user agent.
    assert!(!sent.is_empty());
    assert!(
        sent.iter()
            .all(|r| r.headers["user-agent"] == "offboarding-bot/2.1"),
        "{:?}",
        sent.iter()
            .map(|r| &r.headers["user-agent"])
            .collect::<Vec<_>>()
    );
}
