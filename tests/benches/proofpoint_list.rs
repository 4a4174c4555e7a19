//! Listing 100,000 Proofpoint Essentials users (100 pages of 1,000) through the REST
//! surface's limit of 100 requests in any 60 s, on tokio's paused clock against
//! `FakeEssentials`, which enforces that rolling window on the same simulated clock (a
//! client that went too fast would get 429s).
//!
//! The real floor depends on what the window already holds when the listing starts:
//!
//! * **from an empty window** the 100 requests fit in one quota, so the floor is 0 s: the
//!   vendor would accept them all at once. The default limiter (`RateLimiter::per_minute`,
//!   a token bucket spacing requests 600 ms apart) spends 59.4 s there anyway: that is its
//!   own spacing, not the vendor's limit; `SlidingWindow` uses the burst.
//! * **from a full window** (another caller with the same key has just sent 100
//!   requests) no request may go before that caller's first one leaves the window: the
//!   floor is 60 s. `SlidingWindow::starting_full` reaches it within its safety margin.
//!
//! Prints `bench-figure proofpoint_list_100k_<case>_{simulated_s,floor_s,429s}` per case
//! (simulated seconds: what the limiter decided, the same on any machine) and
//! `bench-figure proofpoint_list_100k_wall` (elapsed time of one whole listing, client and
//! fake in one process: the JSON work of 100 pages; median of 5).
//!
//! Run: `cargo bench -p idgraph-tests --bench proofpoint_list`
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs
)]

use std::time::Duration;

use futures::TryStreamExt;
use idgraph_common::rate_limit::SlidingWindow;
use idgraph_common::{RateLimiter, RetryPolicy};
use proofpoint_essentials::PrimaryEmail;
use proofpoint_essentials::testing::{FakeEssentials, SimClock};
use tokio::time::Instant;

const USERS: usize = 100_000;
const MINUTE: Duration = Duration::from_secs(60);

/// Another caller with the same key fills the fake's window (100 requests now).
async fn fill_window(fake: &FakeEssentials, clock: &SimClock) {
    let other = fake
        .rest_client()
        .transport(
            fake.transport()
                .rate_limiter(clock.limiter(RateLimiter::unlimited()))
                .retry_policy(RetryPolicy::disabled()),
        )
        .build()
        .unwrap();
    let nobody = PrimaryEmail::new("nobody@example.com").unwrap();
    for _ in 0..100 {
        assert!(other.users().get(&nobody).await.unwrap_err().is_not_found());
    }
}

/// One listing of every user through `limiter`: (simulated time, wall time, 429s).
async fn list_all(limiter: RateLimiter, full: bool) -> (Duration, Duration, usize) {
    let clock = SimClock::new();
    let fake = FakeEssentials::builder().clock(clock.clone()).start().await;
    fake.insert_generated_users(USERS, "example.com");
    if full {
        fill_window(&fake, &clock).await;
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
    let wall = std::time::Instant::now();
    let start = Instant::now();
    let n = client
        .users()
        .list()
        .stream()
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await
        .unwrap();
    let simulated = start.elapsed();
    assert_eq!(n, USERS);
    assert!(fake.max_requests_in(MINUTE) <= 100);
    (simulated, wall.elapsed(), fake.throttled())
}

fn main() {
    // `cargo test --benches` runs every bench binary with `--test`; one case is enough.
    let quick = std::env::args().any(|a| a == "--test");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    type Make = Box<dyn Fn() -> RateLimiter>;
    let cases: [(&str, Make, bool, f64); 3] = [
        (
            "default_limiter_from_empty",
            Box::new(|| RateLimiter::per_minute(100).unwrap()),
            false,
            0.0,
        ),
        (
            "sliding_window_from_empty",
            Box::new(|| RateLimiter::new(SlidingWindow::new(100, MINUTE).unwrap())),
            false,
            0.0,
        ),
        (
            "sliding_window_from_full",
            Box::new(|| RateLimiter::new(SlidingWindow::new(100, MINUTE).unwrap().starting_full())),
            true,
            60.0,
        ),
    ];
    let mut walls = Vec::new();
    for (name, limiter, full, floor) in cases {
        let (simulated, wall, throttled) = rt.block_on(list_all(limiter(), full));
        walls.push(wall);
        println!(
            "bench-figure proofpoint_list_100k_{name}_simulated_s {:.1} s",
            simulated.as_secs_f64()
        );
        println!("bench-figure proofpoint_list_100k_{name}_floor_s {floor:.0} s");
        println!("bench-figure proofpoint_list_100k_{name}_429s {throttled} count");
        assert_eq!(throttled, 0, "{name}: the fake answered 429");
        assert!(
            simulated.as_secs_f64() >= floor,
            "{name}: faster than the floor means the fake did not enforce its window"
        );
        if quick {
            return;
        }
    }
    // Two more listings for a median of five wall times.
    for _ in 0..2 {
        let (_, wall, _) = rt.block_on(list_all(RateLimiter::unlimited(), false));
        walls.push(wall);
    }
    walls.sort();
    println!(
        "bench-figure proofpoint_list_100k_wall {:.2} s (median of 5; client and fake in one process)",
        walls[walls.len() / 2].as_secs_f64()
    );
}
