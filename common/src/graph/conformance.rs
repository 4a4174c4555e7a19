//! One conformance suite for every [`UserDirectory`] implementation.
//!
//! Run it against your implementation (over your wiremock fake of the vendor's API)
//! with the knobs that describe the app; it returns a [`ConformanceReport`] listing every
//! check, and passes when every check passes.
//!
//! ```
//! use idgraph_common::graph::conformance::{self, Knobs};
//! use idgraph_common::graph::memory::MemoryDirectory;
//! use idgraph_common::graph::{ReadBlind, UserDirectory, catalog};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let dir = MemoryDirectory::new(catalog::scim());
//! let report = conformance::run(&dir, &Knobs::from_catalog(dir.catalog())).await;
//! assert!(report.passed(), "{report}");
//!
//! let proof = ReadBlind::proof();
//! let report = conformance::run(&proof, &Knobs::from_catalog(proof.catalog())).await;
//! assert!(report.passed(), "{report}");
//! # }
//! ```
//!
//! The writable scenario creates one user named `conformance-<random>@<email_domain>`,
//! reads it back (listing and [`UserDirectory::get_user`]), changes it (its role too,
//! where the app has roles by API), deactivates and reactivates it, renames it where
//! the catalog says renames go by API (after checking that a rename to the email of a
//! second test user, `conformance-<random>-other@<email_domain>`, is refused), and
//! finally deletes both users (or, where the app cannot delete by API, leaves them
//! deactivated). What does not apply to the app is listed in
//! [`ConformanceReport::skipped`] with the reason. Point it at a fake or a sandbox, never
//! at a production tenant.

use std::collections::BTreeSet;
use std::fmt;

use futures::TryStreamExt;

use super::catalog::{Attributes, CatalogEntry, Operation};
use super::directory::{CreateKind, Email, UserDirectory};
use super::plan::plan;
use super::policy::SyncPolicy;
use super::report::write_table;
use super::user::DirectoryUser;
use crate::error::Error;

/// What the suite expects of the implementation under test.
///
/// [`Knobs::from_catalog`] derives every knob from the catalog entry; override the ones
/// your app differs on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Knobs {
    /// The app cannot be read or changed: every operation must answer
    /// [`Error::Unsupported`].
    pub read_blind: bool,
    /// `delete` removes the user (otherwise it must answer an error).
    pub supports_delete: bool,
    /// The app stores and lists group membership.
    pub reports_groups: bool,
    /// Creating an existing email (in another case) must fail.
    pub rejects_duplicate_create: bool,
    /// The domain of the test user's email (Proofpoint requires a registered one).
    pub email_domain: String,
    /// Group names the test user is put in when the app reports groups (they must exist
    /// in the app, or be created by it).
    pub groups: [String; 2],
    /// The attributes the app stores; only these are expected back.
    pub stores: Attributes,
    /// `rename_user` changes the email by API (otherwise it must answer
    /// [`Error::Unsupported`]).
    pub supports_rename: bool,
    /// A rename keeps the account (same app id); `false` where the catalog says a
    /// rename loses things ([`Lifecycle::rename_loses`](super::catalog::Lifecycle::rename_loses)):
    /// the app deletes and recreates, so only the email, the attributes and the active
    /// state are expected to survive.
    pub rename_keeps_account: bool,
    /// `update_user` changes the role by API; role changes are checked where the app
    /// also stores a role ([`Attributes::role`]).
    pub supports_role: bool,
    /// Two roles the app has (the test user is given the first, then the second), used
    /// where the app stores roles and changes them by API.
    pub roles: [String; 2],
}

impl Knobs {
    /// The knobs `entry` implies.
    pub fn from_catalog(entry: &CatalogEntry) -> Self {
        Self {
            read_blind: entry.is_read_blind(),
            supports_delete: entry.by_api(Operation::Delete),
            reports_groups: entry.lifecycle.stores.groups,
            rejects_duplicate_create: true,
            email_domain: "example.com".into(),
            groups: ["conformance-a".into(), "conformance-b".into()],
            stores: entry.lifecycle.stores,
            supports_rename: entry.by_api(Operation::Rename),
            rename_keeps_account: entry.lifecycle.rename_loses.is_empty(),
            supports_role: entry.by_api(Operation::Role),
            roles: ["conformance-role-a".into(), "conformance-role-b".into()],
        }
    }

    /// Whether the role checks apply: the app stores a role and changes it by API.
    fn manages_role(&self) -> bool {
        self.stores.role && self.supports_role
    }

    /// Sets [`Knobs::supports_rename`].
    #[must_use]
    pub fn supports_rename(mut self, yes: bool) -> Self {
        self.supports_rename = yes;
        self
    }

    /// Sets [`Knobs::rename_keeps_account`].
    #[must_use]
    pub fn rename_keeps_account(mut self, yes: bool) -> Self {
        self.rename_keeps_account = yes;
        self
    }

    /// Sets [`Knobs::supports_role`].
    #[must_use]
    pub fn supports_role(mut self, yes: bool) -> Self {
        self.supports_role = yes;
        self
    }

    /// Sets [`Knobs::roles`].
    #[must_use]
    pub fn roles(mut self, a: impl Into<String>, b: impl Into<String>) -> Self {
        self.roles = [a.into(), b.into()];
        self
    }

    /// Sets [`Knobs::supports_delete`].
    #[must_use]
    pub fn supports_delete(mut self, yes: bool) -> Self {
        self.supports_delete = yes;
        self
    }

    /// Sets [`Knobs::reports_groups`].
    #[must_use]
    pub fn reports_groups(mut self, yes: bool) -> Self {
        self.reports_groups = yes;
        self
    }

    /// Sets [`Knobs::read_blind`].
    #[must_use]
    pub fn read_blind(mut self, yes: bool) -> Self {
        self.read_blind = yes;
        self
    }

    /// Sets [`Knobs::rejects_duplicate_create`].
    #[must_use]
    pub fn rejects_duplicate_create(mut self, yes: bool) -> Self {
        self.rejects_duplicate_create = yes;
        self
    }

    /// Sets [`Knobs::email_domain`].
    #[must_use]
    pub fn email_domain(mut self, domain: impl Into<String>) -> Self {
        self.email_domain = domain.into();
        self
    }

    /// Sets [`Knobs::groups`].
    #[must_use]
    pub fn groups(mut self, a: impl Into<String>, b: impl Into<String>) -> Self {
        self.groups = [a.into(), b.into()];
        self
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Check {
    /// The check's name.
    pub name: &'static str,
    /// `Ok`, or what went wrong.
    pub result: Result<(), String>,
}

/// A check the suite did not run, and why (the catalog says the app cannot do it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Skipped {
    /// The check's name.
    pub name: &'static str,
    /// Why it does not apply.
    pub reason: String,
}

/// Every check the suite ran, and those it skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConformanceReport {
    /// The app under test.
    pub app: String,
    /// The checks, in order.
    pub checks: Vec<Check>,
    /// The checks that do not apply to the app, with the reason.
    pub skipped: Vec<Skipped>,
}

impl ConformanceReport {
    /// `true` when every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.result.is_ok())
    }

    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &Check> + '_ {
        self.checks.iter().filter(|c| c.result.is_err())
    }

    /// The names of every check that ran.
    pub fn names(&self) -> Vec<&'static str> {
        self.checks.iter().map(|c| c.name).collect()
    }

    /// The names of every check that was skipped.
    pub fn skipped_names(&self) -> Vec<&'static str> {
        self.skipped.iter().map(|s| s.name).collect()
    }
}

impl fmt::Display for ConformanceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = self.failures().count();
        write!(
            f,
            "UserDirectory conformance for {}: {} passed, {} failed",
            self.app,
            self.checks.len() - failed,
            failed
        )?;
        if !self.skipped.is_empty() {
            write!(f, ", {} skipped", self.skipped.len())?;
        }
        writeln!(f)?;
        let rows: Vec<Vec<String>> = self
            .checks
            .iter()
            .map(|c| {
                let (status, detail) = match &c.result {
                    Ok(()) => ("ok", String::new()),
                    Err(e) => ("FAILED", e.clone()),
                };
                vec![c.name.to_owned(), status.to_owned(), detail]
            })
            .chain(
                self.skipped
                    .iter()
                    .map(|s| vec![s.name.to_owned(), "skipped".to_owned(), s.reason.clone()]),
            )
            .collect();
        write_table(f, &["CHECK", "RESULT", "DETAIL"], &rows)
    }
}

type CheckResult = Result<(), String>;

fn ensure(cond: bool, msg: impl FnOnce() -> String) -> CheckResult {
    if cond { Ok(()) } else { Err(msg()) }
}

/// Runs every check that applies to `knobs` against `dir`.
pub async fn run(dir: &dyn UserDirectory, knobs: &Knobs) -> ConformanceReport {
    let entry = dir.catalog();
    let mut checks = vec![Check {
        name: "knobs_agree_with_catalog",
        result: knobs_agree(entry, knobs),
    }];
    let mut skipped = Vec::new();
    if knobs.read_blind {
        read_blind(dir, &mut checks).await;
    } else {
        writable(dir, knobs, &mut checks, &mut skipped).await;
    }
    ConformanceReport {
        app: entry.name.clone(),
        checks,
        skipped,
    }
}

fn knobs_agree(entry: &CatalogEntry, k: &Knobs) -> CheckResult {
    let mut problems = Vec::new();
    if entry.is_read_blind() != k.read_blind {
        problems.push(format!(
            "catalog read-blind is {}, knob says {}",
            entry.is_read_blind(),
            k.read_blind
        ));
    }
    if !k.read_blind && entry.by_api(Operation::Delete) != k.supports_delete {
        problems.push(format!(
            "catalog delete-by-API is {}, knob says {}",
            entry.by_api(Operation::Delete),
            k.supports_delete
        ));
    }
    if !k.read_blind && entry.lifecycle.stores.groups != k.reports_groups {
        problems.push(format!(
            "catalog stores.groups is {}, knob says {} (the planner compares groups by the \
             catalog, so a mismatch makes every plan non-idempotent)",
            entry.lifecycle.stores.groups, k.reports_groups
        ));
    }
    if !k.read_blind && entry.by_api(Operation::Rename) != k.supports_rename {
        problems.push(format!(
            "catalog rename-by-API is {}, knob says {}",
            entry.by_api(Operation::Rename),
            k.supports_rename
        ));
    }
    if !k.read_blind && entry.lifecycle.rename_loses.is_empty() != k.rename_keeps_account {
        problems.push(format!(
            "catalog says a rename loses {:?}, knob says it keeps the account: {}",
            entry.lifecycle.rename_loses, k.rename_keeps_account
        ));
    }
    if !k.read_blind && entry.by_api(Operation::Role) != k.supports_role {
        problems.push(format!(
            "catalog role-by-API is {}, knob says {}",
            entry.by_api(Operation::Role),
            k.supports_role
        ));
    }
    if !k.read_blind && entry.lifecycle.stores != k.stores {
        problems.push(format!(
            "catalog stores {:?}, knob says {:?} (the planner compares only stored attributes)",
            entry.lifecycle.stores, k.stores
        ));
    }
    ensure(problems.is_empty(), || problems.join("; "))
}

fn unsupported_ok(entry: &CatalogEntry, op: Operation, e: &Error) -> CheckResult {
    match e {
        Error::Unsupported {
            app,
            operation,
            instead,
        } => {
            ensure(*app == entry.name, || {
                format!("names app {app:?}, expected {:?}", entry.name)
            })?;
            ensure(operation == op.as_str(), || {
                format!("names operation {operation:?}, expected {:?}", op.as_str())
            })?;
            ensure(instead.trim().len() >= 10, || {
                "says nothing useful to do instead".into()
            })?;
            ensure(!e.was_sent(), || "claims to have been sent".into())
        }
        other => Err(format!("expected an unsupported error, got: {other}")),
    }
}

async fn read_blind(dir: &dyn UserDirectory, checks: &mut Vec<Check>) {
    let entry = dir.catalog();
    let mut stream = dir.list_users();
    let first = stream.try_next().await;
    let result = match first {
        Err(e) => unsupported_ok(entry, Operation::List, &e).and_then(|()| {
            ensure(e.to_string().contains("no API to list"), || {
                format!("the error should say there is no API to list users: {e}")
            })
        }),
        Ok(Some(u)) => Err(format!(
            "listed a user ({}) from a read-blind app",
            u.email()
        )),
        Ok(None) => Err("an empty listing hides that the app cannot be listed".into()),
    };
    let result = match result {
        Ok(()) => match stream.try_next().await {
            Ok(None) => Ok(()),
            _ => Err("the stream goes on after the unsupported error".into()),
        },
        err => err,
    };
    checks.push(Check {
        name: "list_is_unsupported",
        result,
    });

    let u = DirectoryUser::new("conformance@example.com").with_app_id("x");
    let renamed = Email::new("conformance-renamed@example.com");
    let results = [
        (
            "get_is_unsupported",
            Operation::List,
            dir.get_user(&u).await.map(drop),
        ),
        (
            "rename_is_unsupported",
            Operation::Rename,
            dir.rename_user(&u, &renamed).await.map(drop),
        ),
        (
            "create_is_unsupported",
            Operation::Create,
            dir.create_user(&u).await.map(drop),
        ),
        (
            "update_is_unsupported",
            Operation::Update,
            dir.update_user(&u).await.map(drop),
        ),
        (
            "deactivate_is_unsupported",
            Operation::Deactivate,
            dir.deactivate_user(&u).await.map(drop),
        ),
        (
            "delete_is_unsupported",
            Operation::Delete,
            dir.delete_user(&u).await,
        ),
    ];
    for (name, op, r) in results {
        let result = match r {
            Ok(()) => Err(format!("{op} succeeded on a read-blind app")),
            Err(e) => unsupported_ok(entry, op, &e),
        };
        checks.push(Check { name, result });
    }
}

async fn list(dir: &dyn UserDirectory) -> Result<Vec<DirectoryUser>, String> {
    let (users, summary) = dir
        .list_users()
        .collect_with_summary()
        .await
        .map_err(|e| format!("listing failed: {e}"))?;
    ensure(summary.is_complete(), || {
        format!("the listing did not end complete: {summary}")
    })?;
    ensure(summary.items == users.len() as u64, || {
        format!(
            "the summary says {} items, {} arrived",
            summary.items,
            users.len()
        )
    })?;
    Ok(users)
}

async fn find(dir: &dyn UserDirectory, email: &Email) -> Result<Option<DirectoryUser>, String> {
    let users = list(dir).await?;
    let mut matching = users.into_iter().filter(|u| u.email() == *email);
    let first = matching.next();
    ensure(matching.next().is_none(), || {
        format!("{email} is listed more than once")
    })?;
    Ok(first)
}

async fn listed(dir: &dyn UserDirectory, email: &Email) -> Result<DirectoryUser, String> {
    find(dir, email)
        .await?
        .ok_or_else(|| format!("{email} is not listed"))
}

/// `got` has what `want` asks for, of what the app stores: email, the stored text
/// attributes `want` sets, active, groups (as a set, where the app reports them), the
/// role (where the app manages one and `want` names it), and some app id.
fn same_attrs(got: &DirectoryUser, want: &DirectoryUser, k: &Knobs) -> CheckResult {
    let stores = k.stores;
    let mut diffs = Vec::new();
    if got.email() != want.email() {
        diffs.push(format!("email {} ≠ {}", got.email(), want.email()));
    }
    let text = [
        (
            "given_name",
            stores.names,
            got.given_name(),
            want.given_name(),
        ),
        (
            "family_name",
            stores.names,
            got.family_name(),
            want.family_name(),
        ),
        (
            "display_name",
            stores.display_name,
            got.display_name(),
            want.display_name(),
        ),
        (
            "external_id",
            stores.external_id,
            got.external_id(),
            want.external_id(),
        ),
        ("role", k.manages_role(), got.role(), want.role()),
    ];
    for (name, stored, g, w) in text {
        if stored && w.is_some() && g != w {
            diffs.push(format!("{name} {g:?} ≠ {w:?}"));
        }
    }
    if got.is_active() != want.is_active() {
        diffs.push(format!("active {} ≠ {}", got.is_active(), want.is_active()));
    }
    if k.reports_groups {
        let g: BTreeSet<&str> = got.groups().iter().collect();
        let w: BTreeSet<&str> = want.groups().iter().collect();
        if g != w {
            diffs.push(format!("groups {g:?} ≠ {w:?}"));
        }
    }
    if got.app_id().is_none() {
        diffs.push("no app_id".into());
    }
    ensure(diffs.is_empty(), || diffs.join("; "))
}

/// `u` with its groups sorted: the order groups come in is the app's, not a fact.
fn canonical(mut u: DirectoryUser) -> DirectoryUser {
    let mut groups = u.groups().to_vec();
    groups.sort();
    u.set_groups(groups);
    u
}

/// `get_user(of)` answers exactly what the listing says of that user.
async fn reads_as_listed(
    dir: &dyn UserDirectory,
    of: &DirectoryUser,
    listed: &DirectoryUser,
    how: &str,
) -> CheckResult {
    let got = dir
        .get_user(of)
        .await
        .map_err(|e| format!("get_user {how} failed: {e}"))?;
    let (got, listed) = (canonical(got), canonical(listed.clone()));
    ensure(got == listed, || {
        format!("get_user {how} answers {got:?}, the listing says {listed:?}")
    })
}

/// `get_user(of)` is an error for which `is_not_found()` is true.
async fn not_found(dir: &dyn UserDirectory, of: &DirectoryUser, how: &str) -> CheckResult {
    match dir.get_user(of).await {
        Ok(u) => Err(format!("get_user {how} found {u:?}")),
        Err(e) => ensure(e.is_not_found(), || {
            format!("get_user {how}: expected a not-found error, got: {e}")
        }),
    }
}

/// Deletes `u`, or where the app cannot delete by API leaves it deactivated.
async fn remove(dir: &dyn UserDirectory, k: &Knobs, u: &DirectoryUser) {
    if k.supports_delete {
        let _ = dir.delete_user(u).await;
    } else {
        let _ = dir.deactivate_user(u).await;
    }
}

/// The writable scenario; stops at the first check later ones depend on.
async fn writable(
    dir: &dyn UserDirectory,
    k: &Knobs,
    checks: &mut Vec<Check>,
    skipped: &mut Vec<Skipped>,
) {
    let entry = dir.catalog();
    let run = fastrand::u64(..);
    let mut email = Email::new(format!("conformance-{run:016x}@{}", k.email_domain));
    let mut source = DirectoryUser::new(email.clone())
        .with_names("Conformance", "Tester")
        .with_display_name("Conformance Tester")
        .with_external_id("conformance-ext-1");
    if k.reports_groups {
        source = source.with_groups([k.groups[0].clone()]);
    }
    if k.manages_role() {
        source = source.with_role(k.roles[0].clone());
    }
    let mut skip = |name: &'static str, reason: String| skipped.push(Skipped { name, reason });

    macro_rules! check {
        ($name:literal, $body:expr) => {{
            let result: CheckResult = async { $body }.await;
            let ok = result.is_ok();
            checks.push(Check {
                name: $name,
                result,
            });
            ok
        }};
    }

    // Create.
    let mut created: Option<DirectoryUser> = None;
    let ok = check!("create_returns_the_stored_user", {
        let c = dir
            .create_user(&source)
            .await
            .map_err(|e| format!("create failed: {e}"))?;
        ensure(c.kind == CreateKind::New, || {
            format!("a create of a new person says {:?}", c.kind)
        })?;
        same_attrs(&c.user, &source, k)?;
        created = Some(c.user);
        Ok(())
    });
    let Some(created) = created.filter(|_| ok) else {
        return;
    };

    check!("listed_after_create", {
        let u = listed(dir, &email).await?;
        same_attrs(&u, &source, k)?;
        ensure(u.app_id() == created.app_id(), || {
            format!(
                "listed app_id {:?} ≠ created {:?}",
                u.app_id(),
                created.app_id()
            )
        })
    });

    check!("get_user_answers_as_listed", {
        // `apply` re-reads with `get_user` before every destructive step and compares
        // the answer with the listing: any difference would refuse every such step.
        let u = listed(dir, &email).await?;
        reads_as_listed(dir, &created, &u, "by app id").await?;
        let by_email = DirectoryUser::new(email.as_str().to_uppercase());
        reads_as_listed(dir, &by_email, &u, "by email (upper case)").await
    });

    check!("get_user_unknown_is_not_found", {
        let ghost = format!("ghost-{:016x}@{}", fastrand::u64(..), k.email_domain);
        not_found(
            dir,
            &DirectoryUser::new(ghost.as_str()),
            "of an unknown email",
        )
        .await?;
        let ghost_id = DirectoryUser::new(ghost.as_str()).with_app_id(ghost.as_str());
        not_found(dir, &ghost_id, "of an unknown app id").await
    });

    check!("listing_plans_as_unchanged", {
        // What the app lists after a create must reconcile to nothing against the
        // source it was created from, or every sync would update it again.
        let u = listed(dir, &email).await?;
        let p = plan(
            std::slice::from_ref(&source),
            std::slice::from_ref(&u),
            entry,
            &SyncPolicy::default(),
        );
        ensure(p.is_noop(), || format!("plan is not empty:\n{p}"))
    });

    if k.rejects_duplicate_create {
        check!("duplicate_create_is_rejected", {
            let dup = DirectoryUser::new(email.as_str().to_uppercase()).with_names("Dup", "User");
            match dir.create_user(&dup).await {
                Ok(c) => Err(format!(
                    "creating {} again (upper case) succeeded: {:?}",
                    email,
                    c.user.app_id()
                )),
                Err(_) => Ok(()),
            }
        });
    }

    // Update by app id.
    let mut want = created.clone();
    want.set_given_name(Some("Renamed"));
    want.set_display_name(Some("Renamed Tester"));
    want.set_external_id(Some("conformance-ext-2"));
    check!("update_by_app_id", {
        let u = dir
            .update_user(&want)
            .await
            .map_err(|e| format!("update failed: {e}"))?;
        same_attrs(&u, &want, k)?;
        same_attrs(&listed(dir, &email).await?, &want, k)
    });

    // Update by email only, in another case.
    check!("update_by_email_case_insensitive", {
        let mut by_email = want.clone();
        by_email.set_app_id(None);
        by_email.set_email(&email.as_str().to_uppercase());
        by_email.set_family_name(Some("Retitled"));
        let u = dir
            .update_user(&by_email)
            .await
            .map_err(|e| format!("update by email failed: {e}"))?;
        ensure(u.family_name() == Some("Retitled"), || {
            format!("family_name is {:?}", u.family_name())
        })?;
        want.set_family_name(Some("Retitled"));
        same_attrs(&listed(dir, &email).await?, &want, k)
    });

    if k.manages_role() {
        check!("role_changes_by_update", {
            let mut r = want.clone();
            r.set_role(Some(&k.roles[1]));
            let u = dir
                .update_user(&r)
                .await
                .map_err(|e| format!("update of the role failed: {e}"))?;
            ensure(u.role() == r.role(), || {
                format!(
                    "update returned the role {:?}, not {:?}",
                    u.role(),
                    r.role()
                )
            })?;
            let l = listed(dir, &email).await?;
            ensure(l.role() == r.role(), || {
                format!("listed with the role {:?}, not {:?}", l.role(), r.role())
            })?;
            want.set_role(r.role());
            same_attrs(&l, &want, k)
        });
    } else if !k.stores.role {
        skip(
            "role_changes_by_update",
            "the app stores no role (catalog stores.role is false)".into(),
        );
    } else {
        skip(
            "role_changes_by_update",
            format!(
                "role changes are not by API: {}",
                entry.step(Operation::Role).how
            ),
        );
    }

    if k.reports_groups {
        check!("groups_are_a_set", {
            let mut g = want.clone();
            g.set_groups([&k.groups[1], &k.groups[0]]);
            dir.update_user(&g)
                .await
                .map_err(|e| format!("update of groups failed: {e}"))?;
            want.set_groups(g.groups());
            same_attrs(&listed(dir, &email).await?, &want, k)
        });
    } else {
        skip(
            "groups_are_a_set",
            "the app reports no groups (catalog stores.groups is false)".into(),
        );
    }

    check!("deactivate_keeps_the_user", {
        let now = dir
            .deactivate_user(&want)
            .await
            .map_err(|e| format!("deactivate failed: {e}"))?;
        ensure(!now.is_active(), || {
            "deactivate returned the user as still active".into()
        })?;
        let u = listed(dir, &email).await?;
        ensure(!u.is_active(), || "still active after deactivate".into())
    });

    check!("update_reactivates", {
        let mut again = want.clone();
        again.set_active(true);
        let u = dir
            .update_user(&again)
            .await
            .map_err(|e| format!("reactivating update failed: {e}"))?;
        ensure(u.is_active(), || {
            "update with active=true left it inactive".into()
        })?;
        ensure(listed(dir, &email).await?.is_active(), || {
            "listed inactive after reactivation".into()
        })
    });

    if k.supports_rename {
        rename(dir, k, checks, &mut skip, &mut email, &mut want).await;
    } else {
        check!("rename_is_refused", {
            let read = listed(dir, &email).await?;
            let new_email =
                Email::new(format!("conformance-{run:016x}-renamed@{}", k.email_domain));
            match dir.rename_user(&read, &new_email).await {
                Ok(u) => Err(format!(
                    "rename succeeded although the catalog says renames are not by API: {u:?}"
                )),
                Err(e) => {
                    unsupported_ok(entry, Operation::Rename, &e)?;
                    same_attrs(&listed(dir, &email).await?, &want, k)
                }
            }
        });
    }

    check!("unknown_user_is_an_error", {
        let ghost = DirectoryUser::new(format!(
            "ghost-{:016x}@{}",
            fastrand::u64(..),
            k.email_domain
        ));
        let up = dir.update_user(&ghost).await;
        let de = dir.deactivate_user(&ghost).await;
        ensure(up.is_err(), || "update of an unknown user succeeded".into())?;
        ensure(de.is_err(), || {
            "deactivate of an unknown user succeeded".into()
        })
    });

    if k.supports_delete {
        check!("delete_removes_the_user", {
            match dir.delete_user(&want).await {
                Ok(()) => {}
                // An app may degrade a delete to a deactivation, and must say so.
                Err(Error::Incomplete { .. }) => {}
                Err(e) => return Err(format!("delete failed: {e}")),
            }
            match find(dir, &email).await? {
                None => Ok(()),
                Some(u) if !u.is_active() => Ok(()),
                Some(_) => Err("still listed and active after delete".into()),
            }
        });
    } else {
        check!("delete_is_refused", {
            match dir.delete_user(&want).await {
                Ok(()) => Err("delete succeeded although the app cannot delete by API".into()),
                Err(e) => {
                    unsupported_ok(entry, Operation::Delete, &e)?;
                    ensure(find(dir, &email).await?.is_some(), || {
                        "the user disappeared after a refused delete".into()
                    })
                }
            }
        });
        // Leave the test user deactivated.
        let _ = dir.deactivate_user(&want).await;
    }
}

/// The rename checks, where the catalog says renames go by API: a rename to an email
/// another user has is refused with a typed error and changes nothing; a rename keeps
/// the person (new email, same app id unless the catalog says a rename recreates the
/// account, same attributes, still active). `email` and `want` follow the rename.
async fn rename(
    dir: &dyn UserDirectory,
    k: &Knobs,
    checks: &mut Vec<Check>,
    skip: &mut impl FnMut(&'static str, String),
    email: &mut Email,
    want: &mut DirectoryUser,
) {
    let entry = dir.catalog();
    let stem = email
        .as_str()
        .split_once('@')
        .map_or(email.as_str(), |(local, _)| local)
        .to_owned();
    let mut push = |name: &'static str, result: CheckResult| {
        let ok = result.is_ok();
        checks.push(Check { name, result });
        ok
    };

    // A second user, whose email the first must not be renamed to.
    let other_email = Email::new(format!("{stem}-other@{}", k.email_domain));
    let mut other = DirectoryUser::new(other_email.clone()).with_names("Other", "Tester");
    if k.reports_groups {
        other = other.with_groups([k.groups[0].clone()]);
    }
    if k.manages_role() {
        other = other.with_role(k.roles[0].clone());
    }
    let result = async {
        let other = dir
            .create_user(&other)
            .await
            .map_err(|e| format!("creating a second user, {other_email}, failed: {e}"))?
            .user;
        let read = listed(dir, email).await?;
        match dir.rename_user(&read, &other_email).await {
            Ok(u) => {
                return Err(format!(
                    "renaming {email} to {other_email}, which another user has, succeeded: {u:?}"
                ));
            }
            // Typed: the app's conflict (409), or a refusal before anything was sent
            // that names the address (an app that checks first, as Proofpoint does).
            Err(e @ Error::InvalidInput { .. }) => {
                ensure(e.to_string().contains(other_email.as_str()), || {
                    format!("the refusal does not name {other_email}: {e}")
                })?;
            }
            Err(e) => ensure(e.is_conflict(), || {
                format!(
                    "renaming to an email another user has should be a conflict \
                     (is_conflict()) or an invalid-input refusal naming it, got: {e}"
                )
            })?,
        }
        let still = listed(dir, email).await?;
        ensure(canonical(still.clone()) == canonical(read.clone()), || {
            format!("the refused rename changed {email}: {read:?} → {still:?}")
        })?;
        let them = listed(dir, &other_email).await?;
        ensure(them.app_id() == other.app_id(), || {
            format!(
                "{other_email} is now app id {:?}, was {:?}",
                them.app_id(),
                other.app_id()
            )
        })?;
        Ok(other)
    }
    .await;
    let other = match result {
        Ok(other) => {
            push("rename_to_a_taken_email_is_refused", Ok(()));
            Some(other)
        }
        Err(e) => {
            push("rename_to_a_taken_email_is_refused", Err(e));
            // The second user is removed whichever way the check went.
            find(dir, &other_email).await.ok().flatten()
        }
    };
    if let Some(other) = other {
        remove(dir, k, &other).await;
    }

    let new_email = Email::new(format!("{stem}-renamed@{}", k.email_domain));
    let result = async {
        let read = listed(dir, email).await?;
        let renamed = dir
            .rename_user(&read, &new_email)
            .await
            .map_err(|e| format!("rename to {new_email} failed: {e}"))?;
        let mut expect = want.clone();
        expect.set_email(new_email.as_str());
        same_attrs(&renamed, &expect, k)?;
        if k.rename_keeps_account {
            ensure(renamed.app_id() == read.app_id(), || {
                format!(
                    "the rename answered app id {:?}, the account was {:?}",
                    renamed.app_id(),
                    read.app_id()
                )
            })?;
        }
        let now = listed(dir, &new_email).await?;
        same_attrs(&now, &expect, k)?;
        ensure(now.app_id() == renamed.app_id(), || {
            format!(
                "listed app id {:?} ≠ the rename's answer {:?}",
                now.app_id(),
                renamed.app_id()
            )
        })?;
        ensure(find(dir, email).await?.is_none(), || {
            format!("{email} is still listed after the rename")
        })?;
        reads_as_listed(
            dir,
            &DirectoryUser::new(new_email.clone()),
            &now,
            "by the new email",
        )
        .await?;
        Ok(now)
    }
    .await;
    let result = result.map(|now| {
        *email = new_email.clone();
        want.set_email(new_email.as_str());
        want.set_app_id(now.app_id());
    });
    push("rename_keeps_the_person", result);
    if !k.rename_keeps_account {
        skip(
            "rename_keeps_the_app_id",
            format!(
                "the catalog says a rename recreates the account (it loses: {})",
                entry.lifecycle.rename_loses.join("; ")
            ),
        );
    }
}
