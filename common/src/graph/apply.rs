//! [`apply`]: carries out a [`SyncPlan`] against the target's [`UserDirectory`].

use super::directory::{DirectoryUser, UserDirectory};
use super::plan::{Action, SyncPlan};
use super::report::{Outcome, ReportItem, SyncReport};

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
    let target_app = target.catalog().app;
    let aborted = (target_app != plan.app).then(|| {
        format!(
            "the plan was made for {} but the directory is {}; plan again against this directory",
            plan.app, target_app
        )
    });
    let mut items = Vec::with_capacity(plan.items.len());
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
            (action, None, ApplyMode::Execute) => execute(action, target).await,
        };
        items.push(ReportItem::new(item.email.clone(), &item.action, outcome));
    }
    SyncReport {
        app: plan.app,
        dry_run: mode == ApplyMode::DryRun,
        items,
        guard: plan.guard.clone(),
        aborted,
    }
}

async fn execute(action: &Action, target: &dyn UserDirectory) -> Outcome {
    let result = match action {
        Action::Create { user } => target.create(user).await.map(Some),
        Action::Update { desired, .. } => target.update(desired).await.map(Some),
        Action::Deactivate { user, .. } => target.deactivate(user).await.map(|()| {
            let mut u = DirectoryUser::clone(user);
            u.active = false;
            Some(u)
        }),
        Action::Delete { user, .. } => match target.delete(user).await {
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
