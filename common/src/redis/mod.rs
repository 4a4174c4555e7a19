//! A rate budget and sync leases shared by many processes through Redis (feature
//! `redis`).
//!
//! Platform teams do not run one client: they run several workers, cron jobs and a
//! Bridge against the same tenant with the same API key. The in-process
//! [`TokenBucket`](crate::TokenBucket) keeps one process under the vendor's limit;
//! this module keeps all of them under it together, and lets only one of them apply to a
//! tenant at a time.
//!
//! * [`Redis`]: one connection handle (the `redis` crate's tokio connection manager,
//!   reconnecting by itself), with connect and command timeouts and a key prefix.
//! * [`RedisRateLimit`]: a [`RateLimit`](crate::RateLimit) whose state lives in Redis,
//!   updated atomically by one server-side script per permit (GCRA, or a sliding-window
//!   log for vendors that enforce "N per any rolling window", as Proofpoint Essentials
//!   does). A 429, a `Retry-After` or rate-limit headers seen by one process slow every
//!   process down.
//! * [`Lease`]: set-if-absent with expiry, renewed in the background while held,
//!   released at the end, with a [`FencingToken`] that only grows. It implements
//!   [`RunLock`](crate::graph::RunLock), so [`Bridge::with_lock`] and
//!   [`apply_guarded`] run only while holding it.
//!
//! [`Bridge::with_lock`]: crate::graph::bridge::Bridge::with_lock
//! [`apply_guarded`]: crate::graph::apply_guarded
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use idgraph_common::RateLimiter;
//! use idgraph_common::redis::{Lease, Redis, RedisRateLimit};
//! use idgraph_common::secrecy::SecretString;
//!
//! # async fn run() -> idgraph_common::Result<()> {
//! let redis = Redis::builder()
//!     .url(SecretString::from(std::env::var("REDIS_URL").unwrap_or_default()))
//!     .connect()
//!     .await?;
//!
//! // Every process that builds this limiter with the same name shares one budget. Name
//! // it after the API key's *id*, never the key itself.
//! let limiter = RateLimiter::new(
//!     RedisRateLimit::builder(&redis, "proofpoint:acme")
//!         .quota(100, Duration::from_secs(60))
//!         .sliding_window()
//!         .build()?,
//! );
//!
//! // Only one instance syncs the tenant at a time.
//! let lease = Lease::builder(&redis, "bridge:acme").ttl(Duration::from_secs(30)).build()?;
//! let guard = lease.try_acquire().await?; // Err(Error::Lease { kind: Held, .. }) if taken
//! let token = guard.fencing_token();
//! // … apply, checking `guard` (or `apply_guarded`) between items …
//! guard.release().await?;
//! # let _ = (limiter, token); Ok(()) }
//! ```
//!
//! # Keys
//!
//! Every key starts with the prefix ([`RedisBuilder::key_prefix`], default
//! [`DEFAULT_KEY_PREFIX`] `idgraph:`) and wraps the caller's name in braces, a Redis
//! Cluster hash tag, so that the keys of one limiter or one lease live on one node:
//!
//! | Key | Type | What |
//! |---|---|---|
//! | `idgraph:rl:{NAME}:state` | hash | GCRA arrival time, "blocked until", speed after throttling |
//! | `idgraph:rl:{NAME}:log` | sorted set | sliding window: grant times of the permits in the window |
//! | `idgraph:lease:{NAME}` | string | the holder: `<fencing token>:<random owner id>`, with expiry |
//! | `idgraph:lease:{NAME}:fence` | string | the fencing counter (never expires) |
//!
//! Names are chosen by the caller and appear in keys and errors: never use a secret (an
//! API key, a token) as a name. Rate-limit and lease keys expire by themselves when
//! unused, except the fencing counter, which must outlive every holder.
//!
//! # When Redis cannot be reached
//!
//! Every command is bounded by [`RedisBuilder::command_timeout`] (default 2 s), so an
//! unreachable Redis gives a typed error in bounded time, never a hang:
//!
//! | | Redis unreachable |
//! |---|---|
//! | [`RedisRateLimit`], [`OnUnavailable::FailClosed`] (default) | `acquire` fails with [`Error::Limiter`]: the request is not sent |
//! | [`RedisRateLimit`], [`OnUnavailable::FallbackLocal`] | permits come from an in-process token bucket at the configured share of the quota; Redis is tried again every second |
//! | [`Lease`] acquire | [`Error::Lease`] with [`LeaseErrorKind::Unavailable`] |
//! | [`LeaseGuard::check`] (before each item) | `Unavailable` when Redis cannot confirm the lease, `Lost` once it has expired: the run stops between items |
//!
//! Never silently unlimited. Requires Redis 5 or newer (scripts that read `TIME` and then
//! write).
//!
//! # TLS
//!
//! With the `redis-tls` feature, `rediss://` (and `valkeys://`) URLs connect over TLS
//! through rustls: the server's certificate is checked against the system's trust store,
//! or only against the CA given to [`RedisBuilder::tls_ca_certificate`] (a managed Redis
//! with a private CA). Without the feature, such a URL is a [`Error::Config`] naming it.
//! rustls needs one crypto provider: the one `idgraph-common`'s `rustls` feature brings,
//! or a process default you install (`rustls::crypto::CryptoProvider::install_default`)
//! when your program compiles in more than one.

mod lease;
mod limiter;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{FromRedisValue, ScriptInvocation};
use secrecy::{ExposeSecret, SecretString};

#[cfg(doc)]
use crate::error::LeaseErrorKind;
use crate::error::{BoxError, Error, Result};

pub use lease::{DEFAULT_LEASE_TTL, FencingToken, Lease, LeaseBuilder, LeaseGuard};
pub use limiter::{Algorithm, OnUnavailable, RedisRateLimit, RedisRateLimitBuilder};

/// The default key prefix: `idgraph:`.
pub const DEFAULT_KEY_PREFIX: &str = "idgraph:";
/// The default connect timeout: 2 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// The default command timeout: 2 s.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

/// A handle to one Redis server, shared by limiters and leases. Cheap to clone (one
/// multiplexed connection, reconnected by itself after a failure).
///
/// `Debug` shows the server as `redis://host:port/db`, never a user name or password.
#[derive(Clone)]
pub struct Redis {
    inner: Arc<RedisInner>,
}

struct RedisInner {
    manager: ConnectionManager,
    /// `scheme://host:port/db`, without user info: safe to print.
    display: String,
    prefix: String,
    command_timeout: Duration,
}

impl fmt::Debug for Redis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redis")
            .field("server", &self.inner.display)
            .field("key_prefix", &self.inner.prefix)
            .field("command_timeout", &self.inner.command_timeout)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Redis`] handle.
///
/// | Setting | Default |
/// |---|---|
/// | [`url`](Self::url) | required: `redis://[user:password@]host[:port][/db]` |
/// | [`connect_timeout`](Self::connect_timeout) | 2 s |
/// | [`command_timeout`](Self::command_timeout) | 2 s |
/// | [`key_prefix`](Self::key_prefix) | `idgraph:` |
///
/// ```
/// use std::time::Duration;
/// use idgraph_common::redis::Redis;
/// use idgraph_common::secrecy::SecretString;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> idgraph_common::Result<()> {
/// // `build` does not connect (the first command does); `connect` also checks the server.
/// let redis = Redis::builder()
///     .url(SecretString::from("redis://:s3cret@127.0.0.1:6379/0"))
///     .command_timeout(Duration::from_millis(500))
///     .key_prefix("acme:idgraph:")
///     .build()?;
/// assert!(!format!("{redis:?}").contains("s3cret"));
/// # Ok(()) }
/// ```
#[must_use]
pub struct RedisBuilder {
    url: Option<SecretString>,
    #[cfg(feature = "redis-tls")]
    tls_ca: Option<Vec<u8>>,
    connect_timeout: Duration,
    command_timeout: Duration,
    prefix: String,
}

impl fmt::Debug for RedisBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RedisBuilder");
        d.field("url", &self.url.as_ref().map(|_| "[redacted]"));
        #[cfg(feature = "redis-tls")]
        d.field(
            "tls_ca_certificate",
            &self
                .tls_ca
                .as_ref()
                .map(|pem| format!("{} bytes of PEM", pem.len())),
        );
        d.field("connect_timeout", &self.connect_timeout)
            .field("command_timeout", &self.command_timeout)
            .field("key_prefix", &self.prefix)
            .finish()
    }
}

impl Redis {
    /// Configures a handle.
    pub fn builder() -> RedisBuilder {
        RedisBuilder {
            url: None,
            #[cfg(feature = "redis-tls")]
            tls_ca: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
            prefix: DEFAULT_KEY_PREFIX.to_owned(),
        }
    }

    /// The server, as `redis://host:port/db` (no user info).
    pub fn server(&self) -> &str {
        &self.inner.display
    }

    /// The key prefix.
    pub fn key_prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// The command timeout.
    pub fn command_timeout(&self) -> Duration {
        self.inner.command_timeout
    }

    /// `{prefix}{kind}:{NAME}` followed by `suffix`.
    fn key(&self, kind: &str, name: &str, suffix: &str) -> String {
        format!("{}{kind}:{{{name}}}{suffix}", self.inner.prefix)
    }

    /// Runs a script, bounded by the command timeout. The error says why Redis did not
    /// answer (kept as a source, never stringified into the message).
    async fn invoke<T: FromRedisValue>(
        &self,
        invocation: &ScriptInvocation<'_>,
    ) -> std::result::Result<T, Unreachable> {
        let mut conn = self.inner.manager.clone();
        match tokio::time::timeout(
            self.inner.command_timeout,
            invocation.invoke_async(&mut conn),
        )
        .await
        {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(Unreachable {
                server: self.inner.display.clone(),
                cause: Cause::Redis(e),
            }),
            Err(_) => Err(Unreachable {
                server: self.inner.display.clone(),
                cause: Cause::Timeout(self.inner.command_timeout),
            }),
        }
    }
}

impl RedisBuilder {
    /// The server's URL, `redis://[user:password@]host[:port][/db]` (also `valkey://`).
    /// A secret because it may carry a password; it is never printed.
    pub fn url(mut self, url: impl Into<SecretString>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Trust only this CA (PEM: one or more certificates) for a `rediss://` server,
    /// instead of the system's trust store: for a managed Redis whose certificate a
    /// private CA signed. `build` refuses it with a `redis://` URL (it would protect
    /// nothing).
    #[cfg(feature = "redis-tls")]
    pub fn tls_ca_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls_ca = Some(pem.into());
        self
    }

    /// Limit on each connection attempt. Default 2 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Limit on each command (a permit, a renewal), reconnecting included. Default 2 s.
    /// An unreachable Redis answers a typed error after at most this long.
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout;
        self
    }

    /// The prefix of every key. Default [`DEFAULT_KEY_PREFIX`] (`idgraph:`). Give
    /// different deployments sharing one Redis different prefixes.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The handle, without connecting (the first command connects). Fails on a
    /// missing or unusable URL or setting.
    pub fn build(self) -> Result<Redis> {
        let url = self
            .url
            .as_ref()
            .ok_or_else(|| Error::config("a Redis handle needs a URL (redis://host:port)"))?;
        let parsed = url::Url::parse(url.expose_secret()).map_err(|_| {
            Error::config(
                "the Redis URL does not parse; expected redis://[user:password@]host[:port][/db]",
            )
        })?;
        let tls = match parsed.scheme() {
            "redis" | "valkey" => false,
            "rediss" | "valkeys" => true,
            other => {
                return Err(Error::config(format!(
                    "the Redis URL has the scheme {}; expected redis:// or rediss://",
                    crate::error::quote(other)
                )));
            }
        };
        if tls && !cfg!(feature = "redis-tls") {
            return Err(Error::config(
                "rediss:// (Redis over TLS) needs the `redis-tls` feature of idgraph-common; \
                 enable it, or reach Redis with redis:// over a private network",
            ));
        }
        #[cfg(feature = "redis-tls")]
        if !tls && self.tls_ca.is_some() {
            return Err(Error::config(
                "a TLS CA certificate was given for a redis:// URL, which does not use TLS; use rediss://",
            ));
        }
        let host = parsed.host_str().unwrap_or_default();
        if host.is_empty() {
            return Err(Error::config("the Redis URL has no host"));
        }
        if self.command_timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(Error::config("Redis timeouts must be longer than zero"));
        }
        if self.prefix.contains(['{', '}']) {
            return Err(Error::config(
                "the Redis key prefix must not contain `{` or `}` (they mark Cluster hash tags)",
            ));
        }
        let display = format!(
            "{}://{}:{}{}",
            parsed.scheme(),
            host,
            parsed.port().unwrap_or(6379),
            match parsed.path() {
                "" | "/" => String::new(),
                p => p.to_owned(),
            }
        );
        // The redis crate's own parse errors are not kept: they may quote the URL, and
        // ours already says what is expected.
        let client = self.client(url, &display)?;
        // The connection manager spawns its reconnection task on the current runtime
        // (and would panic without one).
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::config(
                "a Redis handle must be built inside a tokio runtime",
            ));
        }
        // One reconnection try per command: the command timeout bounds the whole call,
        // and the callers (limiter, lease) decide what an unreachable Redis means.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.connect_timeout))
            .set_response_timeout(Some(self.command_timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let manager =
            ConnectionManager::new_lazy_with_config(client, config).map_err(|e| Error::Config {
                message: format!("could not set up the Redis connection to {display}").into(),
                source: Some(Box::new(e)),
            })?;
        Ok(Redis {
            inner: Arc::new(RedisInner {
                manager,
                display,
                prefix: self.prefix,
                command_timeout: self.command_timeout,
            }),
        })
    }

    /// The redis crate's client for `url` (TLS settings included).
    fn client(&self, url: &SecretString, display: &str) -> Result<::redis::Client> {
        let unusable = || {
            Error::config(format!(
                "the Redis URL for {display} is not usable; expected redis[s]://[user:password@]host[:port][/db]"
            ))
        };
        #[cfg(feature = "redis-tls")]
        if let Some(ca) = &self.tls_ca {
            let not_pem = || {
                Error::config(format!(
                    "the TLS CA certificate for {display} is not usable: expected PEM (-----BEGIN CERTIFICATE-----)"
                ))
            };
            // The redis crate reads what PEM blocks it finds and would silently trust
            // nothing (every connection then failing later) when there is none.
            let text = std::str::from_utf8(ca).map_err(|_| not_pem())?;
            if !text.contains("-----BEGIN CERTIFICATE-----") {
                return Err(not_pem());
            }
            let certificates = ::redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(ca.clone()),
            };
            // Its error may quote the URL or the certificate parser's view of the PEM:
            // only whether it failed is kept.
            return ::redis::Client::build_with_tls(url.expose_secret(), certificates)
                .map_err(|_| not_pem());
        }
        ::redis::Client::open(url.expose_secret()).map_err(|_| unusable())
    }

    /// [`build`](Self::build), then checks that the server answers (`PING`). Fails with
    /// [`Error::Config`] naming the server (never its password) when it does not.
    pub async fn connect(self) -> Result<Redis> {
        let redis = self.build()?;
        let mut conn = redis.inner.manager.clone();
        let ping = async { ::redis::cmd("PING").query_async::<String>(&mut conn).await };
        let failed = |source: BoxError| Error::Config {
            message: format!("Redis at {} does not answer", redis.inner.display).into(),
            source: Some(source),
        };
        match tokio::time::timeout(redis.inner.command_timeout, ping).await {
            Ok(Ok(_)) => Ok(redis),
            Ok(Err(e)) => Err(failed(Box::new(e))),
            Err(_) => Err(failed(Box::new(Unreachable {
                server: redis.inner.display.clone(),
                cause: Cause::Timeout(redis.inner.command_timeout),
            }))),
        }
    }
}

/// Checks a caller-chosen name used in keys: non-empty, at most 200 characters, no
/// whitespace or control characters, no braces (they would break the hash tag).
fn check_name(what: &str, name: &str) -> Result<()> {
    if name.is_empty()
        || name.chars().count() > 200
        || name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '{' || c == '}')
    {
        return Err(Error::config(format!(
            "a {what} name must be 1 to 200 characters without spaces, control characters or \
             braces (for example `proofpoint:acme`); never use a secret as a name"
        )));
    }
    Ok(())
}

/// Redis did not answer a command: why, and which server (never its credentials).
#[derive(Debug)]
struct Unreachable {
    server: String,
    cause: Cause,
}

#[derive(Debug)]
enum Cause {
    Redis(::redis::RedisError),
    Timeout(Duration),
}

impl fmt::Display for Unreachable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            // The Redis client's error is the `source()`, not repeated here: chain
            // printers (anyhow's `{:#}`, `Report`) show each cause once.
            Cause::Redis(_) => write!(f, "Redis at {} did not run the command", self.server),
            Cause::Timeout(d) => write!(f, "Redis at {} did not answer within {d:?}", self.server),
        }
    }
}

impl std::error::Error for Unreachable {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            Cause::Redis(e) => Some(e),
            Cause::Timeout(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder(url: &str) -> RedisBuilder {
        Redis::builder().url(SecretString::from(url.to_owned()))
    }

    #[tokio::test]
    async fn debug_and_errors_never_show_the_password() {
        let redis = builder("redis://user:pa55word@127.0.0.1:6390/2")
            .build()
            .unwrap();
        let shown = format!("{redis:?}");
        assert!(
            !shown.contains("pa55word") && !shown.contains("user"),
            "{shown}"
        );
        assert_eq!(redis.server(), "redis://127.0.0.1:6390/2");
        let b = format!("{:?}", builder("redis://:pa55word@h"));
        assert!(!b.contains("pa55word"), "{b}");
        for bad in ["http://:pa55word@h", "not a url pa55word"] {
            let e = builder(bad).build().unwrap_err();
            assert!(matches!(e, Error::Config { .. }), "{e}");
            assert!(!e.to_string().contains("pa55word"), "{e}");
        }
        assert!(Redis::builder().build().is_err());
    }

    #[cfg(not(feature = "redis-tls"))]
    #[tokio::test]
    async fn rediss_without_the_tls_feature_is_a_config_error_naming_it() {
        let e = builder("rediss://:pa55word@h").build().unwrap_err();
        assert!(matches!(e, Error::Config { .. }), "{e}");
        assert!(e.to_string().contains("`redis-tls` feature"), "{e}");
        assert!(!e.to_string().contains("pa55word"), "{e}");
    }

    /// A self-signed CA certificate (its key was thrown away): only parsed, never trusted.
    #[cfg(feature = "redis-tls")]
    const TEST_CA: &str = "-----BEGIN CERTIFICATE-----\nMIIBizCCATGgAwIBAgIUWHRzlbgdfqqEyrwYgK2MtANk+ZMwCgYIKoZIzj0EAwIw\nGjEYMBYGA1UEAwwPaWRncmFwaCB0ZXN0IENBMCAXDTI2MTIwMjEzMTM1N1oYDzIx\nMjYxMTA4MTMxMzU3WjAaMRgwFgYDVQQDDA9pZGdyYXBoIHRlc3QgQ0EwWTATBgcq\nhkjOPQIBBggqhkjOPQMBBwNCAAT8+lWVHo9YrPFgHJnC4uDz0N8QmDNWMKJZ7Ssh\njDw1GJFyExmq6/7KyAUXl+Hgn/mJumZfyJA/2a/2W/XDXDJno1MwUTAdBgNVHQ4E\nFgQUf0C4BL+BHSclZ+grXWq0BdCjbb8wHwYDVR0jBBgwFoAUf0C4BL+BHSclZ+gr\nXWq0BdCjbb8wDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA9+iB\nHxhEAKI9To/lXQR7YdzXXy3TGRcn5gVO42FihuoCIGlPY4WTlnX6QejMUMEZTdD5\nIaqnWFDLHLNC7ghhvWXq\n-----END CERTIFICATE-----\n";

    #[cfg(feature = "redis-tls")]
    #[tokio::test]
    async fn rediss_builds_with_the_tls_feature_and_checks_its_ca() {
        let redis = builder("rediss://:pa55word@h:6380").build().unwrap();
        assert_eq!(redis.server(), "rediss://h:6380");
        assert!(!format!("{redis:?}").contains("pa55word"));

        // A CA that is not PEM, and a CA for a URL without TLS, are refused at build.
        let e = builder("rediss://:pa55word@h")
            .tls_ca_certificate("not a certificate")
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config { .. }), "{e}");
        assert!(e.to_string().contains("PEM"), "{e}");
        assert!(!e.to_string().contains("pa55word"), "{e}");
        let e = builder("redis://:pa55word@h")
            .tls_ca_certificate(TEST_CA)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("use rediss://"), "{e}");

        let b = builder("rediss://:pa55word@h").tls_ca_certificate(TEST_CA);
        assert!(format!("{b:?}").contains("bytes of PEM"), "{b:?}");
        b.build().unwrap();
    }

    #[tokio::test]
    async fn connect_to_nothing_is_a_config_error_in_bounded_time() {
        // A port nobody listens on: bind, take the number, close.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let started = std::time::Instant::now();
        let e = builder(&format!("redis://:pa55word@127.0.0.1:{port}"))
            .command_timeout(Duration::from_millis(500))
            .connect()
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(3));
        assert!(matches!(e, Error::Config { .. }), "{e}");
        assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
        assert!(!format!("{e:?}").contains("pa55word"));
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("lease", "bridge:acme").is_ok());
        for bad in ["", "a b", "a{b}", "x\n", &"n".repeat(201)] {
            assert!(check_name("lease", bad).is_err(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn keys_wrap_the_name_in_a_hash_tag() {
        let r = builder("redis://127.0.0.1").build().unwrap();
        assert_eq!(r.key("rl", "pp:acme", ":log"), "idgraph:rl:{pp:acme}:log");
    }

    #[test]
    fn building_outside_a_runtime_is_an_error_not_a_panic() {
        let e = builder("redis://127.0.0.1").build().unwrap_err();
        assert!(e.to_string().contains("tokio runtime"), "{e}");
    }
}
