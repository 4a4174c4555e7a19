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

/// A `redis-server` this test owns that speaks TLS only, with a password and a
/// certificate for `localhost` alone (so `127.0.0.1` is a name it does not carry), signed
/// by a CA made for it with the `openssl` command. `None` (after saying why the test is
/// skipped) without `redis-server` or `openssl`; panics when [`required`] and either is
/// missing.
#[derive(Debug)]
pub struct TlsRedisServer {
    child: Child,
    dir: PathBuf,
    /// The TLS port.
    pub port: u16,
    /// The CA's certificate, PEM.
    pub ca_pem: Vec<u8>,
}

/// The password [`TlsRedisServer`] requires (`rediss://:PASSWORD@localhost:port`).
pub const TLS_PASSWORD: &str = "tls-pa55-word";

impl TlsRedisServer {
    /// Makes the certificates and starts the server; waits until it listens.
    pub fn start(test: &str) -> Option<Self> {
        let (Some(binary), Some(openssl)) = (which("redis-server"), which("openssl")) else {
            if required() {
                panic!(
                    "IDGRAPH_REQUIRE_REDIS=1 but redis-server or openssl is not on PATH: {test} must run"
                );
            }
            eprintln!("skipping {test}: redis-server or openssl is not on PATH");
            return None;
        };
        let dir = std::env::temp_dir().join(unique("idgraph-redis-tls").replace(':', "-"));
        std::fs::create_dir_all(&dir).expect("a directory for the certificates");
        let run = |args: &[&str]| {
            let out = Command::new(&openssl)
                .args(args)
                .current_dir(&dir)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .output()
                .expect("openssl runs");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ];
        run(&[
            &["req", "-x509"][..],
            &ec[..],
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=idgraph test CA",
            ][..],
        ]
        .concat());
        run(&[
            &["req"][..],
            &ec[..],
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ][..],
        ]
        .concat());
        std::fs::write(dir.join("san.ext"), "subjectAltName=DNS:localhost\n")
            .expect("the SAN file");
        run(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ]);
        let ca_pem = std::fs::read(dir.join("ca.pem")).expect("the CA certificate");
        let port = free_port();
        let path = |f: &str| dir.join(f).to_string_lossy().into_owned();
        let child = Command::new(&binary)
            .args([
                "--port",
                "0",
                "--tls-port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .args([
                "--tls-cert-file",
                &path("server.pem"),
                "--tls-key-file",
                &path("server.key"),
            ])
            .args([
                "--tls-ca-cert-file",
                &path("ca.pem"),
                "--tls-auth-clients",
                "no",
            ])
            .args(["--requirepass", TLS_PASSWORD])
            .args(["--save", "", "--appendonly", "no", "--loglevel", "warning"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        // Listening is enough to go on: the TLS handshake is the client's to prove.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not listen on TLS port {port} within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Self {
            child,
            dir,
            port,
            ca_pem,
        })
    }

    /// `rediss://:PASSWORD@localhost:<port>`.
    pub fn url(&self) -> String {
        format!("rediss://:{TLS_PASSWORD}@localhost:{}", self.port)
    }
}

impl Drop for TlsRedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
