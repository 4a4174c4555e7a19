//! The generic SCIM fake (`idgraph_common::testing`), driven through the generic SCIM
//! client and raw HTTP.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures::TryStreamExt;
use idgraph_common::auth::Bearer;
use idgraph_common::scim::ScimClient;
use idgraph_common::testing::{
    AuthFailure, Behaviour, DeleteSemantics, Failure, FakeRequest, Hooks, Kind, Paging,
    PutSemantics, ScimFake, Store,
};
use idgraph_common::{RetryPolicy, SecretString};
use scim_types::{Filter, Group, Member, Name, PatchOp, ScimError, ScimType, User};
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

fn client(fake: &ScimFake) -> ScimClient {
    let http = ScimClient::http_builder()
        .base_url(fake.url())
        .auth(Bearer::new(SecretString::from(fake.token().unwrap())))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    ScimClient::from_http(http)
}

async fn json_of(r: reqwest::Response) -> Value {
    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
}

fn seed(fake: &ScimFake, n: usize) -> Vec<User> {
    (1..=n)
        .map(|i| fake.insert_user(User::new(format!("user{i}@example.com")).with_active(true)))
        .collect()
}

#[tokio::test]
async fn create_get_replace_patch_delete_round_trip() {
    let fake = ScimFake::start().await;
    let scim = client(&fake);
    let users = scim.users();

    let created = users
        .create(
            &User::new("jane@example.com")
                .with_name(Name::new("Jane", "Doe"))
                .with_external_id("ext-1")
                .with_active(true),
        )
        .await
        .unwrap();
    let id = created.id.clone().unwrap();
    let meta = created.meta.clone().unwrap();
    assert_eq!(meta.resource_type.as_deref(), Some("User"));
    assert_eq!(meta.created, meta.last_modified);
    assert!(meta.location.unwrap().ends_with(&format!("/Users/{id}")));

    let got = users.get(&id).await.unwrap();
    assert_eq!(got, created);

    // PUT is a full replacement by default: `name` goes away.
    let mut replacement = User::new("jane@example.com").with_active(false);
    replacement.title = Some("CTO".into());
    let replaced = users.replace(&id, &replacement).await.unwrap();
    assert_eq!(replaced.title.as_deref(), Some("CTO"));
    assert!(replaced.name.is_none());
    assert_eq!(replaced.active, Some(false));
    let m = replaced.meta.unwrap();
    assert_eq!(m.created, meta.created, "created is kept");
    assert!(m.last_modified > m.created);

    let patch = PatchOp::builder()
        .replace("active", true)
        .add("name.givenName", "J")
        .build()
        .unwrap();
    let patched = users.patch(&id, &patch).await.unwrap().resource.unwrap();
    assert_eq!(patched.active, Some(true));
    assert_eq!(patched.name.unwrap().given_name.as_deref(), Some("J"));
    assert_eq!(fake.user(id.as_str()).unwrap().active, Some(true));

    users.delete(&id).await.unwrap();
    assert!(users.get(&id).await.unwrap_err().is_not_found());
    assert!(users.delete(&id).await.unwrap_err().is_not_found());
    assert!(fake.users().is_empty());
}

#[tokio::test]
async fn deactivate_and_reactivate_return_the_user_as_it_is_now_even_after_a_204() {
    for patch_returns_resource in [true, false] {
        let mut behaviour = Behaviour::default();
        behaviour.patch_returns_resource = patch_returns_resource;
        let fake = ScimFake::builder().behaviour(behaviour).start().await;
        let users = client(&fake).users();
        let id = seed(&fake, 1)[0].id.clone().unwrap();

        let after = users.deactivate(&id).await.unwrap();
        assert_eq!(after.id.as_ref(), Some(&id));
        assert!(
            !after.is_active(),
            "answered with a body: {patch_returns_resource}"
        );
        assert_eq!(fake.user(id.as_str()).unwrap().active, Some(false));
        // Only a 204 costs the extra GET.
        let gets = |f: &ScimFake| f.requests().iter().filter(|r| r.method == "GET").count();
        assert_eq!(gets(&fake), usize::from(!patch_returns_resource));

        let back = users.reactivate(&id).await.unwrap();
        assert!(back.is_active());
        assert_eq!(fake.user(id.as_str()).unwrap().active, Some(true));
    }
    let fake = ScimFake::start().await;
    let unknown = scim_types::UserId::new("no-such-user");
    let err = client(&fake)
        .users()
        .deactivate(&unknown)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn duplicate_user_name_is_409_uniqueness_ignoring_case() {
    let fake = ScimFake::start().await;
    seed(&fake, 1);
    let err = client(&fake)
        .users()
        .create(&User::new("USER1@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    assert_eq!(
        err.scim_error().unwrap().scim_type,
        Some(ScimType::Uniqueness)
    );
    assert_eq!(fake.users().len(), 1);
}

#[tokio::test]
async fn paging_is_honoured_and_the_client_walks_every_page() {
    let fake = ScimFake::builder()
        .paging(Paging::Honour { max_page_size: 7 })
        .start()
        .await;
    seed(&fake, 30);
    let all: Vec<User> = client(&fake)
        .users()
        .list()
        .page_size(10)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 30);
    // Pages clamp to 7: 30 users need 5 requests.
    assert_eq!(fake.request_count(), 5);
    let starts: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.query.clone().unwrap())
        .collect();
    assert!(starts[1].contains("startIndex=8"), "{starts:?}");
}

#[tokio::test]
async fn raw_paging_parameters() {
    let fake = ScimFake::start().await;
    seed(&fake, 5);
    let http = reqwest::Client::new();
    let get = |q: &str| {
        let url = format!("{}/Users?{q}", fake.url());
        let http = http.clone();
        async move {
            let r = http
                .get(url)
                .bearer_auth(idgraph_common::testing::DEFAULT_TOKEN)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), json_of(r).await)
        }
    };
    let (s, body) = get("startIndex=4&count=10").await;
    assert_eq!(s, 200);
    assert_eq!(body["totalResults"], 5);
    assert_eq!(body["startIndex"], 4);
    assert_eq!(body["itemsPerPage"], 2);
    assert_eq!(body["Resources"].as_array().unwrap().len(), 2);
    let (_, body) = get("count=0").await;
    assert_eq!(body["Resources"], json!([]));
    assert_eq!(body["totalResults"], 5);
    let (s, body) = get("count=abc").await;
    assert_eq!(s, 400);
    assert_eq!(
        body["detail"],
        "Bad Request. Invalid parameter provided in request: count."
    );
    let (s, body) = get("filter=userName%20eq").await;
    assert_eq!(s, 400);
    assert_eq!(body["scimType"], "invalidFilter");
}

#[tokio::test]
async fn return_everything_paging_echoes_the_request() {
    let fake = ScimFake::builder()
        .paging(Paging::ReturnEverything { max_count: 100 })
        .start()
        .await;
    seed(&fake, 3);
    let r = reqwest::Client::new()
        .get(format!("{}/Users?startIndex=101&count=500", fake.url()))
        .bearer_auth(idgraph_common::testing::DEFAULT_TOKEN)
        .send()
        .await
        .unwrap();
    let body: Value = json_of(r).await;
    assert_eq!(body["Resources"].as_array().unwrap().len(), 3);
    assert_eq!(body["startIndex"], 101);
    assert_eq!(body["itemsPerPage"], 100);
    assert_eq!(body["totalResults"], 3);
    // The generic client still yields each user once.
    let all: Vec<User> = client(&fake)
        .users()
        .list()
        .page_size(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn filters_eq_on_user_name_external_id_id_and_and() {
    let fake = ScimFake::start().await;
    let users = seed(&fake, 3);
    let mut with_ext = User::new("ext@example.com").with_external_id("E-1");
    with_ext.active = Some(false);
    let ext = fake.insert_user(with_ext);
    let scim = client(&fake);
    let find = |f: Filter| {
        let scim = scim.clone();
        async move {
            scim.users()
                .list()
                .filter(f)
                .stream()
                .try_collect::<Vec<User>>()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        find(Filter::eq("userName", "USER2@example.com")).await,
        vec![users[1].clone()]
    );
    assert_eq!(
        find(Filter::eq("externalId", "E-1")).await,
        vec![ext.clone()]
    );
    assert!(
        find(Filter::eq("externalId", "e-1")).await.is_empty(),
        "externalId is case-exact"
    );
    assert_eq!(
        find(Filter::eq("id", users[0].id.clone().unwrap().as_str())).await,
        vec![users[0].clone()]
    );
    assert_eq!(
        find(Filter::eq("externalId", "E-1").and(Filter::eq("active", false))).await,
        vec![ext]
    );
    assert!(
        find(Filter::eq("userName", "nobody@example.com"))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn wrong_or_missing_token_is_401() {
    let fake = ScimFake::builder().token("right").start().await;
    let http = ScimClient::http_builder()
        .base_url(fake.url())
        .auth(Bearer::new(SecretString::from("wrong")))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = ScimClient::from_http(http)
        .users()
        .get(&"x".into())
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert_eq!(
        err.scim_error().unwrap().detail.as_deref(),
        Some("invalid token")
    );
    let r = reqwest::get(format!("{}/Users", fake.url())).await.unwrap();
    assert_eq!(r.status(), 401);
    // The recorded Authorization header is redacted.
    assert_eq!(
        fake.requests()[0].header("authorization"),
        Some("[redacted]")
    );

    fake.set_token(Some("rotated"));
    let r = reqwest::Client::new()
        .get(format!("{}/Users", fake.url()))
        .bearer_auth("right")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn etags_and_if_match() {
    let fake = ScimFake::builder().etags(true).start().await;
    let jane = seed(&fake, 1).remove(0);
    let id = jane.id.clone().unwrap();
    let v1 = jane.meta.clone().unwrap().version.unwrap();
    assert_eq!(v1, "W/\"1\"");
    let scim = client(&fake);
    let op = PatchOp::builder().replace("title", "x").build().unwrap();
    let patched = scim
        .users()
        .patch_if_match(&id, &v1, &op)
        .await
        .unwrap()
        .resource
        .unwrap();
    assert_eq!(patched.meta.unwrap().version.as_deref(), Some("W/\"2\""));
    let err = scim
        .users()
        .patch_if_match(&id, &v1, &op)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(412));
    // `replace` sends If-Match from meta.version: stale → 412.
    let err = scim.users().replace(&id, &jane).await.unwrap_err();
    assert_eq!(err.status(), Some(412));
}

#[tokio::test]
async fn put_merge_and_soft_delete_knobs() {
    let fake = ScimFake::builder()
        .put(PutSemantics::Merge)
        .delete(DeleteSemantics::Deactivate)
        .start()
        .await;
    let mut u = User::new("a@example.com").with_active(true);
    u.title = Some("Eng".into());
    let id = fake.insert_user(u).id.unwrap();
    let scim = client(&fake);
    let replaced = scim
        .users()
        .replace(&id, &User::new("a@example.com"))
        .await
        .unwrap();
    assert_eq!(
        replaced.title.as_deref(),
        Some("Eng"),
        "merge keeps absent attributes"
    );
    scim.users().delete(&id).await.unwrap();
    assert_eq!(scim.users().get(&id).await.unwrap().active, Some(false));
}

#[tokio::test]
async fn groups_crud_and_member_patch() {
    let fake = ScimFake::start().await;
    let u = seed(&fake, 2);
    let scim = client(&fake);
    let g = scim
        .groups()
        .create(
            &Group::new("Auditors").with_member(Member::user(u[0].id.clone().unwrap().as_str())),
        )
        .await
        .unwrap();
    let gid = g.id.clone().unwrap();
    let op = PatchOp::builder()
        .add(
            "members",
            json!([{"value": u[1].id.clone().unwrap().as_str()}]),
        )
        .remove(format!("members[value eq \"{}\"]", u[0].id.clone().unwrap()).as_str())
        .build()
        .unwrap();
    let g = scim
        .groups()
        .patch(&gid, &op)
        .await
        .unwrap()
        .resource
        .unwrap();
    assert_eq!(g.members.len(), 1);
    assert_eq!(
        g.members[0].value.as_deref(),
        Some(u[1].id.as_ref().unwrap().as_str())
    );
    // Deleting a user removes it from groups.
    scim.users()
        .delete(u[1].id.as_ref().unwrap())
        .await
        .unwrap();
    assert!(fake.groups()[0].members.is_empty());
}

#[tokio::test]
async fn injected_failures_answer_first_and_change_nothing() {
    let fake = ScimFake::start().await;
    fake.fail_next(
        Failure::scim(ScimError::new(503).with_detail("maintenance"))
            .on_method("POST")
            .times(2),
    );
    let scim = client(&fake);
    for _ in 0..2 {
        let err = scim
            .users()
            .create(&User::new("a@example.com"))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(503));
    }
    assert!(fake.users().is_empty());
    scim.users()
        .create(&User::new("a@example.com"))
        .await
        .unwrap();
    assert_eq!(fake.users().len(), 1);
    assert_eq!(fake.request_count(), 3);
}

#[tokio::test]
async fn patch_errors_are_scim_errors() {
    let fake = ScimFake::start().await;
    let id = seed(&fake, 1)[0].id.clone().unwrap();
    let http = reqwest::Client::new();
    let patch = |body: Value| {
        let http = http.clone();
        let url = format!("{}/Users/{id}", fake.url());
        async move {
            let r = http
                .patch(url)
                .bearer_auth(idgraph_common::testing::DEFAULT_TOKEN)
                .header("content-type", "application/scim+json")
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), json_of(r).await)
        }
    };
    let (s, b) =
        patch(json!({"Operations": [{"op": "replace", "path": "emails[type eq", "value": 1}]}))
            .await;
    assert_eq!((s, b["scimType"].as_str()), (400, Some("invalidPath")));
    let (s, b) = patch(json!({"Operations": [{"op": "jump", "path": "title"}]})).await;
    assert_eq!((s, b["scimType"].as_str()), (400, Some("invalidValue")));
    let (s, b) = patch(json!({"Operations": [{"op": "remove"}]})).await;
    assert_eq!((s, b["scimType"].as_str()), (400, Some("noTarget")));
    let (s, b) =
        patch(json!({"Operations": [{"op": "replace", "path": "active", "value": "yes"}]})).await;
    assert_eq!((s, b["scimType"].as_str()), (400, Some("invalidValue")));
    // Path-less with lenient op case.
    let (s, b) =
        patch(json!({"Operations": [{"op": "Replace", "value": {"active": false, "title": "T"}}]}))
            .await;
    assert_eq!(s, 200);
    assert_eq!(
        (b["active"].clone(), b["title"].clone()),
        (json!(false), json!("T"))
    );
}

/// A vendor-style hook set: a 501 endpoint, a filter policy, ignored PATCH paths.
struct Quirky;

impl Hooks for Quirky {
    fn route(&self, req: &FakeRequest<'_>, _: &mut Store) -> Option<ResponseTemplate> {
        (req.segments == ["Me"]).then(|| ResponseTemplate::new(501))
    }

    fn check_filter(&self, _: Kind, filter: &Filter) -> Result<(), ScimError> {
        match filter {
            Filter::Compare { attr, .. } if attr.name().eq_ignore_ascii_case("userName") => Ok(()),
            _ => Err(ScimError::new(400).with_scim_type(ScimType::InvalidFilter)),
        }
    }

    fn patch_operation(
        &self,
        _: Kind,
        op: scim_types::PatchOperation,
    ) -> Result<Option<scim_types::PatchOperation>, ScimError> {
        let ignored = op
            .path
            .as_ref()
            .is_some_and(|p| p.attr().name().eq_ignore_ascii_case("emails"));
        Ok((!ignored).then_some(op))
    }

    fn unauthorized(&self, failure: AuthFailure) -> ResponseTemplate {
        ResponseTemplate::new(401).set_body_json(json!({"error": format!("{failure:?}")}))
    }
}

#[tokio::test]
async fn hooks_change_behaviour() {
    let fake = ScimFake::builder().hooks(Quirky).start().await;
    let u = seed(&fake, 1).remove(0);
    let scim = client(&fake);
    let err = scim
        .users()
        .list()
        .filter(Filter::eq("externalId", "x"))
        .stream()
        .try_collect::<Vec<User>>()
        .await
        .unwrap_err();
    assert_eq!(
        err.scim_error().unwrap().scim_type,
        Some(ScimType::InvalidFilter)
    );
    let op = PatchOp::builder()
        .replace("emails", json!([{"value": "new@example.com"}]))
        .replace("title", "Boss")
        .build()
        .unwrap();
    let patched = scim
        .users()
        .patch(u.id.as_ref().unwrap(), &op)
        .await
        .unwrap()
        .resource
        .unwrap();
    assert!(patched.emails.is_empty(), "emails path ignored");
    assert_eq!(patched.title.as_deref(), Some("Boss"));
    let me = reqwest::Client::new()
        .get(format!("{}/Me", fake.url()))
        .bearer_auth(idgraph_common::testing::DEFAULT_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 501);
    let anon = reqwest::get(format!("{}/Users", fake.url())).await.unwrap();
    assert_eq!(json_of(anon).await, json!({"error": "Missing"}));
}

#[tokio::test]
async fn discovery_and_unknown_endpoints() {
    let fake = ScimFake::builder().groups(false).start().await;
    let scim = client(&fake);
    let spc = scim.service_provider_config().await.unwrap();
    assert!(spc.patch.supported);
    let types = scim.resource_types().await.unwrap();
    assert_eq!(types.len(), 1);
    let err = scim.groups().get(&"x".into()).await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(
        err.scim_error().unwrap().detail.as_deref(),
        Some("Specified endpoint does not exist.")
    );
}

#[tokio::test]
async fn search_endpoint_filters() {
    let fake = ScimFake::start().await;
    seed(&fake, 4);
    let found: Vec<User> = client(&fake)
        .users()
        .list()
        .filter(Filter::eq("userName", "user3@example.com"))
        .via_search()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
}
