//! Helpers shared by the password-policy tests (`password_policy.rs`, `password_leaks.rs`):
//! a strict fake on a simulated clock, a REST client on it, generated people, one sync.
#![allow(clippy::unwrap_used, dead_code)]

use futures::TryStreamExt;
use idgraph_common::graph::{
    ApplyMode, DirectoryUser, SyncPolicy, SyncReport, UserDirectory, apply, plan,
};
use proofpoint_essentials::testing::{FakeEssentials, SimClock};
use proofpoint_essentials::{Client, PasswordPolicy, RateLimiter};

pub(crate) fn people(n: usize) -> Vec<DirectoryUser> {
    (0..n)
        .map(|i| {
            DirectoryUser::new(format!("person{i:02}@example.com"))
                .with_names(format!("Given{i}"), format!("Family{i}"))
                .with_external_id(format!("ext-{i}"))
                .with_groups([if i % 2 == 0 { "Sales" } else { "Engineering" }])
        })
        .collect()
}

/// A REST client on the fake's simulated clock, with the documented 100/minute limiter.
pub(crate) fn rest(
    fake: &FakeEssentials,
    clock: &SimClock,
    policy: Option<PasswordPolicy>,
) -> Client {
    let b = fake.rest_client().transport(
        fake.transport()
            .rate_limiter(clock.limiter(RateLimiter::per_minute(100).unwrap())),
    );
    match policy {
        Some(p) => b.password_policy(p),
        None => b,
    }
    .build()
    .unwrap()
}

pub(crate) async fn strict_fake() -> (FakeEssentials, SimClock) {
    let clock = SimClock::new();
    let fake = FakeEssentials::builder().clock(clock.clone()).start().await;
    fake.add_group("grp_001", "Sales");
    fake.add_group("grp_002", "Engineering");
    (fake, clock)
}

pub(crate) async fn sync(dir: &dyn UserDirectory, src: &[DirectoryUser]) -> SyncReport {
    let target: Vec<DirectoryUser> = dir.list_users().try_collect().await.unwrap();
    let p = plan(src, &target, dir.catalog(), &SyncPolicy::default());
    apply(&p, dir, ApplyMode::Execute).await
}
