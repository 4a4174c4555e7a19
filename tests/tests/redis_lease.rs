//! The Redis lease (`idgraph_common::redis::Lease`) against a real Redis: a second
//! instance refuses or waits while the first holds it; a killed holder (an OS process,
//! SIGKILL) is taken over after its lease expires; a write with a stale fencing token is
//! refused; and `apply_guarded` stops between items when another instance takes over.
//!
//! Needs `IDGRAPH_REDIS_URL` (see `tests/src/redis_env.rs`); fails instead of skipping
//! under `IDGRAPH_REQUIRE_REDIS=1`. Real clock: lease expiry is Redis' own.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use idgraph_common::graph::{
    ApplyMode, DirectoryUser, Outcome, SyncPolicy, UserDirectory, apply, apply_guarded, plan,
};
use idgraph_common::redis::{FencingToken, Lease, LeaseGuard, Redis};
use idgraph_common::{Error, LeaseErrorKind, RateLimiter, SecretString};
use idgraph_tests::redis_env;
use proofpoint_essentials::testing::FakeEssentials;
use tokio::time::Instant;

const ROLE: &str = "IDGRAPH_TEST_WORKER_ROLE";

async fn redis(url: &str) -> Redis {
    Redis::builder()
        .url(SecretString::from(url.to_owned()))
        .connect()
        .await
        .unwrap()
}

fn kind(e: &Error) -> Option<LeaseErrorKind> {
    match e {
        Error::Lease { kind, .. } => Some(*kind),
        _ => None,
    }
}

#[tokio::test]
async fn a_second_instance_refuses_or_waits_while_the_first_holds_the_lease() {
    let Some(url) = redis_env::url("a_second_instance_refuses_or_waits") else {
        return;
    };
    let name = redis_env::unique("bridge");
    // Two instances: separate connections, as two processes would have.
    let first = Lease::builder(&redis(&url).await, &name)
        .ttl(Duration::from_millis(900))
        .build()
        .unwrap();
    let second = Lease::builder(&redis(&url).await, &name)
        .ttl(Duration::from_millis(900))
        .build()
        .unwrap();

    let held = first.try_acquire().await.unwrap();
    let e = second.try_acquire().await.unwrap_err();
    assert_eq!(kind(&e), Some(LeaseErrorKind::Held), "{e}");
    assert!(e.is_retryable() && !e.was_sent());
    assert!(
        e.to_string()
            .contains(&format!("lease `{name}` is held by another instance")),
        "{e}"
    );

    // Renewed in the background: still held, and refused to others, well past its ttl.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    held.check().await.unwrap();
    assert!(held.is_held());
    let t = Instant::now();
    let e = second
        .acquire_within(Duration::from_millis(400))
        .await
        .unwrap_err();
    assert_eq!(kind(&e), Some(LeaseErrorKind::Held), "{e}");
    assert!(
        t.elapsed() >= Duration::from_millis(400),
        "waited {:?}",
        t.elapsed()
    );

    // A waiting instance gets it soon after the holder releases it (not after the ttl).
    let first_token = held.fencing_token();
    let waiter = tokio::spawn(async move {
        let t = Instant::now();
        let g = second.acquire_within(Duration::from_secs(5)).await.unwrap();
        (g, t.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    held.release().await.unwrap();
    let (taken, waited) = waiter.await.unwrap();
    assert!(waited >= Duration::from_millis(250), "{waited:?}");
    assert!(waited < Duration::from_millis(300 + 400), "{waited:?}");
    assert!(taken.fencing_token() > first_token);
    taken.release().await.unwrap();
}

/// The child process of the kill test: takes the lease, says so, and hangs on to it.
async fn holder() {
    let url = std::env::var("IDGRAPH_REDIS_URL").unwrap();
    let lease = Lease::builder(&redis(&url).await, std::env::var("LEASE_NAME").unwrap())
        .ttl(Duration::from_millis(1500))
        .build()
        .unwrap();
    let guard = lease.try_acquire().await.unwrap();
    println!("\nholding {}", guard.fencing_token());
    // Renewing until killed.
    tokio::time::sleep(Duration::from_secs(60)).await;
    drop(guard);
}

#[tokio::test]
async fn killing_the_holder_lets_another_instance_take_over_after_expiry() {
    if std::env::var(ROLE).is_ok_and(|r| r == "lease-holder") {
        return holder().await;
    }
    let Some(url) = redis_env::url("killing_the_holder_lets_another_instance_take_over") else {
        return;
    };
    let name = redis_env::unique("bridge");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "killing_the_holder_lets_another_instance_take_over_after_expiry",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROLE, "lease-holder")
        .env("LEASE_NAME", &name)
        .env("IDGRAPH_REDIS_URL", &url)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let holder_token = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(|l| l.ok())
            .find_map(|l| {
                l.strip_prefix("holding ")
                    .map(|t| t.parse::<u64>().unwrap())
            })
            .expect("the holder process took the lease")
    })
    .await
    .unwrap();

    let other = Lease::builder(&redis(&url).await, &name)
        .ttl(Duration::from_millis(1500))
        .build()
        .unwrap();
    // While the holder lives (and renews), it keeps the lease past its ttl.
    tokio::time::sleep(Duration::from_millis(1800)).await;
    let e = other.try_acquire().await.unwrap_err();
    assert_eq!(kind(&e), Some(LeaseErrorKind::Held), "{e}");

    // Killed: no release, no renewal. The lease expires by itself within its ttl.
    child.kill().unwrap();
    child.wait().unwrap();
    let killed = Instant::now();
    let guard = other.acquire_within(Duration::from_secs(5)).await.unwrap();
    let took = killed.elapsed();
    println!("taken over {took:?} after the holder was killed (ttl 1.5 s)");
    assert!(took <= Duration::from_millis(1500 + 300), "{took:?}");
    assert!(guard.fencing_token() > FencingToken::new(holder_token));
    // The dead holder's token is refused from now on.
    let e = other
        .check_fence(FencingToken::new(holder_token))
        .await
        .unwrap_err();
    assert_eq!(kind(&e), Some(LeaseErrorKind::Stale), "{e}");
    guard.release().await.unwrap();
}

/// Plays a holder whose lease ran out during a long pause (garbage collection, a
/// suspended container): the key goes, as at expiry, while its guard lives on.
async fn expire_now(url: &str, name: &str) {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let removed: i64 = redis::cmd("DEL")
        .arg(format!("idgraph:lease:{{{name}}}"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(removed, 1, "the lease key exists under the documented name");
}

/// A store that accepts a write only from the lease's current holder: the fencing check
/// of a write path.
struct FencedStore {
    lease: Lease,
    writes: std::sync::Mutex<Vec<(u64, String)>>,
}

impl FencedStore {
    async fn write(&self, token: FencingToken, value: &str) -> idgraph_common::Result<()> {
        self.lease.check_fence(token).await?;
        self.writes
            .lock()
            .unwrap()
            .push((token.get(), value.to_owned()));
        Ok(())
    }
}

#[tokio::test]
async fn a_write_with_a_stale_fencing_token_is_refused() {
    let Some(url) = redis_env::url("a_write_with_a_stale_fencing_token_is_refused") else {
        return;
    };
    let name = redis_env::unique("tenant");
    let lease = |r: Redis| {
        Lease::builder(&r, &name)
            .ttl(Duration::from_secs(5))
            .build()
            .unwrap()
    };
    let a = lease(redis(&url).await);
    let b = lease(redis(&url).await);
    let store = FencedStore {
        lease: lease(redis(&url).await),
        writes: Default::default(),
    };

    let paused: LeaseGuard = a.try_acquire().await.unwrap();
    let old = paused.fencing_token();
    store.write(old, "from a").await.unwrap();

    expire_now(&url, &name).await;
    let current = b.try_acquire().await.unwrap();
    assert!(current.fencing_token() > old);
    store
        .write(current.fencing_token(), "from b")
        .await
        .unwrap();

    // The paused ex-holder wakes up and writes: refused.
    let e = store.write(old, "late, from a").await.unwrap_err();
    assert_eq!(kind(&e), Some(LeaseErrorKind::Stale), "{e}");
    assert!(!e.is_retryable() && !e.was_sent());
    assert!(
        e.to_string().contains("refused a stale fencing token"),
        "{e}"
    );
    // Its own check says it lost the lease, for good.
    let e = paused.check().await.unwrap_err();
    assert_eq!(kind(&e), Some(LeaseErrorKind::Lost), "{e}");
    assert!(!paused.is_held());
    // And its release cannot free the new holder's lease.
    let e = paused.release().await.unwrap_err();
    assert_eq!(kind(&e), Some(LeaseErrorKind::Lost), "{e}");
    current.check().await.unwrap();

    let writes = store.writes.lock().unwrap().clone();
    assert_eq!(
        writes.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>(),
        ["from a", "from b"]
    );
    current.release().await.unwrap();
    // Once nobody holds it, no token is current.
    let e = store
        .write(FencingToken::new(u64::MAX), "x")
        .await
        .unwrap_err();
    assert_eq!(kind(&e), Some(LeaseErrorKind::Stale), "{e}");
}

fn people(n: usize) -> Vec<DirectoryUser> {
    (0..n)
        .map(|i| DirectoryUser::new(format!("p{i:02}@example.com")).with_names("Given", "Family"))
        .collect()
}

#[tokio::test]
async fn apply_stops_between_items_when_another_instance_takes_the_lease_over() {
    let Some(url) = redis_env::url("apply_stops_between_items_when_another_instance_takes_over")
    else {
        return;
    };
    let name = redis_env::unique("tenant");
    let fake = FakeEssentials::builder().rate_limit(None).start().await;
    // Five users a second, so the run is still going when the lease changes hands.
    let client = Arc::new(
        fake.rest_client()
            .transport(
                fake.transport()
                    .rate_limiter(RateLimiter::per_second(5).unwrap()),
            )
            .build()
            .unwrap(),
    );
    let ours = Lease::builder(&redis(&url).await, &name)
        .ttl(Duration::from_secs(5))
        .build()
        .unwrap();
    let theirs = Lease::builder(&redis(&url).await, &name)
        .ttl(Duration::from_secs(5))
        .build()
        .unwrap();
    let guard = ours.try_acquire().await.unwrap();
    let source = people(10);
    let p = plan(&source, &[], client.catalog(), &SyncPolicy::default());

    let takeover = {
        let url = url.clone();
        let name = name.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(700)).await;
            expire_now(&url, &name).await;
            theirs.try_acquire().await.unwrap()
        })
    };
    let stopped = apply_guarded(&p, &*client, ApplyMode::Execute, &guard)
        .await
        .unwrap_err();
    let theirs = takeover.await.unwrap();
    assert_eq!(
        kind(&stopped.error),
        Some(LeaseErrorKind::Lost),
        "{}",
        stopped.error
    );
    let c = stopped.report.counts();
    assert!(c.done >= 2 && c.done <= 6, "{}", stopped.report);
    assert_eq!(c.failed, 0);
    assert_eq!(c.done + stopped.not_applied, 10);
    // Nothing was sent after the stop: the fake has exactly the users reported done.
    assert_eq!(fake.user_count(), c.done);
    for item in &stopped.report.items[c.done..] {
        assert!(
            matches!(&item.outcome, Outcome::Skipped { reason } if reason.contains("was lost")),
            "{item:?}"
        );
    }

    // The new holder plans again from what is there and applies the rest, once each.
    let target: Vec<DirectoryUser> = client.list_users().try_collect().await.unwrap();
    let p = plan(&source, &target, client.catalog(), &SyncPolicy::default());
    assert_eq!(p.counts().create, 10 - c.done);
    let report = apply(&p, &*client, ApplyMode::Execute).await;
    assert!(report.is_success(), "{report}");
    assert_eq!(fake.user_count(), 10);
    let posts = fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 10, "every user created exactly once");
    theirs.release().await.unwrap();
}
