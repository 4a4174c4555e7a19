//! The identity graph's shared `UserDirectory` conformance suite, on both API surfaces,
//! against `FakeEssentials`, with the knobs each surface's catalog entry implies.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use idgraph_common::graph::UserDirectory;
use idgraph_common::graph::conformance::{self, Knobs};
use proofpoint_essentials::testing::FakeEssentials;

#[tokio::test(start_paused = true)]
async fn conformance_suite_passes_on_the_rest_surface() {
    let fake = FakeEssentials::start().await;
    fake.add_group("grp_a", "conformance-a");
    fake.add_group("grp_b", "conformance-b");
    let client = fake.rest_client().build().unwrap();
    let knobs = Knobs::from_catalog(client.catalog());
    // The REST surface manages groups and stores names only (no display name, no
    // external id): the suite must only expect those back.
    assert!(knobs.reports_groups && knobs.supports_delete);
    assert!(!knobs.stores.display_name && !knobs.stores.external_id);
    let report = conformance::run(&client, &knobs).await;
    assert!(report.passed(), "{report}");
    assert!(report.names().contains(&"groups_are_a_set"), "{report}");
    // The suite deletes its user at the end.
    assert_eq!(fake.user_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn conformance_suite_passes_on_the_interface_surface() {
    let fake = FakeEssentials::start().await;
    let client = fake.interface_client().build().unwrap();
    assert_eq!(
        client.catalog(),
        proofpoint_essentials::catalog_entry_interface_v1(),
        "the interface API has its own entry: no groups, no paging"
    );
    let knobs = Knobs::from_catalog(client.catalog());
    assert!(!knobs.reports_groups);
    let report = conformance::run(&client, &knobs).await;
    assert!(report.passed(), "{report}");
    assert_eq!(fake.user_count(), 0);
}
