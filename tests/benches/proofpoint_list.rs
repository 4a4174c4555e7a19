//! Listing 100,000 Proofpoint Essentials users at the REST surface's 100 requests/minute.
//!
//! The physical ceiling is 100 requests/minute × 1,000 users per page = 100,000 users per
//! minute, so listing 100,000 users cannot take less than the time 100 requests take at
//! that rate. The budget is 1.01 × a minute (60.6 s of simulated time) with no 429.
//!
//! Time is tokio's paused clock: the measured figure is *simulated* time (what a real
//! run would spend waiting on the limiter), reported by criterion through `iter_custom`.
//! The fake counts its own window on the same simulated clock (see
//! `proofpoint_essentials::testing`), so a client that went too fast would get 429s.
//! Wall time (the JSON work: 100 pages of 1,000 users) is printed alongside.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use futures::TryStreamExt;
use proofpoint_essentials::RateLimiter;
use proofpoint_essentials::testing::{FakeEssentials, SimClock};
use tokio::runtime::Runtime;
use tokio::time::Instant;

const USERS: usize = 100_000;
const CEILING: Duration = Duration::from_secs(60);

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
}

/// One listing of every user; returns (simulated, wall) time.
async fn list_all(fake: &FakeEssentials, clock: &SimClock) -> (Duration, Duration) {
    // Let the previous run's window pass (free on the paused clock).
    tokio::time::sleep(CEILING).await;
    let client = fake
        .rest_client()
        .transport(
            fake.transport()
                .rate_limiter(clock.limiter(RateLimiter::per_minute(100).unwrap())),
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
    let simulated = Instant::now() - start;
    assert_eq!(n, USERS);
    (simulated, wall.elapsed())
}

fn bench(c: &mut Criterion) {
    let rt = runtime();
    let (fake, clock) = rt.block_on(async {
        let clock = SimClock::new();
        let fake = FakeEssentials::builder().clock(clock.clone()).start().await;
        fake.insert_generated_users(USERS, "example.com");
        (fake, clock)
    });

    // The reported figure: one run, checked against the budget.
    let (simulated, wall) = rt.block_on(list_all(&fake, &clock));
    let requests = fake.requests().len();
    println!(
        "proofpoint_list: {USERS} users in {requests} requests: simulated {:.2} s \
         (ceiling {:.1} s, budget 1.01× = {:.1} s, ratio {:.3}); wall {:.2} s; 429s: {}",
        simulated.as_secs_f64(),
        CEILING.as_secs_f64(),
        CEILING.as_secs_f64() * 1.01,
        simulated.as_secs_f64() / CEILING.as_secs_f64(),
        wall.as_secs_f64(),
        fake.throttled()
    );
    assert!(
        simulated <= CEILING.mul_f64(1.01),
        "{simulated:?} over budget"
    );
    assert_eq!(fake.throttled(), 0, "no 429");

    let mut group = c.benchmark_group("proofpoint_list");
    group.sample_size(10);
    group.bench_function("100k_users_simulated_time", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += list_all(&fake, &clock).await.0;
                }
                total
            })
        })
    });
    group.bench_function("100k_users_wall_time", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += list_all(&fake, &clock).await.1;
                }
                total
            })
        })
    });
    group.finish();
    assert_eq!(fake.throttled(), 0, "no 429 in any run");
}

criterion_group!(benches, bench);
criterion_main!(benches);
