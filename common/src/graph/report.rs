//! [`SyncReport`] (what [`apply`](super::apply()) did) and the plain-text tables of
//! plans and reports.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

use super::catalog::AppId;
use super::directory::Email;
use super::plan::{Action, ActionKind, SyncPlan};
use super::policy::{GuardTripped, MembershipGuardTripped};
use super::user::DirectoryUser;

/// What happened to one plan item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// The operation succeeded.
    Done {
        /// The user as the app stored it (create, update, rename), as it now is
        /// (deactivate), or `None` (delete). Boxed: a report holds one per item.
        user: Option<Box<DirectoryUser>>,
        /// What the app did besides the plain operation, when it says (a create answered
        /// by taking over or renaming an existing account).
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The operation failed; the error's `Display` (which never holds a secret).
    Failed {
        /// The error.
        error: String,
    },
    /// Not carried out: a dry run, or the plan's skip reason.
    Skipped {
        /// Why.
        reason: String,
    },
    /// A person must act.
    Manual {
        /// What to do.
        instructions: Cow<'static, str>,
    },
}

impl Outcome {
    /// `done`, `failed`, `skipped` or `manual`.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Done { .. } => "done",
            Outcome::Failed { .. } => "failed",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Manual { .. } => "manual",
        }
    }
}

/// One line of a [`SyncReport`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ReportItem {
    /// Whose line.
    pub email: Email,
    /// What the plan said to do.
    pub action: ActionKind,
    /// The plan's detail (changes, reasons).
    pub detail: String,
    /// What happened.
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl ReportItem {
    pub(crate) fn new(email: Email, action: &Action, outcome: Outcome) -> Self {
        Self {
            email,
            action: action.kind(),
            detail: action.detail(),
            outcome,
        }
    }
}

/// Counts of a report's outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReportCounts {
    /// Operations that succeeded.
    pub done: usize,
    /// Operations that failed.
    pub failed: usize,
    /// Items not carried out (dry run, skips).
    pub skipped: usize,
    /// Users the plan found unchanged (no item).
    pub unchanged: usize,
    /// Manual actions.
    pub manual: usize,
}

/// What [`apply`](super::apply()) did, item by item.
///
/// `Display` prints an aligned table; `serde` gives JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SyncReport {
    /// The target app.
    pub app: AppId,
    /// `true` when nothing was sent (dry run).
    pub dry_run: bool,
    /// One item per plan item, in plan order.
    pub items: Vec<ReportItem>,
    /// The plan's unchanged users (no item).
    pub unchanged: usize,
    /// The plan's guard outcome, when it tripped.
    pub guard: Option<GuardTripped>,
    /// The plan's membership guard outcome, when it tripped (group removals withheld).
    pub membership_guard: Option<MembershipGuardTripped>,
    /// Why nothing was applied, when apply refused the plan as a whole (for example a
    /// plan made for another app).
    pub aborted: Option<String>,
    /// Why the run stopped before the end of the plan, when a guard stopped it (for
    /// example a lost lease, see [`apply_guarded`](super::apply_guarded())); the
    /// operations after the stop are skipped with this reason.
    pub stopped: Option<String>,
}

impl SyncReport {
    /// Counts by outcome.
    pub fn counts(&self) -> ReportCounts {
        let mut c = ReportCounts {
            unchanged: self.unchanged,
            ..ReportCounts::default()
        };
        for i in &self.items {
            match i.outcome {
                Outcome::Done { .. } => c.done += 1,
                Outcome::Failed { .. } => c.failed += 1,
                Outcome::Skipped { .. } => c.skipped += 1,
                Outcome::Manual { .. } => c.manual += 1,
            }
        }
        c
    }

    /// The failed items.
    pub fn failures(&self) -> impl Iterator<Item = &ReportItem> + '_ {
        self.items
            .iter()
            .filter(|i| matches!(i.outcome, Outcome::Failed { .. }))
    }

    /// `true` when nothing failed, neither guard tripped, the plan was not refused and
    /// the run was not stopped. Manual actions do not make a report unsuccessful.
    pub fn is_success(&self) -> bool {
        self.aborted.is_none()
            && self.stopped.is_none()
            && self.guard.is_none()
            && self.membership_guard.is_none()
            && self.failures().next().is_none()
    }
}

/// Writes rows as columns padded to the widest cell (the last column is not padded).
pub(crate) fn write_table(
    f: &mut fmt::Formatter<'_>,
    header: &[&str],
    rows: &[Vec<String>],
) -> fmt::Result {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |f: &mut fmt::Formatter<'_>, cells: &mut dyn Iterator<Item = &str>| {
        let mut first = true;
        let mut out = String::new();
        for (cell, w) in cells.zip(&widths) {
            if !first {
                out.push_str("  ");
            }
            first = false;
            out.push_str(cell);
            out.extend(std::iter::repeat_n(
                ' ',
                w.saturating_sub(cell.chars().count()),
            ));
        }
        writeln!(f, "{}", out.trim_end())
    };
    line(f, &mut header.iter().copied())?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(f, &mut rule.iter().map(String::as_str))?;
    for row in rows {
        line(f, &mut row.iter().map(String::as_str))?;
    }
    Ok(())
}

impl fmt::Display for SyncPlan {
    /// ```
    /// use idgraph_common::graph::{plan, catalog, DirectoryUser, SyncPolicy};
    /// let p = plan(&[DirectoryUser::new("ada@example.com")], &[],
    ///              catalog::scim(), &SyncPolicy::default());
    /// assert_eq!(p.to_string(), "\
    /// Plan for scim: 1 create, 0 update, 0 rename, 0 deactivate, 0 delete, 0 manual, 0 skip, 0 unchanged
    /// ACTION  EMAIL            DETAIL
    /// ------  ---------------  ------
    /// create  ada@example.com
    /// ");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.counts();
        writeln!(
            f,
            "Plan for {}{}: {} create, {} update, {} rename, {} deactivate, {} delete, {} manual, \
             {} skip, {} unchanged{}",
            self.app,
            if self.read_blind { " (read-blind)" } else { "" },
            c.create,
            c.update,
            c.rename,
            c.deactivate,
            c.delete,
            c.manual,
            c.skip,
            c.unchanged,
            if c.unchanged > 0 { " (not listed)" } else { "" }
        )?;
        if let Some(g) = &self.guard {
            writeln!(f, "GUARD: {g}")?;
        }
        if let Some(g) = &self.membership_guard {
            writeln!(f, "GUARD: {g}")?;
        }
        let rows: Vec<Vec<String>> = self
            .items
            .iter()
            .map(|i| {
                vec![
                    i.action.label().to_owned(),
                    i.email.to_string(),
                    i.action.detail(),
                ]
            })
            .collect();
        write_table(f, &["ACTION", "EMAIL", "DETAIL"], &rows)
    }
}

impl fmt::Display for SyncReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.counts();
        writeln!(
            f,
            "Sync report for {}{}: {} done, {} failed, {} skipped, {} manual, {} unchanged",
            self.app,
            if self.dry_run { " (dry run)" } else { "" },
            c.done,
            c.failed,
            c.skipped,
            c.manual,
            c.unchanged
        )?;
        if let Some(a) = &self.aborted {
            writeln!(f, "ABORTED: {a}")?;
        }
        if let Some(s) = &self.stopped {
            writeln!(f, "STOPPED: {s}")?;
        }
        if let Some(g) = &self.guard {
            writeln!(f, "GUARD: {g}")?;
        }
        if let Some(g) = &self.membership_guard {
            writeln!(f, "GUARD: {g}")?;
        }
        let rows: Vec<Vec<String>> = self
            .items
            .iter()
            .map(|i| {
                let result = match &i.outcome {
                    Outcome::Done { note, .. } => note.clone().unwrap_or_default(),
                    Outcome::Failed { error } => error.clone(),
                    Outcome::Skipped { reason } => reason.clone(),
                    Outcome::Manual { .. } => String::new(),
                };
                let detail = match (i.detail.is_empty(), result.is_empty()) {
                    (_, true) => i.detail.clone(),
                    (true, false) => result,
                    (false, false) if result == i.detail => result,
                    (false, false) => format!("{} — {}", i.detail, result),
                };
                vec![
                    i.action.as_str().to_owned(),
                    i.email.to_string(),
                    i.outcome.label().to_owned(),
                    detail,
                ]
            })
            .collect();
        write_table(f, &["ACTION", "EMAIL", "OUTCOME", "DETAIL"], &rows)
    }
}
