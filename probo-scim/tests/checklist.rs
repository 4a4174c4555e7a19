//! One test per item of research §9 ("Surprises checklist"), against `FakeProbo`.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures::TryStreamExt;
use probo_scim::testing::FakeProbo;
use probo_scim::{
    Client, CreateOutcome, Error, Filter, Name, PatchOp, RenameOutcome, RetryPolicy,
    TransportSettings, User, UserId, external_id,
};
use scim_types::{Email, PatchOpKind, PatchOperation, ScimType};
use serde_json::{Value, json};

fn client(probo: &FakeProbo) -> Client {
    probo
        .client_builder()
        .transport(TransportSettings::new().retry_policy(RetryPolicy::disabled()))
        .build()
        .unwrap()
}

fn id_of(u: &User) -> UserId {
    u.id.clone().unwrap()
}

/// A raw request to the fake with the current token, for shapes the client never sends.
async fn raw(
    probo: &FakeProbo,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, String, Value) {
    let token = probo.scim_fake().token().unwrap();
    let url = format!("{}{path}", probo.scim_url());
    let http = reqwest::Client::new();
    let mut req = http
        .request(method.parse().unwrap(), url)
        .header("authorization", format!("Bearer {token}"));
    if let Some(b) = body {
        req = req
            .header("content-type", "application/scim+json")
            .body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = resp.bytes().await.unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, ct, json)
}

#[tokio::test]
async fn checklist_01_scim_error_status_is_a_string() {
    let probo = FakeProbo::start().await;
    let (status, ct, body) = raw(
        &probo,
        "GET",
        "/Users/ABEiM0RVZncAMwAAAaAlZTWoobLD1OX0",
        None,
    )
    .await;
    assert_eq!((status, ct.as_str()), (404, "application/scim+json"));
    assert_eq!(body["status"], json!("404"));
    let err = client(&probo)
        .users()
        .get(&UserId::new("ABEiM0RVZncAMwAAAaAlZTWoobLD1OX0"))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.scim_error().unwrap().status, 404);
}

#[tokio::test]
async fn checklist_02_plain_json_401_is_parsed() {
    let probo = FakeProbo::start().await;
    let stale = client(&probo);
    probo.rotate_token();
    let err = stale
        .users()
        .list()
        .stream()
        .try_collect::<Vec<User>>()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized());
    assert!(err.scim_error().is_none());
    let api = err.api().unwrap();
    assert_eq!(
        (api.code(), api.message()),
        (Some("unauthorized"), Some("invalid token"))
    );
    let (_, ct, body) = raw(&probo, "GET", "/Users", None).await;
    assert_eq!(ct, "application/scim+json", "with the right token: SCIM");
    assert!(body["Resources"].is_array());
    let anon = reqwest::get(format!("{}/Users", probo.scim_url()))
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
    assert_eq!(
        anon.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(
        anon.text().await.unwrap(),
        "{\"error\":\"unauthorized\",\"message\":\"authorization header required\"}\n"
    );
}

#[tokio::test]
async fn checklist_03_fake_paging_yields_each_user_once() {
    let probo = FakeProbo::start().await;
    for i in 0..250 {
        probo.insert_user(User::new(format!("u{i:03}@example.com")));
    }
    let (_, _, page) = raw(&probo, "GET", "/Users?startIndex=101&count=100", None).await;
    assert_eq!(page["Resources"].as_array().unwrap().len(), 250);
    assert_eq!(
        (page["startIndex"].clone(), page["itemsPerPage"].clone()),
        (json!(101), json!(100))
    );
    let (_, _, zero) = raw(&probo, "GET", "/Users?count=0", None).await;
    assert_eq!(zero["itemsPerPage"], 0);
    assert_eq!(zero["Resources"].as_array().unwrap().len(), 250);

    probo.scim_fake().clear_requests();
    let users: Vec<User> = client(&probo)
        .users()
        .list()
        .page_size(100)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 250);
    let mut ids: Vec<UserId> = users.iter().map(id_of).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 250, "each user once");
    assert_eq!(
        probo.request_count(),
        1,
        "and it stops after the first answer"
    );
}

#[tokio::test]
async fn checklist_04_only_user_name_eq_filters() {
    let probo = FakeProbo::start().await;
    let jane = probo.insert_user(User::new("Jane@Example.com").with_external_id("00u1"));
    probo.insert_user(User::new("bob@example.com"));
    let users = client(&probo).users();

    // userName eq is case-insensitive; `and` is allowed.
    let found = users.find_by_user_name("jane@EXAMPLE.com").await.unwrap();
    assert_eq!(found.as_ref().and_then(|u| u.id.clone()), jane.id);
    let both: Vec<User> = users
        .list()
        .filter(
            Filter::eq("userName", "jane@example.com")
                .and(Filter::eq("userName", "JANE@example.com")),
        )
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(both.len(), 1);

    // externalId filters are rejected by the library stage…
    let err = users
        .list()
        .filter(Filter::eq("externalId", "00u1"))
        .stream()
        .try_collect::<Vec<User>>()
        .await
        .unwrap_err();
    assert_eq!(
        err.scim_error().unwrap().scim_type,
        Some(ScimType::InvalidFilter)
    );
    assert!(err.to_string().contains("find_by_external_id"), "{err}");
    // …so the client scans locally.
    let by_ext = users.find_by_external_id("00u1").await.unwrap();
    assert_eq!(by_ext.and_then(|u| u.id), jane.id);
    assert_eq!(users.find_by_external_id("nope").await.unwrap(), None);

    // Other operators and forms: Probo's own 400 without scimType.
    for (filter, detail) in [
        (
            Filter::sw("userName", "jane"),
            "operator 'sw' is not supported, only 'eq' is supported",
        ),
        (
            Filter::eq("userName", "a").or(Filter::eq("userName", "b")),
            "logical operator 'or' is not supported, only 'and' is supported",
        ),
        (
            Filter::eq("userName", "a").not(),
            "NOT expressions are not supported",
        ),
        (
            Filter::eq("emails.value", "a"),
            "attribute 'emails' is not supported for filtering, only 'userName' and 'externalId' are supported",
        ),
        (
            Filter::eq("userName", true),
            "filter value must be a string",
        ),
    ] {
        let err = users
            .list()
            .filter(filter.clone())
            .stream()
            .try_collect::<Vec<User>>()
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(400), "{filter}");
        assert_eq!(err.scim_error().unwrap().scim_type, None, "{filter}");
        assert_eq!(err.api().unwrap().message(), Some(detail), "{filter}");
    }
}

#[tokio::test]
async fn checklist_05_external_id_echoes_id_when_unset() {
    let probo = FakeProbo::start().await;
    let users = client(&probo).users();
    let created = users
        .create(&User::new("noext@example.com"))
        .await
        .unwrap()
        .into_user();
    assert_eq!(
        created.external_id.as_deref(),
        Some(id_of(&created).as_str())
    );
    assert_eq!(external_id(&created), None);
    // A replace of what was read does not store the echo for real.
    let replaced = users.replace(&id_of(&created), &created).await.unwrap();
    assert_eq!(external_id(&replaced), None);
    let put = probo
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PUT")
        .unwrap();
    assert!(
        put.json().unwrap().get("externalId").is_none(),
        "echo not sent"
    );
}

#[tokio::test]
async fn checklist_06_relative_location_no_etag_second_precision() {
    let probo = FakeProbo::start().await;
    let users = client(&probo).users();
    let u = users
        .create(&User::new("meta@example.com"))
        .await
        .unwrap()
        .into_user();
    let id = id_of(&u);
    assert_eq!(id.as_str().len(), 32);
    let meta = u.meta.clone().unwrap();
    assert_eq!(
        meta.location.as_deref(),
        Some(format!("Users/{id}").as_str())
    );
    assert_eq!(meta.version, None);
    let created = meta.created.unwrap();
    assert_eq!(created.len(), "2026-08-21T17:36:25Z".len(), "{created}");
    // No ETag/If-Match round trip: replace and patch send no If-Match.
    users.replace(&id, &u).await.unwrap();
    users.deactivate(&id).await.unwrap();
    assert!(
        probo
            .requests()
            .iter()
            .all(|r| r.header("if-match").is_none())
    );
    let resp = reqwest::Client::new()
        .get(format!("{}/Users/{id}", probo.scim_url()))
        .bearer_auth(probo.scim_fake().token().unwrap())
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("etag").is_none());
    assert!(resp.headers().get("location").is_none());
}

#[tokio::test]
async fn checklist_07_unset_strings_are_empty_and_title_may_be_null() {
    let probo = FakeProbo::start().await;
    let users = client(&probo).users();
    let u = users
        .create(&User::new("strings@example.com"))
        .await
        .unwrap()
        .into_user();
    let id = id_of(&u);
    assert_eq!(
        u.title.as_deref(),
        Some(""),
        "POST without title stores \"\""
    );
    assert_eq!(u.locale.as_deref(), Some(""));
    assert_eq!(u.name.as_ref().unwrap().given_name.as_deref(), Some(""));
    let ent = u.enterprise.clone().unwrap();
    assert_eq!(ent.department.as_deref(), Some(""));
    assert_eq!(ent.manager.unwrap().value.as_deref(), Some(""));
    // A raw PUT without title (what other clients send) stores null.
    let (status, _, body) = raw(
        &probo,
        "PUT",
        &format!("/Users/{id}"),
        Some(json!({"userName": "strings@example.com", "active": true})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["title"], Value::Null);
    assert_eq!(users.get(&id).await.unwrap().title, None);
    // PATCH remove title: null too.
    let (_, _, body) = raw(&probo, "PATCH", &format!("/Users/{id}"), Some(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "title", "value": "CTO"}, {"op": "remove", "path": "title"}]
    }))).await;
    assert_eq!(body["title"], Value::Null);
}

#[tokio::test]
async fn checklist_08_post_may_answer_an_existing_id() {
    let probo = FakeProbo::start().await;
    let users = client(&probo).users();

    // Case 2: a profile invited by hand is taken over.
    let manual = probo.insert_manual_user("invited@example.com");
    assert!(
        users
            .find_by_user_name("invited@example.com")
            .await
            .unwrap()
            .is_none(),
        "invisible"
    );
    let outcome = users
        .create(&User::new("invited@example.com").with_name(Name::new("In", "Vited")))
        .await
        .unwrap();
    let CreateOutcome::TookOver { user } = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(id_of(user), manual);
    assert!(!outcome.is_new());

    // Case 3: the externalId matches a user with another email: rename.
    let old = users
        .create(&User::new("old@example.com").with_external_id("00uX"))
        .await
        .unwrap();
    assert!(old.is_new());
    let outcome = users
        .create(&User::new("new@example.com").with_external_id("00uX"))
        .await
        .unwrap();
    let CreateOutcome::Renamed {
        user,
        previous_user_name,
    } = &outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(user.id, old.user().id);
    assert_eq!(previous_user_name, "old@example.com");
    assert_eq!(user.primary_email(), Some("new@example.com"));

    // Case 1: the email belongs to a SCIM user: 409.
    let err = users
        .create(&User::new("NEW@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_conflict());
    assert_eq!(
        err.scim_error().unwrap().scim_type,
        Some(ScimType::Uniqueness)
    );

    // PUT/PATCH uniqueness conflicts are a 500 without detail.
    let other = users
        .create(&User::new("other@example.com").with_external_id("00uY"))
        .await
        .unwrap();
    let op = PatchOp::builder()
        .replace("externalId", "00uX")
        .build()
        .unwrap();
    let err = users.patch(&id_of(other.user()), &op).await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.scim_error().unwrap().detail, None);
    assert!(err.to_string().contains("userName or externalId"), "{err}");
}

#[tokio::test]
async fn checklist_09_email_changes_only_through_rename() {
    let probo = FakeProbo::start().await;
    let users = client(&probo).users();
    let u = users
        .create(
            &User::new("before@example.com")
                .with_external_id("00uR")
                .with_name(Name::new("Re", "Named")),
        )
        .await
        .unwrap()
        .into_user();
    let id = id_of(&u);
    probo.set_role(&id, "ADMIN");
    let sent = probo.request_count();

    // replace and patch refuse, naming rename_email, and send nothing.
    let err = users
        .replace(&id, &User::new("after@example.com"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { .. }) && err.to_string().contains("rename_email"),
        "{err}"
    );
    let mut other_email = u.clone();
    other_email.emails = vec![Email::work("after@example.com").with_primary(true)];
    let err = users.replace(&id, &other_email).await.unwrap_err();
    assert!(err.to_string().contains("rename_email"), "{err}");
    let op = PatchOp::builder()
        .replace("emails", json!([{"value": "after@example.com"}]))
        .build()
        .unwrap();
    let err = users.patch(&id, &op).await.unwrap_err();
    assert!(err.to_string().contains("rename_email"), "{err}");
    assert_eq!(
        probo.request_count(),
        sent + 2,
        "only the two GETs of replace"
    );

    // Probo really ignores emails on PATCH:
    let (_, _, body) = raw(&probo, "PATCH", &format!("/Users/{id}"), Some(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "after@example.com"}]
    }))).await;
    assert_eq!(body["emails"][0]["value"], "before@example.com");

    // rename_email goes through the POST rename path: same id, same role.
    let outcome = users.rename_email(&id, "after@example.com").await.unwrap();
    let RenameOutcome::Renamed {
        user,
        previous_user_name,
    } = outcome
    else {
        panic!()
    };
    assert_eq!(
        (id_of(&user), previous_user_name.as_str()),
        (id.clone(), "before@example.com")
    );
    assert_eq!(user.user_name, "after@example.com");
    assert_eq!(user.primary_email(), Some("after@example.com"));
    assert_eq!(
        user.name.unwrap().given_name.as_deref(),
        Some("Re"),
        "attributes kept"
    );
    assert_eq!(probo.role(&id).as_deref(), Some("ADMIN"));

    // A user without an externalId can be renamed too.
    let plain = users
        .create(&User::new("plain@example.com"))
        .await
        .unwrap()
        .into_user();
    let outcome = users
        .rename_email(&id_of(&plain), "plain2@example.com")
        .await
        .unwrap();
    assert!(
        matches!(outcome, RenameOutcome::Renamed { .. }),
        "{outcome:?}"
    );
    assert_eq!(
        external_id(&users.get(&id_of(&plain)).await.unwrap()),
        None,
        "still displays as none"
    );
    // Unchanged and case-only.
    assert!(matches!(
        users.rename_email(&id, "after@example.com").await.unwrap(),
        RenameOutcome::Unchanged { .. }
    ));
    assert!(matches!(
        users
            .rename_email(&id, "AFTER@example.com")
            .await
            .unwrap_err(),
        Error::InvalidInput { .. }
    ));
    // To an email a manual profile holds: Probo claims that profile instead.
    let manual = probo.insert_manual_user("taken@example.com");
    let outcome = users.rename_email(&id, "taken@example.com").await.unwrap();
    let RenameOutcome::TookOverOtherProfile { user, original } = outcome else {
        panic!()
    };
    assert_eq!(id_of(&user), manual);
    assert_eq!(original.user_name, "after@example.com");
    assert_eq!(
        external_id(&original),
        None,
        "the original lost its externalId"
    );
}

#[tokio::test]
async fn checklist_10_put_without_active_reactivates_and_clears() {
    let probo = FakeProbo::start().await;
    let users = client(&probo).users();
    let mut u = User::new("put@example.com").with_name(Name::new("Pat", "Put"));
    u.title = Some("Auditor".into());
    let u = users.create(&u).await.unwrap().into_user();
    let id = id_of(&u);
    users.deactivate(&id).await.unwrap();

    // What Probo does with a naive PUT:
    let (_, _, body) = raw(
        &probo,
        "PUT",
        &format!("/Users/{id}"),
        Some(json!({"userName": "put@example.com"})),
    )
    .await;
    assert_eq!(body["active"], true, "reactivated");
    assert_eq!(body["title"], Value::Null);
    assert_eq!(
        (
            body["name"]["givenName"].clone(),
            body["name"]["familyName"].clone()
        ),
        (json!(""), json!(""))
    );

    // The client's replace: the same sparse user changes neither.
    users.deactivate(&id).await.unwrap();
    users
        .patch(
            &id,
            &PatchOp::builder()
                .replace("title", "Auditor")
                .replace_value(json!({"name": {"givenName": "Pat", "familyName": "Put"}}))
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let mut sparse = User::new("put@example.com");
    sparse.nick_name = Some("P".into());
    let after = users.replace(&id, &sparse).await.unwrap();
    assert_eq!(after.active, Some(false), "still deactivated");
    assert_eq!(after.title.as_deref(), Some("Auditor"));
    assert_eq!(
        after.name.as_ref().unwrap().given_name.as_deref(),
        Some("Pat")
    );
    assert_eq!(after.nick_name.as_deref(), Some("P"));
    let put = probo
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PUT")
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(put["active"], false, "active always sent");
    // Clearing on purpose: "".
    let mut clear = User::new("put@example.com");
    clear.title = Some(String::new());
    assert_eq!(users.replace(&id, &clear).await.unwrap().title, None);
}

#[tokio::test]
async fn checklist_11_patch_semantics() {
    let probo = FakeProbo::start().await;
    let users = client(&probo).users();
    let u = users
        .create(
            &User::new("patch@example.com")
                .with_name(Name::new("Ann", "Lee"))
                .with_display_name("Ann Lee"),
        )
        .await
        .unwrap()
        .into_user();
    let id = id_of(&u);
    let path = format!("/Users/{id}");
    let patch = |ops: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});

    // op in any case; add = replace.
    let (s, _, body) = raw(
        &probo,
        "PATCH",
        &path,
        Some(patch(
            json!([{"op": "ADD", "path": "nickName", "value": "Annie"}]),
        )),
    )
    .await;
    assert_eq!((s, body["nickName"].clone()), (200, json!("Annie")));
    // remove without path: 400 invalidValue (not noTarget).
    let (s, _, body) = raw(
        &probo,
        "PATCH",
        &path,
        Some(patch(json!([{"op": "remove"}]))),
    )
    .await;
    assert_eq!((s, body["scimType"].clone()), (400, json!("invalidValue")));
    let err = users
        .patch(
            &id,
            &PatchOp::new(vec![PatchOperation::new(PatchOpKind::Remove, None, None)]),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.scim_error().unwrap().scim_type,
        Some(ScimType::InvalidValue)
    );
    // unknown path: 400 invalidPath, even for an unknown id (validation first).
    let (s, _, body) = raw(
        &probo,
        "PATCH",
        &path,
        Some(patch(
            json!([{"op": "replace", "path": "password", "value": "x"}]),
        )),
    )
    .await;
    assert_eq!((s, body["scimType"].clone()), (400, json!("invalidPath")));
    let (s, _, _) = raw(
        &probo,
        "PATCH",
        "/Users/ABEiM0RVZncAMwAAAaAlZTWoobLD1OX0",
        Some(patch(
            json!([{"op": "replace", "path": "bogus", "value": 1}]),
        )),
    )
    .await;
    assert_eq!(s, 400);
    // schemas must be exactly the PatchOp URN.
    let (s, _, body) = raw(&probo, "PATCH", &path, Some(json!({"schemas": [], "Operations": [{"op": "replace", "path": "title", "value": "x"}]}))).await;
    assert_eq!((s, body["scimType"].clone()), (400, json!("invalidValue")));
    // Accepted and ignored: remove active, core-URN-qualified paths.
    let (s, _, body) = raw(&probo, "PATCH", &path, Some(patch(json!([
        {"op": "remove", "path": "active"},
        {"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:active", "value": false}
    ])))).await;
    assert_eq!((s, body["active"].clone()), (200, json!(true)));
    // Path-less keys are read case-sensitively: `Active` passes and does nothing.
    let (s, _, body) = raw(
        &probo,
        "PATCH",
        &path,
        Some(patch(
            json!([{"op": "replace", "value": {"Active": false}}]),
        )),
    )
    .await;
    assert_eq!((s, body["active"].clone()), (200, json!(true)));
    // Changing a name part alone rewrites displayName from the parts sent.
    let op = PatchOp::builder()
        .replace("name.givenName", "Jo")
        .build()
        .unwrap();
    let after = users.patch(&id, &op).await.unwrap();
    assert_eq!(after.display_name.as_deref(), Some("Jo"));
    let op = PatchOp::builder()
        .replace("name.givenName", "Ann")
        .replace("displayName", "Ann Lee")
        .build()
        .unwrap();
    assert_eq!(
        users.patch(&id, &op).await.unwrap().display_name.as_deref(),
        Some("Ann Lee")
    );
}

#[tokio::test]
async fn checklist_12_delete_may_only_deactivate() {
    let probo = FakeProbo::start().await;
    let users = client(&probo).users();
    let gone = users
        .create(&User::new("gone@example.com"))
        .await
        .unwrap()
        .into_user();
    users.delete(&id_of(&gone)).await.unwrap();
    assert!(
        users
            .delete(&id_of(&gone))
            .await
            .unwrap_err()
            .is_not_found()
    );

    let kept = users
        .create(&User::new("signer@example.com"))
        .await
        .unwrap()
        .into_user();
    let id = id_of(&kept);
    probo.mark_referenced(&id);
    let err = users.delete(&id).await.unwrap_err();
    let Error::Incomplete {
        app,
        operation,
        outcome,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(app, "Probo");
    // The operation names the user; the outcome says what Probo did instead.
    assert!(operation.contains(id.as_str()), "{operation}");
    assert!(operation.contains("signer@example.com"), "{operation}");
    assert!(outcome.contains("deactivated it instead"), "{outcome}");
    assert!(outcome.contains("reference"), "{outcome}");
    assert!(!err.is_retryable(), "{err}");
    assert_eq!(users.get(&id).await.unwrap().active, Some(false));
    // Still listed, and a second DELETE answers 204 again, with the same outcome.
    assert!(
        users
            .find_by_user_name("signer@example.com")
            .await
            .unwrap()
            .is_some()
    );
    let again = users.delete(&id).await.unwrap_err();
    assert!(
        again.to_string().contains("deactivated it instead"),
        "{again}"
    );
    let deletes = probo
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count();
    assert_eq!(deletes, 4);
}

#[tokio::test]
async fn delete_answered_204_that_removed_nothing_is_incomplete() {
    let probo = FakeProbo::start().await;
    let users = client(&probo).users();
    let stays = users
        .create(&User::new("stays@example.com"))
        .await
        .unwrap()
        .into_user();
    let id = id_of(&stays);
    // A 204 that did nothing (not seen from Probo; a proxy could do it).
    probo.fail_next(probo_scim::testing::Failure::status(204).on_method("DELETE"));
    let err = users.delete(&id).await.unwrap_err();
    let Error::Incomplete { outcome, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(outcome.contains("nothing was removed"), "{outcome}");
    assert_eq!(users.get(&id).await.unwrap().active, Some(true));
}

#[tokio::test]
async fn checklist_13_reactivation_resets_role_to_employee() {
    let probo = FakeProbo::start().await;
    let users = client(&probo).users();
    let admin = users
        .create(&User::new("admin@example.com"))
        .await
        .unwrap()
        .into_user();
    let id = id_of(&admin);
    probo.set_role(&id, "ADMIN");
    assert_eq!(users.deactivate(&id).await.unwrap().active, Some(false));
    assert_eq!(probo.role(&id).as_deref(), Some("ADMIN"));
    assert_eq!(users.reactivate(&id).await.unwrap().active, Some(true));
    assert_eq!(probo.role(&id).as_deref(), Some("EMPLOYEE"));
}

#[tokio::test]
async fn checklist_14_bridge_rotation_gives_401_with_a_hint() {
    let probo = FakeProbo::start().await;
    let before = client(&probo);
    before
        .users()
        .list()
        .stream()
        .try_collect::<Vec<User>>()
        .await
        .unwrap();
    let new_token = probo.rotate_token();
    let err = before
        .users()
        .get(&UserId::new("ABEiM0RVZncAMwAAAaAlZTWoobLD1OX0"))
        .await
        .unwrap_err();
    assert!(err.is_unauthorized());
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(
        text.contains("Bridge") && text.contains("rotated"),
        "{text}"
    );
    let after = probo.client_builder().token(new_token).build().unwrap();
    after
        .users()
        .list()
        .stream()
        .try_collect::<Vec<User>>()
        .await
        .unwrap();
}

#[tokio::test]
async fn checklist_15_service_provider_config_needs_auth_and_reports_zero() {
    let probo = FakeProbo::start().await;
    let anon = reqwest::get(format!("{}/ServiceProviderConfig", probo.scim_url()))
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
    let spc = client(&probo).service_provider_config().await.unwrap();
    assert_eq!(spc.filter.max_results, Some(0));
    // Any method answers it.
    let (s, _, body) = raw(&probo, "DELETE", "/ServiceProviderConfig", None).await;
    assert_eq!((s, body["filter"]["maxResults"].clone()), (200, json!(0)));
    // The 0 does not limit /Users, and count is clamped to 100 in the echo only.
    for i in 0..120 {
        probo.insert_user(User::new(format!("c{i}@example.com")));
    }
    let (_, _, page) = raw(&probo, "GET", "/Users?count=1000", None).await;
    assert_eq!(page["itemsPerPage"], 100);
    assert_eq!(page["Resources"].as_array().unwrap().len(), 120);
}

#[tokio::test]
async fn checklist_16_v2_alias_unsupported_endpoints_and_me() {
    let probo = FakeProbo::start().await;
    probo.insert_user(User::new("alias@example.com"));
    let via_v2 = Client::builder()
        .scim_url(format!("{}/v2", probo.scim_url()))
        .token(probo.token())
        .build()
        .unwrap();
    let users: Vec<User> = via_v2.users().list().stream().try_collect().await.unwrap();
    assert_eq!(users.len(), 1);
    for (method, path) in [
        ("GET", "/Groups"),
        ("POST", "/Bulk"),
        ("POST", "/.search"),
        ("POST", "/Users/.search"),
        ("PUT", "/Users"),
    ] {
        let (s, _, body) = raw(&probo, method, path, Some(json!({}))).await;
        assert_eq!(
            (s, body["detail"].clone()),
            (404, json!("Specified endpoint does not exist.")),
            "{method} {path}"
        );
    }
    let err = client(&probo)
        .scim()
        .groups()
        .get(&"x".into())
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    let (s, _, body) = raw(&probo, "GET", "/Me", None).await;
    assert_eq!((s, body.get("detail")), (501, None));
}

#[tokio::test]
async fn checklist_17_lenient_input_and_dropped_attributes() {
    let probo = FakeProbo::start().await;
    let (s, _, body) = raw(
        &probo,
        "POST",
        "/Users",
        Some(json!({
            "USERNAME": "lenient@example.com",
            "active": "False",
            "password": "hunter2",
            "phoneNumbers": [{"value": "+1 555"}],
            "x-unknown": 1
        })),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(body["active"], false);
    assert_eq!(body["userName"], "lenient@example.com");
    for dropped in ["password", "phoneNumbers", "x-unknown"] {
        assert!(body.get(dropped).is_none(), "{dropped}");
    }
    // And through the client: a user with a password set is created without it.
    let mut u = User::new("pw@example.com");
    u.password = Some("s3cret".into());
    let created = client(&probo).users().create(&u).await.unwrap().into_user();
    assert_eq!(created.password, None);
}

#[tokio::test]
async fn checklist_18_non_scim_profile_is_a_non_scim_500() {
    let probo = FakeProbo::start().await;
    let manual = probo.insert_manual_user("manual@example.com");
    let err = client(&probo).users().get(&manual).await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(err.scim_error().is_none());
    let api = err.api().unwrap();
    assert_eq!(api.code(), Some("internal_server_error"));
    assert_eq!(api.message(), Some("internal server error"));
    assert!(!err.is_retryable(), "a deterministic 500 is not retried");
}
