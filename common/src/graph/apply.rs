//! [`apply`]: carries out a [`SyncPlan`] against the target's [`UserDirectory`];
//! [`apply_guarded`]: the same, only while a [`RunGuard`] (for example a lease) allows.

use super::directory::UserDirectory;
use super::plan::{Action, SyncPlan};
use super::report::{Outcome, ReportItem, SyncReport};
use super::run_guard::RunGuard;
use crate::error::Error;

/// Whether [`apply`] calls the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ApplyMode {
    /// Carry out every operation.
    #[default]
    Execute,
    /// Call nothing; every operation is reported as skipped ("dry run").
    DryRun,
}

/// Carries out `plan` against `target`, one item at a time, in plan order.
///
/// * Continues past a failed item: every item gets its own [`Outcome`].
/// * Skips and manual actions are reported as such; nothing is called for them.
///   Deactivations and deletions withheld by the guard are plan skips, so they are never
///   carried out.
/// * A delete answered with 404 counts as done (the user is gone either way).
/// * Refuses the whole plan (every item skipped, [`SyncReport::aborted`] set) when it was
///   made for another app than `target`'s.
/// * [`ApplyMode::DryRun`] calls nothing.
///
/// Failed outcomes hold the error's `Display`, which never contains a credential.
///
/// ```
/// use idgraph_common::graph::{apply, plan, ApplyMode, DirectoryUser, SyncPolicy, UserDirectory};
/// use idgraph_common::graph::memory::MemoryDirectory;
/// use idgraph_common::graph::catalog::App;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let probo = MemoryDirectory::new(App::Probo);
/// let source = [DirectoryUser::new("ada@example.com").with_names("Ada", "Lovelace")];
/// let p = plan(&source, &[], probo.catalog(), &SyncPolicy::default());
///
/// let dry = apply(&p, &probo, ApplyMode::DryRun).await;
/// assert_eq!(dry.counts().skipped, 1);
/// assert!(probo.is_empty());
///
/// let report = apply(&p, &probo, ApplyMode::Execute).await;
/// assert!(report.is_success(), "{report}");
/// assert_eq!(probo.len(), 1);
/// println!("{report}");
/// # }
/// ```
pub async fn apply(plan: &SyncPlan, target: &dyn UserDirectory, mode: ApplyMode) -> SyncReport {
    run(plan, target, mode, None).await.0
}

/// Why [`apply_guarded`] stopped before the end of the plan.
///
/// `report` is complete: the items carried out before the stop have their outcome, and
/// every later operation is [`Outcome::Skipped`] with a reason that starts with
/// `not applied:` (skips and manual actions keep theirs). [`SyncReport::stopped`] holds
/// the same reason.
#[derive(Debug, thiserror::Error)]
#[error("the run stopped before the end of the plan, {} operation(s) not applied: {error}", .not_applied)]
#[non_exhaustive]
pub struct ApplyStopped {
    /// What the guard answered (for a lost lease, [`Error::Lease`]).
    pub error: Error,
    /// Operations of the plan that were not carried out because of the stop.
    pub not_applied: usize,
    /// What was done before the stop, and what was not.
    pub report: Box<SyncReport>,
}

/// [`apply`], but only while `guard` allows: [`RunGuard::check`] is called before each
/// item that would call the target (creates, updates, deactivations, deletions; never
/// in a dry run). When it fails, the run stops *between* items — an item already sent
/// is finished, nothing after it is sent — and the answer is [`ApplyStopped`], holding
/// the guard's typed error and the report.
///
/// Use it with a lease (`idgraph_common::redis::Lease`, feature `redis`) so that two
/// instances never apply to one tenant at once. A guard cannot recall a request already
/// sent; a target that can check a fencing token closes that gap.
///
/// ```
/// use idgraph_common::graph::{apply_guarded, plan, ApplyMode, DirectoryUser, RunGuard, SyncPolicy, UserDirectory};
/// use idgraph_common::graph::memory::MemoryDirectory;
/// use idgraph_common::graph::catalog::App;
/// use idgraph_common::{Error, LeaseErrorKind};
///
/// #[derive(Debug)]
/// struct Lost;
/// #[async_trait::async_trait]
/// impl RunGuard for Lost {
///     async fn check(&self) -> idgraph_common::Result<()> {
///         Err(Error::Lease { name: "bridge:acme".into(), kind: LeaseErrorKind::Lost, source: None })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let probo = MemoryDirectory::new(App::Probo);
/// let source = [DirectoryUser::new("ada@example.com")];
/// let p = plan(&source, &[], probo.catalog(), &SyncPolicy::default());
/// let stopped = apply_guarded(&p, &probo, ApplyMode::Execute, &Lost).await.unwrap_err();
/// assert!(matches!(stopped.error, Error::Lease { kind: LeaseErrorKind::Lost, .. }));
/// assert_eq!(stopped.not_applied, 1);
/// assert!(!stopped.report.is_success());
/// assert!(probo.is_empty());
/// # }
/// ```
pub async fn apply_guarded(
    plan: &SyncPlan,
    target: &dyn UserDirectory,
    mode: ApplyMode,
    guard: &dyn RunGuard,
) -> Result<SyncReport, ApplyStopped> {
    match run(plan, target, mode, Some(guard)).await {
        (report, None) => Ok(report),
        (report, Some((error, not_applied))) => Err(ApplyStopped {
            error,
            not_applied,
            report: Box::new(report),
        }),
    }
}

/// The one loop behind [`apply`] and [`apply_guarded`]; the second half of the answer is
/// the guard's error and how many operations it left out.
async fn run(
    plan: &SyncPlan,
    target: &dyn UserDirectory,
    mode: ApplyMode,
    guard: Option<&dyn RunGuard>,
) -> (SyncReport, Option<(Error, usize)>) {
    let target_app = target.catalog().app;
    let aborted = (target_app != plan.app).then(|| {
        format!(
            "the plan was made for {} but the directory is {}; plan again against this directory",
            plan.app, target_app
        )
    });
    let mut items = Vec::with_capacity(plan.items.len());
    // Set by the first failed guard check; every later operation is left out with it.
    let mut stop: Option<(Error, String, usize)> = None;
    for item in &plan.items {
        let outcome = match (&item.action, &aborted, mode) {
            (Action::Skip { reason }, _, _) => Outcome::Skipped {
                reason: reason.to_string(),
            },
            (Action::Manual { instructions, .. }, _, _) => Outcome::Manual { instructions },
            (_, Some(_), _) => Outcome::Skipped {
                reason: "not applied: plan made for another app".into(),
            },
            (_, None, ApplyMode::DryRun) => Outcome::Skipped {
                reason: "dry run".into(),
            },
            (action, None, ApplyMode::Execute) => {
                if stop.is_none()
                    && let Some(guard) = guard
                    && let Err(e) = guard.check().await
                {
                    let reason = format!("not applied: the run stopped: {e}");
                    stop = Some((e, reason, 0));
                }
                match &mut stop {
                    Some((_, reason, not_applied)) => {
                        *not_applied += 1;
                        Outcome::Skipped {
                            reason: reason.clone(),
                        }
                    }
                    None => execute(action, target).await,
                }
            }
        };
        items.push(ReportItem::new(item.email.clone(), &item.action, outcome));
    }
    let (stopped, stop) = match stop {
        Some((error, reason, n)) => (Some(reason), Some((error, n))),
        None => (None, None),
    };
    let report = SyncReport {
        app: plan.app,
        dry_run: mode == ApplyMode::DryRun,
        items,
        guard: plan.guard.clone(),
        aborted,
        stopped,
    };
    (report, stop)
}

async fn execute(action: &Action, target: &dyn UserDirectory) -> Outcome {
    let result = match action {
        Action::Create { user } => target.create_user(user).await.map(|c| Some(c.user)),
        Action::Update { desired, .. } => target.update_user(desired).await.map(Some),
        Action::Deactivate { user, .. } => target.deactivate_user(user).await.map(Some),
        Action::Delete { user, .. } => match target.delete_user(user).await {
            Err(e) if e.is_not_found() => Ok(None),
            other => other.map(|()| None),
        },
        Action::Skip { reason } => {
            return Outcome::Skipped {
                reason: reason.to_string(),
            };
        }
        Action::Manual { instructions, .. } => return Outcome::Manual { instructions },
    };
    match result {
        Ok(user) => Outcome::Done { user },
        Err(e) => Outcome::Failed {
            error: e.to_string(),
        },
    }
}
