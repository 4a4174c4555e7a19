//! Three worker processes onboard users into one Proofpoint Essentials tenant through one
//! rate budget shared in Redis, and the vendor never answers 429.
//!
//! ```text
//! bash .ci/redis-server.sh run -- cargo run -p idgraph-tests --example shared_budget
//! ```
//!
//! Redis: `IDGRAPH_REDIS_URL`, or else a `redis-server` from `PATH` started for the run
//! on a free loopback port.
//!
//! The parent starts the Proofpoint Essentials fake with its rolling window on a clock ten
//! times faster than the vendor's (100 requests per any 6 s instead of per 60 s), then
//! starts three copies of itself as workers. Each worker builds an ordinary
//! `proofpoint_essentials::Client` whose rate limiter is a
//! `idgraph_common::redis::RedisRateLimit` named after the API key's id (never the key),
//! and creates its share of 200 users. The parent prints what each worker did and what
//! the fake saw, and exits non-zero if any request was answered 429, any user is missing,
//! or the workers took longer than the budget allows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use idgraph_common::SecretString;
use idgraph_common::redis::{Redis, RedisRateLimit};
use idgraph_tests::redis_env::RedisServer;
use proofpoint_essentials::testing::{FAKE_API_KEY, FAKE_API_SECRET, FakeEssentials};
use proofpoint_essentials::{
    ApiKey, ApiSecret, Client, NewUser, PrimaryEmail, TransportSettings, UserPassword, UserType,
};

const WORKERS: usize = 3;
const USERS: usize = 200;
const QUOTA: u32 = 100;
const WINDOW: Duration = Duration::from_secs(6);

#[tokio::main]
async fn main() {
    match std::env::var("SHARED_BUDGET_WORKER") {
        Ok(id) => worker(id.parse().unwrap()).await,
        Err(_) => parent().await,
    }
}

async fn worker(id: usize) {
    let env = |k: &str| std::env::var(k).unwrap();
    let redis = Redis::builder()
        .url(SecretString::from(env("IDGRAPH_REDIS_URL")))
        .connect()
        .await
        .unwrap();
    // One budget per API key, named after the key's id: every worker that uses this key
    // shares it, whatever process or container it runs in.
    let limiter = RedisRateLimit::builder(&redis, env("SHARED_BUDGET_NAME"))
        .quota(QUOTA, WINDOW)
        .sliding_window()
        .build()
        .unwrap()
        .into_limiter();
    let client = Client::builder()
        .base_url(env("SHARED_BUDGET_FAKE_URL"))
        .api_key(ApiKey::new(FAKE_API_KEY))
        .api_secret(ApiSecret::new(FAKE_API_SECRET))
        .transport(TransportSettings::new().rate_limiter(limiter))
        .build()
        .unwrap();
    let users = client.users();
    let started = Instant::now();
    let mut created = 0;
    // Worker i onboards users i, i + 3, i + 6, …
    for n in (id..USERS).step_by(WORKERS) {
        let email = PrimaryEmail::new(format!("new-hire-{n:03}@example.com")).unwrap();
        let new = NewUser::new(email, UserType::User)
            .names("New", format!("Hire {n}"))
            .password(UserPassword::new("Temp@1234"));
        match users.create(&new).await {
            Ok(_) => created += 1,
            Err(e) => eprintln!("worker {id}: {e}"),
        }
    }
    println!(
        "worker {id} (pid {}): created {created} users in {:.1} s",
        std::process::id(),
        started.elapsed().as_secs_f64()
    );
}

async fn parent() {
    // Keep our own server alive for the whole run when there is no shared one.
    let mut own = None;
    let url = match std::env::var("IDGRAPH_REDIS_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            let Some(server) = RedisServer::start("the shared_budget example") else {
                eprintln!("set IDGRAPH_REDIS_URL or install redis-server");
                std::process::exit(2);
            };
            own.insert(server).url()
        }
    };
    let fake = FakeEssentials::builder()
        .rate_limit(Some((QUOTA, WINDOW)))
        .start()
        .await;
    let name = format!("proofpoint:fake-key-id:{}", std::process::id());
    println!(
        "Proofpoint Essentials fake at {} (at most {QUOTA} requests in any {WINDOW:?}); \
         {WORKERS} workers, {USERS} users, one budget `{name}` in Redis",
        fake.rest_base_url()
    );
    let started = Instant::now();
    let exe = std::env::current_exe().unwrap();
    let workers: Vec<_> = (0..WORKERS)
        .map(|id| {
            Command::new(&exe)
                .env("SHARED_BUDGET_WORKER", id.to_string())
                .env("SHARED_BUDGET_NAME", &name)
                .env("SHARED_BUDGET_FAKE_URL", fake.rest_base_url())
                .env("IDGRAPH_REDIS_URL", &url)
                .stdout(Stdio::inherit())
                .spawn()
                .unwrap()
        })
        .collect();
    let ok = tokio::task::spawn_blocking(move || {
        workers
            .into_iter()
            .all(|mut w| w.wait().is_ok_and(|s| s.success()))
    })
    .await
    .unwrap();
    let took = started.elapsed();

    let throttled = fake.throttled();
    let most = fake.max_requests_in(WINDOW);
    println!(
        "{} users created in {:.1} s by {WORKERS} processes; the fake answered 429 {throttled} \
         times; at most {most} requests in any {WINDOW:?}",
        fake.user_count(),
        took.as_secs_f64()
    );
    // A full quota per window: 200 requests need one window after the first burst
    // (about 6 s), never less.
    let fastest = WINDOW * (USERS as u32).div_ceil(QUOTA).saturating_sub(1);
    let mut failed = Vec::new();
    if !ok {
        failed.push("a worker failed".to_owned());
    }
    if throttled > 0 {
        failed.push(format!("{throttled} requests were answered 429"));
    }
    if fake.user_count() != USERS {
        failed.push(format!("{} of {USERS} users exist", fake.user_count()));
    }
    if took > fastest + Duration::from_secs(8) {
        failed.push(format!(
            "took {took:?}, the budget allows about {fastest:?}"
        ));
    }
    if !failed.is_empty() {
        eprintln!("FAILED: {}", failed.join("; "));
        std::process::exit(1);
    }
    println!("OK: one shared budget, no 429, every user onboarded");
}
