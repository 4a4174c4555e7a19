//! Every interface API endpoint against recorded fixtures: success and each documented
//! error (400 domain not registered, 401, 404, 207 partial batch).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use futures::TryStreamExt;
use proofpoint_essentials::{
    AdminPassword, AdminUser, BulkUser, Client, CreateError, Error, ErrorCode, GroupId,
    Irreversible, NewUser, PrimaryEmail, RetryPolicy, Stack, UserStatus, UserType,
};
use serde_json::json;
use support::{ADMIN, ADMIN_PASSWORD, fixture, interface};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn email(s: &str) -> PrimaryEmail {
    PrimaryEmail::new(s).unwrap()
}

#[tokio::test]
async fn me_sends_the_header_pair() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/me"))
        .and(header("x-user", ADMIN))
        .and(header("x-password", ADMIN_PASSWORD))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("interface_me_ok")))
        .expect(1)
        .mount(&server)
        .await;
    let me = interface(&server).me().await.unwrap();
    assert_eq!(me.is_admin, Some(true));
    assert_eq!(me.read_only_user, Some(false));
    assert_eq!(me.entity_primary_domain.as_deref(), Some("example.com"));
}

#[tokio::test]
async fn me_401_names_the_header_pair() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/me"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(fixture("interface_me_unauthorized")),
        )
        .mount(&server)
        .await;
    let err = interface(&server).me().await.unwrap_err();
    assert!(err.is_unauthorized());
    assert!(err.to_string().contains("X-User/X-Password"), "{err}");
}

#[tokio::test]
async fn endpoints_discovers_the_stack() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/endpoints/example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("interface_endpoints_ok")))
        .mount(&server)
        .await;
    let stacks = interface(&server).endpoints("example.com").await.unwrap();
    assert_eq!(stacks, [Stack::Us2]);
}

#[tokio::test]
async fn discover_builds_for_the_named_stack_and_refuses_untrusted_hosts() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/endpoints/example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("interface_endpoints_ok")))
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/endpoints/evil.example"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"endpoints": ["https://evil.example.net"]})),
        )
        .mount(&server)
        .await;
    let builder = |domain: &str| {
        Client::builder()
            .stack(Stack::custom(server.uri()))
            .org_domain(domain)
            .admin_user(AdminUser::new(ADMIN))
            .admin_password(AdminPassword::new(ADMIN_PASSWORD))
            .transport(support::transport(RetryPolicy::disabled()))
    };
    let client = builder("example.com").discover().await.unwrap();
    assert_eq!(client.stack(), Some(&Stack::Us2));
    assert_eq!(
        client.base_url(),
        "https://us2.proofpointessentials.com/api/v1"
    );
    let err = builder("evil.example").discover().await.unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

#[tokio::test]
async fn users_list_maps_snake_case_onto_the_model() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orgs/example.com/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("interface_users_list_ok")))
        .expect(1)
        .mount(&server)
        .await;
    let users: Vec<_> = interface(&server)
        .users()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 2, "one unpaginated request");
    let jane = &users[0];
    assert_eq!(jane.first_name.as_deref(), Some("Jane"));
    assert_eq!(jane.last_name.as_deref(), Some("Doe"));
    assert_eq!(jane.user_type(), Some(&UserType::EndUser));
    assert_eq!(jane.status, Some(UserStatus::Active));
    assert_eq!(
        jane.aliases.as_deref(),
        Some(&["jd@example.com".to_owned()][..])
    );
    assert_eq!(
        jane.sender_allow_list.as_deref(),
        Some(&["partner@vendor.example".to_owned()][..])
    );
    assert_eq!(jane.uid(), Some(1234));
    assert_eq!(jane.extra()["odin_settings"]["is_imitable"], true);
    let bob = &users[1];
    assert_eq!(bob.status, Some(UserStatus::Inactive));
    assert_eq!(
        bob.sender_allow_list.as_deref(),
        Some(&["a@b.example".to_owned()][..])
    );
    assert_eq!(
        bob.sender_block_list.as_deref(),
        Some(&["spam@x.example".to_owned()][..])
    );
}

#[tokio::test]
async fn users_list_404_hints_at_the_stack() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/orgs/example.com/users"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(fixture("interface_users_list_org_not_found")),
        )
        .mount(&server)
        .await;
    let err = interface(&server)
        .users()
        .list()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert!(err.to_string().contains("another stack"), "{err}");
}

#[tokio::test]
async fn users_get_200_and_404() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orgs/example.com/users/jane%40example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("interface_users_get_ok")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orgs/example.com/users/nobody%40example.com"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(fixture("interface_users_get_not_found")),
        )
        .mount(&server)
        .await;
    let client = interface(&server);
    let jane = client
        .users()
        .get(&email("jane@example.com"))
        .await
        .unwrap();
    assert_eq!(jane.extra()["is_billable"], true);
    let err = client
        .users()
        .get(&email("nobody@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn users_create_single_object() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/orgs/example.com/users"))
        .and(body_json(json!({
            "primary_email": "newuser@example.com", "type": "end_user",
            "firstname": "John", "surname": "Smith", "send_welcome_email": false
        })))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(fixture("interface_users_create_ok")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let user = interface(&server)
        .users()
        .create(
            &NewUser::new(email("newuser@example.com"), UserType::EndUser)
                .names("John", "Smith")
                .send_welcome_email(false),
        )
        .await
        .unwrap();
    assert_eq!(user.uid(), Some(2001));
}

#[tokio::test]
async fn users_create_400_unregistered_domain_is_typed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(fixture("interface_users_create_domain_not_registered")),
        )
        .mount(&server)
        .await;
    let err = interface(&server)
        .users()
        .create(&NewUser::new(
            email("x@unregistered.example"),
            UserType::EndUser,
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(err.vendor_code::<ErrorCode>(), Some(ErrorCode::DomainNotRegistered { domain }) if domain == "unregistered.example"),
        "{err:?}"
    );
    assert!(err.to_string().contains("admin console"), "{err}");
}

#[tokio::test]
async fn users_create_refuses_rest_only_types_and_fields_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&server)
        .await;
    let users = interface(&server);
    let err = users
        .users()
        .create(&NewUser::new(email("a@example.com"), UserType::User))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { .. }) && err.to_string().contains("end_user"),
        "{err}"
    );
    let err = users
        .users()
        .create(&NewUser::new(email("a@example.com"), UserType::EndUser).mailbox_size(10))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("mailbox_size"), "{err}");
}

#[tokio::test]
async fn batch_create_sends_an_array_and_reads_every_user() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/orgs/example.com/users"))
        .and(body_json(json!([
            {"primary_email": "a@example.com", "type": "end_user"},
            {"primary_email": "b@example.com", "type": "end_user"}
        ])))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("interface_users_batch_ok")))
        .expect(1)
        .mount(&server)
        .await;
    let report = interface(&server)
        .users()
        .bulk_create([
            NewUser::new(email("a@example.com"), UserType::EndUser),
            NewUser::new(email("b@example.com"), UserType::EndUser),
        ])
        .send()
        .await;
    assert!(report.all_succeeded(), "{report:?}");
    assert_eq!(report.created().count(), 2);
}

#[tokio::test]
async fn batch_create_207_maps_errors_to_each_user() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/orgs/example.com/users"))
        .respond_with(
            ResponseTemplate::new(207).set_body_json(fixture("interface_users_batch_partial")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let report = interface(&server)
        .users()
        .bulk_create([
            BulkUser::new(NewUser::new(email("a@example.com"), UserType::EndUser))
                .group(GroupId::new("grp_001").unwrap()),
            NewUser::new(email("b@example.com"), UserType::EndUser).into(),
            NewUser::new(email("c@unregistered.example"), UserType::EndUser).into(),
            NewUser::new(email("d@example.com"), UserType::EndUser).into(),
        ])
        .send()
        .await;
    let r = &report.results;
    assert!(r[0].user.is_ok());
    // The group assignment is refused: the interface API has no groups.
    assert!(matches!(
        r[0].groups[0].result,
        Err(Error::Unsupported { .. })
    ));
    assert_eq!(r[1].user.as_ref().unwrap_err().status(), Some(409));
    let c = r[2].user.as_ref().unwrap_err();
    assert_eq!(c.unregistered_domain(), Some("unregistered.example"));
    assert!(c.to_string().contains("admin console"), "{c}");
    assert!(
        matches!(r[3].user, Err(CreateError::Unconfirmed)),
        "{:?}",
        r[3].user
    );
    assert_eq!(report.failed().count(), 3);
}

#[tokio::test]
async fn single_create_refused_inside_a_success_answer_is_an_api_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/orgs/example.com/users"))
        .respond_with(
            ResponseTemplate::new(207)
                .set_body_json(fixture("interface_users_create_refused_in_success")),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/orgs/example.com/users"))
        .respond_with(
            ResponseTemplate::new(207)
                .set_body_json(fixture("interface_users_create_domain_refused_in_success")),
        )
        .mount(&server)
        .await;
    let client = interface(&server);
    // The request was sent and refused: an API error with the item's status, not an
    // input error.
    let err = client
        .users()
        .create(&NewUser::new(email("b@example.com"), UserType::EndUser))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert!(err.is_conflict() && err.was_sent(), "{err}");
    assert!(err.to_string().contains("User already exists"), "{err}");
    // The domain reason keeps its own typed error.
    let err = client
        .users()
        .create(&NewUser::new(
            email("c@unregistered.example"),
            UserType::EndUser,
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
}

#[tokio::test]
async fn users_update_puts_the_whole_snake_case_user() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orgs/example.com/users/jane%40example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("interface_users_get_ok")))
        .mount(&server)
        .await;
    let mut expected = fixture("interface_users_get_ok");
    expected["is_active"] = json!(false);
    Mock::given(method("PUT"))
        .and(path("/api/v1/orgs/example.com/users/jane%40example.com"))
        .and(body_json(expected))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let user = interface(&server)
        .users()
        .deactivate(&email("jane@example.com"))
        .await
        .unwrap();
    assert_eq!(user.status, Some(UserStatus::Inactive));
}

#[tokio::test]
async fn users_update_404() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(fixture("interface_users_update_not_found")),
        )
        .mount(&server)
        .await;
    let err = interface(&server)
        .users()
        .reactivate(&email("jane@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn users_delete_204_and_404() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/orgs/example.com/users/leaver%40example.com"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/orgs/example.com/users/gone%40example.com"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(fixture("interface_users_delete_not_found")),
        )
        .mount(&server)
        .await;
    let client = interface(&server);
    client
        .users()
        .delete(&email("leaver@example.com"), Irreversible)
        .await
        .unwrap();
    assert!(
        client
            .users()
            .delete(&email("gone@example.com"), Irreversible)
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn groups_are_unsupported_and_say_why() {
    let server = MockServer::start().await;
    let client = interface(&server);
    let err = client
        .groups()
        .list()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }));
    assert!(err.to_string().contains("no groups resource"), "{err}");
    let g = GroupId::new("grp_001").unwrap();
    let e = email("a@example.com");
    assert!(matches!(
        client.groups().add_member(&g, &e).await,
        Err(Error::Unsupported { .. })
    ));
    assert!(matches!(
        client.groups().remove_member(&g, &e).await,
        Err(Error::Unsupported { .. })
    ));
}
