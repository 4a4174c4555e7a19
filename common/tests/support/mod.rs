//! Helpers shared by the transport tests.
//!
//! # Why the clients here look the way they do (paused clock + wiremock)
//!
//! Most tests run on tokio's paused clock, so that waits (`Retry-After`, backoff, rate
//! limiting, token expiry) are asserted exactly and cost no real time. wiremock, however,
//! serves from its own thread on a real-clock runtime, so every request is real socket
//! I/O. While the test runtime waits for that I/O it is idle, and an idle runtime with a
//! paused clock *auto-advances the clock to the next pending timer*. Any timer pending
//! during a request would therefore fire at once and distort the test:
//!
//! * the client's per-attempt timeout → [`client`] uses `.no_attempt_timeout()` (the
//!   attempt-timeout tests set one on purpose);
//! * hyper's idle-connection reaper → [`reqwest_client`] sets `pool_idle_timeout(None)`
//!   (and, like the transport's own client, follows no redirects);
//! * the OAuth2 token-request timeout → [`oauth2`] passes settings with
//!   `.no_attempt_timeout()`.
//!
//! Retry delays are asserted exactly, so [`exact_retry`] turns jitter off.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use idgraph_common::auth::{OAuth2ClientCredentials, OAuth2ClientCredentialsBuilder};
use idgraph_common::{
    HttpClient, HttpClientBuilder, Jitter, RateLimit, RateLimiter, RateSignal, RetryPolicy,
    SecretString, TokenBucket, TransportSettings,
};
use tokio::time::Instant;
use wiremock::MockServer;

/// A reqwest client with no timers of its own and no redirects (see the module docs).
pub(crate) fn reqwest_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(None)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
}

/// The standard policy with jitter off: waits of 500 ms, 1 s, 2 s between 4 attempts.
pub(crate) fn exact_retry() -> RetryPolicy {
    RetryPolicy::standard().with_jitter(Jitter::None)
}

/// A client builder for `base_url`, safe on a paused clock (see the module docs).
pub(crate) fn client_for(base_url: &str) -> HttpClientBuilder {
    HttpClient::builder()
        .base_url(base_url)
        .no_attempt_timeout()
        .reqwest_client(reqwest_client())
        .retry_policy(exact_retry())
}

/// A client builder for a wiremock server, safe on a paused clock.
pub(crate) fn client(server: &MockServer) -> HttpClientBuilder {
    client_for(&server.uri())
}

/// An OAuth2 provider builder with no token-request timeout (see the module docs).
pub(crate) fn oauth2(token_url: &str, id: &str, secret: &str) -> OAuth2ClientCredentialsBuilder {
    OAuth2ClientCredentials::builder(token_url, id, SecretString::from(secret))
        .transport(TransportSettings::new().no_attempt_timeout())
}

/// How many requests the server has received so far.
pub(crate) async fn received(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

/// The requests the server has received so far.
pub(crate) async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap_or_default()
}

/// A port on 127.0.0.1 where nothing listens, so connecting is refused at once.
pub(crate) fn refused_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

/// A listener that completes TCP handshakes (the kernel's backlog) but never reads or
/// answers: every request to it hangs until the client gives up.
pub(crate) fn silent_server() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

/// An address where TCP connects hang (as behind a firewall that drops packets): a
/// listener with a backlog of 0 whose one queue slot is taken by `held`, and which never
/// accepts. Keep all three values alive for the test's duration.
pub(crate) async fn blackhole() -> (tokio::net::TcpListener, tokio::net::TcpStream, String) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    let listener = socket.listen(0).unwrap();
    let held = tokio::net::TcpStream::connect(addr).await.unwrap();
    (listener, held, format!("http://{addr}"))
}

/// The times (since the limiter was made, on tokio's clock) at which permits were granted.
#[derive(Clone, Debug, Default)]
pub(crate) struct PermitLog(Arc<Mutex<Vec<Duration>>>, Arc<AtomicUsize>);

impl PermitLog {
    /// How many permits the transport said it was done with ([`RateLimit::release`]).
    #[allow(dead_code)] // not every test binary that shares this module asks
    pub(crate) fn released(&self) -> usize {
        self.1.load(Ordering::SeqCst)
    }

    pub(crate) fn times(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// Gaps between consecutive permits.
    pub(crate) fn gaps(&self) -> Vec<Duration> {
        self.times().windows(2).map(|w| w[1] - w[0]).collect()
    }
}

/// A [`RateLimit`] that records when each permit is granted. The transport takes a permit
/// right before every attempt, so these are the send times of all attempts, retries
/// included. Wraps an optional [`TokenBucket`] (none: never waits).
#[derive(Debug)]
struct Recording {
    bucket: Option<TokenBucket>,
    start: Instant,
    log: PermitLog,
}

#[async_trait]
impl RateLimit for Recording {
    async fn acquire(&self) -> idgraph_common::Result<()> {
        if let Some(bucket) = &self.bucket {
            bucket.acquire().await?;
        }
        self.log.0.lock().unwrap().push(Instant::now() - self.start);
        Ok(())
    }

    fn observe(&self, signal: &RateSignal) {
        if let Some(bucket) = &self.bucket {
            bucket.observe(signal);
        }
    }

    fn release(&self) {
        self.log.1.fetch_add(1, Ordering::SeqCst);
        if let Some(bucket) = &self.bucket {
            bucket.release();
        }
    }
}

/// A limiter that records attempt times and never waits.
pub(crate) fn recorder() -> (RateLimiter, PermitLog) {
    recording(None)
}

/// A limiter around `bucket` that records when it grants permits.
pub(crate) fn recording(bucket: Option<TokenBucket>) -> (RateLimiter, PermitLog) {
    let log = PermitLog::default();
    let limiter = RateLimiter::new(Recording {
        bucket,
        start: Instant::now(),
        log: log.clone(),
    });
    (limiter, log)
}

/// The largest number of `times` (sorted) inside any half-open window of length `window`.
pub(crate) fn max_in_window(times: &[Duration], window: Duration) -> usize {
    let mut best = 0;
    let mut lo = 0;
    for hi in 0..times.len() {
        while times[hi] - times[lo] >= window {
            lo += 1;
        }
        best = best.max(hi - lo + 1);
    }
    best
}

pub(crate) fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

pub(crate) fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}
