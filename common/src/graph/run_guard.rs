//! [`RunGuard`] and [`RunLock`]: letting [`apply_guarded`](super::apply_guarded) and the
//! [`Bridge`](super::bridge::Bridge) run only while they hold an exclusive right to a
//! tenant (a lease), so that two instances never apply to one tenant at once.
//!
//! The traits are small on purpose, and not tied to a backend: the Redis lease
//! (`idgraph_common::redis::Lease`, feature `redis`) implements them, and so can anything
//! else that can answer "do I still hold it?".

use std::fmt;

use async_trait::async_trait;

use crate::error::Result;

/// Answers, before each item of a run, whether the run may go on.
///
/// [`apply_guarded`](super::apply_guarded) calls [`check`](Self::check) before every
/// item that would call the target. An error stops the run *between* items: the item in
/// flight (if any) has finished, and every later operation is reported as not applied.
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use idgraph_common::graph::RunGuard;
/// use idgraph_common::{Error, LeaseErrorKind};
///
/// /// Stops the run once `stop` is set.
/// #[derive(Debug, Default)]
/// struct Flag { stop: AtomicBool }
///
/// #[async_trait::async_trait]
/// impl RunGuard for Flag {
///     async fn check(&self) -> idgraph_common::Result<()> {
///         if self.stop.load(Ordering::SeqCst) {
///             return Err(Error::Lease {
///                 name: "bridge:acme".into(),
///                 kind: LeaseErrorKind::Lost,
///                 detail: Some("the operator asked it to stop".into()),
///                 source: None,
///             });
///         }
///         Ok(())
///     }
/// }
/// # let _ = Flag::default();
/// ```
#[async_trait]
pub trait RunGuard: Send + Sync + fmt::Debug {
    /// `Ok` while the run may go on; the error that stops it otherwise (typically
    /// [`Error::Lease`](crate::Error::Lease) with
    /// [`LeaseErrorKind::Lost`](crate::LeaseErrorKind::Lost)).
    async fn check(&self) -> Result<()>;

    /// Gives the right back at the end of the run, so another instance can take it at
    /// once. Default: nothing (dropping the guard is the release).
    async fn release(self: Box<Self>) {}
}

/// Hands out a [`RunGuard`] for one run: acquired before the run starts, held (and kept
/// alive, for example renewed) while the guard lives, released when it is dropped.
///
/// [`Bridge::with_lock`](super::bridge::Bridge::with_lock) acquires one per run.
#[async_trait]
pub trait RunLock: Send + Sync + fmt::Debug {
    /// Acquires the right to run, or says why not (for a lease held by another instance:
    /// [`Error::Lease`](crate::Error::Lease) with
    /// [`LeaseErrorKind::Held`](crate::LeaseErrorKind::Held)).
    async fn acquire_run(&self) -> Result<Box<dyn RunGuard>>;
}
