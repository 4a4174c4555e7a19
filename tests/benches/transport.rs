//! Per-request overhead of the shared transport.
//!
//! Both sides send the same `GET /users/{id}` with the same headers to the same loopback
//! server and decode the same JSON body into the same struct:
//!
//! * `plain_reqwest`: a `reqwest::Client` and `serde_json`, nothing else;
//! * `http_client`: [`HttpClient`] with Bearer auth, the standard retry policy (its
//!   bookkeeping runs on every call), an unlimited rate limiter (a permit is still taken),
//!   the default 30 s attempt timeout, capped body reads and error-aware decoding.
//!
//! The server is a few lines of raw tokio TCP on its own thread, answering a fixed
//! keep-alive response, so that what is measured is the client, not a mock framework.
//!
//! After criterion's report, an interleaved A/B run (alternating batches, so drift in
//! machine load hits both sides alike) prints the ratio `http_client / plain_reqwest`.
//! Target: at most 1.10.
//!
//! Run: `cargo bench -p idgraph-tests --bench transport`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    missing_docs
)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use idgraph_common::auth::Bearer;
use idgraph_common::{HttpClient, RateLimiter, RetryPolicy, SecretString};
use reqwest::header::{ACCEPT, AUTHORIZATION, USER_AGENT};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BODY: &str = r#"{"id":"2819c223-7f76-453a-919d-413861904646","userName":"bjensen@example.com","name":{"givenName":"Barbara","familyName":"Jensen","formatted":"Ms. Barbara J Jensen III"},"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home","primary":false}],"active":true,"groups":["Auditors","Engineering"],"meta":{"created":"2026-01-23T04:56:22Z","lastModified":"2026-05-13T04:42:34Z","version":"W/\"3694e05e9dff591\""}}"#;
const TOKEN: &str = "bench-token-0123456789abcdef";
const UA: &str = concat!("idgraph-common/", env!("CARGO_PKG_VERSION"));

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct User {
    id: String,
    user_name: String,
    name: Name,
    emails: Vec<Email>,
    active: bool,
    groups: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Name {
    given_name: String,
    family_name: String,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Email {
    value: String,
    primary: bool,
}

/// Starts the loopback server on its own thread; answers every request with `BODY`.
fn start_server() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let response: &'static [u8] = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{BODY}",
        BODY.len()
    )
    .into_bytes()
    .leak();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (mut sock, _) = listener.accept().await.unwrap();
                sock.set_nodelay(true).unwrap();
                tokio::spawn(async move {
                    let mut buf = Vec::with_capacity(16 * 1024);
                    let mut chunk = [0u8; 8192];
                    loop {
                        let n = match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => n,
                        };
                        buf.extend_from_slice(&chunk[..n]);
                        // GET requests: no body, one response per header block.
                        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            buf.drain(..end + 4);
                            if sock.write_all(response).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
    });
    addr
}

struct Clients {
    plain: reqwest::Client,
    plain_url: String,
    ours: HttpClient,
}

fn clients(addr: SocketAddr) -> Clients {
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let ours = HttpClient::builder()
        .base_url(format!("http://{addr}"))
        .auth(Bearer::new(SecretString::from(TOKEN)))
        .retry_policy(RetryPolicy::standard())
        .rate_limiter(RateLimiter::unlimited())
        .build()
        .unwrap();
    Clients {
        plain,
        plain_url: format!("http://{addr}/users/2819c223-7f76-453a-919d-413861904646"),
        ours,
    }
}

async fn plain_request(c: &Clients) -> User {
    let resp = c
        .plain
        .get(&c.plain_url)
        .header(
            AUTHORIZATION,
            concat!("Bearer ", "bench-token-0123456789abcdef"),
        )
        .header(ACCEPT, "application/json")
        .header(USER_AGENT, UA)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let bytes = resp.bytes().await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn our_request(c: &Clients) -> User {
    c.ours
        .get(["users", "2819c223-7f76-453a-919d-413861904646"])
        .send_json()
        .await
        .unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn per_request_overhead(crit: &mut Criterion) {
    let addr = start_server();
    let rt = runtime();
    let c = clients(addr);
    // Warm both connection pools.
    rt.block_on(async {
        plain_request(&c).await;
        our_request(&c).await;
    });
    let mut group = crit.benchmark_group("transport");
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("plain_reqwest", |b| {
        b.to_async(&rt).iter(|| plain_request(&c));
    });
    group.bench_function("http_client", |b| {
        b.to_async(&rt).iter(|| our_request(&c));
    });
    group.finish();
}

/// Alternating batches of both clients; prints medians and the ratio.
fn ab_summary() {
    const ROUNDS: usize = 40;
    const PER_BATCH: u32 = 400;
    let addr = start_server();
    let rt = runtime();
    let c = clients(addr);
    let (mut plain, mut ours) = (Vec::new(), Vec::new());
    rt.block_on(async {
        for _ in 0..PER_BATCH {
            plain_request(&c).await;
            our_request(&c).await;
        }
        for round in 0..ROUNDS {
            for side in [round % 2, 1 - round % 2] {
                let start = Instant::now();
                for _ in 0..PER_BATCH {
                    if side == 0 {
                        std::hint::black_box(plain_request(&c).await);
                    } else {
                        std::hint::black_box(our_request(&c).await);
                    }
                }
                let per_request = start.elapsed() / PER_BATCH;
                if side == 0 {
                    plain.push(per_request);
                } else {
                    ours.push(per_request);
                }
            }
        }
    });
    let ratios: Vec<f64> = plain
        .iter()
        .zip(&ours)
        .map(|(p, o)| o.as_secs_f64() / p.as_secs_f64())
        .collect();
    // Other load on the machine only ever adds time, so the fastest batch of each side is
    // the least disturbed estimate; the median ratio of paired batches is shown beside it.
    let (p_min, o_min) = (min(&plain), min(&ours));
    let (p, o, r) = (median(plain), median(ours), median_f64(ratios));
    let r_min = o_min.as_secs_f64() / p_min.as_secs_f64();
    let verdict = |r: f64| if r <= 1.10 { "met" } else { "MISSED" };
    println!();
    println!("interleaved A/B, {ROUNDS} rounds of {PER_BATCH} requests per side:");
    println!("                 fastest batch   median batch");
    println!(
        "  plain_reqwest  {:>8.2} µs      {:>8.2} µs   per request",
        p_min.as_secs_f64() * 1e6,
        p.as_secs_f64() * 1e6
    );
    println!(
        "  http_client    {:>8.2} µs      {:>8.2} µs   per request",
        o_min.as_secs_f64() * 1e6,
        o.as_secs_f64() * 1e6
    );
    println!(
        "  ratio          {r_min:>8.3} ({})  {r:>8.3} ({})   target <= 1.10",
        verdict(r_min),
        verdict(r)
    );
}

fn min(v: &[Duration]) -> Duration {
    v.iter().copied().min().unwrap_or_default()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn median_f64(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

criterion_group!(benches, per_request_overhead);

/// `IDGRAPH_BENCH_ONLY=plain|http_client IDGRAPH_BENCH_N=<n>`: sends `n` requests with one
/// side only and exits, for instruction counting under `valgrind --tool=callgrind` (which,
/// unlike wall time, does not depend on what else the machine is doing). Run it with two
/// values of `n`; the difference divided by the difference in `n` is the per-request cost.
fn single_side(side: &str, n: u32) {
    let addr = start_server();
    let rt = runtime();
    let c = clients(addr);
    rt.block_on(async {
        for _ in 0..n {
            if side == "plain" {
                std::hint::black_box(plain_request(&c).await);
            } else {
                std::hint::black_box(our_request(&c).await);
            }
        }
    });
}

fn main() {
    if let Ok(side) = std::env::var("IDGRAPH_BENCH_ONLY") {
        let n = std::env::var("IDGRAPH_BENCH_N")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000);
        single_side(&side, n);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
    // Only when benchmarking (`cargo bench`), not when `cargo test --benches` smoke-runs
    // this binary.
    if std::env::args().any(|a| a == "--bench") && !std::env::args().any(|a| a == "--test") {
        ab_summary();
    }
}
