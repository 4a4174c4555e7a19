//! Bridge tests: the pure state machine, the backoff sequence up to the 24 h cap,
//! disabling after 10 failures, re-enabling — and the async runner on tokio's paused
//! clock (no real sleeps).
#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod apps;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use idgraph_common::graph::bridge::{
    Bridge, BridgeConfig, BridgeError, BridgeEvent, BridgeState, BridgeStatus, next_delay,
};
use idgraph_common::graph::catalog::{CatalogEntry, Operation};
use idgraph_common::graph::memory::MemoryDirectory;
use idgraph_common::graph::{Created, DirectoryUser, SyncPolicy, UserDirectory};
use idgraph_common::paginate::{Items, Paginator, Strategy};
use tokio::time::Instant;

const MIN: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

fn u(email: &str) -> DirectoryUser {
    DirectoryUser::new(email)
}

#[test]
fn state_machine_transitions() {
    let cfg = BridgeConfig::default();
    let t0 = Instant::now();
    let s = BridgeStatus::new();
    assert_eq!(s.state, BridgeState::Pending);
    assert_eq!(s.next_sync_at, None, "a new bridge is due at once");

    let s = s.transition(&BridgeEvent::Start, t0, &cfg).unwrap();
    assert_eq!(s.state, BridgeState::Syncing);
    let s = s.transition(&BridgeEvent::Succeed, t0, &cfg).unwrap();
    assert_eq!(s.state, BridgeState::Active);
    assert_eq!(s.next_sync_at, Some(t0 + MIN));
    assert_eq!((s.total_syncs, s.consecutive_failures), (1, 0));
    assert_eq!(s.last_synced_at, Some(t0));

    let s = s.transition(&BridgeEvent::Start, t0, &cfg).unwrap();
    let s = s
        .transition(
            &BridgeEvent::Fail {
                error: "boom".into(),
            },
            t0,
            &cfg,
        )
        .unwrap();
    assert_eq!(s.state, BridgeState::Failed);
    assert_eq!(s.consecutive_failures, 1);
    assert_eq!(s.last_error.as_deref(), Some("boom"));
    assert_eq!(s.next_sync_at, Some(t0 + 2 * MIN));

    // A success resets the failures and clears the error.
    let s = s.transition(&BridgeEvent::Start, t0, &cfg).unwrap();
    let s = s.transition(&BridgeEvent::Succeed, t0, &cfg).unwrap();
    assert_eq!((s.state, s.consecutive_failures), (BridgeState::Active, 0));
    assert_eq!(s.last_error, None);
    assert_eq!((s.total_syncs, s.total_failures), (3, 1));

    // Invalid transitions.
    assert!(s.transition(&BridgeEvent::Succeed, t0, &cfg).is_err());
    assert!(s.transition(&BridgeEvent::Enable, t0, &cfg).is_err());
    let syncing = s.transition(&BridgeEvent::Start, t0, &cfg).unwrap();
    assert_eq!(
        syncing
            .transition(&BridgeEvent::Start, t0, &cfg)
            .unwrap()
            .state,
        BridgeState::Syncing,
        "a stale Syncing (interrupted run) may start again"
    );
}

#[test]
fn disabled_after_ten_consecutive_failures_until_enabled() {
    let cfg = BridgeConfig::default();
    let t0 = Instant::now();
    let mut s = BridgeStatus::new();
    for n in 1..=10 {
        s = s.transition(&BridgeEvent::Start, t0, &cfg).unwrap();
        s = s
            .transition(
                &BridgeEvent::Fail {
                    error: format!("failure {n}"),
                },
                t0,
                &cfg,
            )
            .unwrap();
        if n < 10 {
            assert_eq!(s.state, BridgeState::Failed, "after failure {n}");
        }
    }
    assert_eq!(s.state, BridgeState::Disabled);
    assert_eq!(s.consecutive_failures, 10);
    assert_eq!(s.next_sync_at, None);
    let err = s.transition(&BridgeEvent::Start, t0, &cfg).unwrap_err();
    assert_eq!(err.from, BridgeState::Disabled);

    let s = s.transition(&BridgeEvent::Enable, t0, &cfg).unwrap();
    assert_eq!(s.state, BridgeState::Pending);
    assert_eq!(s.consecutive_failures, 0);
    assert_eq!(s.next_sync_at, None);
    assert_eq!(s.total_failures, 10, "history is kept");
}

#[test]
fn backoff_sequence_doubles_up_to_the_24_hour_cap() {
    let day = 24 * HOUR;
    let seq: Vec<Duration> = (0..=12).map(|f| next_delay(MIN, f, day)).collect();
    let want: Vec<Duration> = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1440, 1440]
        .iter()
        .map(|m: &u32| *m * MIN)
        .collect();
    assert_eq!(seq, want);

    // Probo's 15-minute fallback interval reaches the cap at the 7th failure.
    let cfg = BridgeConfig::default().interval(15 * MIN);
    let seq: Vec<Duration> = (1..=9).map(|f| cfg.next_delay(f)).collect();
    let want: Vec<Duration> = [30, 60, 120, 240, 480, 960, 1440, 1440, 1440]
        .iter()
        .map(|m: &u32| *m * MIN)
        .collect();
    assert_eq!(seq, want);
    assert_eq!(next_delay(MIN, u32::MAX, day), day, "overflow is capped");
    assert_eq!(next_delay(Duration::MAX, 1, day), day);
}

/// Failure times observed on the runner, relative to the start, until it is disabled.
async fn failures_until_disabled(bridge: &Arc<Bridge>) -> Vec<Duration> {
    let mut rx = bridge.status();
    let start = Instant::now();
    let runner = bridge.clone();
    let task = tokio::spawn(async move { runner.run().await });
    let mut times = Vec::new();
    loop {
        rx.changed().await.unwrap();
        let st = rx.borrow_and_update().clone();
        if st.total_failures as usize > times.len() {
            times.push(start.elapsed());
        }
        if st.state == BridgeState::Disabled {
            break;
        }
    }
    task.abort();
    let _ = task.await;
    times
}

fn gaps(times: &[Duration]) -> Vec<Duration> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

#[tokio::test(start_paused = true)]
async fn runner_backs_off_disables_and_is_re_enabled() {
    let source =
        Arc::new(MemoryDirectory::new(apps::probo_like()).with_users([u("ada@example.com")]));
    source.fail_next(Operation::List, 10);
    let target = Arc::new(MemoryDirectory::new(apps::probo_like()));
    let bridge = Arc::new(Bridge::new(
        source.clone(),
        target.clone(),
        BridgeConfig::default(),
    ));

    let times = failures_until_disabled(&bridge).await;
    assert_eq!(times.len(), 10);
    assert_eq!(times[0], Duration::ZERO, "pending runs at once");
    let want: Vec<Duration> = (1..=9).map(|f| MIN * 2u32.pow(f)).collect();
    assert_eq!(gaps(&times), want, "2, 4, … 512 minutes");
    let st = bridge.current();
    assert_eq!(st.state, BridgeState::Disabled);
    assert!(
        st.last_error
            .as_deref()
            .unwrap()
            .starts_with("listing the source failed: HTTP 503")
    );

    // Disabled: a running loop does nothing for days.
    let runner = bridge.clone();
    let task = tokio::spawn(async move { runner.run().await });
    tokio::time::sleep(48 * HOUR).await;
    assert_eq!(source.calls(Operation::List), 10);
    assert!(matches!(
        bridge.run_once().await,
        Err(BridgeError::Disabled { failures: 10 })
    ));
    assert!(target.is_empty());

    // Re-enable: pending, and the loop syncs at once.
    let mut rx = bridge.status();
    let enabled_at = Instant::now();
    assert!(bridge.enable());
    assert!(!bridge.enable(), "enabling twice changes nothing");
    rx.wait_for(|s| s.state == BridgeState::Active)
        .await
        .unwrap();
    assert_eq!(enabled_at.elapsed(), Duration::ZERO);
    assert_eq!(target.len(), 1);
    let st = bridge.current();
    assert_eq!(st.consecutive_failures, 0);
    assert_eq!(st.next_sync_at, Some(enabled_at + MIN));
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn runner_backoff_reaches_the_24_hour_cap() {
    let source = Arc::new(MemoryDirectory::new(apps::probo_like()));
    source.fail_next(Operation::List, 100);
    let target = Arc::new(MemoryDirectory::new(apps::probo_like()));
    let bridge = Arc::new(Bridge::new(
        source,
        target,
        BridgeConfig::default().interval(15 * MIN),
    ));
    let times = failures_until_disabled(&bridge).await;
    let want: Vec<Duration> = [30, 60, 120, 240, 480, 960, 1440, 1440, 1440]
        .iter()
        .map(|m: &u32| *m * MIN)
        .collect();
    assert_eq!(gaps(&times), want);
    assert_eq!(bridge.current().state, BridgeState::Disabled);
}

#[tokio::test(start_paused = true)]
async fn active_bridge_runs_every_interval() {
    let source =
        Arc::new(MemoryDirectory::new(apps::probo_like()).with_users([u("ada@example.com")]));
    let target = Arc::new(MemoryDirectory::new(apps::probo_like()));
    let bridge = Arc::new(Bridge::new(
        source.clone(),
        target.clone(),
        BridgeConfig::default(),
    ));
    let runner = bridge.clone();
    let task = tokio::spawn(async move { runner.run().await });
    tokio::time::sleep(10 * MIN + Duration::from_secs(30)).await;
    assert_eq!(source.calls(Operation::List), 11, "t = 0, 1, … 10 min");
    assert_eq!(bridge.current().state, BridgeState::Active);
    assert_eq!(bridge.current().total_syncs, 11);

    // A change in the source is picked up by the next run.
    source.insert(u("bob@example.com"));
    tokio::time::sleep(MIN).await;
    assert!(target.get("bob@example.com").is_some());
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn one_failed_user_fails_the_run_as_in_probo() {
    let source = Arc::new(MemoryDirectory::new(apps::probo_like()).with_users([
        u("a@example.com"),
        u("b@example.com"),
        u("c@example.com"),
    ]));
    let target = Arc::new(MemoryDirectory::new(apps::probo_like()));
    target.fail_next(Operation::Create, 1);
    let bridge = Bridge::new(source, target.clone(), BridgeConfig::default());

    let err = bridge.run_once().await.unwrap_err();
    match &err {
        BridgeError::Incomplete {
            failed,
            attempted,
            report,
            ..
        } => {
            assert_eq!((*failed, *attempted), (1, 3));
            assert_eq!(report.counts().done, 2);
        }
        e => panic!("{e}"),
    }
    assert_eq!(target.len(), 2, "the other users were synced");
    let st = bridge.current();
    assert_eq!(st.state, BridgeState::Failed);
    assert_eq!(st.consecutive_failures, 1);
    assert!(
        st.last_error
            .as_deref()
            .unwrap()
            .starts_with("1 of 3 operations failed; first: create a@example.com: HTTP 503")
    );
    assert_eq!(st.last_report.as_ref().map(|r| r.counts().failed), Some(1));

    bridge.run_once().await.unwrap();
    assert_eq!(target.len(), 3);
    assert_eq!(bridge.current().state, BridgeState::Active);
}

#[tokio::test(start_paused = true)]
async fn a_truncated_source_fails_the_run_and_wipes_nothing() {
    let source = Arc::new(MemoryDirectory::new(apps::probo_like()));
    let target = Arc::new(
        MemoryDirectory::new(apps::probo_like())
            .with_users((0..10).map(|i| u(&format!("u{i}@example.com")))),
    );
    let bridge = Bridge::new(source.clone(), target.clone(), BridgeConfig::default());
    let err = bridge.run_once().await.unwrap_err();
    assert!(matches!(err, BridgeError::Guard { .. }), "{err}");
    assert!(target.snapshot().iter().all(|u| u.is_active()));
    assert_eq!(target.calls(Operation::Deactivate), 0);
    let st = bridge.current();
    assert_eq!(st.state, BridgeState::Failed);
    assert!(
        st.last_error
            .unwrap()
            .contains("the source has no users in scope")
    );

    // Half the directory is still too much.
    for i in 0..5 {
        source.insert(u(&format!("u{i}@example.com")));
    }
    assert!(matches!(
        bridge.run_once().await,
        Err(BridgeError::Guard { .. })
    ));
    assert_eq!(target.calls(Operation::Deactivate), 0);
}

#[tokio::test(start_paused = true)]
async fn exclusions_are_honoured() {
    let source = Arc::new(
        MemoryDirectory::new(apps::probo_like())
            .with_users([u("ada@example.com"), u("Shared-Mailbox@example.com")]),
    );
    let target =
        Arc::new(MemoryDirectory::new(apps::probo_like()).with_users([u("svc@example.com")]));
    let policy = SyncPolicy::default()
        .exclude("shared-mailbox@EXAMPLE.com")
        .exclude("SVC@example.com");
    let bridge = Bridge::new(
        source,
        target.clone(),
        BridgeConfig::default().policy(policy),
    );
    let report = bridge.run_once().await.unwrap();
    assert_eq!(report.counts().done, 1);
    assert!(target.get("shared-mailbox@example.com").is_none());
    assert_eq!(
        target.get("svc@example.com").map(|u| u.is_active()),
        Some(true),
        "an excluded target user is neither deactivated nor deleted"
    );
}

/// A source whose listing never ends.
struct Hanging;

#[async_trait]
impl UserDirectory for Hanging {
    fn catalog(&self) -> &CatalogEntry {
        apps::probo_like()
    }
    fn list_users(&self) -> Items<DirectoryUser> {
        Paginator::new(Strategy::Unpaginated, |_| futures::future::pending()).items()
    }
    async fn create_user(&self, u: &DirectoryUser) -> idgraph_common::Result<Created> {
        Ok(Created::new(u.clone()))
    }
    async fn update_user(&self, u: &DirectoryUser) -> idgraph_common::Result<DirectoryUser> {
        Ok(u.clone())
    }
    async fn deactivate_user(&self, u: &DirectoryUser) -> idgraph_common::Result<DirectoryUser> {
        Ok(u.clone())
    }
    async fn delete_user(&self, _: &DirectoryUser) -> idgraph_common::Result<()> {
        Ok(())
    }
    async fn get_user(&self, u: &DirectoryUser) -> idgraph_common::Result<DirectoryUser> {
        Ok(u.clone())
    }
}

#[tokio::test(start_paused = true)]
async fn a_hanging_run_times_out_and_an_interrupted_one_counts_as_failed() {
    let target = Arc::new(MemoryDirectory::new(apps::probo_like()));
    let bridge = Bridge::new(Arc::new(Hanging), target.clone(), BridgeConfig::default());
    let t0 = Instant::now();
    let err = bridge.run_once().await.unwrap_err();
    assert!(matches!(err, BridgeError::Timeout(d) if d == 5 * MIN));
    assert_eq!(t0.elapsed(), 5 * MIN);
    assert_eq!(bridge.current().state, BridgeState::Failed);

    let bridge = Bridge::new(
        Arc::new(Hanging),
        target,
        BridgeConfig::default().sync_timeout(None),
    );
    let cut = tokio::time::timeout(Duration::from_secs(1), bridge.run_once()).await;
    assert!(cut.is_err());
    let st = bridge.current();
    assert_eq!(st.state, BridgeState::Failed);
    assert_eq!(st.last_error.as_deref(), Some("the run was interrupted"));
}

#[tokio::test(start_paused = true)]
async fn status_is_watchable_and_dry_run_changes_nothing() {
    let source =
        Arc::new(MemoryDirectory::new(apps::probo_like()).with_users([u("ada@example.com")]));
    let target = Arc::new(MemoryDirectory::new(apps::probo_like()));
    let bridge = Bridge::new(
        source,
        target.clone(),
        BridgeConfig::default().mode(idgraph_common::graph::ApplyMode::DryRun),
    );
    let mut rx = bridge.status();
    assert_eq!(rx.borrow_and_update().state, BridgeState::Pending);
    let report = bridge.run_once().await.unwrap();
    assert!(rx.has_changed().unwrap());
    let st = rx.borrow_and_update().clone();
    assert_eq!(st.state, BridgeState::Active);
    assert!(report.dry_run);
    assert!(st.last_report.unwrap().dry_run);
    assert!(target.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_read_blind_target_is_not_listed_and_gets_manual_idp_actions() {
    let source = Arc::new(MemoryDirectory::new(apps::probo_like()).with_users([
        u("joiner@example.com"),
        u("leaver@example.com").with_active(false),
    ]));
    let bridge = Bridge::new(
        source,
        Arc::new(idgraph_common::graph::ReadBlind::proof()),
        BridgeConfig::default(),
    );
    let report = bridge.run_once().await.unwrap();
    assert_eq!(report.counts().manual, 2);
    assert_eq!(report.counts().failed, 0);
    assert!(
        report
            .to_string()
            .contains("unassign the user from the Proof app in Okta or Entra ID")
    );
    assert_eq!(bridge.current().state, BridgeState::Active);
}
