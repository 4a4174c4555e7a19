//! [`HttpClient`] and the one retry loop every request goes through.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use tokio::time::Instant;
use url::Url;

use super::Method;
use super::body::{self, Ctx, ReadError};
use super::builder::HttpClientBuilder;
use super::request::Request;
use super::response::Response;
use crate::auth::{AuthHeaders, AuthProvider, AuthStamp};
use crate::error::{ApiError, DecodeReason, Error, Result, TimeoutKind, quote};
use crate::path::IntoApiPath;
use crate::rate_limit::RateLimiter;
use crate::redact::RedactedUrl;
use crate::redact::Redaction;
use crate::retry::{AttemptOutcome, Decision, RetryBudget, RetryPolicy};
use crate::trace;
use secrecy::SecretString;

pub(crate) type ThrottleFn = Arc<dyn Fn(u16, &[u8]) -> bool + Send + Sync>;
pub(crate) type ApiErrorHook = Arc<dyn Fn(&mut ApiError) + Send + Sync>;

/// An HTTP client for one API: base URL, auth, retries, rate limit and timeouts.
///
/// Cheap to clone (one `Arc`); clones share the connection pool, the auth provider's
/// token cache and the rate limiter. `Send + Sync`.
///
/// ```no_run
/// use idgraph_common::HttpClient;
///
/// # async fn run() -> idgraph_common::Result<()> {
/// #[derive(serde::Deserialize)]
/// struct Me { email: String }
///
/// let client = HttpClient::builder().base_url("https://api.example.com/v1").build()?;
/// let me: Me = client.get(["users", "me"]).send_json().await?;
/// println!("{}", me.email);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    pub(crate) base_path: String,
    pub(crate) host: String,
    pub(crate) auth: Option<Arc<dyn AuthProvider>>,
    pub(crate) retry: RetryPolicy,
    pub(crate) budget: RetryBudget,
    pub(crate) limiter: Option<RateLimiter>,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) operation_timeout: Option<Duration>,
    pub(crate) headers: HeaderMap,
    pub(crate) throttle: Option<ThrottleFn>,
    pub(crate) api_error_hook: Option<ApiErrorHook>,
    pub(crate) max_error_body: usize,
    pub(crate) max_response_body: usize,
}

/// A request ready to be sent: everything the loop needs, owned.
pub(crate) struct Prepared {
    pub(crate) method: Method,
    pub(crate) url: Url,
    /// The encoded path, for errors and spans (no query); shared with the response, so a
    /// success costs no copy of it.
    pub(crate) path: Arc<str>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) body: Option<(Bytes, &'static str)>,
    pub(crate) idempotent: bool,
    /// Secrets the request carries (in its body), scrubbed from any error like the
    /// credentials are.
    pub(crate) secrets: Option<Arc<[SecretString]>>,
    /// The operation's name for traces; `None`: "METHOD /path", formatted only when a
    /// subscriber records it.
    pub(crate) operation: Option<Cow<'static, str>>,
}

/// One permit taken for one attempt: dropped when the attempt ends (answered, failed, or
/// the call abandoned mid-attempt), it tells the limiter the request ended
/// ([`RateLimit::release`](crate::rate_limit::RateLimit::release)).
struct Permit<'a>(&'a RateLimiter);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// How one attempt ended.
enum Attempt {
    Done(Response),
    Unauthorized(Box<ApiError>, AuthStamp),
    /// A failure retrying cannot change (bad credential config, oversized body).
    Fatal(Error),
    Failed {
        error: Error,
        outcome: AttemptOutcome,
    },
}

impl HttpClient {
    /// Starts building a client.
    pub fn builder() -> HttpClientBuilder {
        HttpClientBuilder::default()
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The base URL request paths are appended to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The retry budget this client (and its clones) draw on.
    pub fn retry_budget(&self) -> &RetryBudget {
        &self.inner.budget
    }

    /// A request with the given method and path (segments are encoded one by one).
    pub fn request(&self, method: Method, path: impl IntoApiPath) -> Request {
        Request::new(self.clone(), method, path.into_api_path())
    }

    /// A `GET` request.
    pub fn get(&self, path: impl IntoApiPath) -> Request {
        self.request(Method::Get, path)
    }

    /// A `POST` request (retried only when the server provably did not process it).
    pub fn post(&self, path: impl IntoApiPath) -> Request {
        self.request(Method::Post, path)
    }

    /// A `PUT` request.
    pub fn put(&self, path: impl IntoApiPath) -> Request {
        self.request(Method::Put, path)
    }

    /// A `PATCH` request (not idempotent unless marked so).
    pub fn patch(&self, path: impl IntoApiPath) -> Request {
        self.request(Method::Patch, path)
    }

    /// A `DELETE` request.
    pub fn delete(&self, path: impl IntoApiPath) -> Request {
        self.request(Method::Delete, path)
    }

    /// The full URL for an encoded path and query.
    pub(crate) fn url_for(&self, encoded_path: &str, query: &str) -> Url {
        let mut url = self.inner.base.clone();
        let mut full = String::with_capacity(self.inner.base_path.len() + encoded_path.len());
        full.push_str(&self.inner.base_path);
        full.push_str(encoded_path);
        if full.is_empty() {
            full.push('/');
        }
        url.set_path(&full);
        url.set_query((!query.is_empty()).then_some(query));
        url
    }

    /// Runs a prepared request through the retry loop, within the operation timeout.
    pub(crate) async fn execute(&self, req: Prepared) -> Result<Response> {
        self.execute_with(req, Ok).await
    }

    /// Like [`execute`](Self::execute), and decodes the body as JSON inside the loop: a
    /// success body that was cut short or is not JSON at all (an HTML error page with
    /// status 200) is a transient fault, retried for idempotent requests like a reset
    /// connection.
    pub(crate) async fn execute_json<T: serde::de::DeserializeOwned>(
        &self,
        req: Prepared,
    ) -> Result<T> {
        self.execute_with(req, |resp| resp.json()).await
    }

    async fn execute_with<T>(
        &self,
        req: Prepared,
        finish: impl Fn(Response) -> Result<T> + Send + Sync,
    ) -> Result<T> {
        let span = trace::operation(
            req.operation.as_deref(),
            req.method.as_str(),
            &req.path,
            &self.inner.host,
        );
        // Pinned where it is made, and only the pointer handed on: the retry loop's future
        // is kilobytes, and each wrapper it is moved into copies all of it.
        let fut = std::pin::pin!(trace::instrument(
            self.run(&req, span.clone(), &finish),
            span.clone()
        ));
        let result = match self.inner.operation_timeout {
            Some(limit) => tokio::time::timeout(limit, fut).await.unwrap_or_else(|_| {
                Err(Error::Timeout {
                    kind: TimeoutKind::Operation,
                    after: limit,
                    method: req.method.as_str(),
                    path: req.path.to_string(),
                })
            }),
            None => fut.await,
        };
        if let Err(e) = &result {
            trace::record_error(&span, error_type(e));
        }
        result
    }

    async fn run<T>(
        &self,
        req: &Prepared,
        span: trace::Span,
        finish: &(impl Fn(Response) -> Result<T> + Send + Sync),
    ) -> Result<T> {
        let deadline = self.inner.operation_timeout.map(|d| Instant::now() + d);
        let budget = &self.inner.budget;
        let mut attempt = 0u32;
        let mut refreshed = false;
        // What this call took from the retry budget, returned when it succeeds.
        let mut withdrawn = 0u32;
        loop {
            attempt += 1;
            let permit = match &self.inner.limiter {
                Some(limiter) => {
                    // No permit, no request: the limiter's error says why (nothing was
                    // sent).
                    limiter.acquire().await?;
                    Some(Permit(limiter))
                }
                None => None,
            };
            // Pinned in place like the loop's own future (see `execute_with`).
            let attempt_fut = std::pin::pin!(self.attempt(req));
            let result = trace::instrument(attempt_fut, trace::attempt(attempt)).await;
            // The attempt has ended (a dropped call ends it too, through `Permit`'s drop).
            drop(permit);
            let (error, outcome) = match result {
                Attempt::Done(resp) => {
                    trace::record_status(&span, resp.status());
                    match finish(resp) {
                        Ok(value) => {
                            budget.settle_success(withdrawn);
                            return Ok(value);
                        }
                        Err(e) if is_damaged_body(&e) => (e, AttemptOutcome::DamagedBody),
                        Err(e) => return Err(e),
                    }
                }
                Attempt::Unauthorized(api, stamp) => {
                    trace::record_status(&span, api.status);
                    let auth = self.inner.auth.as_ref();
                    if !refreshed
                        && let Some(auth) = auth
                        && auth.refresh_after_unauthorized(stamp).await?
                    {
                        refreshed = true;
                        continue;
                    }
                    return Err(self.finish_api_error(api));
                }
                Attempt::Fatal(error) => return Err(error),
                Attempt::Failed { error, outcome } => (error, outcome),
            };
            if let AttemptOutcome::Response { status, .. } = outcome {
                trace::record_status(&span, status);
            }
            let decision =
                self.inner
                    .retry
                    .decide(&outcome, attempt, req.idempotent, fastrand::f64());
            match decision {
                Decision::RetryAfter(delay) => {
                    if deadline.is_some_and(|d| Instant::now() + delay >= d) {
                        // Waiting would overrun the operation deadline: say why now.
                        return Err(self.give_up(error, &outcome, attempt, req));
                    }
                    match budget.withdraw(&outcome) {
                        Some(cost) => withdrawn = withdrawn.saturating_add(cost),
                        None => {
                            // Every clone shares the budget: during an outage the retries
                            // of many concurrent calls stop here instead of multiplying
                            // the load.
                            trace::warn("the retry budget is exhausted; not retrying");
                            return Err(self.give_up(error, &outcome, attempt, req));
                        }
                    }
                    trace::retrying(attempt, delay, error_type(&error));
                    tokio::time::sleep(delay).await;
                }
                Decision::GiveUpRateLimited { retry_after } => {
                    return Err(rate_limited(error, retry_after, attempt, req));
                }
                _ => return Err(self.finish(error)),
            }
        }
    }

    /// The error to return when the loop stops early: throttling stays a rate-limit error.
    fn give_up(
        &self,
        error: Error,
        outcome: &AttemptOutcome,
        attempt: u32,
        req: &Prepared,
    ) -> Error {
        match outcome {
            AttemptOutcome::Response {
                throttled: true,
                retry_after,
                ..
            } => rate_limited(error, *retry_after, attempt, req),
            _ => self.finish(error),
        }
    }

    fn finish(&self, error: Error) -> Error {
        match error {
            Error::Api(api) => self.finish_api_error(api),
            other => other,
        }
    }

    fn finish_api_error(&self, mut api: Box<ApiError>) -> Error {
        if let Some(hook) = &self.inner.api_error_hook {
            hook(&mut api);
        }
        Error::Api(api)
    }

    /// One attempt: authorize, send, read the body, classify.
    async fn attempt(&self, req: &Prepared) -> Attempt {
        let inner = &*self.inner;
        let mut auth_headers = AuthHeaders::default();
        let stamp = match &inner.auth {
            None => AuthStamp::default(),
            Some(auth) => match auth.authorize(&mut auth_headers).await {
                Ok(stamp) => stamp,
                // The request itself was not sent, so a retryable credential failure (token
                // endpoint down) may be retried for any method.
                Err(error) if error.is_retryable() => {
                    return Attempt::Failed {
                        error,
                        outcome: AttemptOutcome::NotSent,
                    };
                }
                Err(error) => return Attempt::Fatal(error),
            },
        };

        // The request is assembled directly (not through `RequestBuilder`, whose
        // `headers()` merges a clone of the defaults entry by entry): the client's
        // default headers, then the request's own and the credentials, appended.
        let mut request = reqwest::Request::new(req.method.to_reqwest(), req.url.clone());
        let headers = request.headers_mut();
        *headers = inner.headers.clone();
        for (name, value) in req.headers.iter().chain(auth_headers.entries.iter()) {
            headers.append(name.clone(), value.clone());
        }
        if let Some((bytes, content_type)) = &req.body {
            // Checked without copying the static text (a caller's `json_as` may pass any).
            match HeaderValue::from_maybe_shared(Bytes::from_static(content_type.as_bytes())) {
                Ok(value) => headers.append(CONTENT_TYPE, value),
                Err(_) => {
                    return Attempt::Fatal(Error::invalid_input(format!(
                        "the {} request to {} could not be built: the content type {} is not a valid header value",
                        req.method,
                        req.path,
                        quote(content_type)
                    )));
                }
            };
            *request.body_mut() = Some(reqwest::Body::from(bytes.clone()));
        }
        // What this attempt sent that must never come back in an error: built from the
        // values already in hand, and expanded into every encoding only on error paths.
        let redaction = Redaction::new(
            auth_headers.entries,
            inner.auth.clone(),
            req.secrets.clone(),
        );

        let ctx = Ctx {
            method: req.method.as_str(),
            path: &req.path,
        };
        // Pinned in place: the timeout below holds a pointer to it, not a copy.
        let exchange = std::pin::pin!(async {
            let mut resp = inner.http.execute(request).await?;
            let status = resp.status().as_u16();
            let headers = std::mem::take(resp.headers_mut());
            let body = if (200..300).contains(&status) {
                body::read_body(&mut resp, inner.max_response_body).await
            } else {
                Ok(body::read_capped(&mut resp, inner.max_error_body).await)
            };
            Ok::<_, reqwest::Error>((status, headers, body))
        });
        let exchanged = match inner.attempt_timeout {
            Some(limit) => match tokio::time::timeout(limit, exchange).await {
                Ok(r) => r,
                Err(_) => {
                    return Attempt::Failed {
                        error: Error::Timeout {
                            kind: TimeoutKind::Attempt,
                            after: limit,
                            method: ctx.method,
                            path: req.path.to_string(),
                        },
                        outcome: AttemptOutcome::TimedOut,
                    };
                }
            },
            None => exchange.await,
        };
        let (status, headers, body) = match exchanged {
            Err(e) => return transport_failure(e, req),
            Ok(parts) => parts,
        };
        let body = match body {
            Ok(b) => b,
            Err(ReadError::Transport(e)) => return transport_failure(e, req),
            Err(ReadError::TooLarge) => {
                return Attempt::Fatal(body::too_large(
                    inner.max_response_body,
                    status,
                    ctx,
                    body::content_type(&headers),
                ));
            }
        };

        // For the audit trail of the change this request is part of (a no-op outside one),
        // scrubbed like every other text the server sends back: a server that echoes the
        // token into its request id must not put it in the audit file.
        if super::request_ids::collecting()
            && let Some(id) = body::request_id(&headers)
        {
            super::request_ids::record(redaction.scrub(&id));
        }
        let throttled = status == 429 || inner.throttle.as_ref().is_some_and(|f| f(status, &body));
        if let Some(limiter) = &inner.limiter {
            let mut signal = body::rate_signal(&headers, throttled);
            // The limiter pauses every clone that shares it, so it must not pause longer
            // than the retry policy would sleep: a longer Retry-After fails the call at once
            // instead, and must not turn the next call into an hour-long silent wait.
            let cap = inner.retry.max_retry_after();
            signal.retry_after = signal.retry_after.map(|d| d.min(cap));
            signal.reset_after = signal.reset_after.map(|d| d.min(cap));
            limiter.observe(&signal);
        }
        if (200..300).contains(&status) {
            return Attempt::Done(Response::new(
                status,
                headers,
                body,
                ctx.method,
                req.path.clone(),
                redaction,
            ));
        }
        let api = Box::new(redaction.api_error(status, &headers, &body, ctx));
        if status == 401 {
            return Attempt::Unauthorized(api, stamp);
        }
        Attempt::Failed {
            outcome: AttemptOutcome::Response {
                status,
                retry_after: api.retry_after,
                throttled,
            },
            error: Error::Api(api),
        }
    }
}

/// A success body that was cut short, empty, or not JSON at all (an HTML error page sent
/// with status 200): a fault of this one answer, not of the request.
fn is_damaged_body(e: &Error) -> bool {
    matches!(e, Error::Decode(d) if matches!(
        d.reason,
        DecodeReason::Truncated
            | DecodeReason::EmptyBody
            | DecodeReason::UnexpectedContentType
            | DecodeReason::Markup
    ))
}

fn transport_failure(e: reqwest::Error, req: &Prepared) -> Attempt {
    if e.is_builder() {
        // reqwest could not even build the request (for example a URL longer than an HTTP
        // client can carry): nothing was sent, and sending again cannot help.
        return Attempt::Fatal(Error::invalid_input(format!(
            "the {} request to {} could not be built: {}",
            req.method,
            req.path,
            e.without_url()
        )));
    }
    // A connect error (refused, unreachable, or the connect timeout) means no byte of the
    // request left this machine. Checked before `is_timeout`, which a connect timeout also
    // satisfies: it must stay "not sent" (retryable for every method), not become an
    // attempt timeout that may have reached the server.
    let sent = !e.is_connect();
    if sent && e.is_timeout() {
        return Attempt::Failed {
            error: Error::Timeout {
                kind: TimeoutKind::Attempt,
                after: Duration::ZERO,
                method: req.method.as_str(),
                path: req.path.to_string(),
            },
            outcome: AttemptOutcome::TimedOut,
        };
    }
    Attempt::Failed {
        error: Error::Transport {
            method: req.method.as_str(),
            path: req.path.to_string(),
            sent,
            // reqwest errors print the full URL, query included: strip it.
            source: Box::new(e.without_url()),
        },
        outcome: if sent {
            AttemptOutcome::TransportError
        } else {
            AttemptOutcome::NotSent
        },
    }
}

fn rate_limited(
    error: Error,
    retry_after: Option<Duration>,
    attempts: u32,
    req: &Prepared,
) -> Error {
    let last = match error {
        Error::Api(api) => Some(api),
        _ => None,
    };
    Error::RateLimited {
        retry_after,
        attempts,
        method: req.method.as_str(),
        path: req.path.to_string(),
        last,
    }
}

/// The OpenTelemetry `error.type` for an error.
fn error_type(e: &Error) -> &'static str {
    match e {
        Error::InvalidInput { .. } => "invalid_input",
        Error::Config { .. } => "config",
        Error::Transport { .. } => "transport",
        Error::Timeout { .. } => "timeout",
        Error::Api(_) => "api",
        Error::RateLimited { .. } => "rate_limited",
        Error::Decode(_) => "decode",
        Error::Unsupported { .. } => "unsupported",
        Error::Incomplete { .. } => "incomplete",
        Error::Limiter { .. } => "rate_limiter",
        Error::IncompleteListing { .. } => "incomplete_listing",
        Error::Lease { .. } => "lease",
        Error::StalePlan { .. } => "stale_plan",
    }
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &*self.inner;
        f.debug_struct("HttpClient")
            .field("base_url", &RedactedUrl::new(i.base.as_str()))
            .field("auth", &i.auth)
            .field("retry", &i.retry)
            .field("retry_budget", &i.budget)
            .field("rate_limiter", &i.limiter)
            .field("attempt_timeout", &i.attempt_timeout)
            .field("operation_timeout", &i.operation_timeout)
            .finish_non_exhaustive()
    }
}
