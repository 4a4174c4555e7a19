//! Two Bridge instances for one tenant, each with its own Redis connection and one lease
//! name (as two containers would have): only one applies at a time, the other's run is
//! refused by the lease (not a failure, nothing listed or written), and every person is
//! created exactly once.
//!
//! Needs `IDGRAPH_REDIS_URL` (see `tests/src/redis_env.rs`); fails instead of skipping
//! under `IDGRAPH_REQUIRE_REDIS=1`. Real clock: the lease lives in Redis.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use idgraph_common::graph::bridge::{Bridge, BridgeConfig, BridgeError, BridgeState};
use idgraph_common::graph::memory::MemoryDirectory;
use idgraph_common::graph::{DirectoryUser, UserDirectory};
use idgraph_common::redis::{Lease, Redis};
use idgraph_common::{Error, LeaseErrorKind, RateLimiter, SecretString};
use idgraph_tests::redis_env;
use proofpoint_essentials::testing::FakeEssentials;

async fn lease(url: &str, name: &str) -> Arc<Lease> {
    let redis = Redis::builder()
        .url(SecretString::from(url.to_owned()))
        .connect()
        .await
        .unwrap();
    Arc::new(
        Lease::builder(&redis, name)
            .ttl(Duration::from_secs(5))
            .build()
            .unwrap(),
    )
}

fn people(n: usize) -> Vec<DirectoryUser> {
    (0..n)
        .map(|i| DirectoryUser::new(format!("p{i:02}@example.com")).with_names("Given", "Family"))
        .collect()
}

fn held_elsewhere(e: &BridgeError) -> bool {
    matches!(
        e,
        BridgeError::Lock(Error::Lease {
            kind: LeaseErrorKind::Held,
            ..
        })
    )
}

#[tokio::test]
async fn two_bridges_for_one_tenant_never_apply_at_once() {
    let Some(url) = redis_env::url("two_bridges_for_one_tenant_never_apply_at_once") else {
        return;
    };
    let name = redis_env::unique("tenant");
    let fake = FakeEssentials::builder().rate_limit(None).start().await;
    // Ten creates at five a second: a run lasts about two seconds, long enough for the
    // other instance to try while it runs.
    let target = |fake: &FakeEssentials| -> Arc<dyn UserDirectory> {
        Arc::new(
            fake.rest_client()
                .transport(
                    fake.transport()
                        .rate_limiter(RateLimiter::per_second(5).unwrap()),
                )
                .build()
                .unwrap(),
        )
    };
    let entry = target(&fake).catalog().clone();
    let idp = || -> Arc<dyn UserDirectory> {
        Arc::new(MemoryDirectory::new(&entry).with_users(people(10)))
    };
    let a = Bridge::new(idp(), target(&fake), BridgeConfig::default())
        .with_lock(lease(&url, &name).await);
    let b = Bridge::new(idp(), target(&fake), BridgeConfig::default())
        .with_lock(lease(&url, &name).await);

    // Both start together: one holds the lease and applies, the other is refused at once
    // and touches nothing.
    let (ra, rb) = tokio::join!(a.run_once(), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        b.run_once().await
    });
    let report = ra.unwrap();
    assert_eq!(report.counts().done, 10, "{report}");
    let e = rb.unwrap_err();
    assert!(held_elsewhere(&e), "{e}");
    assert_eq!(
        b.current().state,
        BridgeState::Pending,
        "refused, not failed"
    );
    assert_eq!(b.current().consecutive_failures, 0);
    assert_eq!(fake.user_count(), 10);
    let creates = fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(creates, 10, "every person created exactly once");

    // Released after A's run: B's next run holds the lease and finds nothing to do.
    let report = b.run_once().await.unwrap();
    assert_eq!(report.counts().done, 0, "{report}");
    assert_eq!(b.current().state, BridgeState::Active);
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count(),
        10
    );
}
