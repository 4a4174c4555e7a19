//! [`ClientBuilder`]: the surface is chosen by the first surface-specific setter, and
//! setters of the other surface then do not compile.
//!
//! ```compile_fail
//! use proofpoint_essentials::{ApiKey, Client, Stack};
//! // An API key (REST surface) and a stack (interface API) do not mix.
//! let _ = Client::builder().api_key(ApiKey::new("k")).stack(Stack::Us1);
//! ```

use std::fmt;
use std::time::Duration;

use idgraph_common::auth::{Basic, HeaderPair};
use idgraph_common::{
    ExposeSecret, HttpClient, HttpClientBuilder, RateLimiter, RedactedUrl, RetryPolicy,
};

use crate::client::{Client, Inner, Surface};
use crate::credentials::{AdminPassword, AdminUser, ApiKey, ApiSecret};
use crate::errors;
use crate::stack::Stack;
use crate::{Error, Result};

/// The REST surface's default base URL, as the seed gives it.
pub const DEFAULT_REST_BASE_URL: &str = "https://api.proofpoint.com/v2";

/// The REST surface's documented rate limit: requests per minute per API key.
pub const REST_REQUESTS_PER_MINUTE: u32 = 100;

/// Default number of users per interface API batch create.
pub const DEFAULT_BATCH_SIZE: usize = 100;

/// Builds a [`Client`] for one of the two API surfaces.
///
/// | Setting | Surface | Default |
/// |---|---|---|
/// | [`api_key`](Self::api_key), [`api_secret`](Self::api_secret) | REST | required |
/// | [`base_url`](Self::base_url) | REST | `https://api.proofpoint.com/v2` |
/// | [`stack`](Self::stack) | interface | required (or [`discover`](Self::discover)) |
/// | [`org_domain`](Self::org_domain), [`admin_user`](Self::admin_user), [`admin_password`](Self::admin_password) | interface | required |
/// | [`batch_size`](ClientBuilder::<InterfaceSurface>::batch_size) | interface | 100 users per create request |
/// | [`rate_limiter`](Self::rate_limiter) | both | REST: 100 requests/minute (GCRA, burst 1); interface: none (no limit is documented) |
/// | [`retry_policy`](Self::retry_policy) | both | [`RetryPolicy::standard`]: 429 is retried with full-jitter backoff (the API promises no `Retry-After`) |
/// | [`attempt_timeout`](Self::attempt_timeout) | both | 30 s |
/// | [`operation_timeout`](Self::operation_timeout) | both | none |
/// | [`user_agent`](Self::user_agent) | both | `proofpoint-essentials/<version>` |
/// | [`reqwest_client`](Self::reqwest_client) | both | a new client that follows no redirects |
///
/// The first surface-specific setter fixes the surface: `Client::builder().api_key(..)`
/// is a `ClientBuilder<RestSurface>`, `Client::builder().stack(..)` a
/// `ClientBuilder<InterfaceSurface>`, and mixing them does not compile. A missing
/// required setting is an [`Error::Config`] from `build` that names it.
///
/// ```
/// use proofpoint_essentials::{AdminPassword, AdminUser, ApiKey, ApiSecret, Client, Stack, Surface};
///
/// let rest = Client::builder()
///     .api_key(ApiKey::new("key"))
///     .api_secret(ApiSecret::new("secret"))
///     .build()?;
/// assert_eq!(rest.surface(), Surface::RestV2);
/// assert_eq!(rest.base_url(), "https://api.proofpoint.com/v2");
///
/// let real = Client::builder()
///     .stack(Stack::Us1)
///     .org_domain("example.com")
///     .admin_user(AdminUser::new("admin@example.com"))
///     .admin_password(AdminPassword::new("pa55"))
///     .build()?;
/// assert_eq!(real.base_url(), "https://us1.proofpointessentials.com/api/v1");
///
/// // Nothing secret shows.
/// assert!(!format!("{rest:?} {real:?}").contains("secret"));
/// # Ok::<(), proofpoint_essentials::Error>(())
/// ```
#[must_use]
pub struct ClientBuilder<S = Unselected> {
    common: Common,
    surface: S,
}

/// Builder state: no surface chosen yet.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Unselected;

/// Builder state: the REST surface.
#[derive(Default)]
pub struct RestSurface {
    base_url: Option<String>,
    api_key: Option<ApiKey>,
    api_secret: Option<ApiSecret>,
}

/// Builder state: the Essentials interface API.
#[derive(Default)]
pub struct InterfaceSurface {
    stack: Option<Stack>,
    org_domain: Option<String>,
    user: Option<AdminUser>,
    password: Option<AdminPassword>,
    batch_size: Option<usize>,
}

enum LimiterChoice {
    SurfaceDefault,
    Custom(RateLimiter),
    Off,
}

struct Common {
    retry: RetryPolicy,
    limiter: LimiterChoice,
    user_agent: Option<String>,
    attempt_timeout: Option<Option<Duration>>,
    operation_timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    reqwest_client: Option<reqwest::Client>,
}

impl ClientBuilder<Unselected> {
    pub(crate) fn new() -> Self {
        Self {
            common: Common {
                retry: RetryPolicy::standard(),
                limiter: LimiterChoice::SurfaceDefault,
                user_agent: None,
                attempt_timeout: None,
                operation_timeout: None,
                connect_timeout: None,
                reqwest_client: None,
            },
            surface: Unselected,
        }
    }

    fn rest(self) -> ClientBuilder<RestSurface> {
        ClientBuilder {
            common: self.common,
            surface: RestSurface::default(),
        }
    }

    fn interface(self) -> ClientBuilder<InterfaceSurface> {
        ClientBuilder {
            common: self.common,
            surface: InterfaceSurface::default(),
        }
    }

    /// REST surface: the API key (HTTP Basic user name). Chooses the REST surface.
    pub fn api_key(self, key: ApiKey) -> ClientBuilder<RestSurface> {
        self.rest().api_key(key)
    }

    /// REST surface: the API secret (HTTP Basic password). Chooses the REST surface.
    pub fn api_secret(self, secret: ApiSecret) -> ClientBuilder<RestSurface> {
        self.rest().api_secret(secret)
    }

    /// REST surface: the base URL. Chooses the REST surface.
    pub fn base_url(self, url: impl Into<String>) -> ClientBuilder<RestSurface> {
        self.rest().base_url(url)
    }

    /// Interface API: the stack. Chooses the interface API.
    pub fn stack(self, stack: Stack) -> ClientBuilder<InterfaceSurface> {
        self.interface().stack(stack)
    }

    /// Interface API: the organization's primary domain. Chooses the interface API.
    pub fn org_domain(self, domain: impl Into<String>) -> ClientBuilder<InterfaceSurface> {
        self.interface().org_domain(domain)
    }

    /// Interface API: the admin account (`X-User`). Chooses the interface API.
    pub fn admin_user(self, user: AdminUser) -> ClientBuilder<InterfaceSurface> {
        self.interface().admin_user(user)
    }

    /// Interface API: the admin password or API key (`X-Password`). Chooses the
    /// interface API.
    pub fn admin_password(self, password: AdminPassword) -> ClientBuilder<InterfaceSurface> {
        self.interface().admin_password(password)
    }
}

impl ClientBuilder<RestSurface> {
    /// The API key (HTTP Basic user name). Required.
    pub fn api_key(mut self, key: ApiKey) -> Self {
        self.surface.api_key = Some(key);
        self
    }

    /// The API secret (HTTP Basic password). Required.
    pub fn api_secret(mut self, secret: ApiSecret) -> Self {
        self.surface.api_secret = Some(secret);
        self
    }

    /// The base URL. Default `https://api.proofpoint.com/v2`. Must be `https`, or `http`
    /// to a loopback address (a local fake).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.surface.base_url = Some(url.into());
        self
    }

    /// Builds the client. Fails with [`Error::Config`] when the key or secret is missing,
    /// the base URL is unusable or a credential cannot be sent in a header.
    pub fn build(self) -> Result<Client> {
        let s = self.surface;
        let key = s.api_key.ok_or_else(|| {
            Error::config("the REST surface needs an API key: call ClientBuilder::api_key")
        })?;
        let secret = s.api_secret.ok_or_else(|| {
            Error::config("the REST surface needs an API secret: call ClientBuilder::api_secret")
        })?;
        // RFC 7617: the user-id cannot contain a colon (the server would split there).
        if key.secret().expose_secret().contains(':') {
            return Err(Error::config(
                "the API key contains `:`, which HTTP Basic cannot carry in the user name; check that key and secret are not swapped or joined",
            ));
        }
        let base = s
            .base_url
            .unwrap_or_else(|| DEFAULT_REST_BASE_URL.to_owned());
        let default_limiter = RateLimiter::per_minute(REST_REQUESTS_PER_MINUTE)?;
        let http = self
            .common
            .http(Surface::RestV2, Some(default_limiter))
            .base_url(base)
            .auth(Basic::new(key.secret().clone(), secret.secret().clone()))
            .build()?;
        Ok(Client::from_inner(Inner {
            http,
            surface: Surface::RestV2,
            org_domain: None,
            stack: None,
            batch_size: DEFAULT_BATCH_SIZE,
        }))
    }
}

impl ClientBuilder<InterfaceSurface> {
    /// The stack the organization lives on. Required by [`build`](Self::build); with
    /// [`discover`](Self::discover) it is only where the question is asked (default
    /// `us1`).
    pub fn stack(mut self, stack: Stack) -> Self {
        self.surface.stack = Some(stack);
        self
    }

    /// The organization's primary domain, for example `example.com`. Required.
    pub fn org_domain(mut self, domain: impl Into<String>) -> Self {
        self.surface.org_domain = Some(domain.into());
        self
    }

    /// The admin account, sent as `X-User`. Required.
    pub fn admin_user(mut self, user: AdminUser) -> Self {
        self.surface.user = Some(user);
        self
    }

    /// The admin password or API key, sent as `X-Password`. Required.
    pub fn admin_password(mut self, password: AdminPassword) -> Self {
        self.surface.password = Some(password);
        self
    }

    /// Users per batch create request. Default 100; the server's own limit is not
    /// documented, so lower it if large batches are refused. At least 1.
    pub fn batch_size(mut self, users: usize) -> Self {
        self.surface.batch_size = Some(users.max(1));
        self
    }

    /// Builds the client for the configured stack.
    ///
    /// Fails with [`Error::Config`] when the stack, domain or a credential is missing, the
    /// domain is not a plausible domain, or a credential cannot be sent in a header.
    pub fn build(self) -> Result<Client> {
        let stack = self.surface.stack.clone().ok_or_else(|| {
            Error::config(
                "the interface API needs a stack: call ClientBuilder::stack, or use ClientBuilder::discover to ask which stack serves the domain",
            )
        })?;
        self.build_on(stack)
    }

    /// Asks `GET /endpoints/{domain}` on the configured stack (default `us1`) which stack
    /// serves the organization, then builds the client for that stack.
    ///
    /// Only a public stack (https, `*.proofpointessentials.com`) or the host that was
    /// asked is accepted, since the client sends its credentials there. Fails with
    /// [`Error::Config`] when the answer names no such stack.
    ///
    /// ```no_run
    /// use proofpoint_essentials::{AdminPassword, AdminUser, Client};
    ///
    /// # async fn run() -> proofpoint_essentials::Result<()> {
    /// let client = Client::builder()
    ///     .org_domain("example.com")
    ///     .admin_user(AdminUser::new("admin@example.com"))
    ///     .admin_password(AdminPassword::new("pa55"))
    ///     .discover()
    ///     .await?;
    /// println!("on {}", client.stack().map(ToString::to_string).unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn discover(self) -> Result<Client> {
        let asked = self.surface.stack.clone().unwrap_or(Stack::Us1);
        let domain = self.surface.org_domain.clone().unwrap_or_default();
        let probe = self.clone_for(asked.clone()).build_on(asked.clone())?;
        let stacks = probe.endpoints(&domain).await?;
        let Some(stack) = stacks.into_iter().next() else {
            return Err(Error::config(format!(
                "stack discovery on {asked} named no trusted stack for `{domain}`; set the stack with ClientBuilder::stack"
            )));
        };
        if stack == asked {
            return Ok(probe);
        }
        self.build_on(stack)
    }

    /// A copy of this builder (the caller's `reqwest::Client` and limiter are shared).
    fn clone_for(&self, stack: Stack) -> Self {
        Self {
            common: Common {
                retry: self.common.retry.clone(),
                limiter: match &self.common.limiter {
                    LimiterChoice::SurfaceDefault => LimiterChoice::SurfaceDefault,
                    LimiterChoice::Custom(l) => LimiterChoice::Custom(l.clone()),
                    LimiterChoice::Off => LimiterChoice::Off,
                },
                user_agent: self.common.user_agent.clone(),
                attempt_timeout: self.common.attempt_timeout,
                operation_timeout: self.common.operation_timeout,
                connect_timeout: self.common.connect_timeout,
                reqwest_client: self.common.reqwest_client.clone(),
            },
            surface: InterfaceSurface {
                stack: Some(stack),
                org_domain: self.surface.org_domain.clone(),
                user: self.surface.user.clone(),
                password: self.surface.password.clone(),
                batch_size: self.surface.batch_size,
            },
        }
    }

    fn build_on(self, stack: Stack) -> Result<Client> {
        let s = self.surface;
        let domain = s.org_domain.ok_or_else(|| {
            Error::config(
                "the interface API needs the organization's primary domain: call ClientBuilder::org_domain",
            )
        })?;
        let domain = check_domain(&domain)?;
        let user = s.user.ok_or_else(|| {
            Error::config(
                "the interface API needs an admin account: call ClientBuilder::admin_user",
            )
        })?;
        let password = s.password.ok_or_else(|| {
            Error::config(
                "the interface API needs the admin password or API key: call ClientBuilder::admin_password",
            )
        })?;
        let http = self
            .common
            .http(Surface::InterfaceV1, None)
            .base_url(stack.api_base()?)
            .auth(HeaderPair::x_user_x_password(
                user.secret().clone(),
                password.secret().clone(),
            ))
            .build()?;
        Ok(Client::from_inner(Inner {
            http,
            surface: Surface::InterfaceV1,
            org_domain: Some(domain),
            stack: Some(stack),
            batch_size: s.batch_size.unwrap_or(DEFAULT_BATCH_SIZE),
        }))
    }
}

/// A domain must be a plausible DNS name: it becomes a path segment of every request.
fn check_domain(domain: &str) -> Result<String> {
    let d = domain.trim().trim_end_matches('.').to_lowercase();
    let plausible = !d.is_empty()
        && d.split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if !plausible {
        return Err(Error::config(format!(
            "{} is not a valid organization domain (expected something like example.com)",
            idgraph_common::error::quote(domain)
        )));
    }
    Ok(d)
}

impl<S> ClientBuilder<S> {
    /// How failed attempts are retried. Default [`RetryPolicy::standard`]: throttling
    /// (429) is retried with full-jitter exponential backoff, since the API promises no
    /// `Retry-After`.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.common.retry = policy;
        self
    }

    /// The client-side rate limiter every attempt takes a permit from. Pass clones of
    /// one [`RateLimiter`] to several clients to share one budget (the REST limit is per
    /// API key). Default: 100 requests per minute on the REST surface, none on the
    /// interface API.
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.common.limiter = LimiterChoice::Custom(limiter);
        self
    }

    /// No client-side rate limiter (the server's 429s are still retried).
    pub fn no_rate_limiter(mut self) -> Self {
        self.common.limiter = LimiterChoice::Off;
        self
    }

    /// The `User-Agent`. Default `proofpoint-essentials/<version>`.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.common.user_agent = Some(agent.into());
        self
    }

    /// How long one attempt may take. Default 30 s.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.common.attempt_timeout = Some(Some(timeout));
        self
    }

    /// No per-attempt timeout. For tests on tokio's paused clock, where a pending
    /// timeout timer makes the clock jump while real I/O is in flight.
    pub fn no_attempt_timeout(mut self) -> Self {
        self.common.attempt_timeout = Some(None);
        self
    }

    /// How long a whole operation (all attempts and waits) may take. Default: no limit.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.common.operation_timeout = Some(timeout);
        self
    }

    /// How long to wait for a connection. Default 5 s (ignored with
    /// [`reqwest_client`](Self::reqwest_client)).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.common.connect_timeout = Some(timeout);
        self
    }

    /// Sends requests through your own `reqwest::Client` (proxy, mTLS, or a client
    /// without the pool's idle timer for paused-clock tests). Disable redirects on it, so
    /// credentials never follow a redirect to another host.
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.common.reqwest_client = Some(client);
        self
    }
}

impl Common {
    fn http(self, surface: Surface, default_limiter: Option<RateLimiter>) -> HttpClientBuilder {
        let mut b = HttpClient::builder()
            .retry_policy(self.retry)
            .user_agent(self.user_agent.unwrap_or_else(|| {
                concat!("proofpoint-essentials/", env!("CARGO_PKG_VERSION")).to_owned()
            }))
            .api_error_hook(errors::hook(surface));
        b = match (self.limiter, default_limiter) {
            (LimiterChoice::Custom(l), _) => b.rate_limiter(l),
            (LimiterChoice::SurfaceDefault, Some(l)) => b.rate_limiter(l),
            (LimiterChoice::SurfaceDefault, None) | (LimiterChoice::Off, _) => b.no_rate_limiter(),
        };
        match self.attempt_timeout {
            Some(Some(t)) => b = b.attempt_timeout(t),
            Some(None) => b = b.no_attempt_timeout(),
            None => {}
        }
        if let Some(t) = self.operation_timeout {
            b = b.operation_timeout(t);
        }
        if let Some(t) = self.connect_timeout {
            b = b.connect_timeout(t);
        }
        if let Some(c) = self.reqwest_client {
            b = b.reqwest_client(c);
        }
        b
    }
}

impl fmt::Debug for Common {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let limiter = match &self.limiter {
            LimiterChoice::SurfaceDefault => "surface default".to_owned(),
            LimiterChoice::Custom(l) => format!("{l:?}"),
            LimiterChoice::Off => "off".to_owned(),
        };
        f.debug_struct("Options")
            .field("retry", &self.retry)
            .field("rate_limiter", &limiter)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for RestSurface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestSurface")
            // Without user info, query or fragment, which may carry a credential.
            .field("base_url", &self.base_url.as_deref().map(RedactedUrl::new))
            .field("api_key", &self.api_key)
            .field("api_secret", &self.api_secret)
            .finish()
    }
}

impl fmt::Debug for InterfaceSurface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InterfaceSurface")
            .field("stack", &self.stack)
            .field("org_domain", &self.org_domain)
            .field("admin_user", &self.user)
            .field("admin_password", &self.password)
            .field("batch_size", &self.batch_size)
            .finish()
    }
}

impl<S: fmt::Debug> fmt::Debug for ClientBuilder<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("surface", &self.surface)
            .field("options", &self.common)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_settings_are_named() {
        let e = Client::builder()
            .api_key(ApiKey::new("k"))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("api_secret"), "{e}");
        let e = Client::builder()
            .org_domain("example.com")
            .admin_user(AdminUser::new("u"))
            .admin_password(AdminPassword::new("p"))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("stack"), "{e}");
        let e = Client::builder()
            .stack(Stack::Us1)
            .org_domain("exa/mple.com")
            .admin_user(AdminUser::new("u"))
            .admin_password(AdminPassword::new("p"))
            .build()
            .unwrap_err();
        assert!(
            e.to_string().contains("not a valid organization domain"),
            "{e}"
        );
    }

    #[test]
    fn base_url_is_overridable_and_checked() {
        let c = Client::builder()
            .base_url("http://127.0.0.1:9/v2")
            .api_key(ApiKey::new("k"))
            .api_secret(ApiSecret::new("s"))
            .build()
            .unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:9/v2");
        assert!(
            Client::builder()
                .base_url("http://remote.example/v2")
                .api_key(ApiKey::new("k"))
                .api_secret(ApiSecret::new("s"))
                .build()
                .is_err()
        );
    }
}
