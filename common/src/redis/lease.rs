//! [`Lease`]: an exclusive right to run one job (for example syncing one tenant) shared
//! by every process that names it, with a fencing token that writes can check.

use std::fmt;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use ::redis::Script;
use async_trait::async_trait;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::{Redis, check_name};
use crate::error::{BoxError, Error, LeaseErrorKind, Result, chain};
use crate::graph::{RunGuard, RunLock};

static ACQUIRE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("scripts/lease_acquire.lua")));
static RENEW: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("scripts/lease_renew.lua")));
static RELEASE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("scripts/lease_release.lua")));
static FENCE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("scripts/lease_fence.lua")));

/// The default time to live of a lease: 30 s.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(30);

/// A number that grows with every acquisition of a lease (Redis `INCR` on a counter that
/// never expires). A write path that remembers the highest token it has accepted, or
/// asks [`Lease::check_fence`], refuses a paused or partitioned ex-holder whose token
/// is older.
///
/// The counter starts at Redis' clock in microseconds when it does not exist, so tokens
/// keep growing even after a Redis without persistence restarts empty (as long as its
/// clock does not go back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FencingToken(u64);

impl FencingToken {
    /// A token read back from where a write path stored it.
    pub fn new(value: u64) -> Self {
        Self(value)
    }

    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for FencingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An exclusive, expiring right to run a job, shared through Redis. Cheap to clone.
///
/// * **Acquire**: set-if-absent with an expiry ([`ttl`](LeaseBuilder::ttl)), in one
///   script that also takes the next [`FencingToken`]. [`try_acquire`](Self::try_acquire)
///   refuses at once when another instance holds it; [`acquire_within`](Self::acquire_within)
///   waits for it up to a limit.
/// * **Held**: a background task renews it every [`renew_every`](LeaseBuilder::renew_every)
///   (default a third of the ttl), only if this holder still owns it. When a renewal
///   finds another owner, or none succeeds before the lease would expire, the guard is
///   *lost*: [`LeaseGuard::check`] fails from then on, and runs guarded by it stop
///   between items.
/// * **Released** by [`LeaseGuard::release`] (or, best effort, when the guard is
///   dropped), only if still the owner. A holder that dies without releasing blocks
///   the others for at most the ttl (so does an acquisition whose answer was lost to a
///   timeout: the lease may then have been taken for nobody, and it expires by itself).
///
/// It implements [`RunLock`], so [`Bridge::with_lock`](crate::graph::bridge::Bridge::with_lock)
/// takes it for every run; [`LeaseGuard`] implements [`RunGuard`] for
/// [`apply_guarded`](crate::graph::apply_guarded).
///
/// ```no_run
/// use std::time::Duration;
/// use idgraph_common::redis::{Lease, Redis};
/// use idgraph_common::secrecy::SecretString;
/// use idgraph_common::{Error, LeaseErrorKind};
///
/// # async fn run() -> idgraph_common::Result<()> {
/// let redis = Redis::builder().url(SecretString::from("redis://127.0.0.1:6379")).build()?;
/// let lease = Lease::builder(&redis, "bridge:acme").ttl(Duration::from_secs(20)).build()?;
/// match lease.try_acquire().await {
///     Ok(guard) => {
///         // … work, calling guard.check().await? between items …
///         guard.release().await?;
///     }
///     Err(Error::Lease { kind: LeaseErrorKind::Held, .. }) => { /* another instance runs it */ }
///     Err(e) => return Err(e),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Lease {
    inner: Arc<LeaseInner>,
}

struct LeaseInner {
    redis: Redis,
    name: String,
    key: String,
    fence_key: String,
    ttl: Duration,
    renew_every: Duration,
    wait: Option<Duration>,
}

/// Configures a [`Lease`].
///
/// | Setting | Default |
/// |---|---|
/// | [`ttl`](Self::ttl) | 30 s |
/// | [`renew_every`](Self::renew_every) | a third of the ttl |
/// | [`wait_up_to`](Self::wait_up_to) (for [`Lease::acquire`] and [`RunLock`]) | none: refuse at once |
#[must_use]
#[derive(Debug)]
pub struct LeaseBuilder {
    redis: Redis,
    name: String,
    ttl: Duration,
    renew_every: Option<Duration>,
    wait: Option<Duration>,
}

impl Lease {
    /// Configures a lease named `name` on `redis` (for example `bridge:acme`: one lease
    /// per tenant and job). Never use a secret as the name: it appears in keys and errors.
    pub fn builder(redis: &Redis, name: impl Into<String>) -> LeaseBuilder {
        LeaseBuilder {
            redis: redis.clone(),
            name: name.into(),
            ttl: DEFAULT_LEASE_TTL,
            renew_every: None,
            wait: None,
        }
    }

    /// The lease's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Acquires it as configured: at once or refused, or waiting up to
    /// [`wait_up_to`](LeaseBuilder::wait_up_to).
    pub async fn acquire(&self) -> Result<LeaseGuard> {
        match self.inner.wait {
            None => self.try_acquire().await,
            Some(wait) => self.acquire_within(wait).await,
        }
    }

    /// Acquires it now, or fails with [`Error::Lease`]: [`LeaseErrorKind::Held`] when
    /// another instance holds it, [`LeaseErrorKind::Unavailable`] when Redis does not
    /// answer.
    pub async fn try_acquire(&self) -> Result<LeaseGuard> {
        match self.attempt().await? {
            Ok(guard) => Ok(guard),
            Err(held_for) => Err(self.held(held_for)),
        }
    }

    /// Acquires it, waiting up to `wait` for the holder to release it or for its lease to
    /// expire; then fails as [`try_acquire`](Self::try_acquire) does.
    pub async fn acquire_within(&self, wait: Duration) -> Result<LeaseGuard> {
        let deadline = Instant::now() + wait;
        // Poll often enough to notice a release soon, rarely enough not to load Redis.
        let poll = (self.inner.ttl / 10).clamp(Duration::from_millis(20), Duration::from_secs(1));
        loop {
            let held_for = match self.attempt().await? {
                Ok(guard) => return Ok(guard),
                Err(held_for) => held_for,
            };
            let now = Instant::now();
            if now >= deadline {
                return Err(self.held(held_for));
            }
            let next = now + held_for.min(poll).max(Duration::from_millis(1));
            tokio::time::sleep_until(next.min(deadline)).await;
        }
    }

    /// The fencing check of a write path: `Ok` only when `token` is the current holder's.
    /// A stale token (an older holder's, or any token once nobody holds the lease) is
    /// [`Error::Lease`] with [`LeaseErrorKind::Stale`]; Redis not answering is
    /// [`LeaseErrorKind::Unavailable`]. Either way: do not write.
    pub async fn check_fence(&self, token: FencingToken) -> Result<()> {
        let (ok, current): (i64, u64) = self
            .inner
            .redis
            .invoke(FENCE.key(&self.inner.key).arg(token.0))
            .await
            .map_err(|e| self.unavailable(e))?;
        if ok == 1 {
            return Ok(());
        }
        let why = if current == 0 {
            format!("token {token} was presented but nobody holds the lease any more")
        } else {
            format!("token {token} was presented but the current holder's is {current}")
        };
        Err(self.error(LeaseErrorKind::Stale, why))
    }

    /// One try: the guard, or how long the current holder's lease still runs.
    async fn attempt(&self) -> Result<std::result::Result<LeaseGuard, Duration>> {
        let lease = &self.inner;
        let owner = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        let ttl_ms = millis(lease.ttl);
        let sent = Instant::now();
        let (taken, n): (i64, i64) = lease
            .redis
            .invoke(
                ACQUIRE
                    .key(&lease.key)
                    .key(&lease.fence_key)
                    .arg(&owner)
                    .arg(ttl_ms),
            )
            .await
            .map_err(|e| self.unavailable(e))?;
        if taken != 1 {
            // PTTL is -1 for a key without expiry (never ours) and -2 when it just went.
            return Ok(Err(Duration::from_millis(n.max(1).unsigned_abs())));
        }
        let token = FencingToken(n.unsigned_abs());
        let shared = Arc::new(GuardShared {
            lease: Arc::clone(&self.inner),
            value: format!("{token}:{owner}"),
            token,
            // Counted from when the request left, so never later than Redis' own expiry.
            state: watch::Sender::new(GuardState {
                valid_until: sent + lease.ttl,
                lost: None,
            }),
        });
        let renewer = tokio::spawn(renew(Arc::clone(&shared)));
        Ok(Ok(LeaseGuard {
            shared,
            renewer,
            released: false,
        }))
    }

    fn held(&self, held_for: Duration) -> Error {
        self.error(
            LeaseErrorKind::Held,
            format!("the holder's lease runs for another {held_for:?} unless renewed or released"),
        )
    }

    /// What the lease knows, in words: no underlying error.
    fn error(&self, kind: LeaseErrorKind, detail: String) -> Error {
        Error::Lease {
            name: self.inner.name.clone(),
            kind,
            detail: Some(detail.into()),
            source: None,
        }
    }

    fn unavailable(&self, cause: impl Into<BoxError>) -> Error {
        unavailable(&self.inner.name, cause)
    }
}

impl LeaseBuilder {
    /// How long the lease lasts without renewal: a holder that dies blocks the others
    /// for at most this long. Default 30 s; at least 100 ms.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How often the holder renews it. Default a third of the ttl (so two renewals can
    /// fail before it expires); must be shorter than the ttl.
    pub fn renew_every(mut self, every: Duration) -> Self {
        self.renew_every = Some(every);
        self
    }

    /// [`Lease::acquire`] (and so the [`RunLock`] used by the Bridge) waits up to `wait`
    /// for the lease instead of refusing at once. Default: refuse at once.
    pub fn wait_up_to(mut self, wait: Duration) -> Self {
        self.wait = Some(wait);
        self
    }

    /// The lease. Fails on an unusable name or timing.
    pub fn build(self) -> Result<Lease> {
        check_name("lease", &self.name)?;
        if self.ttl < Duration::from_millis(100) {
            return Err(Error::config("a lease's ttl must be at least 100 ms"));
        }
        let renew_every = self.renew_every.unwrap_or(self.ttl / 3);
        if renew_every.is_zero() || renew_every >= self.ttl {
            return Err(Error::config(
                "a lease must be renewed more often than its ttl (renew_every < ttl)",
            ));
        }
        let redis = self.redis;
        Ok(Lease {
            inner: Arc::new(LeaseInner {
                key: redis.key("lease", &self.name, ""),
                fence_key: redis.key("lease", &self.name, ":fence"),
                redis,
                name: self.name,
                ttl: self.ttl,
                renew_every,
                wait: self.wait,
            }),
        })
    }
}

/// Proof of holding a [`Lease`], renewed in the background while it lives.
///
/// Check it between items ([`check`](Self::check), or hand it to
/// [`apply_guarded`](crate::graph::apply_guarded)), give its
/// [`fencing_token`](Self::fencing_token) to writes that can check one, and
/// [`release`](Self::release) it at the end. Dropping it stops the renewals and releases
/// it best effort (in a background task).
pub struct LeaseGuard {
    shared: Arc<GuardShared>,
    renewer: JoinHandle<()>,
    released: bool,
}

struct GuardShared {
    lease: Arc<LeaseInner>,
    /// The value stored in Redis: `<token>:<owner>`; ownership means "still this value".
    value: String,
    token: FencingToken,
    state: watch::Sender<GuardState>,
}

#[derive(Clone)]
struct GuardState {
    /// The lease cannot have expired in Redis before this instant.
    valid_until: Instant,
    /// Why it was lost, once it was.
    lost: Option<Arc<str>>,
}

impl GuardShared {
    fn mark_lost(&self, why: impl Into<Arc<str>>) {
        let why = why.into();
        self.state.send_if_modified(|s| {
            if s.lost.is_some() {
                return false;
            }
            crate::trace::warn(&format!("lease `{}` was lost: {why}", self.lease.name));
            s.lost = Some(why);
            true
        });
    }

    fn lost_error(&self, why: &str) -> Error {
        Error::Lease {
            name: self.lease.name.clone(),
            kind: LeaseErrorKind::Lost,
            detail: Some(why.to_owned().into()),
            source: None,
        }
    }

    /// The local view: lost, or past the instant until which it is surely still held.
    fn check_local(&self) -> Result<()> {
        let state = self.state.borrow().clone();
        if let Some(why) = state.lost {
            return Err(self.lost_error(&why));
        }
        if Instant::now() >= state.valid_until {
            let why = "it was not renewed before it expired";
            self.mark_lost(why);
            return Err(self.lost_error(why));
        }
        Ok(())
    }
}

/// The renewal task: every `renew_every`, extend the lease if still the owner.
async fn renew(shared: Arc<GuardShared>) {
    let lease = &shared.lease;
    let mut wait = lease.renew_every;
    loop {
        tokio::time::sleep(wait).await;
        let sent = Instant::now();
        let result: std::result::Result<i64, _> = lease
            .redis
            .invoke(
                RENEW
                    .key(&lease.key)
                    .arg(&shared.value)
                    .arg(millis(lease.ttl)),
            )
            .await;
        match result {
            Ok(1) => {
                shared
                    .state
                    .send_modify(|s| s.valid_until = sent + lease.ttl);
                wait = lease.renew_every;
            }
            Ok(_) => {
                shared.mark_lost("another instance holds it now, or it expired before renewal");
                return;
            }
            Err(e) => {
                let valid_until = shared.state.borrow().valid_until;
                let now = Instant::now();
                if now >= valid_until {
                    shared.mark_lost(format!(
                        "it could not be renewed before it expired: {}",
                        chain(&e)
                    ));
                    return;
                }
                crate::trace::warn(&format!(
                    "lease `{}`: renewal failed, trying again: {}",
                    lease.name,
                    chain(&e)
                ));
                // Try again sooner, while there is time left.
                wait = ((valid_until - now) / 3)
                    .min(lease.renew_every)
                    .max(Duration::from_millis(20));
            }
        }
    }
}

impl LeaseGuard {
    /// The fencing token of this acquisition.
    pub fn fencing_token(&self) -> FencingToken {
        self.shared.token
    }

    /// The lease's name.
    pub fn name(&self) -> &str {
        &self.shared.lease.name
    }

    /// `true` while, as far as this process knows without asking, the lease is held:
    /// not lost, and renewed recently enough that it cannot have expired.
    pub fn is_held(&self) -> bool {
        self.shared.check_local().is_ok()
    }

    /// Confirms the lease is still held, before an item of work: the local view, then
    /// Redis (one script: is this holder's token the current one?).
    ///
    /// [`Error::Lease`] with [`LeaseErrorKind::Lost`] once it is lost (for good), or
    /// [`LeaseErrorKind::Unavailable`] when Redis cannot confirm it now. Stop either way.
    pub async fn check(&self) -> Result<()> {
        self.shared.check_local()?;
        let lease = &self.shared.lease;
        let (ok, current): (i64, u64) = lease
            .redis
            .invoke(FENCE.key(&lease.key).arg(self.shared.token.0))
            .await
            .map_err(|e| unavailable(&lease.name, e))?;
        if ok == 1 {
            return Ok(());
        }
        let why = if current == 0 {
            "it expired".to_owned()
        } else {
            format!("another instance holds it now (fencing token {current})")
        };
        self.shared.mark_lost(why.as_str());
        Err(self.shared.lost_error(&why))
    }

    /// Waits until the lease is lost, and answers why. Never returns while it is held
    /// (select it against the work, for example).
    pub async fn lost(&self) -> Error {
        let mut rx = self.shared.state.subscribe();
        loop {
            if let Err(e) = self.shared.check_local() {
                return e;
            }
            let valid_until = rx.borrow_and_update().valid_until;
            tokio::select! {
                changed = rx.changed() => {
                    if changed.is_err() {
                        return self.shared.lost_error("the lease guard was dropped");
                    }
                }
                () = tokio::time::sleep_until(valid_until) => {}
            }
        }
    }

    /// Stops renewing and gives the lease back, so another instance can take it at once.
    /// [`Error::Lease`] with [`LeaseErrorKind::Lost`] when it was no longer this holder's
    /// (nothing was released: it is someone else's now, or nobody's), and
    /// [`LeaseErrorKind::Unavailable`] when Redis did not answer (it expires by itself).
    pub async fn release(mut self) -> Result<()> {
        self.released = true;
        self.renewer.abort();
        let lease = &self.shared.lease;
        let released: i64 = lease
            .redis
            .invoke(RELEASE.key(&lease.key).arg(&self.shared.value))
            .await
            .map_err(|e| unavailable(&lease.name, e))?;
        if released == 1 {
            Ok(())
        } else {
            Err(self
                .shared
                .lost_error("it was no longer held by this instance when released"))
        }
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        self.renewer.abort();
        if self.released {
            return;
        }
        // Best effort: give it back now rather than making the others wait for the ttl.
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let shared = Arc::clone(&self.shared);
            handle.spawn(async move {
                let lease = &shared.lease;
                let _: std::result::Result<i64, _> = lease
                    .redis
                    .invoke(RELEASE.key(&lease.key).arg(&shared.value))
                    .await;
            });
        }
    }
}

impl fmt::Debug for Lease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lease")
            .field("name", &self.inner.name)
            .field("ttl", &self.inner.ttl)
            .field("renew_every", &self.inner.renew_every)
            .field("wait", &self.inner.wait)
            .field("redis", &self.inner.redis)
            .finish()
    }
}

impl fmt::Debug for LeaseGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The owner id is not a credential, but it is what a release compares: not shown.
        f.debug_struct("LeaseGuard")
            .field("name", &self.shared.lease.name)
            .field("fencing_token", &self.shared.token)
            .field("held", &self.is_held())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl RunLock for Lease {
    async fn acquire_run(&self) -> Result<Box<dyn RunGuard>> {
        Ok(Box::new(self.acquire().await?))
    }
}

#[async_trait]
impl RunGuard for LeaseGuard {
    async fn check(&self) -> Result<()> {
        LeaseGuard::check(self).await
    }

    async fn release(self: Box<Self>) {
        // A lease lost or unreachable at release time has already stopped the run (or
        // expires by itself); the run's outcome says so.
        let _ = LeaseGuard::release(*self).await;
    }
}

/// Redis did not answer: the lease says so, and the why is the `source()` (never
/// repeated in the message).
fn unavailable(name: &str, cause: impl Into<BoxError>) -> Error {
    Error::Lease {
        name: name.to_owned(),
        kind: LeaseErrorKind::Unavailable,
        detail: None,
        source: Some(cause.into()),
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX / 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrecy::SecretString;

    #[tokio::test]
    async fn settings_are_checked_and_unreachable_redis_is_a_typed_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let redis = Redis::builder()
            .url(SecretString::from(format!("redis://127.0.0.1:{port}")))
            .command_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        assert!(
            Lease::builder(&redis, "x")
                .ttl(Duration::from_millis(10))
                .build()
                .is_err()
        );
        assert!(
            Lease::builder(&redis, "x")
                .ttl(Duration::from_secs(1))
                .renew_every(Duration::from_secs(1))
                .build()
                .is_err()
        );
        let lease = Lease::builder(&redis, "bridge:acme").build().unwrap();
        let e = lease.try_acquire().await.unwrap_err();
        assert!(
            matches!(
                e,
                Error::Lease {
                    kind: LeaseErrorKind::Unavailable,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.is_retryable() && !e.was_sent());
        assert!(
            e.to_string()
                .starts_with("lease `bridge:acme` could not be reached"),
            "{e}"
        );
        let e = lease.check_fence(FencingToken::new(3)).await.unwrap_err();
        assert!(
            matches!(
                e,
                Error::Lease {
                    kind: LeaseErrorKind::Unavailable,
                    ..
                }
            ),
            "{e}"
        );
    }
}
