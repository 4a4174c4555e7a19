//! A long listing through a server that fails about one answer in ten, in every way a
//! real one does: resets, 5xx, 429 with `Retry-After`, bodies cut short (with and without
//! `Content-Length`), HTML pages sent with status 200 (with an HTML and with a JSON
//! content type), answers slower than the attempt timeout. Every user arrives exactly
//! once, and the listing says it is complete.
//!
//! The server is a small HTTP/1.1 responder on a raw loopback socket (wiremock cannot cut
//! a body or reset a connection). The fault schedule comes from a seeded generator, so
//! the run is the same every time. Real clock: the waits are milliseconds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use idgraph_common::paginate::StopReason;
use idgraph_common::scim::ScimClient;
use idgraph_common::{Jitter, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const USERS: u64 = 20_000;
const PAGE: u64 = 100;
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(300);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fault {
    /// Close the connection without answering.
    Reset,
    /// `503` without `Retry-After`.
    Unavailable,
    /// `429` with `Retry-After: 0`.
    Throttled,
    /// Headers announce the full length, half the body is sent, then the connection closes.
    CutWithLength,
    /// No length, `Connection: close`, half the body, close: the body "ends" early.
    CutAtClose,
    /// `200` with an HTML error page, `Content-Type: text/html`.
    HtmlPage,
    /// `200` with an HTML error page that claims to be JSON.
    HtmlAsJson,
    /// Answers after the attempt timeout.
    Slow,
}

const FAULTS: [Fault; 8] = [
    Fault::Reset,
    Fault::Unavailable,
    Fault::Throttled,
    Fault::CutWithLength,
    Fault::CutAtClose,
    Fault::HtmlPage,
    Fault::HtmlAsJson,
    Fault::Slow,
];

/// The fault schedule: xorshift64 from a fixed seed, one draw per request.
struct Schedule {
    state: u64,
    injected: BTreeMap<Fault, u32>,
    requests: u32,
}

impl Schedule {
    fn next(&mut self) -> Option<Fault> {
        self.requests += 1;
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state = x;
        // About one request in ten fails, each way equally often.
        if !x.is_multiple_of(10) {
            return None;
        }
        let fault = FAULTS[((x / 10) % FAULTS.len() as u64) as usize];
        *self.injected.entry(fault).or_default() += 1;
        Some(fault)
    }
}

fn page_body(start: u64, count: u64) -> String {
    let end = (start + count - 1).min(USERS);
    let users: Vec<String> = (start..=end)
        .map(|i| {
            format!(
                r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u{i:06}","userName":"user{i}@example.com","active":true}}"#
            )
        })
        .collect();
    format!(
        r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":{USERS},"startIndex":{start},"itemsPerPage":{},"Resources":[{}]}}"#,
        users.len(),
        users.join(",")
    )
}

/// Reads one request head; `None` when the client closed the connection.
async fn read_head(sock: &mut TcpStream, buf: &mut Vec<u8>) -> Option<String> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            buf.drain(..end + 4);
            return Some(head);
        }
        let mut chunk = [0u8; 4096];
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn query_num(head: &str, key: &str) -> Option<u64> {
    let target = head.split_whitespace().nth(1)?;
    let query = target.split_once('?')?.1;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
}

async fn serve(sock: TcpStream, schedule: Arc<Mutex<Schedule>>) {
    let mut sock = sock;
    let mut buf = Vec::new();
    while let Some(head) = read_head(&mut sock, &mut buf).await {
        let start = query_num(&head, "startIndex").unwrap_or(1);
        let count = query_num(&head, "count").unwrap_or(PAGE);
        let body = page_body(start, count);
        let fault = schedule.lock().unwrap().next();
        let ok = |body: &str, ct: &str| {
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
        };
        let html = "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>";
        let half = &body[..body.len() / 2];
        let (reply, close) = match fault {
            None => (ok(&body, "application/scim+json"), false),
            Some(Fault::Reset) => return,
            Some(Fault::Unavailable) => (
                "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n".to_owned(),
                false,
            ),
            Some(Fault::Throttled) => (
                "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n"
                    .to_owned(),
                false,
            ),
            Some(Fault::CutWithLength) => (
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n{half}",
                    body.len()
                ),
                true,
            ),
            Some(Fault::CutAtClose) => (
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nConnection: close\r\n\r\n{half}"
                ),
                true,
            ),
            Some(Fault::HtmlPage) => (ok(html, "text/html"), false),
            Some(Fault::HtmlAsJson) => (ok(html, "application/json"), false),
            Some(Fault::Slow) => {
                tokio::time::sleep(ATTEMPT_TIMEOUT * 2).await;
                (ok(&body, "application/scim+json"), false)
            }
        };
        if sock.write_all(reply.as_bytes()).await.is_err() || close {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_users_through_ten_percent_faults_arrive_exactly_once() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let schedule = Arc::new(Mutex::new(Schedule {
        state: 0x9E37_79B9_7F4A_7C15,
        injected: BTreeMap::new(),
        requests: 0,
    }));
    let s = schedule.clone();
    let server = tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(serve(sock, s.clone()));
        }
    });

    let http = ScimClient::http_builder()
        .base_url(base)
        .attempt_timeout(ATTEMPT_TIMEOUT)
        .retry_policy(
            RetryPolicy::standard()
                .with_max_attempts(10)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(5))
                .with_jitter(Jitter::Full),
        )
        .build()
        .unwrap();
    let scim = ScimClient::from_http(http).with_page_size(PAGE as u32);

    let mut stream = scim.users().list().stream();
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    while let Some(user) = stream.next().await {
        let user = user.unwrap_or_else(|e| panic!("the listing failed: {e}"));
        let id = user.id.unwrap().into_string();
        assert!(seen.insert(id.clone()), "{id} arrived twice");
        order.push(id);
    }
    let summary = stream.summary().unwrap().clone();
    server.abort();

    assert_eq!(seen.len() as u64, USERS, "every user arrives");
    let expected: Vec<String> = (1..=USERS).map(|i| format!("u{i:06}")).collect();
    assert_eq!(order, expected, "in order");
    assert_eq!(summary.stop, StopReason::ReachedTotal);
    assert_eq!(summary.items, USERS);
    assert_eq!(summary.pages, USERS / PAGE);

    let schedule = schedule.lock().unwrap();
    let faults: u32 = schedule.injected.values().sum();
    // About 10 % of the requests failed, and every kind of fault was met and overcome.
    assert!(
        faults * 100 >= schedule.requests * 5,
        "{faults} faults in {} requests",
        schedule.requests
    );
    for fault in FAULTS {
        assert!(
            schedule.injected.get(&fault).copied().unwrap_or(0) > 0,
            "{fault:?} was never injected: {:?}",
            schedule.injected
        );
    }
    // Each fault cost one retry: pages + faults requests in all.
    assert_eq!(
        u64::from(schedule.requests),
        USERS / PAGE + u64::from(faults)
    );
}
