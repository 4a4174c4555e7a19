//! Test helpers (feature `test-util`): [`FakeEssentials`], a stateful fake of both API
//! surfaces on wiremock, and [`SimClock`] for rate-limit tests on tokio's paused clock.
//!
//! # Rate limits on a paused clock
//!
//! The fake runs on wiremock's own thread, whose runtime has a real clock, while a test
//! that waits uses tokio's paused clock (`#[tokio::test(start_paused = true)]`). To make
//! the fake enforce "100 requests per 60 s" on the *test's* simulated time:
//!
//! 1. create a [`SimClock`] inside the paused test and start the fake with it
//!    ([`FakeBuilder::clock`]);
//! 2. build the client with a limiter made by `clock.limiter(RateLimiter::per_minute(100)?)`
//!    in its [`TransportSettings`](crate::TransportSettings): each time the limiter grants a permit (right before each attempt), the wrapper
//!    stamps `tokio::time::Instant::now()` into the clock;
//! 3. the fake reads that stamp when the request arrives, admits it only when fewer than
//!    100 requests arrived in the preceding 60 s, and answers 429 (no `Retry-After`)
//!    otherwise; its log ([`FakeEssentials::requests`],
//!    [`FakeEssentials::max_requests_in`]) records each arrival on that clock.
//!
//! Build the client from [`FakeEssentials::rest_client`] (or `interface_client`), and
//! extend [`FakeEssentials::transport`] rather than starting from
//! `TransportSettings::new()`: those settings have no attempt timeout and no
//! connection-pool idle timer, so no timer is pending in the test runtime while real
//! socket I/O is in flight and the paused clock cannot jump between the stamp and the
//! arrival. Keep one request in flight at a time (the default
//! for bulk creates and listings).
//!
//! ```no_run
//! use std::time::Duration;
//! use proofpoint_essentials::RateLimiter;
//! use proofpoint_essentials::testing::{FakeEssentials, SimClock};
//!
//! # async fn run() -> proofpoint_essentials::Result<()> {
//! // Inside #[tokio::test(start_paused = true)]:
//! let clock = SimClock::new();
//! let fake = FakeEssentials::builder().clock(clock.clone()).start().await;
//! let client = fake
//!     .rest_client()
//!     .transport(fake.transport().rate_limiter(clock.limiter(RateLimiter::per_minute(100)?)))
//!     .build()?;
//! // … run the workload …
//! assert_eq!(fake.throttled(), 0);
//! assert!(fake.max_requests_in(Duration::from_secs(60)) <= 100);
//! # let _ = client; Ok(()) }
//! ```

mod clock;
mod fake;
mod store;

pub use clock::SimClock;
pub use fake::{
    FAKE_ADMIN_PASSWORD, FAKE_ADMIN_USER, FAKE_API_KEY, FAKE_API_SECRET, FAKE_ORG_DOMAIN,
    FakeBuilder, FakeEssentials, RecordedRequest,
};
/// Re-exported: count requests per window of a recorded run.
pub use idgraph_common::testing::max_in_window;
