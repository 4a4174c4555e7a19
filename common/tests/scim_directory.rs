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
use idgraph_common::scim::{ScimClient, ScimDirectory, ScimToken};
use idgraph_common::testing::{DEFAULT_TOKEN, ScimFake, paused_clock_reqwest_client};

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
async fn the_conformance_suite_passes_with_patch_and_with_put() {
    for patch in [true, false] {
        let fake = ScimFake::start().await;
        let dir = ScimDirectory::discover(client(&fake))
            .await
            .unwrap()
            .use_patch(patch);
        let knobs = Knobs::from_catalog(dir.catalog());
        let report = conformance::run(&dir, &knobs).await;
        assert!(report.passed(), "patch={patch}: {report}");
    }
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
        source[1].active = false;
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
        source[0].email = "ada.king@example.com".into();
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
    source[0].groups = vec!["Eng".into(), "Sales".into()];
    source[1].groups = vec!["Eng".into()];
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
