//! The retry loop over real HTTP: what is retried, how long it waits, what it returns.
//! Every test runs on tokio's paused clock and asserts the waits exactly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use idgraph_common::{Error, RetryPolicy, TimeoutKind};
use serde_json::{Value, json};
use support::{client, client_for, millis, received, recorder, secs};
use tokio::time::Instant;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server() -> MockServer {
    MockServer::start().await
}

/// Answers `template` to the next `n` requests to `/things`.
async fn answer_n(server: &MockServer, n: u64, template: ResponseTemplate) {
    Mock::given(path("/things"))
        .respond_with(template)
        .up_to_n_times(n)
        .expect(n)
        .mount(server)
        .await;
}

async fn then_ok(server: &MockServer) {
    Mock::given(path("/things"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test(start_paused = true)]
async fn retry_after_seconds_is_waited_exactly_then_the_call_succeeds() {
    let server = server().await;
    answer_n(
        &server,
        1,
        ResponseTemplate::new(429).insert_header("Retry-After", "2"),
    )
    .await;
    then_ok(&server).await;
    let (limiter, log) = recorder();
    let c = client(&server).rate_limiter(limiter).build().unwrap();

    let start = Instant::now();
    let v: Value = c.get(["things"]).send_json().await.unwrap();
    assert_eq!(v, json!({"ok": true}));
    assert_eq!(start.elapsed(), secs(2));
    assert_eq!(log.times(), [secs(0), secs(2)]);
}

#[tokio::test(start_paused = true)]
async fn retry_after_http_date_is_measured_against_the_date_header() {
    let server = server().await;
    answer_n(
        &server,
        1,
        ResponseTemplate::new(429)
            .insert_header("Date", "Wed, 21 Oct 2026 07:28:00 GMT")
            .insert_header("Retry-After", "Wed, 21 Oct 2026 07:28:03 GMT"),
    )
    .await;
    then_ok(&server).await;
    let (limiter, log) = recorder();
    let c = client(&server).rate_limiter(limiter).build().unwrap();

    let start = Instant::now();
    c.get(["things"]).send_empty().await.unwrap();
    assert_eq!(start.elapsed(), secs(3));
    assert_eq!(log.times(), [secs(0), secs(3)]);
}

#[tokio::test(start_paused = true)]
async fn retry_after_http_date_a_minute_ahead_of_the_server_clock() {
    // The server stamps its own Date (whole seconds); a Retry-After one real minute ahead
    // is honoured as about a minute (59..=61 s after rounding to seconds), and the retry is
    // sent exactly when the wait ends.
    let at = std::time::SystemTime::now() + secs(60);
    let server = server().await;
    answer_n(
        &server,
        1,
        ResponseTemplate::new(429).insert_header("Retry-After", httpdate::fmt_http_date(at)),
    )
    .await;
    then_ok(&server).await;
    let (limiter, log) = recorder();
    let c = client(&server)
        .rate_limiter(limiter)
        .retry_policy(support::exact_retry().with_max_retry_after(secs(120)))
        .build()
        .unwrap();
    let start = Instant::now();
    c.get(["things"]).send_empty().await.unwrap();
    let waited = start.elapsed();
    assert!(waited >= secs(59) && waited <= secs(61), "{waited:?}");
    assert_eq!(log.times()[1], waited);
}

#[tokio::test(start_paused = true)]
async fn retry_after_above_the_cap_fails_at_once_with_the_value() {
    let server = server().await;
    answer_n(
        &server,
        1,
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "3600")
            .set_body_json(json!({"error": "rate_limited", "message": "slow down"})),
    )
    .await;
    let c = client(&server).build().unwrap();

    let start = Instant::now();
    let err = c.get(["things"]).send().await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::ZERO);
    let Error::RateLimited {
        retry_after,
        attempts,
        ref last,
        ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(retry_after, Some(secs(3600)));
    assert_eq!(attempts, 1);
    assert_eq!(last.as_ref().map(|a| a.status()), Some(429));
    assert!(err.is_rate_limited() && err.is_retryable());
    assert_eq!(err.retry_after(), Some(secs(3600)));
    assert_eq!(err.status(), Some(429));
    let text = err.to_string();
    assert!(text.contains("3600s"), "{text}");
    assert!(text.contains("[rate_limited]: slow down"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn throttling_until_attempts_run_out_is_a_rate_limited_error() {
    let server = server().await;
    answer_n(
        &server,
        4,
        ResponseTemplate::new(429).insert_header("Retry-After", "1"),
    )
    .await;
    let (limiter, log) = recorder();
    let c = client(&server).rate_limiter(limiter).build().unwrap();
    let err = c.get(["things"]).send().await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { attempts: 4, retry_after: Some(d), .. } if d == secs(1)),
        "{err:?}"
    );
    assert_eq!(log.times(), [secs(0), secs(1), secs(2), secs(3)]);
}

#[tokio::test(start_paused = true)]
async fn throttling_without_retry_after_backs_off_exponentially() {
    let server = server().await;
    answer_n(&server, 2, ResponseTemplate::new(429)).await;
    then_ok(&server).await;
    let (limiter, log) = recorder();
    let c = client(&server).rate_limiter(limiter).build().unwrap();
    c.get(["things"]).send_empty().await.unwrap();
    assert_eq!(log.gaps(), [millis(500), millis(1000)]);
}

#[tokio::test(start_paused = true)]
async fn gateway_errors_are_retried_with_growing_backoff() {
    let server = server().await;
    for status in [503, 502, 504] {
        answer_n(&server, 1, ResponseTemplate::new(status)).await;
    }
    then_ok(&server).await;
    let (limiter, log) = recorder();
    let c = client(&server).rate_limiter(limiter).build().unwrap();

    let start = Instant::now();
    let v: Value = c.get(["things"]).send_json().await.unwrap();
    assert_eq!(v["ok"], true);
    // 500 ms, then 1 s, then 2 s: doubling each time.
    assert_eq!(log.gaps(), [millis(500), millis(1000), millis(2000)]);
    assert_eq!(start.elapsed(), millis(3500));
    assert_eq!(received(&server).await, 4);
}

#[tokio::test(start_paused = true)]
async fn full_jitter_never_waits_longer_than_the_ceiling() {
    let server = server().await;
    answer_n(&server, 3, ResponseTemplate::new(503)).await;
    then_ok(&server).await;
    let (limiter, log) = recorder();
    let c = client(&server)
        .rate_limiter(limiter)
        .retry_policy(RetryPolicy::standard())
        .build()
        .unwrap();
    c.get(["things"]).send_empty().await.unwrap();
    let gaps = log.gaps();
    assert_eq!(gaps.len(), 3);
    for (gap, ceiling) in gaps.iter().zip([500, 1000, 2000]) {
        assert!(*gap <= millis(ceiling), "{gaps:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn gateway_errors_that_persist_return_the_last_api_error() {
    let server = server().await;
    answer_n(
        &server,
        4,
        ResponseTemplate::new(502).set_body_string("<html><body>Bad gateway</body></html>"),
    )
    .await;
    let c = client(&server).build().unwrap();
    let start = Instant::now();
    let err = c.get(["things"]).send().await.unwrap_err();
    assert_eq!(start.elapsed(), millis(3500));
    assert_eq!(err.status(), Some(502));
    assert!(err.is_retryable());
    assert!(matches!(err, Error::Api(_)), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn server_error_on_post_is_not_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/things"))
        .respond_with(ResponseTemplate::new(500))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).build().unwrap();
    let start = Instant::now();
    let err = c
        .post(["things"])
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(err.status(), Some(500));
    assert!(!err.is_retryable());
}

#[tokio::test(start_paused = true)]
async fn gateway_errors_on_post_are_not_retried_but_500_on_get_is_not_either() {
    // A 502/503/504 to a POST may have been processed: no retry.
    for status in [502, 503, 504] {
        let server = server().await;
        answer_n(&server, 1, ResponseTemplate::new(status)).await;
        let c = client(&server).build().unwrap();
        let err = c.post(["things"]).send().await.unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(received(&server).await, 1, "{status}");
    }
    // 500 is not a retryable status even for GET.
    let server = server().await;
    answer_n(&server, 1, ResponseTemplate::new(500)).await;
    let c = client(&server).build().unwrap();
    assert_eq!(
        c.get(["things"]).send().await.unwrap_err().status(),
        Some(500)
    );
}

#[tokio::test(start_paused = true)]
async fn a_post_marked_idempotent_is_retried_after_a_gateway_error() {
    let server = server().await;
    answer_n(&server, 1, ResponseTemplate::new(502)).await;
    then_ok(&server).await;
    let c = client(&server).build().unwrap();
    c.post(["things"])
        .idempotent(true)
        .send_empty()
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn throttled_post_is_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/things"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/things"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "1"})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).build().unwrap();
    let start = Instant::now();
    let v: Value = c
        .post(["things"])
        .json(&json!({"name": "x"}))
        .send_json()
        .await
        .unwrap();
    assert_eq!(v["id"], "1");
    assert_eq!(start.elapsed(), secs(1));
    // Both attempts carried the body.
    for r in support::requests(&server).await {
        assert_eq!(r.body, br#"{"name":"x"}"#);
    }
}

#[tokio::test(start_paused = true)]
async fn service_unavailable_with_retry_after_is_retried_even_for_post() {
    let server = server().await;
    answer_n(
        &server,
        1,
        ResponseTemplate::new(503).insert_header("Retry-After", "3"),
    )
    .await;
    then_ok(&server).await;
    let c = client(&server).build().unwrap();
    let start = Instant::now();
    c.post(["things"]).send_empty().await.unwrap();
    assert_eq!(start.elapsed(), secs(3));
}

#[tokio::test(start_paused = true)]
async fn vendor_quota_signals_are_retried_like_429() {
    // Hyperproof answers 403 "Bandwidth quota exceeded" when it throttles.
    let server = server().await;
    answer_n(
        &server,
        1,
        ResponseTemplate::new(403)
            .insert_header("Retry-After", "5")
            .set_body_json(json!({"message": "Bandwidth quota exceeded. Try again later."})),
    )
    .await;
    then_ok(&server).await;
    let c = client(&server)
        .throttle_when(|status, body| {
            status == 403 && body.windows(14).any(|w| w == b"quota exceeded")
        })
        .build()
        .unwrap();
    let start = Instant::now();
    c.post(["things"]).send_empty().await.unwrap();
    assert_eq!(start.elapsed(), secs(5));

    // A plain 403 is a permission problem: not retried.
    let server = self::server().await;
    answer_n(
        &server,
        1,
        ResponseTemplate::new(403).set_body_json(json!({"message": "Forbidden"})),
    )
    .await;
    let c = client(&server)
        .throttle_when(|status, body| {
            status == 403 && body.windows(14).any(|w| w == b"quota exceeded")
        })
        .build()
        .unwrap();
    let err = c.get(["things"]).send().await.unwrap_err();
    assert!(err.is_forbidden(), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn connection_refused_is_retried_for_every_method() {
    let base = format!("http://127.0.0.1:{}", support::refused_port());
    for post in [false, true] {
        let (limiter, log) = recorder();
        let c = client_for(&base).rate_limiter(limiter).build().unwrap();
        let req = if post {
            c.post(["things"])
        } else {
            c.get(["things"])
        };
        let err = req.send().await.unwrap_err();
        let Error::Transport { sent, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(!sent, "a refused connection sent nothing");
        assert!(!err.was_sent() && err.is_retryable());
        assert_eq!(
            log.times(),
            [secs(0), millis(500), millis(1500), millis(3500)],
            "post: {post}"
        );
        // The error names the path but never the full URL.
        assert!(err.to_string().contains("POST /things") || !post, "{err}");
        assert!(!err.to_string().contains("127.0.0.1"), "{err}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_connect_timeout_is_a_not_sent_transport_error_retried_for_every_method() {
    let (_listener, _held, base) = support::blackhole().await;
    for post in [false, true] {
        let (limiter, log) = recorder();
        // The transport's own reqwest client, whose connect timeout is under test.
        let c = idgraph_common::HttpClient::builder()
            .base_url(&base)
            .connect_timeout(secs(5))
            .no_attempt_timeout()
            .retry_policy(support::exact_retry())
            .rate_limiter(limiter)
            .build()
            .unwrap();
        let req = if post {
            c.post(["things"])
        } else {
            c.get(["things"])
        };
        let err = req.send().await.unwrap_err();
        // Nothing was sent: not an attempt timeout (which may have reached the server).
        assert!(
            matches!(err, Error::Transport { sent: false, .. }),
            "post: {post}: {err:?}"
        );
        assert!(!err.was_sent() && err.is_retryable());
        // Four attempts, each ended by the 5 s connect timeout, with 0.5 s, 1 s, 2 s
        // between them.
        assert_eq!(
            log.times(),
            [secs(0), millis(5_500), millis(11_500), millis(18_500)],
            "post: {post}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn attempt_timeout_is_retried_then_reported() {
    let (_listener, base) = support::silent_server();
    let (limiter, log) = recorder();
    let c = client_for(&base)
        .attempt_timeout(secs(10))
        .rate_limiter(limiter)
        .build()
        .unwrap();
    let start = Instant::now();
    let err = c.get(["things"]).send().await.unwrap_err();
    let Error::Timeout { kind, after, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*kind, TimeoutKind::Attempt);
    assert_eq!(*after, secs(10));
    assert!(err.is_retryable());
    // Four attempts of 10 s each, with 0.5 s, 1 s and 2 s between them.
    assert_eq!(
        log.times(),
        [secs(0), millis(10_500), millis(21_500), millis(33_500)]
    );
    assert_eq!(start.elapsed(), millis(43_500));
}

#[tokio::test(start_paused = true)]
async fn attempt_timeout_on_post_is_not_retried() {
    let (_listener, base) = support::silent_server();
    let (limiter, log) = recorder();
    let c = client_for(&base)
        .attempt_timeout(secs(10))
        .rate_limiter(limiter)
        .build()
        .unwrap();
    let err = c.post(["things"]).send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                kind: TimeoutKind::Attempt,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(log.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn operation_timeout_stops_before_a_wait_that_would_overrun_it() {
    // A refused connection fails without the runtime ever waiting on I/O, so the pending
    // operation deadline cannot fire early through the paused clock's auto-advance (it
    // would with a wiremock answer: see support's module docs).
    let base = format!("http://127.0.0.1:{}", support::refused_port());
    let (limiter, log) = recorder();
    let c = client_for(&base)
        .operation_timeout(secs(1))
        .rate_limiter(limiter)
        .build()
        .unwrap();
    let start = Instant::now();
    let err = c.post(["things"]).send().await.unwrap_err();
    // The first wait (0.5 s) fits; the second (1 s) would end past the deadline, so the
    // call stops at 0.5 s with the real cause rather than sleep into a bare timeout.
    assert_eq!(log.times(), [secs(0), millis(500)]);
    assert_eq!(start.elapsed(), millis(500));
    assert!(
        matches!(err, Error::Transport { sent: false, .. }),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn operation_timeout_bounds_a_hanging_call() {
    let (_listener, base) = support::silent_server();
    let c = client_for(&base)
        .operation_timeout(secs(7))
        .build()
        .unwrap();
    let start = Instant::now();
    let err = c.get(["things"]).send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                kind: TimeoutKind::Operation,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(start.elapsed(), secs(7));
}

#[tokio::test(start_paused = true)]
async fn retries_disabled_means_one_attempt() {
    let server = server().await;
    answer_n(&server, 1, ResponseTemplate::new(503)).await;
    let c = client(&server)
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    assert_eq!(
        c.get(["things"]).send().await.unwrap_err().status(),
        Some(503)
    );
}

#[tokio::test(start_paused = true)]
async fn error_hints_and_request_ids_reach_the_message() {
    let server = server().await;
    answer_n(
        &server,
        1,
        ResponseTemplate::new(404)
            .insert_header("X-Request-Id", "req-42")
            .set_body_json(json!({"code": "not_found", "message": "no such thing"})),
    )
    .await;
    let c = client(&server)
        .api_error_hook(|api| {
            if api.status() == 404 {
                api.set_hint("it may have been deleted already");
            }
        })
        .build()
        .unwrap();
    let err = c.get(["things"]).send().await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(
        err.to_string(),
        "HTTP 404 Not Found [not_found]: no such thing on GET /things (request id req-42). it may have been deleted already"
    );
}
