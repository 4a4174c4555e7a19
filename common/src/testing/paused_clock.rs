//! HTTP clients for tests on tokio's paused clock.
//!
//! wiremock answers from its own thread, on real time. On a paused clock, tokio moves time
//! forward to the next pending timer whenever the test runtime has nothing to do — including
//! while it waits for real socket I/O. So any timer pending during a request (the attempt
//! timeout, hyper's idle-connection reaper) fires in the middle of it: an attempt times out
//! that never took long, and every wait measured on the paused clock grows by the jump.
//! A client built with [`paused_clock_http`] keeps no timer pending while I/O is in flight,
//! so the paused clock only moves when every task waits on a timer of its own (backoff,
//! `Retry-After`, the rate limiter), and waits can be asserted exactly.

use crate::http::HttpClientBuilder;

/// A `reqwest::Client` with no connection-pool idle timer and no redirects, for tests on
/// tokio's paused clock (see [`paused_clock_http`] for why).
pub fn paused_clock_reqwest_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(None)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        // Only fails when the TLS backend cannot initialise; the default client then
        // still works, idle timer included.
        .unwrap_or_default()
}

/// Sets a transport up for tests on tokio's paused clock: no attempt timeout and
/// [`paused_clock_reqwest_client`].
///
/// Why: wiremock answers from its own thread, on real time, and on a paused clock tokio
/// moves time to the next pending timer whenever the test runtime is idle, including
/// while it waits for real socket I/O. A timer pending during a request (the attempt
/// timeout, hyper's idle-connection reaper) would fire mid-request and every measured
/// wait would grow by the jump. This client keeps no timer pending during I/O.
///
/// This is for your own [`HttpClientBuilder`]. A vendor client takes the same two knobs
/// in its [`TransportSettings`](crate::TransportSettings)
/// (`TransportSettings::new().no_attempt_timeout().reqwest_client(paused_clock_reqwest_client())`),
/// which each vendor crate's `test-util` fake gives as `transport()`.
///
/// ```
/// use idgraph_common::HttpClient;
/// use idgraph_common::testing::paused_clock_http;
///
/// let client = paused_clock_http(HttpClient::builder().base_url("http://127.0.0.1:9")).build()?;
/// # let _ = client;
/// # Ok::<(), idgraph_common::Error>(())
/// ```
pub fn paused_clock_http(builder: HttpClientBuilder) -> HttpClientBuilder {
    builder
        .no_attempt_timeout()
        .reqwest_client(paused_clock_reqwest_client())
}
