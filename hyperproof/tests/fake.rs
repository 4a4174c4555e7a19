//! `FakeHyperproof`: credential checks per surface, the SCIM lifecycle seen from both
//! surfaces, groups, and the `UserDirectory` implementation.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures::TryStreamExt;
use hyperproof::rest::{NewGroup as RestNewGroup, ObjectStatus, OrganizationUserType};
use hyperproof::scim::{NewGroup, NewUser};
use hyperproof::testing::FakeHyperproof;
use hyperproof::{
    ApiToken, ClientAuthMethod, ClientCredentials, ClientSecret, Error, HyperproofRole, RestClient,
    ScimClient, ScimToken,
};
use idgraph_common::ExposeSecret;
use idgraph_common::graph::{DirectoryUser, UserDirectory};
use scim_types::UserId;

fn scim_token_value(fake: &FakeHyperproof) -> String {
    fake.scim_token().secret().expose_secret().to_owned()
}

#[tokio::test]
async fn the_scim_token_does_not_open_the_rest_api() {
    let fake = FakeHyperproof::start().await;
    let rest = fake
        .rest_client_builder()
        .api_token(ApiToken::new(scim_token_value(&fake)))
        .build()
        .unwrap();
    let err = rest.users().me().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(err.to_string().contains("SCIM token are separate"), "{err}");
}

#[tokio::test]
async fn rest_credentials_do_not_open_the_scim_api() {
    let fake = FakeHyperproof::start().await;
    let api_token = fake.api_token().secret().expose_secret().to_owned();
    let scim = fake
        .scim_client_builder()
        .token(ScimToken::new(api_token))
        .build()
        .unwrap();
    let err = scim
        .users()
        .list()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("SCIM token (ScimToken)"), "{msg}");
    assert!(msg.contains("are separate"), "{msg}");

    // Nor does an access token issued for the client credentials.
    let rest = fake.rest_client().unwrap();
    rest.users().me().await.unwrap();
    let requests = fake.received_requests().await;
    let bearer = requests
        .iter()
        .find(|r| r.url.path() == "/v1/users/me")
        .and_then(|r| r.headers.get("authorization"))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap()
        .to_owned();
    let scim = fake
        .scim_client_builder()
        .token(ScimToken::new(bearer))
        .build()
        .unwrap();
    let err = scim
        .users()
        .find_by_user_name("a@example.com")
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
}

#[tokio::test]
async fn both_rest_credentials_work_and_act_as_different_users() {
    let fake = FakeHyperproof::start().await;
    let by_token = fake
        .rest_client_builder()
        .api_token(fake.api_token())
        .build()
        .unwrap();
    let by_client = fake.rest_client().unwrap();
    let admin = by_token.users().me().await.unwrap();
    let service = by_client.users().me().await.unwrap();
    assert_eq!(admin.email.as_deref(), Some("admin@example.com"));
    assert_ne!(admin.id, service.id);
    assert_eq!(by_token.token_requests(), None);
    assert_eq!(fake.token_requests(), 1);
}

#[tokio::test]
async fn a_fake_without_static_tokens_accepts_only_client_credentials() {
    let fake = FakeHyperproof::builder().without_api_token().start().await;
    let by_token = fake
        .rest_client_builder()
        .api_token(fake.api_token())
        .build()
        .unwrap();
    assert!(by_token.users().me().await.unwrap_err().is_unauthorized());
    fake.rest_client().unwrap().users().me().await.unwrap();
}

#[tokio::test]
async fn the_token_endpoint_checks_the_client_id_and_secret() {
    let fake = FakeHyperproof::start().await;
    let wrong = fake
        .rest_client_builder()
        .client_credentials(ClientCredentials::new(
            fake.client_credentials().client_id(),
            ClientSecret::new("not-the-secret"),
        ))
        .build()
        .unwrap();
    let err = wrong
        .roles()
        .list()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    assert!(err.to_string().contains("invalid_client"), "{err}");
    assert!(!err.to_string().contains("not-the-secret"), "{err}");

    // HTTP Basic client authentication is accepted too.
    let basic = fake
        .rest_client_builder()
        .client_credentials(fake.client_credentials())
        .token_client_auth(ClientAuthMethod::BasicAuth)
        .build()
        .unwrap();
    let roles: Vec<_> = basic.roles().list().stream().try_collect().await.unwrap();
    assert_eq!(roles.len(), 4);
}

#[tokio::test]
async fn scim_lifecycle_is_visible_over_rest() {
    let fake = FakeHyperproof::start().await;
    let scim = fake.scim_client().unwrap();
    let rest = fake.rest_client().unwrap();

    let jane = scim
        .users()
        .create(&NewUser::new("jane@example.com").name("Jane", "Doe"))
        .await
        .unwrap();
    // The server gives the documented default role.
    assert_eq!(
        HyperproofRole::of(&jane),
        Some(HyperproofRole::LimitedAccessUser)
    );
    let id = jane.id.clone().unwrap();
    let conflict = scim
        .users()
        .create(&NewUser::new("JANE@example.com"))
        .await
        .unwrap_err();
    assert!(conflict.is_conflict(), "{conflict}");

    let found = scim
        .users()
        .find_by_user_name("Jane@Example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id.as_ref(), Some(&id));

    // Role change, seen over REST as the role's id.
    let changed = scim
        .users()
        .set_role(&id, HyperproofRole::ComplianceManager)
        .await
        .unwrap();
    assert_eq!(
        HyperproofRole::of(&changed),
        Some(HyperproofRole::ComplianceManager)
    );
    assert_eq!(scim.users().get(&id).await.unwrap(), changed);
    let roles: Vec<_> = rest.roles().list().stream().try_collect().await.unwrap();
    let manager = roles
        .iter()
        .find(|r| r.name.as_deref() == Some("Compliance Manager"))
        .unwrap();
    let listed: Vec<_> = rest.users().list().stream().try_collect().await.unwrap();
    let jane_rest = listed
        .iter()
        .find(|u| u.email.as_deref() == Some("jane@example.com"))
        .unwrap();
    assert_eq!(jane_rest.organization_role_id.as_ref(), Some(&manager.id));

    // Deactivation returns the user as it is now; the record stays; REST lists it only
    // with includeDeactivated.
    let deactivated = scim.users().deactivate(&id).await.unwrap();
    assert_eq!(deactivated.active, Some(false));
    assert_eq!(deactivated.id.as_ref(), Some(&id));
    assert_eq!(
        HyperproofRole::of(&deactivated),
        Some(HyperproofRole::ComplianceManager)
    );
    assert_eq!(scim.users().get(&id).await.unwrap().active, Some(false));
    let active: Vec<_> = rest.users().list().stream().try_collect().await.unwrap();
    assert!(
        active
            .iter()
            .all(|u| u.email.as_deref() != Some("jane@example.com"))
    );
    let all: Vec<_> = rest
        .users()
        .list()
        .include_deactivated(true)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let jane_rest = all
        .iter()
        .find(|u| u.email.as_deref() == Some("jane@example.com"))
        .unwrap();
    assert_eq!(jane_rest.kind, Some(OrganizationUserType::DeactivatedUser));

    let reactivated = scim.users().reactivate(&id).await.unwrap();
    assert_eq!(reactivated.active, Some(true));
    assert_eq!(scim.users().get(&id).await.unwrap().active, Some(true));

    // Replace keeps what the caller sends back.
    let mut user = scim.users().get(&id).await.unwrap();
    user.title = Some("Auditor".into());
    let replaced = scim.users().replace(&id, &user).await.unwrap();
    assert_eq!(replaced.title.as_deref(), Some("Auditor"));
    assert_eq!(
        HyperproofRole::of(&replaced),
        Some(HyperproofRole::ComplianceManager)
    );

    // Even a raw SCIM DELETE never erases a user in the fake: it deactivates.
    scim.generic().users().delete(&id).await.unwrap();
    assert_eq!(scim.users().get(&id).await.unwrap().active, Some(false));
}

#[tokio::test]
async fn scim_groups_membership_and_archive_show_over_rest() {
    let fake = FakeHyperproof::start().await;
    let scim = fake.scim_client().unwrap();
    let rest = fake.rest_client().unwrap();
    let mut ids = Vec::new();
    for email in ["a@example.com", "b@example.com", "c@example.com"] {
        ids.push(
            scim.users()
                .create(&NewUser::new(email))
                .await
                .unwrap()
                .id
                .unwrap(),
        );
    }
    let group = scim
        .groups()
        .create(&NewGroup::new("Auditors").member(ids[0].clone()))
        .await
        .unwrap();
    let gid = group.id.clone().unwrap();
    scim.groups().add_members(&gid, &ids[1..]).await.unwrap();
    scim.groups().remove_member(&gid, &ids[0]).await.unwrap();
    let members: Vec<String> = scim
        .groups()
        .get(&gid)
        .await
        .unwrap()
        .members
        .into_iter()
        .filter_map(|m| m.value)
        .collect();
    assert_eq!(members, [ids[1].as_str(), ids[2].as_str()]);
    let found = scim
        .groups()
        .find_by_display_name("Auditors")
        .await
        .unwrap();
    assert_eq!(found.and_then(|g| g.id), Some(gid.clone()));

    let rest_group = rest
        .groups()
        .get(&hyperproof::rest::GroupId::new(gid.as_str()))
        .await
        .unwrap();
    assert_eq!(rest_group.name, "Auditors");
    assert_eq!(rest_group.user_ids.len(), 2);
    assert_eq!(rest_group.status, Some(ObjectStatus::Active));

    scim.groups().archive(&gid).await.unwrap();
    assert!(scim.groups().get(&gid).await.unwrap_err().is_not_found());
    assert!(
        scim.groups()
            .archive(&gid)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(fake.scim_groups().is_empty());
    let archived: Vec<_> = rest
        .groups()
        .list()
        .status(ObjectStatus::Archived)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(archived.len(), 1);
    assert_eq!(archived[0].id.as_str(), gid.as_str());
}

#[tokio::test]
async fn rest_groups_are_created_and_read_back() {
    let fake = FakeHyperproof::start().await;
    let rest = fake.rest_client().unwrap();
    let admin = fake.rest_users()[0].id.clone();
    let created = rest
        .groups()
        .create(
            &RestNewGroup::new("Risk Owners")
                .group_lead(admin.clone())
                .member(admin),
        )
        .await
        .unwrap();
    let again = rest.groups().get(&created.id).await.unwrap();
    assert_eq!(again, created);
    let missing = rest
        .groups()
        .get(&hyperproof::rest::GroupId::new("nope"))
        .await
        .unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
}

#[tokio::test]
async fn user_directory_over_scim() {
    let fake = FakeHyperproof::start().await;
    let scim = fake.scim_client().unwrap();
    let dir: &dyn UserDirectory = &scim;
    assert_eq!(dir.catalog().name, "Hyperproof");

    let created = dir
        .create_user(
            &DirectoryUser::new("dana@example.com")
                .with_names("Dana", "Park")
                .with_external_id("00u7"),
        )
        .await
        .unwrap()
        .user;
    assert!(created.is_active());
    assert_eq!(created.external_id(), Some("00u7"));
    let app_id = created.app_id().map(str::to_owned).unwrap();
    let stored = scim
        .users()
        .get(&UserId::new(app_id.as_str()))
        .await
        .unwrap();
    assert_eq!(
        HyperproofRole::of(&stored),
        Some(HyperproofRole::LimitedAccessUser)
    );

    // Update by email only (no app id): names change, the role does not.
    let updated = dir
        .update_user(&DirectoryUser::new("DANA@example.com").with_names("Dana", "Kim"))
        .await
        .unwrap();
    assert_eq!(updated.family_name(), Some("Kim"));
    assert_eq!(updated.external_id(), Some("00u7"));

    let deactivated = dir.deactivate_user(&created).await.unwrap();
    assert!(!deactivated.is_active());
    assert_eq!(deactivated.app_id(), created.app_id());
    let (listed, summary) = dir.list_users().collect_with_summary().await.unwrap();
    assert!(summary.is_complete(), "{summary}");
    assert_eq!(listed.len(), 1);
    assert!(!listed[0].is_active());

    // Delete is refused without a request: Hyperproof keeps deprovisioned users.
    let before = fake.scim().request_count();
    let err = dir.delete_user(&created).await.unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("deactivate") && msg.contains("organization administrator"),
        "{msg}"
    );
    assert_eq!(fake.scim().request_count(), before);

    let err = dir
        .deactivate_user(&DirectoryUser::new("ghost@example.com"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ghost@example.com"), "{err}");
}

#[tokio::test]
async fn clients_from_other_helpers_point_at_the_same_fake() {
    let fake = FakeHyperproof::start().await;
    let rest = RestClient::builder()
        .base_url(fake.rest_url())
        .api_token(fake.api_token())
        .build()
        .unwrap();
    let scim = ScimClient::builder()
        .scim_url(fake.scim_url())
        .token(fake.scim_token())
        .build()
        .unwrap();
    rest.roles()
        .list()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    scim.users()
        .list()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert!(fake.scim_url().starts_with(&fake.uri()));
}
