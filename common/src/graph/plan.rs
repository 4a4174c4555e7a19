//! [`plan`]: the pure reconciliation of a source directory against a target app.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use super::catalog::{AppId, Attributes, CatalogEntry, Operation, Route};
use super::directory::Email;
use super::policy::{Deprovision, GuardTripped, MembershipGuardTripped, SyncPolicy};
use super::prefetch::{prefetch, prefetch_item};
use super::user::{DirectoryUser, EmailRef, GroupNames};

/// A user attribute that reconciliation compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// [`DirectoryUser::is_active`].
    Active,
    /// [`DirectoryUser::groups`] (only for targets that report groups).
    Groups,
    /// [`DirectoryUser::role`] (only for targets that report a role, and only when the
    /// source names one).
    Role,
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
            Field::Role => "role",
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldChange {
    /// A text attribute (names, external id, role).
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SkipReason {
    /// The policy excludes the email.
    Excluded,
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
    /// Several target accounts carry this person's link key: which one is theirs is the
    /// target's problem to fix, so nothing is done for the person.
    LinkKeySharedInTarget {
        /// How many target accounts share the link key.
        count: usize,
    },
    /// The person's link key matches one account and their email another: nothing is
    /// done for either until one of them is fixed.
    MatchesTwoAccounts,
    /// Two people in the source claim this account (one by link key, one by email, or
    /// both by email in another case): nothing is done for it or them.
    ClaimedByTwoPeople,
    /// The account with this person's email is linked to someone else (another link
    /// key): it is not taken over, and nothing is created in its place.
    LinkedToAnotherPerson,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Excluded => f.write_str("excluded by policy"),
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
            SkipReason::LinkKeySharedInTarget { count } => write!(
                f,
                "{count} target accounts carry this person's link key; fix the target"
            ),
            SkipReason::MatchesTwoAccounts => f.write_str(
                "the link key matches one account and the email another; fix one of them",
            ),
            SkipReason::ClaimedByTwoPeople => f.write_str(
                "two people in the source claim this account (by link key or email); fix the source",
            ),
            SkipReason::LinkedToAnotherPerson => f.write_str(
                "the account with this email is linked to another person (a different link key); not taken over",
            ),
        }
    }
}

/// What the plan does for one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
        /// The target user with the changes applied (what [`UserDirectory::update_user`]
        /// receives).
        ///
        /// [`UserDirectory::update_user`]: super::UserDirectory::update_user
        desired: Box<DirectoryUser>,
        /// What changes, field by field.
        changes: Vec<FieldChange>,
        /// What the update does besides its changes that a reviewer must know (for
        /// example that the app resets a reactivated member's role: the catalog's
        /// `reactivation_resets_role`). Empty for most updates.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        warnings: Vec<String>,
    },
    /// Change the email of the target account that belongs to this person (their link
    /// key matched, their email changed), by the app's own rename route; then bring the
    /// other fields to the source's values. Never a create and a deprovision.
    Rename {
        /// The target account as listed (its old email).
        current: Box<DirectoryUser>,
        /// The account as it should be: the new email and the source's values.
        desired: Box<DirectoryUser>,
        /// What changes besides the email, field by field.
        changes: Vec<FieldChange>,
        /// What the app's rename loses (the catalog's `rename_loses`); empty where a
        /// rename keeps the account.
        loses: Vec<String>,
        /// As for [`Action::Update`]: what the rename does besides its changes that a
        /// reviewer must know (a reactivation that resets the role).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        warnings: Vec<String>,
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
        instructions: Cow<'static, str>,
    },
}

impl Action {
    /// The operation this action performs through the API, if any.
    pub fn operation(&self) -> Option<Operation> {
        match self {
            Action::Create { .. } => Some(Operation::Create),
            Action::Update { .. } => Some(Operation::Update),
            Action::Rename { .. } => Some(Operation::Rename),
            Action::Deactivate { .. } => Some(Operation::Deactivate),
            Action::Delete { .. } => Some(Operation::Delete),
            Action::Skip { .. } | Action::Manual { .. } => None,
        }
    }

    /// The field-level changes of an update or rename (empty for the other actions).
    pub fn changes(&self) -> &[FieldChange] {
        match self {
            Action::Update { changes, .. } | Action::Rename { changes, .. } => changes,
            _ => &[],
        }
    }

    /// The warnings of an update or rename (empty for the other actions).
    pub fn warnings(&self) -> &[String] {
        match self {
            Action::Update { warnings, .. } | Action::Rename { warnings, .. } => warnings,
            _ => &[],
        }
    }

    /// The kind of action.
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Create { .. } => ActionKind::Create,
            Action::Update { .. } => ActionKind::Update,
            Action::Rename { .. } => ActionKind::Rename,
            Action::Deactivate { .. } => ActionKind::Deactivate,
            Action::Delete { .. } => ActionKind::Delete,
            Action::Skip { .. } => ActionKind::Skip,
            Action::Manual { .. } => ActionKind::Manual,
        }
    }

    /// A short label: `create`, `update`, `rename`, `deactivate`, `delete`, `skip`,
    /// `manual`.
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
            Action::Update {
                changes, warnings, ..
            } => {
                let mut out = changes
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                push_warnings(&mut out, warnings);
                out
            }
            Action::Rename {
                current,
                desired,
                changes,
                loses,
                warnings,
            } => {
                let mut out = format!("{} → {}", current.email(), desired.email());
                for c in changes {
                    out.push_str("; ");
                    out.push_str(&c.to_string());
                }
                if !loses.is_empty() {
                    out.push_str("; loses: ");
                    out.push_str(&loses.join(", "));
                }
                push_warnings(&mut out, warnings);
                out
            }
            Action::Deactivate { reason, .. } | Action::Delete { reason, .. } => reason.to_string(),
            Action::Skip { reason } => reason.to_string(),
            Action::Manual {
                operation,
                instructions,
            } => format!("{operation}: {instructions}"),
        }
    }
}

/// Appends `warnings` to a detail line, each as `; warning: …`.
fn push_warnings(out: &mut String, warnings: &[String]) {
    for w in warnings {
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str("warning: ");
        out.push_str(w);
    }
}

/// The kind of an [`Action`], without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ActionKind {
    /// [`Action::Create`].
    Create,
    /// [`Action::Update`].
    Update,
    /// [`Action::Rename`].
    Rename,
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
            ActionKind::Rename => "rename",
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlanItem {
    /// Whose line.
    pub email: Email,
    /// What to do.
    #[serde(flatten)]
    pub action: Action,
}

/// Counts of a plan's items by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlanCounts {
    /// Creates.
    pub create: usize,
    /// Updates.
    pub update: usize,
    /// Renames (an email change of a linked person).
    pub rename: usize,
    /// Deactivations.
    pub deactivate: usize,
    /// Deletions.
    pub delete: usize,
    /// Manual actions.
    pub manual: usize,
    /// Skips.
    pub skip: usize,
    /// Unchanged users (counted, not listed: see [`SyncPlan::unchanged`]).
    pub unchanged: usize,
}

/// The result of [`plan`]: what reconciliation would do, item by item.
///
/// Items come in source order, then target-only users in target order. Users on whom
/// source and target agree are counted ([`unchanged`](Self::unchanged)), not listed: at
/// a million users a plan is the few that differ, not a copy of the directory. `Display`
/// prints an aligned table of the items; `serde` gives JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SyncPlan {
    /// The target app.
    pub app: AppId,
    /// `true` when the target is read-blind: every item is manual or skipped.
    pub read_blind: bool,
    /// One item per user that needs something or is skipped for a reason (two when a
    /// target has no delete API: a deactivation and the manual delete).
    pub items: Vec<PlanItem>,
    /// How many users source and target agree on (no item).
    #[serde(default)]
    pub unchanged: usize,
    /// `Some` when the mass-deprovision guard withheld every deactivation and deletion
    /// (they appear as [`SkipReason::GuardWithheld`]).
    pub guard: Option<GuardTripped>,
    /// `Some` when the membership guard withheld every group-membership removal (adds
    /// and other changes go ahead; an update left with nothing else appears as
    /// [`SkipReason::GuardWithheld`] for [`Operation::Groups`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub membership_guard: Option<MembershipGuardTripped>,
    /// The fingerprint of the target listing the plan was made from, when it was made
    /// by [`plan_listings`](super::plan_listings) ([`Listing::fingerprint`]); a saved plan
    /// applied with [`apply_reviewed`](super::apply_reviewed) must find the target
    /// unchanged.
    ///
    /// [`Listing::fingerprint`]: super::Listing::fingerprint
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_fingerprint: Option<String>,
}

impl SyncPlan {
    /// Counts by kind.
    pub fn counts(&self) -> PlanCounts {
        let mut c = PlanCounts {
            unchanged: self.unchanged,
            ..PlanCounts::default()
        };
        for item in &self.items {
            match &item.action {
                Action::Create { .. } => c.create += 1,
                Action::Update { .. } => c.update += 1,
                Action::Rename { .. } => c.rename += 1,
                Action::Deactivate { .. } => c.deactivate += 1,
                Action::Delete { .. } => c.delete += 1,
                Action::Manual { .. } => c.manual += 1,
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
            && self.membership_guard.is_none()
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
/// A pure function: no I/O, deterministic, linear in the input.
///
/// **People, not email strings.** A source person is matched to a target account by
/// their stable link key first ([`DirectoryUser::external_id`]: the source's own id,
/// which SCIM apps store as `externalId`; for apps that do not store it, set it on the
/// listed accounts from your own record), then by [`Email`] (case-insensitively):
///
/// * Link key matches, email differs → one **rename** ([`Action::Rename`], old → new),
///   never a create and a deprovision. Where the app's rename loses data (the catalog's
///   `rename_loses`: Proofpoint deletes and recreates) it is planned only when the
///   policy [allows lossy renames](SyncPolicy::allow_lossy_renames), otherwise it is a
///   manual item naming the losses. A person renamed *and* inactive in the source gets a
///   deactivation of the linked account. Renames never count towards the guard.
/// * A person whose link key names one account and whose email another, an account two
///   people claim, a link key several accounts carry, or an account the app itself
///   links to another person → a skip with the reason, for every account and person
///   involved: never an action.
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
/// * A reactivation (an update or rename with `active: false → true`) in an app whose
///   catalog says reactivation resets the role (`reactivation_resets_role`: Probo makes
///   a reactivated member an `EMPLOYEE`) carries a warning
///   ([`Action::warnings`]), and, unless the next plan can set the source's role back by
///   API, is followed by a manual [`Operation::Role`] item naming the admin action.
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
/// use idgraph_common::graph::{plan, catalog, Action, DirectoryUser, SyncPolicy};
///
/// let source = [
///     DirectoryUser::new("ada@example.com").with_names("Ada", "Lovelace"),
///     DirectoryUser::new("bob@example.com").with_active(false),
/// ];
/// let target = [
///     DirectoryUser::new("BOB@example.com").with_app_id("2"),
///     DirectoryUser::new("carol@example.com").with_app_id("3"),
/// ];
/// let p = plan(&source, &target, catalog::scim(),
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

/// One email key: where it first appears on each side, and how often (a view of one
/// entry of [`Slots`]).
#[derive(Clone, Copy)]
struct Slot {
    src: u32,
    src_count: u32,
    tgt: u32,
    tgt_count: u32,
}

/// A [`Slot`] side on which the email does not appear.
const NOWHERE: u32 = u32::MAX;

impl Slot {
    /// The source position of the email's first record.
    fn src(&self) -> Option<usize> {
        (self.src != NOWHERE).then_some(self.src as usize)
    }

    /// The target position of the email's first record.
    fn tgt(&self) -> Option<usize> {
        (self.tgt != NOWHERE).then_some(self.tgt as usize)
    }

    /// How many source records share the email.
    fn src_count(&self) -> usize {
        self.src_count as usize
    }

    /// How many target records share the email.
    fn tgt_count(&self) -> usize {
        self.tgt_count as usize
    }
}

/// The email index: one entry per distinct email key, in order of first appearance
/// (source first, then target-only).
///
/// Positions are `u32` pairs (8 bytes an entry), and the counts are kept only where a key
/// can appear more than once on a side (the exact index): the entries are the planner's
/// largest table, and at a million users a side the memory it touches afresh is a large
/// part of its cost. A side would need more than `u32::MAX - 1` users (over 270 GB of
/// `DirectoryUser`s, 64 bytes each before their text) to reach [`NOWHERE`]; `note`
/// leaves such a record out rather than wrap.
#[derive(Default)]
struct Slots {
    /// Per key: its first source and first target position ([`NOWHERE`] when absent).
    at: Vec<[u32; 2]>,
    /// Per key: how many source and target records carry it; empty when every key
    /// appears at most once on each side ([`index_fast`]'s answer).
    counts: Vec<[u32; 2]>,
}

impl Slots {
    /// Every key's [`Slot`], in order.
    fn iter(&self) -> impl Iterator<Item = Slot> + '_ {
        self.at.iter().enumerate().map(|(i, &[src, tgt])| {
            let [src_count, tgt_count] = self
                .counts
                .get(i)
                .copied()
                .unwrap_or([u32::from(src != NOWHERE), u32::from(tgt != NOWHERE)]);
            Slot {
                src,
                src_count,
                tgt,
                tgt_count,
            }
        })
    }

    /// How many distinct keys.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.at.len()
    }

    /// Keys found once on each side at these positions.
    #[cfg(test)]
    fn pairs(pairs: &[(u32, u32)]) -> Self {
        Self {
            at: pairs.iter().map(|&(s, t)| [s, t]).collect(),
            counts: Vec::new(),
        }
    }
}

/// Records `i` of `side` (0 source, 1 target) in entry `at` of `slots`.
fn note(slots: &mut Slots, at: usize, side: usize, i: usize) {
    let Ok(i) = u32::try_from(i) else { return };
    if i == NOWHERE {
        return;
    }
    if let (Some(first), Some(count)) = (
        slots.at.get_mut(at).and_then(|a| a.get_mut(side)),
        slots.counts.get_mut(at).and_then(|c| c.get_mut(side)),
    ) {
        if *first == NOWHERE {
            *first = i;
        }
        *count = count.saturating_add(1);
    }
}

/// Every distinct email key, in order of first appearance (source first, then
/// target-only): the exact index, keyed by the email key itself.
fn index_exact(source: &[DirectoryUser], target: &[DirectoryUser]) -> Slots {
    let capacity = source.len().max(target.len()) + source.len().min(target.len()) / 8;
    let mut map: HashMap<Cow<'_, str>, usize> = HashMap::with_capacity(capacity);
    let mut slots = Slots {
        at: Vec::with_capacity(capacity),
        counts: Vec::with_capacity(capacity),
    };
    for (side, users) in [(0, source), (1, target)] {
        for (i, u) in users.iter().enumerate() {
            let at = *map.entry(u.email().key()).or_insert_with(|| {
                slots.at.push([NOWHERE; 2]);
                slots.counts.push([0; 2]);
                slots.at.len() - 1
            });
            note(&mut slots, at, side, i);
        }
    }
    slots
}

/// A hasher for keys that are already uniformly random 64-bit hashes.
///
/// The keys of one partition of [`Partitions`] share their top bits, which hashbrown
/// uses as each entry's tag: rotated by half, tags and bucket bits both come from bits
/// that vary within a partition (unrotated, every probe would match every full slot of
/// a group).
#[derive(Default)]
struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.rotate_left(32);
    }
}

/// 64-bit hashes of keys, from a hasher seeded afresh for each plan (foldhash, which is
/// made for short keys; SipHash was a quarter of the planner's time at 1M users). Every match found through them is verified
/// against the keys themselves, so a collision, engineered or not, costs one exact pass
/// ([`Collision`]), never a wrong plan.
fn key_hasher() -> foldhash::fast::RandomState {
    foldhash::fast::RandomState::default()
}

/// How many records a partition of [`Partitions`] is made for, by the join's size.
///
/// Each partition is grouped with its own table (16 to 32 bytes a record, in
/// hashbrown), so partitions should be small; but each record's answer is written
/// back at its position in one array for the whole join (4 bytes a record). While that
/// array fits in the L2 cache (up to [`SMALL_JOIN`] records), small partitions win.
/// Past it, every write of an answer would be a cache miss unless the partitions are
/// few: with 32 to 64 of them (a million users a side), one partition's positions are
/// a few entries apart, so it writes its answers in one forward sweep that the hardware
/// prefetches, while its table (about 1 MB) still stays in L2. In scratch runs of
/// `reconcile`'s cold table (1M users a side), the link index took about 37 ns a user
/// with 4,096-record partitions and 29 ns with 32,768.
fn records_per_partition(records: usize) -> usize {
    if records <= SMALL_JOIN { 4096 } else { 32_768 }
}

/// The largest join [`records_per_partition`] keeps small partitions for: its answers
/// (4 bytes a record) then take 2 MiB.
const SMALL_JOIN: usize = 1 << 19;

/// At most 2^8 = 256 partitions, however large the join: the hashing pass fills every
/// partition at once, two vectors each, and past a few hundred of those write streams
/// the TLB no longer covers them. At 10M users a side a partition then holds about
/// 78,000 records (a table of about 2 MB). In scratch runs of `reconcile`'s cold table
/// at 10M, planning took about 340 ns a user with 256 partitions and 375 with 1,024.
const MAX_PARTITION_BITS: u32 = 8;

/// 64-bit hashes radix-partitioned as they are made, for
/// [`first_with_same_hash`](Self::first_with_same_hash): a radix-partitioned join.
///
/// Why partitioned on arrival rather than counting-sorted afterwards: a counting sort
/// needs every hash written out in record order first, then read twice more (counted,
/// then moved); at a million users a side that is 16 MB written and 32 MB read, far
/// more than the caches hold, only to reorder it. The hashes come from a hasher seeded
/// afresh for each plan, so they are uniformly random and each partition's size is known
/// in advance to within a few standard deviations: each partition's vectors are reserved
/// at that size and filled as records arrive. A partition that gets more simply grows,
/// as any `Vec` does (a copy, never a wrong answer), so forged or unlucky hashes cost
/// time, not correctness.
struct Partitions {
    /// How many top bits of a hash pick its partition (1 to [`MAX_PARTITION_BITS`]).
    bits: u32,
    /// Per partition: its records' hashes, in the order pushed.
    hashes: Vec<Vec<u64>>,
    /// Per partition: its records' positions (the order pushed, from 0), beside
    /// `hashes` (12 bytes a record; a `(u64, u32)` pair would be padded to 16).
    at: Vec<Vec<u32>>,
    /// Records pushed; positions are `u32`s below `u32::MAX`.
    len: u32,
    /// A record was left out (pushed past `u32::MAX - 1` positions): no answer.
    overflowed: bool,
}

impl Partitions {
    /// Room for about `expected` records (more or fewer are fine).
    fn new(expected: usize) -> Self {
        let bits = (expected / records_per_partition(expected))
            .next_power_of_two()
            .trailing_zeros()
            .clamp(1, MAX_PARTITION_BITS);
        let parts = 1usize << bits;
        // A partition's size is binomial with mean `mean` and a standard deviation
        // under √mean: four of them above the mean, few partitions ever grow.
        let mean = expected >> bits;
        let room = mean + 4 * mean.isqrt() + 16;
        Self {
            bits,
            hashes: (0..parts).map(|_| Vec::with_capacity(room)).collect(),
            at: (0..parts).map(|_| Vec::with_capacity(room)).collect(),
            len: 0,
            overflowed: false,
        }
    }

    /// Adds the record at the next position, with hash `h`.
    fn push(&mut self, h: u64) {
        if self.len == u32::MAX - 1 {
            self.overflowed = true;
            return;
        }
        // `bits` is 1 to `MAX_PARTITION_BITS` (8), so the shift is in range and the
        // result below `2^bits`, the number of partitions.
        let p = (h >> (64 - self.bits)) as usize;
        let (Some(hashes), Some(at)) = (self.hashes.get_mut(p), self.at.get_mut(p)) else {
            // Cannot happen (see above); were it to, no answer beats a wrong one.
            self.overflowed = true;
            return;
        };
        hashes.push(h);
        at.push(self.len);
        self.len += 1;
    }

    /// For every record, the position of the first record with the same hash (itself
    /// when it is the first). Each partition is grouped with a small table that stays in
    /// cache, so no probe ever dereferences a string and probes stay in cache however
    /// many records there are. `None` when a record was left out (from `u32::MAX`
    /// records on).
    fn first_with_same_hash(self) -> Option<Vec<u32>> {
        if self.overflowed {
            return None;
        }
        let mut first = vec![0u32; self.len as usize];
        let largest = self.hashes.iter().map(Vec::len).max().unwrap_or(0);
        let mut seen: HashMap<u64, u32, BuildHasherDefault<PreHashed>> =
            HashMap::with_capacity_and_hasher(largest, BuildHasherDefault::default());
        for (hashes, at) in self.hashes.iter().zip(&self.at) {
            seen.clear();
            // A partition holds its records in the order pushed, so the first of each
            // hash is the one with the lowest position.
            for (&h, &g) in hashes.iter().zip(at) {
                *first.get_mut(g as usize)? = *seen.entry(h).or_insert(g);
            }
        }
        Some(first)
    }
}

/// The 64-bit hashes of every user's keys (source users, then target users), made in
/// one pass over the users.
///
/// A user's email and link key are stored side by side, so hashing both at once reads
/// each user from memory once where hashing them in two passes read it twice: at a
/// million users a side the inputs are far larger than the caches, and each such read
/// is a cache miss.
struct KeyHashes {
    /// Of the email keys ([`EmailRef::key_hash`]), partitioned as they are made.
    emails: Partitions,
    /// Of the link keys ([`link_hash`]); [`NO_LINK_KEY`] for a user without one, so
    /// that the link index learns who has a key from these hashes instead of reading
    /// every user again.
    links: Vec<u64>,
}

/// [`KeyHashes::links`] of a user without a link key.
const NO_LINK_KEY: u64 = 0;

/// The hash of link key `key`, never [`NO_LINK_KEY`]: a key whose hash is 0 takes 1, a
/// collision like any other (equal hashes are always checked against the keys).
fn link_hash(state: &foldhash::fast::RandomState, key: &str) -> u64 {
    state.hash_one(key).max(1)
}

impl KeyHashes {
    fn new(
        source: &[DirectoryUser],
        target: &[DirectoryUser],
        state: &foldhash::fast::RandomState,
    ) -> Self {
        let n = source.len() + target.len();
        let (mut emails, mut links) = (Partitions::new(n), Vec::with_capacity(n));
        for u in source.iter().chain(target) {
            emails.push(u.email().key_hash(state));
            links.push(link_key(u).map_or(NO_LINK_KEY, |k| link_hash(state, k)));
        }
        Self { emails, links }
    }
}

/// The same index as [`index_exact`], built from the 64-bit hashes of the email keys
/// (`hashes`: the `ns` source users', then the target users') with
/// [`Partitions::first_with_same_hash`].
///
/// Exactness is restored by the caller: `None` (use [`index_exact`]) when any key
/// appears twice on one side, and every slot's source and target keys are compared while
/// planning.
fn index_fast(ns: usize, hashes: Partitions) -> Option<Slots> {
    let first = hashes.first_with_same_hash()?;

    // `first_with_same_hash` counted every record in a `u32` (`None` past that).
    let ns32 = u32::try_from(ns).ok()?;
    let mut at: Vec<[u32; 2]> = Vec::with_capacity(first.len());
    for (i, &f) in (0..ns32).zip(&first) {
        if f != i {
            return None; // a duplicate in the source
        }
        at.push([i, NOWHERE]);
    }
    for (j, &f) in (0..u32::MAX).zip(first.iter().skip(ns)) {
        // The target's order is not the source's: ask for the entry a later target
        // record will update (see `prefetch`).
        if let Some(&ahead) = first.get(ns + j as usize + AHEAD) {
            prefetch_item(&at, ahead as usize);
        }
        if f == ns32.checked_add(j)? {
            at.push([NOWHERE, j]);
            continue;
        }
        // Matches an earlier record: a source user, once.
        let [_, tgt] = at
            .get_mut(f as usize)
            .filter(|[_, tgt]| f < ns32 && *tgt == NOWHERE)?;
        *tgt = j;
    }
    // Every key appears at most once a side: no counts to keep.
    Some(Slots {
        at,
        counts: Vec::new(),
    })
}

/// How many slots ahead [`plan_slots`](Planner::plan_slots) asks for the text of a
/// target account, and twice as far ahead for the account itself (its text can be
/// asked for only once the account has arrived); the other loops that read a table at
/// target positions in the source's order ask this far ahead too.
const AHEAD: usize = 8;

/// Asks for the target accounts of the slots [`AHEAD`] of slot `k`: the planning loop
/// reads each in the source's order, which is not the target's (see [`prefetch`]).
///
/// [`prefetch`]: super::prefetch
#[inline]
fn ahead(slots: &Slots, target: &[DirectoryUser], k: usize) {
    let account = |k: usize| {
        let [_, t] = *slots.at.get(k)?;
        target.get(t as usize)
    };
    if let Some(t) = account(k + 2 * AHEAD) {
        prefetch(t);
    }
    if let Some(t) = account(k + AHEAD) {
        t.prefetch_heap();
    }
}

/// Two different email keys shared a 64-bit hash (about 1 in 10^7 for a million
/// users), or a person's link key and that of the account their email matched did:
/// plan again with the exact index (which compares link keys themselves).
struct Collision;

/// A person's stable link key (the source's id, `external_id`), if set.
fn link_key(u: &DirectoryUser) -> Option<&str> {
    norm(u.external_id())
}

/// What became of a target account through link keys: one byte per account (a
/// `SkipReason` would make it 16).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Claim {
    /// No person is linked to it by key (it may still match by email).
    Free,
    /// A person's item (a rename, a deactivation) covers it: no item of its own.
    Covered,
    /// Left alone; its item says why.
    Ambiguous(Ambiguity),
}

/// Why link keys leave a target account alone.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ambiguity {
    /// [`SkipReason::MatchesTwoAccounts`].
    TwoAccounts,
    /// [`SkipReason::ClaimedByTwoPeople`].
    TwoPeople,
}

impl Ambiguity {
    fn reason(self) -> SkipReason {
        match self {
            Self::TwoAccounts => SkipReason::MatchesTwoAccounts,
            Self::TwoPeople => SkipReason::ClaimedByTwoPeople,
        }
    }
}

/// Per source index: the one target it matched by email ([`NO_KEY_MATCH`] when none, or
/// when either side holds the email twice).
fn email_pairs(source: &[DirectoryUser], slots: &Slots) -> Vec<u32> {
    let mut pairs = vec![NO_KEY_MATCH; source.len()];
    for slot in slots.iter() {
        if let (Some(si), Some(_), 1, 1) = (slot.src(), slot.tgt(), slot.src_count, slot.tgt_count)
            && let Some(p) = pairs.get_mut(si)
        {
            *p = slot.tgt;
        }
    }
    pairs
}

/// No target account carries the person's link key.
const NO_KEY_MATCH: u32 = u32::MAX;

/// What [`LinkIndex`] knows of one target account, side by side: the planning loop
/// reads all of it for the person whose email matched the account, in the source's
/// order, which is not the target's. At a million accounts each of those reads is a
/// cache miss: kept in three arrays (4, 1 and 1 bytes an account), it was three; one
/// entry of 8 bytes (2 of them padding) is one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Account {
    /// At the first account of each link key: how many target accounts carry that key.
    key_count: u32,
    /// How many source people claim it, by key or email (saturating).
    claims: u8,
    /// What the link keys made of it.
    state: Claim,
}

impl Account {
    /// An account no key and no person has been counted for yet.
    const NEW: Self = Self {
        key_count: 0,
        claims: 0,
        state: Claim::Free,
    };
}

/// Link-key matching, built only when both sides carry link keys.
struct LinkIndex {
    /// Per source index: the first target index carrying the same link key
    /// ([`NO_KEY_MATCH`] when none does, or the person has no key).
    key_target: Vec<u32>,
    /// Per target index: what the index knows of that account.
    accounts: Vec<Account>,
    /// Per source index: `true` for a person taken to carry the link key of the account
    /// their email matched because the two keys' hashes are equal. The planning loop
    /// compares the keys themselves when it reaches the person (it reads both users
    /// there anyway), before it plans anything from them; empty when every such match
    /// was compared while the index was built.
    unverified: Vec<bool>,
}

impl LinkIndex {
    /// `None` when no user on one of the sides has a link key (plain email matching).
    ///
    /// `hashes` are [`KeyHashes::links`]. With `defer`, a person whose link key hashes
    /// like the key of the account their email matched is settled on that account
    /// without reading the keys, and marked [`unverified`](Self::unverified) for the
    /// planning loop to compare; without, the keys are compared here.
    fn build(
        source: &[DirectoryUser],
        target: &[DirectoryUser],
        slots: &Slots,
        policy: &SyncPolicy,
        hashes: &[u64],
        defer: bool,
    ) -> Option<Self> {
        // Who has a key, from the hashes when there are (no user read again).
        let split = hashes.split_at_checked(source.len());
        let keyed = |users: &[DirectoryUser], hashes: Option<&[u64]>| match hashes {
            Some(h) if h.len() == users.len() => h.iter().any(|&h| h != NO_LINK_KEY),
            _ => users.iter().any(DirectoryUser::has_link_key),
        };
        if !keyed(source, split.map(|(s, _)| s)) || !keyed(target, split.map(|(_, t)| t)) {
            return None;
        }
        let pairs = email_pairs(source, slots);
        let ((key_target, accounts), unverified) = split
            .and_then(|(sh, th)| key_matches_fast(source, target, &pairs, (sh, th), defer))
            .unwrap_or_else(|| (key_matches_exact(source, target), Vec::new()));
        let mut index = Self {
            key_target,
            accounts,
            unverified,
        };
        for (k, slot) in slots.iter().enumerate() {
            index.ask_ahead(slots, k);
            let Some((si, s)) = slot.src().and_then(|i| Some((i, source.get(i)?))) else {
                continue;
            };
            if slot.src_count > 1 || policy.excludes(s) {
                continue;
            }
            let by_email = slot.tgt().filter(|_| slot.tgt_count == 1);
            let by_key = index.key_match(si);
            for t in [by_email, by_key.filter(|k| Some(*k) != by_email)]
                .into_iter()
                .flatten()
            {
                if let Some(a) = index.accounts.get_mut(t) {
                    a.claims = a.claims.saturating_add(1);
                }
            }
        }
        Some(index)
    }

    /// The target accounts carrying source person `si`'s link key: the first, and how
    /// many.
    fn key_accounts(&self, si: usize) -> Option<(usize, u32)> {
        let t = *self.key_target.get(si)?;
        if t == NO_KEY_MATCH {
            return None;
        }
        Some((
            t as usize,
            self.accounts.get(t as usize).map_or(0, |a| a.key_count),
        ))
    }

    /// The one target account carrying source person `si`'s link key.
    fn key_match(&self, si: usize) -> Option<usize> {
        match self.key_accounts(si) {
            Some((t, 1)) => Some(t),
            _ => None,
        }
    }

    /// Starts loading what the person of slot `k + AHEAD` will read here: their
    /// email's account's entries (by key, it is the same account for nearly everyone).
    /// Those are read in the source's order, which is not the target's.
    #[inline]
    fn ask_ahead(&self, slots: &Slots, k: usize) {
        if let Some(&[_, t]) = slots.at.get(k + AHEAD) {
            prefetch_item(&self.accounts, t as usize);
        }
    }

    fn claims(&self, t: usize) -> u8 {
        self.accounts.get(t).map_or(0, |a| a.claims)
    }

    /// What the link keys made of target account `t`.
    fn state(&self, t: usize) -> Option<Claim> {
        self.accounts.get(t).map(|a| a.state)
    }

    /// Whether source person `si` was settled on their email's account by equal hashes
    /// of the link keys, not yet by the keys themselves.
    fn unverified(&self, si: usize) -> bool {
        self.unverified.get(si).copied().unwrap_or(false)
    }

    fn set(&mut self, t: usize, claim: Claim) {
        if let Some(a) = self.accounts.get_mut(t) {
            a.state = claim;
        }
    }
}

/// Per source: the first target with the same link key; per target: how many targets
/// share its key (at the first of them; [`Account::key_count`], the rest new). Both as
/// [`LinkIndex`] holds them.
type KeyMatches = (Vec<u32>, Vec<Account>);

/// [`KeyMatches`] through 64-bit hashes of the link keys (`hashes`: the sources', the
/// targets', as [`KeyHashes::links`]; [`Partitions::first_with_same_hash`] over the
/// targets' keys, then the sources'), each grouping verified against the keys
/// themselves. `None` on a hash collision or past `u32::MAX` users: use
/// [`key_matches_exact`].
///
/// `paired` holds, per source, the target it matched by email ([`NO_KEY_MATCH`] when
/// none): a person whose link key equals that account's (nearly everyone in a steady
/// directory) is not joined at all, only compared, and takes that account's key group.
/// Without `defer` the two keys are compared here; with `defer` their hashes are, and
/// the person is `true` in the second vector returned, for the caller to compare the
/// keys (a collision there must discard everything built from this answer).
fn key_matches_fast(
    source: &[DirectoryUser],
    target: &[DirectoryUser],
    paired: &[u32],
    hashes: (&[u64], &[u64]),
    defer: bool,
) -> Option<(KeyMatches, Vec<bool>)> {
    let (source_hashes, target_hashes) = hashes;
    if source_hashes.len() != source.len() || target_hashes.len() != target.len() {
        return None;
    }
    let nt = u32::try_from(target.len()).ok()?;
    let user = |g: u32| {
        if g < nt {
            target.get(g as usize)
        } else {
            source.get((g - nt) as usize)
        }
    };
    // Per source: the target whose key group it shares without a join.
    let mut settled = vec![NO_KEY_MATCH; source.len()];
    let mut unverified = if defer {
        vec![false; source.len()]
    } else {
        Vec::new()
    };
    // The keyed sources not settled so: their record and their key's hash.
    let mut unsettled: Vec<(u32, u64)> = Vec::new();
    for (si, &h) in source_hashes.iter().enumerate() {
        if let Some(&ahead) = paired.get(si + AHEAD) {
            prefetch_item(target_hashes, ahead as usize);
        }
        if h == NO_LINK_KEY {
            continue;
        }
        let pair = paired.get(si).copied().unwrap_or(NO_KEY_MATCH);
        if let Some(&th) = target_hashes
            .get(pair as usize)
            .filter(|&&th| th != NO_LINK_KEY)
        {
            let same = if defer {
                th == h
            } else {
                target.get(pair as usize).and_then(link_key) == source.get(si).and_then(link_key)
            };
            if same {
                *settled.get_mut(si)? = pair;
                if let Some(u) = unverified.get_mut(si) {
                    *u = true;
                }
                continue;
            }
        }
        unsettled.push((nt.checked_add(u32::try_from(si).ok()?)?, h));
    }
    // Every keyed target, then every unsettled source, as a record: targets first, so
    // that the first record of a key that any target carries is a target. Who has a key
    // comes from the hashes ([`NO_LINK_KEY`]): no user is read here but where two hashes
    // are equal (at a million users a side, each pass over the users is a pass over
    // memory far larger than the caches).
    let records = target.len() + unsettled.len();
    let (mut keyed, mut hashes) = (Vec::with_capacity(records), Partitions::new(records));
    for (t, &h) in (0..nt).zip(target_hashes) {
        if h != NO_LINK_KEY {
            keyed.push(t);
            hashes.push(h);
        }
    }
    for (g, h) in unsettled {
        keyed.push(g);
        hashes.push(h);
    }
    let first = hashes.first_with_same_hash()?;
    let mut key_target = vec![NO_KEY_MATCH; source.len()];
    let mut accounts = vec![Account::NEW; target.len()];
    // Per target: the first target of its key group.
    let mut group = vec![NO_KEY_MATCH; target.len()];
    for (p, (&g, &f)) in keyed.iter().zip(&first).enumerate() {
        let fg = *keyed.get(f as usize)?;
        if f as usize != p && link_key(user(g)?) != link_key(user(fg)?) {
            return None; // two keys share a hash
        }
        if g < nt {
            accounts.get_mut(fg as usize)?.key_count += 1;
            *group.get_mut(g as usize)? = fg;
        } else if fg < nt {
            *key_target.get_mut((g - nt) as usize)? = fg;
        }
    }
    for (si, &t) in settled.iter().enumerate() {
        if let Some(&ahead) = settled.get(si + AHEAD) {
            prefetch_item(&group, ahead as usize);
        }
        if t != NO_KEY_MATCH {
            *key_target.get_mut(si)? = *group.get(t as usize)?;
        }
    }
    Some(((key_target, accounts), unverified))
}

/// [`KeyMatches`] through a map keyed by the link keys themselves.
///
/// Target indexes are kept as `u32` (half the memory of `usize`): a side
/// with more than `u32::MAX` users would hold over 270 GB of `DirectoryUser`s (64 bytes
/// each before their text), so no real listing reaches the targets the conversion below
/// leaves out.
fn key_matches_exact(source: &[DirectoryUser], target: &[DirectoryUser]) -> KeyMatches {
    let mut by_key: HashMap<&str, u32> = HashMap::new();
    let mut accounts = vec![Account::NEW; target.len()];
    for (i, t) in target.iter().enumerate() {
        if let (Some(k), Ok(i)) = (link_key(t), u32::try_from(i)) {
            let first = *by_key.entry(k).or_insert(i);
            if let Some(a) = accounts.get_mut(first as usize) {
                a.key_count += 1;
            }
        }
    }
    let key_target = source
        .iter()
        .map(|s| {
            link_key(s)
                .and_then(|k| by_key.get(k).copied())
                .unwrap_or(NO_KEY_MATCH)
        })
        .collect();
    (key_target, accounts)
}

/// How the link keys resolve a source person.
enum Linked {
    /// Plain email matching applies (no link key decides).
    ByEmail,
    /// Left alone for this reason.
    Skip(SkipReason),
    /// The person's account, found by link key under another email.
    Renamed(usize),
}

struct Planner<'a> {
    source: &'a [DirectoryUser],
    target: &'a [DirectoryUser],
    entry: &'a CatalogEntry,
    policy: &'a SyncPolicy,
    cmp: Compare<'a>,
    read_blind: bool,
    items: Vec<PlanItem>,
    unchanged: usize,
    /// Non-excluded distinct source emails.
    source_in_scope: usize,
    /// Target users the policy could deprovision.
    candidates: usize,
    /// Link-key matching (when both sides carry link keys).
    links: Option<LinkIndex>,
    /// [`KeyHashes::links`], for [`LinkIndex::build`].
    link_hashes: Vec<u64>,
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
            cmp: Compare {
                stores: entry.lifecycle.stores,
                groups: entry.lifecycle.stores.groups && policy.groups_synced(),
                role: entry.lifecycle.stores.role && policy.roles_synced(),
                policy,
            },
            read_blind: !entry.by_api(Operation::List),
            items: Vec::new(),
            unchanged: 0,
            source_in_scope: 0,
            candidates: 0,
            links: None,
            link_hashes: Vec::new(),
        }
    }

    /// Adds an item (the only place a plan makes an owned [`Email`]: one per item, and
    /// items are the few users that differ).
    fn push(&mut self, email: EmailRef<'_>, action: Action) {
        self.items.push(PlanItem {
            email: email.to_email(),
            action,
        });
    }

    fn skip(&mut self, email: EmailRef<'_>, reason: SkipReason) {
        self.push(email, Action::Skip { reason });
    }

    fn manual(&mut self, email: EmailRef<'_>, operation: Operation) {
        let instructions = Cow::Owned(self.entry.step(operation).how.clone());
        self.push(
            email,
            Action::Manual {
                operation,
                instructions,
            },
        );
    }

    /// Plans an API operation, or the manual step when the target has no API for it.
    fn operation(&mut self, email: EmailRef<'_>, action: Action) {
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
            && user.is_active()
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
        let KeyHashes { emails, links } = KeyHashes::new(self.source, self.target, &key_hasher());
        self.link_hashes = links;
        let slots = index_fast(self.source.len(), emails);
        if let Some(slots) = slots {
            match self.plan_slots(&slots, true) {
                Ok(()) => return self.finish(),
                Err(Collision) => self.restart(),
            }
        }
        let slots = index_exact(self.source, self.target);
        // The exact index has no collisions to report.
        let _ = self.plan_slots(&slots, false);
        self.finish()
    }

    /// Forgets everything planned from an index that turned out to hold a collision.
    fn restart(&mut self) {
        self.items.clear();
        self.unchanged = 0;
        self.source_in_scope = 0;
        self.candidates = 0;
        self.links = None;
    }

    /// Plans every slot in order; with `verify`, checks that source and target keys of
    /// each slot are equal (they share only a hash otherwise), and the link keys of each
    /// person the link index settled by equal hashes ([`LinkIndex::unverified`]), before
    /// anything is planned from that slot.
    fn plan_slots(&mut self, slots: &Slots, verify: bool) -> Result<(), Collision> {
        let source = self.source;
        let target = self.target;
        self.links = LinkIndex::build(
            source,
            target,
            slots,
            self.policy,
            &self.link_hashes,
            verify,
        );
        for (k, slot) in slots.iter().enumerate() {
            ahead(slots, target, k);
            if let Some(links) = &self.links {
                links.ask_ahead(slots, k);
            }
            let t = slot
                .tgt()
                .and_then(|ti| target.get(ti))
                .map(|t| (t, slot.tgt_count()));
            let Some(s) = slot.src().and_then(|si| source.get(si)) else {
                if let (Some((t, count)), Some(ti)) = (t, slot.tgt()) {
                    self.target_only(t, ti, count);
                }
                continue;
            };
            if verify
                && let Some((t, _)) = t
                && t.email() != s.email()
            {
                return Err(Collision);
            }
            if let (Some((t, _)), Some(si), Some(links)) = (t, slot.src(), &self.links)
                && links.unverified(si)
                && link_key(s) != link_key(t)
            {
                return Err(Collision);
            }
            if self.policy.excludes(s) {
                self.skip(s.email(), SkipReason::Excluded);
                continue;
            }
            self.source_in_scope += 1;
            if let Some((t, tc)) = t
                && !self.read_blind
            {
                self.count_candidate(t, tc);
            }
            if slot.src_count > 1 {
                let count = slot.src_count();
                self.skip(s.email(), SkipReason::DuplicateInSource { count });
                continue;
            }
            if self.read_blind {
                let op = if s.is_active() {
                    Operation::Create
                } else {
                    Operation::Deactivate
                };
                self.manual(s.email(), op);
                continue;
            }
            match self.resolve_link(s, &slot) {
                Linked::ByEmail => {}
                Linked::Skip(reason) => {
                    self.skip(s.email(), reason);
                    continue;
                }
                Linked::Renamed(ti) => {
                    if let Some(t) = target.get(ti) {
                        self.renamed(s, t);
                    }
                    continue;
                }
            }
            match t {
                Some((t, tc)) if tc > 1 => {
                    self.skip(t.email(), SkipReason::DuplicateInTarget { count: tc })
                }
                Some((t, _)) => self.both(s, t),
                None if s.is_active() => self.create(s),
                None => self.skip(s.email(), SkipReason::InactiveInSource),
            }
        }
        Ok(())
    }

    fn finish(mut self) -> SyncPlan {
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
        let membership_guard = self.membership_guard();
        SyncPlan {
            app: self.entry.app.clone(),
            read_blind: self.read_blind,
            items: self.items,
            unchanged: self.unchanged,
            guard,
            membership_guard,
            target_fingerprint: None,
        }
    }

    /// The membership guard: counts the plan's group removals against the target's
    /// memberships in managed groups, and when it trips takes every removal out of the
    /// plan (the removed groups stay on the desired user; an update left with nothing
    /// else becomes a [`SkipReason::GuardWithheld`]).
    fn membership_guard(&mut self) -> Option<MembershipGuardTripped> {
        if self.read_blind || !self.cmp.groups {
            return None;
        }
        let removals: usize = self
            .items
            .iter()
            .flat_map(|i| i.action.changes())
            .map(|c| match c {
                FieldChange::Groups { removed, .. } => removed.len(),
                _ => 0,
            })
            .sum();
        if removals == 0 {
            return None;
        }
        let policy = self.policy;
        let memberships = self
            .target
            .iter()
            .map(|t| {
                t.groups()
                    .iter()
                    .filter(|g| !policy.is_group_excluded(g))
                    .count()
            })
            .sum();
        let tripped = policy.check_membership_guard(memberships, removals)?;
        for item in &mut self.items {
            withhold_removals(&mut item.action);
        }
        Some(tripped)
    }

    /// What the link keys make of source person `s` (unique in the source, in scope)
    /// whose email slot is `slot`.
    fn resolve_link(&mut self, s: &DirectoryUser, slot: &Slot) -> Linked {
        let (Some(links), Some(si)) = (&self.links, slot.src()) else {
            return Linked::ByEmail;
        };
        let by_email = slot.tgt().filter(|_| slot.tgt_count == 1);
        let accounts = links.key_accounts(si);
        if let Some((_, count)) = accounts
            && count > 1
        {
            return Linked::Skip(SkipReason::LinkKeySharedInTarget {
                count: count as usize,
            });
        }
        let by_key = accounts.map(|(t, _)| t);
        let (decision, marks): (Linked, &[(Option<usize>, Claim)]) = match (by_key, by_email) {
            (Some(k), Some(e)) if k != e => {
                let why = Ambiguity::TwoAccounts;
                let marks = [
                    (Some(k), Claim::Ambiguous(why)),
                    (Some(e), Claim::Ambiguous(why)),
                ];
                return self.mark(Linked::Skip(why.reason()), &marks);
            }
            (Some(k), _) if links.claims(k) > 1 => {
                let why = Ambiguity::TwoPeople;
                return self.mark(
                    Linked::Skip(why.reason()),
                    &[(Some(k), Claim::Ambiguous(why))],
                );
            }
            // Same account by key and by email: plain matching.
            (Some(_), Some(_)) => (Linked::ByEmail, &[]),
            (Some(k), None) => {
                return self.mark(Linked::Renamed(k), &[(Some(k), Claim::Covered)]);
            }
            (None, Some(e)) if links.claims(e) > 1 => {
                let why = Ambiguity::TwoPeople;
                return self.mark(
                    Linked::Skip(why.reason()),
                    &[(Some(e), Claim::Ambiguous(why))],
                );
            }
            (None, Some(e)) => {
                let other = self.target.get(e).and_then(link_key);
                match (link_key(s), other) {
                    // The app's own record says the account is someone else's (an
                    // address handed on, a second person with the same email): never
                    // taken over. (Where the app does not store link keys, a target's
                    // link key comes from the caller and only serves to find renames.)
                    (Some(mine), Some(theirs))
                        if mine != theirs && self.entry.lifecycle.stores.external_id =>
                    {
                        (Linked::Skip(SkipReason::LinkedToAnotherPerson), &[])
                    }
                    _ => (Linked::ByEmail, &[]),
                }
            }
            (None, None) => (Linked::ByEmail, &[]),
        };
        self.mark(decision, marks)
    }

    fn mark(&mut self, decision: Linked, marks: &[(Option<usize>, Claim)]) -> Linked {
        if let Some(links) = &mut self.links {
            for (t, claim) in marks {
                if let Some(t) = t {
                    links.set(*t, *claim);
                }
            }
        }
        decision
    }

    /// Source person `s` whose account `t` (found by link key) has another email.
    fn renamed(&mut self, s: &DirectoryUser, t: &DirectoryUser) {
        if self.policy.excludes(t) {
            self.skip(s.email(), SkipReason::Excluded);
            return;
        }
        if !s.is_active() {
            // Renamed and deactivated in the source: deactivate the account the person
            // has (under its old email); there is nothing to rename for someone leaving.
            self.inactive_in_source(t);
            return;
        }
        let changes = self.split_manual(s.email(), diff(s, t, &self.cmp));
        let mut desired = desired_user(t, &changes);
        desired.set_email(s.email().as_str());
        let reset = self.role_reset(s, s.email(), &changes);
        let loses = &self.entry.lifecycle.rename_loses;
        if !loses.is_empty() && !self.policy.lossy_renames_allowed() {
            // The app's rename deletes and recreates: a person decides, and must see
            // whose account it is and what the rename would cost before they do.
            // The catalog's rename step (how the app's route works) stays in the
            // catalog: quoting it too would double a line every plan table prints.
            let instructions = format!(
                "{} → {} not renamed: a rename here recreates the account and loses {}; \
                 allow lossy renames in the SyncPolicy to let the sync do it",
                t.email(),
                s.email(),
                loses.join(", "),
            );
            self.push(
                s.email(),
                Action::Manual {
                    operation: Operation::Rename,
                    instructions: Cow::Owned(instructions),
                },
            );
            return;
        }
        self.operation(
            s.email(),
            Action::Rename {
                current: Box::new(t.clone()),
                desired: Box::new(desired),
                changes,
                loses: loses.clone(),
                warnings: reset.warnings(),
            },
        );
        reset.push_manual(self, s.email());
    }

    /// What reactivating an account (an `active: false → true` among `changes`) does to
    /// its role where the catalog says reactivation resets it
    /// (`reactivation_resets_role`): the warning for the item, and the manual item that
    /// names the admin action, unless the source's role is set again by API on the next
    /// plan (the app reports roles, the policy syncs them, the role step is by API and
    /// the source names one). `account` is the email the account has after the item.
    fn role_reset(
        &self,
        s: &DirectoryUser,
        account: EmailRef<'_>,
        changes: &[FieldChange],
    ) -> RoleReset {
        let Some(reset) = self.entry.lifecycle.reactivation_resets_role.as_deref() else {
            return RoleReset::default();
        };
        let reactivates = changes.iter().any(|c| {
            matches!(
                c,
                FieldChange::Active {
                    from: false,
                    to: true
                }
            )
        });
        if !reactivates {
            return RoleReset::default();
        }
        let name = &self.entry.name;
        let wanted = s.role().filter(|r| !r.trim().is_empty());
        let by_api = self.cmp.role && self.entry.by_api(Operation::Role);
        if let (true, Some(role)) = (by_api, wanted) {
            return RoleReset {
                warning: Some(format!(
                    "reactivating resets the role in {name} to {reset}; the next plan sets it \
                     back to {role} by API"
                )),
                manual: None,
            };
        }
        let step = self.entry.step(Operation::Role);
        let mut admin = if step.route == Route::AdminConsole {
            format!("set {account}'s role again in {name}'s console; reactivation made it {reset}")
        } else {
            format!(
                "set {account}'s role again in {name}; reactivation made it {reset} ({})",
                step.how
            )
        };
        if let Some(role) = wanted {
            admin.push_str(&format!(" (the source says {role})"));
        }
        RoleReset {
            warning: Some(format!(
                "reactivating resets the role in {name} to {reset}, which the sync cannot set \
                 back: see the manual role item"
            )),
            manual: Some(admin),
        }
    }

    /// A source person with no account: a create, carrying the groups and role only
    /// where the app takes them by API (the rest are manual items).
    fn create(&mut self, s: &DirectoryUser) {
        let mut user = s.clone();
        user.set_app_id(None);
        let mut manual = Vec::new();
        if self.cmp.groups {
            let mut groups = dedup(s.groups());
            groups.retain(|g| !self.policy.is_group_excluded(g));
            if !groups.is_empty() && !self.entry.by_api(Operation::Groups) {
                let mut added: Vec<String> = groups.iter().map(|g| (*g).to_owned()).collect();
                added.sort();
                manual.push(FieldChange::Groups {
                    added,
                    removed: Vec::new(),
                });
                groups.clear();
            }
            user.set_groups(groups);
        } else {
            user.set_groups(None::<&str>);
        }
        if !self.cmp.role {
            user.set_role(None);
        } else if let Some(role) = user.role().filter(|_| !self.entry.by_api(Operation::Role)) {
            manual.push(FieldChange::Text {
                field: Field::Role,
                from: None,
                to: Some(role.to_owned()),
            });
            user.set_role(None);
        }
        self.operation(
            s.email(),
            Action::Create {
                user: Box::new(user),
            },
        );
        for change in manual {
            self.manual_change(s.email(), &change);
        }
    }

    /// `changes` without the group and role changes the target cannot make by API,
    /// each of which becomes a manual item naming the admin action and the change.
    fn split_manual(&mut self, email: EmailRef<'_>, changes: Vec<FieldChange>) -> Vec<FieldChange> {
        let (api, manual): (Vec<_>, Vec<_>) = changes
            .into_iter()
            .partition(|c| membership_operation(c).is_none_or(|op| self.entry.by_api(op)));
        for change in &manual {
            self.manual_change(email, change);
        }
        api
    }

    /// The manual item for a group or role change the target has no API for.
    fn manual_change(&mut self, email: EmailRef<'_>, change: &FieldChange) {
        let Some(operation) = membership_operation(change) else {
            return;
        };
        let how = &self.entry.step(operation).how;
        self.push(
            email,
            Action::Manual {
                operation,
                instructions: Cow::Owned(format!("{how} ({change})")),
            },
        );
    }

    /// A target user (first of `count` records, at index `ti`) whose email the source
    /// does not have.
    fn target_only(&mut self, t: &DirectoryUser, ti: usize, count: usize) {
        if self.policy.excludes(t) {
            self.skip(t.email(), SkipReason::Excluded);
            return;
        }
        if !self.read_blind {
            self.count_candidate(t, count);
        }
        match self.links.as_ref().and_then(|l| l.state(ti)) {
            // A person's rename (or deactivation) item covers this account.
            Some(Claim::Covered) => return,
            Some(Claim::Ambiguous(why)) => {
                self.skip(t.email(), why.reason());
                return;
            }
            Some(Claim::Free) | None => {}
        }
        if count > 1 {
            self.skip(t.email(), SkipReason::DuplicateInTarget { count });
            return;
        }
        self.absent(t);
    }

    /// Counts a (unique, not excluded) target user towards the guard's denominator.
    fn count_candidate(&mut self, t: &DirectoryUser, count: usize) {
        if count == 1 && (t.is_active() || self.policy.deprovision_mode() == Deprovision::Delete) {
            self.candidates += 1;
        }
    }

    /// A target user absent from the source.
    fn absent(&mut self, t: &DirectoryUser) {
        let reason = DeprovisionReason::AbsentFromSource;
        match self.policy.deprovision_mode() {
            Deprovision::Delete if self.read_blind => self.manual(t.email(), Operation::Delete),
            Deprovision::Delete => self.operation(
                t.email(),
                Action::Delete {
                    user: Box::new(t.clone()),
                    reason,
                },
            ),
            _ if !t.is_active() => self.skip(t.email(), SkipReason::AlreadyInactive),
            Deprovision::Deactivate if self.read_blind => {
                self.manual(t.email(), Operation::Deactivate)
            }
            Deprovision::Deactivate => self.operation(
                t.email(),
                Action::Deactivate {
                    user: Box::new(t.clone()),
                    reason,
                },
            ),
            _ => self.skip(t.email(), SkipReason::DeprovisionDisabled),
        }
    }

    /// Target account `t` of a person the source marks inactive: deactivated (never
    /// deleted), or skipped when it is already inactive.
    fn inactive_in_source(&mut self, t: &DirectoryUser) {
        if t.is_active() {
            self.operation(
                t.email(),
                Action::Deactivate {
                    user: Box::new(t.clone()),
                    reason: DeprovisionReason::InactiveInSource,
                },
            );
        } else {
            self.skip(t.email(), SkipReason::AlreadyInactive);
        }
    }

    /// A user present in both.
    fn both(&mut self, s: &DirectoryUser, t: &DirectoryUser) {
        if !s.is_active() {
            self.inactive_in_source(t);
            return;
        }
        let all = diff(s, t, &self.cmp);
        if all.is_empty() {
            self.unchanged += 1;
            return;
        }
        let changes = self.split_manual(t.email(), all);
        if changes.is_empty() {
            return;
        }
        let desired = desired_user(t, &changes);
        let reset = self.role_reset(s, t.email(), &changes);
        self.operation(
            t.email(),
            Action::Update {
                current: Box::new(t.clone()),
                desired: Box::new(desired),
                changes,
                warnings: reset.warnings(),
            },
        );
        reset.push_manual(self, t.email());
    }
}

/// What a reactivation does to the role where the app resets it
/// ([`Planner::role_reset`]); empty where it does not.
#[derive(Default)]
struct RoleReset {
    /// For the reactivating item.
    warning: Option<String>,
    /// The admin action, as a manual [`Operation::Role`] item after it.
    manual: Option<String>,
}

impl RoleReset {
    fn warnings(&self) -> Vec<String> {
        self.warning.iter().cloned().collect()
    }

    fn push_manual(self, planner: &mut Planner<'_>, email: EmailRef<'_>) {
        if let Some(instructions) = self.manual {
            planner.push(
                email,
                Action::Manual {
                    operation: Operation::Role,
                    instructions: Cow::Owned(instructions),
                },
            );
        }
    }
}

/// Target user `t` with `changes` applied.
fn desired_user(t: &DirectoryUser, changes: &[FieldChange]) -> DirectoryUser {
    let mut desired = t.clone();
    for c in changes {
        match c {
            FieldChange::Text { field, to, .. } => {
                let to = to.as_deref();
                match field {
                    Field::GivenName => desired.set_given_name(to),
                    Field::FamilyName => desired.set_family_name(to),
                    Field::DisplayName => desired.set_display_name(to),
                    Field::Role => desired.set_role(to),
                    _ => desired.set_external_id(to),
                }
            }
            FieldChange::Active { to, .. } => desired.set_active(*to),
            FieldChange::Groups { added, removed } => {
                desired.set_groups(with_groups_changed(t.groups(), added, removed));
            }
        }
    }
    desired
}

/// `groups` without `removed`, then `added`: the target's order kept, duplicates
/// dropped, and groups the change does not name (excluded ones) left where they are.
fn with_groups_changed<'a>(
    groups: GroupNames<'a>,
    added: &'a [String],
    removed: &[String],
) -> Vec<&'a str> {
    let mut out = dedup(groups);
    out.retain(|g| !removed.iter().any(|r| r == g));
    for g in added {
        if !out.contains(&g.as_str()) {
            out.push(g);
        }
    }
    out
}

/// The operation a group or role change needs, `None` for the other fields.
fn membership_operation(change: &FieldChange) -> Option<Operation> {
    match change {
        FieldChange::Groups { .. } => Some(Operation::Groups),
        FieldChange::Text {
            field: Field::Role, ..
        } => Some(Operation::Role),
        _ => None,
    }
}

/// Takes the group removals out of an update or rename (the membership guard tripped).
fn withhold_removals(action: &mut Action) {
    let (Action::Update {
        current,
        desired,
        changes,
        ..
    }
    | Action::Rename {
        current,
        desired,
        changes,
        ..
    }) = action
    else {
        return;
    };
    let before = changes.len();
    changes.retain_mut(|c| match c {
        FieldChange::Groups { added, removed } => {
            removed.clear();
            !added.is_empty()
        }
        _ => true,
    });
    let changed_groups = changes.len() != before
        || changes
            .iter()
            .any(|c| matches!(c, FieldChange::Groups { .. }));
    if changed_groups {
        let added: &[String] = changes
            .iter()
            .find_map(|c| match c {
                FieldChange::Groups { added, .. } => Some(added.as_slice()),
                _ => None,
            })
            .unwrap_or(&[]);
        desired.set_groups(with_groups_changed(current.groups(), added, &[]));
    }
    if changes.is_empty() && matches!(action, Action::Update { .. }) {
        *action = Action::Skip {
            reason: SkipReason::GuardWithheld {
                operation: Operation::Groups,
            },
        };
    }
}

/// What [`diff`] compares for one target.
struct Compare<'a> {
    stores: Attributes,
    /// Groups: the target reports them and the policy syncs them.
    groups: bool,
    /// The role: the target reports one and the policy syncs roles.
    role: bool,
    policy: &'a SyncPolicy,
}

/// `None` and `""` both mean "not set".
fn norm(v: Option<&str>) -> Option<&str> {
    v.filter(|s| !s.is_empty())
}

/// The names once each, in order of first appearance.
fn dedup(groups: GroupNames<'_>) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::with_capacity(groups.len());
    for g in groups {
        if !out.contains(&g) {
            out.push(g);
        }
    }
    out
}

/// The field-level differences that bring `t` to `s` (both active in the source).
fn diff(s: &DirectoryUser, t: &DirectoryUser, cmp: &Compare<'_>) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    // Most people's attributes are all equal, and one comparison of their text says so.
    if !s.same_attributes(t) {
        diff_text(s, t, cmp, &mut changes);
    }
    if !t.is_active() {
        changes.push(FieldChange::Active {
            from: false,
            to: true,
        });
    }
    let (sg, tg) = (s.groups(), t.groups());
    if cmp.groups && sg != tg {
        let managed = |g: &&str| !cmp.policy.is_group_excluded(g);
        let mut added: Vec<String> = sg
            .iter()
            .filter(managed)
            .filter(|g| !tg.contains(g))
            .map(str::to_owned)
            .collect();
        let mut removed: Vec<String> = tg
            .iter()
            .filter(managed)
            .filter(|g| !sg.contains(g))
            .map(str::to_owned)
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

/// The text attributes of [`diff`].
fn diff_text(
    s: &DirectoryUser,
    t: &DirectoryUser,
    cmp: &Compare<'_>,
    changes: &mut Vec<FieldChange>,
) {
    let stores = cmp.stores;
    let text = [
        (
            Field::GivenName,
            stores.names,
            s.given_name(),
            t.given_name(),
        ),
        (
            Field::FamilyName,
            stores.names,
            s.family_name(),
            t.family_name(),
        ),
        (
            Field::DisplayName,
            stores.display_name,
            s.display_name(),
            t.display_name(),
        ),
        (
            Field::ExternalId,
            stores.external_id,
            s.external_id(),
            t.external_id(),
        ),
        // A source without a role for the person does not manage it: nothing to compare.
        (Field::Role, cmp.role, s.role(), t.role()),
    ];
    // Attributes the app does not store are not differences: it could never take them.
    for (field, _, sv, tv) in text.into_iter().filter(|(_, stored, _, _)| *stored) {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::catalog::{self, AppId, Route};

    #[test]
    fn an_account_of_the_link_index_is_8_bytes() {
        // Its three fields were three arrays of 4, 1 and 1 bytes an account: one entry
        // of 8 (2 of padding) is one cache line to read instead of three.
        assert_eq!(std::mem::size_of::<Account>(), 8);
    }

    fn cmp(groups: bool, stores: Attributes, policy: &SyncPolicy) -> Compare<'_> {
        Compare {
            stores,
            groups,
            role: stores.role,
            policy,
        }
    }

    /// REST, names only, groups managed: the planner's widest comparison.
    fn names_and_groups() -> CatalogEntry {
        CatalogEntry::builder(AppId::from_static("names-and-groups"), "Names and groups")
            .step(Operation::List, Route::RestApi, "")
            .step(Operation::Create, Route::RestApi, "")
            .step(Operation::Update, Route::RestApi, "")
            .step(Operation::Deactivate, Route::RestApi, "")
            .step(Operation::Delete, Route::RestApi, "")
            .step(Operation::Groups, Route::RestApi, "")
            .stores(Attributes::NAMES_ONLY.with_groups(true))
            .build()
    }

    #[test]
    fn empty_string_is_not_set() {
        let s = DirectoryUser::new("a@x.io").with_display_name("");
        let t = DirectoryUser::new("a@x.io").with_display_name("Ann");
        assert!(
            diff(
                &s,
                &t,
                &cmp(false, Attributes::PROFILE, &SyncPolicy::default())
            )
            .is_empty()
        );
        let s = DirectoryUser::new("a@x.io").with_external_id("e1");
        let t = DirectoryUser::new("a@x.io").with_external_id("");
        assert_eq!(
            diff(
                &s,
                &t,
                &cmp(false, Attributes::PROFILE, &SyncPolicy::default())
            ),
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
        assert!(
            diff(
                &s,
                &t,
                &cmp(true, Attributes::PROFILE, &SyncPolicy::default())
            )
            .is_empty()
        );
    }

    #[test]
    fn attributes_the_app_does_not_store_are_not_differences() {
        let s = DirectoryUser::new("a@x.io")
            .with_names("Ann", "Lee")
            .with_display_name("Ann Lee")
            .with_external_id("e1");
        let t = DirectoryUser::new("a@x.io").with_names("Ann", "Lee");
        assert_eq!(
            diff(
                &s,
                &t,
                &cmp(false, Attributes::PROFILE, &SyncPolicy::default())
            )
            .len(),
            2
        );
        assert!(
            diff(
                &s,
                &t,
                &cmp(false, Attributes::NAMES_ONLY, &SyncPolicy::default())
            )
            .is_empty()
        );
        let t = DirectoryUser::new("a@x.io").with_names("Ann", "Smith");
        assert_eq!(
            diff(
                &s,
                &t,
                &cmp(false, Attributes::NAMES_ONLY, &SyncPolicy::default())
            ),
            [FieldChange::Text {
                field: Field::FamilyName,
                from: Some("Smith".into()),
                to: Some("Lee".into())
            }]
        );
    }

    #[test]
    fn a_hash_collision_is_detected_and_the_exact_index_agrees_with_the_fast_one() {
        let entry = &names_and_groups();
        let policy = SyncPolicy::default().max_deprovision_share(1.0);
        let source = [
            DirectoryUser::new("a@x.io").with_names("A", "One"),
            DirectoryUser::new("B@x.io"),
        ];
        let target = [DirectoryUser::new("b@x.io"), DirectoryUser::new("c@x.io")];
        // Two different keys forced into one slot, as a 64-bit collision would.
        let forged = Slots::pairs(&[(0, 0)]);
        let mut p = Planner::new(&source, &target, entry, &policy);
        assert!(p.plan_slots(&forged, true).is_err());

        let fast = index_fast_of(&source, &target);
        assert_eq!(fast.as_ref().map(Slots::len), Some(3));
        let fast: Vec<Slot> = fast.unwrap_or_default().iter().collect();
        assert_eq!((fast[1].src(), fast[1].tgt()), (Some(1), Some(0)));
        assert_eq!((fast[2].src(), fast[2].tgt()), (None, Some(1)));
        assert_eq!(
            plan_exact(&source, &target, entry, &policy),
            plan(&source, &target, entry, &policy)
        );
    }

    /// [`index_fast`] over the users' email hashes.
    fn index_fast_of(source: &[DirectoryUser], target: &[DirectoryUser]) -> Option<Slots> {
        let hashes = KeyHashes::new(source, target, &key_hasher());
        index_fast(source.len(), hashes.emails)
    }

    #[test]
    fn a_link_key_collision_deferred_to_the_planning_loop_is_caught_there() {
        let entry = &names_and_groups();
        let policy = SyncPolicy::default().max_deprovision_share(1.0);
        // The same email, two different link keys: the account is someone else's.
        let source = [DirectoryUser::new("a@x.io").with_external_id("k1")];
        let target = [DirectoryUser::new("a@x.io").with_external_id("k9")];
        let slots = index_fast_of(&source, &target).unwrap_or_default();
        assert_eq!(slots.len(), 1);
        // Both link keys forced onto one hash: the person is settled on the account by
        // hash, and the planning loop finds out before planning anything for them.
        let mut p = Planner::new(&source, &target, entry, &policy);
        p.link_hashes = vec![42; 2];
        assert!(p.plan_slots(&slots, true).is_err());
        assert!(p.links.as_ref().is_some_and(|l| l.unverified(0)));
        // Without the forgery the hashes differ, and the plan is the exact one.
        assert_eq!(
            plan(&source, &target, entry, &policy),
            plan_exact(&source, &target, entry, &policy)
        );
    }

    #[test]
    fn a_collision_found_midway_forgets_everything_planned_before_it() {
        let entry = &names_and_groups();
        let policy = SyncPolicy::default().max_deprovision_share(1.0);
        let source = [DirectoryUser::new("a@x.io"), DirectoryUser::new("b@x.io")];
        let target = [DirectoryUser::new("a@x.io"), DirectoryUser::new("c@x.io")];
        // a is unchanged; then two different emails forced into one slot.
        let forged = Slots::pairs(&[(0, 0), (1, 1)]);
        let mut p = Planner::new(&source, &target, entry, &policy);
        assert!(p.plan_slots(&forged, true).is_err());
        assert_eq!(p.unchanged, 1);
        p.restart();
        assert!(p.plan_slots(&index_exact(&source, &target), false).is_ok());
        let again = p.finish();
        assert_eq!(again, plan_exact(&source, &target, entry, &policy));
        assert_eq!(again.unchanged, 1);
    }

    /// The planner through the exact index only.
    fn plan_exact(
        source: &[DirectoryUser],
        target: &[DirectoryUser],
        entry: &CatalogEntry,
        policy: &SyncPolicy,
    ) -> SyncPlan {
        let mut p = Planner::new(source, target, entry, policy);
        let slots = index_exact(source, target);
        assert!(p.plan_slots(&slots, false).is_ok());
        p.finish()
    }

    #[test]
    fn fast_and_exact_indexes_plan_the_same_on_random_directories() {
        let entry = &names_and_groups();
        let policy = SyncPolicy::default().max_deprovision_share(1.0);
        let mut rng = fastrand::Rng::with_seed(7);
        for round in 0..50 {
            let n = rng.usize(0..3000);
            let mut source = Vec::new();
            let mut target = Vec::new();
            for i in 0..n {
                let email = format!("user{i}@example.com");
                let flip = |e: &str, rng: &mut fastrand::Rng| {
                    if rng.bool() {
                        e.to_uppercase()
                    } else {
                        e.to_owned()
                    }
                };
                let in_source = rng.u8(0..10) > 0;
                let in_target = rng.u8(0..10) > 0;
                // Link keys: mostly the person's own, some absent, empty, another
                // person's (renames, shared keys), on either side.
                let key = |rng: &mut fastrand::Rng| match rng.u8(0..10) {
                    0 => None,
                    1 => Some(String::new()),
                    2 => Some(format!("k{}", rng.usize(0..n.max(1)))),
                    _ => Some(format!("k{i}")),
                };
                let keyed = |u: DirectoryUser, rng: &mut fastrand::Rng| match key(rng) {
                    Some(k) => u.with_external_id(k),
                    None => u,
                };
                if in_source {
                    let u = DirectoryUser::new(flip(&email, &mut rng))
                        .with_names(format!("G{}", rng.u8(0..3)), "F")
                        .with_active(rng.u8(0..10) > 0);
                    source.push(keyed(u, &mut rng));
                }
                if in_target {
                    let u = DirectoryUser::new(flip(&email, &mut rng))
                        .with_names(format!("G{}", rng.u8(0..3)), "F")
                        .with_active(rng.u8(0..10) > 0)
                        .with_app_id(i.to_string());
                    target.push(keyed(u, &mut rng));
                }
            }
            rng.shuffle(&mut source);
            rng.shuffle(&mut target);
            assert!(index_fast_of(&source, &target).is_some(), "round {round}");
            assert_eq!(
                plan(&source, &target, entry, &policy),
                plan_exact(&source, &target, entry, &policy),
                "round {round}"
            );
        }
    }

    #[test]
    fn link_keys_match_the_same_through_hashes_and_exactly_and_a_collision_is_caught() {
        let mut rng = fastrand::Rng::with_seed(11);
        let state = key_hasher();
        for round in 0..50 {
            let n = rng.usize(0..2000);
            // Few distinct keys, so that keys are shared in the target, absent, renamed.
            let key = |rng: &mut fastrand::Rng| match rng.u8(0..8) {
                0 => None,
                1 => Some(String::new()),
                _ => Some(format!("00u{}", rng.usize(0..n.max(1)))),
            };
            let user = |i: usize, rng: &mut fastrand::Rng| {
                let u = DirectoryUser::new(format!("u{i}@x.io"));
                match key(rng) {
                    Some(k) => u.with_external_id(k),
                    None => u,
                }
            };
            let source: Vec<_> = (0..n).map(|i| user(i, &mut rng)).collect();
            let mut target: Vec<_> = (0..rng.usize(0..2000)).map(|i| user(i, &mut rng)).collect();
            // Most accounts carry their person's key, as in a steady directory.
            for (t, s) in target.iter_mut().zip(&source) {
                if rng.u8(0..4) > 0 {
                    t.set_external_id(s.external_id());
                }
            }
            let exact = key_matches_exact(&source, &target);
            // Email pairs as the planner makes them: some people matched by email to an
            // account with their key, some to one with another key, some to none.
            let paired: Vec<u32> = (0..source.len())
                .map(|i| match rng.u8(0..3) {
                    0 if i < target.len() => i as u32,
                    _ => NO_KEY_MATCH,
                })
                .collect();
            let hashes = |users: &[DirectoryUser], f: &dyn Fn(&str) -> u64| -> Vec<u64> {
                users
                    .iter()
                    .map(|u| link_key(u).map_or(NO_LINK_KEY, f))
                    .collect()
            };
            let real = |k: &str| link_hash(&state, k);
            let (sh, th) = (hashes(&source, &real), hashes(&target, &real));
            for pairs in [&paired[..], &[]] {
                for defer in [false, true] {
                    let fast = key_matches_fast(&source, &target, pairs, (&sh, &th), defer);
                    let (matches, unverified) = fast.unwrap_or_default();
                    assert_eq!(matches, exact, "round {round}, defer {defer}");
                    // Deferred only where asked, and only people whose keys are equal
                    // to their email account's (the hashes are real here).
                    assert_eq!(unverified.is_empty(), !defer);
                    for (si, _) in unverified.iter().enumerate().filter(|(_, u)| **u) {
                        let t = pairs.get(si).and_then(|&t| target.get(t as usize));
                        assert_eq!(t.and_then(link_key), source.get(si).and_then(link_key));
                    }
                }
            }
            // Every key forced onto one hash, as collisions would: detected, never used.
            let distinct = source
                .iter()
                .chain(&target)
                .filter_map(link_key)
                .collect::<std::collections::HashSet<_>>();
            let forged = |_: &str| 42;
            let (sf, tf) = (hashes(&source, &forged), hashes(&target, &forged));
            if distinct.len() > 1 {
                assert_eq!(
                    key_matches_fast(&source, &target, &[], (&sf, &tf), false),
                    None,
                    "round {round}"
                );
            }
        }
    }

    /// [`Partitions::first_with_same_hash`] against a map, for joins smaller and larger
    /// than the partitions were made for, in both partition regimes, with repeats
    /// (including hashes that share their top bits) and one partition holding everything.
    #[test]
    fn partitions_find_the_first_record_of_every_hash() {
        let mut rng = fastrand::Rng::with_seed(11);
        let pool = [0, 1, u64::MAX, 1 << 63, (1 << 63) | 5, 42];
        for (expected, actual) in [
            (0, 0),
            (0, 300),
            (10, 5000),
            (5000, 5000),
            (100_000, 10),
            (SMALL_JOIN + 1, 40_000),
        ] {
            for same in [false, true] {
                let hashes: Vec<u64> = (0..actual)
                    .map(|_| match (same, rng.u8(0..4)) {
                        (true, _) => 42,
                        (false, 0) => pool[rng.usize(..pool.len())],
                        _ => rng.u64(..),
                    })
                    .collect();
                let mut parts = Partitions::new(expected);
                let mut firsts: HashMap<u64, u32> = HashMap::new();
                let mut want = Vec::new();
                for (g, &h) in (0u32..).zip(&hashes) {
                    parts.push(h);
                    want.push(*firsts.entry(h).or_insert(g));
                }
                assert_eq!(
                    parts.first_with_same_hash(),
                    Some(want),
                    "{expected} expected, {actual} pushed, all equal: {same}"
                );
            }
        }
    }

    #[test]
    fn partitions_past_u32_positions_give_no_answer() {
        let mut parts = Partitions::new(4);
        parts.push(1);
        parts.len = u32::MAX - 1;
        parts.push(2);
        assert!(parts.first_with_same_hash().is_none());
    }

    #[test]
    fn duplicates_take_the_exact_index() {
        let users = [DirectoryUser::new("a@x.io"), DirectoryUser::new("A@x.io")];
        assert!(index_fast_of(&users, &[]).is_none());
        assert!(index_fast_of(&[], &users).is_none());
        assert!(
            index_fast_of(&users[..1], &users).is_none(),
            "two target records for one source"
        );
        assert_eq!(index_exact(&users, &[]).len(), 1);
    }

    #[test]
    fn hyperproof_delete_becomes_deactivate_plus_manual() {
        let p = plan(
            &[DirectoryUser::new("keep@x.io")],
            &[
                DirectoryUser::new("keep@x.io"),
                DirectoryUser::new("gone@x.io").with_app_id("9"),
            ],
            &catalog::scim()
                .to_builder()
                .step(
                    Operation::Delete,
                    Route::AdminConsole,
                    "an admin deletes it",
                )
                .build(),
            &SyncPolicy::default()
                .deprovision(Deprovision::Delete)
                .max_deprovision_share(1.0),
        );
        let labels: Vec<_> = p.actionable().map(|i| i.action.label()).collect();
        assert_eq!(labels, ["deactivate", "manual"]);
    }
}
