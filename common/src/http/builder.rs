//! [`HttpClientBuilder`]: every knob of the transport, each with a documented default.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, HeaderMap, HeaderValue, USER_AGENT};
use url::Url;

use super::client::{ApiErrorHook, HttpClient, Inner, ThrottleFn};
use super::settings::TransportSettings;
use crate::auth::{AuthProvider, header_name};
use crate::error::{ApiError, Error, Result, quote};
use crate::rate_limit::RateLimiter;
use crate::redact::RedactedUrl;
use crate::retry::{RetryBudget, RetryPolicy};

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default timeout of one attempt (connect, send, read the whole response).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default cap on how much of an error body is read.
pub const DEFAULT_MAX_ERROR_BODY: usize = 64 * 1024;
/// Default cap on a success body: 32 MiB, several times what one page of a listing
/// reasonably is (1,000 SCIM users are about 1–2 MiB). An API that answers everything in
/// one response (Probo) raises it; raise it yourself with
/// [`max_response_body`](HttpClientBuilder::max_response_body).
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 32 * 1024 * 1024;

/// Builds an [`HttpClient`].
///
/// | Setting | Default |
/// |---|---|
/// | [`base_url`](Self::base_url) | required; `https`, or `http` to a loopback address |
/// | [`auth`](Self::auth) | none |
/// | [`retry_policy`](Self::retry_policy) | [`RetryPolicy::standard`] |
/// | [`retry_budget`](Self::retry_budget) | [`RetryBudget::standard`], shared by the client's clones |
/// | [`rate_limiter`](Self::rate_limiter) | none |
/// | [`connect_timeout`](Self::connect_timeout) | 5 s |
/// | [`attempt_timeout`](Self::attempt_timeout) | 30 s |
/// | [`operation_timeout`](Self::operation_timeout) | none |
/// | [`user_agent`](Self::user_agent) | `idgraph-common/<version>` |
/// | [`accept`](Self::accept) | `application/json` |
/// | [`max_error_body`](Self::max_error_body) | 64 KiB |
/// | [`max_response_body`](Self::max_response_body) | 32 MiB |
/// | redirects | not followed (a redirect is returned as an error, so credentials never follow it to another host) |
///
/// ```
/// use std::time::Duration;
/// use idgraph_common::{HttpClient, RateLimiter, RetryPolicy, auth::Bearer};
/// use secrecy::SecretString;
///
/// let client = HttpClient::builder()
///     .base_url("https://api.example.com/v1")
///     .auth(Bearer::new(SecretString::from("t0ken")))
///     .retry_policy(RetryPolicy::standard().with_max_attempts(5))
///     .rate_limiter(RateLimiter::per_minute(100)?)
///     .operation_timeout(Duration::from_secs(120))
///     .user_agent("my-tool/1.0")
///     .build()?;
/// assert_eq!(client.base_url().as_str(), "https://api.example.com/v1");
/// # Ok::<(), idgraph_common::Error>(())
/// ```
#[must_use]
pub struct HttpClientBuilder {
    base_url: Option<String>,
    auth: Option<Arc<dyn AuthProvider>>,
    retry: RetryPolicy,
    budget: RetryBudget,
    limiter: Option<RateLimiter>,
    connect_timeout: Duration,
    attempt_timeout: Option<Duration>,
    operation_timeout: Option<Duration>,
    user_agent: Cow<'static, str>,
    accept: Cow<'static, str>,
    headers: Vec<(String, String)>,
    reqwest_client: Option<reqwest::Client>,
    throttle: Option<ThrottleFn>,
    api_error_hook: Option<ApiErrorHook>,
    max_error_body: usize,
    max_response_body: usize,
    allow_insecure_http: bool,
}

impl Default for HttpClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            auth: None,
            retry: RetryPolicy::standard(),
            budget: RetryBudget::standard(),
            limiter: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            attempt_timeout: Some(DEFAULT_ATTEMPT_TIMEOUT),
            operation_timeout: None,
            user_agent: Cow::Borrowed(concat!("idgraph-common/", env!("CARGO_PKG_VERSION"))),
            accept: Cow::Borrowed("application/json"),
            headers: Vec::new(),
            reqwest_client: None,
            throttle: None,
            api_error_hook: None,
            max_error_body: DEFAULT_MAX_ERROR_BODY,
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            allow_insecure_http: false,
        }
    }
}

impl HttpClientBuilder {
    /// The URL every request path is appended to, for example
    /// `https://probo.example.com/api/connect/v1/scim/2.0`. Required.
    ///
    /// It must be `https`, or `http` to a loopback address (tests, local servers) unless
    /// [`allow_insecure_http`](Self::allow_insecure_http) is set, and must not carry a
    /// user name, password, query or fragment.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// How requests are authenticated. Default: not at all.
    pub fn auth(mut self, auth: impl AuthProvider) -> Self {
        self.auth = Some(Arc::new(auth));
        self
    }

    /// Like [`auth`](Self::auth), for a provider that is already shared.
    pub fn auth_shared(mut self, auth: Arc<dyn AuthProvider>) -> Self {
        self.auth = Some(auth);
        self
    }

    /// When and how failed attempts are retried. Default [`RetryPolicy::standard`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The retry budget every retry draws on. Default: a new [`RetryBudget::standard`]
    /// for this client, shared by its clones; pass clones of one budget to several
    /// builders to share it, or [`RetryBudget::unlimited`] to rely on the policy alone.
    pub fn retry_budget(mut self, budget: RetryBudget) -> Self {
        self.budget = budget;
        self
    }

    /// A rate limiter every attempt (retries included) takes a permit from. Pass clones
    /// of one [`RateLimiter`] to several builders to share one budget. Default: none.
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Removes the rate limiter.
    pub fn no_rate_limiter(mut self) -> Self {
        self.limiter = None;
        self
    }

    /// How long to wait for a TCP/TLS connection. Default 5 s. Ignored with
    /// [`reqwest_client`](Self::reqwest_client), whose own setting applies.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt (send and read the whole response) may take. Default 30 s.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Removes the per-attempt timeout (for long downloads, or tests on a paused clock
    /// where a pending timer would make the clock jump during real I/O).
    pub fn no_attempt_timeout(mut self) -> Self {
        self.attempt_timeout = None;
        self
    }

    /// How long a whole operation (all attempts and waits) may take. Default: no limit.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// The `User-Agent` header. Vendor crates set `<crate>/<version>`.
    pub fn user_agent(mut self, agent: impl Into<Cow<'static, str>>) -> Self {
        self.user_agent = agent.into();
        self
    }

    /// The `Accept` header. Default `application/json`.
    pub fn accept(mut self, accept: impl Into<Cow<'static, str>>) -> Self {
        self.accept = accept.into();
        self
    }

    /// A header sent with every request. Not for secrets: use an
    /// [`AuthProvider`] for those, which marks them sensitive.
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sends requests through your own `reqwest::Client` (proxies, mTLS, connection
    /// pools). Its timeouts, TLS and redirect settings apply; disable redirects on it so
    /// credentials never follow a redirect to another host.
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.reqwest_client = Some(client);
        self
    }

    /// Treats some non-429 answers as throttling, so they are retried like a 429 (for
    /// example Hyperproof's `403 Bandwidth quota exceeded`). The function gets the status
    /// and the start of the body.
    pub fn throttle_when(mut self, f: impl Fn(u16, &[u8]) -> bool + Send + Sync + 'static) -> Self {
        self.throttle = Some(Arc::new(f));
        self
    }

    /// Lets a vendor crate say what an API error means for its API before the error is
    /// returned: a hint shown in `Display` ([`ApiError::set_hint`], for example which
    /// credential a 401 rejected) and a typed code ([`ApiError::set_vendor_code`]). The
    /// hook sees the error after the client's secrets were removed from it.
    pub fn api_error_hook(mut self, f: impl Fn(&mut ApiError) + Send + Sync + 'static) -> Self {
        self.api_error_hook = Some(Arc::new(f));
        self
    }

    /// How much of an error body is read (the rest is discarded unread). Default 64 KiB.
    pub fn max_error_body(mut self, bytes: usize) -> Self {
        self.max_error_body = bytes;
        self
    }

    /// The largest success body accepted ([`DEFAULT_MAX_RESPONSE_BODY`], 32 MiB, by
    /// default); a larger one fails with a decode error saying so.
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// Allows a plain-`http` base URL to a non-loopback host. Credentials then travel
    /// unencrypted; only for trusted networks. Default `false`.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Applies every knob `settings` sets (the others keep their current values). Vendor
    /// crates set their defaults first, then apply the caller's settings.
    pub fn transport(mut self, settings: TransportSettings) -> Self {
        let TransportSettings {
            connect_timeout,
            attempt_timeout,
            operation_timeout,
            retry,
            budget,
            limiter,
            user_agent,
            reqwest_client,
            allow_insecure_http,
            max_response_body,
        } = settings;
        if let Some(t) = connect_timeout {
            self.connect_timeout = t;
        }
        if let Some(t) = attempt_timeout {
            self.attempt_timeout = t;
        }
        if let Some(t) = operation_timeout {
            self.operation_timeout = Some(t);
        }
        if let Some(r) = retry {
            self.retry = r;
        }
        if let Some(b) = budget {
            self.budget = b;
        }
        if let Some(l) = limiter {
            self.limiter = l;
        }
        if let Some(ua) = user_agent {
            self.user_agent = ua;
        }
        if let Some(c) = reqwest_client {
            self.reqwest_client = Some(c);
        }
        if let Some(a) = allow_insecure_http {
            self.allow_insecure_http = a;
        }
        if let Some(m) = max_response_body {
            self.max_response_body = m;
        }
        self
    }

    /// Builds the client.
    ///
    /// Fails with [`Error::Config`] when the base URL is missing or unusable (or `https`
    /// while no TLS feature is enabled), the retry policy is inconsistent, a header is
    /// invalid, or the HTTP client cannot be created.
    pub fn build(self) -> Result<HttpClient> {
        let raw = self
            .base_url
            .as_deref()
            .ok_or_else(|| Error::config("a base URL is required"))?;
        let base = validate_base_url(raw, self.allow_insecure_http)?;
        self.retry.validate()?;
        if let Some(auth) = &self.auth {
            auth.validate()?;
        }
        let http = match self.reqwest_client {
            Some(c) => c,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Config {
                    message: "could not create the HTTP client".into(),
                    source: Some(Box::new(e)),
                })?,
        };
        let mut headers = HeaderMap::new();
        headers.insert(USER_AGENT, header_value(&self.user_agent, "User-Agent")?);
        headers.insert(ACCEPT, header_value(&self.accept, "Accept")?);
        for (name, value) in &self.headers {
            headers.insert(header_name(name)?, header_value(value, name)?);
        }
        let host = base.host_str().unwrap_or_default().to_owned();
        let base_path = base.path().trim_end_matches('/').to_owned();
        Ok(HttpClient::from_inner(Inner {
            http,
            base,
            base_path,
            host,
            auth: self.auth,
            retry: self.retry,
            budget: self.budget,
            limiter: self.limiter,
            attempt_timeout: self.attempt_timeout,
            operation_timeout: self.operation_timeout,
            headers,
            throttle: self.throttle,
            api_error_hook: self.api_error_hook,
            max_error_body: self.max_error_body,
            max_response_body: self.max_response_body,
        }))
    }
}

impl fmt::Debug for HttpClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClientBuilder")
            // Shown without user info, query or fragment: build() refuses them, but they
            // may carry a credential and Debug output ends up in logs.
            .field("base_url", &self.base_url.as_deref().map(RedactedUrl::new))
            .field("auth", &self.auth)
            .field("retry", &self.retry)
            .field("retry_budget", &self.budget)
            .field("rate_limiter", &self.limiter)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

fn header_value(value: &str, name: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(value).map_err(|_| {
        Error::config(format!(
            "the value of the {} header is not a valid HTTP header value",
            quote(name)
        ))
    })
}

/// Checks a base URL: parseable, http(s), no credentials, query or fragment, and no plain
/// http to a remote host unless allowed.
pub(crate) fn validate_base_url(raw: &str, allow_insecure_http: bool) -> Result<Url> {
    check_base_url(raw, allow_insecure_http, TLS_COMPILED_IN)
}

/// [`validate_base_url`] with the TLS question made explicit, so both answers are tested
/// in one build.
fn check_base_url(raw: &str, allow_insecure_http: bool, tls: bool) -> Result<Url> {
    let url = Url::parse(raw).map_err(|e| Error::Config {
        // Not echoed: an unparseable URL may still carry a credential.
        message: "the base URL is not a valid absolute URL".into(),
        source: Some(Box::new(e)),
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        // Do not echo the URL: it carries a credential.
        return Err(Error::config(
            "the base URL must not contain a user name or password; pass credentials through the client's auth settings",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        // Not echoed whole: a query such as `?api_key=…` carries a credential.
        return Err(Error::config(format!(
            "the base URL `{}` must not have a query or fragment",
            RedactedUrl::new(raw)
        )));
    }
    match url.scheme() {
        "https" if !tls => Err(Error::config(format!(
            "the base URL `{}` uses https, but this build has no TLS: enable the `rustls` (default) or `native-tls` feature of idgraph-common (or of the vendor crate)",
            RedactedUrl::new(raw)
        ))),
        "https" => Ok(url),
        "http" if allow_insecure_http || is_loopback(&url) => Ok(url),
        "http" => Err(Error::config(format!(
            "the base URL `{}` uses plain http, so credentials would travel unencrypted; use https (http is accepted only for loopback addresses, or with allow_insecure_http)",
            RedactedUrl::new(raw)
        ))),
        other => Err(Error::config(format!(
            "the base URL must use https, not {}",
            quote(other)
        ))),
    }
}

/// Whether a TLS provider is compiled in. Without one every `https` request would fail at
/// the connection, so it is refused when the client is built instead.
const TLS_COMPILED_IN: bool = cfg!(any(feature = "rustls", feature = "native-tls"));

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        assert!(validate_base_url("https://x.example/scim", false).is_ok());
        assert!(validate_base_url("http://127.0.0.1:8080/scim", false).is_ok());
        assert!(validate_base_url("http://[::1]:8080", false).is_ok());
        assert!(validate_base_url("http://localhost:1", false).is_ok());
        assert!(validate_base_url("http://x.example", true).is_ok());
        for bad in [
            "http://x.example/scim",
            "ftp://x.example",
            "not a url",
            "https://x.example/?a=1",
            "https://x.example/#f",
        ] {
            assert!(
                matches!(validate_base_url(bad, false), Err(Error::Config { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn https_without_a_tls_feature_is_refused_naming_the_features() {
        let err = check_base_url("https://x.example/scim?k=SECRET", false, false).unwrap_err();
        // (The query is refused first; without it, the TLS rule answers.)
        assert!(!err.to_string().contains("SECRET"));
        let err = check_base_url("https://user@x.example", false, false).unwrap_err();
        assert!(matches!(err, Error::Config { .. }));
        let err = check_base_url("https://x.example/scim", false, false).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::Config { .. }));
        assert!(
            text.contains("`rustls`") && text.contains("`native-tls`"),
            "{text}"
        );
        // Plain http to loopback needs no TLS.
        assert!(check_base_url("http://127.0.0.1:9/scim", false, false).is_ok());
        assert!(check_base_url("https://x.example/scim", false, true).is_ok());
    }

    #[test]
    fn credentials_in_the_url_are_refused_without_echoing_them() {
        let err = validate_base_url("https://user:SECRET@x.example", false).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("SECRET"));
    }

    #[test]
    fn missing_base_url() {
        assert!(matches!(
            HttpClient::builder().build(),
            Err(Error::Config { .. })
        ));
    }
}
