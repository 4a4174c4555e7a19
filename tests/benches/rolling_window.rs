//! Rolling-window pacing against Proofpoint Essentials' limit (100 requests in any 60 s),
//! on tokio's paused clock against `FakeEssentials`, which enforces that window: 250
//! requests, and how long they take against the real floor.
//!
//! * `SlidingWindow` from an empty window: the floor is 120 s (a full quota at 0, 60 and
//!   120 s);
//! * `SlidingWindow::starting_full` when another caller has just sent 100 requests (the
//!   fake's window is really full): the floor is 180 s (quotas at 60, 120 and 180 s);
//! * the default `TokenBucket` (even spacing, 600 ms apart) from an empty window, for
//!   comparison: 149.4 s for 250.
//!
//! Each run prints `bench-figure NAME VALUE UNIT` lines: the simulated seconds the 250
//! requests took (`…_simulated_s`), that time over the floor (`…_vs_floor`), and the
//! fake's 429 answers (`…_429s`, must be 0). Simulated time is what the limiter decides,
//! not machine speed, so the figures are the same on any machine. The transport tells
//! the limiter when each request ended, and the window counts it from then, so the
//! sliding window needs no safety margin and meets each floor exactly: that is the limit.
//!
//! Run: `cargo bench -p idgraph-tests --bench rolling_window`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    missing_docs
)]

use std::time::Duration;

use idgraph_common::rate_limit::SlidingWindow;
use idgraph_common::{RateLimiter, RetryPolicy};
use proofpoint_essentials::PrimaryEmail;
use proofpoint_essentials::testing::{FakeEssentials, SimClock};

const MINUTE: Duration = Duration::from_secs(60);
const REQUESTS: usize = 250;

/// The simulated time `REQUESTS` requests take through `limiter`, and the 429s. With
/// `full`, another caller has just used the whole window (100 requests) when they start.
async fn run(limiter: RateLimiter, full: bool) -> (Duration, usize) {
    let clock = SimClock::new();
    let fake = FakeEssentials::builder().clock(clock.clone()).start().await;
    let email = PrimaryEmail::new("nobody@example.com").unwrap();
    if full {
        let other = fake
            .rest_client()
            .transport(
                fake.transport()
                    .rate_limiter(clock.limiter(RateLimiter::unlimited()))
                    .retry_policy(RetryPolicy::disabled()),
            )
            .build()
            .unwrap();
        for _ in 0..100 {
            assert!(other.users().get(&email).await.unwrap_err().is_not_found());
        }
    }
    let client = fake
        .rest_client()
        .transport(
            fake.transport()
                .rate_limiter(clock.limiter(limiter))
                .retry_policy(RetryPolicy::disabled()),
        )
        .build()
        .unwrap();
    let start = tokio::time::Instant::now();
    for _ in 0..REQUESTS {
        let err = client.users().get(&email).await.unwrap_err();
        assert!(err.is_not_found(), "{err}");
    }
    assert!(fake.max_requests_in(MINUTE) <= 100);
    (start.elapsed(), fake.throttled())
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    type Make = Box<dyn Fn() -> RateLimiter>;
    let cases: [(&str, Make, bool, f64); 3] = [
        (
            "sliding_window_from_empty",
            Box::new(|| RateLimiter::new(SlidingWindow::new(100, MINUTE).unwrap())),
            false,
            120.0,
        ),
        (
            "sliding_window_from_full",
            Box::new(|| RateLimiter::new(SlidingWindow::new(100, MINUTE).unwrap().starting_full())),
            true,
            180.0,
        ),
        (
            "token_bucket_from_empty",
            Box::new(|| RateLimiter::per_minute(100).unwrap()),
            false,
            120.0,
        ),
    ];
    for (name, limiter, full, floor) in cases {
        let (took, throttled) = rt.block_on(run(limiter(), full));
        let secs = took.as_secs_f64();
        println!("bench-figure rolling_{name}_250_simulated_s {secs:.1} s");
        println!(
            "bench-figure rolling_{name}_250_vs_floor {:.3} ratio",
            secs / floor
        );
        println!("bench-figure rolling_{name}_250_429s {throttled} count");
        assert_eq!(throttled, 0, "{name}: the fake answered 429");
    }
}
