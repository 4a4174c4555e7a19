//! [`ClientBuilder`]: where Probo is, the token, and the transport knobs.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use idgraph_common::auth::Bearer;
use idgraph_common::scim::ScimClient;
use idgraph_common::{ApiError, Error, RateLimiter, RedactedUrl, Result, RetryPolicy};

use crate::client::Client;
use crate::token::ScimToken;

/// The path of the SCIM root below a Probo instance's URL.
pub const SCIM_PATH: &str = "/api/connect/v1/scim/2.0";

/// The largest answer the client accepts: 256 MiB. Probo answers every listing with
/// every user of the organization in one response (about 1 KiB per user), so the
/// transport's default cap for one page (32 MiB) would refuse organizations above about
/// 30,000 users.
pub const MAX_RESPONSE_BODY: usize = 256 * 1024 * 1024;

/// Default page size of listings. Probo returns every user on every page whatever the
/// size (see the crate docs), so it only matters for servers that page.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// Where the SCIM root is.
#[derive(Clone)]
enum Location {
    /// The Probo instance; the client appends [`SCIM_PATH`].
    Instance(String),
    /// A full SCIM root, used as is.
    ScimRoot(String),
}

/// Builds a [`Client`].
///
/// | Setting | Default |
/// |---|---|
/// | [`base_url`](Self::base_url) or [`scim_url`](Self::scim_url) | required |
/// | [`token`](Self::token) | required |
/// | [`retry_policy`](Self::retry_policy) | [`RetryPolicy::standard`] (3 attempts; POST and PATCH only when provably not processed) |
/// | [`rate_limiter`](Self::rate_limiter) | none |
/// | [`connect_timeout`](Self::connect_timeout) | 5 s |
/// | [`attempt_timeout`](Self::attempt_timeout) | 30 s |
/// | [`operation_timeout`](Self::operation_timeout) | none |
/// | [`page_size`](Self::page_size) | 100 |
/// | [`user_agent`](Self::user_agent) | `probo-scim/<version>` |
/// | [`reqwest_client`](Self::reqwest_client) | a new client that follows no redirects |
///
/// ```
/// use probo_scim::{Client, ScimToken};
///
/// let client = Client::builder()
///     .base_url("https://probo.example.com")
///     .token(ScimToken::new("0123abcd"))
///     .build()?;
/// assert_eq!(client.scim_url().as_str(), "https://probo.example.com/api/connect/v1/scim/2.0");
/// # Ok::<(), probo_scim::Error>(())
/// ```
#[must_use]
pub struct ClientBuilder {
    location: Option<Location>,
    token: Option<ScimToken>,
    retry: RetryPolicy,
    limiter: Option<RateLimiter>,
    connect_timeout: Option<Duration>,
    attempt_timeout: Option<Option<Duration>>,
    operation_timeout: Option<Duration>,
    page_size: u32,
    user_agent: Cow<'static, str>,
    reqwest_client: Option<reqwest::Client>,
    allow_insecure_http: bool,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            location: None,
            token: None,
            retry: RetryPolicy::standard(),
            limiter: None,
            connect_timeout: None,
            attempt_timeout: None,
            operation_timeout: None,
            page_size: DEFAULT_PAGE_SIZE,
            user_agent: Cow::Borrowed(concat!("probo-scim/", env!("CARGO_PKG_VERSION"))),
            reqwest_client: None,
            allow_insecure_http: false,
        }
    }
}

impl ClientBuilder {
    /// The Probo instance, for example `https://probo.example.com`; the client talks to
    /// `<url>/api/connect/v1/scim/2.0`. A URL that already ends with that path is used
    /// as is.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.location = Some(Location::Instance(url.into()));
        self
    }

    /// The full SCIM root as the console shows it (`endpointUrl`), taken as is; `/Users`
    /// is appended to it. Use this for proxies or non-standard mounts.
    pub fn scim_url(mut self, url: impl Into<String>) -> Self {
        self.location = Some(Location::ScimRoot(url.into()));
        self
    }

    /// The SCIM configuration's bearer token. Required.
    pub fn token(mut self, token: ScimToken) -> Self {
        self.token = Some(token);
        self
    }

    /// When and how failed attempts are retried. Default [`RetryPolicy::standard`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// A client-side rate limit every attempt takes a permit from (share one
    /// [`RateLimiter`] between clients for one budget). Default: none (Probo documents no
    /// rate limit).
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// How long to wait for a connection. Default 5 s. Ignored with
    /// [`reqwest_client`](Self::reqwest_client).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How long one attempt may take. Default 30 s. Probo answers a listing with every
    /// user at once: raise this for very large organizations.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(Some(timeout));
        self
    }

    /// No per-attempt timeout. For tests on tokio's paused clock, where a pending timer
    /// makes the clock jump while real socket I/O is in progress.
    pub fn no_attempt_timeout(mut self) -> Self {
        self.attempt_timeout = Some(None);
        self
    }

    /// How long a whole operation (all attempts and waits) may take. Default: no limit.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// Resources requested per page (`count`). Default 100. Probo ignores it and returns
    /// everything; the client still yields each user once.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// The `User-Agent` header. Default `probo-scim/<version>`.
    pub fn user_agent(mut self, agent: impl Into<Cow<'static, str>>) -> Self {
        self.user_agent = agent.into();
        self
    }

    /// Sends requests through your own `reqwest::Client` (proxy, custom TLS roots, a
    /// shared pool; or in paused-clock tests one built with `pool_idle_timeout(None)`).
    /// Build it with `redirect(reqwest::redirect::Policy::none())` so the token never
    /// follows a redirect to another host. Its timeouts apply instead of
    /// [`connect_timeout`](Self::connect_timeout).
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.reqwest_client = Some(client);
        self
    }

    /// Allows a plain-`http` URL to a non-loopback host (the token then travels
    /// unencrypted). Default `false`; `http://127.0.0.1` and `http://localhost` are always
    /// allowed.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Builds the client. Fails with [`Error::Config`] when the URL or the token is
    /// missing or unusable; nothing is sent.
    pub fn build(self) -> Result<Client> {
        let root = match &self.location {
            None => {
                return Err(Error::config(
                    "a Probo URL is required: call base_url(\"https://probo.example.com\") or scim_url(<the endpointUrl from the console>)",
                ));
            }
            Some(Location::ScimRoot(url)) => url.trim_end_matches('/').to_owned(),
            Some(Location::Instance(url)) => {
                let url = url.trim_end_matches('/');
                if url.ends_with(SCIM_PATH) {
                    url.to_owned()
                } else {
                    format!("{url}{SCIM_PATH}")
                }
            }
        };
        let token = self.token.ok_or_else(|| {
            Error::config("a SCIM token is required: call token(ScimToken::new(…))")
        })?;
        let mut http = ScimClient::http_builder()
            .base_url(root)
            .auth(Bearer::new(token.secret().clone()))
            .retry_policy(self.retry)
            .user_agent(self.user_agent)
            .allow_insecure_http(self.allow_insecure_http)
            .max_response_body(MAX_RESPONSE_BODY)
            .api_error_hook(|api| {
                if let Some(h) = hint(api) {
                    api.set_hint(h);
                }
            });
        if let Some(limiter) = self.limiter {
            http = http.rate_limiter(limiter);
        }
        if let Some(t) = self.connect_timeout {
            http = http.connect_timeout(t);
        }
        match self.attempt_timeout {
            Some(Some(t)) => http = http.attempt_timeout(t),
            Some(None) => http = http.no_attempt_timeout(),
            None => {}
        }
        if let Some(t) = self.operation_timeout {
            http = http.operation_timeout(t);
        }
        if let Some(c) = self.reqwest_client {
            http = http.reqwest_client(c);
        }
        let scim = ScimClient::from_http(http.build()?).with_page_size(self.page_size);
        Ok(Client::from_scim(scim))
    }
}

/// What a status means for Probo, added to API errors' messages.
fn hint(api: &ApiError) -> Option<Cow<'static, str>> {
    let text = |s: &'static str| Some(Cow::Borrowed(s));
    match api.status() {
        401 => text(
            "Probo rejected the SCIM token. If a Bridge (Google Workspace or Microsoft 365 sync) is enabled for this organization, Probo regenerates the token on every sync run (every minute by default), so the token may have been rotated: regenerate it in Organization Settings > Authentication > Auto-Provisioning, and do not use the SCIM API directly while a Bridge is enabled",
        ),
        403 => text(
            "Probo's cross-origin guard refused the request: it carried an Origin or Sec-Fetch-Site header (this client never sends one; check proxies in between)",
        ),
        400 if api.code() == Some("invalidFilter") => text(
            "Probo accepts only `userName eq \"…\"` filters (optionally joined with `and`); externalId filters are rejected, use users().find_by_external_id()",
        ),
        400 if api
            .message()
            .is_some_and(|m| m.contains("is not supported")) =>
        {
            text("Probo accepts only `userName eq \"…\"` filters (optionally joined with `and`)")
        }
        500 if matches!(api.method(), "PUT" | "PATCH") && api.message().is_none() => text(
            "Probo answers a userName or externalId that another user already has with a 500 without detail on PUT and PATCH",
        ),
        501 => text("Probo does not implement this endpoint"),
        _ => None,
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Shown without user info, query or fragment: any of them may carry a credential
        // (`build()` refuses them, but Debug output of a builder ends up in logs first).
        let location = match &self.location {
            None => None,
            Some(Location::Instance(u)) => Some(format!("instance {}", RedactedUrl::new(u))),
            Some(Location::ScimRoot(u)) => Some(format!("scim root {}", RedactedUrl::new(u))),
        };
        f.debug_struct("ClientBuilder")
            .field("location", &location)
            .field("token", &self.token)
            .field("retry", &self.retry)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}
