//! The identity-graph layer: one [`UserDirectory`] trait for every app, a catalog of
//! what each app offers, safe reconciliation against a source directory, and the Bridge
//! sync loop.
//!
//! * [`catalog`]: typed facts per app (user API, SCIM, auth, paging, limits, webhooks,
//!   lifecycle route of every operation, caveats).
//! * [`UserDirectory`]: implemented by every vendor client, and by [`ReadBlind`] for
//!   apps with no user API (Proof, Tessian).
//! * [`plan()`] → [`SyncPlan`] → [`apply()`] → [`SyncReport`]: a pure planner with
//!   field-level diffs, exclusions and a mass-deprovision guard ([`SyncPolicy`]), then a
//!   per-item executor with a dry-run mode; [`apply_guarded`] runs only while a
//!   [`RunGuard`] (for example a lease shared through Redis) allows.
//! * People, not email strings: link keys first, renames as one action, and `apply`
//!   re-reading an account before any destructive step; [`Listing`] (complete listings
//!   with fingerprints), [`plan_listings`] and [`apply_reviewed`] for reviewed plans;
//!   [`apply_audited`] with an [`AuditSink`] for the audit trail.
//! * [`bridge`]: Probo-style pull-based sync loop with backoff and auto-disable.
//! * `source` (feature `sources`): CSV and JSON source directories read into a
//!   [`Listing`], every bad row reported.
//! * `memory` and `conformance` (feature `test-util`): an in-memory directory and the
//!   conformance suite every implementation must pass.
//!
//! # Reconciling an app
//!
//! ```
//! use idgraph_common::graph::{
//!     apply, list_target, plan_listings, ApplyMode, Listing, SyncPolicy, UserDirectory,
//! };
//!
//! async fn sync(source: &dyn UserDirectory, target: &dyn UserDirectory)
//!     -> idgraph_common::Result<()>
//! {
//!     // Only listings proven complete: one that ended early or short of the server's
//!     // own total is an error, never a plan that deprovisions whoever is missing.
//!     let from = Listing::complete(source.list_users()).await?;
//!     // A target that cannot be listed (read-blind) gives an empty listing: the plan
//!     // lists the IdP actions instead.
//!     let to = list_target(target).await?;
//!     let policy = SyncPolicy::default().exclude("break-glass@example.com");
//!     let plan = plan_listings(&from, &to, target.catalog(), &policy);
//!     println!("{plan}");
//!     if let Some(guard) = &plan.guard {
//!         eprintln!("not deprovisioning anyone: {guard}");
//!     }
//!     let report = apply(&plan, target, ApplyMode::Execute).await;
//!     println!("{report}");
//!     Ok(())
//! }
//! # let _ = sync;
//! ```

mod apply;
mod audit;
pub mod bridge;
pub mod catalog;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod conformance;
mod directory;
mod listing;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod memory;
mod plan;
mod policy;
mod prefetch;
mod read_blind;
mod report;
mod run_guard;
pub mod source;
mod user;

pub use apply::{ApplyMode, ApplyStopped, apply, apply_audited, apply_guarded};
pub use audit::{AuditEvent, AuditSink, JsonLinesSink};
pub use catalog::{AppId, CatalogEntry, CatalogEntryBuilder};
pub use directory::{CreateKind, Created, Email, UserDirectory};
pub use listing::{Listing, apply_reviewed, carry_link_keys, list_target, plan_listings};
pub use plan::{
    Action, ActionKind, DeprovisionReason, Field, FieldChange, PlanCounts, PlanItem, SkipReason,
    SyncPlan, plan,
};
pub use policy::{
    DEFAULT_MAX_DEPROVISION_SHARE, Deprovision, GuardReason, GuardTripped, MembershipGuardTripped,
    SyncPolicy,
};
pub use read_blind::ReadBlind;
pub use report::{Outcome, ReportCounts, ReportItem, SyncReport};
pub use run_guard::{RunGuard, RunLock};
pub use user::{DirectoryUser, DirectoryUserBuilder, EmailRef, GroupIter, GroupNames};
