//! The generic SCIM client against wiremock: every operation, success and errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures::TryStreamExt;
use idgraph_common::auth::Bearer;
use idgraph_common::scim::ScimClient;
use idgraph_common::{Error, ErrorBody, RetryPolicy, SecretString};
use scim_types::{Filter, PatchOp, ScimType, SearchRequest, SortOrder, User};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, headers, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const ROOT: &str = "/scim/v2";

fn fixture(name: &str) -> String {
    let p = format!(
        "{}/tests/fixtures/scim-client/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn scim_json(body: &str, status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_owned(), "application/scim+json")
}

fn client(server: &MockServer) -> ScimClient {
    let http = ScimClient::http_builder()
        .base_url(format!("{}{ROOT}", server.uri()))
        .auth(Bearer::new(SecretString::from("scim-token")))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    ScimClient::from_http(http)
}

fn user_json(i: usize) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": format!("id-{i}"), "userName": format!("user{i}@example.com"), "active": true})
}

/// A server over `n` users that honours startIndex/count and reports totalResults.
fn paging_responder(n: usize) -> impl Fn(&Request) -> ResponseTemplate + Send + Sync + 'static {
    move |req: &Request| {
        let q: std::collections::HashMap<_, _> = req.url.query_pairs().into_owned().collect();
        let start: usize = q
            .get("startIndex")
            .and_then(|s| s.parse().ok())
            .unwrap_or(1);
        let count: usize = q.get("count").and_then(|s| s.parse().ok()).unwrap_or(100);
        let items: Vec<Value> = (start..start + count)
            .filter(|i| *i <= n)
            .map(user_json)
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": n, "startIndex": start, "itemsPerPage": items.len(), "Resources": items
        }))
    }
}

#[tokio::test]
async fn get_decodes_the_user_and_keeps_unknown_extensions() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!(
            "{ROOT}/Users/2819c223-7f76-453a-919d-413861904646"
        )))
        .and(header("authorization", "Bearer scim-token"))
        .and(headers(
            "accept",
            vec!["application/scim+json", "application/json"],
        ))
        .respond_with(scim_json(&fixture("user_get_ok.json"), 200))
        .expect(1)
        .mount(&server)
        .await;
    let user = client(&server)
        .users()
        .get(&"2819c223-7f76-453a-919d-413861904646".into())
        .await
        .unwrap();
    assert_eq!(user.user_name, "bjensen@example.com");
    assert_eq!(
        user.enterprise.as_ref().unwrap().department.as_deref(),
        Some("Tour Operations")
    );
    let acme: Value = user
        .extension("urn:example:params:scim:schemas:extension:acme:2.0:User")
        .unwrap()
        .unwrap();
    assert_eq!(acme["badge"], "A-17");
    assert_eq!(user.extra["x-vendor-flag"], "kept");
}

#[tokio::test]
async fn ids_with_reserved_characters_are_one_encoded_segment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users/a%2Fb%3Fc%23d%25e..%2Fx")))
        .respond_with(scim_json(&user_json(1).to_string(), 200))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .users()
        .get(&"a/b?c#d%e../x".into())
        .await
        .unwrap();
    let err = client(&server).users().get(&"..".into()).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
}

#[tokio::test]
async fn not_found_with_a_numeric_status_is_typed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(scim_json(&fixture("error_404_numeric_status.json"), 404))
        .mount(&server)
        .await;
    let err = client(&server)
        .users()
        .get(&"2819c223".into())
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    let scim = err.scim_error().expect("a SCIM error body");
    assert_eq!(scim.status, 404);
    assert!(
        err.to_string().contains("Resource 2819c223 not found"),
        "{err}"
    );
}

#[tokio::test]
async fn listing_walks_pages_by_start_index() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users")))
        .respond_with(paging_responder(45))
        .expect(3)
        .mount(&server)
        .await;
    let users: Vec<User> = client(&server)
        .users()
        .list()
        .page_size(20)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 45);
    assert_eq!(users[44].user_name, "user45@example.com");
    let starts: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "startIndex")
                .unwrap()
                .1
                .into_owned()
        })
        .collect();
    assert_eq!(starts, ["1", "21", "41"]);
}

#[tokio::test]
async fn listing_sends_filter_sort_and_attributes_encoded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users")))
        .and(query_param(
            "filter",
            r#"userName eq "a\"b\\c@x.com" and active eq true"#,
        ))
        .and(query_param("sortBy", "userName"))
        .and(query_param("sortOrder", "descending"))
        .and(query_param("attributes", "userName,emails"))
        .and(query_param("excludedAttributes", "groups"))
        .respond_with(paging_responder(2))
        .expect(1)
        .mount(&server)
        .await;
    let users: Vec<User> = client(&server)
        .users()
        .list()
        .filter(Filter::eq("userName", "a\"b\\c@x.com").and(Filter::eq("active", true)))
        .sort_by("userName")
        .sort_order(SortOrder::Descending)
        .attributes(["userName", "emails"])
        .excluded_attributes(["groups"])
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 2);
    // Spaces are %20 on the wire, never `+`.
    let raw = server.received_requests().await.unwrap()[0]
        .url
        .query()
        .unwrap()
        .to_owned();
    assert!(
        raw.contains("filter=userName%20eq%20%22a%5C%22b%5C%5Cc%40x.com%22"),
        "{raw}"
    );
}

#[tokio::test]
async fn a_server_that_ignores_paging_yields_each_user_once() {
    let server = MockServer::start().await;
    // Echoes the requested count and startIndex, returns all 250 users every time and
    // (worse than Probo) does not report totalResults.
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users")))
        .respond_with(|req: &Request| {
            let q: std::collections::HashMap<_, _> = req.url.query_pairs().into_owned().collect();
            ResponseTemplate::new(200).set_body_json(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "itemsPerPage": q["count"].parse::<u64>().unwrap(),
                "startIndex": q["startIndex"].parse::<u64>().unwrap(),
                "Resources": (1..=250).map(user_json).collect::<Vec<_>>()
            }))
        })
        .mount(&server)
        .await;
    let users: Vec<User> = client(&server)
        .users()
        .list()
        .page_size(100)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 250);
    let mut ids: Vec<_> = users.iter().map(|u| u.id.clone().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 250);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn cursor_paging_follows_next_cursor() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Users")))
        .respond_with(|req: &Request| {
            let cursor = req.url.query_pairs().find(|(k, _)| k == "cursor").map(|(_, v)| v.into_owned());
            let (items, next) = match cursor.as_deref() {
                Some("") => (vec![user_json(1), user_json(2)], Some("c2")),
                Some("c2") => (vec![user_json(3)], None),
                other => panic!("unexpected cursor {other:?}"),
            };
            let mut body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "Resources": items});
            if let Some(n) = next {
                body["nextCursor"] = json!(n);
            }
            ResponseTemplate::new(200).set_body_json(body)
        })
        .expect(2)
        .mount(&server)
        .await;
    let users: Vec<User> = client(&server)
        .users()
        .list()
        .cursor_paging()
        .page_size(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 3);
}

#[tokio::test]
async fn search_posts_a_search_request_and_pages_in_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{ROOT}/Users/.search")))
        .and(header("content-type", "application/scim+json"))
        .and(body_partial_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "userName sw \"user\""
        })))
        .respond_with(|req: &Request| {
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            let start = body["startIndex"].as_u64().unwrap() as usize;
            let count = body["count"].as_u64().unwrap() as usize;
            let items: Vec<Value> = (start..start + count)
                .filter(|i| *i <= 5)
                .map(user_json)
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({"totalResults": 5, "Resources": items}))
        })
        .expect(3)
        .mount(&server)
        .await;
    let users: Vec<User> = client(&server)
        .users()
        .list()
        .filter(Filter::sw("userName", "user"))
        .page_size(2)
        .via_search()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 5);
}

#[tokio::test]
async fn create_posts_scim_json_and_reports_uniqueness_conflicts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{ROOT}/Users")))
        .and(header("content-type", "application/scim+json"))
        .and(body_partial_json(
            json!({"userName": "new@example.com", "active": true}),
        ))
        .respond_with(scim_json(&user_json(7).to_string(), 201))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{ROOT}/Users")))
        .respond_with(scim_json(&fixture("error_409_uniqueness.json"), 409))
        .mount(&server)
        .await;
    let scim = client(&server);
    let created = scim
        .users()
        .create(&User::new("new@example.com").with_active(true))
        .await
        .unwrap();
    assert_eq!(created.id.unwrap().as_str(), "id-7");
    let err = scim
        .users()
        .create(&User::new("new@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_conflict());
    assert_eq!(
        err.scim_error().unwrap().scim_type,
        Some(ScimType::Uniqueness)
    );
    assert_eq!(err.api().unwrap().code(), Some("uniqueness"));
}

#[tokio::test]
async fn a_failed_create_is_not_retried_when_it_may_have_been_processed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(502).set_body_raw(fixture("error_502_html.html"), "text/html"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let http = ScimClient::http_builder()
        .base_url(format!("{}{ROOT}", server.uri()))
        .retry_policy(RetryPolicy::standard())
        .build()
        .unwrap();
    let err = ScimClient::from_http(http)
        .users()
        .create(&User::new("x"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(502));
    match &err.api().unwrap().body() {
        ErrorBody::Text(t) => assert!(t.contains("502 Bad Gateway")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn replace_sends_if_match_from_meta_version_and_reports_412() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(format!(
            "{ROOT}/Users/2819c223-7f76-453a-919d-413861904646"
        )))
        .and(header("if-match", "W/\"3694e05e9dff591\""))
        .respond_with(scim_json(&fixture("error_412_precondition.json"), 412))
        .expect(1)
        .mount(&server)
        .await;
    let user: User = serde_json::from_str(&fixture("user_get_ok.json")).unwrap();
    let err = client(&server)
        .users()
        .replace(&"2819c223-7f76-453a-919d-413861904646".into(), &user)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(412));
    // The predicate callers branch on: read again and decide anew.
    assert!(err.is_precondition_failed(), "{err:?}");
    assert!(!err.is_conflict() && !err.is_retryable() && err.was_sent());
    // The whole user, unknown extension included, was sent back.
    let sent: Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(
        sent["urn:example:params:scim:schemas:extension:acme:2.0:User"]["floor"],
        3
    );
    assert_eq!(sent["x-vendor-flag"], "kept");
}

#[tokio::test]
async fn patch_returns_the_resource_or_none_for_204_and_the_etag_either_way() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path(format!("{ROOT}/Users/id-1")))
        .and(body_partial_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": false}]
        })))
        .respond_with(scim_json(
            &json!({"id": "id-1", "userName": "u", "active": false}).to_string(),
            200,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{ROOT}/Users/id-2")))
        .and(header("if-match", "W/\"2\""))
        .respond_with(ResponseTemplate::new(204).insert_header("ETag", "W/\"3\""))
        .expect(1)
        .mount(&server)
        .await;
    let scim = client(&server);
    let op = PatchOp::builder().replace("active", false).build().unwrap();
    let patched = scim.users().patch(&"id-1".into(), &op).await.unwrap();
    assert_eq!(patched.resource.unwrap().active, Some(false));
    let no_content = scim
        .users()
        .patch_if_match(&"id-2".into(), "W/\"2\"", &op)
        .await
        .unwrap();
    assert!(no_content.resource.is_none());
    // A 204 still says the new version, so the next If-Match needs no GET.
    assert_eq!(no_content.version.as_deref(), Some("W/\"3\""));
    let empty = PatchOp::new(Vec::new());
    assert!(matches!(
        scim.users()
            .patch(&"id-1".into(), &empty)
            .await
            .unwrap_err(),
        Error::InvalidInput { .. }
    ));
}

#[tokio::test]
async fn delete_succeeds_on_204_and_reports_missing_users() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(format!("{ROOT}/Users/id-1")))
        .respond_with(ResponseTemplate::new(204))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{ROOT}/Users/id-1")))
        .respond_with(scim_json(&fixture("error_404_numeric_status.json"), 404))
        .mount(&server)
        .await;
    let scim = client(&server);
    scim.users().delete(&"id-1".into()).await.unwrap();
    assert!(
        scim.users()
            .delete(&"id-1".into())
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn groups_are_a_resource_endpoint_too() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{ROOT}/Groups/e9e30dba")))
        .respond_with(scim_json(&fixture("group_get_ok.json"), 200))
        .mount(&server)
        .await;
    let group = client(&server)
        .groups()
        .get(&"e9e30dba".into())
        .await
        .unwrap();
    assert_eq!(group.display_name, "Tour Guides");
    assert_eq!(group.members[0].display.as_deref(), Some("Babs Jensen"));
}

#[tokio::test]
async fn discovery_endpoints() {
    let server = MockServer::start().await;
    for (p, f) in [
        ("ServiceProviderConfig", "service_provider_config_ok.json"),
        ("Schemas", "schemas_ok.json"),
        ("ResourceTypes", "resource_types_ok.json"),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("{ROOT}/{p}")))
            .respond_with(scim_json(&fixture(f), 200))
            .expect(1)
            .mount(&server)
            .await;
    }
    let scim = client(&server);
    let spc = scim.service_provider_config().await.unwrap();
    assert!(spc.etag.supported);
    let pagination = spc.pagination.expect("RFC 9865 pagination");
    assert_eq!(pagination.max_page_size, Some(500));
    let schemas = scim.schemas().await.unwrap();
    assert_eq!(schemas[0].id, "urn:ietf:params:scim:schemas:core:2.0:User");
    let types = scim.resource_types().await.unwrap();
    assert_eq!(
        types
            .iter()
            .map(|t| t.endpoint.as_str())
            .collect::<Vec<_>>(),
        ["/Users", "/Groups"]
    );
}

#[tokio::test]
async fn non_scim_error_bodies_fall_back_to_code_and_message() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            fixture("error_401_plain_json.json"),
            "application/json; charset=utf-8",
        ))
        .mount(&server)
        .await;
    let err = client(&server).users().get(&"x".into()).await.unwrap_err();
    assert!(err.is_unauthorized());
    assert!(err.scim_error().is_none());
    let api = err.api().unwrap();
    assert_eq!(api.code(), Some("unauthorized"));
    assert_eq!(api.message(), Some("invalid token"));
    assert!(!format!("{err} {err:?}").contains("scim-token"));
}

#[tokio::test]
async fn invalid_filter_errors_are_typed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(scim_json(&fixture("error_400_invalid_filter.json"), 400))
        .mount(&server)
        .await;
    let result: Result<Vec<User>, _> = client(&server)
        .users()
        .list()
        .filter(Filter::eq("externalId", "1"))
        .stream()
        .try_collect()
        .await;
    let err = result.unwrap_err();
    assert_eq!(
        err.scim_error().unwrap().scim_type,
        Some(ScimType::InvalidFilter)
    );
}

#[tokio::test]
async fn a_bad_user_in_a_page_is_a_decode_error_naming_the_field() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "totalResults": 2,
            "Resources": [user_json(1), {"id": "2", "userName": "b", "emails": "not-a-list"}]
        })))
        .mount(&server)
        .await;
    let err = client(&server)
        .users()
        .list()
        .stream()
        .try_collect::<Vec<User>>()
        .await
        .unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert!(
        d.json_path().starts_with("Resources[1]"),
        "{}",
        d.json_path()
    );
}

#[test]
fn search_request_defaults_are_empty() {
    assert!(SearchRequest::new().to_query_pairs().is_empty());
}
