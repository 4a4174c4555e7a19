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
