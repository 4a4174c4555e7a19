//! [`apply`]: carries out a [`SyncPlan`] against the target's [`UserDirectory`];
//! [`apply_guarded`]: the same, only while a [`RunGuard`] (for example a lease) allows.

use super::audit::{AuditEvent, AuditSink};
use super::catalog::AppId;
use super::directory::{CreateKind, UserDirectory};
use super::plan::{Action, PlanItem, SyncPlan};
use super::report::{Outcome, ReportItem, SyncReport};
use super::run_guard::RunGuard;
use super::user::DirectoryUser;
use crate::error::{Error, Result, quote};
use crate::http::request_ids;

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
/// * Before a destructive step (deactivate, delete, rename) the account is read again
///   ([`UserDirectory::get_user`]): when it no longer belongs to the planned person
///   (another email, another link key) the item fails with a reason that says so and
///   nothing is changed. An account already gone counts as done for a delete or a
///   deactivation (nobody can sign in with it) and as a failure for a rename; except
///   in an app whose rename deletes the account and creates it again under the new
///   email (the catalog's `rename_loses` is not empty: Proofpoint, whose accounts are
///   known only by their email), where a gone account may be the person's, renamed
///   since the plan: there the item fails, saying so, and a new plan finds them.
/// * A delete answered with 404 counts as done (the user is gone either way).
/// * A rename goes through the app's own route ([`UserDirectory::rename_user`]), then
///   the other changes of the item are made on the renamed account.
/// * A create the app answered by taking over or moving an existing account is done,
///   with a note saying so.
/// * Refuses the whole plan (every item skipped, [`SyncReport::aborted`] set) when it was
///   made for another app than `target`'s.
/// * [`ApplyMode::DryRun`] calls nothing.
///
/// Failed outcomes hold the error's `Display`, which never contains a credential.
///
/// ```
/// use idgraph_common::graph::{apply, plan, ApplyMode, DirectoryUser, SyncPolicy, UserDirectory};
/// use idgraph_common::graph::memory::MemoryDirectory;
/// use idgraph_common::graph::catalog;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let probo = MemoryDirectory::new(catalog::scim());
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
    run(plan, target, mode, None, None).await.0
}

/// Why [`apply_guarded`] stopped before the end of the plan.
///
/// `report` is complete: the items carried out before the stop have their outcome, and
/// every later operation is [`Outcome::Skipped`] with a reason that starts with
/// `not applied:` (skips and manual actions keep theirs). [`SyncReport::stopped`] holds
/// the same reason.
///
/// Its message says what stopped and how much was left; why is its `source()` (the
/// guard's error), never repeated in the message.
#[derive(Debug, thiserror::Error)]
#[error("the run stopped before the end of the plan, {} operation(s) not applied", .not_applied)]
#[non_exhaustive]
pub struct ApplyStopped {
    /// What the guard answered (for a lost lease, [`Error::Lease`]).
    #[source]
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
/// use idgraph_common::graph::catalog;
/// use idgraph_common::{Error, LeaseErrorKind};
///
/// #[derive(Debug)]
/// struct Lost;
/// #[async_trait::async_trait]
/// impl RunGuard for Lost {
///     async fn check(&self) -> idgraph_common::Result<()> {
///         Err(Error::Lease { name: "bridge:acme".into(), kind: LeaseErrorKind::Lost, detail: None, source: None })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let probo = MemoryDirectory::new(catalog::scim());
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
    apply_checked(plan, target, mode, Some(guard), None).await
}

/// [`apply`], writing one [`AuditEvent`] per change made or attempted to `audit`
/// (time, app, action, the person's email and link key, the app's account id, field
/// values before → after, outcome, the server's request id of a failed request).
/// Skips, manual items and a dry run write nothing. When the sink fails, the run stops
/// between items as [`apply_guarded`] does (the rest is reported `not applied`, and
/// [`SyncReport::stopped`] says why): no change is made that could not be recorded.
///
/// Events never hold a secret or a password.
pub async fn apply_audited(
    plan: &SyncPlan,
    target: &dyn UserDirectory,
    mode: ApplyMode,
    audit: &dyn AuditSink,
) -> SyncReport {
    run(plan, target, mode, None, Some(audit)).await.0
}

/// [`apply_guarded`] and [`apply_audited`] at once, for the Bridge: `Err` when the guard
/// or the audit sink stopped the run.
pub(crate) async fn apply_checked(
    plan: &SyncPlan,
    target: &dyn UserDirectory,
    mode: ApplyMode,
    guard: Option<&dyn RunGuard>,
    audit: Option<&dyn AuditSink>,
) -> Result<SyncReport, ApplyStopped> {
    match run(plan, target, mode, guard, audit).await {
        (report, None) => Ok(report),
        (report, Some((error, not_applied))) => Err(ApplyStopped {
            error,
            not_applied,
            report: Box::new(report),
        }),
    }
}

/// The one loop behind [`apply`], [`apply_guarded`] and [`apply_audited`]; the second
/// half of the answer is the stop's error and how many operations it left out.
async fn run(
    plan: &SyncPlan,
    target: &dyn UserDirectory,
    mode: ApplyMode,
    guard: Option<&dyn RunGuard>,
    audit: Option<&dyn AuditSink>,
) -> (SyncReport, Option<(Error, usize)>) {
    let target_app = &target.catalog().app;
    let aborted = (*target_app != plan.app).then(|| {
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
            (Action::Manual { instructions, .. }, _, _) => Outcome::Manual {
                instructions: instructions.clone(),
            },
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
                    None => {
                        let executed = execute(action, target).await;
                        if let Some(sink) = audit
                            && let Some(event) = audit_event(&plan.app, item, &executed)
                            && let Err(e) = sink.record(&event)
                        {
                            // The change was made but could not be recorded: stop
                            // before making another.
                            let reason = format!(
                                "not applied: the run stopped: the audit trail could not be written: {e}"
                            );
                            stop = Some((e, reason, 0));
                        }
                        executed.outcome
                    }
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
        app: plan.app.clone(),
        dry_run: mode == ApplyMode::DryRun,
        items,
        unchanged: plan.unchanged,
        guard: plan.guard.clone(),
        membership_guard: plan.membership_guard.clone(),
        aborted,
        stopped,
    };
    (report, stop)
}

/// What carrying out one operation gave: the outcome to report, and for the audit trail
/// the servers' request ids of the requests it sent.
struct Executed {
    outcome: Outcome,
    request_ids: Vec<String>,
}

/// Carries out one operation, collecting the request ids of every answer the transport
/// got while doing it (the re-read, the write, each retry), in order.
async fn execute(action: &Action, target: &dyn UserDirectory) -> Executed {
    let (outcome, mut request_ids) = request_ids::collect(carry_out(action, target)).await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(e) => {
            // A directory on another HTTP stack may not record its ids: the failed
            // request's own id is named at least.
            if let Some(id) = e.api().and_then(|a| a.request_id())
                && request_ids.last().map(String::as_str) != Some(id)
            {
                request_ids.push(id.to_owned());
            }
            Outcome::Failed {
                error: e.to_string(),
            }
        }
    };
    Executed {
        outcome,
        request_ids,
    }
}

/// The outcome of one operation (`Err` when a request failed).
async fn carry_out(action: &Action, target: &dyn UserDirectory) -> Result<Outcome> {
    let result = match action {
        Action::Create { user } => target.create_user(user).await.map(|c| {
            let note = match c.kind {
                CreateKind::New => None,
                CreateKind::TookOver => {
                    Some("the app took over an existing account with this email or link key".into())
                }
                CreateKind::Renamed { previous_email } => Some(format!(
                    "the app moved the existing account of this person from {previous_email}"
                )),
            };
            (Some(c.user), note)
        }),
        Action::Update { desired, .. } => {
            target.update_user(desired).await.map(|u| (Some(u), None))
        }
        Action::Rename {
            current,
            desired,
            changes,
            ..
        } => match still_planned(target, current).await {
            Err(Outcome::Done { .. }) => {
                return Ok(Outcome::Failed {
                    error: format!(
                        "refused: the account {} to rename is gone; nothing was changed: plan again",
                        quote(current.app_id().unwrap_or(current.email().as_str()))
                    ),
                });
            }
            Err(outcome) => return Ok(outcome),
            Ok(()) => rename(target, current, desired, !changes.is_empty())
                .await
                .map(|u| (Some(u), None)),
        },
        Action::Deactivate { user, .. } => match still_planned(target, user).await {
            Err(outcome) => return Ok(outcome),
            Ok(()) => target.deactivate_user(user).await.map(|u| (Some(u), None)),
        },
        Action::Delete { user, .. } => match still_planned(target, user).await {
            // Gone already: the user is gone either way.
            Err(Outcome::Done { note, .. }) => Ok((None, note)),
            Err(outcome) => return Ok(outcome),
            Ok(()) => match target.delete_user(user).await {
                Err(e) if e.is_not_found() => Ok((None, None)),
                other => other.map(|()| (None, None)),
            },
        },
        Action::Skip { reason } => {
            return Ok(Outcome::Skipped {
                reason: reason.to_string(),
            });
        }
        Action::Manual { instructions, .. } => {
            return Ok(Outcome::Manual {
                instructions: instructions.clone(),
            });
        }
    };
    result.map(|(user, note)| Outcome::Done {
        user: user.map(Box::new),
        note,
    })
}

/// The audit event of an executed operation (`None` for skips and manual items).
fn audit_event(app: &AppId, item: &PlanItem, executed: &Executed) -> Option<AuditEvent> {
    let done = match &executed.outcome {
        Outcome::Done { user, note } => Ok((user.as_deref(), note.as_deref())),
        Outcome::Failed { error } => Err(error.as_str()),
        Outcome::Skipped { .. } | Outcome::Manual { .. } => return None,
    };
    Some(AuditEvent::new(
        app.clone(),
        &item.action,
        &item.email,
        done,
        executed.request_ids.clone(),
    ))
}

/// Re-reads the account a destructive step is planned for and checks that it still
/// belongs to the planned person (same email, same link key where the app stores one).
/// `Err` holds the outcome to report instead of acting: `Done` when the account is
/// gone (for a delete, the goal is reached) in an app whose accounts survive a rename,
/// `Failed` otherwise.
async fn still_planned(target: &dyn UserDirectory, planned: &DirectoryUser) -> Result<(), Outcome> {
    let now = match target.get_user(planned).await {
        Ok(now) => now,
        Err(e) if e.is_not_found() && !target.catalog().lifecycle.rename_loses.is_empty() => {
            // This app renames by delete and create, so its accounts have no identity
            // but their email: "gone" may be "renamed", and reporting the step done
            // would tell an auditor the person was deprovisioned while they still have
            // an account under another email.
            let entry = target.catalog();
            return Err(Outcome::Failed {
                error: format!(
                    "refused: the account {} is gone since the plan, and in {} a rename \
                     recreates an account under its new email, so the person may have another \
                     account now; nothing was changed: plan again",
                    quote(planned.app_id().unwrap_or(planned.email().as_str())),
                    entry.name,
                ),
            });
        }
        Err(e) if e.is_not_found() => {
            return Err(Outcome::Done {
                user: None,
                note: Some("the account was already gone".into()),
            });
        }
        Err(e) => {
            return Err(Outcome::Failed {
                error: format!(
                    "refused: could not re-read the account to make sure it is still the planned one, so nothing was changed: {e}"
                ),
            });
        }
    };
    let stores_link = target.catalog().lifecycle.stores.external_id;
    let same_email = now.email() == planned.email();
    let same_link = !stores_link
        || planned.external_id().is_none()
        || now.external_id() == planned.external_id();
    if same_email && same_link {
        return Ok(());
    }
    Err(Outcome::Failed {
        error: format!(
            "refused: the account {} changed since the plan (it is now {}{}, the plan was made for {}{}); nothing was changed: plan again",
            quote(planned.app_id().unwrap_or(planned.email().as_str())),
            quote(now.email().as_str()),
            link_note(&now),
            quote(planned.email().as_str()),
            link_note(planned),
        ),
    })
}

fn link_note(u: &DirectoryUser) -> String {
    match u.external_id() {
        Some(k) => format!(" with link key {}", quote(k)),
        None => String::new(),
    }
}

/// A rename by the app's own route, then the other changes on the renamed account.
async fn rename(
    target: &dyn UserDirectory,
    current: &DirectoryUser,
    desired: &DirectoryUser,
    other_changes: bool,
) -> crate::Result<DirectoryUser> {
    let renamed = target
        .rename_user(current, &desired.email().to_email())
        .await?;
    if !other_changes {
        return Ok(renamed);
    }
    let mut next = desired.clone();
    next.set_app_id(renamed.app_id());
    target.update_user(&next).await
}
