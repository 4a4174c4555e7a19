//! The Bridge: a pull-based sync loop from a source [`UserDirectory`] into a target,
//! modelled on Probo's Bridge.
//!
//! Two layers:
//!
//! * a pure state machine — [`BridgeState`], [`BridgeStatus::transition`] on
//!   [`BridgeEvent`]s, and [`next_delay`] — testable without I/O or time;
//! * [`Bridge`], the async runner: [`run_once`](Bridge::run_once) lists both sides,
//!   [`plan`](super::plan())s, [`apply`](super::apply())s and records the outcome;
//!   [`run`](Bridge::run) loops on the schedule; [`enable`](Bridge::enable) re-enables a
//!   disabled bridge; [`status`](Bridge::status) is a `tokio::sync::watch` receiver.
//!
//! # Behaviour (as Probo's real Bridge, research §7)
//!
//! | | |
//! |---|---|
//! | interval | 60 s by default ([`BridgeConfig::interval`]) |
//! | after a success | `Active`; next run after `interval`; failures reset to 0 |
//! | after a failure | `Failed`; next run after `interval × 2^consecutive_failures`, capped at 24 h |
//! | 10th consecutive failure | `Disabled`; never runs again until [`Bridge::enable`] |
//! | what fails a run | listing either side, the sync timeout (5 min), a tripped mass-deprovision guard, or **any** item that failed — even if every other user synced |
//! | exclusions | by email, case-insensitive ([`SyncPolicy::exclude`]) |
//!
//! Where this differs from Probo, on purpose: Probo creates bridges directly as `Active`
//! and has no way to re-enable a disabled one; here a new or re-enabled bridge is
//! `Pending` (due at once) and [`Bridge::enable`] exists. Probo hard-deletes excluded
//! users found in the target; here excluded users are left alone. Probo's run has no
//! mass-deprovision guard; here a tripped guard fails the run, so a truncated source
//! backs the bridge off and, if it persists, disables it, without wiping anything.
//!
//! All waiting uses `tokio::time`, so tests drive the schedule with a paused clock.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{Mutex, watch};
use tokio::time::Instant;

use super::apply::{ApplyMode, ApplyStopped, apply_checked};
use super::audit::AuditSink;
use super::directory::UserDirectory;
use super::listing::{Listing, list_target, plan_listings};
use super::policy::{GuardTripped, SyncPolicy};
use super::report::{Outcome, SyncReport};
use super::run_guard::{RunGuard, RunLock};
use crate::error::{Error, LeaseErrorKind, chain};

/// Default interval between successful runs: 60 s (Probo's default configuration).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);
/// Default cap on the backoff: 24 h.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(24 * 60 * 60);
/// Default number of consecutive failures that disables a bridge: 10.
pub const DEFAULT_MAX_CONSECUTIVE_FAILURES: u32 = 10;
/// Default limit on one run: 5 min (Probo's `SyncTimeout`).
pub const DEFAULT_SYNC_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The lifecycle state of a bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BridgeState {
    /// Created (or re-enabled) and not synced since; due at once.
    Pending,
    /// A run is in progress.
    Syncing,
    /// The last run succeeded.
    Active,
    /// The last run failed; the next is delayed by exponential backoff.
    Failed,
    /// Disabled after too many consecutive failures; runs only after
    /// [`Bridge::enable`].
    Disabled,
}

impl fmt::Display for BridgeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BridgeState::Pending => "pending",
            BridgeState::Syncing => "syncing",
            BridgeState::Active => "active",
            BridgeState::Failed => "failed",
            BridgeState::Disabled => "disabled",
        })
    }
}

/// `interval × 2^failures`, capped at `max` (also on overflow).
///
/// ```
/// use std::time::Duration;
/// use idgraph_common::graph::bridge::next_delay;
///
/// let min = Duration::from_secs(60);
/// let day = Duration::from_secs(86_400);
/// assert_eq!(next_delay(min, 0, day), min);
/// assert_eq!(next_delay(min, 1, day), 2 * min);
/// assert_eq!(next_delay(min, 9, day), 512 * min);
/// assert_eq!(next_delay(min, 11, day), day); // 2048 min is over 24 h
/// assert_eq!(next_delay(min, 200, day), day); // overflow
/// ```
pub fn next_delay(interval: Duration, failures: u32, max: Duration) -> Duration {
    2u32.checked_pow(failures)
        .and_then(|factor| interval.checked_mul(factor))
        .map_or(max, |d| d.min(max))
}

/// How a bridge runs.
///
/// ```
/// use std::time::Duration;
/// use idgraph_common::graph::{bridge::BridgeConfig, SyncPolicy};
///
/// let config = BridgeConfig::default()
///     .interval(Duration::from_secs(15 * 60))
///     .policy(SyncPolicy::default().exclude("svc@example.com"));
/// assert_eq!(config.next_delay(1), Duration::from_secs(30 * 60));
/// assert_eq!(config.next_delay(7), Duration::from_secs(24 * 60 * 60));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BridgeConfig {
    /// Time between successful runs, and the base of the backoff. Default 60 s.
    pub interval: Duration,
    /// Cap on the backoff. Default 24 h.
    pub max_backoff: Duration,
    /// Consecutive failures that disable the bridge. Default 10.
    pub max_consecutive_failures: u32,
    /// Limit on one run (listing, planning and applying); `None` for none. Default 5 min.
    pub sync_timeout: Option<Duration>,
    /// Reconciliation policy: exclusions, deprovisioning, the guard.
    pub policy: SyncPolicy,
    /// [`ApplyMode::DryRun`] to plan and report without changing the target.
    pub mode: ApplyMode,
}

impl Default for BridgeConfig {
    fn default() -> Self {
        Self {
            interval: DEFAULT_INTERVAL,
            max_backoff: DEFAULT_MAX_BACKOFF,
            max_consecutive_failures: DEFAULT_MAX_CONSECUTIVE_FAILURES,
            sync_timeout: Some(DEFAULT_SYNC_TIMEOUT),
            policy: SyncPolicy::default(),
            mode: ApplyMode::Execute,
        }
    }
}

impl BridgeConfig {
    /// Sets [`BridgeConfig::interval`].
    #[must_use]
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets [`BridgeConfig::max_backoff`].
    #[must_use]
    pub fn max_backoff(mut self, max: Duration) -> Self {
        self.max_backoff = max;
        self
    }

    /// Sets [`BridgeConfig::max_consecutive_failures`] (at least 1).
    #[must_use]
    pub fn max_consecutive_failures(mut self, n: u32) -> Self {
        self.max_consecutive_failures = n.max(1);
        self
    }

    /// Sets [`BridgeConfig::sync_timeout`].
    #[must_use]
    pub fn sync_timeout(mut self, limit: Option<Duration>) -> Self {
        self.sync_timeout = limit;
        self
    }

    /// Sets [`BridgeConfig::policy`].
    #[must_use]
    pub fn policy(mut self, policy: SyncPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets [`BridgeConfig::mode`].
    #[must_use]
    pub fn mode(mut self, mode: ApplyMode) -> Self {
        self.mode = mode;
        self
    }

    /// The delay after the `failures`-th consecutive failure (see [`next_delay`]).
    pub fn next_delay(&self, failures: u32) -> Duration {
        next_delay(self.interval, failures, self.max_backoff)
    }
}

/// What happens to a bridge, as input to [`BridgeStatus::transition`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BridgeEvent {
    /// A run starts.
    Start,
    /// The run succeeded.
    Succeed,
    /// The run failed.
    Fail {
        /// Why (shown in [`BridgeStatus::last_error`]).
        error: String,
    },
    /// A person re-enables a disabled bridge.
    Enable,
}

/// A transition that the state machine does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {event} a bridge that is {from}")]
#[non_exhaustive]
pub struct InvalidTransition {
    /// The state.
    pub from: BridgeState,
    /// The event, as a verb.
    pub event: &'static str,
}

/// Everything a caller can watch about a bridge.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BridgeStatus {
    /// The state.
    pub state: BridgeState,
    /// Failed runs since the last success (or re-enable).
    pub consecutive_failures: u32,
    /// Runs finished.
    pub total_syncs: u64,
    /// Runs failed.
    pub total_failures: u64,
    /// Why the last run failed, with every cause, in one line; cleared by a success.
    pub last_error: Option<String>,
    /// When the last successful run finished.
    pub last_synced_at: Option<Instant>,
    /// When the next run is due (`None`: at once, or never when disabled).
    pub next_sync_at: Option<Instant>,
    /// The report of the last run that got as far as applying.
    pub last_report: Option<Arc<SyncReport>>,
}

impl Default for BridgeStatus {
    fn default() -> Self {
        Self::new()
    }
}

impl BridgeStatus {
    /// A new bridge: pending, due at once.
    pub fn new() -> Self {
        Self {
            state: BridgeState::Pending,
            consecutive_failures: 0,
            total_syncs: 0,
            total_failures: 0,
            last_error: None,
            last_synced_at: None,
            next_sync_at: None,
            last_report: None,
        }
    }

    /// The pure state machine: the status after `event` happens at `now`.
    ///
    /// | from | event | to |
    /// |---|---|---|
    /// | pending, active, failed | start | syncing |
    /// | syncing | start | syncing (a stale run that was interrupted) |
    /// | syncing | succeed | active; failures = 0; next = now + interval |
    /// | syncing | fail | failed; next = now + backoff — or disabled at the limit |
    /// | disabled | enable | pending; failures = 0; due at once |
    ///
    /// Anything else is an [`InvalidTransition`].
    ///
    /// ```
    /// use tokio::time::Instant;
    /// use idgraph_common::graph::bridge::{BridgeConfig, BridgeEvent, BridgeState, BridgeStatus};
    ///
    /// let cfg = BridgeConfig::default();
    /// let now = Instant::now();
    /// let s = BridgeStatus::new().transition(&BridgeEvent::Start, now, &cfg)?;
    /// let s = s.transition(&BridgeEvent::Fail { error: "boom".into() }, now, &cfg)?;
    /// assert_eq!(s.state, BridgeState::Failed);
    /// assert_eq!(s.next_sync_at, Some(now + 2 * cfg.interval));
    /// assert!(s.transition(&BridgeEvent::Enable, now, &cfg).is_err());
    /// # Ok::<(), idgraph_common::graph::bridge::InvalidTransition>(())
    /// ```
    pub fn transition(
        &self,
        event: &BridgeEvent,
        now: Instant,
        config: &BridgeConfig,
    ) -> Result<Self, InvalidTransition> {
        use BridgeState::*;
        let invalid = |event| InvalidTransition {
            from: self.state,
            event,
        };
        let mut next = self.clone();
        match (self.state, event) {
            (Pending | Active | Failed | Syncing, BridgeEvent::Start) => {
                next.state = Syncing;
            }
            (Syncing, BridgeEvent::Succeed) => {
                next.state = Active;
                next.consecutive_failures = 0;
                next.total_syncs += 1;
                next.last_error = None;
                next.last_synced_at = Some(now);
                next.next_sync_at = Some(now + config.interval);
            }
            (Syncing, BridgeEvent::Fail { error }) => {
                next.consecutive_failures = self.consecutive_failures.saturating_add(1);
                next.total_syncs += 1;
                next.total_failures += 1;
                next.last_error = Some(error.clone());
                if next.consecutive_failures >= config.max_consecutive_failures {
                    next.state = Disabled;
                    next.next_sync_at = None;
                } else {
                    next.state = Failed;
                    next.next_sync_at = Some(now + config.next_delay(next.consecutive_failures));
                }
            }
            (Disabled, BridgeEvent::Enable) => {
                next.state = Pending;
                next.consecutive_failures = 0;
                next.next_sync_at = None;
            }
            (Disabled, BridgeEvent::Start) => return Err(invalid("start")),
            (_, BridgeEvent::Succeed) => return Err(invalid("succeed")),
            (_, BridgeEvent::Fail { .. }) => return Err(invalid("fail")),
            (_, BridgeEvent::Enable) => return Err(invalid("enable")),
        }
        Ok(next)
    }
}

/// Why a run did not succeed.
///
/// A variant that wraps an [`Error`] says what the bridge was doing, and the error is its
/// [`source()`](std::error::Error::source), not repeated in the message: chain printers
/// (anyhow's `{:#}`, `Report`) show each cause once. [`BridgeStatus::last_error`] holds
/// the whole chain in one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BridgeError {
    /// The bridge is disabled; call [`Bridge::enable`].
    #[error(
        "the bridge is disabled after {failures} consecutive failures; fix the cause, then call \
         Bridge::enable"
    )]
    Disabled {
        /// Consecutive failures when it was disabled.
        failures: u32,
    },
    /// Listing the source failed (nothing was changed).
    #[error("listing the source failed")]
    Source(#[source] Error),
    /// Listing the target failed (nothing was changed).
    #[error("listing the target failed")]
    Target(#[source] Error),
    /// The run took longer than [`BridgeConfig::sync_timeout`]; it was cancelled between
    /// two calls, so some items may have been applied.
    #[error("the sync did not finish within {0:?}")]
    Timeout(Duration),
    /// The mass-deprovision guard withheld every deactivation and deletion; creates and
    /// updates were applied.
    #[error("{guard}")]
    Guard {
        /// Why.
        guard: GuardTripped,
        /// What was applied.
        report: Box<SyncReport>,
    },
    /// Some items failed (the others were applied). As in Probo, this fails the run.
    #[error("{failed} of {attempted} operations failed; first: {first}")]
    Incomplete {
        /// Failed operations.
        failed: usize,
        /// Operations attempted.
        attempted: usize,
        /// The first failure: email and error.
        first: String,
        /// What was applied.
        report: Box<SyncReport>,
    },
    /// The plan was refused as a whole.
    #[error("the plan was not applied: {0}")]
    Aborted(String),
    /// The bridge runs only while it holds its lock ([`Bridge::with_lock`]) and could not
    /// take it; nothing was listed or changed. When another instance holds it
    /// ([`LeaseErrorKind::Held`]) this run is not counted as failed: that instance is
    /// syncing the tenant, and this one tries again after [`BridgeConfig::interval`].
    #[error("the run did not start: its lock was not acquired")]
    Lock(#[source] Error),
    /// The lock was lost during the run ([`RunGuard::check`] failed), so it stopped
    /// between two items; the report says what was applied before.
    #[error("the run stopped before the end: its run guard refused to go on")]
    Stopped {
        /// What the guard answered (for a lost lease, [`Error::Lease`]).
        #[source]
        error: Error,
        /// What was applied before the stop.
        report: Box<SyncReport>,
    },
}

/// A pull-based sync loop from `source` into `target`.
///
/// ```
/// use std::sync::Arc;
/// use idgraph_common::graph::bridge::{Bridge, BridgeConfig, BridgeState};
/// use idgraph_common::graph::memory::MemoryDirectory;
/// use idgraph_common::graph::{DirectoryUser, catalog};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let idp = Arc::new(MemoryDirectory::new(catalog::scim())
///     .with_users([DirectoryUser::new("ada@example.com")]));
/// let probo = Arc::new(MemoryDirectory::new(catalog::scim()));
/// let bridge = Bridge::new(idp, probo.clone(), BridgeConfig::default());
///
/// let status = bridge.status();
/// let report = bridge.run_once().await.map_err(|e| e.to_string());
/// assert!(report.is_ok());
/// assert_eq!(status.borrow().state, BridgeState::Active);
/// assert_eq!(probo.len(), 1);
/// // In production: tokio::spawn(async move { bridge.run().await });
/// # }
/// ```
pub struct Bridge {
    source: Arc<dyn UserDirectory>,
    target: Arc<dyn UserDirectory>,
    config: BridgeConfig,
    status: watch::Sender<BridgeStatus>,
    running: Mutex<()>,
    lock: Option<Arc<dyn RunLock>>,
    audit: Option<Arc<dyn AuditSink>>,
}

impl fmt::Debug for Bridge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bridge")
            .field("source", &self.source.catalog().name)
            .field("target", &self.target.catalog().name)
            .field("config", &self.config)
            .field("status", &*self.status.borrow())
            .field("lock", &self.lock)
            .finish()
    }
}

/// Marks a run failed if its future is dropped before it finishes.
struct InterruptGuard<'a> {
    bridge: &'a Bridge,
    armed: bool,
}

impl Drop for InterruptGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.bridge.record(&BridgeEvent::Fail {
                error: "the run was interrupted".into(),
            });
        }
    }
}

impl Bridge {
    /// A pending bridge.
    pub fn new(
        source: Arc<dyn UserDirectory>,
        target: Arc<dyn UserDirectory>,
        config: BridgeConfig,
    ) -> Self {
        Self {
            source,
            target,
            config,
            status: watch::Sender::new(BridgeStatus::new()),
            running: Mutex::new(()),
            lock: None,
            audit: None,
        }
    }

    /// Runs only while holding `lock` (for example a Redis lease named after the
    /// tenant): each [`run_once`](Self::run_once) acquires it before listing anything,
    /// checks it before each item it applies, and releases it at the end. So several
    /// instances of one bridge (in several containers) never apply to one tenant at once.
    ///
    /// * Held by another instance: the run does not start ([`BridgeError::Lock`]), is
    ///   not counted as failed, and the next one is due after the interval.
    /// * Could not be acquired for another reason (the lease service is down): a
    ///   failed run.
    /// * Lost during the run: the run stops between two items
    ///   ([`BridgeError::Stopped`]), a failed run.
    #[must_use]
    pub fn with_lock(mut self, lock: Arc<dyn RunLock>) -> Self {
        self.lock = Some(lock);
        self
    }

    /// Writes every change each run makes or attempts to `audit` (see
    /// [`apply_audited`](super::apply_audited())); a sink that cannot write stops the run
    /// between items ([`BridgeError::Stopped`], a failed run).
    #[must_use]
    pub fn with_audit(mut self, audit: Arc<dyn AuditSink>) -> Self {
        self.audit = Some(audit);
        self
    }

    /// A receiver of every status change (`borrow()` for the current one,
    /// `changed().await` to wait for the next).
    pub fn status(&self) -> watch::Receiver<BridgeStatus> {
        self.status.subscribe()
    }

    /// The current status.
    pub fn current(&self) -> BridgeStatus {
        self.status.borrow().clone()
    }

    /// The configuration.
    pub fn config(&self) -> &BridgeConfig {
        &self.config
    }

    /// Re-enables a disabled bridge: pending, failures reset, due at once (a running
    /// [`run`](Self::run) loop wakes up). Returns `false` (and changes nothing) when the
    /// bridge was not disabled.
    pub fn enable(&self) -> bool {
        self.record(&BridgeEvent::Enable)
    }

    /// Applies `event` now; `false` when the transition is not allowed.
    fn record(&self, event: &BridgeEvent) -> bool {
        let now = Instant::now();
        self.status
            .send_if_modified(|st| match st.transition(event, now, &self.config) {
                Ok(next) => {
                    *st = next;
                    true
                }
                Err(_) => false,
            })
    }

    /// One run, now, whatever the schedule: list the source and the target (a target
    /// that cannot be listed is not: its plan holds the IdP actions, as manual items),
    /// plan, apply, and record success or failure.
    ///
    /// Runs never overlap: a second call waits for the first. A disabled bridge does not
    /// run ([`BridgeError::Disabled`]).
    pub async fn run_once(&self) -> Result<SyncReport, BridgeError> {
        let _running = self.running.lock().await;
        if self.status.borrow().state == BridgeState::Disabled {
            return Err(BridgeError::Disabled {
                failures: self.status.borrow().consecutive_failures,
            });
        }
        let run_guard = match &self.lock {
            None => None,
            Some(lock) => match lock.acquire_run().await {
                Ok(g) => Some(g),
                Err(
                    e @ Error::Lease {
                        kind: LeaseErrorKind::Held,
                        ..
                    },
                ) => {
                    // Another instance is syncing this tenant: not a failure of ours.
                    let next = Instant::now() + self.config.interval;
                    self.status.send_modify(|st| st.next_sync_at = Some(next));
                    return Err(BridgeError::Lock(e));
                }
                Err(e) => {
                    let err = BridgeError::Lock(e);
                    self.record(&BridgeEvent::Start);
                    self.record(&BridgeEvent::Fail {
                        error: chain(&err).to_string(),
                    });
                    return Err(err);
                }
            },
        };
        if !self.record(&BridgeEvent::Start) {
            if let Some(g) = run_guard {
                g.release().await;
            }
            return Err(BridgeError::Disabled {
                failures: self.status.borrow().consecutive_failures,
            });
        }
        let mut guard = InterruptGuard {
            bridge: self,
            armed: true,
        };
        let sync = self.sync(run_guard.as_deref());
        let result = match self.config.sync_timeout {
            Some(limit) => tokio::time::timeout(limit, sync)
                .await
                .unwrap_or(Err(BridgeError::Timeout(limit))),
            None => sync.await,
        };
        guard.armed = false;
        if let Some(g) = run_guard {
            g.release().await;
        }
        let result = result.and_then(judge);
        let report = match &result {
            Ok(r) => Some(r.clone()),
            Err(
                BridgeError::Guard { report, .. }
                | BridgeError::Incomplete { report, .. }
                | BridgeError::Stopped { report, .. },
            ) => Some((**report).clone()),
            Err(_) => None,
        };
        let event = match &result {
            Ok(_) => BridgeEvent::Succeed,
            // The whole chain: `Display` alone leaves the cause to `source()`.
            Err(e) => BridgeEvent::Fail {
                error: chain(e).to_string(),
            },
        };
        let now = Instant::now();
        self.status.send_modify(|st| {
            if let Ok(next) = st.transition(&event, now, &self.config) {
                *st = next;
            }
            if let Some(r) = report {
                st.last_report = Some(Arc::new(r));
            }
        });
        result
    }

    async fn sync(&self, run_guard: Option<&dyn RunGuard>) -> Result<SyncReport, BridgeError> {
        // Plans only from listings that are provably everything: a short source would
        // deprovision whoever is missing from it, a short target would create duplicates.
        let source = Listing::complete(self.source.list_users())
            .await
            .map_err(BridgeError::Source)?;
        let target = list_target(&*self.target)
            .await
            .map_err(BridgeError::Target)?;
        let entry = self.target.catalog();
        let plan = plan_listings(&source, &target, entry, &self.config.policy);
        let audit = self.audit.as_deref();
        apply_checked(&plan, &*self.target, self.config.mode, run_guard, audit)
            .await
            .map_err(|ApplyStopped { error, report, .. }| BridgeError::Stopped { error, report })
    }

    /// Runs forever on the schedule: at once when pending, after `interval` when active,
    /// after the backoff when failed; when disabled, waits for [`enable`](Self::enable).
    ///
    /// Stop it by dropping the future (for example `JoinHandle::abort`, or a
    /// `tokio::select!` branch); a run interrupted that way counts as failed.
    pub async fn run(&self) {
        let mut rx = self.status.subscribe();
        loop {
            let st = rx.borrow_and_update().clone();
            if st.state == BridgeState::Disabled {
                if rx.changed().await.is_err() {
                    return;
                }
                continue;
            }
            if let Some(at) = st.next_sync_at
                && at > Instant::now()
            {
                tokio::select! {
                    () = tokio::time::sleep_until(at) => {}
                    changed = rx.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        continue;
                    }
                }
            }
            // The outcome is recorded in the status; the loop only needs the schedule.
            let _ = self.run_once().await;
        }
    }
}

/// A report that did not fully succeed fails the run.
fn judge(report: SyncReport) -> Result<SyncReport, BridgeError> {
    if let Some(a) = &report.aborted {
        return Err(BridgeError::Aborted(a.clone()));
    }
    if let Some(guard) = report.guard.clone() {
        return Err(BridgeError::Guard {
            guard,
            report: Box::new(report),
        });
    }
    let c = report.counts();
    let first = report.failures().next().map(|i| match &i.outcome {
        Outcome::Failed { error } => format!("{} {}: {error}", i.action, i.email),
        _ => String::new(),
    });
    match first {
        None => Ok(report),
        Some(first) => Err(BridgeError::Incomplete {
            failed: c.failed,
            attempted: c.failed + c.done,
            first,
            report: Box::new(report),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_transitions() {
        let cfg = BridgeConfig::default();
        let now = Instant::now();
        let p = BridgeStatus::new();
        assert!(p.transition(&BridgeEvent::Succeed, now, &cfg).is_err());
        assert!(p.transition(&BridgeEvent::Enable, now, &cfg).is_err());
        let mut d = p.clone();
        d.state = BridgeState::Disabled;
        let e = d.transition(&BridgeEvent::Start, now, &cfg);
        assert_eq!(
            e.map(|_| ()).map_err(|e| e.to_string()),
            Err("cannot start a bridge that is disabled".to_owned())
        );
    }
}
