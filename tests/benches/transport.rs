//! Per-request overhead of the shared transport, and what each of its parts costs.
//!
//! Every side sends the same `GET /users/{id}` with the same headers to the same loopback
//! server and decodes the same ~500-byte JSON body into the same struct:
//!
//! * `plain`: a `reqwest::Client` and `serde_json`, nothing else;
//! * `sdk`: [`HttpClient`] as a client ships it: Bearer auth, the standard retry policy
//!   (its bookkeeping runs on every call), an unlimited rate limiter (a permit is still
//!   taken), the default 30 s attempt timeout, capped body reads, error-aware decoding and
//!   the `tracing` spans (no subscriber: the common case);
//! * `sdk_no_attempt_timeout`, `sdk_no_limiter`, `sdk_bare` (neither): the same client
//!   without one suspect, so that each one's cost is measured in the same run.
//!
//! The server is a few lines of raw tokio TCP on its own thread, answering a fixed
//! keep-alive response, so that what is measured is the client, not a mock framework.
//!
//! After criterion's report (`plain` and `sdk`), an interleaved run (rounds of one batch
//! per side, in a rotating order, so that drift in machine load hits every side alike)
//! prints `bench-figure NAME VALUE UNIT` lines, each labelled `wall` (elapsed time) or
//! `cpu` (the client thread's own CPU time, from `CLOCK_THREAD_CPUTIME_ID`; the
//! client runs on a current-thread runtime, so its connection tasks run on that thread):
//!
//! * `transport_{side}_per_request_{wall,cpu}`: the median batch, µs per request;
//! * `transport_sdk_vs_plain_{wall,cpu}`: the median of the per-round ratios (target
//!   ≤ 1.03 wall);
//! * `transport_{attempt_timeout,limiter_permit}_cost_{wall,cpu}`: `sdk` minus the side
//!   without it, the median of the per-round differences, ns per request;
//! * `transport_{span,attempt_timer,limiter_permit}_alone_wall`: each suspect on its own in
//!   a tight loop (the two spans and their instrumentation, an armed and dropped 30 s
//!   timeout around a future that is pending once, an unlimited permit), ns each.
//!
//! On a 2-core machine shared with builds, run it pinned to one CPU (`taskset -c 1 …`,
//! as `tests/benches/figures.sh` does): the client and the server then take turns on
//! one core, and the wall figures stop depending on how the scheduler spreads them.
//!
//! Instructions (which do not depend on machine load) are counted by
//! `tests/benches/figures.sh` under callgrind: `IDGRAPH_BENCH_ONLY=<side>
//! IDGRAPH_BENCH_N=<n>` sends `n` requests with one side only and exits.
//!
//! Run: `cargo bench -p idgraph-tests --bench transport` (`IDGRAPH_BENCH_FIGURES_ONLY=1`
//! skips criterion; `IDGRAPH_BENCH_ROUNDS` sets the rounds, 60 by default).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    missing_docs
)]

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use idgraph_common::auth::Bearer;
use idgraph_common::{HttpClient, RateLimiter, RetryPolicy, SecretString};
use reqwest::header::{ACCEPT, AUTHORIZATION, USER_AGENT};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tracing::Instrument as _;

const BODY: &str = r#"{"id":"2819c223-7f76-453a-919d-413861904646","userName":"bjensen@example.com","name":{"givenName":"Barbara","familyName":"Jensen","formatted":"Ms. Barbara J Jensen III"},"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home","primary":false}],"active":true,"groups":["Auditors","Engineering"],"meta":{"created":"2026-01-23T04:56:22Z","lastModified":"2026-05-13T04:42:34Z","version":"W/\"3694e05e9dff591\""}}"#;
const TOKEN: &str = "bench-token-0123456789abcdef";
const UA: &str = concat!("idgraph-common/", env!("CARGO_PKG_VERSION"));
const ID: &str = "2819c223-7f76-453a-919d-413861904646";

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

/// The sides, in the order they are reported.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    Plain,
    Sdk,
    SdkNoAttemptTimeout,
    SdkNoLimiter,
    SdkBare,
}

const SIDES: [Side; 5] = [
    Side::Plain,
    Side::Sdk,
    Side::SdkNoAttemptTimeout,
    Side::SdkNoLimiter,
    Side::SdkBare,
];

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Plain => "plain",
            Side::Sdk => "sdk",
            Side::SdkNoAttemptTimeout => "sdk_no_attempt_timeout",
            Side::SdkNoLimiter => "sdk_no_limiter",
            Side::SdkBare => "sdk_bare",
        }
    }

    fn from_name(name: &str) -> Option<Side> {
        // `http_client` is the name earlier versions of this bench used for `sdk`.
        let name = if name == "http_client" { "sdk" } else { name };
        SIDES.into_iter().find(|s| s.name() == name)
    }
}

struct Clients {
    plain: reqwest::Client,
    plain_url: String,
    /// `sdk`, `sdk_no_attempt_timeout`, `sdk_no_limiter`, `sdk_bare`.
    sdk: [HttpClient; 4],
}

fn clients(addr: SocketAddr) -> Clients {
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let sdk = |timeout: bool, limiter: bool| {
        let mut b = HttpClient::builder()
            .base_url(format!("http://{addr}"))
            .auth(Bearer::new(SecretString::from(TOKEN)))
            .retry_policy(RetryPolicy::standard());
        if limiter {
            b = b.rate_limiter(RateLimiter::unlimited());
        }
        if !timeout {
            b = b.no_attempt_timeout();
        }
        b.build().unwrap()
    };
    Clients {
        plain,
        plain_url: format!("http://{addr}/users/{ID}"),
        sdk: [
            sdk(true, true),
            sdk(false, true),
            sdk(true, false),
            sdk(false, false),
        ],
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

async fn sdk_request(client: &HttpClient) -> User {
    client.get(["users", ID]).send_json().await.unwrap()
}

async fn request(c: &Clients, side: Side) -> User {
    match side {
        Side::Plain => plain_request(c).await,
        Side::Sdk => sdk_request(&c.sdk[0]).await,
        Side::SdkNoAttemptTimeout => sdk_request(&c.sdk[1]).await,
        Side::SdkNoLimiter => sdk_request(&c.sdk[2]).await,
        Side::SdkBare => sdk_request(&c.sdk[3]).await,
    }
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
        sdk_request(&c.sdk[0]).await;
    });
    let mut group = crit.benchmark_group("transport");
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("plain_reqwest", |b| {
        b.to_async(&rt).iter(|| plain_request(&c));
    });
    group.bench_function("http_client", |b| {
        b.to_async(&rt).iter(|| sdk_request(&c.sdk[0]));
    });
    group.finish();
}

criterion_group!(benches, per_request_overhead);

/// Per-request wall and client-thread CPU time of each side, in rounds of one batch per
/// side (the order rotates from round to round).
struct Batches {
    wall: Vec<Vec<f64>>,
    cpu: Vec<Vec<f64>>,
}

fn interleaved(rounds: usize, per_batch: u32) -> Batches {
    let addr = start_server();
    let rt = runtime();
    let c = clients(addr);
    let mut out = Batches {
        wall: vec![Vec::new(); SIDES.len()],
        cpu: vec![Vec::new(); SIDES.len()],
    };
    rt.block_on(async {
        for _ in 0..per_batch {
            for side in SIDES {
                std::hint::black_box(request(&c, side).await);
            }
        }
        for round in 0..rounds {
            for k in 0..SIDES.len() {
                let i = (round + k) % SIDES.len();
                let (start, cpu0) = (Instant::now(), support::thread_cpu());
                for _ in 0..per_batch {
                    std::hint::black_box(request(&c, SIDES[i]).await);
                }
                let wall = start.elapsed().as_secs_f64() / f64::from(per_batch);
                let cpu = support::thread_cpu()
                    .zip(cpu0)
                    .map_or(0.0, |(b, a)| (b - a).as_secs_f64() / f64::from(per_batch));
                out.wall[i].push(wall);
                out.cpu[i].push(cpu);
            }
        }
    });
    out
}

/// Polls `fut` once with a waker that does nothing (every suspect below is measured on a
/// future that is pending at its first poll, as a request is), then drops it.
fn poll_once<F: std::future::Future>(fut: F) {
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let _ = std::hint::black_box(fut.as_mut().poll(&mut cx));
}

/// Each suspect alone, in a tight loop inside the runtime: the two spans a request opens
/// (with the same fields) and the instrumentation of both futures, an armed and dropped
/// 30 s timeout, an unlimited permit. Rounds of one chunk per suspect; each figure is the
/// median over the rounds of (suspect − a bare pending future), ns per call (wall time
/// of a loop that never blocks).
fn suspects_alone(rounds: usize, per_chunk: u32) -> [(&'static str, f64); 3] {
    let rt = runtime();
    let limiter = RateLimiter::unlimited();
    let run = |which: usize| {
        for _ in 0..per_chunk {
            match which {
                0 => poll_once(std::future::pending::<()>()),
                1 => {
                    let op = tracing::info_span!(
                        "http.client.operation",
                        otel.name = "GET /users/x",
                        otel.kind = "client",
                        http.request.method = "GET",
                        url.path = "/users/x",
                        server.address = "127.0.0.1",
                        http.response.status_code = tracing::field::Empty,
                        error.type = tracing::field::Empty,
                    );
                    let attempt = tracing::debug_span!(
                        "http.client.attempt",
                        retry.attempt = 1u32,
                        http.response.status_code = tracing::field::Empty,
                    );
                    poll_once(
                        async { std::future::pending::<()>().instrument(attempt).await }
                            .instrument(op),
                    );
                }
                2 => poll_once(tokio::time::timeout(
                    Duration::from_secs(30),
                    std::future::pending::<()>(),
                )),
                _ => poll_once(async {
                    limiter.acquire().await.unwrap();
                    std::future::pending::<()>().await;
                }),
            }
        }
    };
    let mut per: Vec<Vec<f64>> = vec![Vec::new(); 4];
    rt.block_on(async {
        // As in a running client, the time driver has parked once with an earlier timer
        // pending (the previous request's): registering a later timer then does not wake
        // the driver (a write to its eventfd), as it would for the earliest timer.
        let idle = tokio::time::sleep(Duration::from_secs(20));
        tokio::pin!(idle);
        poll_once(idle.as_mut());
        tokio::time::sleep(Duration::from_millis(1)).await;
        for which in 0..4 {
            run(which); // warm up
        }
        for round in 0..rounds {
            for k in 0..4 {
                let which = (round + k) % 4;
                // Elapsed time: these loops never block, and the kernel's per-thread CPU
                // clock in /proc is only updated when a thread blocks or at a tick.
                let start = Instant::now();
                run(which);
                let ns = start.elapsed().as_secs_f64() * 1e9 / f64::from(per_chunk);
                per[which].push(ns);
            }
        }
    });
    let minus_base = |i: usize| {
        let d: Vec<f64> = per[i].iter().zip(&per[0]).map(|(x, b)| x - b).collect();
        support::median(&d)
    };
    [
        ("transport_span_alone_wall", minus_base(1)),
        ("transport_attempt_timer_alone_wall", minus_base(2)),
        ("transport_limiter_permit_alone_wall", minus_base(3)),
    ]
}

fn figures(quick: bool) {
    let rounds: usize = std::env::var("IDGRAPH_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 2 } else { 60 });
    let per_batch = if quick { 20 } else { 400 };
    println!();
    println!(
        "transport, interleaved: {rounds} rounds of {per_batch} requests per side ({})",
        support::machine_line()
    );
    let b = interleaved(rounds, per_batch);
    let idx = |s: Side| SIDES.iter().position(|x| *x == s).unwrap();
    for (kind, data) in [("wall", &b.wall), ("cpu", &b.cpu)] {
        for side in SIDES {
            let v = &data[idx(side)];
            println!(
                "bench-figure transport_{}_per_request_{kind} {:.2} µs (median batch; fastest {:.2})",
                side.name(),
                support::median(v) * 1e6,
                support::min(v) * 1e6,
            );
        }
        let paired = |a: Side, b: Side, f: fn(f64, f64) -> f64| -> Vec<f64> {
            data[idx(a)]
                .iter()
                .zip(&data[idx(b)])
                .map(|(x, y)| f(*x, *y))
                .collect()
        };
        let ratio = support::median(&paired(Side::Sdk, Side::Plain, |a, b| a / b));
        let target = if kind == "wall" {
            " (target <= 1.03)"
        } else {
            ""
        };
        println!("bench-figure transport_sdk_vs_plain_{kind} {ratio:.3} ratio{target}");
        for (name, without) in [
            ("attempt_timeout", Side::SdkNoAttemptTimeout),
            ("limiter_permit", Side::SdkNoLimiter),
        ] {
            let d = support::median(&paired(Side::Sdk, without, |a, b| a - b));
            println!(
                "bench-figure transport_{name}_cost_{kind} {:.0} ns",
                d * 1e9
            );
        }
        let d = support::median(&paired(Side::Sdk, Side::Plain, |a, b| a - b));
        println!(
            "bench-figure transport_sdk_overhead_{kind} {:.0} ns",
            d * 1e9
        );
    }
    let (rounds, per_chunk) = if quick { (2, 1_000) } else { (40, 20_000) };
    for (name, ns) in suspects_alone(rounds, per_chunk) {
        println!("bench-figure {name} {ns:.0} ns");
    }
}

/// `IDGRAPH_BENCH_ONLY=<side> IDGRAPH_BENCH_N=<n>`: sends `n` requests with one side only
/// and exits, for instruction counting under `valgrind --tool=callgrind` (which, unlike
/// wall time, does not depend on what else the machine is doing). Run it with two values
/// of `n`; the difference divided by the difference in `n` is the per-request cost.
fn single_side(side: Side, n: u32) {
    let addr = start_server();
    let rt = runtime();
    let c = clients(addr);
    rt.block_on(async {
        for _ in 0..n {
            std::hint::black_box(request(&c, side).await);
        }
    });
}

fn main() {
    if let Ok(name) = std::env::var("IDGRAPH_BENCH_ONLY") {
        let side = Side::from_name(&name).unwrap_or_else(|| {
            panic!(
                "IDGRAPH_BENCH_ONLY={name}: not one of {:?}",
                SIDES.map(Side::name)
            )
        });
        let n = std::env::var("IDGRAPH_BENCH_N")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000);
        single_side(side, n);
        return;
    }
    if std::env::var_os("IDGRAPH_BENCH_SUSPECTS_ONLY").is_some() {
        for (name, ns) in suspects_alone(4, 20_000) {
            println!("bench-figure {name} {ns:.0} ns");
        }
        return;
    }
    // `cargo test --benches` smoke-runs this binary with `--test`: a quick pass only.
    let quick = std::env::args().any(|a| a == "--test");
    if !quick && std::env::var_os("IDGRAPH_BENCH_FIGURES_ONLY").is_none() {
        benches();
        Criterion::default().configure_from_args().final_summary();
    }
    figures(quick);
}
