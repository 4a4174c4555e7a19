//! Client-side rate limiting, shared by every clone of a client and every attempt.
//!
//! [`RateLimiter`] is a cheap, clonable handle. Give the same handle to several clients
//! (or several clones of one client) and they share one budget; the transport takes a
//! permit before **every** attempt, retries included, so a retry storm cannot exceed it.
//!
//! The built-in limiter is a token bucket implemented as GCRA ("generic cell rate
//! algorithm") on integer nanoseconds, so its guarantee is exact:
//!
//! * **Burst semantics.** With the default burst of 1, permits are spaced at least
//!   `per / quota` apart, so **any window of length `per` holds at most `quota` permits**
//!   (for 100 per minute: one every 600 ms, never 101 in any 60 s). With
//!   [`TokenBucket::with_burst`]`(b)`, up to `b` permits are granted back to back after an
//!   idle period, and a window of length `per` can then hold up to `quota + b - 1`
//!   permits. Keep the default when the server enforces a sliding window.
//! * **Adaptive slow-down.** When a response is throttled (429), the permit interval is
//!   doubled (down to 1/16 of the quota) and no permit is granted until the server's
//!   `Retry-After` has passed; each later success speeds back up by 1/32 of the quota.
//!   Rate-limit headers (`RateLimit-Remaining: 0` with `RateLimit-Reset`) pause the
//!   bucket until the reset. The transport caps both pauses at the retry policy's
//!   [`max_retry_after`](crate::RetryPolicy::max_retry_after), so a server asking for an
//!   hour never makes a later call sleep for an hour.
//!
//! [`SlidingWindow`] matches a vendor that counts a rolling window (at most `quota` in
//! any `window`): it uses the whole quota, where the token bucket's even spacing leaves
//! part of it unused.
//!
//! Implement [`RateLimit`] to plug in another limiter (for example one shared by many
//! processes through Redis).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::error::{Error, Result};

mod sliding;
pub use sliding::SlidingWindow;

/// Waits until `try_take` grants a permit; it answers `Err(when)` to say when to ask
/// again (a sleep on tokio's clock, so paused-clock tests skip it).
async fn wait_for_permit(mut try_take: impl FnMut(Instant) -> std::result::Result<(), Instant>) {
    loop {
        match try_take(Instant::now()) {
            Ok(()) => return,
            Err(at) => tokio::time::sleep_until(at).await,
        }
    }
}

/// What a response said about the rate limit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateSignal {
    /// The response was a throttling answer (429 or a vendor quota signal).
    pub throttled: bool,
    /// The server's `Retry-After`, parsed.
    pub retry_after: Option<Duration>,
    /// Requests left in the server's window (`RateLimit-Remaining` / `X-RateLimit-Remaining`).
    pub remaining: Option<u64>,
    /// Time until the server's window resets (`RateLimit-Reset` / `X-RateLimit-Reset`).
    pub reset_after: Option<Duration>,
}

/// A rate limiter the transport can use. Implement it to plug in your own.
#[async_trait]
pub trait RateLimit: Send + Sync + fmt::Debug + 'static {
    /// Waits until one more request may be sent, and takes the permit.
    ///
    /// An error means no permit could be granted (for example a shared backend is
    /// unreachable and the limiter fails closed): the transport then returns it without
    /// sending the request. A limiter must never answer "go ahead" when it does not know.
    async fn acquire(&self) -> Result<()>;

    /// Takes a permit if one is free right now, without waiting; `false` when none is
    /// (or when this limiter cannot tell without waiting, the default), and the
    /// transport then calls [`acquire`](Self::acquire).
    ///
    /// The transport asks this first on every attempt: an in-process limiter with a free
    /// permit answers it without the boxed future `acquire` costs (tens of nanoseconds
    /// per request, measured by `tests/benches/transport.rs`). A limiter whose state is
    /// elsewhere (Redis) keeps the default.
    fn try_acquire(&self) -> bool {
        false
    }

    /// Learns from a response (throttling, rate-limit headers). Default: ignores it.
    fn observe(&self, signal: &RateSignal) {
        let _ = signal;
    }

    /// The request of one permit taken earlier has ended: its answer arrived, it failed,
    /// or it was abandoned. The transport calls it once for every permit it took, when
    /// the attempt ends, so a limiter that counts a window can count each request from
    /// its end, by which time the server has counted it too ([`SlidingWindow`]). Default:
    /// ignores it.
    fn release(&self) {}
}

/// A clonable handle to a shared rate limiter.
///
/// ```
/// use idgraph_common::RateLimiter;
///
/// // Proofpoint Essentials: 100 requests per minute per API key, shared by every
/// // client built with this handle.
/// let limiter = RateLimiter::per_minute(100)?;
/// let shared = limiter.clone();
/// # let _ = shared;
/// # Ok::<(), idgraph_common::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RateLimiter {
    inner: Arc<dyn RateLimit>,
}

impl RateLimiter {
    /// Wraps any [`RateLimit`] implementation.
    pub fn new(limit: impl RateLimit) -> Self {
        Self {
            inner: Arc::new(limit),
        }
    }

    /// A token bucket allowing `quota` requests per minute, burst 1, adaptive.
    pub fn per_minute(quota: u32) -> Result<Self> {
        Ok(Self::new(TokenBucket::new(quota, Duration::from_secs(60))?))
    }

    /// A token bucket allowing `quota` requests per second, burst 1, adaptive.
    pub fn per_second(quota: u32) -> Result<Self> {
        Ok(Self::new(TokenBucket::new(quota, Duration::from_secs(1))?))
    }

    /// A limiter that never waits (the benchmark baseline; equivalent to none).
    pub fn unlimited() -> Self {
        Self::new(Unlimited)
    }

    /// Waits for and takes one permit. See [`RateLimit::acquire`] for what an error means.
    pub async fn acquire(&self) -> Result<()> {
        if self.inner.try_acquire() {
            return Ok(());
        }
        self.inner.acquire().await
    }

    /// Passes what a response said about the rate limit to the limiter.
    pub fn observe(&self, signal: &RateSignal) {
        self.inner.observe(signal);
    }

    /// Says that the request of one permit taken with [`acquire`](Self::acquire) has
    /// ended. See [`RateLimit::release`]; the transport calls it for its own permits, so
    /// call it only for permits you take yourself, once each, after their request ended.
    pub fn release(&self) {
        self.inner.release();
    }
}

#[derive(Debug)]
struct Unlimited;

#[async_trait]
impl RateLimit for Unlimited {
    async fn acquire(&self) -> Result<()> {
        Ok(())
    }

    fn try_acquire(&self) -> bool {
        true
    }
}

/// A token bucket (GCRA) with optional adaptive slow-down. See the [module docs](self)
/// for the exact window guarantee.
pub struct TokenBucket {
    /// Nanoseconds between permits at full speed.
    interval_ns: u64,
    /// How far ahead of schedule a permit may be granted (burst − 1 intervals).
    tolerance_ns: u64,
    adaptive: bool,
    state: Mutex<BucketState>,
}

struct BucketState {
    /// Theoretical arrival time of the next permit.
    tat: Option<Instant>,
    /// No permit before this instant (after a throttle or an exhausted server window).
    blocked_until: Option<Instant>,
    /// Current speed in 1/32 of full speed (32 = full, 2 = 1/16).
    speed: u32,
}

const FULL_SPEED: u32 = 32;
const MIN_SPEED: u32 = 2;

impl TokenBucket {
    /// `quota` permits per `per`, burst 1, adaptive slow-down on.
    ///
    /// Fails when `quota` is 0 or `per` is zero.
    pub fn new(quota: u32, per: Duration) -> Result<Self> {
        if quota == 0 || per.is_zero() {
            return Err(Error::config(
                "a rate limit needs a quota of at least 1 per a non-zero period",
            ));
        }
        let per_ns = u64::try_from(per.as_nanos()).unwrap_or(u64::MAX);
        Ok(Self {
            interval_ns: (per_ns / u64::from(quota)).max(1),
            tolerance_ns: 0,
            adaptive: true,
            state: Mutex::new(BucketState {
                tat: None,
                blocked_until: None,
                speed: FULL_SPEED,
            }),
        })
    }

    /// Allows up to `burst` permits back to back after an idle period (default 1).
    /// A window of length `per` can then hold up to `quota + burst - 1` permits.
    #[must_use]
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.tolerance_ns = self.interval_ns.saturating_mul(u64::from(burst.max(1) - 1));
        self
    }

    /// Turns adaptive slow-down after throttling on or off (default on).
    #[must_use]
    pub fn with_adaptive(mut self, adaptive: bool) -> Self {
        self.adaptive = adaptive;
        self
    }

    /// Takes a permit now, or says how long to wait before asking again.
    fn try_take(&self, now: Instant) -> std::result::Result<(), Instant> {
        // A poisoned lock only means another task panicked mid-update of plain numbers;
        // the state is still usable.
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(until) = s.blocked_until {
            if now < until {
                return Err(until);
            }
            s.blocked_until = None;
        }
        let interval = Duration::from_nanos(
            self.interval_ns.saturating_mul(u64::from(FULL_SPEED)) / u64::from(s.speed.max(1)),
        );
        let tolerance = Duration::from_nanos(self.tolerance_ns);
        let tat = s.tat.unwrap_or(now);
        let earliest = tat.checked_sub(tolerance).unwrap_or(now);
        if now < earliest {
            return Err(earliest);
        }
        s.tat = Some(tat.max(now) + interval);
        Ok(())
    }
}

impl fmt::Debug for TokenBucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenBucket")
            .field("interval", &Duration::from_nanos(self.interval_ns))
            .field("burst", &(self.tolerance_ns / self.interval_ns + 1))
            .field("adaptive", &self.adaptive)
            .finish()
    }
}

#[async_trait]
impl RateLimit for TokenBucket {
    async fn acquire(&self) -> Result<()> {
        wait_for_permit(|now| self.try_take(now)).await;
        Ok(())
    }

    fn try_acquire(&self) -> bool {
        self.try_take(Instant::now()).is_ok()
    }

    fn observe(&self, signal: &RateSignal) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let mut block = |d: Duration| {
            let until = now + d;
            s.blocked_until = Some(s.blocked_until.map_or(until, |b| b.max(until)));
        };
        if signal.throttled {
            if let Some(wait) = signal.retry_after {
                block(wait);
            }
            if self.adaptive {
                s.speed = (s.speed / 2).max(MIN_SPEED);
            }
        } else if self.adaptive && s.speed < FULL_SPEED {
            s.speed += 1;
        }
        if signal.remaining == Some(0)
            && let Some(reset) = signal.reset_after
        {
            let until = now + reset;
            s.blocked_until = Some(s.blocked_until.map_or(until, |b| b.max(until)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn permit_times(limiter: RateLimiter, tasks: usize, per_task: usize) -> Vec<Duration> {
        let start = Instant::now();
        let mut handles = Vec::new();
        for _ in 0..tasks {
            let l = limiter.clone();
            handles.push(tokio::spawn(async move {
                let mut times = Vec::new();
                for _ in 0..per_task {
                    l.acquire().await.unwrap();
                    times.push(Instant::now() - start);
                }
                times
            }));
        }
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.await.unwrap());
        }
        all.sort();
        all
    }

    pub(crate) fn max_in_window(times: &[Duration], window: Duration) -> usize {
        let mut best = 0;
        let mut lo = 0;
        for hi in 0..times.len() {
            while times[hi] - times[lo] >= window {
                lo += 1;
            }
            best = best.max(hi - lo + 1);
        }
        best
    }

    #[tokio::test(start_paused = true)]
    async fn try_acquire_takes_a_free_permit_and_never_one_that_is_not() {
        let bucket = TokenBucket::new(1, Duration::from_secs(1)).unwrap();
        assert!(bucket.try_acquire());
        // The next permit is a second away: refused without waiting, and not taken.
        assert!(!bucket.try_acquire());
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(bucket.try_acquire());
        assert!(!bucket.try_acquire());

        let window = SlidingWindow::new(2, Duration::from_secs(10)).unwrap();
        assert!(window.try_acquire());
        assert!(window.try_acquire());
        assert!(!window.try_acquire());
        assert!(Unlimited.try_acquire());
    }

    /// A limiter that only implements `acquire`, counting the calls.
    #[derive(Debug)]
    struct OnlyAcquire(Arc<std::sync::atomic::AtomicUsize>);

    #[async_trait]
    impl RateLimit for OnlyAcquire {
        async fn acquire(&self) -> Result<()> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_handle_falls_back_to_acquire_when_no_permit_is_free_now() {
        // A limiter without the fast path is always asked through `acquire`.
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let limiter = RateLimiter::new(OnlyAcquire(Arc::clone(&calls)));
        limiter.acquire().await.unwrap();
        limiter.acquire().await.unwrap();
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);

        // A bucket whose permit is not free yet waits for it through `acquire`.
        let limiter = RateLimiter::per_second(1).unwrap();
        let start = Instant::now();
        limiter.acquire().await.unwrap();
        limiter.acquire().await.unwrap();
        assert_eq!(Instant::now() - start, Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_than_quota_in_any_window() {
        let limiter = RateLimiter::per_minute(100).unwrap();
        let times = permit_times(limiter, 4, 75).await;
        assert_eq!(times.len(), 300);
        assert_eq!(max_in_window(&times, Duration::from_secs(60)), 100);
        // 300 permits at 600 ms spacing: the last at 299 × 0.6 s.
        assert_eq!(*times.last().unwrap(), Duration::from_millis(299 * 600));
    }

    #[tokio::test(start_paused = true)]
    async fn burst_allows_back_to_back_permits_then_spaces_them() {
        let limiter = RateLimiter::new(
            TokenBucket::new(10, Duration::from_secs(10))
                .unwrap()
                .with_burst(3),
        );
        let times = permit_times(limiter, 1, 5).await;
        let ms: Vec<_> = times.iter().map(|d| d.as_millis()).collect();
        assert_eq!(ms, [0, 0, 0, 1000, 2000]);
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_blocks_for_retry_after_and_slows_down() {
        let limiter = RateLimiter::per_second(10).unwrap();
        limiter.acquire().await.unwrap();
        limiter.observe(&RateSignal {
            throttled: true,
            retry_after: Some(Duration::from_secs(2)),
            ..RateSignal::default()
        });
        let start = Instant::now();
        limiter.acquire().await.unwrap();
        assert_eq!(Instant::now() - start, Duration::from_secs(2));
        // Half speed now: 200 ms between permits instead of 100 ms.
        let t = Instant::now();
        limiter.acquire().await.unwrap();
        assert_eq!(Instant::now() - t, Duration::from_millis(200));
        // Successes speed it back up.
        for _ in 0..16 {
            limiter.observe(&RateSignal::default());
        }
        limiter.acquire().await.unwrap();
        let t = Instant::now();
        limiter.acquire().await.unwrap();
        assert_eq!(Instant::now() - t, Duration::from_millis(100));
    }

    #[tokio::test(start_paused = true)]
    async fn exhausted_server_window_pauses_until_reset() {
        let limiter = RateLimiter::per_second(100).unwrap();
        limiter.observe(&RateSignal {
            remaining: Some(0),
            reset_after: Some(Duration::from_secs(7)),
            ..RateSignal::default()
        });
        let t = Instant::now();
        limiter.acquire().await.unwrap();
        assert_eq!(Instant::now() - t, Duration::from_secs(7));
    }

    #[test]
    fn zero_quota_is_a_config_error() {
        assert!(matches!(
            TokenBucket::new(0, Duration::from_secs(1)),
            Err(Error::Config { .. })
        ));
        assert!(matches!(
            TokenBucket::new(1, Duration::ZERO),
            Err(Error::Config { .. })
        ));
    }
}
