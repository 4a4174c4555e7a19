//! [`SyncPolicy`]: what reconciliation may do, and the mass-deprovision guard.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::directory::Email;
use super::user::DirectoryUser;

/// What to do with target users that are absent from the source.
///
/// Users the source marks *inactive* are always deactivated (never deleted), whatever
/// this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Deprovision {
    /// Deactivate them (the account and its history are kept). The default.
    #[default]
    Deactivate,
    /// Delete them. Irreversible on most apps; deletes already-inactive users too.
    Delete,
    /// Leave them alone (reported as skipped).
    None,
}

/// The default [`SyncPolicy::max_deprovision_share`]: 10 % of the target.
pub const DEFAULT_MAX_DEPROVISION_SHARE: f64 = 0.10;

/// What a reconciliation may do.
///
/// Defaults: no exclusions, [`Deprovision::Deactivate`], at most 10 % of the target
/// deprovisioned per plan, nothing deprovisioned when the source is empty, groups
/// compared where the target's catalog says it manages them.
///
/// # The mass-deprovision guard
///
/// A truncated or empty export must never wipe an app. [`plan`](super::plan()) counts
/// every deactivation and deletion it would make, and *withholds all of them* (reporting
/// a [`GuardTripped`] instead) when
///
/// * the source has no user in scope at all, unless [`allow_empty_source`] was set; or
/// * they exceed `max(max_deprovision_share × candidates, deprovision_allowance)`, where
///   *candidates* are the target users in scope that the policy could deprovision (the
///   active ones; with [`Deprovision::Delete`], the inactive ones too).
///
/// Measuring against *active* users means an app with 900 dormant and 100 active
/// accounts is protected when the 100 would go.
///
/// [`allow_empty_source`]: SyncPolicy::allow_empty_source
///
/// ```
/// use idgraph_common::graph::{Deprovision, SyncPolicy};
///
/// let policy = SyncPolicy::default()
///     .exclude("svc-backup@example.com")
///     .deprovision(Deprovision::Deactivate)
///     .max_deprovision_share(0.05)
///     .deprovision_allowance(3);
/// assert!(policy.is_excluded(&"SVC-Backup@Example.com".into()));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SyncPolicy {
    excluded: HashSet<String>,
    deprovision: Deprovision,
    max_share: f64,
    allowance: usize,
    allow_empty_source: bool,
    sync_groups: bool,
    sync_roles: bool,
    excluded_groups: HashSet<String>,
    max_membership_share: f64,
    membership_allowance: usize,
    lossy_renames: bool,
}

impl Default for SyncPolicy {
    fn default() -> Self {
        Self {
            excluded: HashSet::new(),
            deprovision: Deprovision::Deactivate,
            max_share: DEFAULT_MAX_DEPROVISION_SHARE,
            allowance: 0,
            allow_empty_source: false,
            sync_groups: true,
            sync_roles: true,
            excluded_groups: HashSet::new(),
            max_membership_share: DEFAULT_MAX_DEPROVISION_SHARE,
            membership_allowance: 0,
            lossy_renames: false,
        }
    }
}

impl SyncPolicy {
    /// The default policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// Excludes a user by email (case-insensitive): never created, updated,
    /// deactivated or deleted; reported as skipped. Use for service accounts, shared
    /// mailboxes and break-glass admins.
    #[must_use]
    pub fn exclude(mut self, email: impl Into<Email>) -> Self {
        self.excluded.insert(email.into().key().to_owned());
        self
    }

    /// Excludes several users (see [`exclude`](Self::exclude)).
    ///
    /// ```
    /// use idgraph_common::graph::SyncPolicy;
    /// let p = SyncPolicy::default().exclude_all(["a@x.io", "B@x.io"]);
    /// assert!(p.is_excluded(&"b@X.IO".into()));
    /// ```
    #[must_use]
    pub fn exclude_all<I, E>(mut self, emails: I) -> Self
    where
        I: IntoIterator<Item = E>,
        E: Into<Email>,
    {
        for e in emails {
            self = self.exclude(e);
        }
        self
    }

    /// What to do with target users absent from the source. Default
    /// [`Deprovision::Deactivate`].
    #[must_use]
    pub fn deprovision(mut self, how: Deprovision) -> Self {
        self.deprovision = how;
        self
    }

    /// The largest share (0.0 to 1.0) of the candidates that one plan may deprovision.
    /// Default 0.10. Out-of-range values are clamped; NaN counts as 0 (nothing).
    /// `1.0` knowingly allows a plan to deprovision every user — except when the source
    /// is empty, which also needs [`allow_empty_source`](Self::allow_empty_source).
    ///
    /// ```
    /// use idgraph_common::graph::SyncPolicy;
    /// assert_eq!(SyncPolicy::default().max_deprovision_share(7.0).max_share(), 1.0);
    /// assert_eq!(SyncPolicy::default().max_deprovision_share(f64::NAN).max_share(), 0.0);
    /// ```
    #[must_use]
    pub fn max_deprovision_share(mut self, share: f64) -> Self {
        self.max_share = if share.is_nan() {
            0.0
        } else {
            share.clamp(0.0, 1.0)
        };
        self
    }

    /// A number of deprovisions that is always allowed whatever the share (when the
    /// source is not empty), so that one departure from a five-person app does not trip
    /// the guard. Default 0.
    #[must_use]
    pub fn deprovision_allowance(mut self, users: usize) -> Self {
        self.allowance = users;
        self
    }

    /// Allows deprovisioning when the source has no user in scope. Default `false`:
    /// an empty source is far more often a failed export than a decision to remove
    /// everyone. Only meaningful together with a share that allows the result.
    #[must_use]
    pub fn allow_empty_source(mut self, allow: bool) -> Self {
        self.allow_empty_source = allow;
        self
    }

    /// Whether to compare groups for targets whose catalog says they manage groups.
    /// Default `true`; turn it off when the source does not export group membership
    /// (an empty source list would otherwise remove every membership).
    #[must_use]
    pub fn sync_groups(mut self, sync: bool) -> Self {
        self.sync_groups = sync;
        self
    }

    /// Whether a rename may be carried out where the app's rename loses data (Proofpoint:
    /// the email is immutable, so the account is deleted and created again; the
    /// catalog's `rename_loses` says what is lost). Default `false`: such a rename is a
    /// manual item naming the losses, and nobody is created or deprovisioned for it.
    #[must_use]
    pub fn allow_lossy_renames(mut self, allow: bool) -> Self {
        self.lossy_renames = allow;
        self
    }

    /// Whether lossy renames are allowed ([`allow_lossy_renames`](Self::allow_lossy_renames)).
    pub fn lossy_renames_allowed(&self) -> bool {
        self.lossy_renames
    }

    /// `true` when `email` is excluded.
    pub fn is_excluded(&self, email: &Email) -> bool {
        !self.excluded.is_empty() && self.excluded.contains(email.key())
    }

    /// [`is_excluded`](Self::is_excluded) for a user's email, without making an
    /// [`Email`]. The planner asks for every user of both sides: when nothing is
    /// excluded the user's text is not even read (at a million users a side, reading it
    /// costs a cache miss per user).
    #[inline]
    pub(crate) fn excludes(&self, user: &DirectoryUser) -> bool {
        !self.excluded.is_empty() && self.excluded.contains(user.email().key().as_ref())
    }

    /// The configured deprovision mode.
    pub fn deprovision_mode(&self) -> Deprovision {
        self.deprovision
    }

    /// The configured maximum share.
    pub fn max_share(&self) -> f64 {
        self.max_share
    }

    /// Whether roles are compared where the target reports one and the source names
    /// one (default `true`).
    #[must_use]
    pub fn sync_roles(mut self, sync: bool) -> Self {
        self.sync_roles = sync;
        self
    }

    /// Leaves a group alone: never added, never removed, whatever the source says (for
    /// groups another system owns, such as an app's built-in `Everyone` or an admin
    /// group managed by hand). Compared exactly (group names are the app's own).
    #[must_use]
    pub fn exclude_group(mut self, group: impl Into<String>) -> Self {
        self.excluded_groups.insert(group.into());
        self
    }

    /// The largest share (0.0–1.0) of the target's group memberships one plan may
    /// remove before the membership guard withholds every removal (default 10 %, as for
    /// deprovisions): a source export that lost its group column must not empty every
    /// group. Adds are never withheld.
    #[must_use]
    pub fn max_membership_removal_share(mut self, share: f64) -> Self {
        self.max_membership_share = if share.is_finite() {
            share.clamp(0.0, 1.0)
        } else {
            DEFAULT_MAX_DEPROVISION_SHARE
        };
        self
    }

    /// Membership removals always allowed regardless of share (default 0), for small
    /// apps where one removal is already a large share.
    #[must_use]
    pub fn membership_removal_allowance(mut self, removals: usize) -> Self {
        self.membership_allowance = removals;
        self
    }

    /// Whether `group` is left alone ([`exclude_group`](Self::exclude_group)).
    pub fn is_group_excluded(&self, group: &str) -> bool {
        self.excluded_groups.contains(group)
    }

    /// Whether roles are compared.
    pub fn roles_synced(&self) -> bool {
        self.sync_roles
    }

    /// The membership guard: `Some` when `removals` of the target's `memberships`
    /// (in groups the policy manages) must be withheld.
    ///
    /// ```
    /// use idgraph_common::graph::SyncPolicy;
    /// let p = SyncPolicy::default();
    /// assert!(p.check_membership_guard(100, 10).is_none());
    /// let t = p.check_membership_guard(100, 11).unwrap();
    /// assert_eq!((t.would_remove, t.max_allowed), (11, 10));
    /// ```
    pub fn check_membership_guard(
        &self,
        memberships: usize,
        removals: usize,
    ) -> Option<MembershipGuardTripped> {
        if removals == 0 {
            return None;
        }
        let by_share = (self.max_membership_share * memberships as f64).floor() as usize;
        let max_allowed = by_share.max(self.membership_allowance);
        (removals > max_allowed).then_some(MembershipGuardTripped {
            would_remove: removals,
            memberships,
            max_allowed,
            max_share: self.max_membership_share,
        })
    }

    /// Whether groups are compared (where the target manages them).
    pub fn groups_synced(&self) -> bool {
        self.sync_groups
    }

    /// The guard decision: `Some` when `deprovisions` must be withheld.
    ///
    /// `source_in_scope` is the number of source users not excluded; `candidates` the
    /// number of target users the policy could deprovision.
    ///
    /// ```
    /// use idgraph_common::graph::{GuardReason, SyncPolicy};
    /// let p = SyncPolicy::default();
    /// assert!(p.check_guard(95, 100, 10).is_none());
    /// let t = p.check_guard(50, 100, 50).unwrap();
    /// assert_eq!(t.reason, GuardReason::ShareExceeded);
    /// assert_eq!(p.check_guard(0, 100, 1).unwrap().reason, GuardReason::EmptySource);
    /// ```
    pub fn check_guard(
        &self,
        source_in_scope: usize,
        candidates: usize,
        deprovisions: usize,
    ) -> Option<GuardTripped> {
        if deprovisions == 0 {
            return None;
        }
        let by_share = (self.max_share * candidates as f64).floor() as usize;
        let max_allowed = by_share.max(self.allowance).min(candidates);
        let reason = if source_in_scope == 0 && !self.allow_empty_source {
            GuardReason::EmptySource
        } else if deprovisions > max_allowed {
            GuardReason::ShareExceeded
        } else {
            return None;
        };
        Some(GuardTripped {
            reason,
            would_deprovision: deprovisions,
            candidates,
            max_allowed: if reason == GuardReason::EmptySource {
                0
            } else {
                max_allowed
            },
            max_share: self.max_share,
        })
    }
}

/// Why the guard withheld deprovisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GuardReason {
    /// The source had no user in scope.
    EmptySource,
    /// More than the allowed share of the target would be deprovisioned.
    ShareExceeded,
}

/// The mass-deprovision guard refused a plan's deactivations and deletions.
///
/// ```
/// use idgraph_common::graph::SyncPolicy;
/// let t = SyncPolicy::default().check_guard(50, 100, 50).unwrap();
/// assert_eq!(
///     t.to_string(),
///     "refused to deprovision 50 of 100 target users (50.0 %): the policy allows at most 10 \
///      (10.0 %); a truncated source must not wipe an app. If intended, raise \
///      SyncPolicy::max_deprovision_share"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GuardTripped {
    /// Why.
    pub reason: GuardReason,
    /// How many deactivations and deletions were withheld.
    pub would_deprovision: usize,
    /// How many target users the policy could deprovision (the denominator).
    pub candidates: usize,
    /// How many it would have allowed.
    pub max_allowed: usize,
    /// The configured share.
    pub max_share: f64,
}

impl fmt::Display for GuardTripped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            GuardReason::EmptySource => write!(
                f,
                "refused to deprovision {} of {} target users: the source has no users in \
                 scope, which is far more often a failed export than a decision. If intended, \
                 set SyncPolicy::allow_empty_source and a max_deprovision_share that allows it",
                self.would_deprovision, self.candidates
            ),
            GuardReason::ShareExceeded => {
                let pct = |n: usize| {
                    if self.candidates == 0 {
                        100.0
                    } else {
                        n as f64 * 100.0 / self.candidates as f64
                    }
                };
                write!(
                    f,
                    "refused to deprovision {} of {} target users ({:.1} %): the policy allows \
                     at most {} ({:.1} %); a truncated source must not wipe an app. If \
                     intended, raise SyncPolicy::max_deprovision_share",
                    self.would_deprovision,
                    self.candidates,
                    pct(self.would_deprovision),
                    self.max_allowed,
                    self.max_share * 100.0
                )
            }
        }
    }
}

/// The membership guard refused a plan's group-membership removals (adds and every
/// other change go ahead).
///
/// ```
/// use idgraph_common::graph::SyncPolicy;
/// let t = SyncPolicy::default().check_membership_guard(40, 30).unwrap();
/// assert_eq!(
///     t.to_string(),
///     "refused to remove 30 of 40 group memberships (75.0 %): the policy allows at most 4 \
///      (10.0 %); a source that lost its groups must not empty an app's groups. If intended, \
///      raise SyncPolicy::max_membership_removal_share"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MembershipGuardTripped {
    /// How many membership removals were withheld.
    pub would_remove: usize,
    /// How many memberships (in groups the policy manages) the target has.
    pub memberships: usize,
    /// How many removals it would have allowed.
    pub max_allowed: usize,
    /// The configured share.
    pub max_share: f64,
}

impl fmt::Display for MembershipGuardTripped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = if self.memberships == 0 {
            100.0
        } else {
            self.would_remove as f64 * 100.0 / self.memberships as f64
        };
        write!(
            f,
            "refused to remove {} of {} group memberships ({pct:.1} %): the policy allows at \
             most {} ({:.1} %); a source that lost its groups must not empty an app's groups. \
             If intended, raise SyncPolicy::max_membership_removal_share",
            self.would_remove,
            self.memberships,
            self.max_allowed,
            self.max_share * 100.0
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_boundaries() {
        let p = SyncPolicy::default();
        assert!(p.check_guard(90, 100, 10).is_none());
        assert!(p.check_guard(89, 100, 11).is_some());
        assert!(p.check_guard(5, 5, 1).is_some(), "20 % of a tiny app");
        assert!(
            p.clone()
                .deprovision_allowance(1)
                .check_guard(4, 5, 1)
                .is_none()
        );
        let all = p.clone().max_deprovision_share(1.0);
        assert!(all.check_guard(1, 100, 100).is_none());
        assert_eq!(
            all.check_guard(0, 100, 100).map(|t| t.reason),
            Some(GuardReason::EmptySource)
        );
        assert!(
            all.allow_empty_source(true)
                .check_guard(0, 100, 100)
                .is_none()
        );
        assert!(p.check_guard(0, 100, 0).is_none(), "nothing to withhold");
    }
}
