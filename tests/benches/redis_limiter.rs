//! What a rate budget shared through Redis costs per request.
//!
//! * `redis_permit/gcra`, `redis_permit/sliding_window`: one permit from
//!   [`RedisRateLimit`] (one `EVALSHA` round trip to Redis on loopback), with a quota so
//!   high that it never waits: the pure cost of asking.
//! * `in_process/token_bucket`: one permit from the in-process [`TokenBucket`], the same
//!   way.
//!
//! After criterion's report, a plain measurement prints one `bench-figure NAME VALUE UNIT`
//! line per figure, each labelled wall (elapsed time) or CPU (the client thread's own CPU
//! time, from `CLOCK_THREAD_CPUTIME_ID`, on a current-thread runtime so that the
//! connection's tasks run on that thread too; the server's CPU when the bench started the
//! server itself):
//!
//! * permits per second, one task asking in sequence, and 16 tasks asking at once over
//!   the one multiplexed connection;
//! * the latency a permit adds to each request compared with the in-process limiter.
//!
//! Redis: `IDGRAPH_REDIS_URL`, or else a `redis-server` from `PATH` started on a free
//! loopback port for the run.
//!
//! Run: `cargo bench -p idgraph-tests --bench redis_limiter` with `redis-server` on `PATH`
//! (the bench then owns the server and can also print the server's CPU per permit), or
//! against a running Redis: `IDGRAPH_REDIS_URL=redis://… cargo bench …` (no server figure).
//! Every figure's name starts with `redis_` (the in-process baseline is
//! `redis_baseline_in_process_token_bucket_1_task_…`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    missing_docs
)]

use std::time::{Duration, Instant};

mod support;

use criterion::Criterion;
use idgraph_common::redis::{Redis, RedisRateLimit};
use idgraph_common::{RateLimiter, SecretString, TokenBucket};
use idgraph_tests::redis_env::{self, RedisServer};

/// A quota no benchmark reaches: every permit is granted at once.
const NEVER_WAITS: u32 = 1_000_000_000;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

struct Limiters {
    gcra: RateLimiter,
    window: RateLimiter,
    local: RateLimiter,
}

fn limiters(rt: &tokio::runtime::Runtime, url: &str) -> Limiters {
    rt.block_on(async {
        let redis = Redis::builder()
            .url(SecretString::from(url.to_owned()))
            .connect()
            .await
            .unwrap();
        let shared = |name: &str, window: bool| {
            let b = RedisRateLimit::builder(&redis, redis_env::unique(name))
                .quota(NEVER_WAITS, Duration::from_secs(1));
            let b = if window { b.sliding_window() } else { b };
            b.build().unwrap().into_limiter()
        };
        Limiters {
            gcra: shared("bench-gcra", false),
            window: shared("bench-window", true),
            local: RateLimiter::new(TokenBucket::new(NEVER_WAITS, Duration::from_secs(1)).unwrap()),
        }
    })
}

fn bench(c: &mut Criterion, url: &str) {
    let rt = runtime();
    let l = limiters(&rt, url);
    let mut g = c.benchmark_group("redis_permit");
    g.bench_function("gcra", |b| b.to_async(&rt).iter(|| l.gcra.acquire()));
    g.bench_function("sliding_window", |b| {
        b.to_async(&rt).iter(|| l.window.acquire())
    });
    g.finish();
    c.benchmark_group("in_process")
        .bench_function("token_bucket", |b| {
            b.to_async(&rt).iter(|| l.local.acquire())
        });
}

/// Wall and client-CPU time of `n` permits taken by `tasks` tasks at once.
fn measure(
    rt: &tokio::runtime::Runtime,
    l: &RateLimiter,
    n: usize,
    tasks: usize,
) -> (Duration, Duration) {
    let cpu0 = support::thread_cpu().unwrap_or_default();
    let t = Instant::now();
    rt.block_on(async {
        let mut handles = Vec::new();
        for _ in 0..tasks {
            let l = l.clone();
            handles.push(tokio::spawn(async move {
                for _ in 0..n / tasks {
                    l.acquire().await.unwrap();
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
    });
    (
        t.elapsed(),
        support::thread_cpu()
            .unwrap_or_default()
            .saturating_sub(cpu0),
    )
}

fn figures(url: &str, server_pid: Option<u32>) {
    let rt = runtime();
    let l = limiters(&rt, url);
    let n = 20_000;
    // Warm up: connection, script cache, allocator.
    measure(&rt, &l.gcra, 2_000, 1);
    measure(&rt, &l.window, 2_000, 1);
    measure(&rt, &l.local, 2_000, 1);

    let per = |d: Duration, n: usize| d.as_secs_f64() * 1e6 / n as f64;
    println!();
    println!("Shared rate limit through Redis on loopback ({n} permits per figure)");
    // Wall figures on a shared machine depend on what else runs: say how busy it was.
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!(
            "load average (1, 5, 15 min): {}",
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    let report = |name: &str, l: &RateLimiter, tasks: usize, server_pid: Option<u32>| {
        let server0 = server_pid.and_then(support::other_process_cpu);
        let (wall, cpu) = measure(&rt, l, n, tasks);
        let server = server_pid
            .and_then(support::other_process_cpu)
            .zip(server0)
            .map(|(b, a)| b.saturating_sub(a));
        println!(
            "bench-figure {name}_permits_per_second_wall {:.0} permits/s",
            n as f64 / wall.as_secs_f64()
        );
        if tasks == 1 {
            println!(
                "bench-figure {name}_latency_per_permit_wall {:.1} µs",
                per(wall, n)
            );
        }
        println!(
            "bench-figure {name}_client_cpu_per_permit_cpu {:.2} µs",
            per(cpu, n)
        );
        if let Some(s) = server {
            println!(
                "bench-figure {name}_server_cpu_per_permit_cpu {:.1} µs",
                per(s, n)
            );
        }
        wall
    };
    let gcra = report("redis_gcra_1_task", &l.gcra, 1, server_pid);
    let window = report("redis_sliding_window_1_task", &l.window, 1, server_pid);
    report("redis_gcra_16_tasks", &l.gcra, 16, server_pid);
    report("redis_sliding_window_16_tasks", &l.window, 16, server_pid);
    let local = report(
        "redis_baseline_in_process_token_bucket_1_task",
        &l.local,
        1,
        None,
    );
    println!(
        "bench-figure redis_added_latency_per_request_gcra_vs_in_process_wall {:.1} µs",
        per(gcra, n) - per(local, n)
    );
    println!(
        "bench-figure redis_added_latency_per_request_sliding_window_vs_in_process_wall {:.1} µs",
        per(window, n) - per(local, n)
    );
}

fn main() {
    let mut own = None;
    let url = match std::env::var("IDGRAPH_REDIS_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => match RedisServer::start("the redis_limiter bench") {
            Some(server) => own.insert(server).url(),
            None => return,
        },
    };
    let pid = own.as_ref().and_then(RedisServer::pid);
    let mut c = Criterion::default()
        .configure_from_args()
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    bench(&mut c, &url);
    c.final_summary();
    figures(&url, pid);
}
