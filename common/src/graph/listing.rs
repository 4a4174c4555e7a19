//! [`Listing`]: users that provably are everything an app or a source holds, with a
//! fingerprint; [`plan_listings`] and [`apply_reviewed`], which plan only from such
//! listings and apply a saved, reviewed plan only to the target it was made from.

use std::borrow::Cow;

use sha2::{Digest, Sha256};

use super::apply::{ApplyMode, apply};
use super::catalog::{CatalogEntry, Operation};
use super::directory::UserDirectory;
use super::plan::{SyncPlan, plan};
use super::policy::SyncPolicy;
use super::report::SyncReport;
use super::user::DirectoryUser;
use crate::error::{Error, Result};
use crate::paginate::{Items, ListingFault, ListingSummary, StopReason};

/// Users that are, by the server's own answers, everything it holds.
///
/// Made by [`Listing::complete`] from a listing stream, which refuses a listing that
/// ended with an error, was capped, or whose count disagrees with the total the server
/// reported; or by [`Listing::from_source`] for users you hold already (a CSV export, a
/// fixture), for which you vouch.
///
/// [`fingerprint`](Self::fingerprint) identifies the content as listed
/// (order-insensitive): a plan made from this listing carries it, and [`apply_reviewed`]
/// refuses to run the plan against a target whose listing has another. Link keys given
/// to the accounts afterwards with [`Listing::carry_link_keys`] do not change it: they
/// come from your records, not from the server, and a fresh listing of an unchanged
/// target does not carry them.
///
/// ```
/// use idgraph_common::graph::{DirectoryUser, Listing};
///
/// let a = Listing::from_source(vec![DirectoryUser::new("ada@example.com"), DirectoryUser::new("bob@example.com")]);
/// let b = Listing::from_source(vec![DirectoryUser::new("bob@example.com"), DirectoryUser::new("ada@example.com")]);
/// assert_eq!(a.fingerprint(), b.fingerprint());
/// assert!(a.fingerprint().starts_with("sha256:"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    users: Vec<DirectoryUser>,
    summary: Option<ListingSummary>,
    fingerprint: String,
}

impl Listing {
    /// Reads `items` to the end and keeps them only if the listing is provably complete.
    ///
    /// Fails with the stream's own error when it ended with one (for example
    /// [`Error::IncompleteListing`] from the paginator's guards), and with
    /// [`Error::IncompleteListing`] when it ended cleanly but not completely: capped by
    /// `max_pages`, or fewer or more distinct users than the server's reported total.
    pub async fn complete(items: Items<DirectoryUser>) -> Result<Self> {
        let (users, summary) = items.collect_with_summary().await?;
        let short = |reason: ListingFault| Error::IncompleteListing {
            received: summary.items,
            expected: summary.reported_total,
            pages: summary.pages,
            reason,
        };
        if summary.stop == StopReason::MaxPages || !summary.is_complete() {
            return Err(short(ListingFault::StoppedAtMaxPages));
        }
        let counted = users.len() as u64;
        match summary.reported_total {
            Some(total) if counted < total => return Err(short(ListingFault::EndedBeforeTotal)),
            Some(total) if counted > total => return Err(short(ListingFault::MoreThanReported)),
            _ => {}
        }
        Ok(Self::new(users, Some(summary)))
    }

    /// Users you hold already and vouch for as complete (a source export, a fixture).
    pub fn from_source(users: Vec<DirectoryUser>) -> Self {
        Self::new(users, None)
    }

    fn new(users: Vec<DirectoryUser>, summary: Option<ListingSummary>) -> Self {
        let fingerprint = fingerprint(&users);
        Self {
            users,
            summary,
            fingerprint,
        }
    }

    /// The users.
    pub fn users(&self) -> &[DirectoryUser] {
        &self.users
    }

    /// The users, by value.
    pub fn into_users(self) -> Vec<DirectoryUser> {
        self.users
    }

    /// How the listing ended, for listings read from a stream.
    pub fn summary(&self) -> Option<&ListingSummary> {
        self.summary.as_ref()
    }

    /// `sha256:` and the hex SHA-256 of the users' content as listed, independent of
    /// their order (and of the order of each user's groups); link keys carried since
    /// with [`carry_link_keys`](Self::carry_link_keys) are not part of it.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// [`carry_link_keys`](fn@carry_link_keys) on this listing's accounts, keeping the
    /// [`fingerprint`](Self::fingerprint) of what the server listed.
    ///
    /// Use this, not the free function on [`into_users`](Self::into_users) and a new
    /// [`Listing::from_source`], to plan a reviewed rename in an app that stores no link
    /// keys (Proofpoint): [`apply_reviewed`] lists the target again, and that listing has
    /// no link keys, so a fingerprint that included the carried keys would never match
    /// and the plan would always be refused as stale.
    ///
    /// ```
    /// use idgraph_common::graph::{DirectoryUser, Listing};
    ///
    /// let listed = vec![DirectoryUser::new("jane.doe@example.com").with_app_id("jane.doe@example.com")];
    /// let mut target = Listing::from_source(listed.clone());
    /// target.carry_link_keys(&[DirectoryUser::new("jane.doe@example.com").with_external_id("00u1")]);
    /// assert_eq!(target.users()[0].external_id(), Some("00u1"));
    /// // Still the fingerprint of what was listed.
    /// assert_eq!(target.fingerprint(), Listing::from_source(listed).fingerprint());
    /// ```
    pub fn carry_link_keys(&mut self, previous_source: &[DirectoryUser]) {
        carry_link_keys(&mut self.users, previous_source);
    }
}

/// The order-insensitive fingerprint of `users`: each user's canonical JSON is hashed,
/// the hashes sorted, and those hashed again.
fn fingerprint(users: &[DirectoryUser]) -> String {
    let mut each: Vec<[u8; 32]> = users
        .iter()
        .map(|u| {
            let mut groups: Vec<&str> = u.groups().iter().collect();
            groups.sort_unstable();
            let mut u = u.clone();
            u.set_groups(groups);
            // DirectoryUser serialises infallibly (strings, bools and lists only); an
            // error would hash as empty, which still differs from any real user.
            let json = serde_json::to_vec(&u).unwrap_or_default();
            Sha256::digest(&json).into()
        })
        .collect();
    each.sort_unstable();
    let mut all = Sha256::new();
    for h in &each {
        all.update(h);
    }
    let digest = all.finalize();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// For apps that do not store link keys (the catalog's `stores.external_id` is `false`,
/// as for Proofpoint): gives each listed account without one the link key of the person
/// it was synced from, found by email in `previous_source` (the source as you applied it
/// before, which you keep; several snapshots may be concatenated). Then [`plan`]
/// recognises a person whose email changed since as a rename instead of a new person
/// and a leaver. Accounts that already carry a link key, and emails the previous source
/// gives different link keys, are left as they are.
///
/// For a reviewed plan ([`plan_listings`], [`apply_reviewed`]) use
/// [`Listing::carry_link_keys`] instead, which keeps the listing's fingerprint that of
/// what the server listed.
///
/// ```
/// use idgraph_common::graph::{carry_link_keys, DirectoryUser};
///
/// let previous = [DirectoryUser::new("jane.doe@example.com").with_external_id("00u1")];
/// let mut listed = [DirectoryUser::new("JANE.DOE@example.com").with_app_id("jane.doe@example.com")];
/// carry_link_keys(&mut listed, &previous);
/// assert_eq!(listed[0].external_id(), Some("00u1"));
/// ```
pub fn carry_link_keys(target: &mut [DirectoryUser], previous_source: &[DirectoryUser]) {
    let mut by_email: std::collections::HashMap<std::borrow::Cow<'_, str>, Option<&str>> =
        std::collections::HashMap::with_capacity(previous_source.len());
    for u in previous_source {
        let key = u.external_id().filter(|k| !k.is_empty());
        by_email
            .entry(u.email().key())
            // Listed twice with different link keys: no guess.
            .and_modify(|seen| {
                if *seen != key {
                    *seen = None;
                }
            })
            .or_insert(key);
    }
    for t in target.iter_mut().filter(|t| t.external_id().is_none()) {
        if let Some(&Some(key)) = by_email.get(t.email().key().as_ref()) {
            t.set_external_id(Some(key));
        }
    }
}

/// [`plan`] from two complete listings; the plan carries the target listing's
/// fingerprint ([`SyncPlan::target_fingerprint`]) so that [`apply_reviewed`] can prove
/// it runs against the state it was made from.
///
/// ```
/// use idgraph_common::graph::{plan_listings, catalog, DirectoryUser, Listing, SyncPolicy};
///
/// let source = Listing::from_source(vec![DirectoryUser::new("ada@example.com")]);
/// let target = Listing::from_source(Vec::new());
/// let p = plan_listings(&source, &target, catalog::scim(), &SyncPolicy::default());
/// assert_eq!(p.target_fingerprint.as_deref(), Some(target.fingerprint()));
/// ```
#[must_use = "a plan does nothing until applied"]
pub fn plan_listings(
    source: &Listing,
    target: &Listing,
    target_app: &CatalogEntry,
    policy: &SyncPolicy,
) -> SyncPlan {
    let mut p = plan(source.users(), target.users(), target_app, policy);
    p.target_fingerprint = Some(target.fingerprint().to_owned());
    p
}

/// Lists `target` (complete, or an error) for planning; a target that cannot be listed
/// (read-blind) has an unknown state and gives an empty listing, as [`plan`] expects.
pub async fn list_target(target: &dyn UserDirectory) -> Result<Listing> {
    if !target.catalog().by_api(Operation::List) {
        return Ok(Listing::from_source(Vec::new()));
    }
    Listing::complete(target.list_users()).await
}

/// Applies a saved plan (reviewed, for example as JSON, and read back with serde) only
/// if the target is still exactly what the plan was made from: the target is listed
/// again, completely, and its fingerprint must equal the plan's
/// [`target_fingerprint`](SyncPlan::target_fingerprint). Otherwise
/// [`Error::StalePlan`], and nothing is applied. A plan without a fingerprint (made by
/// [`plan`] rather than [`plan_listings`]) is refused the same way.
pub async fn apply_reviewed(
    plan: &SyncPlan,
    target: &dyn UserDirectory,
    mode: ApplyMode,
) -> Result<SyncReport> {
    let Some(planned) = plan.target_fingerprint.as_deref() else {
        return Err(Error::StalePlan {
            detail: Cow::Borrowed(
                "the plan carries no target fingerprint (make reviewed plans with plan_listings)",
            ),
        });
    };
    let now = list_target(target).await?;
    if now.fingerprint() != planned {
        return Err(Error::StalePlan {
            detail: Cow::Owned(format!(
                "the target changed since the plan was made (fingerprint {planned}, now {}, {} user(s))",
                now.fingerprint(),
                now.users().len()
            )),
        });
    }
    Ok(apply(plan, target, mode).await)
}
