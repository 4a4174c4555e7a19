//! Redis stopped in the middle of a run, and what the documented behaviour is:
//!
//! * the shared rate limit fails closed: the item that needed the next permit fails with
//!   `Error::Limiter` and was **not sent**;
//! * the lease cannot be confirmed: before the next item the run stops with
//!   `Error::Lease` (`Unavailable`), and every later item is reported as not applied;
//! * nothing is applied twice: once Redis is back, a new run re-plans from what the app
//!   holds and creates exactly the users the first run did not.
//!
//! The test starts and kills its own `redis-server` (from `PATH`, on another free port),
//! never the shared one. Skipped without the binary, unless `IDGRAPH_REQUIRE_REDIS=1`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use futures::TryStreamExt;
use idgraph_common::graph::{
    ApplyMode, DirectoryUser, Outcome, SyncPolicy, UserDirectory, apply_guarded, plan,
};
use idgraph_common::redis::{Lease, Redis, RedisRateLimit};
use idgraph_common::{Error, LeaseErrorKind, RateLimit, RateLimiter, RateSignal, SecretString};
use idgraph_tests::redis_env::RedisServer;
use proofpoint_essentials::testing::FakeEssentials;

/// Passes permits through to the Redis limiter, and kills the Redis server right before
/// the `kill_at`-th permit (1-based), as a crash in the middle of a run.
#[derive(Debug)]
struct KillRedisAt {
    inner: RateLimiter,
    kill_at: usize,
    permits: AtomicUsize,
    server: Arc<Mutex<RedisServer>>,
}

#[async_trait]
impl RateLimit for KillRedisAt {
    async fn acquire(&self) -> idgraph_common::Result<()> {
        if self.permits.fetch_add(1, Ordering::SeqCst) + 1 == self.kill_at {
            self.server.lock().unwrap().stop();
        }
        self.inner.acquire().await
    }

    fn observe(&self, signal: &RateSignal) {
        self.inner.observe(signal);
    }
}

fn people(n: usize) -> Vec<DirectoryUser> {
    (0..n)
        .map(|i| DirectoryUser::new(format!("p{i:02}@example.com")).with_names("Given", "Family"))
        .collect()
}

#[tokio::test]
async fn redis_stopped_mid_run_stops_the_run_cleanly_and_nothing_is_applied_twice() {
    let Some(server) = RedisServer::start("redis_stopped_mid_run") else {
        return;
    };
    let url = server.url();
    let server = Arc::new(Mutex::new(server));
    let redis = Redis::builder()
        .url(SecretString::from(url))
        .command_timeout(Duration::from_millis(500))
        .connect_timeout(Duration::from_millis(500))
        .connect()
        .await
        .unwrap();
    let shared = RedisRateLimit::builder(&redis, "pp:outage")
        .quota(100, Duration::from_secs(6))
        .sliding_window()
        .build()
        .unwrap()
        .into_limiter();
    let fake = FakeEssentials::builder().rate_limit(None).start().await;
    let client = fake
        .rest_client()
        .transport(fake.transport().rate_limiter(RateLimiter::new(KillRedisAt {
            inner: shared,
            kill_at: 4,
            permits: AtomicUsize::new(0),
            server: Arc::clone(&server),
        })))
        .build()
        .unwrap();
    let lease = Lease::builder(&redis, "tenant:outage")
        .ttl(Duration::from_secs(5))
        .build()
        .unwrap();
    let guard = lease.try_acquire().await.unwrap();

    let source = people(10);
    let p = plan(&source, &[], client.catalog(), &SyncPolicy::default());
    let started = std::time::Instant::now();
    let stopped = apply_guarded(&p, &client, ApplyMode::Execute, &guard)
        .await
        .unwrap_err();
    let took = started.elapsed();
    println!("{}\n{}", stopped, stopped.report);

    // Three created; the fourth needed a permit from a dead Redis: failed, not sent.
    let r = &stopped.report;
    let c = r.counts();
    assert_eq!((c.done, c.failed, c.skipped), (3, 1, 6), "{r}");
    match &r.items[3].outcome {
        Outcome::Failed { error } => assert!(
            error.contains("rate limiter could not grant a permit")
                && error.contains("`pp:outage`")
                && error.contains("fail closed"),
            "{error}"
        ),
        other => panic!("{other:?}"),
    }
    // Then the lease could not be confirmed: the run stopped before the fifth.
    assert!(
        matches!(
            stopped.error,
            Error::Lease {
                kind: LeaseErrorKind::Unavailable,
                ..
            }
        ),
        "{}",
        stopped.error
    );
    assert_eq!(stopped.not_applied, 6);
    assert!(
        r.items[4..].iter().all(
            |i| matches!(&i.outcome, Outcome::Skipped { reason } if reason.starts_with("not applied"))
        ),
        "{r}"
    );
    // The fake saw exactly the three creates: the fourth never left, nothing after it.
    let posts = |fake: &FakeEssentials| {
        fake.requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count()
    };
    assert_eq!(posts(&fake), 3);
    assert_eq!(fake.user_count(), 3);
    // In bounded time: a command timeout or two, not a hang.
    assert!(took < Duration::from_secs(4), "{took:?}");
    drop(guard);

    // Redis comes back (empty, as a restart without persistence). The same handles
    // reconnect; the next run takes the lease again and re-plans from the app.
    server.lock().unwrap().resume();
    let guard = lease.try_acquire().await.unwrap();
    let target: Vec<DirectoryUser> = client.list_users().try_collect().await.unwrap();
    let p = plan(&source, &target, client.catalog(), &SyncPolicy::default());
    assert_eq!(p.counts().create, 7);
    let report = apply_guarded(&p, &client, ApplyMode::Execute, &guard)
        .await
        .unwrap();
    assert!(report.is_success(), "{report}");
    guard.release().await.unwrap();

    assert_eq!(fake.user_count(), 10);
    assert_eq!(posts(&fake), 10, "every user created exactly once");
    for u in &source {
        assert!(
            fake.user_json(u.email().as_str()).is_some(),
            "{} is missing",
            u.email()
        );
    }
}
