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
//!   [`Error::RateLimited`](crate::Error::RateLimited) instead of sleeping for an hour.
//! * **503 with `Retry-After`**: the server says it did not process the request, so it is
//!   retried for every method, waiting as asked (up to the cap).
//! * **408, 502, 503, 504, timeouts, transport errors after sending**: retried only for
//!   idempotent requests (GET, HEAD, PUT, DELETE, or a request marked idempotent).
//! * **Connection refused / failed before sending**: retried for every method.
//! * **Everything else** (2xx, 3xx, other 4xx, 500, 501): not retried.
//!
//! Backoff is full-jitter exponential (AWS's "full jitter"): the wait before retry *n* is
//! uniform in `[0, min(max_backoff, initial_backoff × 2^(n-1))]`.

use std::time::Duration;

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

    /// Attempts in all, including the first (at least 1). Default 4.
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff ceiling before the first retry; doubled for each later one. Default 500 ms.
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
    /// once with [`Error::RateLimited`](crate::Error::RateLimited). Default 60 s.
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
            AttemptOutcome::TransportError | AttemptOutcome::TimedOut => idempotent,
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
}

/// What the transport does next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Wait this long (then take a rate-limiter permit) and try again.
    RetryAfter(Duration),
    /// Return the attempt's result (success or error) as it is.
    Stop,
    /// Fail with [`Error::RateLimited`](crate::Error::RateLimited).
    GiveUpRateLimited {
        /// The server's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
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
    fn huge_retry_counts_do_not_overflow() {
        assert_eq!(exact().backoff_ceiling(u32::MAX), Duration::from_secs(20));
    }
}
