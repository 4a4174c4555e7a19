//! When to retry, and how long to wait: a pure decision function.
//!
//! The transport's loop is *attempt → classify → decide → wait → rate-limiter permit →
//! next attempt*. [`RetryPolicy::decide`] is the *decide* step. It does no I/O and takes
//! its randomness as an argument, so every rule below is unit-tested without HTTP.
//!
//! Rules:
//!
//! * **Throttled** (429, or a vendor's quota signal such as Hyperproof's
//!   "Bandwidth quota exceeded" 403): retried for every method, since the server did not
//!   process the request. A `Retry-After` is obeyed exactly; above
//!   [`max_retry_after`](RetryPolicy::max_retry_after) the call fails at once with
//!   [`Error::RateLimited`] instead of sleeping for an hour.
//! * **503 with `Retry-After`**: the server says it did not process the request, so it is
//!   retried for every method, waiting as asked (up to the cap).
//! * **408, 502, 503, 504, timeouts, transport errors after sending**: retried only for
//!   idempotent requests (GET, HEAD, PUT, DELETE, or a request marked idempotent).
//! * **A success body cut short, empty or not JSON** (an HTML error page with status 200):
//!   retried only for idempotent requests, from the same position.
//! * **Connection refused / failed before sending**: retried for every method.
//! * **Everything else** (2xx, 3xx, other 4xx, 500, 501): not retried.
//!
//! Backoff is full-jitter exponential (AWS's "full jitter"): the wait before retry *n* is
//! uniform in `[0, min(max_backoff, initial_backoff × 2^(n-1))]`.
//!
//! On top of the per-call rules, every retry draws on a [`RetryBudget`] shared by every
//! clone of a client (AWS's "standard" retry quota): during an outage, the retries of many
//! concurrent calls stop once the budget is spent, instead of multiplying the load.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::error::{Error, Result};

/// How the transport retries failed attempts.
///
/// ```
/// use std::time::Duration;
/// use idgraph_common::RetryPolicy;
///
/// let policy = RetryPolicy::standard()
///     .with_max_attempts(5)
///     .with_initial_backoff(Duration::from_millis(200))
///     .with_max_retry_after(Duration::from_secs(120));
/// assert_eq!(policy.max_attempts(), 5);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    jitter: Jitter,
}

/// How the computed backoff is randomised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Jitter {
    /// Uniform in `[0, backoff]` (the default): spreads retries of many clients apart.
    Full,
    /// The exact exponential backoff; for tests and for single-client tooling.
    None,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::standard()
    }
}

impl RetryPolicy {
    /// The default policy: 4 attempts in all, 500 ms initial backoff doubling up to 20 s,
    /// full jitter, and `Retry-After` obeyed up to 60 s.
    pub fn standard() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
            jitter: Jitter::Full,
        }
    }

    /// No retries: every failure is returned at once.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::standard()
        }
    }

    /// Attempts in all, including the first (at least 1; a client refuses 0 when it is
    /// built). Default 4.
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// The backoff ceiling before the first retry; doubled for each later one (at most
    /// [`with_max_backoff`](Self::with_max_backoff); a client refuses a larger one when it
    /// is built). Default 500 ms.
    #[must_use]
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The largest computed backoff. Default 20 s.
    #[must_use]
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The longest `Retry-After` the client will sleep for; a longer one fails the call at
    /// once with [`Error::RateLimited`]. Default 60 s.
    #[must_use]
    pub fn with_max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = cap;
        self
    }

    /// How the backoff is randomised. Default [`Jitter::Full`].
    #[must_use]
    pub fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Attempts in all, including the first.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Checks that the settings agree with each other. Every client builder calls it, so
    /// an inconsistent policy is a [`Error::Config`] at `build()`, not a surprise later.
    ///
    /// ```
    /// use std::time::Duration;
    /// use idgraph_common::RetryPolicy;
    ///
    /// assert!(RetryPolicy::standard().validate().is_ok());
    /// assert!(RetryPolicy::standard().with_max_attempts(0).validate().is_err());
    /// let inverted = RetryPolicy::standard()
    ///     .with_initial_backoff(Duration::from_secs(30))
    ///     .with_max_backoff(Duration::from_secs(1));
    /// assert!(inverted.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.max_attempts == 0 {
            return Err(Error::config(
                "the retry policy allows 0 attempts: at least 1 (the first attempt) is needed; use RetryPolicy::disabled() for no retries",
            ));
        }
        if self.initial_backoff > self.max_backoff {
            return Err(Error::config(format!(
                "the retry policy's initial backoff ({:?}) is above its maximum backoff ({:?})",
                self.initial_backoff, self.max_backoff
            )));
        }
        Ok(())
    }

    /// The longest `Retry-After` the client will sleep for.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The backoff ceiling before retry number `retry` (1 = first retry), before jitter.
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(31);
        self.initial_backoff
            .checked_mul(1u32 << exp)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }

    /// Decides what to do after an attempt. Pure: `jitter_sample` must be uniform in
    /// `[0, 1)` (the transport passes a random number; tests pass fixed ones).
    ///
    /// ```
    /// use std::time::Duration;
    /// use idgraph_common::retry::{AttemptOutcome, Decision, RetryPolicy};
    ///
    /// let policy = RetryPolicy::standard();
    /// let throttled = AttemptOutcome::Response {
    ///     status: 429,
    ///     retry_after: Some(Duration::from_secs(2)),
    ///     throttled: true,
    /// };
    /// // A POST is retried after a 429: the server did not process it.
    /// assert_eq!(
    ///     policy.decide(&throttled, 1, false, 0.5),
    ///     Decision::RetryAfter(Duration::from_secs(2)),
    /// );
    /// ```
    pub fn decide(
        &self,
        outcome: &AttemptOutcome,
        attempt: u32,
        idempotent: bool,
        jitter_sample: f64,
    ) -> Decision {
        let retryable = match outcome {
            AttemptOutcome::Response {
                status,
                retry_after,
                throttled,
            } => {
                if *throttled {
                    return self.decide_throttled(*retry_after, attempt, jitter_sample);
                }
                if *status == 503 && retry_after.is_some() {
                    // The server says when to come back, so it did not process the request.
                    return match retry_after {
                        Some(wait) if *wait > self.max_retry_after => Decision::Stop,
                        Some(_) if attempt >= self.max_attempts => Decision::Stop,
                        Some(wait) => Decision::RetryAfter(*wait),
                        None => Decision::Stop,
                    };
                }
                idempotent && matches!(status, 408 | 502 | 503 | 504)
            }
            AttemptOutcome::NotSent => true,
            AttemptOutcome::TransportError
            | AttemptOutcome::TimedOut
            | AttemptOutcome::DamagedBody => idempotent,
        };
        if !retryable || attempt >= self.max_attempts {
            return Decision::Stop;
        }
        Decision::RetryAfter(self.jittered(attempt, jitter_sample))
    }

    fn decide_throttled(
        &self,
        retry_after: Option<Duration>,
        attempt: u32,
        jitter_sample: f64,
    ) -> Decision {
        match retry_after {
            Some(wait) if wait > self.max_retry_after => Decision::GiveUpRateLimited {
                retry_after: Some(wait),
            },
            _ if attempt >= self.max_attempts => Decision::GiveUpRateLimited { retry_after },
            Some(wait) => Decision::RetryAfter(wait),
            None => Decision::RetryAfter(self.jittered(attempt, jitter_sample)),
        }
    }

    fn jittered(&self, retry: u32, sample: f64) -> Duration {
        let ceiling = self.backoff_ceiling(retry);
        match self.jitter {
            Jitter::None => ceiling,
            Jitter::Full => ceiling.mul_f64(sample.clamp(0.0, 1.0)),
        }
    }
}

/// What one attempt came to, as far as retrying is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// The server answered.
    Response {
        /// HTTP status.
        status: u16,
        /// The server's `Retry-After`, parsed.
        retry_after: Option<Duration>,
        /// A throttling answer: 429, or a vendor's quota signal.
        throttled: bool,
    },
    /// The request is known not to have been sent (connection refused, DNS failure).
    NotSent,
    /// The connection failed after the request may have been sent.
    TransportError,
    /// The attempt timed out.
    TimedOut,
    /// A success answer whose body was cut short, empty, or not JSON at all (an HTML
    /// error page with status 200). The request may have been processed.
    DamagedBody,
}

/// What the transport does next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Wait this long (then take a rate-limiter permit) and try again.
    RetryAfter(Duration),
    /// Return the attempt's result (success or error) as it is.
    Stop,
    /// Fail with [`Error::RateLimited`].
    GiveUpRateLimited {
        /// The server's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
}

/// A retry budget shared by every clone of a client, and by any clients given the same
/// budget: AWS's "standard" retry quota.
///
/// Each retry withdraws a cost (5 tokens, 10 after a timeout) from a bucket of 500; a
/// call that succeeds at the first attempt puts 1 token back, and a call that succeeds
/// after retries puts back what it withdrew. When the bucket cannot pay for a retry, the
/// call fails with its last error instead of retrying. A few failing calls retry as the
/// policy says; an outage stops retries after about 100 of them, until successes refill
/// the bucket, so concurrency does not multiply the load on a server that is down.
///
/// ```
/// use idgraph_common::{HttpClient, RetryBudget};
///
/// // One budget for two clients of the same vendor.
/// let budget = RetryBudget::standard();
/// let a = HttpClient::builder().base_url("https://a.example.com").retry_budget(budget.clone()).build()?;
/// let b = HttpClient::builder().base_url("https://b.example.com").retry_budget(budget.clone()).build()?;
/// assert_eq!(budget.available(), Some(500));
/// # let _ = (a, b);
/// # Ok::<(), idgraph_common::Error>(())
/// ```
#[derive(Clone)]
pub struct RetryBudget {
    inner: Option<Arc<Budget>>,
}

struct Budget {
    capacity: u32,
    available: AtomicU32,
    retry_cost: u32,
    timeout_cost: u32,
    success_refund: u32,
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self::standard()
    }
}

impl RetryBudget {
    /// The standard budget: 500 tokens, 5 per retry, 10 per retry after a timeout, 1 back
    /// per first-attempt success.
    pub fn standard() -> Self {
        Self::new(500, 5, 10, 1)
    }

    /// A budget of `capacity` tokens; each retry costs `retry_cost` (`timeout_cost` after
    /// a timeout), and each first-attempt success refunds `success_refund`.
    pub fn new(capacity: u32, retry_cost: u32, timeout_cost: u32, success_refund: u32) -> Self {
        Self {
            inner: Some(Arc::new(Budget {
                capacity,
                available: AtomicU32::new(capacity),
                retry_cost,
                timeout_cost,
                success_refund,
            })),
        }
    }

    /// No budget: only the retry policy limits retries.
    pub fn unlimited() -> Self {
        Self { inner: None }
    }

    /// Tokens left; `None` for an unlimited budget.
    pub fn available(&self) -> Option<u32> {
        self.inner
            .as_ref()
            .map(|b| b.available.load(Ordering::Relaxed))
    }

    /// Takes the cost of one retry after `outcome`; `None` when the budget cannot pay.
    pub(crate) fn withdraw(&self, outcome: &AttemptOutcome) -> Option<u32> {
        let Some(b) = &self.inner else {
            return Some(0);
        };
        let cost = match outcome {
            AttemptOutcome::TimedOut => b.timeout_cost,
            _ => b.retry_cost,
        };
        b.available
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                left.checked_sub(cost)
            })
            .ok()
            .map(|_| cost)
    }

    /// A call succeeded after withdrawing `withdrawn` tokens (0: at the first attempt).
    pub(crate) fn settle_success(&self, withdrawn: u32) {
        let Some(b) = &self.inner else {
            return;
        };
        let refund = if withdrawn == 0 {
            b.success_refund
        } else {
            withdrawn
        };
        if refund == 0 || b.available.load(Ordering::Relaxed) >= b.capacity {
            // The common case when healthy: a full bucket, no write to a shared line.
            return;
        }
        let _ = b
            .available
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                Some(left.saturating_add(refund).min(b.capacity))
            });
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            None => f.write_str("RetryBudget(unlimited)"),
            Some(b) => f
                .debug_struct("RetryBudget")
                .field("available", &b.available.load(Ordering::Relaxed))
                .field("capacity", &b.capacity)
                .field("retry_cost", &b.retry_cost)
                .finish_non_exhaustive(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, retry_after: Option<u64>) -> AttemptOutcome {
        AttemptOutcome::Response {
            status,
            retry_after: retry_after.map(Duration::from_secs),
            throttled: status == 429,
        }
    }

    fn exact() -> RetryPolicy {
        RetryPolicy::standard().with_jitter(Jitter::None)
    }

    #[test]
    fn success_and_plain_client_errors_stop() {
        for s in [200, 201, 204, 400, 401, 403, 404, 409, 500, 501] {
            assert_eq!(
                exact().decide(&resp(s, None), 1, true, 0.0),
                Decision::Stop,
                "{s}"
            );
        }
    }

    #[test]
    fn gateway_errors_retry_only_idempotent_requests() {
        for s in [408, 502, 503, 504] {
            assert!(
                matches!(
                    exact().decide(&resp(s, None), 1, true, 0.0),
                    Decision::RetryAfter(_)
                ),
                "{s}"
            );
            assert_eq!(
                exact().decide(&resp(s, None), 1, false, 0.0),
                Decision::Stop,
                "{s}"
            );
        }
    }

    #[test]
    fn throttling_retries_every_method_and_obeys_retry_after() {
        let d = exact().decide(&resp(429, Some(2)), 1, false, 0.9);
        assert_eq!(d, Decision::RetryAfter(Duration::from_secs(2)));
        // No Retry-After: exponential backoff.
        let d = exact().decide(&resp(429, None), 2, false, 0.9);
        assert_eq!(d, Decision::RetryAfter(Duration::from_secs(1)));
    }

    #[test]
    fn retry_after_above_the_cap_gives_up_at_once() {
        let d = exact().decide(&resp(429, Some(3600)), 1, true, 0.0);
        assert_eq!(
            d,
            Decision::GiveUpRateLimited {
                retry_after: Some(Duration::from_secs(3600))
            }
        );
    }

    #[test]
    fn exhausted_throttling_gives_up_rate_limited() {
        let d = exact().decide(&resp(429, Some(1)), 4, true, 0.0);
        assert_eq!(
            d,
            Decision::GiveUpRateLimited {
                retry_after: Some(Duration::from_secs(1))
            }
        );
    }

    #[test]
    fn service_unavailable_with_retry_after_is_retried_even_for_post() {
        let d = exact().decide(&resp(503, Some(3)), 1, false, 0.0);
        assert_eq!(d, Decision::RetryAfter(Duration::from_secs(3)));
        assert_eq!(
            exact().decide(&resp(503, Some(300)), 1, false, 0.0),
            Decision::Stop
        );
    }

    #[test]
    fn not_sent_is_retried_for_post_but_transport_errors_are_not() {
        assert!(matches!(
            exact().decide(&AttemptOutcome::NotSent, 1, false, 0.0),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            exact().decide(&AttemptOutcome::TransportError, 1, false, 0.0),
            Decision::Stop
        );
        assert_eq!(
            exact().decide(&AttemptOutcome::TimedOut, 1, false, 0.0),
            Decision::Stop
        );
        assert!(matches!(
            exact().decide(&AttemptOutcome::TimedOut, 1, true, 0.0),
            Decision::RetryAfter(_)
        ));
    }

    #[test]
    fn backoff_grows_exponentially_up_to_the_cap() {
        let p = exact().with_max_attempts(10);
        let waits: Vec<_> = (1..=8)
            .map(|n| match p.decide(&resp(503, None), n, true, 0.0) {
                Decision::RetryAfter(d) => d.as_millis(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 16000, 20000, 20000]);
    }

    #[test]
    fn full_jitter_stays_within_the_ceiling() {
        let p = RetryPolicy::standard();
        for (sample, expect_ms) in [(0.0, 0), (0.5, 500), (0.999, 999)] {
            match p.decide(&resp(502, None), 2, true, sample) {
                Decision::RetryAfter(d) => assert_eq!(d.as_millis(), expect_ms),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn attempts_are_capped() {
        assert_eq!(
            exact().decide(&resp(502, None), 4, true, 0.0),
            Decision::Stop
        );
        assert_eq!(
            RetryPolicy::disabled().decide(&resp(502, None), 1, true, 0.0),
            Decision::Stop
        );
    }

    #[test]
    fn damaged_bodies_are_retried_only_for_idempotent_requests() {
        assert!(matches!(
            exact().decide(&AttemptOutcome::DamagedBody, 1, true, 0.0),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            exact().decide(&AttemptOutcome::DamagedBody, 1, false, 0.0),
            Decision::Stop
        );
    }

    #[test]
    fn the_budget_pays_for_retries_until_empty_and_successes_refill_it() {
        let budget = RetryBudget::new(12, 5, 10, 1);
        let shared = budget.clone();
        assert_eq!(budget.withdraw(&AttemptOutcome::TransportError), Some(5));
        assert_eq!(shared.withdraw(&AttemptOutcome::NotSent), Some(5));
        // 2 left: neither a retry (5) nor a timeout retry (10) can be paid.
        assert_eq!(budget.withdraw(&AttemptOutcome::TransportError), None);
        assert_eq!(budget.available(), Some(2));
        // A retried call that succeeds returns what it took; first-attempt successes add 1.
        budget.settle_success(5);
        budget.settle_success(0);
        assert_eq!(shared.available(), Some(8));
        assert_eq!(budget.withdraw(&AttemptOutcome::TimedOut), None);
        // Never above the capacity.
        budget.settle_success(100);
        assert_eq!(budget.available(), Some(12));
        assert_eq!(
            RetryBudget::unlimited().withdraw(&AttemptOutcome::TimedOut),
            Some(0)
        );
    }

    #[test]
    fn huge_retry_counts_do_not_overflow() {
        assert_eq!(exact().backoff_ceiling(u32::MAX), Duration::from_secs(20));
    }
}
