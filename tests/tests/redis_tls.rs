//! `rediss://` (the `redis-tls` feature of `idgraph-common`) against a real Redis that
//! speaks only TLS, with a certificate from a CA of the test's own and a password: the
//! limiter and the lease work through it when the CA is trusted, and every way of getting
//! the trust wrong is a typed error in bounded time that never shows the password.
//!
//! Each test starts its own `redis-server` (`redis_env::TlsRedisServer`, certificates made
//! with the `openssl` command). Without `redis-server` or `openssl` each test says why it
//! is skipped and passes, unless `IDGRAPH_REQUIRE_REDIS=1` (CI), which makes it fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use idgraph_common::redis::{Lease, Redis, RedisRateLimit};
use idgraph_common::{Error, RateLimit, SecretString};
use idgraph_tests::redis_env::{self, TLS_PASSWORD, TlsRedisServer};

fn builder(url: String) -> idgraph_common::redis::RedisBuilder {
    Redis::builder()
        .url(SecretString::from(url))
        .connect_timeout(Duration::from_secs(1))
        .command_timeout(Duration::from_secs(1))
}

#[tokio::test]
async fn the_limiter_and_the_lease_work_over_tls_with_the_servers_ca() {
    let Some(server) = TlsRedisServer::start("the_limiter_and_the_lease_work_over_tls") else {
        return;
    };
    let redis = builder(server.url())
        .tls_ca_certificate(server.ca_pem.clone())
        .connect()
        .await
        .unwrap();
    assert_eq!(
        redis.server(),
        format!("rediss://localhost:{}", server.port)
    );

    let limiter = RedisRateLimit::builder(&redis, redis_env::unique("tls"))
        .quota(1_000, Duration::from_secs(1))
        .build()
        .unwrap();
    for _ in 0..5 {
        limiter.acquire().await.unwrap();
    }

    let lease = Lease::builder(&redis, redis_env::unique("tls-bridge"))
        .build()
        .unwrap();
    let guard = lease.try_acquire().await.unwrap();
    guard.check().await.unwrap();
    lease.check_fence(guard.fencing_token()).await.unwrap();
    guard.release().await.unwrap();
}

/// `connect` fails with `Error::Config` naming the server, quickly, and without the
/// password anywhere in the error or its sources.
async fn refused(b: idgraph_common::redis::RedisBuilder) -> Error {
    let started = Instant::now();
    let e = b.connect().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "{e}");
    assert!(matches!(e, Error::Config { .. }), "{e:?}");
    let mut shown = format!("{e} {e:?}");
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        shown.push_str(&format!(" {s} {s:?}"));
        source = s.source();
    }
    assert!(!shown.contains(TLS_PASSWORD), "{shown}");
    e
}

#[tokio::test]
async fn a_server_whose_ca_is_not_trusted_is_refused_and_the_password_never_shown() {
    let Some(server) = TlsRedisServer::start("a_server_whose_ca_is_not_trusted_is_refused") else {
        return;
    };
    // The system's trust store does not know the test's CA.
    let e = refused(builder(server.url())).await;
    assert!(e.to_string().contains("does not answer"), "{e}");

    // Another CA than the one that signed the server's certificate.
    let other = TlsRedisServer::start("another CA").unwrap();
    refused(builder(server.url()).tls_ca_certificate(other.ca_pem.clone())).await;

    // The right CA, but a name the certificate does not carry (it names localhost only).
    let wrong_name = format!("rediss://:{TLS_PASSWORD}@127.0.0.1:{}", server.port);
    refused(builder(wrong_name).tls_ca_certificate(server.ca_pem.clone())).await;

    // Built without connecting, the first permit fails closed the same way (not sent).
    let lazy = builder(server.url()).build().unwrap();
    let limiter = RedisRateLimit::builder(&lazy, redis_env::unique("tls-untrusted"))
        .quota(10, Duration::from_secs(1))
        .build()
        .unwrap();
    let e = limiter.acquire().await.unwrap_err();
    assert!(matches!(e, Error::Limiter { .. }), "{e:?}");
    assert!(!format!("{e} {e:?}").contains(TLS_PASSWORD), "{e:?}");

    // Plain redis:// to the TLS port: no answer a Redis client understands.
    let plain = format!("redis://:{TLS_PASSWORD}@localhost:{}", server.port);
    refused(builder(plain)).await;
}
