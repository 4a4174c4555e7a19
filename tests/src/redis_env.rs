//! Finding (or starting) the Redis server that the Redis tests, the shared-budget example
//! and the bench talk to.
//!
//! * `IDGRAPH_REDIS_URL`: a server to use (`.ci/run` starts one on loopback through
//!   `.ci/redis-server.sh` and sets it).
//! * `IDGRAPH_REQUIRE_REDIS=1`: a test that needs Redis fails instead of skipping when
//!   none is there (CI sets it).
//!
//! Tests that must stop and restart a server (Redis going away mid-run) start their own
//! [`RedisServer`] from the `redis-server` binary on `PATH`, on another free port, and
//! never touch the shared one.
#![allow(clippy::print_stderr, clippy::panic, clippy::expect_used)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `true` when a missing Redis must fail the test (CI).
pub fn required() -> bool {
    std::env::var("IDGRAPH_REQUIRE_REDIS").is_ok_and(|v| v == "1")
}

/// The shared server's URL, or `None` (after saying why the test is skipped). Panics
/// when [`required`] and the URL is not set.
pub fn url(test: &str) -> Option<String> {
    match std::env::var("IDGRAPH_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if required() {
                panic!(
                    "IDGRAPH_REQUIRE_REDIS=1 but IDGRAPH_REDIS_URL is not set: {test} must run against Redis"
                );
            }
            eprintln!(
                "skipping {test}: IDGRAPH_REDIS_URL is not set (CI starts Redis; locally run \
                 `bash .ci/redis-server.sh run -- cargo test -p idgraph-tests --all-features`)"
            );
            None
        }
    }
}

/// A name unique to this run, so tests sharing one server never share keys.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{prefix}:{}:{nanos:x}", std::process::id())
}

/// A free loopback port (bound, read, released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A `redis-server` process this test owns: on loopback, on its own port, nothing on disk.
#[derive(Debug)]
pub struct RedisServer {
    binary: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts one from the `redis-server` on `PATH`, or `None` (after saying why the test
    /// is skipped) when there is none. Panics when [`required`] and there is none.
    pub fn start(test: &str) -> Option<Self> {
        let Some(binary) = which("redis-server") else {
            if required() {
                panic!("IDGRAPH_REQUIRE_REDIS=1 but redis-server is not on PATH: {test} must run");
            }
            eprintln!(
                "skipping {test}: redis-server is not on PATH (apt-get install redis-server)"
            );
            return None;
        };
        let mut server = Self {
            binary,
            port: free_port(),
            child: None,
        };
        server.resume();
        Some(server)
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the server (SIGKILL: as a crash, nothing flushed).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port (empty: it keeps nothing) and waits until it
    /// answers.
    pub fn resume(&mut self) {
        self.stop();
        let child = Command::new(&self.binary)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--loglevel", "warning"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if ping(self.port) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "redis-server on port {} did not answer within 10 s",
            self.port
        );
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `PING` over a plain socket (RESP inline command), so no client is needed.
fn ping(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 16];
    matches!(s.read(&mut buf), Ok(n) if buf[..n].starts_with(b"+PONG"))
}

fn which(binary: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| PathBuf::from(dir).join(binary))
        .find(|p| p.is_file())
}
