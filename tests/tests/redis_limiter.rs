//! The Redis-backed rate limit (`idgraph_common::redis::RedisRateLimit`) against a real
//! Redis: several OS processes share one budget and stay under a vendor's rolling window
//! together while using nearly all of it; a throttle seen by one slows the others.
//!
//! Needs `IDGRAPH_REDIS_URL` (`.ci/run` starts Redis through `.ci/redis-server.sh`).
//! Without it each test says why it is skipped and passes, unless
//! `IDGRAPH_REQUIRE_REDIS=1` (CI), which makes it fail. Locally:
//! `bash .ci/redis-server.sh run -- cargo test -p idgraph-tests --test redis_limiter`.
//!
//! These tests run on the real clock: the budget is counted on Redis' clock (`TIME`
//! inside the script), which a paused tokio clock cannot move.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use idgraph_common::redis::{Redis, RedisRateLimit};
use idgraph_common::testing::max_in_window;
use idgraph_common::{RateLimiter, RateSignal, SecretString};
use idgraph_tests::redis_env;
use proofpoint_essentials::testing::{FAKE_API_KEY, FAKE_API_SECRET, FakeEssentials};
use proofpoint_essentials::{
    ApiKey, ApiSecret, Client, NewUser, PrimaryEmail, TransportSettings, UserPassword, UserType,
};
use tokio::time::Instant;

/// The fake's rolling window: 100 requests per 6 s (Proofpoint's 100 per minute, on a
/// clock ten times faster).
const QUOTA: u32 = 100;
const WINDOW: Duration = Duration::from_secs(6);
/// Three windows: long enough to measure throughput honestly, short enough for CI.
const RUN_FOR: Duration = Duration::from_secs(18);
const WORKERS: usize = 4;

const ROLE: &str = "IDGRAPH_TEST_WORKER_ROLE";

async fn redis(url: &str) -> Redis {
    Redis::builder()
        .url(SecretString::from(url.to_owned()))
        .connect()
        .await
        .unwrap()
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// One worker process: creates users in the fake as fast as the shared budget allows,
/// from the agreed start for `RUN_FOR`, then prints how many it created.
async fn worker() {
    let env = |k: &str| std::env::var(k).unwrap();
    let id: usize = env("WORKER_ID").parse().unwrap();
    let start_at: u64 = env("WORKER_START_AT_MS").parse().unwrap();
    let redis = redis(&env("IDGRAPH_REDIS_URL")).await;
    let limiter = RedisRateLimit::builder(&redis, env("WORKER_LIMIT_NAME"))
        .quota(QUOTA, WINDOW)
        .sliding_window()
        .build()
        .unwrap()
        .into_limiter();
    let client = Client::builder()
        .base_url(env("WORKER_FAKE_URL"))
        .api_key(ApiKey::new(FAKE_API_KEY))
        .api_secret(ApiSecret::new(FAKE_API_SECRET))
        .transport(TransportSettings::new().rate_limiter(limiter))
        .build()
        .unwrap();
    let start = Instant::now() + Duration::from_millis(start_at.saturating_sub(unix_ms()));
    tokio::time::sleep_until(start).await;
    let deadline = start + RUN_FOR;
    let (mut created, mut failed) = (0u32, 0u32);
    let users = client.users();
    for n in 0.. {
        let email = PrimaryEmail::new(format!("w{id}-{n:05}@example.com")).unwrap();
        let new = NewUser::new(email, UserType::User)
            .names(format!("Worker{id}"), format!("Hire{n}"))
            .password(UserPassword::new("Temp@1234"));
        let create = users.create(&new);
        // A worker still waiting for a permit at the deadline gives up the wait.
        match tokio::time::timeout_at(deadline, create).await {
            Ok(Ok(_)) => created += 1,
            Ok(Err(e)) => {
                eprintln!("worker {id}: {e}");
                failed += 1;
            }
            Err(_) => break,
        }
    }
    // On a line of its own: libtest has already printed "test … " on this one.
    println!("\nworker-result {id} created={created} failed={failed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_share_one_budget_under_a_rolling_window() {
    if std::env::var(ROLE).is_ok_and(|r| r == "limiter-worker") {
        return worker().await;
    }
    let Some(url) = redis_env::url("four_processes_share_one_budget_under_a_rolling_window") else {
        return;
    };
    let fake = FakeEssentials::builder()
        .rate_limit(Some((QUOTA, WINDOW)))
        .start()
        .await;
    let name = redis_env::unique("pp-budget");
    // Every worker waits for the same instant, so none has a head start.
    let start_at = unix_ms() + 1500;
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..WORKERS)
        .map(|id| {
            Command::new(&exe)
                .args([
                    "four_processes_share_one_budget_under_a_rolling_window",
                    "--exact",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(ROLE, "limiter-worker")
                .env("WORKER_ID", id.to_string())
                .env("WORKER_START_AT_MS", start_at.to_string())
                .env("WORKER_LIMIT_NAME", &name)
                .env("WORKER_FAKE_URL", fake.rest_base_url())
                .env("IDGRAPH_REDIS_URL", &url)
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect()
    })
    .await
    .unwrap();
    let mut per_worker = Vec::new();
    for out in &outputs {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "a worker failed: {stdout}");
        let line = stdout
            .lines()
            .find(|l| l.starts_with("worker-result"))
            .unwrap_or_else(|| panic!("no result line in {stdout}"));
        assert!(line.ends_with("failed=0"), "{line}");
        per_worker.push(line.to_owned());
    }

    let log = fake.requests();
    let throttled = fake.throttled();
    let first = log.iter().map(|r| r.at).min().unwrap();
    let admitted: Vec<Duration> = log
        .iter()
        .filter(|r| r.status == 201 && r.at < first + RUN_FOR)
        .map(|r| r.at)
        .collect();
    // The most the fake admits in RUN_FOR from an empty window: a full quota per window.
    let ceiling = QUOTA as usize * RUN_FOR.as_secs().div_ceil(WINDOW.as_secs()) as usize;
    let share = admitted.len() as f64 / ceiling as f64;
    println!(
        "{WORKERS} processes, one Redis budget of {QUOTA} per {WINDOW:?} (sliding window): \
         {} admitted in {RUN_FOR:?} of a ceiling of {ceiling} ({:.1} %), {throttled} answered 429, \
         at most {} in any {WINDOW:?}; {}",
        admitted.len(),
        share * 100.0,
        max_in_window(&admitted, WINDOW),
        per_worker.join(", ")
    );
    assert_eq!(throttled, 0, "no request may be answered 429");
    assert!(max_in_window(&admitted, WINDOW) <= QUOTA as usize);
    assert!(
        share >= 0.95,
        "throughput {:.1} % of the ceiling, expected at least 95 %",
        share * 100.0
    );
    // Every worker got a part of the budget (no process starved).
    assert!(
        per_worker.iter().all(|l| !l.contains("created=0 ")),
        "{per_worker:?}"
    );
}

/// Grant times of `n` permits taken by `tasks` tasks, each with its own handle (its own
/// connection), measured from the first.
async fn grant_times(limiters: Vec<RateLimiter>, per_task: usize) -> Vec<Duration> {
    let start = Instant::now();
    let mut handles = Vec::new();
    for l in limiters {
        handles.push(tokio::spawn(async move {
            let mut times = Vec::new();
            for _ in 0..per_task {
                l.acquire().await.unwrap();
                times.push(start.elapsed());
            }
            times
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    all.sort();
    all
}

#[tokio::test]
async fn gcra_spaces_permits_across_handles() {
    let Some(url) = redis_env::url("gcra_spaces_permits_across_handles") else {
        return;
    };
    let name = redis_env::unique("gcra");
    let mut limiters = Vec::new();
    for _ in 0..3 {
        let redis = redis(&url).await;
        limiters.push(
            RedisRateLimit::builder(&redis, &name)
                .quota(20, Duration::from_secs(1))
                .safety_margin(Duration::ZERO)
                .build()
                .unwrap()
                .into_limiter(),
        );
    }
    // 3 handles × 10 permits at 20 per second, burst 1: one every 50 ms, so the 30th
    // comes 29 × 50 ms after the first.
    let times = grant_times(limiters, 10).await;
    assert_eq!(times.len(), 30);
    let last = *times.last().unwrap();
    assert!(
        last >= Duration::from_millis(29 * 50 - 5),
        "{last:?}: permits were not spaced"
    );
    assert!(
        last < Duration::from_millis(29 * 50 + 600),
        "{last:?}: far slower than the quota"
    );
    for pair in times.windows(2) {
        // Measured on this process' clock, which runs with Redis' up to scheduling jitter.
        assert!(pair[1] - pair[0] >= Duration::from_millis(40), "{times:?}");
    }
}

#[tokio::test]
async fn sliding_window_grants_a_full_window_then_waits_for_the_oldest_to_leave() {
    let Some(url) = redis_env::url("sliding_window_grants_a_full_window") else {
        return;
    };
    let name = redis_env::unique("window");
    let mut limiters = Vec::new();
    for _ in 0..2 {
        let redis = redis(&url).await;
        limiters.push(
            RedisRateLimit::builder(&redis, &name)
                .quota(10, Duration::from_millis(800))
                .safety_margin(Duration::ZERO)
                .sliding_window()
                .build()
                .unwrap()
                .into_limiter(),
        );
    }
    let times = grant_times(limiters, 15).await;
    assert_eq!(times.len(), 30);
    // A full window at once, then the next ten one window later, then the last ten.
    assert!(times[9] < Duration::from_millis(300), "{times:?}");
    assert!(times[10] >= Duration::from_millis(790), "{times:?}");
    assert!(times[20] >= Duration::from_millis(1590), "{times:?}");
    assert!(
        max_in_window(&times, Duration::from_millis(790)) <= 10,
        "{times:?}"
    );
}

#[tokio::test]
async fn a_throttle_seen_by_one_process_slows_every_process() {
    let Some(url) = redis_env::url("a_throttle_seen_by_one_process_slows_every_process") else {
        return;
    };
    let name = redis_env::unique("signal");
    let build = |redis: &Redis| {
        RedisRateLimit::builder(redis, &name)
            .quota(100, Duration::from_secs(1))
            .build()
            .unwrap()
            .into_limiter()
    };
    let (seer, other) = (build(&redis(&url).await), build(&redis(&url).await));
    seer.acquire().await.unwrap();
    other.acquire().await.unwrap();
    // The seer gets a 429 with Retry-After: 1 s.
    let mut throttled = RateSignal::default();
    throttled.throttled = true;
    throttled.retry_after = Some(Duration::from_secs(1));
    seer.observe(&throttled);
    // The signal reaches Redis from a background task; give it a moment.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let t = Instant::now();
    other.acquire().await.unwrap();
    let waited = t.elapsed();
    assert!(
        waited >= Duration::from_millis(850),
        "the other process waited only {waited:?}"
    );
    // And the shared speed was halved: 100/s → 50/s, 20 ms between permits.
    let t = Instant::now();
    other.acquire().await.unwrap();
    other.acquire().await.unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(18),
        "{:?}",
        t.elapsed()
    );

    // Rate-limit headers saying the server's window is exhausted pause everyone too.
    let mut exhausted = RateSignal::default();
    exhausted.remaining = Some(0);
    exhausted.reset_after = Some(Duration::from_secs(1));
    other.observe(&exhausted);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let t = Instant::now();
    seer.acquire().await.unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(850),
        "{:?}",
        t.elapsed()
    );
}
