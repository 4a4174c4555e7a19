//! Every REST-surface endpoint against recorded fixtures: success and each documented
//! error (400 domain not registered, 401, 404, 409, 429).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use futures::TryStreamExt;
use proofpoint_essentials::{
    Error, ErrorCode, GroupId, Irreversible, NewUser, PrimaryEmail, RetryPolicy, UserPassword,
    UserStatus, UserType,
};
use serde_json::json;
use support::{BASIC, fixture, rest};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn email(s: &str) -> PrimaryEmail {
    PrimaryEmail::new(s).unwrap()
}

#[tokio::test]
async fn users_list_walks_pages_until_the_total() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/users"))
        .and(query_param("page", "1"))
        .and(query_param("pageSize", "2"))
        .and(header("authorization", BASIC))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("rest_users_list_page1")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/users"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("rest_users_list_page2")))
        .expect(1)
        .mount(&server)
        .await;
    let users: Vec<_> = rest(&server)
        .users()
        .list()
        .page_size(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 3, "stops at total = 3 without a third request");
    let jane = &users[0];
    assert_eq!(jane.primary_email().as_str(), "jane@example.com");
    assert_eq!(jane.first_name.as_deref(), Some("Jane"));
    assert_eq!(jane.user_type(), Some(&UserType::User));
    assert_eq!(jane.roles.as_deref(), Some(&["USER".to_owned()][..]));
    assert_eq!(
        jane.aliases.as_deref(),
        Some(&["jd@example.com".to_owned()][..])
    );
    assert_eq!(jane.groups.as_deref(), Some(&["grp_001".to_owned()][..]));
    assert_eq!(jane.mailbox_size, Some(2048));
    assert_eq!(jane.spam_policy, Some(json!({"level": "strict"})));
    assert_eq!(jane.created_at(), Some("2024-03-01T10:00:00Z"));
    assert_eq!(jane.updated_at(), Some("2024-06-01T10:00:00Z"));
    assert_eq!(jane.extra()["costCenter"], "CC-42");
    let zoe = &users[2];
    assert_eq!(zoe.primary_email(), &email("zoe+ops@example.com"));
    assert_eq!(zoe.user_type(), Some(&UserType::Alias));
    assert_eq!(zoe.status, Some(UserStatus::Inactive));
    assert!(!zoe.is_active());
}

#[tokio::test]
async fn users_list_default_page_size_is_the_maximum() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/users"))
        .and(query_param("pageSize", "1000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"users": [], "total": 0})))
        .expect(1)
        .mount(&server)
        .await;
    let users: Vec<_> = rest(&server)
        .users()
        .list()
        .page_size(5000)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(users.is_empty());
}

#[tokio::test]
async fn users_list_401_says_which_credential() {
    let server = MockServer::start().await;
    Mock::given(path("/v2/users"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(fixture("rest_users_list_unauthorized")),
        )
        .mount(&server)
        .await;
    let err = rest(&server)
        .users()
        .list()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized());
    let text = err.to_string();
    assert!(text.contains("Invalid API key or secret"), "{text}");
    assert!(text.contains("Settings > API Keys"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn users_list_429_is_retried_with_backoff_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(path("/v2/users"))
        .respond_with(
            ResponseTemplate::new(429).set_body_json(fixture("rest_users_list_rate_limited")),
        )
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(path("/v2/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json({
            let mut page = fixture("rest_users_list_page2");
            page["total"] = json!(1);
            page
        }))
        .expect(1)
        .mount(&server)
        .await;
    let client = proofpoint_essentials::Client::builder()
        .base_url(format!("{}/v2", server.uri()))
        .api_key(proofpoint_essentials::ApiKey::new(support::KEY))
        .api_secret(proofpoint_essentials::ApiSecret::new(support::SECRET))
        .transport(support::transport(RetryPolicy::standard()).no_rate_limiter())
        .build()
        .unwrap();
    let users: Vec<_> = client.users().list().stream().try_collect().await.unwrap();
    assert_eq!(users.len(), 1);
}

#[tokio::test]
async fn users_list_429_after_retries_is_rate_limited() {
    let server = MockServer::start().await;
    Mock::given(path("/v2/users"))
        .respond_with(
            ResponseTemplate::new(429).set_body_json(fixture("rest_users_list_rate_limited")),
        )
        .mount(&server)
        .await;
    let err = rest(&server)
        .users()
        .list()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.is_rate_limited(), "{err:?}");
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.retry_after(), None, "the API promises no Retry-After");
}

#[tokio::test]
async fn users_get_encodes_the_email_as_one_segment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/users/jane%40example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("rest_users_get_ok")))
        .expect(1)
        .mount(&server)
        .await;
    let user = rest(&server)
        .users()
        .get(&email("jane@example.com"))
        .await
        .unwrap();
    assert_eq!(user.extra()["lastSeenPolicy"], json!({"id": 7}));
    assert!(user.password.is_none());
}

#[tokio::test]
async fn users_get_404_is_typed() {
    let server = MockServer::start().await;
    Mock::given(path("/v2/users/nobody%40example.com"))
        .respond_with(ResponseTemplate::new(404).set_body_json(fixture("rest_users_get_not_found")))
        .mount(&server)
        .await;
    let err = rest(&server)
        .users()
        .get(&email("nobody@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert!(err.to_string().contains("There is no user"), "{err}");
}

#[tokio::test]
async fn users_create_sends_the_documented_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/users"))
        .and(body_json(fixture("rest_users_create_request")))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("rest_users_create_ok")))
        .expect(1)
        .mount(&server)
        .await;
    let user = rest(&server)
        .users()
        .create(
            &NewUser::new(email("newuser@example.com"), UserType::User)
                .names("John", "Smith")
                .password(UserPassword::new("Temp@1234")),
        )
        .await
        .unwrap();
    assert_eq!(user.status, Some(UserStatus::Active));
    assert!(user.password.is_none());
}

#[tokio::test]
async fn users_create_400_unregistered_domain_is_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/users"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(fixture("rest_users_create_domain_not_registered")),
        )
        .mount(&server)
        .await;
    let err = rest(&server)
        .users()
        .create(&NewUser::new(
            email("new@Unregistered.example"),
            UserType::User,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    match err.vendor_code::<ErrorCode>() {
        Some(ErrorCode::DomainNotRegistered { domain }) => {
            assert_eq!(domain, "unregistered.example");
        }
        other => panic!("{other:?} {err:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("unregistered.example") && text.contains("admin console"),
        "{text}"
    );
    assert_eq!(err.status(), Some(400));
    assert!(err.was_sent());
}

#[tokio::test]
async fn users_create_409_is_a_conflict() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/users"))
        .respond_with(
            ResponseTemplate::new(409).set_body_json(fixture("rest_users_create_conflict")),
        )
        .mount(&server)
        .await;
    let err = rest(&server)
        .users()
        .create(&NewUser::new(email("newuser@example.com"), UserType::User))
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
}

#[tokio::test]
async fn users_update_puts_the_whole_user_back() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/users/jane%40example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("rest_users_get_ok")))
        .mount(&server)
        .await;
    // Everything read comes back, unknown fields included; only lastName changed.
    let mut expected = fixture("rest_users_get_ok");
    let obj = expected.as_object_mut().unwrap();
    obj.remove("primaryEmail");
    obj.remove("createdAt");
    obj.remove("updatedAt");
    obj.insert("lastName".into(), json!("Updated"));
    obj.insert("roles".into(), json!(["ADMINISTRATOR"]));
    Mock::given(method("PUT"))
        .and(path("/v2/users/jane%40example.com"))
        .and(body_json(expected))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("rest_users_update_ok")))
        .expect(1)
        .mount(&server)
        .await;
    let user = rest(&server)
        .users()
        .update(&email("jane@example.com"), |u| {
            u.last_name = Some("Updated".into());
            u.roles = Some(vec!["ADMINISTRATOR".into()]);
        })
        .await
        .unwrap();
    // The answer is partial; the returned user is the full one sent.
    assert_eq!(user.mailbox_size, Some(2048));
    assert_eq!(user.extra()["costCenter"], "CC-42");
    assert_eq!(user.updated_at(), Some("2024-07-01T00:00:00Z"));
}

#[tokio::test]
async fn users_update_404_is_typed_and_nothing_is_put() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(fixture("rest_users_update_not_found")),
        )
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let err = rest(&server)
        .users()
        .update(&email("jane@example.com"), |u| u.first_name = None)
        .await
        .unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn users_delete_204_and_404() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v2/users/leaver%40example.com"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v2/users/gone%40example.com"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(fixture("rest_users_delete_not_found")),
        )
        .mount(&server)
        .await;
    let client = rest(&server);
    client
        .users()
        .delete(&email("leaver@example.com"), Irreversible)
        .await
        .unwrap();
    let err = client
        .users()
        .delete(&email("gone@example.com"), Irreversible)
        .await
        .unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn groups_list_reads_groups_and_keeps_unknown_fields() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/groups"))
        .and(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("rest_groups_list_ok")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/groups"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"groups": []})))
        .mount(&server)
        .await;
    let groups: Vec<_> = rest(&server)
        .groups()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].id.as_str(), "grp_001");
    assert_eq!(groups[0].name.as_deref(), Some("Sales"));
    assert_eq!(groups[0].member_count, Some(12));
    assert_eq!(groups[1].extra["policyId"], "p-9");
}

#[tokio::test]
async fn groups_add_member_201_and_404() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/groups/grp_001/members"))
        .and(body_json(json!({"primaryEmail": "user@example.com"})))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(fixture("rest_groups_add_member_ok")),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/groups/grp_001/members"))
        .and(body_json(json!({"primaryEmail": "ghost@example.com"})))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(fixture("rest_groups_add_member_user_not_found")),
        )
        .mount(&server)
        .await;
    let client = rest(&server);
    let group = GroupId::new("grp_001").unwrap();
    // The 201 answer is all it returns; the mock's `expect(1)` checks the request.
    client
        .groups()
        .add_member(&group, &email("user@example.com"))
        .await
        .unwrap();
    let err = client
        .groups()
        .add_member(&group, &email("ghost@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn groups_remove_member_204_and_404() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v2/groups/grp_001/members/user%40example.com"))
        .respond_with(ResponseTemplate::new(204))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v2/groups/grp_001/members/user%40example.com"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(fixture("rest_groups_remove_member_not_found")),
        )
        .mount(&server)
        .await;
    let client = rest(&server);
    let group = GroupId::new("grp_001").unwrap();
    client
        .groups()
        .remove_member(&group, &email("user@example.com"))
        .await
        .unwrap();
    let err = client
        .groups()
        .remove_member(&group, &email("user@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn me_and_endpoints_are_interface_only() {
    let server = MockServer::start().await;
    let client = rest(&server);
    assert!(matches!(client.me().await, Err(Error::Unsupported { .. })));
    assert!(matches!(
        client.endpoints("example.com").await,
        Err(Error::Unsupported { .. })
    ));
}
