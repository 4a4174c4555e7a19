//! [`RedisRateLimit`]: one rate budget shared by every process that names it, kept in
//! Redis and updated by one atomic server-side script per permit.

use std::fmt;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::time::Duration;

use ::redis::Script;
use async_trait::async_trait;
use tokio::time::Instant;

use super::{Redis, Unreachable, check_name};
use crate::error::{Error, Result};
use crate::rate_limit::{RateLimit, RateLimiter, RateSignal, TokenBucket};

static GCRA: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("scripts/gcra.lua")));
static WINDOW: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("scripts/window.lua")));
static SIGNAL: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("scripts/signal.lua")));

/// Full speed, in the scripts' units (1/32 of the quota per step), as in
/// [`TokenBucket`]'s adaptive slow-down.
const FULL_SPEED: i64 = 32;
/// The slowest speed after repeated throttling: 1/16 of the quota.
const MIN_SPEED: i64 = 2;
/// While falling back to the local bucket, how often Redis is tried again.
const FALLBACK_RECHECK: Duration = Duration::from_secs(1);

/// How the shared budget is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Algorithm {
    /// GCRA, as [`TokenBucket`]: permits spaced `period / quota` apart (after an idle
    /// period, up to [`burst`](RedisRateLimitBuilder::burst) back to back). One small
    /// hash per name. The default.
    #[default]
    Gcra,
    /// A sliding-window log: at most `quota` permits in any window of `period`, granted
    /// as soon as the window has room (a full quota at once after an idle period). For
    /// vendors that enforce "N requests in any rolling window" (Proofpoint Essentials:
    /// 100 per any 60 s), it uses the whole budget. A sorted set of up to `quota`
    /// entries per name.
    SlidingWindow,
}

/// What [`RedisRateLimit::acquire`](RateLimit::acquire) does when Redis cannot be
/// reached or does not answer within the command timeout.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum OnUnavailable {
    /// No permit: [`Error::Limiter`], the request is not sent. The default: a budget
    /// that cannot be checked is never spent.
    #[default]
    FailClosed,
    /// Permits from an in-process [`TokenBucket`] allowing `share` (in `(0, 1]`) of the
    /// quota, Redis being tried again every second. With `n` processes sharing the key,
    /// a share of `1/n` keeps them under the vendor's limit together while Redis is down;
    /// a process that alone cannot reach Redis adds its share to what the others spend.
    FallbackLocal {
        /// The share of the quota this process may use on its own.
        share: f64,
    },
}

impl OnUnavailable {
    /// [`OnUnavailable::FallbackLocal`] with this share of the quota.
    pub fn fallback_local(share: f64) -> Self {
        OnUnavailable::FallbackLocal { share }
    }
}

/// A [`RateLimit`] whose state lives in Redis: every process (and every clone) that
/// builds one with the same name and settings shares one budget.
///
/// * **Atomic.** Each permit is one script run on the server (`EVALSHA`), which reads
///   Redis' own clock (`TIME`), so neither a race between processes nor their clock skew
///   can overspend. Give every process the same quota, period and algorithm.
/// * **Safety margin.** The budget is counted over `period + margin` (default margin:
///   1 % of the period), because a permit granted in Redis reaches the vendor a little
///   later, and not always equally late.
/// * **Shared signals.** A 429 (with its `Retry-After`), or `RateLimit-Remaining: 0` with
///   a reset time, seen by any process blocks every process until then, and a 429 halves
///   the shared speed (down to 1/16 of the quota; each later success speeds it up by
///   1/32), as [`TokenBucket`] does in one process.
/// * **Redis unreachable:** [`OnUnavailable`] (fail closed by default).
///
/// ```no_run
/// use std::time::Duration;
/// use idgraph_common::redis::{OnUnavailable, Redis, RedisRateLimit};
/// use idgraph_common::secrecy::SecretString;
///
/// # async fn run() -> idgraph_common::Result<()> {
/// let redis = Redis::builder().url(SecretString::from("redis://127.0.0.1:6379")).build()?;
/// // Proofpoint Essentials: 100 requests per any 60 s, per API key. Three workers each
/// // fall back to a third of it while Redis is down.
/// let limiter = RedisRateLimit::builder(&redis, "proofpoint:key-id-1234")
///     .quota(100, Duration::from_secs(60))
///     .sliding_window()
///     .on_unavailable(OnUnavailable::fallback_local(1.0 / 3.0))
///     .build()?
///     .into_limiter();
/// limiter.acquire().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisRateLimit {
    inner: Arc<Inner>,
}

struct Inner {
    redis: Redis,
    name: String,
    state_key: String,
    log_key: String,
    algorithm: Algorithm,
    quota: u32,
    period: Duration,
    margin: Duration,
    burst: u32,
    interval_us: u64,
    tolerance_us: u64,
    window_us: u64,
    ttl_ms: u64,
    on_unavailable: OnUnavailable,
    fallback: Option<TokenBucket>,
    local: Mutex<Local>,
}

/// What this process knows without asking Redis.
struct Local {
    /// A throttle this process saw: no need to ask Redis before it has passed.
    blocked_until: Option<Instant>,
    /// The shared speed, as of the last answer (to know whether a success must be told).
    speed: i64,
    /// Falling back to the local bucket until then.
    fallback_until: Option<Instant>,
}

/// Configures a [`RedisRateLimit`].
///
/// | Setting | Default |
/// |---|---|
/// | [`quota`](Self::quota) | required |
/// | [`algorithm`](Self::algorithm) | [`Algorithm::Gcra`] |
/// | [`burst`](Self::burst) (GCRA) | 1 |
/// | [`safety_margin`](Self::safety_margin) | 1 % of the period |
/// | [`on_unavailable`](Self::on_unavailable) | [`OnUnavailable::FailClosed`] |
#[must_use]
#[derive(Debug)]
pub struct RedisRateLimitBuilder {
    redis: Redis,
    name: String,
    quota: Option<(u32, Duration)>,
    algorithm: Algorithm,
    burst: u32,
    margin: Option<Duration>,
    on_unavailable: OnUnavailable,
}

impl RedisRateLimit {
    /// Configures a limiter named `name` on `redis`. The name identifies the budget
    /// across processes (for example `proofpoint:<API key id>`); it appears in keys
    /// and errors, so never use the API key or any other secret as the name.
    pub fn builder(redis: &Redis, name: impl Into<String>) -> RedisRateLimitBuilder {
        RedisRateLimitBuilder {
            redis: redis.clone(),
            name: name.into(),
            quota: None,
            algorithm: Algorithm::default(),
            burst: 1,
            margin: None,
            on_unavailable: OnUnavailable::default(),
        }
    }

    /// Wraps it in a [`RateLimiter`] handle, for a client builder's `rate_limiter`.
    pub fn into_limiter(self) -> RateLimiter {
        RateLimiter::new(self)
    }

    /// The budget's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }
}

impl RedisRateLimitBuilder {
    /// `quota` permits per `period`, for all processes together. Required.
    pub fn quota(mut self, quota: u32, period: Duration) -> Self {
        self.quota = Some((quota, period));
        self
    }

    /// How the budget is counted. Default [`Algorithm::Gcra`].
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Shorthand for [`Algorithm::SlidingWindow`].
    pub fn sliding_window(self) -> Self {
        self.algorithm(Algorithm::SlidingWindow)
    }

    /// Shorthand for [`Algorithm::Gcra`].
    pub fn gcra(self) -> Self {
        self.algorithm(Algorithm::Gcra)
    }

    /// GCRA only: up to `burst` permits back to back after an idle period (default 1;
    /// a window of `period` can then hold up to `quota + burst - 1` permits, so keep 1
    /// when the vendor enforces a rolling window).
    pub fn burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }

    /// Counts the budget over `period + margin`, to absorb the varying delay between a
    /// permit granted in Redis and the request reaching the vendor. Default: 1 % of the
    /// period (600 ms for a minute).
    pub fn safety_margin(mut self, margin: Duration) -> Self {
        self.margin = Some(margin);
        self
    }

    /// What happens when Redis cannot be reached. Default [`OnUnavailable::FailClosed`].
    pub fn on_unavailable(mut self, policy: OnUnavailable) -> Self {
        self.on_unavailable = policy;
        self
    }

    /// The limiter. Fails on a missing or zero quota, an unusable name, or a fallback
    /// share outside `(0, 1]`.
    pub fn build(self) -> Result<RedisRateLimit> {
        check_name("rate limit", &self.name)?;
        let (quota, period) = self.quota.ok_or_else(|| {
            Error::config("a shared rate limit needs a quota: .quota(100, Duration::from_secs(60))")
        })?;
        if quota == 0 || period.is_zero() {
            return Err(Error::config(
                "a rate limit needs a quota of at least 1 per a non-zero period",
            ));
        }
        let margin = self.margin.unwrap_or(period / 100);
        let fallback = match self.on_unavailable {
            OnUnavailable::FailClosed => None,
            OnUnavailable::FallbackLocal { share } => {
                if !(share > 0.0 && share <= 1.0) {
                    return Err(Error::config(
                        "the local fallback's share of the quota must be in (0, 1]",
                    ));
                }
                // At least one permit per period, so a small share still makes progress.
                let local = ((f64::from(quota) * share).floor() as u32).max(1);
                Some(TokenBucket::new(local, period + margin)?)
            }
        };
        let us = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let window_us = us(period + margin);
        let interval_us = (window_us / u64::from(quota)).max(1);
        let tolerance_us = interval_us.saturating_mul(u64::from(self.burst - 1));
        // Keys outlive the longest state they hold: two windows, or the arrival time of a
        // limiter slowed to its slowest speed.
        let longest = Duration::from_micros(
            interval_us
                .saturating_mul((FULL_SPEED / MIN_SPEED) as u64)
                .saturating_add(tolerance_us),
        )
        .max(2 * (period + margin));
        let ttl_ms = u64::try_from(longest.as_millis())
            .unwrap_or(u64::MAX / 2)
            .saturating_add(1000);
        let redis = self.redis;
        Ok(RedisRateLimit {
            inner: Arc::new(Inner {
                state_key: redis.key("rl", &self.name, ":state"),
                log_key: redis.key("rl", &self.name, ":log"),
                redis,
                name: self.name,
                algorithm: self.algorithm,
                quota,
                period,
                margin,
                burst: self.burst,
                interval_us,
                tolerance_us,
                window_us,
                ttl_ms,
                on_unavailable: self.on_unavailable,
                fallback,
                local: Mutex::new(Local {
                    blocked_until: None,
                    speed: FULL_SPEED,
                    fallback_until: None,
                }),
            }),
        })
    }
}

/// The scripts' answer: granted, or how long to wait before asking again.
enum Answer {
    Granted,
    Wait(Duration),
}

impl Inner {
    fn local(&self) -> MutexGuard<'_, Local> {
        // A poisoned lock only means another task panicked while updating plain numbers.
        self.local.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One permit request: one script run.
    async fn ask(&self) -> std::result::Result<Answer, Unreachable> {
        let (granted, wait_us, speed): (i64, i64, i64) = match self.algorithm {
            Algorithm::Gcra => {
                self.redis
                    .invoke(
                        GCRA.key(&self.state_key)
                            .arg(self.interval_us)
                            .arg(self.tolerance_us)
                            .arg(self.ttl_ms),
                    )
                    .await?
            }
            Algorithm::SlidingWindow => {
                self.redis
                    .invoke(
                        WINDOW
                            .key(&self.state_key)
                            .key(&self.log_key)
                            .arg(self.quota)
                            .arg(self.window_us)
                            .arg(self.ttl_ms),
                    )
                    .await?
            }
        };
        self.local().speed = speed;
        Ok(if granted == 1 {
            Answer::Granted
        } else {
            // At least a millisecond, so a rounding to zero cannot make a busy loop.
            Answer::Wait(Duration::from_micros(wait_us.max(1000).unsigned_abs()))
        })
    }

    /// Tells every process what a response said: a block until `block` from now, and a
    /// speed change (-1 halve, 1 one step up).
    async fn publish(&self, block: Option<Duration>, change: i64) {
        let block_ms = block.map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX / 2));
        let result: std::result::Result<i64, _> = self
            .redis
            .invoke(
                SIGNAL
                    .key(&self.state_key)
                    .arg(block_ms)
                    .arg(change)
                    .arg(MIN_SPEED)
                    .arg(self.ttl_ms),
            )
            .await;
        match result {
            Ok(speed) => self.local().speed = speed,
            // The local block still holds for this process; the next permit request will
            // find out whether Redis is back.
            Err(e) => crate::trace::warn(&format!(
                "could not share a rate-limit signal for `{}`: {}",
                self.name,
                crate::error::chain(&e)
            )),
        }
    }
}

#[async_trait]
impl RateLimit for RedisRateLimit {
    async fn acquire(&self) -> Result<()> {
        let inner = &*self.inner;
        loop {
            let now = Instant::now();
            let (blocked, fallback_until) = {
                let l = inner.local();
                (l.blocked_until, l.fallback_until)
            };
            if let Some(until) = blocked
                && until > now
            {
                tokio::time::sleep_until(until).await;
                continue;
            }
            if let (Some(until), Some(fallback)) = (fallback_until, &inner.fallback)
                && until > now
            {
                return fallback.acquire().await;
            }
            match inner.ask().await {
                Ok(Answer::Granted) => return Ok(()),
                Ok(Answer::Wait(wait)) => tokio::time::sleep(wait).await,
                Err(e) => match &inner.fallback {
                    None => {
                        return Err(Error::Limiter {
                            message: format!(
                                "the shared rate limit `{}` could not be checked in Redis, so \
                                 no permit was granted and the request was not sent (fail closed)",
                                inner.name
                            )
                            .into(),
                            source: Some(Box::new(e)),
                        });
                    }
                    Some(fallback) => {
                        crate::trace::warn(&format!(
                            "shared rate limit `{}`: {}; using the local fallback",
                            inner.name,
                            crate::error::chain(&e)
                        ));
                        inner.local().fallback_until = Some(Instant::now() + FALLBACK_RECHECK);
                        return fallback.acquire().await;
                    }
                },
            }
        }
    }

    fn observe(&self, signal: &RateSignal) {
        let inner = &self.inner;
        if let Some(fallback) = &inner.fallback {
            fallback.observe(signal);
        }
        let mut block = None;
        if signal.throttled {
            block = signal.retry_after;
        }
        if signal.remaining == Some(0)
            && let Some(reset) = signal.reset_after
        {
            block = Some(block.map_or(reset, |b: Duration| b.max(reset)));
        }
        let change = {
            let mut l = inner.local();
            if let Some(b) = block {
                let until = Instant::now() + b;
                l.blocked_until = Some(l.blocked_until.map_or(until, |u| u.max(until)));
            }
            if signal.throttled {
                -1
            } else if l.speed < FULL_SPEED {
                1
            } else {
                0
            }
        };
        if block.is_none() && change == 0 {
            // The common case: a success at full speed tells Redis nothing.
            return;
        }
        // `observe` is not async: share the signal from a task. Outside a runtime (never
        // the case in the transport) it stays local.
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let inner = Arc::clone(inner);
            handle.spawn(async move { inner.publish(block, change).await });
        }
    }
}

impl fmt::Debug for RedisRateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &*self.inner;
        f.debug_struct("RedisRateLimit")
            .field("name", &i.name)
            .field("algorithm", &i.algorithm)
            .field("quota", &i.quota)
            .field("period", &i.period)
            .field("safety_margin", &i.margin)
            .field("burst", &i.burst)
            .field("on_unavailable", &i.on_unavailable)
            .field("redis", &i.redis)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrecy::SecretString;

    async fn redis_nowhere() -> Redis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Redis::builder()
            .url(SecretString::from(format!("redis://127.0.0.1:{port}")))
            .command_timeout(Duration::from_millis(300))
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn settings_are_checked() {
        let redis = redis_nowhere().await;
        let b = || RedisRateLimit::builder(&redis, "pp:acme");
        assert!(b().build().is_err(), "no quota");
        assert!(b().quota(0, Duration::from_secs(1)).build().is_err());
        assert!(b().quota(1, Duration::ZERO).build().is_err());
        for share in [0.0, -1.0, 1.5, f64::NAN] {
            let r = b()
                .quota(10, Duration::from_secs(1))
                .on_unavailable(OnUnavailable::fallback_local(share))
                .build();
            assert!(r.is_err(), "{share}");
        }
        assert!(
            RedisRateLimit::builder(&redis, "a key with spaces")
                .quota(1, Duration::from_secs(1))
                .build()
                .is_err()
        );
        let l = b().quota(100, Duration::from_secs(60)).build().unwrap();
        let shown = format!("{l:?}");
        assert!(shown.contains("safety_margin: 600ms"), "{shown}");
    }

    #[tokio::test]
    async fn unreachable_redis_fails_closed_with_a_typed_error_and_sends_nothing() {
        let redis = redis_nowhere().await;
        let limiter = RedisRateLimit::builder(&redis, "pp:acme")
            .quota(100, Duration::from_secs(60))
            .build()
            .unwrap()
            .into_limiter();
        let started = std::time::Instant::now();
        let e = limiter.acquire().await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(3), "bounded time");
        assert!(matches!(e, Error::Limiter { .. }), "{e}");
        assert!(!e.was_sent() && !e.is_retryable());
        assert!(e.to_string().contains("`pp:acme`"), "{e}");
        assert!(std::error::Error::source(&e).is_some());
    }

    // Paused clock: the refused connection answers at once, and the local bucket's waits
    // are simulated.
    #[tokio::test(start_paused = true)]
    async fn unreachable_redis_can_fall_back_to_a_share_of_the_quota() {
        let redis = redis_nowhere().await;
        // 10 per second; a share of 0.2 is 2 per second: the third permit waits ~0.5 s.
        let limiter = RedisRateLimit::builder(&redis, "pp:acme")
            .quota(10, Duration::from_secs(1))
            .safety_margin(Duration::ZERO)
            .on_unavailable(OnUnavailable::fallback_local(0.2))
            .build()
            .unwrap()
            .into_limiter();
        let started = Instant::now();
        for _ in 0..3 {
            limiter.acquire().await.unwrap();
        }
        // 2 per second: permits at 0, 0.5 s and 1 s.
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(1000),
            "{took:?}: never unlimited"
        );
        assert!(took < Duration::from_millis(1400), "{took:?}");
    }
}
