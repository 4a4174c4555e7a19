//! [`plan`]: the pure reconciliation of a source directory against a target app.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;

use serde::Serialize;

use super::catalog::{App, CatalogEntry, Operation};
use super::directory::{DirectoryUser, Email};
use super::policy::{Deprovision, GuardTripped, SyncPolicy};

/// A user attribute that reconciliation compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Field {
    /// [`DirectoryUser::given_name`].
    GivenName,
    /// [`DirectoryUser::family_name`].
    FamilyName,
    /// [`DirectoryUser::display_name`].
    DisplayName,
    /// [`DirectoryUser::external_id`].
    ExternalId,
    /// [`DirectoryUser::active`].
    Active,
    /// [`DirectoryUser::groups`] (only for targets that manage groups).
    Groups,
}

impl Field {
    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::GivenName => "given_name",
            Field::FamilyName => "family_name",
            Field::DisplayName => "display_name",
            Field::ExternalId => "external_id",
            Field::Active => "active",
            Field::Groups => "groups",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field-level difference of an update.
///
/// ```
/// use idgraph_common::graph::{Field, FieldChange};
/// let c = FieldChange::Text { field: Field::GivenName, from: Some("Jon".into()), to: Some("John".into()) };
/// assert_eq!(c.to_string(), r#"given_name: "Jon" → "John""#);
/// assert_eq!(c.field(), Field::GivenName);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldChange {
    /// A text attribute (names, external id).
    Text {
        /// Which one.
        field: Field,
        /// The target's value.
        from: Option<String>,
        /// The source's value.
        to: Option<String>,
    },
    /// The active flag (an inactive target user the source has active: reactivation).
    Active {
        /// The target's value.
        from: bool,
        /// The source's value.
        to: bool,
    },
    /// Group membership, compared as sets.
    Groups {
        /// Groups to join, sorted.
        added: Vec<String>,
        /// Groups to leave, sorted.
        removed: Vec<String>,
    },
}

impl FieldChange {
    /// The field that changes.
    pub fn field(&self) -> Field {
        match self {
            FieldChange::Text { field, .. } => *field,
            FieldChange::Active { .. } => Field::Active,
            FieldChange::Groups { .. } => Field::Groups,
        }
    }
}

impl fmt::Display for FieldChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn opt(f: &mut fmt::Formatter<'_>, v: &Option<String>) -> fmt::Result {
            match v {
                Some(s) => write!(f, "{s:?}"),
                None => f.write_str("(none)"),
            }
        }
        match self {
            FieldChange::Text { field, from, to } => {
                write!(f, "{field}: ")?;
                opt(f, from)?;
                f.write_str(" → ")?;
                opt(f, to)
            }
            FieldChange::Active { from, to } => write!(f, "active: {from} → {to}"),
            FieldChange::Groups { added, removed } => {
                f.write_str("groups:")?;
                for g in added {
                    write!(f, " +{g}")?;
                }
                for g in removed {
                    write!(f, " -{g}")?;
                }
                Ok(())
            }
        }
    }
}

/// Why a user is deprovisioned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeprovisionReason {
    /// The target user has no counterpart in the source.
    AbsentFromSource,
    /// The source marks the user inactive.
    InactiveInSource,
}

impl fmt::Display for DeprovisionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeprovisionReason::AbsentFromSource => "absent from source",
            DeprovisionReason::InactiveInSource => "inactive in source",
        })
    }
}

/// Why a user is left alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SkipReason {
    /// The policy excludes the email.
    Excluded,
    /// Source and target agree.
    Unchanged,
    /// Absent from (or inactive in) the source, and already inactive in the target.
    AlreadyInactive,
    /// Inactive in the source and absent from the target: nothing to create.
    InactiveInSource,
    /// Absent from the source, but the policy says [`Deprovision::None`].
    DeprovisionDisabled,
    /// The mass-deprovision guard withheld this operation (see [`SyncPlan::guard`]).
    GuardWithheld {
        /// The operation that was withheld.
        operation: Operation,
    },
    /// The source lists this email (case-insensitively) more than once: which record
    /// is right is the source's problem to fix, so nothing is done for it.
    DuplicateInSource {
        /// How many source records share the email.
        count: usize,
    },
    /// The target lists this email more than once: nothing is done for it.
    DuplicateInTarget {
        /// How many target records share the email.
        count: usize,
    },
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Excluded => f.write_str("excluded by policy"),
            SkipReason::Unchanged => f.write_str("unchanged"),
            SkipReason::AlreadyInactive => f.write_str("already inactive"),
            SkipReason::InactiveInSource => f.write_str("inactive in source; not created"),
            SkipReason::DeprovisionDisabled => {
                f.write_str("absent from source; deprovisioning disabled by policy")
            }
            SkipReason::GuardWithheld { operation } => {
                write!(f, "{operation} withheld by the mass-deprovision guard")
            }
            SkipReason::DuplicateInSource { count } => {
                write!(f, "{count} source records share this email; fix the source")
            }
            SkipReason::DuplicateInTarget { count } => {
                write!(f, "{count} target records share this email; fix the target")
            }
        }
    }
}

/// What the plan does for one user.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Create the user in the target.
    Create {
        /// The user to create (source values; no `app_id`).
        user: Box<DirectoryUser>,
    },
    /// Bring an existing target user to the source's values.
    Update {
        /// The target user as listed.
        current: Box<DirectoryUser>,
        /// The target user with the changes applied (what [`UserDirectory::update`]
        /// receives).
        ///
        /// [`UserDirectory::update`]: super::UserDirectory::update
        desired: Box<DirectoryUser>,
        /// What changes, field by field.
        changes: Vec<FieldChange>,
    },
    /// Deactivate the target user.
    Deactivate {
        /// The target user as listed.
        user: Box<DirectoryUser>,
        /// Why.
        reason: DeprovisionReason,
    },
    /// Delete the target user.
    Delete {
        /// The target user as listed.
        user: Box<DirectoryUser>,
        /// Why.
        reason: DeprovisionReason,
    },
    /// Nothing to do.
    Skip {
        /// Why.
        reason: SkipReason,
    },
    /// A person must act: the target has no API for this operation.
    Manual {
        /// The operation that has no API.
        operation: Operation,
        /// What to do (from the target's catalog entry).
        instructions: &'static str,
    },
}

impl Action {
    /// The operation this action performs through the API, if any.
    pub fn operation(&self) -> Option<Operation> {
        match self {
            Action::Create { .. } => Some(Operation::Create),
            Action::Update { .. } => Some(Operation::Update),
            Action::Deactivate { .. } => Some(Operation::Deactivate),
            Action::Delete { .. } => Some(Operation::Delete),
            Action::Skip { .. } | Action::Manual { .. } => None,
        }
    }

    /// The kind of action.
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Create { .. } => ActionKind::Create,
            Action::Update { .. } => ActionKind::Update,
            Action::Deactivate { .. } => ActionKind::Deactivate,
            Action::Delete { .. } => ActionKind::Delete,
            Action::Skip { .. } => ActionKind::Skip,
            Action::Manual { .. } => ActionKind::Manual,
        }
    }

    /// A short label: `create`, `update`, `deactivate`, `delete`, `skip`, `manual`.
    pub fn label(&self) -> &'static str {
        self.kind().as_str()
    }

    /// One line saying what and why (the changes of an update, the reason of a skip…).
    ///
    /// ```
    /// use idgraph_common::graph::{Action, SkipReason};
    /// let a = Action::Skip { reason: SkipReason::Excluded };
    /// assert_eq!(a.detail(), "excluded by policy");
    /// ```
    pub fn detail(&self) -> String {
        match self {
            Action::Create { .. } => String::new(),
            Action::Update { changes, .. } => changes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
            Action::Deactivate { reason, .. } | Action::Delete { reason, .. } => reason.to_string(),
            Action::Skip { reason } => reason.to_string(),
            Action::Manual {
                operation,
                instructions,
            } => format!("{operation}: {instructions}"),
        }
    }
}

/// The kind of an [`Action`], without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ActionKind {
    /// [`Action::Create`].
    Create,
    /// [`Action::Update`].
    Update,
    /// [`Action::Deactivate`].
    Deactivate,
    /// [`Action::Delete`].
    Delete,
    /// [`Action::Skip`].
    Skip,
    /// [`Action::Manual`].
    Manual,
}

impl ActionKind {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Create => "create",
            ActionKind::Update => "update",
            ActionKind::Deactivate => "deactivate",
            ActionKind::Delete => "delete",
            ActionKind::Skip => "skip",
            ActionKind::Manual => "manual",
        }
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of a [`SyncPlan`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PlanItem {
    /// Whose line.
    pub email: Email,
    /// What to do.
    #[serde(flatten)]
    pub action: Action,
}

/// Counts of a plan's items by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PlanCounts {
    /// Creates.
    pub create: usize,
    /// Updates.
    pub update: usize,
    /// Deactivations.
    pub deactivate: usize,
    /// Deletions.
    pub delete: usize,
    /// Manual actions.
    pub manual: usize,
    /// Skips other than "unchanged".
    pub skip: usize,
    /// Unchanged users.
    pub unchanged: usize,
}

/// The result of [`plan`]: what reconciliation would do, item by item.
///
/// Items come in source order, then target-only users in target order. `Display` prints
/// an aligned table of every item except unchanged users (`{:#}` includes those too);
/// `serde` gives JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SyncPlan {
    /// The target app.
    pub app: App,
    /// `true` when the target is read-blind: every item is manual or skipped.
    pub read_blind: bool,
    /// One item per user (two when a target has no delete API: a deactivation and the
    /// manual delete).
    pub items: Vec<PlanItem>,
    /// `Some` when the mass-deprovision guard withheld every deactivation and deletion
    /// (they appear as [`SkipReason::GuardWithheld`]).
    pub guard: Option<GuardTripped>,
}

impl SyncPlan {
    /// Counts by kind.
    pub fn counts(&self) -> PlanCounts {
        let mut c = PlanCounts::default();
        for item in &self.items {
            match &item.action {
                Action::Create { .. } => c.create += 1,
                Action::Update { .. } => c.update += 1,
                Action::Deactivate { .. } => c.deactivate += 1,
                Action::Delete { .. } => c.delete += 1,
                Action::Manual { .. } => c.manual += 1,
                Action::Skip {
                    reason: SkipReason::Unchanged,
                } => c.unchanged += 1,
                Action::Skip { .. } => c.skip += 1,
            }
        }
        c
    }

    /// `true` when applying the plan would call the target API at least once.
    pub fn has_operations(&self) -> bool {
        self.items.iter().any(|i| i.action.operation().is_some())
    }

    /// `true` when there is nothing to do: no operation, no manual action, and the
    /// guard did not trip. Planning again right after a successful
    /// [`apply`](super::apply()) gives such a plan.
    pub fn is_noop(&self) -> bool {
        self.guard.is_none()
            && self
                .items
                .iter()
                .all(|i| matches!(i.action, Action::Skip { .. }))
    }

    /// The items whose action is not `skip`.
    pub fn actionable(&self) -> impl Iterator<Item = &PlanItem> + '_ {
        self.items
            .iter()
            .filter(|i| !matches!(i.action, Action::Skip { .. }))
    }
}

/// Plans the reconciliation of `target` (the app's users, as listed) against `source`
/// (the authoritative directory), under `policy`.
///
/// A pure function: no I/O, deterministic, linear in the input. Users are matched by
/// [`Email`] (case-insensitively).
///
/// * In source, not in target, active → **create**; inactive → skip.
/// * In both → **update** with field-level [`FieldChange`]s for given name, family
///   name, display name, external id, active (reactivation) and — when the target's
///   catalog says it manages groups and the policy syncs them — groups as a set. A
///   source value of `None` (or `""`) means "the source does not say" and never clears
///   the target's value. Inactive in the source → **deactivate** (never delete).
/// * In target, not in source → per [`Deprovision`]: deactivate (already inactive →
///   skip), delete, or skip.
/// * Excluded emails → skip, in both directions. Emails the source or the target lists
///   more than once → skip with a duplicate reason, in both directions (never a guess).
/// * Operations the target's catalog marks as not available by API become
///   [`Action::Manual`] with the catalog's instructions (for example Hyperproof's hard
///   delete: the user is deactivated by SCIM and a manual delete is listed).
/// * **Read-blind targets** (Proof, Tessian) cannot list users, so their state is
///   unknown: pass an empty `target` (or an export, if you have one). Every source user
///   in scope gets a manual action — active users the IdP *assign* step, inactive users
///   the IdP *unassign* step — and target users you supplied that are absent from the
///   source get the deprovision step. Manual actions are reviewed by a person and do
///   not count towards the guard.
/// * **The guard** ([`SyncPolicy`]): when the deactivations and deletions exceed the
///   allowed share, or the source is empty, none of them is planned; each appears as
///   [`SkipReason::GuardWithheld`] and [`SyncPlan::guard`] says why.
///
/// Why a `SyncPlan` with a guard outcome rather than an `Err`: the withheld items are
/// exactly what an operator needs to see to decide, creates and updates stay useful,
/// and a withheld item is not an operation, so [`apply`](super::apply()) cannot carry it
/// out by construction. [`Bridge`](super::bridge::Bridge) counts a tripped guard as a
/// failed run.
///
/// ```
/// use idgraph_common::graph::{plan, catalog, Action, DirectoryUser, SyncPolicy, catalog::App};
///
/// let source = [
///     DirectoryUser::new("ada@example.com").with_names("Ada", "Lovelace"),
///     DirectoryUser::new("bob@example.com").with_active(false),
/// ];
/// let target = [
///     DirectoryUser::new("BOB@example.com").with_app_id("2"),
///     DirectoryUser::new("carol@example.com").with_app_id("3"),
/// ];
/// let p = plan(&source, &target, catalog::entry(App::Probo),
///              &SyncPolicy::default().max_deprovision_share(1.0));
/// let labels: Vec<_> = p.items.iter().map(|i| (i.email.as_str(), i.action.label())).collect();
/// assert_eq!(labels, [
///     ("ada@example.com", "create"),
///     ("BOB@example.com", "deactivate"), // the target's spelling
///     ("carol@example.com", "deactivate"),
/// ]);
/// assert!(p.guard.is_none());
/// ```
#[must_use = "a plan does nothing until applied"]
pub fn plan(
    source: &[DirectoryUser],
    target: &[DirectoryUser],
    target_app: &CatalogEntry,
    policy: &SyncPolicy,
) -> SyncPlan {
    Planner::new(source, target, target_app, policy).run()
}

/// First index and number of records per email key.
type Index<'a> = HashMap<&'a str, (usize, usize)>;

fn index(users: &[DirectoryUser]) -> Index<'_> {
    let mut map: Index<'_> = HashMap::with_capacity(users.len());
    for (i, u) in users.iter().enumerate() {
        match map.entry(u.email.key()) {
            Entry::Occupied(mut e) => e.get_mut().1 += 1,
            Entry::Vacant(e) => {
                e.insert((i, 1));
            }
        }
    }
    map
}

struct Planner<'a> {
    source: &'a [DirectoryUser],
    target: &'a [DirectoryUser],
    entry: &'a CatalogEntry,
    policy: &'a SyncPolicy,
    groups: bool,
    read_blind: bool,
    items: Vec<PlanItem>,
    /// Non-excluded distinct source emails.
    source_in_scope: usize,
    /// Target users the policy could deprovision.
    candidates: usize,
}

impl<'a> Planner<'a> {
    fn new(
        source: &'a [DirectoryUser],
        target: &'a [DirectoryUser],
        entry: &'a CatalogEntry,
        policy: &'a SyncPolicy,
    ) -> Self {
        Self {
            source,
            target,
            entry,
            policy,
            groups: entry.lifecycle.manages_groups && policy.groups_synced(),
            read_blind: !entry.by_api(Operation::List),
            items: Vec::with_capacity(source.len().max(target.len()) + 16),
            source_in_scope: 0,
            candidates: 0,
        }
    }

    fn push(&mut self, email: &Email, action: Action) {
        self.items.push(PlanItem {
            email: email.clone(),
            action,
        });
    }

    fn skip(&mut self, email: &Email, reason: SkipReason) {
        self.push(email, Action::Skip { reason });
    }

    fn manual(&mut self, email: &Email, operation: Operation) {
        let instructions = self.entry.step(operation).how;
        self.push(
            email,
            Action::Manual {
                operation,
                instructions,
            },
        );
    }

    /// Plans an API operation, or the manual step when the target has no API for it.
    fn operation(&mut self, email: &Email, action: Action) {
        let Some(op) = action.operation() else {
            self.push(email, action);
            return;
        };
        if self.entry.by_api(op) {
            self.push(email, action);
            return;
        }
        // No API for this operation. A delete we cannot make should at least be a
        // deactivation we can.
        if let Action::Delete { user, reason } = &action
            && user.active
            && self.entry.by_api(Operation::Deactivate)
        {
            let deactivate = Action::Deactivate {
                user: user.clone(),
                reason: *reason,
            };
            self.push(email, deactivate);
        }
        self.manual(email, op);
    }

    fn run(mut self) -> SyncPlan {
        let src = index(self.source);
        let tgt = index(self.target);
        let source = self.source;
        let target = self.target;

        for (i, s) in source.iter().enumerate() {
            let key = s.email.key();
            let Some(&(first, count)) = src.get(key) else {
                continue;
            };
            if first != i {
                continue;
            }
            if self.policy.is_excluded(&s.email) {
                self.skip(&s.email, SkipReason::Excluded);
                continue;
            }
            self.source_in_scope += 1;
            let t = tgt.get(key).map(|&(ti, tc)| (&target[ti], tc));
            if let Some((t, tc)) = t
                && !self.read_blind
            {
                self.count_candidate(t, tc);
            }
            if count > 1 {
                self.skip(&s.email, SkipReason::DuplicateInSource { count });
                continue;
            }
            if self.read_blind {
                let op = if s.active {
                    Operation::Create
                } else {
                    Operation::Deactivate
                };
                self.manual(&s.email, op);
                continue;
            }
            match t {
                Some((t, tc)) if tc > 1 => {
                    self.skip(&t.email, SkipReason::DuplicateInTarget { count: tc })
                }
                Some((t, _)) => self.both(s, t),
                None if s.active => {
                    let mut user = s.clone();
                    user.app_id = None;
                    if !self.groups {
                        user.groups.clear();
                    }
                    self.operation(
                        &s.email,
                        Action::Create {
                            user: Box::new(user),
                        },
                    );
                }
                None => self.skip(&s.email, SkipReason::InactiveInSource),
            }
        }

        for (i, t) in target.iter().enumerate() {
            let key = t.email.key();
            if src.contains_key(key) {
                continue;
            }
            let Some(&(first, count)) = tgt.get(key) else {
                continue;
            };
            if first != i {
                continue;
            }
            if self.policy.is_excluded(&t.email) {
                self.skip(&t.email, SkipReason::Excluded);
                continue;
            }
            if !self.read_blind {
                self.count_candidate(t, count);
            }
            if count > 1 {
                self.skip(&t.email, SkipReason::DuplicateInTarget { count });
                continue;
            }
            self.absent(t);
        }

        let guard = if self.read_blind {
            None
        } else {
            let deprovisions = self
                .items
                .iter()
                .filter(|i| matches!(i.action, Action::Deactivate { .. } | Action::Delete { .. }))
                .count();
            self.policy
                .check_guard(self.source_in_scope, self.candidates, deprovisions)
        };
        if guard.is_some() {
            for item in &mut self.items {
                if let Some(op @ (Operation::Deactivate | Operation::Delete)) =
                    item.action.operation()
                {
                    item.action = Action::Skip {
                        reason: SkipReason::GuardWithheld { operation: op },
                    };
                }
            }
        }
        SyncPlan {
            app: self.entry.app,
            read_blind: self.read_blind,
            items: self.items,
            guard,
        }
    }

    /// Counts a (unique, not excluded) target user towards the guard's denominator.
    fn count_candidate(&mut self, t: &DirectoryUser, count: usize) {
        if count == 1 && (t.active || self.policy.deprovision_mode() == Deprovision::Delete) {
            self.candidates += 1;
        }
    }

    /// A target user absent from the source.
    fn absent(&mut self, t: &DirectoryUser) {
        let reason = DeprovisionReason::AbsentFromSource;
        match self.policy.deprovision_mode() {
            Deprovision::Delete if self.read_blind => self.manual(&t.email, Operation::Delete),
            Deprovision::Delete => self.operation(
                &t.email,
                Action::Delete {
                    user: Box::new(t.clone()),
                    reason,
                },
            ),
            _ if !t.active => self.skip(&t.email, SkipReason::AlreadyInactive),
            Deprovision::Deactivate if self.read_blind => {
                self.manual(&t.email, Operation::Deactivate)
            }
            Deprovision::Deactivate => self.operation(
                &t.email,
                Action::Deactivate {
                    user: Box::new(t.clone()),
                    reason,
                },
            ),
            _ => self.skip(&t.email, SkipReason::DeprovisionDisabled),
        }
    }

    /// A user present in both.
    fn both(&mut self, s: &DirectoryUser, t: &DirectoryUser) {
        if !s.active {
            if t.active {
                self.operation(
                    &t.email,
                    Action::Deactivate {
                        user: Box::new(t.clone()),
                        reason: DeprovisionReason::InactiveInSource,
                    },
                );
            } else {
                self.skip(&t.email, SkipReason::AlreadyInactive);
            }
            return;
        }
        let changes = diff(s, t, self.groups);
        if changes.is_empty() {
            self.skip(&t.email, SkipReason::Unchanged);
            return;
        }
        let mut desired = t.clone();
        for c in &changes {
            match c {
                FieldChange::Text { field, to, .. } => {
                    let slot = match field {
                        Field::GivenName => &mut desired.given_name,
                        Field::FamilyName => &mut desired.family_name,
                        Field::DisplayName => &mut desired.display_name,
                        _ => &mut desired.external_id,
                    };
                    slot.clone_from(to);
                }
                FieldChange::Active { to, .. } => desired.active = *to,
                FieldChange::Groups { .. } => desired.groups = dedup(&s.groups),
            }
        }
        self.operation(
            &t.email,
            Action::Update {
                current: Box::new(t.clone()),
                desired: Box::new(desired),
                changes,
            },
        );
    }
}

/// `None` and `""` both mean "not set".
fn norm(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

fn dedup(groups: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(groups.len());
    for g in groups {
        if !out.contains(g) {
            out.push(g.clone());
        }
    }
    out
}

/// The field-level differences that bring `t` to `s` (both active in the source).
fn diff(s: &DirectoryUser, t: &DirectoryUser, groups: bool) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    let text = [
        (Field::GivenName, &s.given_name, &t.given_name),
        (Field::FamilyName, &s.family_name, &t.family_name),
        (Field::DisplayName, &s.display_name, &t.display_name),
        (Field::ExternalId, &s.external_id, &t.external_id),
    ];
    for (field, sv, tv) in text {
        if let Some(want) = norm(sv)
            && norm(tv) != Some(want)
        {
            changes.push(FieldChange::Text {
                field,
                from: norm(tv).map(str::to_owned),
                to: Some(want.to_owned()),
            });
        }
    }
    if !t.active {
        changes.push(FieldChange::Active {
            from: false,
            to: true,
        });
    }
    if groups && s.groups != t.groups {
        let mut added: Vec<String> = s
            .groups
            .iter()
            .filter(|g| !t.groups.contains(g))
            .cloned()
            .collect();
        let mut removed: Vec<String> = t
            .groups
            .iter()
            .filter(|g| !s.groups.contains(g))
            .cloned()
            .collect();
        added.sort();
        added.dedup();
        removed.sort();
        removed.dedup();
        if !added.is_empty() || !removed.is_empty() {
            changes.push(FieldChange::Groups { added, removed });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::catalog;

    #[test]
    fn empty_string_is_not_set() {
        let s = DirectoryUser::new("a@x.io").with_display_name("");
        let t = DirectoryUser::new("a@x.io").with_display_name("Ann");
        assert!(diff(&s, &t, false).is_empty());
        let s = DirectoryUser::new("a@x.io").with_external_id("e1");
        let t = DirectoryUser::new("a@x.io").with_external_id("");
        assert_eq!(
            diff(&s, &t, false),
            [FieldChange::Text {
                field: Field::ExternalId,
                from: None,
                to: Some("e1".into())
            }]
        );
    }

    #[test]
    fn group_order_and_duplicates_do_not_matter() {
        let s = DirectoryUser::new("a@x.io").with_groups(["b", "a", "a"]);
        let t = DirectoryUser::new("a@x.io").with_groups(["a", "b"]);
        assert!(diff(&s, &t, true).is_empty());
    }

    #[test]
    fn hyperproof_delete_becomes_deactivate_plus_manual() {
        let p = plan(
            &[DirectoryUser::new("keep@x.io")],
            &[
                DirectoryUser::new("keep@x.io"),
                DirectoryUser::new("gone@x.io").with_app_id("9"),
            ],
            catalog::entry(App::Hyperproof),
            &SyncPolicy::default()
                .deprovision(Deprovision::Delete)
                .max_deprovision_share(1.0),
        );
        let labels: Vec<_> = p.actionable().map(|i| i.action.label()).collect();
        assert_eq!(labels, ["deactivate", "manual"]);
    }
}
