//! The one error type of the crate family, organised by the phase a call failed in.
//!
//! Every vendor crate re-exports [`Error`]. The phases answer the question an operator
//! asks first: *did the request reach the server, and if it did, what did it say?*
//!
//! | Variant | Sent? | Typical cause |
//! |---|---|---|
//! | [`Error::InvalidInput`], [`Error::Config`] | never | bad argument, bad builder setting |
//! | [`Error::Transport`] | maybe ([`Error::was_sent`]) | DNS, refused connection, reset |
//! | [`Error::Timeout`] | maybe | attempt or whole-operation deadline |
//! | [`Error::Api`] | yes | the server answered non-2xx |
//! | [`Error::RateLimited`] | yes | 429 after retries, or `Retry-After` above the cap |
//! | [`Error::Decode`] | yes | a 2xx body that is not what the API documents |
//! | [`Error::Incomplete`] | yes | the app did less than asked (deactivated instead of deleting) |
//! | [`Error::IncompleteListing`] | yes | the server's own answers show a listing is short |
//! | [`Error::Limiter`] | never | the rate limiter could not grant a permit (shared backend down) |
//! | [`Error::Unsupported`] | never | the app has no API for this; what to do instead |
//! | [`Error::Lease`] | never | a sync job's lease is held elsewhere, was lost, or its fencing token is stale |
//! | [`Error::StalePlan`] | never | a reviewed plan's target changed since it was made: plan again |

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use scim_types::ScimError;

/// Shorthand for `Result<T, idgraph_common::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed error source, kept as is (never stringified) so callers can walk the chain.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong when calling an app's API.
///
/// Match on the variant for the phase, or use the predicates ([`Error::status`],
/// [`Error::is_not_found`], [`Error::is_retryable`], [`Error::is_rate_limited`], …), which
/// keep working as variants are added.
///
/// ```
/// use idgraph_common::Error;
///
/// fn describe(err: &Error) -> &'static str {
///     if err.is_not_found() {
///         "gone already"
///     } else if err.is_rate_limited() {
///         "slow down"
///     } else if err.is_retryable() {
///         "try again later"
///     } else {
///         "needs a human"
///     }
/// }
/// # let _ = describe;
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A caller-supplied value was rejected before anything was sent.
    #[error("invalid input: {message}")]
    InvalidInput {
        /// What was wrong and, where it helps, what to do instead.
        message: Cow<'static, str>,
    },

    /// A client or builder setting is unusable (bad URL, missing credential, …).
    #[error("client configuration error: {message}")]
    Config {
        /// What was wrong.
        message: Cow<'static, str>,
        /// The underlying cause, when there is one.
        #[source]
        source: Option<BoxError>,
    },

    /// The request could not be completed at the network level.
    // The source is not repeated in the message: chain printers (anyhow's `{:#}`,
    // `Report`) show each cause once.
    #[error("transport error on {method} {path}{}", if *.sent { "" } else { " (not sent)" })]
    Transport {
        /// HTTP method.
        method: &'static str,
        /// Request path (never the query string, which may carry personal data).
        path: String,
        /// `false` when the connection failed before any byte of the request was sent,
        /// so even a non-idempotent request is known not to have been processed.
        sent: bool,
        /// The underlying I/O or HTTP error, with any URL removed.
        #[source]
        source: BoxError,
    },

    /// An attempt or the whole operation ran out of time.
    #[error("{kind} timeout after {after:?} on {method} {path}")]
    Timeout {
        /// Which deadline expired.
        kind: TimeoutKind,
        /// The configured limit that was reached.
        after: Duration,
        /// HTTP method.
        method: &'static str,
        /// Request path.
        path: String,
    },

    /// The server answered with a non-success status.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// The server kept throttling us, or asked us to wait longer than the configured cap.
    #[error("rate limited on {method} {path} after {attempts} attempt(s){}{}",
        match .retry_after { Some(d) => format!("; server asks to retry after {d:?}"), None => String::new() },
        match .last { Some(api) => format!(" ({})", api.summary()), None => String::new() })]
    RateLimited {
        /// How long the server asked us to wait, when it said.
        retry_after: Option<Duration>,
        /// Attempts made, including the first.
        attempts: u32,
        /// HTTP method.
        method: &'static str,
        /// Request path.
        path: String,
        /// The last throttling response.
        last: Option<Box<ApiError>>,
    },

    /// A success response whose body did not match the documented shape.
    #[error(transparent)]
    Decode(Box<DecodeError>),

    /// The app accepted the request but did less than asked, and the client found out
    /// (for example a `DELETE` answered `204` that only deactivated the user, because other
    /// records still reference it). The request was sent; retrying will not help.
    #[error("{operation} was only partly done by {app}: {outcome}")]
    Incomplete {
        /// The app, by the name its crate gives it.
        app: Cow<'static, str>,
        /// The operation that was asked for.
        operation: Cow<'static, str>,
        /// What the app did instead.
        outcome: Cow<'static, str>,
    },

    /// The server's own answers show that a listing is not everything (an empty page
    /// before the reported total, a page that repeats earlier items, a wrong `startIndex`,
    /// a cursor loop, …). Whatever was yielded before this error is real, but the listing
    /// is short: never act on it as if it were complete (a person missing from it would
    /// never be offboarded).
    #[error("the listing is incomplete: {reason} ({received} distinct item(s) in {pages} page(s) arrived{})",
        match .expected { Some(t) => format!(" of a reported {t}"), None => String::new() })]
    IncompleteListing {
        /// Distinct items yielded before the listing stopped.
        received: u64,
        /// The total the server reported, if it reported one.
        expected: Option<u64>,
        /// Pages yielded before the listing stopped.
        pages: u64,
        /// What the server's answers showed.
        reason: crate::paginate::ListingFault,
    },

    /// The rate limiter could not grant a permit, so the request was not sent (for
    /// example a limiter shared through another service cannot reach it and fails closed
    /// rather than letting requests through unlimited).
    #[error("the rate limiter could not grant a permit: {message}")]
    Limiter {
        /// What went wrong, and what the limiter does about it.
        message: Cow<'static, str>,
        /// The underlying cause, when there is one.
        #[source]
        source: Option<BoxError>,
    },

    /// The app offers no API for this operation.
    #[error("{operation} is not supported by {app}: {instead}")]
    Unsupported {
        /// The app (for example `Proof`).
        app: Cow<'static, str>,
        /// The operation that was asked for.
        operation: Cow<'static, str>,
        /// What to do instead (for example the IdP action that has the same effect).
        instead: Cow<'static, str>,
    },

    /// A run that may only go on while it holds a lease (an exclusive right to sync one
    /// tenant, shared between processes) does not hold it: another instance does, it
    /// was lost while running, a write's fencing token is stale, or the lease service
    /// cannot be reached. Nothing was sent for the work that needed the lease.
    // What the lease knows (`detail`) is part of the message; an underlying error (the
    // Redis client's) is only the `source()`, so chain printers show it once.
    #[error("lease {} {kind}{}", quote(.name), match .detail { Some(d) => format!(": {d}"), None => String::new() })]
    Lease {
        /// The lease's caller-chosen name (for example `bridge:acme`).
        name: String,
        /// What is wrong with it.
        kind: LeaseErrorKind,
        /// What the lease knows about why, in words (for example `it expired`, or how
        /// long the holder's lease still runs), when it knows more than `kind` says.
        detail: Option<Cow<'static, str>>,
        /// The underlying error (for example the Redis client's), when there is one.
        /// Never repeated in the message: walk [`source()`](std::error::Error::source).
        #[source]
        source: Option<BoxError>,
    },

    /// A saved, reviewed plan was not applied because its target is no longer what the
    /// plan was made from (the listing's fingerprint differs), so what would run is not
    /// what was reviewed. Nothing was sent: plan again and review the new plan.
    #[error("the plan is stale: {detail}; nothing was applied: plan again and review the new plan")]
    StalePlan {
        /// What differs.
        detail: Cow<'static, str>,
    },
}

/// What is wrong with a lease ([`Error::Lease`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LeaseErrorKind {
    /// Another instance holds the lease (refused at once, or still held when the wait
    /// ran out). Retryable: the holder's run ends or its lease expires.
    Held,
    /// The lease was held and is no longer: it expired without renewal, another
    /// instance took it over, or it could not be renewed in time. The run stopped
    /// between two items; not retryable as is (acquire the lease again and re-plan).
    Lost,
    /// A write presented a fencing token older than the current holder's (or there is
    /// no holder any more): a paused or partitioned ex-holder. Refused; not retryable.
    Stale,
    /// The lease service (Redis) could not be reached or did not answer in time, so
    /// the lease was not acquired. Retryable.
    Unavailable,
}

impl fmt::Display for LeaseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LeaseErrorKind::Held => "is held by another instance",
            LeaseErrorKind::Lost => "was lost",
            LeaseErrorKind::Stale => "refused a stale fencing token",
            LeaseErrorKind::Unavailable => "could not be reached",
        })
    }
}

/// Which deadline expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// A single attempt (connect, send and read the response) took too long.
    Attempt,
    /// The whole operation, retries and waits included, took too long.
    Operation,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Attempt => "attempt",
            TimeoutKind::Operation => "operation",
        })
    }
}

/// A PATCH request that cannot be built (bad path, missing value) is the caller's input
/// error: nothing was sent. The message carries the whole cause (`InvalidInput` has no
/// `source()`), each link once.
impl From<scim_types::PatchError> for Error {
    fn from(e: scim_types::PatchError) -> Self {
        Error::invalid_input(format!("invalid SCIM PATCH request: {}", chain(&e)))
    }
}

/// A filter string that does not parse is the caller's input error: nothing was sent.
impl From<scim_types::FilterError> for Error {
    fn from(e: scim_types::FilterError) -> Self {
        Error::invalid_input(format!("invalid SCIM filter: {e}"))
    }
}

impl Error {
    /// An [`Error::InvalidInput`] with the given message.
    pub fn invalid_input(message: impl Into<Cow<'static, str>>) -> Self {
        Error::InvalidInput {
            message: message.into(),
        }
    }

    /// An [`Error::Config`] with the given message and no source.
    pub fn config(message: impl Into<Cow<'static, str>>) -> Self {
        Error::Config {
            message: message.into(),
            source: None,
        }
    }

    /// An [`Error::Unsupported`] naming the app, the operation and what to do instead.
    pub fn unsupported(
        app: impl Into<Cow<'static, str>>,
        operation: impl Into<Cow<'static, str>>,
        instead: impl Into<Cow<'static, str>>,
    ) -> Self {
        Error::Unsupported {
            app: app.into(),
            operation: operation.into(),
            instead: instead.into(),
        }
    }

    /// The HTTP status the server answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::RateLimited { last, .. } => last.as_ref().map(|a| a.status).or(Some(429)),
            Error::Decode(d) => Some(d.status),
            _ => None,
        }
    }

    /// The API error, when the server answered with a non-success status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            Error::RateLimited { last, .. } => last.as_deref(),
            _ => None,
        }
    }

    /// The SCIM error body (RFC 7644 §3.12), when the server sent one.
    pub fn scim_error(&self) -> Option<&ScimError> {
        self.api().and_then(ApiError::scim)
    }

    /// `true` for a 404 answer.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Api(api) if api.status == 404)
    }

    /// `true` for a 401 answer: the credential is missing, wrong, expired or rotated.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Error::Api(api) if api.status == 401)
    }

    /// `true` for a 403 answer that is a permission problem (not a quota signal).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Error::Api(api) if api.status == 403)
    }

    /// `true` for a 409 answer (for SCIM: `uniqueness`).
    pub fn is_conflict(&self) -> bool {
        matches!(self, Error::Api(api) if api.status == 409)
    }

    /// `true` for a 412 answer: the resource changed since its version (ETag) was read,
    /// so an `If-Match` write was refused. Read it again and decide anew.
    pub fn is_precondition_failed(&self) -> bool {
        matches!(self, Error::Api(api) if api.status == 412)
    }

    /// `true` for a 400 answer: the server refused the request as malformed or invalid.
    pub fn is_bad_request(&self) -> bool {
        matches!(self, Error::Api(api) if api.status == 400)
    }

    /// `true` for a 5xx answer.
    pub fn is_server_error(&self) -> bool {
        matches!(self, Error::Api(api) if api.status >= 500)
    }

    /// `true` when the server's own answers showed a listing to be short
    /// ([`Error::IncompleteListing`]).
    pub fn is_incomplete_listing(&self) -> bool {
        matches!(self, Error::IncompleteListing { .. })
    }

    /// The vendor crate's typed reading of an API error, when it has one (see
    /// [`VendorCode`]).
    ///
    /// ```
    /// use idgraph_common::{ApiError, Error, VendorCode};
    ///
    /// #[derive(Debug)]
    /// enum Code { QuotaExceeded }
    /// impl std::fmt::Display for Code {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("quota exceeded") }
    /// }
    /// impl VendorCode for Code {}
    ///
    /// let mut api = ApiError::new(403, "GET", "/v1/users");
    /// api.set_vendor_code(Code::QuotaExceeded);
    /// let err = Error::Api(Box::new(api));
    /// assert!(matches!(err.vendor_code::<Code>(), Some(Code::QuotaExceeded)));
    /// ```
    pub fn vendor_code<T: VendorCode>(&self) -> Option<&T> {
        self.api()?.vendor_code()
    }

    /// `true` when the call was throttled ([`Error::RateLimited`]).
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Error::RateLimited { .. })
    }

    /// `true` when the operation may succeed if tried again later unchanged.
    ///
    /// Transport errors, timeouts, throttling, 408/429/502/503/504 answers, a listing
    /// whose total went down while it ran, and a lease that is held elsewhere or
    /// unreachable are retryable; invalid input, configuration, other 4xx answers, decode
    /// errors, other incomplete listings and a lost or stale lease are not.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } | Error::RateLimited { .. } => true,
            // A total that went down means the data changed while it was listed: a new
            // listing may be consistent. Every other fault is the server contradicting
            // itself, which trying again does not fix.
            Error::IncompleteListing { reason, .. } => {
                matches!(reason, crate::paginate::ListingFault::TotalDecreased { .. })
            }
            Error::Api(api) => matches!(api.status, 408 | 429 | 502 | 503 | 504),
            Error::Lease { kind, .. } => {
                matches!(kind, LeaseErrorKind::Held | LeaseErrorKind::Unavailable)
            }
            _ => false,
        }
    }

    /// How long the server asked us to wait before trying again, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            Error::Api(api) => api.retry_after,
            _ => None,
        }
    }

    /// `false` only when the request is known not to have reached the server
    /// (never built, or the connection was refused).
    pub fn was_sent(&self) -> bool {
        match self {
            Error::InvalidInput { .. }
            | Error::Config { .. }
            | Error::Unsupported { .. }
            | Error::Limiter { .. }
            | Error::Lease { .. }
            | Error::StalePlan { .. } => false,
            Error::Transport { sent, .. } => *sent,
            _ => true,
        }
    }

    /// Adds a hint to an API error (shown in `Display`); other variants are returned as is.
    ///
    /// Vendor crates use this to say what a status means for *their* API, for example
    /// that a 401 may mean the token was rotated by the vendor's own sync.
    pub fn with_hint(mut self, hint: impl Into<Cow<'static, str>>) -> Self {
        if let Error::Api(api) = &mut self {
            api.hint = Some(hint.into());
        }
        self
    }
}

/// A vendor crate's typed reading of an API error: what a status and body mean for that
/// vendor's API (for example Proofpoint's "the email's domain is not registered"). The
/// shared [`Error`] names no vendor; the vendor crate defines its code type, documents it,
/// and sets it on the [`ApiError`] ([`ApiError::set_vendor_code`]); callers read it with
/// [`Error::vendor_code`] / [`ApiError::vendor_code`].
pub trait VendorCode: std::any::Any + fmt::Debug + fmt::Display + Send + Sync {}

/// A non-success answer from the server.
///
/// `Display` always names the status, the vendor's code and message when there are any,
/// the request id, and a hint when the client knows what the status means for this API.
/// Fields are read through accessors, so the struct can grow without breaking callers.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub(crate) status: u16,
    pub(crate) method: &'static str,
    pub(crate) path: String,
    pub(crate) body: ErrorBody,
    pub(crate) request_id: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) body_snippet: String,
    pub(crate) hint: Option<Cow<'static, str>>,
    pub(crate) vendor_code: Option<std::sync::Arc<dyn VendorCode>>,
}

/// How many bytes of an error body are kept in [`ApiError::body_snippet`].
pub const ERROR_SNIPPET_LEN: usize = 1024;

impl ApiError {
    /// An API error the client read from somewhere other than a response's status line,
    /// for example one refused item inside a success answer to a batch request. Vendor
    /// crates use it so that such a refusal is an [`Error::Api`] like any other (sent,
    /// with a status), not an input error.
    ///
    /// ```
    /// use idgraph_common::{ApiError, Error, ErrorBody};
    ///
    /// let api = ApiError::new(409, "POST", "/orgs/example.com/users").with_body(ErrorBody::Json {
    ///     code: None,
    ///     message: Some("user already exists".into()),
    /// });
    /// let err = Error::Api(Box::new(api));
    /// assert!(err.is_conflict() && err.was_sent());
    /// assert_eq!(err.to_string(), "HTTP 409 Conflict: user already exists on POST /orgs/example.com/users");
    /// ```
    pub fn new(status: u16, method: &'static str, path: impl Into<String>) -> Self {
        Self {
            status,
            method,
            path: path.into(),
            body: ErrorBody::Empty,
            request_id: None,
            retry_after: None,
            body_snippet: String::new(),
            hint: None,
            vendor_code: None,
        }
    }

    /// Sets the parsed body.
    #[must_use]
    pub fn with_body(mut self, body: ErrorBody) -> Self {
        self.body = body;
        self
    }

    /// Sets what this status means for this API (shown in `Display`). Vendor crates call
    /// it from their error hook.
    pub fn set_hint(&mut self, hint: impl Into<Cow<'static, str>>) {
        self.hint = Some(hint.into());
    }

    /// Sets the vendor crate's typed reading of this error (see [`VendorCode`]).
    pub fn set_vendor_code(&mut self, code: impl VendorCode) {
        self.vendor_code = Some(std::sync::Arc::new(code));
    }

    /// HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// HTTP method of the request.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// Request path (never the query string, which may carry personal data).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The parsed error body.
    pub fn body(&self) -> &ErrorBody {
        &self.body
    }

    /// The request id the server returned in a header, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// How long the server asked us to wait (`Retry-After`), if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The start of the raw body (at most [`ERROR_SNIPPET_LEN`] bytes, lossily decoded),
    /// with the client's secrets removed.
    pub fn body_snippet(&self) -> &str {
        &self.body_snippet
    }

    /// What this status means for this API, when the client knows.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// The vendor crate's typed reading of this error, if it set one of type `T`.
    pub fn vendor_code<T: VendorCode>(&self) -> Option<&T> {
        let code: &dyn std::any::Any = self.vendor_code.as_deref()?;
        code.downcast_ref::<T>()
    }

    /// The SCIM error body, when the server sent one.
    pub fn scim(&self) -> Option<&ScimError> {
        match &self.body {
            ErrorBody::Scim(e) => Some(e),
            _ => None,
        }
    }

    /// The vendor's machine-readable error code (`scimType` for SCIM), if any.
    pub fn code(&self) -> Option<&str> {
        match &self.body {
            ErrorBody::Scim(e) => e.scim_type.as_ref().map(|t| t.as_str()),
            ErrorBody::Json { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The vendor's human-readable message (`detail` for SCIM), if any.
    pub fn message(&self) -> Option<&str> {
        match &self.body {
            ErrorBody::Scim(e) => e.detail.as_deref(),
            ErrorBody::Json { message, .. } => message.as_deref(),
            ErrorBody::Text(t) if !t.trim().is_empty() => Some(t.trim()),
            _ => None,
        }
    }

    /// One line: status, code and message.
    pub fn summary(&self) -> String {
        let mut s = format!("HTTP {}", self.status);
        if let Some(reason) = reason_phrase(self.status) {
            s.push(' ');
            s.push_str(reason);
        }
        if let Some(code) = self.code() {
            s.push_str(" [");
            s.push_str(code);
            s.push(']');
        }
        if let Some(msg) = self.message() {
            s.push_str(": ");
            s.push_str(&truncate_chars(msg, 300));
        }
        s
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on {} {}", self.summary(), self.method, self.path)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, ". {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The body of an error response, parsed as far as it goes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ErrorBody {
    /// An RFC 7644 §3.12 SCIM error.
    Scim(ScimError),
    /// Some other JSON object; `code` and `message` are read from the usual keys
    /// (`error`, `code`, `message`, `detail`, `error_description`, `title`).
    Json {
        /// Machine-readable code, if the body has one.
        code: Option<String>,
        /// Human-readable message, if the body has one.
        message: Option<String>,
    },
    /// A body that is not JSON (an HTML error page, plain text), truncated.
    Text(String),
    /// No body.
    Empty,
}

/// A success response whose body could not be decoded into the expected type. Fields are
/// read through accessors; the serde error is its [`source`](std::error::Error::source).
#[derive(Debug)]
pub struct DecodeError {
    pub(crate) type_name: &'static str,
    pub(crate) path: String,
    pub(crate) status: u16,
    pub(crate) method: &'static str,
    pub(crate) request_path: String,
    pub(crate) content_type: Option<String>,
    pub(crate) body_snippet: Option<String>,
    pub(crate) reason: DecodeReason,
    pub(crate) source: Option<serde_json::Error>,
}

impl DecodeError {
    /// The Rust type the body was decoded into.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// The JSON path where decoding failed (for example `Resources[3].emails[0].primary`).
    pub fn json_path(&self) -> &str {
        &self.path
    }

    /// HTTP status of the response.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// HTTP method of the request.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// Request path.
    pub fn request_path(&self) -> &str {
        &self.request_path
    }

    /// The response's `Content-Type`, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The start of the body (secrets removed), unless the body may hold a secret (token
    /// responses), which is never quoted.
    pub fn body_snippet(&self) -> Option<&str> {
        self.body_snippet.as_deref()
    }

    /// What went wrong.
    pub fn reason(&self) -> &DecodeReason {
        &self.reason
    }

    /// The serde error (also the [`source`](std::error::Error::source)), unless it quoted
    /// a secret or the body may hold one.
    pub fn serde_error(&self) -> Option<&serde_json::Error> {
        self.source.as_ref()
    }
}

/// Why a body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeReason {
    /// The body was empty.
    EmptyBody,
    /// The body was not JSON and the content type says it is something else.
    UnexpectedContentType,
    /// The body was not valid JSON, or not of the expected shape.
    InvalidJson,
    /// The body is markup (it starts with `<`, as an HTML error page does) although the
    /// content type says JSON. Retried for idempotent requests.
    Markup,
    /// The body ended before the JSON did: the answer was cut short (a dropped
    /// connection). Retried for idempotent requests.
    Truncated,
    /// The body was larger than the configured limit.
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not decode the HTTP {} response to {} {} as {}",
            self.status,
            self.method,
            self.request_path,
            short_type_name(self.type_name)
        )?;
        match &self.reason {
            DecodeReason::EmptyBody => f.write_str(": the body is empty")?,
            DecodeReason::UnexpectedContentType => write!(
                f,
                ": expected JSON, got {}",
                self.content_type.as_deref().unwrap_or("no content type")
            )?,
            DecodeReason::InvalidJson => {
                // The serde error itself is the `source()`: chain printers show it once.
                if !self.path.is_empty() && self.path != "." {
                    write!(f, " at `{}`", self.path)?;
                }
            }
            DecodeReason::Truncated => f.write_str(": the body was cut short")?,
            DecodeReason::Markup => {
                f.write_str(": the body is markup (an HTML page?), not JSON")?
            }
            DecodeReason::TooLarge { limit } => {
                write!(f, ": the body is larger than the {limit}-byte limit")?
            }
        }
        if let Some(snippet) = &self.body_snippet {
            write!(f, "; body starts with: {}", truncate_chars(snippet, 200))?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// `alloc::vec::Vec<my_crate::User>` → `Vec<User>`, for readable messages.
fn short_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    let mut segment = String::new();
    for ch in full.chars() {
        if ch.is_alphanumeric() || ch == '_' || ch == ':' {
            segment.push(ch);
        } else {
            out.push_str(segment.rsplit("::").next().unwrap_or(&segment));
            segment.clear();
            out.push(ch);
        }
    }
    out.push_str(segment.rsplit("::").next().unwrap_or(&segment));
    out
}

/// Caller input (an email, an id, a header name) as an error message quotes it: in
/// backticks, control characters escaped (so a `\n` or an ANSI escape in the input cannot
/// forge or hide log lines) and cut to [`QUOTE_MAX_CHARS`] characters. The family's one
/// implementation of this rule lives in `scim_types::quote` (the lowest crate); this is
/// it, re-exported.
///
/// ```
/// use idgraph_common::error::quote;
///
/// assert_eq!(quote("jane@example.com").to_string(), "`jane@example.com`");
/// assert_eq!(quote("a\nFAKE LOG LINE\u{1b}[2J").to_string(), "`a\\nFAKE LOG LINE\\u{1b}[2J`");
/// assert_eq!(quote(&"x".repeat(500)).to_string().chars().count(), 2 + 120 + 1);
/// ```
pub use scim_types::quote::{QUOTE_MAX_CHARS, Quoted, quote};

/// An error and every cause under it in one line, joined by `: `, each link once
/// (`Display` of this crate's errors never repeats its `source()`, so this is how a
/// message that must stand alone, such as [`BridgeStatus::last_error`], shows the whole
/// story).
///
/// [`BridgeStatus::last_error`]: crate::graph::bridge::BridgeStatus::last_error
pub(crate) fn chain<'a>(err: &'a (dyn std::error::Error + 'static)) -> Chain<'a> {
    Chain(err)
}

/// See [`chain`].
pub(crate) struct Chain<'a>(&'a (dyn std::error::Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut shown = self.0.to_string();
        let mut cause = self.0.source();
        // Bounded: a cyclic or absurdly deep chain (a foreign error type's bug) must not
        // hang or flood the message.
        for _ in 0..16 {
            let Some(c) = cause else { break };
            let text = c.to_string();
            // A foreign error may still repeat its own source: show such a link once.
            if !text.is_empty() && !shown.contains(&text) {
                write!(f, ": {text}")?;
            }
            shown = text;
            cause = c.source();
        }
        Ok(())
    }
}

/// Cuts `s` to at most `max` characters, marking the cut.
pub(crate) fn truncate_chars(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((idx, _)) => Cow::Owned(format!("{}…", &s[..idx])),
    }
}

fn reason_phrase(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, body: ErrorBody) -> ApiError {
        let mut api = ApiError::new(status, "GET", "/Users/1").with_body(body);
        api.request_id = Some("req-1".into());
        api
    }

    #[test]
    fn display_names_status_code_message_and_request_id() {
        let e = Error::Api(Box::new(api(
            409,
            ErrorBody::Json {
                code: Some("uniqueness".into()),
                message: Some("taken".into()),
            },
        )));
        let s = e.to_string();
        assert_eq!(
            s,
            "HTTP 409 Conflict [uniqueness]: taken on GET /Users/1 (request id req-1)"
        );
        assert!(e.is_conflict());
        assert_eq!(e.status(), Some(409));
        assert!(!e.is_retryable());
    }

    #[test]
    fn hint_is_appended() {
        let e = Error::Api(Box::new(api(401, ErrorBody::Empty))).with_hint("rotate the token");
        assert!(e.to_string().ends_with(". rotate the token"), "{e}");
        assert!(e.is_unauthorized());
    }

    #[test]
    fn retryable_statuses() {
        for (s, r) in [
            (408, true),
            (429, true),
            (500, false),
            (502, true),
            (503, true),
            (504, true),
            (404, false),
        ] {
            assert_eq!(
                Error::Api(Box::new(api(s, ErrorBody::Empty))).is_retryable(),
                r,
                "{s}"
            );
        }
    }

    #[test]
    fn builder_errors_from_scim_types_are_invalid_input() {
        let patch: Error = scim_types::PatchOp::builder()
            .remove("emails[")
            .build()
            .unwrap_err()
            .into();
        assert!(matches!(patch, Error::InvalidInput { .. }), "{patch}");
        assert!(!patch.was_sent());
        let filter: Error = "userName eq"
            .parse::<scim_types::Filter>()
            .unwrap_err()
            .into();
        assert!(matches!(filter, Error::InvalidInput { .. }), "{filter}");
    }

    #[test]
    fn short_type_names() {
        assert_eq!(
            short_type_name("alloc::vec::Vec<my::mod::User>"),
            "Vec<User>"
        );
        assert_eq!(short_type_name("u32"), "u32");
    }

    #[test]
    fn truncation_marks_the_cut_and_respects_char_boundaries() {
        assert_eq!(truncate_chars("héllo", 2), "hé…");
        assert_eq!(truncate_chars("hi", 2), "hi");
    }
}
