//! [`SlidingWindow`]: at most `quota` permits in any window of length `window`, the way
//! vendors that count a rolling window (Proofpoint: 100 requests in any 60 s) enforce it.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use super::{RateLimit, RateSignal};
use crate::error::{Error, Result};

/// A sliding-window log: remembers when each of the last `quota` permits was granted and
/// grants another only when fewer than `quota` fall within the last `window` (plus a
/// safety margin, default 1 % of the window, for the varying delay between a permit and
/// the request reaching the server).
///
/// Unlike [`TokenBucket`](super::TokenBucket)'s even spacing, it uses the whole quota: from
/// an empty window, `quota` requests go at once, and a steady stream gets exactly `quota`
/// per window. [`starting_full`](Self::starting_full) assumes the server's window is
/// already full at start (another process, an earlier run), so nothing goes before one
/// window has passed.
///
/// A throttled answer blocks every permit until its `Retry-After` or, without one, until
/// the oldest remembered permit leaves the window; `RateLimit-Remaining: 0` with a reset
/// blocks until the reset.
///
/// ```
/// use std::time::Duration;
/// use idgraph_common::rate_limit::SlidingWindow;
/// use idgraph_common::RateLimiter;
///
/// let proofpoint = RateLimiter::new(SlidingWindow::new(100, Duration::from_secs(60))?);
/// # let _ = proofpoint;
/// # Ok::<(), idgraph_common::Error>(())
/// ```
pub struct SlidingWindow {
    quota: usize,
    window: Duration,
    margin: Duration,
    state: Mutex<WindowState>,
}

#[derive(Default)]
struct WindowState {
    /// When the permits still inside the window were granted, oldest first.
    granted: VecDeque<Instant>,
    /// No permit before this instant (after a throttle or an exhausted server window).
    blocked_until: Option<Instant>,
    /// `starting_full`, before the first permit is asked for.
    starts_full: bool,
    /// `starting_full`: the first `quota` permits wait for one window from this instant
    /// (set by the first ask, so a limiter built before its runtime still waits).
    full_since: Option<Instant>,
}

impl SlidingWindow {
    /// At most `quota` permits in any `window`. Fails when `quota` is 0 or `window` is
    /// zero.
    pub fn new(quota: u32, window: Duration) -> Result<Self> {
        if quota == 0 || window.is_zero() {
            return Err(Error::config(
                "a rate limit needs a quota of at least 1 per a non-zero window",
            ));
        }
        Ok(Self {
            quota: quota as usize,
            window,
            margin: window / 100,
            state: Mutex::new(WindowState::default()),
        })
    }

    /// The safety margin added to the window (default 1 % of it).
    #[must_use]
    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Assumes the server's window is full when the first permit is asked for: that
    /// permit waits one window (plus the margin).
    #[must_use]
    pub fn starting_full(self) -> Self {
        self.lock().starts_full = true;
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, WindowState> {
        // A poisoned lock only means another task panicked mid-update of plain values.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a permit now, or says when to ask again.
    fn try_take(&self, now: Instant) -> std::result::Result<(), Instant> {
        let span = self.window + self.margin;
        let mut s = self.lock();
        if let Some(until) = s.blocked_until {
            if now < until {
                return Err(until);
            }
            s.blocked_until = None;
        }
        if s.starts_full {
            s.starts_full = false;
            s.full_since = Some(now);
        }
        if let Some(since) = s.full_since {
            let free_at = since + span;
            if now < free_at {
                return Err(free_at);
            }
            s.full_since = None;
        }
        while s
            .granted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= span)
        {
            s.granted.pop_front();
        }
        if s.granted.len() < self.quota {
            s.granted.push_back(now);
            return Ok(());
        }
        // Full: the oldest permit leaves the window at `oldest + span`.
        Err(s.granted.front().map_or(now, |t| *t + span))
    }
}

impl fmt::Debug for SlidingWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlidingWindow")
            .field("quota", &self.quota)
            .field("window", &self.window)
            .field("margin", &self.margin)
            .finish()
    }
}

#[async_trait]
impl RateLimit for SlidingWindow {
    async fn acquire(&self) -> Result<()> {
        super::wait_for_permit(|now| self.try_take(now)).await;
        Ok(())
    }

    fn try_acquire(&self) -> bool {
        self.try_take(Instant::now()).is_ok()
    }

    fn observe(&self, signal: &RateSignal) {
        let now = Instant::now();
        let span = self.window + self.margin;
        let mut s = self.lock();
        let mut until = None;
        if signal.throttled {
            // Without Retry-After, assume the server's window is full now.
            until = Some(match signal.retry_after {
                Some(wait) => now + wait,
                None => s.granted.front().map_or(now + span, |t| *t + span),
            });
        }
        if signal.remaining == Some(0)
            && let Some(reset) = signal.reset_after
        {
            until = Some(until.map_or(now + reset, |u: Instant| u.max(now + reset)));
        }
        if let Some(u) = until {
            s.blocked_until = Some(s.blocked_until.map_or(u, |b| b.max(u)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate_limit::tests::max_in_window;

    async fn times(limiter: &SlidingWindow, n: usize) -> Vec<Duration> {
        let start = Instant::now();
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            limiter.acquire().await.unwrap();
            out.push(start.elapsed());
        }
        out
    }

    #[tokio::test(start_paused = true)]
    async fn from_an_empty_window_the_whole_quota_goes_and_no_window_holds_more() {
        let w = Duration::from_secs(60);
        let limiter = SlidingWindow::new(100, w).unwrap();
        let t = times(&limiter, 250).await;
        assert_eq!(t[99], Duration::ZERO, "the first 100 at once");
        assert!(t[100] >= w, "{:?}", t[100]);
        assert!(max_in_window(&t, w) <= 100);
        // 250 requests: the floor is 120 s (two full windows after the first burst); the
        // margin costs 1 % per window.
        assert!(t[249] <= Duration::from_millis(121_200), "{:?}", t[249]);
        assert!(t[249] >= Duration::from_secs(120));
    }

    #[tokio::test(start_paused = true)]
    async fn starting_full_waits_one_window_first() {
        let w = Duration::from_secs(60);
        let limiter = SlidingWindow::new(100, w).unwrap().starting_full();
        let t = times(&limiter, 250).await;
        assert!(t[0] >= w, "{:?}", t[0]);
        assert!(max_in_window(&t, w) <= 100);
        assert!(t[249] <= Duration::from_millis(181_800), "{:?}", t[249]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttle_blocks_until_retry_after() {
        let limiter = SlidingWindow::new(100, Duration::from_secs(60)).unwrap();
        limiter.acquire().await.unwrap();
        limiter.observe(&RateSignal {
            throttled: true,
            retry_after: Some(Duration::from_secs(7)),
            ..RateSignal::default()
        });
        let start = Instant::now();
        limiter.acquire().await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(7));
    }

    #[test]
    fn zero_quota_or_window_is_a_config_error() {
        assert!(SlidingWindow::new(0, Duration::from_secs(1)).is_err());
        assert!(SlidingWindow::new(1, Duration::ZERO).is_err());
    }
}
