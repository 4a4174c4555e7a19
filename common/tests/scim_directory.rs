//! Any SCIM 2.0 server as an identity-graph directory: `ScimDirectory` against the
//! stateful `ScimFake` (the conformance suite, a sync that converges, a departure, a
//! rename), with PATCH and with PUT only.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use idgraph_common::TransportSettings;
use idgraph_common::graph::conformance::{self, Knobs};
use idgraph_common::graph::{
    ApplyMode, DirectoryUser, Listing, SyncPolicy, UserDirectory, apply, list_target, plan_listings,
};
use idgraph_common::scim::{
    EmailAttribute, LinkKeyAttribute, ScimClient, ScimDirectory, ScimFeatures, ScimToken,
};
use idgraph_common::testing::{
    DEFAULT_TOKEN, RecordedRequest, ScimFake, paused_clock_reqwest_client,
};

fn client(fake: &ScimFake) -> ScimClient {
    ScimClient::builder()
        .base_url(fake.url())
        .token(ScimToken::new(DEFAULT_TOKEN))
        .transport(
            TransportSettings::new()
                .no_attempt_timeout()
                .reqwest_client(paused_clock_reqwest_client()),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_conformance_suite_passes_whatever_the_server_supports() {
    // Every combination of the optional features RFC 7644 leaves to the server, read
    // from the fake's own discovery.
    for patch in [true, false] {
        for etags in [true, false] {
            for filter in [true, false] {
                let fake = ScimFake::builder()
                    .patch(patch)
                    .etags(etags)
                    .filter(filter)
                    .start()
                    .await;
                let dir = ScimDirectory::discover(client(&fake)).await.unwrap();
                let f = dir.features();
                assert_eq!((f.patch, f.etag, f.filter), (patch, etags, filter));
                let report = conformance::run(&dir, &Knobs::from_catalog(dir.catalog())).await;
                let case = format!("patch={patch} etags={etags} filter={filter}");
                assert!(report.passed(), "{case}: {report}");
                assert!(
                    report.names().contains(&"rename_keeps_the_person"),
                    "{case}: {report}"
                );
                let sent = fake.requests();
                if !patch {
                    assert!(sent.iter().all(|r| r.method != "PATCH"), "{case}");
                }
                if !filter {
                    assert!(
                        sent.iter().all(|r| !sends_a_filter(r)),
                        "{case}: a filter was sent"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn the_conformance_suite_passes_with_the_primary_email_and_an_extension_link_key() {
    for patch in [true, false] {
        let fake = ScimFake::builder().patch(patch).start().await;
        let dir = ScimDirectory::discover(client(&fake))
            .await
            .unwrap()
            .email_attribute(EmailAttribute::PrimaryEmail)
            .link_key_attribute(LinkKeyAttribute::employee_number());
        let report = conformance::run(&dir, &Knobs::from_catalog(dir.catalog())).await;
        assert!(report.passed(), "patch={patch}: {report}");
    }
}

/// Whether a recorded request carries a filter (query string or search body).
fn sends_a_filter(r: &RecordedRequest) -> bool {
    r.query.as_deref().is_some_and(|q| q.contains("filter="))
        || r.path.ends_with("/.search")
        || r.json().is_some_and(|b| b.get("filter").is_some())
}

fn person(email: &str, key: &str, given: &str) -> DirectoryUser {
    DirectoryUser::new(email)
        .with_names(given, "Example")
        .with_external_id(key)
}

async fn sync(dir: &ScimDirectory, source: &[DirectoryUser]) -> idgraph_common::graph::SyncReport {
    let target = list_target(dir).await.unwrap();
    let p = plan_listings(
        &Listing::from_source(source.to_vec()),
        &target,
        dir.catalog(),
        &SyncPolicy::default().deprovision_allowance(1),
    );
    apply(&p, dir, ApplyMode::Execute).await
}

async fn settled(dir: &ScimDirectory, source: &[DirectoryUser]) -> bool {
    let target = list_target(dir).await.unwrap();
    plan_listings(
        &Listing::from_source(source.to_vec()),
        &target,
        dir.catalog(),
        &SyncPolicy::default(),
    )
    .is_noop()
}

#[tokio::test]
async fn plan_apply_converge_departure_rename_converge() {
    for patch in [true, false] {
        let fake = ScimFake::start().await;
        let dir = ScimDirectory::new(client(&fake)).use_patch(patch);
        let mut source = vec![
            person("ada@example.com", "k1", "Ada"),
            person("bob@example.com", "k2", "Bob"),
            person("cy@example.com", "k3", "Cy"),
        ];
        let report = sync(&dir, &source).await;
        assert!(report.is_success(), "{report}");
        assert_eq!(report.counts().done, 3);
        assert!(settled(&dir, &source).await);

        // A departure.
        source[1].set_active(false);
        let report = sync(&dir, &source).await;
        assert!(report.is_success(), "{report}");
        let bob = fake
            .users()
            .into_iter()
            .find(|u| u.user_name == "bob@example.com")
            .unwrap();
        assert_eq!(bob.active, Some(false));
        assert!(settled(&dir, &source).await);

        // A rename: same id, still active, the primary email follows.
        let ada_id = fake
            .users()
            .into_iter()
            .find(|u| u.user_name == "ada@example.com")
            .and_then(|u| u.id)
            .unwrap();
        source[0].set_email("ada.king@example.com");
        let report = sync(&dir, &source).await;
        assert!(report.is_success(), "{report}");
        assert_eq!(
            report
                .items
                .iter()
                .filter(|i| i.action.as_str() == "rename")
                .count(),
            1
        );
        let ada = fake.user(ada_id.as_str()).unwrap();
        assert_eq!(ada.user_name, "ada.king@example.com", "patch={patch}");
        assert_eq!(ada.primary_email(), Some("ada.king@example.com"));
        assert_ne!(ada.active, Some(false));
        assert!(settled(&dir, &source).await, "patch={patch}");
    }
}

#[tokio::test]
async fn a_scope_keeps_everyone_else_out_of_the_plan() {
    let fake = ScimFake::start().await;
    let outsider = ScimDirectory::new(client(&fake));
    outsider
        .create_user(&DirectoryUser::new("someone@other.example"))
        .await
        .unwrap();
    let dir =
        ScimDirectory::new(client(&fake)).scope(scim_types::Filter::ew("userName", "@example.com"));
    let report = sync(&dir, &[person("ada@example.com", "k1", "Ada")]).await;
    assert!(report.is_success(), "{report}");
    assert_eq!(report.counts().done, 1, "only the create: {report}");
    let other = fake
        .users()
        .into_iter()
        .find(|u| u.user_name == "someone@other.example")
        .unwrap();
    assert_ne!(other.active, Some(false), "never seen, never deprovisioned");
}

// --- Groups ------------------------------------------------------------------------------

async fn with_groups(names: &[&str]) -> (ScimFake, ScimDirectory) {
    let fake = ScimFake::start().await;
    for name in names {
        fake.insert_group(scim_types::Group::new(*name));
    }
    let dir = ScimDirectory::discover(client(&fake))
        .await
        .unwrap()
        .manage_groups(true);
    (fake, dir)
}

fn members_of(fake: &ScimFake, group: &str) -> Vec<String> {
    let users = fake.users();
    let email = |id: &str| {
        users
            .iter()
            .find(|u| u.id.as_ref().map(|i| i.as_str()) == Some(id))
            .map(|u| u.user_name.clone())
            .unwrap_or_default()
    };
    let mut out: Vec<String> = fake
        .groups()
        .into_iter()
        .filter(|g| g.display_name == group)
        .flat_map(|g| g.members)
        .filter_map(|m| m.value)
        .map(|id| email(&id))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn the_conformance_suite_passes_with_groups_managed() {
    let (_fake, dir) = with_groups(&["conformance-a", "conformance-b"]).await;
    let knobs = Knobs::from_catalog(dir.catalog());
    assert!(knobs.reports_groups, "manage_groups shows in the catalog");
    let report = conformance::run(&dir, &knobs).await;
    assert!(report.passed(), "{report}");
}

#[tokio::test]
async fn membership_changes_converge_in_one_apply_through_groups_patch() {
    let (fake, dir) = with_groups(&["Eng", "Sales", "On call"]).await;
    let mut source = vec![
        person("ada@example.com", "k1", "Ada").with_groups(["Eng", "On call"]),
        person("bob@example.com", "k2", "Bob").with_groups(["Sales"]),
    ];
    let report = sync(&dir, &source).await;
    assert!(report.is_success(), "{report}");
    assert_eq!(members_of(&fake, "Eng"), ["ada@example.com"]);
    assert_eq!(members_of(&fake, "On call"), ["ada@example.com"]);
    assert_eq!(members_of(&fake, "Sales"), ["bob@example.com"]);
    assert!(settled(&dir, &source).await);

    // Ada leaves on-call and joins Sales; Bob moves to Eng.
    source[0].set_groups(["Eng", "Sales"]);
    source[1].set_groups(["Eng"]);
    let target = list_target(&dir).await.unwrap();
    let p = plan_listings(
        &Listing::from_source(source.clone()),
        &target,
        dir.catalog(),
        &SyncPolicy::default().max_membership_removal_share(1.0),
    );
    assert_eq!(p.counts().update, 2, "{p}");
    let report = apply(&p, &dir, ApplyMode::Execute).await;
    assert!(report.is_success(), "{report}");
    assert_eq!(
        members_of(&fake, "Eng"),
        ["ada@example.com", "bob@example.com"]
    );
    assert_eq!(members_of(&fake, "Sales"), ["ada@example.com"]);
    assert!(members_of(&fake, "On call").is_empty());
    assert!(settled(&dir, &source).await, "the next plan is empty");
}

#[tokio::test]
async fn a_group_the_app_does_not_have_is_a_clear_failure_and_nothing_is_created() {
    let (fake, dir) = with_groups(&["Eng"]).await;
    let source = [person("ada@example.com", "k1", "Ada").with_groups(["Eng", "Ghosts"])];
    let report = sync(&dir, &source).await;
    assert!(!report.is_success());
    let text = report.to_string();
    assert!(
        text.contains("the SCIM group `Ghosts` does not exist"),
        "{text}"
    );
    assert_eq!(fake.groups().len(), 1, "the sync never creates groups");
    assert!(
        fake.users().is_empty(),
        "nor the user, when a group is missing"
    );
}

#[tokio::test]
async fn groups_are_not_compared_unless_managed() {
    let fake = ScimFake::start().await;
    fake.insert_group(scim_types::Group::new("Eng"));
    let dir = ScimDirectory::discover(client(&fake)).await.unwrap();
    assert!(!dir.catalog().lifecycle.stores.groups);
    let source = [person("ada@example.com", "k1", "Ada").with_groups(["Eng"])];
    let report = sync(&dir, &source).await;
    assert!(report.is_success(), "{report}");
    assert!(members_of(&fake, "Eng").is_empty());
    assert!(settled(&dir, &source).await);
}

// --- Renames: one PATCH where the server has PATCH, PUT only where it has not ---------

/// A user with attributes the directory does not model (a title, a phone, a second
/// email, another schema's extension), which a rename must leave as they are.
fn ada_with_unmodelled_attributes() -> scim_types::User {
    serde_json::from_value(serde_json::json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:example:acme:2.0:User"
        ],
        "userName": "ada@example.com",
        "externalId": "k1",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "title": "Analyst",
        "phoneNumbers": [{"value": "+44 20 7946 0000", "type": "work"}],
        "emails": [
            {"value": "ada@example.com", "type": "work", "primary": true},
            {"value": "ada@home.example", "type": "home"}
        ],
        "active": true,
        "urn:example:acme:2.0:User": {"badge": 42}
    }))
    .unwrap()
}

/// The writes (anything but GET) among the requests the fake received.
fn writes(fake: &ScimFake) -> Vec<RecordedRequest> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect()
}

#[tokio::test]
async fn a_rename_is_one_patch_where_the_server_has_patch_and_a_put_only_where_it_has_not() {
    for patch in [true, false] {
        for etags in [true, false] {
            let case = format!("patch={patch} etags={etags}");
            let fake = ScimFake::builder().patch(patch).etags(etags).start().await;
            let seeded = fake.insert_user(ada_with_unmodelled_attributes());
            let id = seeded.id.clone().unwrap();
            let dir = ScimDirectory::discover(client(&fake)).await.unwrap();
            let read = dir
                .get_user(&DirectoryUser::new("ada@example.com"))
                .await
                .unwrap();
            let version = fake
                .user(id.as_str())
                .and_then(|u| u.meta)
                .and_then(|m| m.version);
            fake.clear_requests();

            let renamed = dir
                .rename_user(&read, &"ada.king@example.com".into())
                .await
                .unwrap();
            assert_eq!(renamed.email().as_str(), "ada.king@example.com", "{case}");
            assert_eq!(renamed.app_id(), Some(id.as_str()), "{case}");

            let sent = writes(&fake);
            assert_eq!(sent.len(), 1, "{case}: one write: {sent:?}");
            let write = &sent[0];
            assert_eq!(write.method, if patch { "PATCH" } else { "PUT" }, "{case}");
            assert!(
                write.path.ends_with(&format!("/Users/{}", id.as_str())),
                "{case}"
            );
            // If-Match with the version read, where the server has ETags.
            let if_match = write.header("if-match").map(str::to_owned);
            if etags {
                assert!(version.is_some(), "{case}");
                assert_eq!(if_match, version, "{case}");
            } else {
                assert_eq!(if_match, None, "{case}");
            }
            if patch {
                // Only the email moves: userName and the primary email, nothing else.
                let body = write.json().unwrap();
                let ops: Vec<(String, String)> = body["Operations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|op| {
                        (
                            op["op"].as_str().unwrap().to_ascii_lowercase(),
                            op["path"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect();
                assert_eq!(
                    ops,
                    [
                        ("replace".to_owned(), "userName".to_owned()),
                        (
                            "replace".to_owned(),
                            "emails[primary eq true].value".to_owned()
                        ),
                    ],
                    "{case}"
                );
            }

            let now = serde_json::to_value(fake.user(id.as_str()).unwrap()).unwrap();
            assert_eq!(now["userName"], "ada.king@example.com", "{case}");
            assert_eq!(
                now["emails"],
                serde_json::json!([
                    {"value": "ada.king@example.com", "type": "work", "primary": true},
                    {"value": "ada@home.example", "type": "home"}
                ]),
                "{case}: the home address is not the identity"
            );
            assert_eq!(now["title"], "Analyst", "{case}");
            assert_eq!(
                now["phoneNumbers"][0]["value"], "+44 20 7946 0000",
                "{case}"
            );
            assert_eq!(now["urn:example:acme:2.0:User"]["badge"], 42, "{case}");
            assert_eq!(now["externalId"], "k1", "{case}");
            assert_eq!(now["active"], true, "{case}");
        }
    }
}

#[tokio::test]
async fn a_patch_rename_keeps_a_change_made_after_the_read() {
    // No ETags, so nothing would refuse a write made from a stale read: only a PATCH
    // that names just the email keeps what someone else changed in the meantime.
    let fake = ScimFake::start().await;
    let id = fake
        .insert_user(ada_with_unmodelled_attributes())
        .id
        .unwrap();
    let dir = ScimDirectory::discover(client(&fake)).await.unwrap();
    let read = dir
        .get_user(&DirectoryUser::new("ada@example.com"))
        .await
        .unwrap();
    let op = scim_types::PatchOp::builder()
        .replace("title", "Countess")
        .replace("name.givenName", "Augusta Ada")
        .build()
        .unwrap();
    client(&fake).users().patch(&id, &op).await.unwrap();

    dir.rename_user(&read, &"ada.king@example.com".into())
        .await
        .unwrap();
    let now = fake.user(id.as_str()).unwrap();
    assert_eq!(now.user_name, "ada.king@example.com");
    assert_eq!(now.title.as_deref(), Some("Countess"));
    assert_eq!(
        now.name.and_then(|n| n.given_name).as_deref(),
        Some("Augusta Ada")
    );
}

#[tokio::test]
async fn a_rename_refuses_an_account_that_changed_since_it_was_read() {
    for patch in [true, false] {
        let fake = ScimFake::builder().patch(patch).start().await;
        let id = fake
            .insert_user(ada_with_unmodelled_attributes())
            .id
            .unwrap();
        let dir = ScimDirectory::discover(client(&fake)).await.unwrap();
        let read = dir
            .get_user(&DirectoryUser::new("ada@example.com"))
            .await
            .unwrap();
        // Someone moves the account to another person's email in the app.
        let mut moved = fake.user(id.as_str()).unwrap();
        moved.user_name = "charles@example.com".into();
        client(&fake).users().replace(&id, &moved).await.unwrap();
        fake.clear_requests();

        let err = dir
            .rename_user(&read, &"ada.king@example.com".into())
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains(
                "is now `charles@example.com`, not `ada@example.com` as read: nothing was changed"
            ),
            "patch={patch}: {err}"
        );
        assert!(writes(&fake).is_empty(), "patch={patch}: nothing written");
        assert_eq!(
            fake.user(id.as_str()).unwrap().user_name,
            "charles@example.com"
        );
    }
}

#[tokio::test]
async fn with_etags_a_put_made_from_a_stale_read_is_a_412_and_without_them_no_if_match_is_sent() {
    let fake = ScimFake::builder().patch(false).etags(true).start().await;
    let id = fake
        .insert_user(ada_with_unmodelled_attributes())
        .id
        .unwrap();
    let dir = ScimDirectory::discover(client(&fake)).await.unwrap();
    assert!(dir.features().etag && !dir.features().patch);
    // Reads of the user answer a version that is no longer current, as if someone
    // wrote between the directory's read and its PUT.
    let mut stale = serde_json::to_value(fake.user(id.as_str()).unwrap()).unwrap();
    stale["meta"]["version"] = serde_json::json!("W/\"0\"");
    fake.server()
        .register(
            wiremock::Mock::given(wiremock::matchers::method("GET"))
                .and(wiremock::matchers::path(format!(
                    "/scim/v2/Users/{}",
                    id.as_str()
                )))
                .respond_with(
                    wiremock::ResponseTemplate::new(200)
                        .set_body_raw(stale.to_string(), "application/scim+json"),
                )
                .with_priority(1),
        )
        .await;
    let desired = DirectoryUser::new("ada@example.com")
        .with_app_id(id.as_str())
        .with_names("Ada", "King");
    let err = dir.update_user(&desired).await.unwrap_err();
    assert!(err.is_precondition_failed(), "{err}");
    let put = writes(&fake).pop().unwrap();
    assert_eq!(
        (put.method.as_str(), put.header("if-match")),
        ("PUT", Some("W/\"0\""))
    );
    let family = |fake: &ScimFake| {
        fake.user(id.as_str())
            .and_then(|u| u.name)
            .and_then(|n| n.family_name)
    };
    assert_eq!(
        family(&fake).as_deref(),
        Some("Lovelace"),
        "nothing overwritten"
    );

    // A server that says it has no ETags gets no If-Match, even when the body read
    // carries a version.
    let mut features = dir.features().clone();
    features.etag = false;
    let dir = dir.with_features(features);
    fake.clear_requests();
    dir.update_user(&desired).await.unwrap();
    let put = writes(&fake).pop().unwrap();
    assert_eq!((put.method.as_str(), put.header("if-match")), ("PUT", None));
    assert_eq!(family(&fake).as_deref(), Some("King"));
}

// --- The link key in another attribute ---------------------------------------------------

#[tokio::test]
async fn a_link_key_in_the_enterprise_extension_is_written_read_and_recognises_a_rename() {
    for patch in [true, false] {
        let case = format!("patch={patch}");
        let fake = ScimFake::builder().patch(patch).start().await;
        let dir = ScimDirectory::discover(client(&fake))
            .await
            .unwrap()
            .link_key_attribute(LinkKeyAttribute::employee_number());
        let mut source = vec![
            person("ada@example.com", "E-1", "Ada"),
            person("bob@example.com", "E-2", "Bob"),
        ];
        let report = sync(&dir, &source).await;
        assert!(report.is_success(), "{case}: {report}");

        // Written on create, into the extension, and nowhere else.
        let ada = fake
            .users()
            .into_iter()
            .find(|u| u.user_name == "ada@example.com")
            .unwrap();
        let ada_id = ada.id.clone().unwrap();
        assert_eq!(
            ada.enterprise.and_then(|e| e.employee_number).as_deref(),
            Some("E-1"),
            "{case}"
        );
        assert_eq!(ada.external_id, None, "{case}");
        // Read on list: the next plan is empty.
        assert!(settled(&dir, &source).await, "{case}");

        // The same person at a new email: recognised by the employee number, renamed.
        source[0].set_email("ada.king@example.com");
        let target = list_target(&dir).await.unwrap();
        let p = plan_listings(
            &Listing::from_source(source.clone()),
            &target,
            dir.catalog(),
            &SyncPolicy::default(),
        );
        assert_eq!(
            (p.counts().rename, p.counts().create, p.counts().deactivate),
            (1, 0, 0),
            "{case}: {p}"
        );
        assert!(apply(&p, &dir, ApplyMode::Execute).await.is_success());
        assert_eq!(
            fake.user(ada_id.as_str()).unwrap().user_name,
            "ada.king@example.com"
        );
        assert!(settled(&dir, &source).await, "{case}");

        // An update replaces the key and keeps the extension's other attributes.
        let mut ent = fake.user(ada_id.as_str()).unwrap();
        ent.enterprise = ent.enterprise.map(|e| e.with_department("Analytics"));
        client(&fake).users().replace(&ada_id, &ent).await.unwrap();
        let mut desired = source[0].clone();
        desired.set_external_id(Some("E-9"));
        let updated = dir.update_user(&desired).await.unwrap();
        assert_eq!(updated.external_id(), Some("E-9"), "{case}");
        let stored = fake.user(ada_id.as_str()).unwrap().enterprise.unwrap();
        assert_eq!(stored.employee_number.as_deref(), Some("E-9"), "{case}");
        assert_eq!(stored.department.as_deref(), Some("Analytics"), "{case}");
    }
}

#[tokio::test]
async fn as_a_source_the_link_key_is_read_from_the_attribute_the_mapping_names() {
    let fake = ScimFake::start().await;
    let mut hr = scim_types::User::new("ada@example.com")
        .with_external_id("okta-00u1")
        .with_enterprise(scim_types::EnterpriseUser::default().with_employee_number("E-1"));
    hr.set_extension(
        "urn:example:acme:2.0:User",
        &serde_json::json!({"Badge": 4711}),
    )
    .unwrap();
    fake.insert_user(hr);
    fake.insert_user(scim_types::User::new("bob@example.com").with_external_id("okta-00u2"));

    let listed = |dir: ScimDirectory| async move {
        let mut users = Listing::complete(dir.list_users())
            .await
            .unwrap()
            .into_users();
        users.sort_by(|a, b| a.email().cmp(&b.email()));
        users
            .into_iter()
            .map(|u| {
                (
                    u.email().as_str().to_owned(),
                    u.external_id().map(str::to_owned),
                )
            })
            .collect::<Vec<_>>()
    };
    let base = ScimDirectory::new(client(&fake));
    assert_eq!(
        listed(base.clone()).await,
        [
            ("ada@example.com".to_owned(), Some("okta-00u1".to_owned())),
            ("bob@example.com".to_owned(), Some("okta-00u2".to_owned())),
        ]
    );
    assert_eq!(
        listed(
            base.clone()
                .link_key_attribute(LinkKeyAttribute::employee_number())
        )
        .await,
        [
            ("ada@example.com".to_owned(), Some("E-1".to_owned())),
            ("bob@example.com".to_owned(), None),
        ]
    );
    // A custom schema's attribute, by its full path (names match in any case; a number
    // reads as its digits).
    let badge: LinkKeyAttribute = "urn:example:acme:2.0:User:badge".parse().unwrap();
    assert_eq!(
        listed(base.link_key_attribute(badge)).await,
        [
            ("ada@example.com".to_owned(), Some("4711".to_owned())),
            ("bob@example.com".to_owned(), None),
        ]
    );

    for bad in [
        "employeeNumber",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        "urn:example:acme:2.0:User:badge.number",
        "urn:example:acme:2.0:User:",
        "urn:example:acme:2.0:User:1st",
    ] {
        let err = bad.parse::<LinkKeyAttribute>().unwrap_err();
        assert!(
            matches!(err, idgraph_common::Error::InvalidInput { .. }),
            "{bad}: {err}"
        );
    }
}

// --- Discovery: filter, ETag, bulk --------------------------------------------------------

#[tokio::test]
async fn discovery_records_every_feature_and_caps_the_page_size() {
    let fake = ScimFake::start().await;
    fake.server()
        .register(
            wiremock::Mock::given(wiremock::matchers::path(
                "/scim/v2/ServiceProviderConfig",
            ))
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(
                serde_json::json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
                    "patch": {"supported": false},
                    "filter": {"supported": false, "maxResults": 2},
                    "etag": {"supported": true},
                    "bulk": {"supported": true, "maxOperations": 1000, "maxPayloadSize": 1048576},
                    "changePassword": {"supported": false},
                    "sort": {"supported": false}
                }),
            ))
            .with_priority(1),
        )
        .await;
    for i in 0..5 {
        fake.insert_user(scim_types::User::new(format!("u{i}@example.com")));
    }
    let dir = ScimDirectory::discover(client(&fake)).await.unwrap();
    let f = dir.features();
    assert!(!f.patch && !f.filter && f.etag && f.bulk);
    assert_eq!(f.max_results, Some(2));
    assert_eq!(
        (f.bulk_max_operations, f.bulk_max_payload_size),
        (Some(1000), Some(1_048_576))
    );
    assert_ne!(f, &ScimFeatures::assumed());

    fake.clear_requests();
    let users = Listing::complete(dir.list_users()).await.unwrap();
    assert_eq!(users.users().len(), 5);
    let pages: Vec<_> = fake.requests();
    assert_eq!(pages.len(), 3, "pages of 2: {pages:?}");
    assert!(
        pages
            .iter()
            .all(|r| r.query.as_deref().unwrap_or("").contains("count=2"))
    );
    assert!(
        pages.iter().all(|r| !r.path.contains("Bulk")),
        "bulk is never used"
    );
}

#[tokio::test]
async fn without_filter_support_lookups_list_everyone_and_a_scope_is_refused() {
    let fake = ScimFake::builder().filter(false).start().await;
    for (email, key) in [("ada@example.com", "k1"), ("bob@example.com", "k2")] {
        fake.insert_user(scim_types::User::new(email).with_external_id(key));
    }
    // A second account whose *secondary* email is Ada's must not be taken for her.
    fake.insert_user(
        scim_types::User::new("ops@example.com")
            .with_email(scim_types::Email::work("ops@example.com").with_primary(true))
            .with_email(scim_types::Email::home("ADA@example.com")),
    );
    let dir = ScimDirectory::discover(client(&fake)).await.unwrap();
    assert!(!dir.features().filter);

    // By email only, in another case: found by listing everyone.
    let desired = DirectoryUser::new("Ada@Example.com").with_names("Ada", "King");
    let updated = dir.update_user(&desired).await.unwrap();
    assert_eq!(updated.email().as_str(), "ada@example.com");
    assert_eq!(updated.family_name(), Some("King"));
    let got = dir
        .get_user(&DirectoryUser::new("BOB@example.com"))
        .await
        .unwrap();
    assert_eq!(got.external_id(), Some("k2"));
    let err = dir
        .get_user(&DirectoryUser::new("nobody@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");

    // With the primary email as the identity: Ada is still one person.
    let by_primary = dir.clone().email_attribute(EmailAttribute::PrimaryEmail);
    let ops = by_primary
        .get_user(&DirectoryUser::new("ops@example.com"))
        .await
        .unwrap();
    assert_eq!(ops.email().as_str(), "ops@example.com");
    let err = by_primary
        .get_user(&DirectoryUser::new("ada@example.com"))
        .await
        .unwrap_err();
    assert!(
        err.is_not_found(),
        "a secondary email is not an identity: {err}"
    );
    assert!(fake.requests().iter().all(|r| !sends_a_filter(r)));

    // A scope needs a filter: the listing fails instead of listing people outside it.
    fake.clear_requests();
    let scoped = dir.scope(scim_types::Filter::ew("userName", "@example.com"));
    let err = list_target(&scoped).await.unwrap_err();
    assert!(matches!(err, idgraph_common::Error::Config { .. }), "{err}");
    assert!(
        err.to_string().contains("does not support filters"),
        "{err}"
    );
    let err = scoped
        .update_user(&DirectoryUser::new("ada@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, idgraph_common::Error::Config { .. }), "{err}");
    assert!(fake.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn with_filters_a_lookup_by_email_stays_in_the_scope() {
    let fake = ScimFake::start().await;
    fake.insert_user(scim_types::User::new("ada@other.example"));
    let dir = ScimDirectory::discover(client(&fake))
        .await
        .unwrap()
        .scope(scim_types::Filter::ew("userName", "@example.com"));
    let err = dir
        .deactivate_user(&DirectoryUser::new("ada@other.example"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_ne!(
        fake.users()[0].active,
        Some(false),
        "outside the scope: untouched"
    );
}

#[tokio::test]
async fn memberships_on_a_server_without_patch_are_refused_before_anything_is_sent() {
    let fake = ScimFake::builder().patch(false).start().await;
    fake.insert_group(scim_types::Group::new("Eng"));
    let dir = ScimDirectory::discover(client(&fake))
        .await
        .unwrap()
        .manage_groups(true);
    let err = dir
        .create_user(&person("ada@example.com", "k1", "Ada").with_groups(["Eng"]))
        .await
        .unwrap_err();
    assert!(
        matches!(err, idgraph_common::Error::Unsupported { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("does not support PATCH"), "{err}");
    assert!(fake.users().is_empty());
    // Without membership changes the user is created as usual.
    dir.create_user(&person("bob@example.com", "k2", "Bob"))
        .await
        .unwrap();
    assert_eq!(fake.users().len(), 1);
}

// --- ScimDirectory as the source of truth ------------------------------------------------

#[tokio::test]
async fn a_scim_source_reconciles_into_a_target_and_a_departure_deactivates_it() {
    use idgraph_common::graph::catalog;
    use idgraph_common::graph::memory::MemoryDirectory;

    let hr = ScimFake::start().await;
    for (email, key, given) in [
        ("ada@example.com", "E-1", "Ada"),
        ("bob@example.com", "E-2", "Bob"),
        ("cy@example.com", "E-3", "Cy"),
    ] {
        hr.insert_user(
            scim_types::User::new(email)
                .with_name(scim_types::Name::new(given, "Example"))
                .with_external_id(key)
                .with_active(true),
        );
    }
    // An HR user who left before the first sync: never created in the target.
    hr.insert_user(scim_types::User::new("gone@example.com").with_active(false));
    let source = ScimDirectory::discover(client(&hr)).await.unwrap();
    let target = MemoryDirectory::new(catalog::scim());
    let policy = SyncPolicy::default().deprovision_allowance(1);

    let plan_now = || async {
        let s = Listing::complete(source.list_users()).await.unwrap();
        let t = list_target(&target).await.unwrap();
        plan_listings(&s, &t, target.catalog(), &policy)
    };
    let p = plan_now().await;
    assert_eq!(p.counts().create, 3, "{p}");
    assert!(apply(&p, &target, ApplyMode::Execute).await.is_success());
    let ada = target.get("ada@example.com").unwrap();
    assert_eq!(
        (ada.given_name(), ada.external_id()),
        (Some("Ada"), Some("E-1"))
    );
    assert!(target.get("gone@example.com").is_none());
    assert!(plan_now().await.is_noop(), "converged");

    // Bob leaves: HR deactivates him.
    let bob = hr
        .users()
        .into_iter()
        .find(|u| u.user_name == "bob@example.com")
        .unwrap();
    let op = scim_types::PatchOp::builder()
        .replace("active", false)
        .build()
        .unwrap();
    client(&hr)
        .users()
        .patch(bob.id.as_ref().unwrap(), &op)
        .await
        .unwrap();
    let p = plan_now().await;
    assert_eq!(p.counts().deactivate, 1, "{p}");
    assert!(apply(&p, &target, ApplyMode::Execute).await.is_success());
    assert!(!target.get("bob@example.com").unwrap().is_active());
    assert!(target.get("ada@example.com").unwrap().is_active());
    assert!(plan_now().await.is_noop(), "converged after the departure");
}

#[tokio::test]
async fn a_bridge_from_one_scim_server_to_another_converges_and_follows_a_departure() {
    use idgraph_common::graph::bridge::{Bridge, BridgeConfig, BridgeState};
    use idgraph_common::graph::catalog::{self, AppId};
    use std::sync::Arc;

    let hr = ScimFake::start().await;
    let app = ScimFake::start().await;
    for (email, key) in [("ada@example.com", "E-1"), ("bob@example.com", "E-2")] {
        hr.insert_user(
            scim_types::User::new(email)
                .with_name(scim_types::Name::new("Someone", "Example"))
                .with_external_id(key)
                .with_active(true),
        );
    }
    let entry = |id: &str, name: &str| {
        catalog::scim()
            .to_builder()
            .app(AppId::new(id).unwrap())
            .name(name)
            .build()
    };
    let source = ScimDirectory::discover(client(&hr))
        .await
        .unwrap()
        .catalog_entry(entry("hr-scim", "HR"));
    let target = ScimDirectory::discover(client(&app))
        .await
        .unwrap()
        .catalog_entry(entry("app-scim", "App"));
    let bridge = Bridge::new(
        Arc::new(source),
        Arc::new(target.clone()),
        BridgeConfig::default().policy(SyncPolicy::default().deprovision_allowance(1)),
    );

    let report = bridge.run_once().await.unwrap();
    assert_eq!(report.counts().done, 2, "{report}");
    assert_eq!(bridge.current().state, BridgeState::Active);
    let mut names: Vec<String> = app.users().into_iter().map(|u| u.user_name).collect();
    names.sort();
    assert_eq!(names, ["ada@example.com", "bob@example.com"]);
    let report = bridge.run_once().await.unwrap();
    assert_eq!(report.counts().done, 0, "nothing left to do: {report}");

    // Bob leaves HR (deleted there): the bridge deactivates him in the app.
    let bob = hr
        .users()
        .into_iter()
        .find(|u| u.user_name == "bob@example.com")
        .unwrap();
    assert!(hr.remove_user(bob.id.as_ref().unwrap().as_str()));
    let report = bridge.run_once().await.unwrap();
    assert_eq!(report.counts().done, 1, "{report}");
    let in_app = |email: &str| {
        app.users()
            .into_iter()
            .find(|u| u.user_name == email)
            .unwrap()
    };
    assert_eq!(in_app("bob@example.com").active, Some(false));
    assert_ne!(in_app("ada@example.com").active, Some(false));
    let report = bridge.run_once().await.unwrap();
    assert_eq!(report.counts().done, 0, "converged: {report}");
}

#[tokio::test]
async fn a_rename_finds_the_email_entry_whatever_the_server_holds() {
    // (mapping, emails as stored, emails after a rename of ada@ to ada.king@)
    let work = |v: &str| serde_json::json!({"value": v, "type": "work"});
    let cases = [
        // userName is the identity; no email at all: a primary one is added.
        (
            EmailAttribute::UserName,
            vec![],
            vec![
                serde_json::json!({"value": "ada.king@example.com", "type": "work", "primary": true}),
            ],
        ),
        // A primary email that is another address than userName stays.
        (
            EmailAttribute::UserName,
            vec![serde_json::json!({"value": "a.l@corp.example", "primary": true})],
            vec![serde_json::json!({"value": "a.l@corp.example", "primary": true})],
        ),
        // The primary email is the identity, but nothing is flagged primary: the first.
        (
            EmailAttribute::PrimaryEmail,
            vec![work("ada@example.com"), work("ada@home.example")],
            vec![work("ada.king@example.com"), work("ada@home.example")],
        ),
    ];
    for patch in [true, false] {
        for (mapping, before, after) in &cases {
            let case = format!("patch={patch} {mapping:?} {before:?}");
            let fake = ScimFake::builder().patch(patch).start().await;
            let mut seed = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "ada@example.com",
                "emails": before,
            });
            if before.is_empty() {
                seed.as_object_mut().unwrap().remove("emails");
            }
            let id = fake
                .insert_user(serde_json::from_value(seed).unwrap())
                .id
                .unwrap();
            let dir = ScimDirectory::discover(client(&fake))
                .await
                .unwrap()
                .email_attribute(*mapping);
            let read = dir
                .get_user(&DirectoryUser::new("ada@example.com"))
                .await
                .unwrap();
            let renamed = dir
                .rename_user(&read, &"ada.king@example.com".into())
                .await
                .unwrap();
            assert_eq!(renamed.email().as_str(), "ada.king@example.com", "{case}");
            let now = serde_json::to_value(fake.user(id.as_str()).unwrap()).unwrap();
            assert_eq!(now["emails"], serde_json::json!(after), "{case}");
            let user_name = match mapping {
                EmailAttribute::UserName => "ada.king@example.com",
                _ => "ada@example.com",
            };
            assert_eq!(now["userName"], user_name, "{case}");
        }
    }
}
