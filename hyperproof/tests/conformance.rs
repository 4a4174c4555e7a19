//! The identity graph's `UserDirectory` conformance suite against the SCIM side of
//! `FakeHyperproof`, with the knobs Hyperproof's catalog entry implies (no delete by API;
//! groups reported and changed over SCIM, in groups that already exist).
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hyperproof::testing::FakeHyperproof;
use idgraph_common::graph::UserDirectory;
use idgraph_common::graph::conformance::{self, Knobs};

#[tokio::test]
async fn conformance_suite_passes_against_the_fake_scim_endpoint() {
    let fake = FakeHyperproof::start().await;
    let scim = fake.scim_client().unwrap();
    assert_eq!(scim.catalog().app, hyperproof::APP_ID);
    let knobs = Knobs::from_catalog(scim.catalog());
    assert!(!knobs.supports_delete && !knobs.read_blind);
    assert!(knobs.reports_groups);
    // The sync never creates groups: the suite's two must exist.
    for name in &knobs.groups {
        fake.add_scim_group(name);
    }
    let report = conformance::run(&scim, &knobs).await;
    assert!(report.passed(), "{report}");
    assert!(report.names().contains(&"delete_is_refused"), "{report}");
    // The suite's user is left deactivated, never deleted.
    let users = fake.scim_users();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].active, Some(false));
    assert!(report.names().contains(&"groups_are_a_set"), "{report}");
    let id = users[0].id.as_ref().unwrap().as_str();
    let mut groups = fake.scim_groups_of(id);
    groups.sort();
    assert_eq!(groups, knobs.groups);
}
