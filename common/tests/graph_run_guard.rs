//! `apply_guarded` and `Bridge::with_lock` with an in-memory lock: a lost lock stops a
//! run between items (the rest reported as not applied, the typed error returned), a
//! lock held elsewhere keeps the Bridge from running without counting as a failure, and
//! a lock service that is down fails the run. No Redis, no real time.
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod apps;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use idgraph_common::graph::bridge::{Bridge, BridgeConfig, BridgeError, BridgeState};
use idgraph_common::graph::catalog::Operation;
use idgraph_common::graph::memory::MemoryDirectory;
use idgraph_common::graph::{
    ActionKind, ApplyMode, DirectoryUser, Outcome, RunGuard, RunLock, SyncPolicy, UserDirectory,
    apply, apply_guarded, plan,
};
use idgraph_common::{Error, LeaseErrorKind, Result};

fn lease_error(kind: LeaseErrorKind) -> Error {
    Error::Lease {
        name: "bridge:acme".into(),
        kind,
        detail: None,
        source: None,
    }
}

/// Passes `allowed` checks, then reports the lease lost.
#[derive(Debug)]
struct LosesAfter {
    allowed: usize,
    checks: AtomicUsize,
}

#[async_trait]
impl RunGuard for LosesAfter {
    async fn check(&self) -> Result<()> {
        if self.checks.fetch_add(1, Ordering::SeqCst) < self.allowed {
            Ok(())
        } else {
            Err(lease_error(LeaseErrorKind::Lost))
        }
    }
}

fn people(n: usize) -> Vec<DirectoryUser> {
    (0..n)
        .map(|i| DirectoryUser::new(format!("p{i}@example.com")).with_names("Given", "Family"))
        .collect()
}

#[tokio::test]
async fn a_lost_guard_stops_the_run_between_items_and_reports_the_rest_as_not_applied() {
    let dir = MemoryDirectory::new(apps::probo_like());
    let p = plan(&people(5), &[], dir.catalog(), &SyncPolicy::default());
    let guard = LosesAfter {
        allowed: 2,
        checks: AtomicUsize::new(0),
    };
    let stopped = apply_guarded(&p, &dir, ApplyMode::Execute, &guard)
        .await
        .unwrap_err();
    assert!(
        matches!(
            stopped.error,
            Error::Lease {
                kind: LeaseErrorKind::Lost,
                ..
            }
        ),
        "{}",
        stopped.error
    );
    assert_eq!(stopped.not_applied, 3);
    // Two created, and the guard was not asked again after it said no.
    assert_eq!(dir.len(), 2);
    assert_eq!(dir.calls(Operation::Create), 2);
    assert_eq!(guard.checks.load(Ordering::SeqCst), 3);
    let r = &stopped.report;
    let c = r.counts();
    assert_eq!((c.done, c.skipped, c.failed), (2, 3, 0), "{r}");
    for item in &r.items[2..] {
        match &item.outcome {
            Outcome::Skipped { reason } => {
                assert!(
                    reason
                        .starts_with("not applied: the run stopped: lease `bridge:acme` was lost"),
                    "{reason}"
                )
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(!r.is_success());
    assert!(r.stopped.is_some());
    assert!(r.to_string().contains("STOPPED: not applied"), "{r}");
    assert!(
        stopped.to_string().contains("3 operation(s) not applied"),
        "{stopped}"
    );
    // Why is the source, once: a chain printer shows the guard's error under the stop,
    // and the stop's own message does not repeat it.
    let why = std::error::Error::source(&stopped).map(ToString::to_string);
    assert_eq!(why, Some(stopped.error.to_string()));
    assert!(
        !stopped.to_string().contains(&stopped.error.to_string()),
        "{stopped}"
    );

    // Planning again against what is there leaves exactly the three not applied.
    let again = plan(
        &people(5),
        &dir.snapshot(),
        dir.catalog(),
        &SyncPolicy::default(),
    );
    assert_eq!(again.counts().create, 3);
}

#[tokio::test]
async fn a_guard_that_holds_changes_nothing_and_dry_runs_never_ask_it() {
    let dir = MemoryDirectory::new(apps::probo_like());
    let p = plan(&people(3), &[], dir.catalog(), &SyncPolicy::default());
    let never = LosesAfter {
        allowed: 0,
        checks: AtomicUsize::new(0),
    };
    let dry = apply_guarded(&p, &dir, ApplyMode::DryRun, &never)
        .await
        .unwrap();
    assert_eq!(never.checks.load(Ordering::SeqCst), 0);
    assert_eq!(dry, apply(&p, &dir, ApplyMode::DryRun).await);

    let holds = LosesAfter {
        allowed: usize::MAX,
        checks: AtomicUsize::new(0),
    };
    let report = apply_guarded(&p, &dir, ApplyMode::Execute, &holds)
        .await
        .unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(holds.checks.load(Ordering::SeqCst), 3, "once per operation");
    assert!(report.stopped.is_none());
    assert!(report.items.iter().all(|i| i.action == ActionKind::Create));
}

/// An in-memory lock: held or not by someone else, down or not, and whether its guards
/// report it lost after some checks.
#[derive(Debug, Default)]
struct TestLock {
    held_elsewhere: AtomicBool,
    down: AtomicBool,
    lose_after: Mutex<Option<usize>>,
    acquired: AtomicUsize,
    released: Arc<AtomicUsize>,
}

#[derive(Debug)]
struct TestGuard {
    inner: LosesAfter,
    released: Arc<AtomicUsize>,
}

#[async_trait]
impl RunGuard for TestGuard {
    async fn check(&self) -> Result<()> {
        self.inner.check().await
    }
    async fn release(self: Box<Self>) {
        self.released.fetch_add(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl RunLock for TestLock {
    async fn acquire_run(&self) -> Result<Box<dyn RunGuard>> {
        if self.down.load(Ordering::SeqCst) {
            return Err(lease_error(LeaseErrorKind::Unavailable));
        }
        if self.held_elsewhere.load(Ordering::SeqCst) {
            return Err(lease_error(LeaseErrorKind::Held));
        }
        self.acquired.fetch_add(1, Ordering::SeqCst);
        Ok(Box::new(TestGuard {
            inner: LosesAfter {
                allowed: self.lose_after.lock().unwrap().unwrap_or(usize::MAX),
                checks: AtomicUsize::new(0),
            },
            released: Arc::clone(&self.released),
        }))
    }
}

#[tokio::test(start_paused = true)]
async fn a_bridge_with_a_lock_runs_only_while_holding_it() {
    let idp = Arc::new(MemoryDirectory::new(apps::probo_like()).with_users(people(4)));
    let app = Arc::new(MemoryDirectory::new(apps::probo_like()));
    let lock = Arc::new(TestLock::default());
    let config = BridgeConfig::default();
    let interval = config.interval;
    let bridge = Bridge::new(idp.clone(), app.clone(), config).with_lock(lock.clone());

    // Held by another instance: nothing listed or applied, not a failure, due again
    // after the interval.
    lock.held_elsewhere.store(true, Ordering::SeqCst);
    let before = tokio::time::Instant::now();
    let e = bridge.run_once().await.unwrap_err();
    assert!(
        matches!(
            &e,
            BridgeError::Lock(Error::Lease {
                kind: LeaseErrorKind::Held,
                ..
            })
        ),
        "{e}"
    );
    let st = bridge.current();
    assert_eq!(
        (st.state, st.consecutive_failures, st.total_syncs),
        (BridgeState::Pending, 0, 0)
    );
    assert_eq!(st.next_sync_at, Some(before + interval));
    assert_eq!(idp.total_calls() + app.total_calls(), 0);

    // Lost after two items: a failed run that stopped between items.
    lock.held_elsewhere.store(false, Ordering::SeqCst);
    *lock.lose_after.lock().unwrap() = Some(2);
    let e = bridge.run_once().await.unwrap_err();
    match &e {
        BridgeError::Stopped { error, report } => {
            assert!(matches!(
                error,
                Error::Lease {
                    kind: LeaseErrorKind::Lost,
                    ..
                }
            ));
            assert_eq!(report.counts().done, 2);
        }
        other => panic!("{other}"),
    }
    assert_eq!(app.len(), 2);
    let st = bridge.current();
    assert_eq!(
        (st.state, st.consecutive_failures),
        (BridgeState::Failed, 1)
    );
    assert!(st.last_report.as_ref().is_some_and(|r| r.stopped.is_some()));
    assert_eq!(
        lock.released.load(Ordering::SeqCst),
        1,
        "released after the run"
    );

    // The lock service is down: a failed run, nothing touched.
    lock.down.store(true, Ordering::SeqCst);
    let calls = app.total_calls();
    let e = bridge.run_once().await.unwrap_err();
    assert!(
        matches!(
            &e,
            BridgeError::Lock(Error::Lease {
                kind: LeaseErrorKind::Unavailable,
                ..
            })
        ),
        "{e}"
    );
    assert_eq!(bridge.current().consecutive_failures, 2);
    assert_eq!(app.total_calls(), calls);

    // Held and kept: the rest is applied, once.
    lock.down.store(false, Ordering::SeqCst);
    *lock.lose_after.lock().unwrap() = None;
    let report = bridge.run_once().await.unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.counts().done, 2);
    assert_eq!(app.len(), 4);
    assert_eq!(app.calls(Operation::Create), 4, "nobody created twice");
    assert_eq!(bridge.current().state, BridgeState::Active);
    assert_eq!(lock.acquired.load(Ordering::SeqCst), 2);
    assert_eq!(lock.released.load(Ordering::SeqCst), 2);
}
