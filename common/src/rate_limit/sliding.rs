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

/// A sliding-window log: at most `quota` requests count against any window of length
/// `window`, and a request counts from the moment its answer arrived.
///
/// The server counts a request when it arrives, which is after the permit was granted
/// and before its answer came back. So the transport tells the limiter when each
/// request ended ([`RateLimit::release`]), and a released request leaves the window one
/// `window` after its answer: never before the server's window has let it go, and with
/// no safety margin to lose. A permit that is never released (a caller that takes
/// permits without the transport) falls back to leaving one `window` plus a safety
/// margin (default 1 % of the window) after it was granted, the best a limiter that
/// never hears of the request can do.
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
    /// When the permits not yet released were granted, oldest first.
    pending: VecDeque<Instant>,
    /// When the released requests still inside the window ended, oldest first (release
    /// times only grow, so appending keeps the order).
    ended: VecDeque<Instant>,
    /// Permits the fallback took out of `pending` (granted more than a window and the
    /// margin ago) and not released yet: the next releases are theirs, so that a
    /// recent permit whose request is still running stays counted.
    given_up: usize,
    /// No permit before this instant (after a throttle or an exhausted server window).
    blocked_until: Option<Instant>,
    /// `starting_full`, before the first permit is asked for.
    starts_full: bool,
    /// `starting_full`: the first `quota` permits wait for one window from this instant
    /// (set by the first ask, so a limiter built before its runtime still waits). The
    /// requests that filled the window were counted by then, so no margin is added.
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

    /// The safety margin added to the window of a permit that is never released (default
    /// 1 % of the window). The transport releases every permit it takes, so its requests
    /// never wait for the margin.
    #[must_use]
    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Assumes the server's window is full when the first permit is asked for, with
    /// requests the server had counted by then: that permit waits one window.
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
            let free_at = since + self.window;
            if now < free_at {
                return Err(free_at);
            }
            s.full_since = None;
        }
        let unreleased = self.window + self.margin;
        while s
            .pending
            .front()
            .is_some_and(|t| now.duration_since(*t) >= unreleased)
        {
            s.pending.pop_front();
            s.given_up = s.given_up.saturating_add(1);
        }
        while s
            .ended
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            s.ended.pop_front();
        }
        if s.pending.len() + s.ended.len() < self.quota {
            s.pending.push_back(now);
            return Ok(());
        }
        Err(s.next_free(now, self.window, unreleased))
    }
}

impl WindowState {
    /// When the first request in the window leaves it (`now` when none is in it).
    fn next_free(&self, now: Instant, window: Duration, unreleased: Duration) -> Instant {
        let pending = self.pending.front().map(|t| *t + unreleased);
        let ended = self.ended.front().map(|t| *t + window);
        match (pending, ended) {
            (Some(a), Some(b)) => a.min(b),
            (Some(t), None) | (None, Some(t)) => t,
            (None, None) => now,
        }
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

    /// Moves the oldest unreleased permit into the window as a request that ended now.
    ///
    /// Permits are released in the order they were granted, whatever order their
    /// requests ended in: the window only counts how many requests ended when, and
    /// that is the same either way, while the permits left pending are the newest,
    /// which leave the window last. The oldest may be one the fallback already took out
    /// of the window (a request running longer than the window): its release still
    /// counts as a request that ended now, and leaves the pending ones alone.
    fn release(&self) {
        let now = Instant::now();
        let mut s = self.lock();
        if s.given_up > 0 {
            s.given_up -= 1;
        } else {
            s.pending.pop_front();
        }
        s.ended.push_back(now);
    }

    fn observe(&self, signal: &RateSignal) {
        let now = Instant::now();
        let mut s = self.lock();
        let mut until = None;
        if signal.throttled {
            // Without Retry-After, assume the server's window is full now.
            until = Some(match signal.retry_after {
                Some(wait) => now + wait,
                None if s.pending.is_empty() && s.ended.is_empty() => now + self.window,
                None => s.next_free(now, self.window, self.window + self.margin),
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
    use std::sync::Arc;

    use super::*;
    use crate::rate_limit::tests::max_in_window;

    /// When each of `n` permits was granted, each released at once (a request answered
    /// instantly) with `release`, never without (a caller that takes permits by hand).
    async fn granted(limiter: &SlidingWindow, n: usize, release: bool) -> Vec<Duration> {
        let start = Instant::now();
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            limiter.acquire().await.unwrap();
            out.push(start.elapsed());
            if release {
                limiter.release();
            }
        }
        out
    }

    async fn times(limiter: &SlidingWindow, n: usize) -> Vec<Duration> {
        granted(limiter, n, false).await
    }

    async fn released_times(limiter: &SlidingWindow, n: usize) -> Vec<Duration> {
        granted(limiter, n, true).await
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
    async fn released_requests_use_the_whole_window_with_no_margin() {
        let w = Duration::from_secs(60);
        let limiter = SlidingWindow::new(100, w).unwrap();
        let t = released_times(&limiter, 250).await;
        assert_eq!(t[99], Duration::ZERO);
        assert_eq!(t[100], w);
        assert_eq!(
            t[249],
            2 * w,
            "the floor exactly: quotas at 0, 60 and 120 s"
        );
        assert!(max_in_window(&t, w) <= 100);
    }

    #[tokio::test(start_paused = true)]
    async fn starting_full_waits_one_window_first() {
        let w = Duration::from_secs(60);
        let limiter = SlidingWindow::new(100, w).unwrap().starting_full();
        let t = times(&limiter, 250).await;
        assert_eq!(t[0], w);
        assert!(max_in_window(&t, w) <= 100);
        // Unreleased permits leave the window one margin late.
        assert_eq!(t[249], Duration::from_millis(181_200));

        let limiter = SlidingWindow::new(100, w).unwrap().starting_full();
        let t = released_times(&limiter, 250).await;
        assert_eq!(t[0], w);
        assert_eq!(t[249], 3 * w, "quotas at 60, 120 and 180 s");
    }

    /// 400 requests, eight at a time, that reach the server up to 2 s after their permit
    /// and are answered up to 2 s later (so they end out of order), releasing their
    /// permits or not: the server's arrival times, sorted, and the time the last ended.
    async fn with_latency(release: bool) -> (Vec<Duration>, Duration) {
        let limiter = Arc::new(SlidingWindow::new(100, Duration::from_secs(60)).unwrap());
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for worker in 0..8u64 {
            let (limiter, arrivals) = (Arc::clone(&limiter), Arc::clone(&arrivals));
            tasks.push(tokio::spawn(async move {
                let mut rng = fastrand::Rng::with_seed(worker);
                for _ in 0..50 {
                    limiter.acquire().await.unwrap();
                    tokio::time::sleep(Duration::from_millis(rng.u64(0..2000))).await;
                    arrivals.lock().unwrap().push(start.elapsed());
                    tokio::time::sleep(Duration::from_millis(rng.u64(0..2000))).await;
                    if release {
                        limiter.release();
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let mut arrived = arrivals.lock().unwrap().clone();
        arrived.sort();
        assert_eq!(arrived.len(), 400);
        (arrived, start.elapsed())
    }

    #[tokio::test(start_paused = true)]
    async fn requests_count_from_their_end_whatever_their_latency() {
        let w = Duration::from_secs(60);
        let (arrived, took) = with_latency(true).await;
        assert!(max_in_window(&arrived, w) <= 100);
        // The quota is used: eight workers with 2 s per request on average send about
        // 4 a second, so each 100 takes about 25 s, and each later 100 starts one window
        // after the previous one ended.
        assert!(took <= 3 * w + Duration::from_secs(45), "{took:?}");

        // Counted from their permits plus the 1 % margin (600 ms), the same requests
        // overrun the server's window: what `release` is for.
        let (arrived, _) = with_latency(false).await;
        assert!(max_in_window(&arrived, w) > 100);
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_running_past_the_window_does_not_uncount_a_recent_one() {
        let w = Duration::from_secs(10);
        let limiter = SlidingWindow::new(2, w)
            .unwrap()
            .with_margin(Duration::ZERO);
        let start = Instant::now();
        // A: granted at 0, its request runs for 15 s. The fallback gives up on it at 10 s.
        limiter.acquire().await.unwrap();
        tokio::time::advance(Duration::from_secs(11)).await;
        // B: granted at 11, still running when A's answer arrives at 15.
        limiter.acquire().await.unwrap();
        tokio::time::advance(Duration::from_secs(4)).await;
        limiter.release(); // A's
        // In the window now: B (running) and A (ended at 15): the next permit waits for
        // the first of them to leave it, B's fallback at 21 s, not A's release alone.
        limiter.acquire().await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(21));
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
