//! The shared rate limiter over real HTTP: the window guarantee holds for every attempt,
//! retries included, across clones, on tokio's paused clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use idgraph_common::{RetryPolicy, TokenBucket};
use serde_json::json;
use support::{client, max_in_window, millis, received, recording, secs};
use tokio::time::Instant;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Answers 503 to every `every`-th request and 200 to the rest.
struct Flaky {
    count: AtomicUsize,
    every: usize,
}

impl Respond for Flaky {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        if n.is_multiple_of(self.every) {
            ResponseTemplate::new(503)
        } else {
            ResponseTemplate::new(200).set_body_json(json!({"n": n}))
        }
    }
}

#[tokio::test(start_paused = true)]
async fn one_limiter_shared_by_four_clones_never_exceeds_100_per_minute() {
    const TASKS: usize = 4;
    const PER_TASK: usize = 60;
    let server = MockServer::start().await;
    Mock::given(path("/users"))
        .respond_with(Flaky {
            count: AtomicUsize::new(0),
            every: 7,
        })
        .mount(&server)
        .await;
    let bucket = TokenBucket::new(100, Duration::from_secs(60)).unwrap();
    let (limiter, log) = recording(Some(bucket));
    // Every 7th answer overall is a 503, so which request gets it depends on how the
    // four tasks interleave: one request can meet it on consecutive attempts. Enough
    // attempts that no request runs out; what is measured is the limiter.
    let c = client(&server)
        .retry_policy(support::exact_retry().with_max_attempts(10))
        .rate_limiter(limiter)
        .build()
        .unwrap();

    let start = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..TASKS {
        let c = c.clone();
        handles.push(tokio::spawn(async move {
            for _ in 0..PER_TASK {
                c.get(["users"]).send_empty().await.unwrap();
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }

    let times = log.times();
    let sent = received(&server).await;
    // Every attempt took a permit right before it was sent, and nothing else did.
    assert_eq!(times.len(), sent);
    // Some attempts were retries (every 7th answer is a 503), and they took permits too.
    assert!(sent > TASKS * PER_TASK, "{sent}");
    assert!(times.is_sorted());
    assert_eq!(max_in_window(&times, secs(60)), 100);
    assert!(
        times.windows(2).all(|w| w[1] - w[0] >= millis(600)),
        "permits closer than 600 ms"
    );
    assert!(start.elapsed() >= millis(600) * (sent as u32 - 1));
}

#[tokio::test(start_paused = true)]
async fn retries_wait_for_the_limiter() {
    let server = MockServer::start().await;
    Mock::given(path("/users"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(path("/users"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    // One permit per second, while the retry policy would retry after 10 ms.
    let bucket = TokenBucket::new(1, secs(1)).unwrap();
    let (limiter, log) = recording(Some(bucket));
    let c = client(&server)
        .rate_limiter(limiter)
        .retry_policy(support::exact_retry().with_initial_backoff(millis(10)))
        .build()
        .unwrap();
    c.get(["users"]).send_empty().await.unwrap();
    assert_eq!(log.times(), [secs(0), secs(1), secs(2)]);
    assert_eq!(received(&server).await, 3);
}

#[tokio::test(start_paused = true)]
async fn a_throttled_answer_pauses_every_clone_sharing_the_limiter() {
    let server = MockServer::start().await;
    Mock::given(path("/a"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "5"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/a"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(path("/b"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let bucket = TokenBucket::new(10, secs(1)).unwrap();
    let (limiter, log) = recording(Some(bucket));
    let a = client(&server)
        .rate_limiter(limiter.clone())
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let b = client(&server).rate_limiter(limiter).build().unwrap();

    assert!(a.get(["a"]).send().await.unwrap_err().is_rate_limited());
    // Another client with the same limiter waits out the server's Retry-After.
    let start = Instant::now();
    b.get(["b"]).send_empty().await.unwrap();
    assert_eq!(start.elapsed(), secs(5));
    assert_eq!(log.times(), [secs(0), secs(5)]);
}

#[tokio::test(start_paused = true)]
async fn an_exhausted_server_window_pauses_until_its_reset() {
    let server = MockServer::start().await;
    Mock::given(path("/users"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-RateLimit-Remaining", "0")
                .insert_header("X-RateLimit-Reset", "30"),
        )
        .mount(&server)
        .await;
    let bucket = TokenBucket::new(100, secs(1)).unwrap();
    let (limiter, log) = recording(Some(bucket));
    let c = client(&server).rate_limiter(limiter).build().unwrap();
    c.get(["users"]).send_empty().await.unwrap();
    c.get(["users"]).send_empty().await.unwrap();
    assert_eq!(log.times(), [secs(0), secs(30)]);
}

#[tokio::test(start_paused = true)]
async fn unlimited_limiter_never_waits() {
    let server = MockServer::start().await;
    Mock::given(path("/users"))
        .respond_with(ResponseTemplate::new(200))
        .expect(20)
        .mount(&server)
        .await;
    let c = client(&server)
        .rate_limiter(idgraph_common::RateLimiter::unlimited())
        .build()
        .unwrap();
    let start = Instant::now();
    for _ in 0..20 {
        c.get(["users"]).send_empty().await.unwrap();
    }
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_above_the_cap_pauses_the_shared_limiter_only_up_to_the_cap() {
    let server = MockServer::start().await;
    Mock::given(path("/users"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/users"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let bucket = TokenBucket::new(10, secs(1)).unwrap();
    let (limiter, log) = recording(Some(bucket));
    let c = client(&server)
        .rate_limiter(limiter)
        .retry_policy(support::exact_retry().with_max_retry_after(secs(60)))
        .build()
        .unwrap();

    // The call itself fails at once rather than sleep for an hour…
    let start = Instant::now();
    let err = c.get(["users"]).send().await.unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), Some(secs(3600)));
    assert_eq!(start.elapsed(), Duration::ZERO);
    // …and the next call does not sleep for that hour inside the limiter either: the
    // pause is capped at the policy's max_retry_after.
    c.get(["users"]).send_empty().await.unwrap();
    assert_eq!(log.times(), [secs(0), secs(60)]);
}

#[tokio::test(start_paused = true)]
async fn a_distant_server_window_reset_pauses_only_up_to_the_cap() {
    let server = MockServer::start().await;
    Mock::given(path("/users"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("RateLimit-Remaining", "0")
                .insert_header("RateLimit-Reset", "3000"),
        )
        .mount(&server)
        .await;
    let bucket = TokenBucket::new(100, secs(1)).unwrap();
    let (limiter, log) = recording(Some(bucket));
    let c = client(&server).rate_limiter(limiter).build().unwrap();
    c.get(["users"]).send_empty().await.unwrap();
    c.get(["users"]).send_empty().await.unwrap();
    // The standard policy's max_retry_after is 60 s.
    assert_eq!(log.times(), [secs(0), secs(60)]);
}

#[tokio::test(start_paused = true)]
async fn every_permit_is_released_when_its_attempt_ends() {
    let server = MockServer::start().await;
    Mock::given(path("/ok"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(path("/missing"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(path("/flaky"))
        .respond_with(Flaky {
            count: AtomicUsize::new(0),
            every: 1,
        })
        .mount(&server)
        .await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let (limiter, log) = support::recorder();
    let c = client(&server)
        .retry_policy(support::exact_retry().with_max_attempts(3))
        .rate_limiter(limiter)
        .build()
        .unwrap();

    c.get(["ok"]).send_empty().await.unwrap();
    assert_eq!((log.len(), log.released()), (1, 1), "an answered request");
    assert!(c.get(["missing"]).send_empty().await.is_err());
    assert_eq!((log.len(), log.released()), (2, 2), "a refused request");
    assert!(c.get(["flaky"]).send_empty().await.is_err());
    assert_eq!(
        (log.len(), log.released()),
        (5, 5),
        "three attempts, three permits"
    );
    // A call dropped while its request is in flight (the caller's own timeout).
    let dropped = tokio::time::timeout(Duration::from_millis(10), c.get(["slow"]).send_empty());
    assert!(dropped.await.is_err());
    assert_eq!((log.len(), log.released()), (6, 6), "an abandoned request");
}

#[tokio::test(start_paused = true)]
async fn a_sliding_window_over_http_uses_the_whole_quota_with_no_margin() {
    let server = MockServer::start().await;
    Mock::given(path("/users"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let window = idgraph_common::rate_limit::SlidingWindow::new(100, secs(60)).unwrap();
    let c = client(&server)
        .rate_limiter(idgraph_common::RateLimiter::new(window))
        .build()
        .unwrap();
    let start = Instant::now();
    let mut sent = Vec::new();
    for _ in 0..250 {
        c.get(["users"]).send_empty().await.unwrap();
        sent.push(start.elapsed());
    }
    // Each request leaves the window one minute after its answer, which on the paused
    // clock is the instant it was sent: quotas at 0, 60 and 120 s, the floor exactly.
    assert_eq!(
        (sent[99], sent[100], sent[249]),
        (secs(0), secs(60), secs(120))
    );
    assert!(max_in_window(&sent, secs(60)) <= 100);
}
