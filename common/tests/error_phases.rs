//! Errors say honestly where a call failed: never sent, sent, or refused by our own
//! limits; their `Display` does not repeat their `source()`; caller input they quote is
//! escaped and bounded; the retry budget stops an outage from multiplying.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::error::Error as _;
use std::time::Duration;

use idgraph_common::auth::HeaderPair;
use idgraph_common::graph::bridge::BridgeError;
use idgraph_common::graph::{
    ApplyMode, JsonLinesSink, ReadBlind, SyncPolicy, SyncReport, UserDirectory, apply, plan,
};
use idgraph_common::{BoxError, Error, HttpClient, LeaseErrorKind, RetryBudget, RetryPolicy};
use support::{client, client_for, received, recorder, refused_port};
use wiremock::MockServer;

/// Every link of `err`'s `source()` chain, outermost first, as `Display` shows it.
fn links(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out = vec![err.to_string()];
    let mut cause = err.source();
    while let Some(c) = cause {
        out.push(c.to_string());
        cause = c.source();
    }
    out
}

/// The first `ours` links of the chain (this workspace's error types; what a foreign
/// error under them does is not ours to test) never contain the message of the link
/// right under them, so a chain printer shows each cause once.
fn assert_each_cause_once(err: &(dyn std::error::Error + 'static), ours: usize) {
    let chain = links(err);
    assert!(
        chain.len() > ours,
        "expected at least {} links under `{err}`: {chain:?}",
        ours
    );
    for pair in chain.windows(2).take(ours) {
        assert!(
            !pair[0].contains(pair[1].as_str()),
            "`{}` repeats its source `{}`",
            pair[0],
            pair[1]
        );
    }
}

/// A transport error with a real cause under it (a refused connection).
async fn refused() -> Error {
    let c = client_for(&format!("http://127.0.0.1:{}", refused_port()))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    c.get(["users"]).send().await.unwrap_err()
}

/// A lease error with an underlying error, as a lease service client would return it.
fn lease_unavailable() -> Error {
    let cause: BoxError = Box::new(std::io::Error::new(
        std::io::ErrorKind::ConnectionRefused,
        "connection refused by 10.0.0.7:6379",
    ));
    Error::Lease {
        name: "bridge:acme".into(),
        kind: LeaseErrorKind::Unavailable,
        detail: None,
        source: Some(cause),
    }
}

/// An empty report, for the variants that carry one.
async fn empty_report() -> Box<SyncReport> {
    // An empty plan sends nothing, so any directory will do.
    let dir = ReadBlind::tessian();
    let p = plan(&[], &[], dir.catalog(), &SyncPolicy::default());
    Box::new(apply(&p, &dir, ApplyMode::DryRun).await)
}

/// 10,000 characters of caller input with a line break, a carriage return and an ANSI
/// escape in it: what a forged log line looks like.
fn hostile(tail: char) -> String {
    format!(
        "evil\n2026-12-01 INFO forged log line\u{1b}[2J\r{}",
        String::from(tail).repeat(10_000)
    )
}

/// `text` has every control character escaped, shows the start of the hostile input
/// escaped, and is at most `max` characters long.
fn assert_escaped_and_bounded(text: &str, max: usize) {
    assert!(
        !text.chars().any(char::is_control),
        "unescaped control character in {text:?}"
    );
    assert!(text.contains("evil\\n2026-12-01 INFO forged"), "{text}");
    assert!(
        text.chars().count() <= max,
        "{} characters: {text}",
        text.chars().count()
    );
}

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

#[tokio::test(start_paused = true)]
async fn no_error_repeats_its_source_in_its_message() {
    // Bridge errors say what the bridge was doing; the error is one step down.
    let cases: Vec<(BridgeError, usize, &str)> = vec![
        (
            BridgeError::Source(refused().await),
            2,
            "listing the source failed",
        ),
        (
            BridgeError::Target(refused().await),
            2,
            "listing the target failed",
        ),
        (
            BridgeError::Lock(lease_unavailable()),
            2,
            "the run did not start: its lock was not acquired",
        ),
        (
            BridgeError::Stopped {
                error: lease_unavailable(),
                report: empty_report().await,
            },
            2,
            "the run stopped before the end: its run guard refused to go on",
        ),
    ];
    for (err, ours, shown) in &cases {
        assert_eq!(err.to_string(), *shown);
        assert_each_cause_once(err, *ours);
    }

    // A lease error names the lease and what is wrong; the lease service's error is its
    // source, once.
    let lease = lease_unavailable();
    assert_eq!(
        lease.to_string(),
        "lease `bridge:acme` could not be reached"
    );
    assert_each_cause_once(&lease, 1);
    // What the lease knows in words is part of the message, and there is no source to
    // repeat.
    let lost = Error::Lease {
        name: "bridge:acme".into(),
        kind: LeaseErrorKind::Lost,
        detail: Some("it expired".into()),
        source: None,
    };
    assert_eq!(lost.to_string(), "lease `bridge:acme` was lost: it expired");
    assert!(lost.source().is_none());

    // A PATCH that cannot be built is input error with no source: the whole cause is in
    // the message, each part once.
    let patch = scim_types::PatchOp::builder()
        .remove("emails[type eq work]")
        .build()
        .unwrap_err();
    let err = Error::from(patch);
    let text = err.to_string();
    assert!(err.source().is_none());
    assert!(
        text.starts_with("invalid input: invalid SCIM PATCH request: PATCH operation 0: invalid path `emails[type eq work]`: invalid filter at column 16"),
        "{text}"
    );
}

/// Redis is reached through the real client: the lease and the shared rate limit's
/// errors, and the Redis-level error under them, each print once.
#[cfg(feature = "redis")]
#[tokio::test]
async fn redis_errors_do_not_repeat_their_source() {
    use idgraph_common::SecretString;
    use idgraph_common::redis::{Lease, Redis, RedisRateLimit};

    let port = refused_port();
    let redis = Redis::builder()
        .url(SecretString::from(format!("redis://127.0.0.1:{port}")))
        .command_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let lease = Lease::builder(&redis, "bridge:acme").build().unwrap();
    let err = lease.try_acquire().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Lease {
                kind: LeaseErrorKind::Unavailable,
                ..
            }
        ),
        "{err:?}"
    );
    // Lease, then the "Redis at … did not run the command" link, then the client's.
    assert_each_cause_once(&err, 2);
    let chain = links(&err);
    assert_eq!(chain[0], "lease `bridge:acme` could not be reached");
    assert!(
        chain[1].starts_with(&format!("Redis at redis://127.0.0.1:{port} ")),
        "{chain:?}"
    );

    let limiter = RedisRateLimit::builder(&redis, "pp:acme")
        .quota(100, Duration::from_secs(60))
        .build()
        .unwrap()
        .into_limiter();
    let err = limiter.acquire().await.unwrap_err();
    assert!(matches!(err, Error::Limiter { .. }), "{err:?}");
    assert_each_cause_once(&err, 2);

    // A bad scheme is quoted escaped and bounded.
    let scheme = format!("{}://h", "r".repeat(10_000));
    let err = Redis::builder()
        .url(SecretString::from(scheme))
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("`rrrr"), "{text}");
    assert!(text.chars().count() < 300, "{} characters", text.len());
}

#[tokio::test(start_paused = true)]
async fn caller_input_in_transport_errors_is_escaped_and_bounded() {
    let server = MockServer::start().await;
    let c = client(&server).build().unwrap();

    // A content type a caller passed to `json_as`.
    let content_type: &'static str = Box::leak(hostile('t').into_boxed_str());
    let err = c
        .post(["users"])
        .json_as(&serde_json::json!({}), content_type)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert_escaped_and_bounded(&err.to_string(), 300);
    assert_eq!(received(&server).await, 0);

    // Header names can hold no control character, but are bounded all the same.
    let name = "X-".to_owned() + &"n".repeat(10_000);
    let err = client(&server)
        .default_header(name.clone(), "bad\nvalue")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("`X-nnn"), "{err}");
    assert!(err.to_string().chars().count() < 300, "{err}");
    let err = client(&server)
        .auth(HeaderPair::new(&name, "user", "X-Password", "pass\r\nword"))
        .build()
        .unwrap_err();
    assert!(err.to_string().chars().count() < 400, "{err}");
    let err = client(&server)
        .auth(HeaderPair::new("X-User", "us\ner", &name, "password"))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("`x-user`"), "{err}");
    let err = client(&server)
        .auth(HeaderPair::new("X-User", "user", &name, "pass\nword"))
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("client configuration error: the credential for the `x-nnn"),
        "{err}"
    );
    assert!(err.to_string().chars().count() < 400, "{err}");

    // A scheme the base URL must not have.
    let err = HttpClient::builder()
        .base_url(format!("{}://api.example.com", "s".repeat(10_000)))
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("not `ssss"), "{err}");
    assert!(err.to_string().chars().count() < 300, "{err}");
}

#[test]
fn caller_input_in_graph_errors_is_escaped_and_bounded() {
    // A lease name given by a caller's own run guard.
    let err = Error::Lease {
        name: hostile('l'),
        kind: LeaseErrorKind::Held,
        detail: None,
        source: None,
    };
    assert_escaped_and_bounded(&err.to_string(), 200);

    // An audit file path.
    let path = format!("/nonexistent-idgraph-dir/{}", hostile('p'));
    let Err(err) = JsonLinesSink::create(&path) else {
        panic!("the audit file was created")
    };
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("`/nonexistent-idgraph-dir/evil\\n2026"),
        "{err}"
    );
    assert!(!err.to_string().chars().any(char::is_control), "{err:?}");
    assert!(err.to_string().chars().count() < 250, "{err}");
}

#[cfg(feature = "sources")]
#[test]
fn caller_input_in_source_file_errors_is_escaped_and_bounded() {
    use idgraph_common::graph::source::{CsvSource, SourceField};

    // A configured column the header lacks: the problem names the column.
    let col = hostile('c');
    let csv = "email,given_name,family_name\nada@example.com,Ada,Lovelace\n";
    let err = CsvSource::from_reader(std::io::Cursor::new(csv))
        .column(SourceField::DisplayName, col)
        .load()
        .unwrap_err();
    let text = err.to_string();
    // The report puts each problem on a line of its own; the hostile name adds none.
    let line = text
        .lines()
        .find(|l| l.contains("evil"))
        .unwrap_or_else(|| panic!("no problem names the column: {text}"));
    assert_escaped_and_bounded(line, 250);
    assert!(line.contains("no such column"), "{line}");
    assert!(text.chars().count() < 1_000, "{} characters", text.len());

    // A value that is not a boolean.
    let csv = "email,given_name,family_name,display_name,external_id,role,active,groups\n\
               ada@example.com,Ada,Lovelace,,,,\"ja\n\u{1b}[2Jno\",\n";
    let err = CsvSource::from_reader(std::io::Cursor::new(csv))
        .load()
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("`ja\\n\\u{1b}[2Jno` is not a boolean"),
        "{text}"
    );
    // The report's own layout has line breaks between problems; none inside one.
    for line in text.lines() {
        assert!(!line.chars().any(char::is_control), "{line:?}");
    }
}
