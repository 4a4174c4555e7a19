//! `apply` against each vendor fake: one failing item does not stop the rest, and the
//! report says which item failed and why; planning again leaves only the failed item.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures::TryStreamExt;
use hyperproof::testing::FakeHyperproof;
use idgraph_common::graph::{
    ActionKind, ApplyMode, DirectoryUser, Outcome, SyncPolicy, SyncReport, UserDirectory, apply,
    plan,
};
use idgraph_common::testing::Failure;
use probo_scim::testing::FakeProbo;
use proofpoint_essentials::testing::{FakeEssentials, SimClock};
use scim_types::ScimError;

fn source(emails: &[&str]) -> Vec<DirectoryUser> {
    emails
        .iter()
        .enumerate()
        .map(|(i, e)| {
            DirectoryUser::new(*e)
                .with_names(format!("Given{i}"), format!("Family{i}"))
                .with_display_name(format!("Given{i} Family{i}"))
                .with_external_id(format!("ext-{i}"))
        })
        .collect()
}

const PEOPLE: [&str; 5] = [
    "first@example.com",
    "second@example.com",
    "third@example.com",
    "fourth@example.com",
    "fifth@example.com",
];

/// Plans `src` against `dir`, applies it, and checks that exactly `failing` failed (with
/// `why` in its error) while everyone else was created; then that a new plan holds
/// nothing but the failed create.
async fn apply_with_one_failure(
    dir: &dyn UserDirectory,
    src: &[DirectoryUser],
    failing: &str,
    why: &str,
) -> SyncReport {
    let target: Vec<DirectoryUser> = dir.list_users().try_collect().await.unwrap();
    let p = plan(src, &target, dir.catalog(), &SyncPolicy::default());
    assert_eq!(p.counts().create, src.len(), "{p}");

    let report = apply(&p, dir, ApplyMode::Execute).await;
    let c = report.counts();
    assert_eq!((c.done, c.failed), (src.len() - 1, 1), "{report}");
    let failed: Vec<_> = report.failures().collect();
    assert_eq!(failed[0].email.as_str(), failing, "{report}");
    assert_eq!(failed[0].action, ActionKind::Create);
    match &failed[0].outcome {
        Outcome::Failed { error } => assert!(error.contains(why), "{error}"),
        other => panic!("{other:?}"),
    }
    assert!(!report.is_success());
    // The table names the failure too.
    let table = report.to_string();
    assert!(
        table.contains(failing) && table.contains("failed"),
        "{table}"
    );
    // JSON for machines.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["items"].as_array().unwrap().len(), report.items.len());

    // Everyone else exists now; only the failed create is left to do.
    let target: Vec<DirectoryUser> = dir.list_users().try_collect().await.unwrap();
    let again = plan(src, &target, dir.catalog(), &SyncPolicy::default());
    let c = again.counts();
    assert_eq!(
        (c.create, c.update, c.deactivate, c.delete),
        (1, 0, 0, 0),
        "{again}"
    );
    assert_eq!(
        again
            .actionable()
            .next()
            .map(|i| i.email.as_str().to_owned())
            .as_deref(),
        Some(failing)
    );
    report
}

#[tokio::test]
async fn probo_one_failing_create_does_not_stop_the_rest() {
    let fake = FakeProbo::start().await;
    // Probo rejects the first POST (as it does an email it cannot parse).
    fake.fail_next(
        Failure::scim(ScimError::new(400).with_detail("invalid email format")).on_method("POST"),
    );
    let client = fake.client().unwrap();
    apply_with_one_failure(
        &client,
        &source(&PEOPLE),
        "first@example.com",
        "invalid email format",
    )
    .await;
    assert_eq!(fake.users().len(), 4);
}

#[tokio::test]
async fn hyperproof_one_failing_create_does_not_stop_the_rest() {
    let fake = FakeHyperproof::start().await;
    fake.scim().fail_next(
        Failure::scim(ScimError::new(400).with_detail("userName is not a valid email"))
            .on_method("POST"),
    );
    let client = fake.scim_client().unwrap();
    apply_with_one_failure(
        &client,
        &source(&PEOPLE),
        "first@example.com",
        "userName is not a valid email",
    )
    .await;
    assert_eq!(fake.scim_users().len(), 4);
}

#[tokio::test(start_paused = true)]
async fn proofpoint_one_failing_create_does_not_stop_the_rest() {
    let clock = SimClock::new();
    let fake = FakeEssentials::builder().clock(clock.clone()).start().await;
    let client = fake
        .rest_client()
        .transport(fake.transport().rate_limiter(
            clock.limiter(proofpoint_essentials::RateLimiter::per_minute(100).unwrap()),
        ))
        .build()
        .unwrap();
    // A source user whose domain is not registered in the organization: Proofpoint
    // answers 400, which the client reports as a typed error naming the domain.
    let people = [
        "first@example.com",
        "second@example.com",
        "stray@unregistered.example",
        "fourth@example.com",
        "fifth@example.com",
    ];
    apply_with_one_failure(
        &client,
        &source(&people),
        "stray@unregistered.example",
        "unregistered.example",
    )
    .await;
    assert_eq!(fake.user_count(), 4);
}
