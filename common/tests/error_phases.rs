//! Errors say honestly where a call failed: never sent, sent, or refused by our own
//! limits; their `Display` does not repeat their `source()`; caller input they quote is
//! escaped and bounded; the retry budget stops an outage from multiplying.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::error::Error as _;
use std::time::Duration;

use idgraph_common::{Error, HttpClient, RetryBudget, RetryPolicy};
use support::{client, client_for, received, recorder, refused_port};
use wiremock::MockServer;

#[tokio::test(start_paused = true)]
async fn a_url_too_long_to_send_is_invalid_input_and_never_sent() {
    let server = MockServer::start().await;
    let c = client(&server).build().unwrap();
    let long = "x".repeat(70_000);
    let err = c
        .get(["users"])
        .query("filter", &long)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert!(!err.was_sent());
    assert!(err.to_string().contains("bytes long"), "{err}");
    // The error quotes neither the URL nor the query.
    assert!(!err.to_string().contains("xxxx"), "{err}");
    assert_eq!(received(&server).await, 0);
}

#[tokio::test(start_paused = true)]
async fn a_transport_error_does_not_repeat_its_source() {
    let c = client_for(&format!("http://127.0.0.1:{}", refused_port()))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = c.get(["users"]).send().await.unwrap_err();
    assert!(
        matches!(err, Error::Transport { sent: false, .. }),
        "{err:?}"
    );
    let shown = err.to_string();
    assert_eq!(shown, "transport error on GET /users (not sent)");
    // Each cause is printed once by whoever walks the chain.
    let mut chain = Vec::new();
    let mut cause = err.source();
    while let Some(c) = cause {
        chain.push(c.to_string());
        cause = c.source();
    }
    assert!(!chain.is_empty());
    for c in &chain {
        assert!(!shown.contains(c.as_str()), "`{shown}` repeats `{c}`");
    }
}

#[test]
fn inconsistent_retry_settings_are_refused_when_the_client_is_built() {
    for policy in [
        RetryPolicy::standard().with_max_attempts(0),
        RetryPolicy::standard()
            .with_initial_backoff(Duration::from_secs(60))
            .with_max_backoff(Duration::from_secs(1)),
    ] {
        let err = HttpClient::builder()
            .base_url("https://api.example.com")
            .retry_policy(policy)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn caller_input_in_errors_is_escaped_and_bounded() {
    let server = MockServer::start().await;
    let c = client(&server).build().unwrap();
    let name = format!(
        "X-Evil\n2026-12-01 INFO forged log line\u{1b}[2J{}",
        "y".repeat(500)
    );
    let err = c
        .get(["users"])
        .header(&name, "v")
        .send()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(!text.contains('\n') && !text.contains('\u{1b}'), "{text:?}");
    assert!(text.contains("X-Evil\\n2026"), "{text}");
    assert!(text.len() < 300, "{} characters: {text}", text.len());
    assert_eq!(received(&server).await, 0);
}

#[tokio::test(start_paused = true)]
async fn the_retry_budget_shared_by_clones_stops_an_outage_from_multiplying() {
    // 40 concurrent calls against a host that refuses every connection, each allowed 10
    // attempts: without a budget that is 400 attempts. A budget of 100 tokens at 5 per
    // retry pays for 20 retries in all.
    let (limiter, log) = recorder();
    let budget = RetryBudget::new(100, 5, 10, 1);
    let c = client_for(&format!("http://127.0.0.1:{}", refused_port()))
        .retry_policy(
            support::exact_retry()
                .with_max_attempts(10)
                .with_initial_backoff(Duration::from_millis(10)),
        )
        .retry_budget(budget.clone())
        .rate_limiter(limiter)
        .build()
        .unwrap();
    let calls: Vec<_> = (0..40)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.get(["users"]).send().await })
        })
        .collect();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert!(
            matches!(err, Error::Transport { sent: false, .. }),
            "{err:?}"
        );
    }
    assert_eq!(
        log.len(),
        40 + 20,
        "first attempts plus what the budget paid for"
    );
    assert_eq!(budget.available(), Some(0));
    assert_eq!(
        c.retry_budget().available(),
        Some(0),
        "the client shares it"
    );
}

#[tokio::test(start_paused = true)]
async fn successes_refill_the_budget() {
    let server = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/ok"))
        .respond_with(wiremock::ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let budget = RetryBudget::new(10, 5, 10, 1);
    let c = client(&server)
        .retry_budget(budget.clone())
        .build()
        .unwrap();
    // Drain it through another client that shares it.
    let down = client_for(&format!("http://127.0.0.1:{}", refused_port()))
        .retry_budget(budget.clone())
        .build()
        .unwrap();
    let _ = down.get(["x"]).send().await;
    assert_eq!(budget.available(), Some(0));
    for _ in 0..3 {
        c.get(["ok"]).send().await.unwrap();
    }
    assert_eq!(budget.available(), Some(3));
}
