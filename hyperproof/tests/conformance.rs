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
    // Hyperproof's roles are its own four: the suite gives the test user two of them.
    let knobs = Knobs::from_catalog(scim.catalog()).roles("USER", "COMPLIANCE_MANAGER");
    assert!(!knobs.supports_delete && !knobs.read_blind);
    assert!(knobs.reports_groups && knobs.supports_role && knobs.supports_rename);
    // The sync never creates groups: the suite's two must exist.
    for name in &knobs.groups {
        fake.add_scim_group(name);
    }
    let report = conformance::run(&scim, &knobs).await;
    assert!(report.passed(), "{report}");
    for check in [
        "delete_is_refused",
        "groups_are_a_set",
        "role_changes_by_update",
        "rename_keeps_the_person",
    ] {
        assert!(report.names().contains(&check), "{check}: {report}");
    }
    // The suite's users (the renamed one, and the second one whose email the rename
    // must not take) are left deactivated, never deleted.
    let users = fake.scim_users();
    assert_eq!(users.len(), 2);
    assert!(users.iter().all(|u| u.active == Some(false)));
    let renamed = users
        .iter()
        .find(|u| u.user_name.ends_with("-renamed@example.com"))
        .unwrap();
    let id = renamed.id.as_ref().unwrap().as_str();
    let mut groups = fake.scim_groups_of(id);
    groups.sort();
    assert_eq!(groups, knobs.groups);
}
