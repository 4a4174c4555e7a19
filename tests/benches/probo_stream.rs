//! probo-scim streaming performance: users streamed from a loopback SCIM server in pages
//! of 1,000.
//!
//! * **Time**: `probo_scim` (`client.users().list().page_size(1000).stream()`, with the
//!   paginator's repeat guard and completeness checks) against a hand-written `reqwest` +
//!   `serde_json` loop over the same pages, decoding into the same `scim_types::User`,
//!   measured in the same run, interleaved. Target: at most 1.15× wall.
//! * **Memory**: peak live heap bytes (a counting global allocator) while streaming
//!   100,000 and 1,000,000 users. Target: bounded by a few pages plus the repeat guard's
//!   keys (each id once, about 60 bytes per user), not by the users themselves.
//!
//! The server is a few lines of blocking HTTP/1.1 on loopback (keep-alive) that
//! generates each page on the fly from `startIndex`/`count`: it never holds N users.
//! It runs in this process (a thread per connection), so its allocations are counted and
//! `process_cpu` includes its work, which dilutes that ratio; `client_cpu` is the client
//! thread alone (from `CLOCK_THREAD_CPUTIME_ID`: the client runs on a current-thread
//! runtime). Each figure is a `bench-figure NAME VALUE UNIT` line:
//!
//! * `probo_stream_100k_{sdk,by_hand}_{wall,client_cpu,process_cpu}`: medians, ms;
//! * `probo_stream_100k_sdk_vs_by_hand_{wall,client_cpu,process_cpu}`: the median of the
//!   per-round ratios;
//! * `probo_stream_100k_{sdk,by_hand}_separate_process_cpu` and
//!   `probo_stream_100k_sdk_vs_by_hand_separate_process_cpu`: the same rounds against the
//!   same server run as a process of its own (this binary, `PROBO_STREAM_SERVE=1`), so that
//!   the client process's CPU (every thread of it) is the client's alone;
//! * `probo_stream_{100k,1000k}_{sdk,by_hand}_peak_heap`: MiB above the baseline;
//! * `probo_stream_page_of_1000_json`: the size of one page, MiB.
//!
//! Client-thread instructions (`PROBO_STREAM_PROFILE=sdk|hand` under callgrind) are
//! counted by `tests/benches/figures.sh`.
//!
//! Run: `cargo bench -p idgraph-tests --bench probo_stream` (`IDGRAPH_BENCH_FIGURES_ONLY=1`
//! skips criterion).
// A benchmark: a panic is a failed run, and the report is printed on purpose.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::pin::pin;
use std::time::{Duration, Instant};

mod support;

use criterion::{Criterion, Throughput};
use futures::TryStreamExt;
use peak_alloc::PeakAlloc;
use probo_scim::{Client, ScimToken};
use scim_types::{ListResponse, User};

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

const PAGE: u32 = 1_000;
const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

// ------------------------------------------------------------------ loopback server

fn start_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || serve(conn));
        }
    });
    addr
}

/// `PROBO_STREAM_SERVE=1`: this process is only the server. It prints its address on one
/// line, serves until its standard input closes (the parent ended or dropped it), then exits.
fn serve_as_process() {
    let addr = start_server();
    println!("{addr}");
    std::io::stdout().flush().unwrap();
    let mut sink = Vec::new();
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
}

/// The loopback server as a child process (this executable in serve mode), stopped on drop.
struct ServerProcess {
    child: std::process::Child,
    addr: SocketAddr,
}

impl ServerProcess {
    fn start() -> Self {
        use std::process::{Command, Stdio};
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env("PROBO_STREAM_SERVE", "1")
            .env_remove("PROBO_STREAM_PROFILE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line.trim().parse().unwrap();
        Self { child, addr }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One keep-alive connection: read a request head, answer with a generated page.
fn serve(conn: TcpStream) {
    conn.set_nodelay(true).unwrap();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut writer = conn;
    let mut line = String::new();
    let mut body = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let target = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" || line == "\n" {
                break;
            }
        }
        body.clear();
        write_page(&target, &mut body);
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(&body).is_err() {
            return;
        }
    }
}

/// `/n/{N}/Users?startIndex=…&count=…` → the page, as Probo renders users.
fn write_page(target: &str, out: &mut Vec<u8>) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let total: u64 = path
        .split('/')
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let mut start = 1u64;
    let mut count = u64::from(PAGE);
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("startIndex", v)) => start = v.parse().unwrap_or(1).max(1),
            Some(("count", v)) => count = v.parse().unwrap_or(count),
            _ => {}
        }
    }
    let end = (start + count).min(total + 1);
    out.extend_from_slice(b"{\"Resources\":[");
    for i in start..end {
        if i > start {
            out.push(b',');
        }
        write_user(i, out);
    }
    write!(
        out,
        "],\"itemsPerPage\":{},\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],\"startIndex\":{start},\"totalResults\":{total}}}",
        end.saturating_sub(start)
    )
    .unwrap();
}

/// A full Probo user (every key, as `userToResource` writes it), ≈ 1 KiB.
fn write_user(i: u64, out: &mut Vec<u8>) {
    write!(
        out,
        concat!(
            "{{\"active\":{active},\"displayName\":\"User {i}\",",
            "\"emails\":[{{\"primary\":true,\"type\":\"work\",\"value\":\"user{i}@example.com\"}}],",
            "\"externalId\":\"00u{i:010}\",\"id\":\"ABEiM0RVZncAMw{i:018}\",\"locale\":\"en-US\",",
            "\"meta\":{{\"resourceType\":\"User\",\"created\":\"2026-08-21T17:36:25Z\",",
            "\"lastModified\":\"2026-08-21T17:36:25Z\",\"location\":\"Users/ABEiM0RVZncAMw{i:018}\"}},",
            "\"name\":{{\"familyName\":\"Doe\",\"formatted\":\"User {i}\",\"givenName\":\"User\",",
            "\"honorificPrefix\":\"\",\"honorificSuffix\":\"\",\"middleName\":\"\"}},",
            "\"nickName\":\"\",\"preferredLanguage\":\"en-US\",\"profileUrl\":\"\",",
            "\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\",",
            "\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"],",
            "\"timezone\":\"Europe/Paris\",\"title\":\"Engineer\",",
            "\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":{{",
            "\"costCenter\":\"CC-{cc}\",\"department\":\"Engineering\",\"division\":\"\",",
            "\"employeeNumber\":\"E{i}\",\"manager\":{{\"value\":\"\"}},\"organization\":\"Example\"}},",
            "\"userName\":\"user{i}@example.com\",\"userType\":\"\"}}"
        ),
        active = !i.is_multiple_of(9),
        i = i,
        cc = i % 50,
    )
    .unwrap();
}

// ------------------------------------------------------------------ the two clients

fn root(addr: SocketAddr, n: u64) -> String {
    format!("http://{addr}/n/{n}")
}

fn probo_client(addr: SocketAddr, n: u64) -> Client {
    Client::builder()
        .scim_url(root(addr, n))
        .token(ScimToken::new(TOKEN))
        .page_size(PAGE)
        .build()
        .unwrap()
}

/// The SDK: one lazy stream.
async fn via_probo_scim(client: &Client) -> u64 {
    let mut users = pin!(client.users().list().page_size(PAGE).stream());
    let mut n = 0;
    while let Some(user) = users.try_next().await.unwrap() {
        black_box(&user);
        n += 1;
    }
    n
}

/// Diagnostics: the page stream (no item flattening).
async fn via_pages(client: &Client) -> u64 {
    let mut pages = pin!(client.users().list().page_size(PAGE).pages());
    let mut n = 0;
    while let Some(page) = pages.try_next().await.unwrap() {
        for user in page.items {
            black_box(&user);
            n += 1;
        }
    }
    n
}

/// Diagnostics: the transport alone (no paginator).
async fn via_transport(client: &Client, total: u64) -> u64 {
    let http = client.scim().http();
    let mut start = 1u64;
    let mut n = 0;
    loop {
        let page: ListResponse<User> = http
            .get(["Users"])
            .query("startIndex", start)
            .query("count", PAGE)
            .send_json()
            .await
            .unwrap();
        let got = page.resources.len() as u64;
        for user in page.resources {
            black_box(&user);
        }
        n += got;
        if got == 0 || n >= total {
            return n;
        }
        start += got;
    }
}

/// The baseline: what one would write by hand with reqwest and serde_json.
async fn by_hand(http: &reqwest::Client, base: &str) -> u64 {
    let mut start = 1u64;
    let mut n = 0;
    loop {
        let bytes = http
            .get(format!("{base}/Users?startIndex={start}&count={PAGE}"))
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("accept", "application/scim+json, application/json")
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let page: ListResponse<User> = serde_json::from_slice(&bytes).unwrap();
        drop(bytes);
        let got = page.resources.len() as u64;
        for user in page.resources {
            black_box(&user);
        }
        n += got;
        if got == 0 || start - 1 + got >= page.total_results {
            return n;
        }
        start += got;
    }
}

// ------------------------------------------------------------------ report

/// This process's CPU time (user + system, all threads); zero where unavailable.
fn cpu_time() -> Duration {
    support::process_cpu().unwrap_or_default()
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Peak live heap bytes above what was live before `f` ran.
fn peak_of(
    rt: &tokio::runtime::Runtime,
    f: impl std::future::Future<Output = u64>,
) -> (u64, usize) {
    let before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let n = rt.block_on(f);
    (n, HEAP.peak_usage().saturating_sub(before))
}

fn report(rt: &tokio::runtime::Runtime, addr: SocketAddr, quick: bool) {
    let n: u64 = if quick { 5_000 } else { 100_000 };
    let rounds = if quick { 1 } else { 15 };
    let client_sdk = probo_client(addr, n);
    let http = reqwest::Client::new();
    let base = root(addr, n);
    // Warm both connection pools and code paths.
    assert_eq!(rt.block_on(via_probo_scim(&client_sdk)), n);
    assert_eq!(rt.block_on(by_hand(&http, &base)), n);
    let (mut sdk, mut hand) = (Vec::new(), Vec::new());
    let (mut sdk_cpu, mut hand_cpu) = (Vec::new(), Vec::new());
    let (mut sdk_client, mut hand_client) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate which goes first, so drift affects both alike.
        for which in [round % 2, 1 - round % 2] {
            let (t, cpu, client) = (Instant::now(), cpu_time(), support::thread_cpu());
            let got = if which == 0 {
                rt.block_on(via_probo_scim(&client_sdk))
            } else {
                rt.block_on(by_hand(&http, &base))
            };
            assert_eq!(got, n);
            let (wall, cpu) = (t.elapsed(), cpu_time().saturating_sub(cpu));
            let client = support::thread_cpu()
                .zip(client)
                .map_or(Duration::ZERO, |(b, a)| b.saturating_sub(a));
            if which == 0 {
                sdk.push(wall);
                sdk_cpu.push(cpu);
                sdk_client.push(client);
            } else {
                hand.push(wall);
                hand_cpu.push(cpu);
                hand_client.push(client);
            }
        }
    }
    if std::env::var("PROBO_STREAM_VERBOSE").is_ok() {
        println!("sdk  {sdk:?}\nhand {hand:?}\nsdk cpu  {sdk_cpu:?}\nhand cpu {hand_cpu:?}");
    }
    println!(
        "probo_stream: {n} users in pages of {PAGE}, {rounds} interleaved rounds ({})",
        support::machine_line()
    );
    // Per-round ratios (both sides ran back to back), then their median.
    let ratio = |a: &[Duration], b: &[Duration]| {
        let r: Vec<f64> = a
            .iter()
            .zip(b)
            .map(|(x, y)| x.as_secs_f64() / y.as_secs_f64().max(1e-9))
            .collect();
        support::median(&r)
    };
    let ms = |v: &[Duration]| support::median(v).as_secs_f64() * 1e3;
    let k = n / 1000;
    for (kind, s, h) in [
        ("wall", &sdk, &hand),
        ("client_cpu", &sdk_client, &hand_client),
        ("process_cpu", &sdk_cpu, &hand_cpu),
    ] {
        println!("bench-figure probo_stream_{k}k_sdk_{kind} {:.1} ms", ms(s));
        println!(
            "bench-figure probo_stream_{k}k_by_hand_{kind} {:.1} ms",
            ms(h)
        );
        println!(
            "bench-figure probo_stream_{k}k_sdk_vs_by_hand_{kind} {:.3} ratio",
            ratio(s, h)
        );
    }

    // The same rounds with the server in a process of its own: this process's CPU is then
    // the client's alone (its runtime thread and anything reqwest or the SDK start).
    let server = ServerProcess::start();
    let client_sdk = probo_client(server.addr, n);
    let base = root(server.addr, n);
    let http = reqwest::Client::new();
    assert_eq!(rt.block_on(via_probo_scim(&client_sdk)), n);
    assert_eq!(rt.block_on(by_hand(&http, &base)), n);
    let (mut sdk_proc, mut hand_proc) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        for which in [round % 2, 1 - round % 2] {
            let before = support::process_cpu();
            let got = if which == 0 {
                rt.block_on(via_probo_scim(&client_sdk))
            } else {
                rt.block_on(by_hand(&http, &base))
            };
            assert_eq!(got, n);
            let cpu = support::process_cpu()
                .zip(before)
                .map_or(Duration::ZERO, |(b, a)| b.saturating_sub(a));
            if which == 0 {
                sdk_proc.push(cpu);
            } else {
                hand_proc.push(cpu);
            }
        }
    }
    drop(server);
    println!(
        "bench-figure probo_stream_{k}k_sdk_separate_process_cpu {:.1} ms",
        ms(&sdk_proc)
    );
    println!(
        "bench-figure probo_stream_{k}k_by_hand_separate_process_cpu {:.1} ms",
        ms(&hand_proc)
    );
    println!(
        "bench-figure probo_stream_{k}k_sdk_vs_by_hand_separate_process_cpu {:.3} ratio (server in its own process)",
        ratio(&sdk_proc, &hand_proc)
    );

    let mut page_bytes = Vec::new();
    write_page(
        &format!("/n/{n}/Users?startIndex=1&count={PAGE}"),
        &mut page_bytes,
    );
    println!(
        "bench-figure probo_stream_page_of_{PAGE}_json {:.2} MiB",
        mib(page_bytes.len())
    );
    let sizes: &[u64] = if quick {
        &[2_000, 20_000]
    } else {
        &[100_000, 1_000_000]
    };
    for &n in sizes {
        let client = probo_client(addr, n);
        let base = root(addr, n);
        // Measure warm clients: the first request of a fresh connection grows buffers
        // that then stay for the connection's life (the hand-written client is warm too).
        let warm = client.users().list().page_size(PAGE).max_pages(1).stream();
        assert_eq!(
            rt.block_on(warm.try_collect::<Vec<_>>()).unwrap().len() as u32,
            PAGE
        );
        let (got, sdk_peak) = peak_of(rt, via_probo_scim(&client));
        assert_eq!(got, n);
        let (got, hand_peak) = peak_of(rt, by_hand(&http, &base));
        assert_eq!(got, n);
        // Live heap, this process: the loopback server's buffers included.
        let k = n / 1000;
        println!(
            "bench-figure probo_stream_{k}k_sdk_peak_heap {:.2} MiB",
            mib(sdk_peak)
        );
        println!(
            "bench-figure probo_stream_{k}k_by_hand_peak_heap {:.2} MiB",
            mib(hand_peak)
        );
    }
}

fn main() {
    if std::env::var_os("PROBO_STREAM_SERVE").is_some() {
        serve_as_process();
        return;
    }
    let quick = std::env::args().any(|a| a == "--test");
    let addr = start_server();
    // One client thread (the connection task runs beside the stream, as in most CLI
    // tools), one server thread per connection.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // `PROBO_STREAM_PROFILE=sdk|pages|transport|hand` (and optionally `PROBO_STREAM_N`, default
    // 100,000): only stream the users five times, for `perf` or `valgrind`.
    if let Ok(which) = std::env::var("PROBO_STREAM_PROFILE") {
        let n: u64 = std::env::var("PROBO_STREAM_N")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(100_000);
        let (client, http, base) = (probo_client(addr, n), reqwest::Client::new(), root(addr, n));
        for _ in 0..5 {
            let got = if which == "sdk" {
                rt.block_on(via_probo_scim(&client))
            } else if which == "pages" {
                rt.block_on(via_pages(&client))
            } else if which == "transport" {
                rt.block_on(via_transport(&client, n))
            } else {
                rt.block_on(by_hand(&http, &base))
            };
            assert_eq!(got, n);
        }
        return;
    }
    report(&rt, addr, quick);
    if quick || std::env::var_os("IDGRAPH_BENCH_FIGURES_ONLY").is_some() {
        return;
    }

    let n = 100_000u64;
    let client = probo_client(addr, n);
    let http = reqwest::Client::new();
    let base = root(addr, n);
    let mut c = Criterion::default().configure_from_args().sample_size(10);
    let mut group = c.benchmark_group("probo_stream");
    group.throughput(Throughput::Elements(n));
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("probo_scim_100k", |b| {
        b.to_async(&rt).iter(|| via_probo_scim(&client))
    });
    group.bench_function("by_hand_100k", |b| {
        b.to_async(&rt).iter(|| by_hand(&http, &base))
    });
    group.finish();
    c.final_summary();
}
