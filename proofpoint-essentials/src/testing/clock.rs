//! [`SimClock`]: lets the fake count requests on the *client's* simulated clock.
//!
//! The fake runs on wiremock's own thread and runtime, whose clock is real; a test on
//! tokio's paused clock cannot share that clock. So the client tells the fake what time
//! it is: [`SimClock::limiter`] wraps the client's rate limiter and, each time a permit
//! is granted (right before every attempt is sent), stamps the test runtime's
//! `tokio::time::Instant::now()` into a shared atomic that the fake reads when the
//! request arrives.
//!
//! This is exact when one request is in flight at a time (the default for bulk creates
//! and listings): while a request's real I/O is in flight no timer is pending in the
//! test runtime (build the client with [`FakeEssentials::rest_client`], which removes the
//! attempt timeout and the connection pool's idle timer), so the paused clock cannot move
//! between the stamp and the arrival.
//!
//! [`FakeEssentials::rest_client`]: super::FakeEssentials::rest_client

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use idgraph_common::{RateLimit, RateLimiter, RateSignal};
use tokio::time::Instant;

/// A simulated "now", shared between a test (which stamps or sets it) and the fake
/// (which reads it).
///
/// ```
/// use std::time::Duration;
/// use proofpoint_essentials::testing::SimClock;
///
/// let clock = SimClock::new();
/// clock.set(Duration::from_secs(5));
/// clock.advance(Duration::from_millis(600));
/// assert_eq!(clock.now(), Duration::from_millis(5600));
/// ```
#[derive(Clone)]
pub struct SimClock {
    inner: Arc<ClockInner>,
}

struct ClockInner {
    /// The test runtime's instant that counts as time zero.
    base: Instant,
    now_ns: AtomicU64,
    stamps: Mutex<Vec<Duration>>,
}

impl SimClock {
    /// A clock at zero, based on the current tokio time (the paused clock when called in
    /// a paused runtime).
    pub fn new() -> Self {
        Self {
            inner: Arc::new(ClockInner {
                base: Instant::now(),
                now_ns: AtomicU64::new(0),
                stamps: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The simulated now.
    pub fn now(&self) -> Duration {
        Duration::from_nanos(self.inner.now_ns.load(Ordering::SeqCst))
    }

    /// Sets the simulated now.
    pub fn set(&self, now: Duration) {
        let ns = u64::try_from(now.as_nanos()).unwrap_or(u64::MAX);
        self.inner.now_ns.store(ns, Ordering::SeqCst);
    }

    /// Moves the simulated now forward.
    pub fn advance(&self, by: Duration) {
        self.set(self.now() + by);
    }

    /// Sets the simulated now from the calling runtime's tokio clock, and records it.
    pub fn stamp(&self) {
        let now = Instant::now().saturating_duration_since(self.inner.base);
        self.set(now);
        self.inner
            .stamps
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(now);
    }

    /// Every stamp so far (one per permit granted through [`limiter`](Self::limiter)).
    pub fn stamps(&self) -> Vec<Duration> {
        self.inner
            .stamps
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Wraps `inner` so that every permit it grants stamps this clock. Give the result to
    /// the client under test in its transport settings
    /// ([`TransportSettings::rate_limiter`](crate::TransportSettings::rate_limiter), on
    /// [`FakeEssentials::transport`](super::FakeEssentials::transport)); use
    /// [`RateLimiter::unlimited`] to stamp without limiting.
    pub fn limiter(&self, inner: RateLimiter) -> RateLimiter {
        RateLimiter::new(Stamping {
            inner,
            clock: self.clone(),
        })
    }
}

impl Default for SimClock {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for SimClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimClock")
            .field("now", &self.now())
            .finish()
    }
}

struct Stamping {
    inner: RateLimiter,
    clock: SimClock,
}

impl fmt::Debug for Stamping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stamping")
            .field("inner", &self.inner)
            .finish()
    }
}

#[async_trait]
impl RateLimit for Stamping {
    async fn acquire(&self) -> idgraph_common::Result<()> {
        self.inner.acquire().await?;
        self.clock.stamp();
        Ok(())
    }

    fn observe(&self, signal: &RateSignal) {
        self.inner.observe(signal);
    }

    fn release(&self) {
        self.inner.release();
    }
}
