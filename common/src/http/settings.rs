//! [`TransportSettings`]: every transport knob in one value, taken the same way by every
//! client builder of the family.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use crate::rate_limit::RateLimiter;
use crate::retry::{RetryBudget, RetryPolicy};

/// Every transport knob in one value: timeouts, retry policy and budget, rate limiter,
/// user agent, your own `reqwest::Client`, the plain-http opt-in and the body cap.
///
/// Every builder of the family takes it the same way, `.transport(settings)`:
/// `probo_scim::ClientBuilder`, `hyperproof::RestClientBuilder` and `ScimClientBuilder`,
/// `proofpoint_essentials::ClientBuilder`, this crate's [`ScimClientBuilder`] and
/// [`HttpClientBuilder`]. A knob left unset keeps the client's own default (each builder's
/// docs list them; for example Proofpoint's REST surface limits itself to 100 requests per
/// minute unless you set a limiter or [`no_rate_limiter`](Self::no_rate_limiter)).
///
/// Cheap to clone. Clones share what is meant to be shared: a [`RateLimiter`] or
/// [`RetryBudget`] set here is shared by every client built with the value.
///
/// ```
/// use std::time::Duration;
/// use idgraph_common::{RateLimiter, RetryPolicy, TransportSettings};
///
/// let settings = TransportSettings::new()
///     .attempt_timeout(Duration::from_secs(10))
///     .operation_timeout(Duration::from_secs(120))
///     .retry_policy(RetryPolicy::standard().with_max_attempts(5))
///     .user_agent("offboarding-bot/2.1");
/// // The same value for every client; a limiter only where one budget applies.
/// let proofpoint = settings.clone().rate_limiter(RateLimiter::per_minute(100)?);
/// # let _ = proofpoint;
/// # Ok::<(), idgraph_common::Error>(())
/// ```
///
/// [`ScimClientBuilder`]: crate::scim::ScimClientBuilder
/// [`HttpClientBuilder`]: crate::HttpClientBuilder
#[derive(Clone, Default)]
#[must_use]
pub struct TransportSettings {
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) attempt_timeout: Option<Option<Duration>>,
    pub(crate) operation_timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) budget: Option<RetryBudget>,
    pub(crate) limiter: Option<Option<RateLimiter>>,
    pub(crate) user_agent: Option<Cow<'static, str>>,
    pub(crate) reqwest_client: Option<reqwest::Client>,
    pub(crate) allow_insecure_http: Option<bool>,
    pub(crate) max_response_body: Option<usize>,
}

impl TransportSettings {
    /// Nothing set: every client keeps its own defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long to wait for a TCP/TLS connection. Default 5 s. Ignored with
    /// [`reqwest_client`](Self::reqwest_client), whose own setting applies.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How long one attempt (send and read the whole response) may take. Default 30 s.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(Some(timeout));
        self
    }

    /// No per-attempt timeout (long downloads, or tests on tokio's paused clock, where a
    /// pending timer makes the clock jump while real I/O is in flight).
    pub fn no_attempt_timeout(mut self) -> Self {
        self.attempt_timeout = Some(None);
        self
    }

    /// How long a whole call (all attempts and waits) may take. Default: no limit.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// When and how failed attempts are retried. Default [`RetryPolicy::standard`].
    /// Checked when the client is built ([`RetryPolicy::validate`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The retry budget every retry draws on, shared by every client built with these
    /// settings. Default: a new [`RetryBudget::standard`] per client (shared by its clones).
    pub fn retry_budget(mut self, budget: RetryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// A client-side rate limiter every attempt takes a permit from, shared by every
    /// client built with these settings. Default: the client's own (none, except where
    /// the vendor documents a limit).
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(Some(limiter));
        self
    }

    /// No client-side rate limiter, not even the vendor default (the server's 429s are
    /// still retried).
    pub fn no_rate_limiter(mut self) -> Self {
        self.limiter = Some(None);
        self
    }

    /// The `User-Agent` header. Default `<crate>/<version>` of the vendor crate.
    pub fn user_agent(mut self, agent: impl Into<Cow<'static, str>>) -> Self {
        self.user_agent = Some(agent.into());
        self
    }

    /// Sends requests through your own `reqwest::Client` (proxies, mTLS, custom roots, a
    /// shared pool). Its timeouts, TLS and redirect settings apply: build it with
    /// `redirect(reqwest::redirect::Policy::none())` so credentials never follow a redirect
    /// to another host.
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.reqwest_client = Some(client);
        self
    }

    /// Allows plain `http` to a non-loopback host (credentials then travel unencrypted;
    /// only for trusted networks). Default `false`; `http://127.0.0.1` and
    /// `http://localhost` are always allowed.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = Some(allow);
        self
    }

    /// `true` when these settings opt in to plain `http` to non-loopback hosts, for a
    /// builder that checks its URLs itself before handing the settings on.
    pub fn allows_insecure_http(&self) -> bool {
        self.allow_insecure_http.unwrap_or(false)
    }

    /// The largest success body accepted. Default: the client's own
    /// ([`DEFAULT_MAX_RESPONSE_BODY`](crate::http::DEFAULT_MAX_RESPONSE_BODY), 32 MiB, unless
    /// the vendor answers everything in one response).
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = Some(bytes);
        self
    }
}

impl fmt::Debug for TransportSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportSettings")
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("retry", &self.retry)
            .field("retry_budget", &self.budget)
            .field("rate_limiter", &self.limiter)
            .field("user_agent", &self.user_agent)
            .field(
                "reqwest_client",
                &self.reqwest_client.as_ref().map(|_| "custom"),
            )
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("max_response_body", &self.max_response_body)
            .finish()
    }
}
