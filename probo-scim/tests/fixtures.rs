//! Every response shape of research §10, served by wiremock as Probo sends it, and the
//! typed result or error the client turns it into.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures::{StreamExt, TryStreamExt};
use idgraph_common::paginate::ListingFault;
use probo_scim::{
    Client, Error, PatchOp, RetryPolicy, ScimToken, TransportSettings, User, UserId, external_id,
};
use scim_types::{ListResponse, ScimType};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ROOT: &str = "/api/connect/v1/scim/2.0";
const JANE: &str = "ABEiM0RVZncAMwAAAaAlZTWoobLD1OX2";

fn fixture(name: &str) -> String {
    let p = format!(
        "{}/tests/fixtures/probo/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// What the SCIM library writes: `application/scim+json`, no charset.
fn scim(name: &str, status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(fixture(name), "application/scim+json")
}

/// What Probo's HTTP layer writes outside the SCIM library.
fn plain(name: &str, status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(fixture(name), "application/json; charset=utf-8")
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .token(ScimToken::new("0123456789abcdef"))
        .transport(TransportSettings::new().retry_policy(RetryPolicy::disabled()))
        .build()
        .unwrap()
}

async fn serve(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

async fn get_error(response: ResponseTemplate) -> Error {
    let server = serve(response).await;
    client(&server)
        .users()
        .get(&UserId::new(JANE))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn user_full() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users/{JANE}")))
        .respond_with(scim("user_full", 200))
        .expect(1)
        .mount(&server)
        .await;
    let user = client(&server)
        .users()
        .get(&UserId::new(JANE))
        .await
        .unwrap();
    assert_eq!(user.id.as_ref().unwrap().as_str(), JANE);
    assert_eq!(user.user_name, "jane@example.com");
    assert_eq!(user.primary_email(), Some("jane@example.com"));
    assert_eq!(external_id(&user), Some("00u1abcd"));
    assert_eq!(user.title.as_deref(), Some("Head of Security"));
    assert_eq!(user.active, Some(true));
    let name = user.name.as_ref().unwrap();
    assert_eq!(name.given_name.as_deref(), Some("Jane"));
    assert_eq!(
        name.middle_name.as_deref(),
        Some(""),
        "unset strings stay \"\""
    );
    let e = user.enterprise.as_ref().unwrap();
    assert_eq!(e.department.as_deref(), Some("Security"));
    assert_eq!(e.cost_center.as_deref(), Some("CC-42"));
    assert_eq!(
        e.manager.as_ref().unwrap().value.as_deref(),
        Some("ABEiM0RVZncAMwAAAaAlZTWoobLD1OX9")
    );
    let meta = user.meta.as_ref().unwrap();
    assert_eq!(
        meta.location.as_deref(),
        Some(format!("Users/{JANE}").as_str())
    );
    assert_eq!(meta.version, None);
    assert_eq!(
        meta.last_modified.as_deref(),
        Some("2026-08-22T09:00:01+02:00")
    );
    // Nothing is lost: writing it back gives the same JSON.
    let original: serde_json::Value = serde_json::from_str(&fixture("user_full")).unwrap();
    assert_eq!(serde_json::to_value(&user).unwrap(), original);
}

#[tokio::test]
async fn user_minimal() {
    let server = serve(scim("user_minimal", 200)).await;
    let user = client(&server)
        .users()
        .get(&UserId::new(JANE))
        .await
        .unwrap();
    assert_eq!(user.title, None, "title: null");
    assert_eq!(
        user.external_id,
        user.id.as_ref().map(|i| i.as_str().to_owned())
    );
    assert_eq!(external_id(&user), None, "the id echo is not an externalId");
    assert_eq!(user.nick_name.as_deref(), Some(""));
    assert_eq!(
        user.enterprise.unwrap().manager.unwrap().value.as_deref(),
        Some("")
    );
}

async fn stream_all(server: &MockServer) -> Vec<User> {
    client(server)
        .users()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn list_all() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users")))
        .and(query_param("startIndex", "1"))
        .respond_with(scim("list_all", 200))
        .expect(1)
        .mount(&server)
        .await;
    let users = stream_all(&server).await;
    assert_eq!(
        users
            .iter()
            .map(|u| u.user_name.as_str())
            .collect::<Vec<_>>(),
        ["jane@example.com", "min@example.com", "bob@example.com"]
    );
    assert_eq!(users[2].active, Some(false));
}

#[tokio::test]
async fn list_fake_page() {
    // The raw shape: a page asked for at 101 echoes 101 and holds everything.
    let page: ListResponse<User> = serde_json::from_str(&fixture("list_fake_page")).unwrap();
    assert_eq!(page.start_index, Some(101));
    assert_eq!(page.items_per_page, Some(100));
    assert_eq!(page.total_results, 3);
    assert_eq!(page.resources.len(), 3);
    // Probo echoes the startIndex it was asked for (research: probo-scim.md), so this
    // page answers a request at 101. Served for the first request (at 1) its echo
    // contradicts the request: the client refuses the listing rather than trust it.
    let server = serve(scim("list_fake_page", 200)).await;
    let results: Vec<_> = client(&server).users().list().stream().collect().await;
    assert_eq!(results.len(), 1);
    assert!(
        matches!(
            &results[0],
            Err(Error::IncompleteListing {
                reason: ListingFault::WrongStartIndex {
                    requested: 1,
                    echoed: 101
                },
                ..
            })
        ),
        "{results:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn list_count0() {
    let server = serve(scim("list_count0", 200)).await;
    let users = stream_all(&server).await;
    assert_eq!(users.len(), 3, "itemsPerPage 0 is not trusted");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn list_empty() {
    let server = serve(scim("list_empty", 200)).await;
    assert!(stream_all(&server).await.is_empty());
    let found = client(&server)
        .users()
        .find_by_user_name("nobody@example.com")
        .await
        .unwrap();
    assert_eq!(found, None);
}

fn scim_type(err: &Error) -> Option<ScimType> {
    err.scim_error().and_then(|e| e.scim_type.clone())
}

#[tokio::test]
async fn error_409_uniqueness() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(scim("error_409_uniqueness", 409))
        .mount(&server)
        .await;
    let err = client(&server)
        .users()
        .create(&User::new("jane@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_conflict());
    assert_eq!(scim_type(&err), Some(ScimType::Uniqueness));
    assert_eq!(err.scim_error().unwrap().status, 409);
}

#[tokio::test]
async fn error_404_not_found() {
    let err = get_error(scim("error_404_not_found", 404)).await;
    assert!(err.is_not_found());
    assert_eq!(err.scim_error().unwrap().status, 404, "status \"404\" read");
    assert_eq!(
        err.scim_error().unwrap().detail.as_deref(),
        Some("Resource ABEiM0RVZncAMwAAAaAlZTWoobLD1OX0 not found.")
    );
    assert!(err.to_string().contains("HTTP 404 Not Found"), "{err}");
}

#[tokio::test]
async fn error_404_endpoint() {
    let err = get_error(scim("error_404_endpoint", 404)).await;
    assert!(err.is_not_found());
    assert_eq!(
        err.api().unwrap().message(),
        Some("Specified endpoint does not exist.")
    );
}

#[tokio::test]
async fn error_400_invalid_filter() {
    let server = serve(scim("error_400_invalid_filter", 400)).await;
    let err = client(&server)
        .users()
        .list()
        .filter(probo_scim::Filter::eq("externalId", "00u1abcd"))
        .stream()
        .try_collect::<Vec<User>>()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(scim_type(&err), Some(ScimType::InvalidFilter));
    assert!(
        err.to_string().contains("find_by_external_id"),
        "the hint names the way out: {err}"
    );
}

#[tokio::test]
async fn error_400_probo_filter() {
    let server = serve(scim("error_400_probo_filter", 400)).await;
    let err = client(&server)
        .users()
        .list()
        .filter(probo_scim::Filter::sw("userName", "jane"))
        .stream()
        .try_collect::<Vec<User>>()
        .await
        .unwrap_err();
    assert_eq!(scim_type(&err), None, "Probo's own 400 has no scimType");
    assert_eq!(
        err.api().unwrap().message(),
        Some("operator 'sw' is not supported, only 'eq' is supported")
    );
    assert!(err.to_string().contains("userName eq"), "{err}");
}

async fn patch_error(response: ResponseTemplate) -> Error {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .respond_with(response)
        .mount(&server)
        .await;
    let op = PatchOp::builder().replace("title", "x").build().unwrap();
    client(&server)
        .users()
        .patch(&UserId::new(JANE), &op)
        .await
        .unwrap_err()
}

#[tokio::test]
async fn error_400_invalid_value() {
    let err = patch_error(scim("error_400_invalid_value", 400)).await;
    assert_eq!(scim_type(&err), Some(ScimType::InvalidValue));
}

#[tokio::test]
async fn error_400_invalid_path() {
    let err = patch_error(scim("error_400_invalid_path", 400)).await;
    assert_eq!(scim_type(&err), Some(ScimType::InvalidPath));
    assert_eq!(
        err.api().unwrap().message(),
        Some("The \"path\" attribute was invalid or malformed.")
    );
}

#[tokio::test]
async fn error_400_invalid_syntax() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(scim("error_400_invalid_syntax", 400))
        .mount(&server)
        .await;
    let err = client(&server)
        .users()
        .create(&User::new("a@example.com"))
        .await
        .unwrap_err();
    assert_eq!(scim_type(&err), Some(ScimType::InvalidSyntax));
}

#[tokio::test]
async fn error_400_bad_params() {
    let server = serve(scim("error_400_bad_params", 400)).await;
    let err = client(&server)
        .users()
        .list()
        .stream()
        .try_collect::<Vec<User>>()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(scim_type(&err), None);
    assert_eq!(
        err.api().unwrap().message(),
        Some("Bad Request. Invalid parameter provided in request: count.")
    );
}

#[tokio::test]
async fn error_500_no_detail() {
    let err = patch_error(scim("error_500_no_detail", 500)).await;
    assert_eq!(err.status(), Some(500));
    let body = err.scim_error().unwrap();
    assert_eq!((body.status, body.detail.as_deref()), (500, None));
    assert!(
        err.to_string().contains("userName or externalId"),
        "a bare 500 on PATCH is explained: {err}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn error_501_me() {
    let server = serve(scim("error_501_me", 501)).await;
    let err = client(&server)
        .scim()
        .http()
        .get(["Me"])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(501));
    assert_eq!(err.scim_error().unwrap().detail, None);
    assert!(err.to_string().contains("does not implement"), "{err}");
}

#[tokio::test]
async fn auth_401_missing() {
    let err = get_error(plain("auth_401_missing", 401)).await;
    assert!(err.is_unauthorized());
    let api = err.api().unwrap();
    assert_eq!(api.code(), Some("unauthorized"));
    assert_eq!(api.message(), Some("authorization header required"));
}

#[tokio::test]
async fn auth_401_invalid_token() {
    let err = get_error(plain("auth_401_invalid_token", 401)).await;
    assert!(err.is_unauthorized());
    assert!(err.scim_error().is_none(), "not a SCIM body");
    let api = err.api().unwrap();
    assert_eq!(api.code(), Some("unauthorized"));
    assert_eq!(api.message(), Some("invalid token"));
    let text = err.to_string();
    assert!(
        text.contains("invalid token") && text.contains("Bridge") && text.contains("rotated"),
        "{text}"
    );
}

#[tokio::test]
async fn csrf_403() {
    let err = patch_error(plain("csrf_403", 403)).await;
    assert!(err.is_forbidden());
    assert_eq!(
        err.api().unwrap().message(),
        Some("cross-origin request denied")
    );
    assert!(err.to_string().contains("Origin"), "{err}");
}

#[tokio::test]
async fn service_provider_config() {
    let server = serve(scim("service_provider_config", 200)).await;
    let spc = client(&server).service_provider_config().await.unwrap();
    assert_eq!(spc.filter.max_results, Some(0));
    assert!(spc.filter.supported && spc.patch.supported);
    assert!(!spc.bulk.supported && !spc.etag.supported && !spc.sort.supported);
    assert_eq!(spc.authentication_schemes[0].type_, "oauthbearertoken");
    assert_eq!(spc.authentication_schemes[0].spec_uri.as_deref(), Some(""));
}

#[tokio::test]
async fn resource_types() {
    let server = serve(scim("resource_types", 200)).await;
    let types = client(&server).scim().resource_types().await.unwrap();
    assert_eq!(types.len(), 1);
    assert_eq!(types[0].name, "User");
    assert_eq!(types[0].schema_extensions.len(), 1);
    assert!(!types[0].schema_extensions[0].required);
}

#[tokio::test]
async fn schemas() {
    let server = serve(scim("schemas", 200)).await;
    let schemas = client(&server).scim().schemas().await.unwrap();
    assert_eq!(schemas.len(), 2);
    let user_name = &schemas[0].attributes[0];
    assert_eq!(user_name.name, "userName");
    assert!(user_name.required);
    assert!(
        !schemas[0].attributes.iter().any(|a| a.name == "externalId"),
        "Probo's schema document does not list externalId"
    );
}

/// The PATCH samples Probo accepts, sent through the client to the fake.
#[cfg(feature = "test-util")]
#[tokio::test]
async fn patch_samples_apply_on_the_fake() {
    use probo_scim::testing::FakeProbo;
    let probo = FakeProbo::start().await;
    let users = probo.client().unwrap().users();
    let id = |u: &User| u.id.clone().unwrap();
    for name in ["patch_entra_active_string", "patch_pathless_active"] {
        let u = probo.insert_user(User::new(format!("{name}@example.com")));
        let op: PatchOp = serde_json::from_str(&fixture(name)).unwrap();
        let after = users.patch(&id(&u), &op).await.unwrap();
        assert_eq!(after.active, Some(false), "{name}");
    }
    let u = probo.insert_user(User::new("managed@example.com"));
    let op: PatchOp = serde_json::from_str(&fixture("patch_enterprise_manager_string")).unwrap();
    let after = users.patch(&id(&u), &op).await.unwrap();
    assert_eq!(
        after.enterprise.unwrap().manager.unwrap().value.as_deref(),
        Some("ABEiM0RVZncAMwAAAaAlZTWoobLD1OX9")
    );
}
