//! The 100 requests/minute limit on tokio's paused clock: the fake really throttles,
//! and the client never makes it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use futures::TryStreamExt;
use proofpoint_essentials::testing::{FakeEssentials, SimClock, max_in_window};
use proofpoint_essentials::{
    BulkUser, Error, GroupId, NewUser, PrimaryEmail, RateLimiter, RetryPolicy, UserPassword,
    UserType,
};
use tokio::time::Instant;

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test(start_paused = true)]
async fn the_fake_answers_429_past_100_requests_in_a_minute() {
    let clock = SimClock::new();
    let fake = FakeEssentials::builder().clock(clock.clone()).start().await;
    // No client-side limit (the stamping limiter only tells the fake the time), no retry.
    let client = fake
        .rest_client()
        .transport(
            fake.transport()
                .rate_limiter(clock.limiter(RateLimiter::unlimited()))
                .retry_policy(RetryPolicy::disabled()),
        )
        .build()
        .unwrap();
    let email = PrimaryEmail::new("nobody@example.com").unwrap();
    for _ in 0..100 {
        assert!(client.users().get(&email).await.unwrap_err().is_not_found());
    }
    let err = client.users().get(&email).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert_eq!(err.retry_after(), None, "no Retry-After, as documented");
    assert_eq!(fake.throttled(), 1);
    // A minute later the window has room again.
    tokio::time::sleep(MINUTE).await;
    assert!(client.users().get(&email).await.unwrap_err().is_not_found());
}

#[tokio::test(start_paused = true)]
async fn a_429_the_client_did_not_prevent_is_retried_with_backoff() {
    let clock = SimClock::new();
    // The server allows 2 per 10 s; the client does not know and has no limiter.
    let fake = FakeEssentials::builder()
        .clock(clock.clone())
        .rate_limit(Some((2, Duration::from_secs(10))))
        .start()
        .await;
    let client = fake
        .rest_client()
        .transport(
            fake.transport()
                .rate_limiter(clock.limiter(RateLimiter::unlimited()))
                .retry_policy(RetryPolicy::standard().with_max_attempts(10)),
        )
        .build()
        .unwrap();
    let start = Instant::now();
    for i in 0..4 {
        let email = PrimaryEmail::new(format!("u{i}@example.com")).unwrap();
        client
            .users()
            .create(
                &NewUser::new(email, UserType::User)
                    .names("Rate", format!("Limited {i}"))
                    .password(UserPassword::new("Temp@1234")),
            )
            .await
            .unwrap();
    }
    assert!(fake.throttled() > 0, "the server did throttle");
    assert_eq!(
        fake.user_count(),
        4,
        "each POST was retried after its 429, none twice"
    );
    assert!(Instant::now() - start >= Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn bulk_creating_250_users_with_groups_stays_under_the_limit() {
    let clock = SimClock::new();
    let fake = FakeEssentials::builder().clock(clock.clone()).start().await;
    let groups = ["grp_sales", "grp_eng", "grp_ops"];
    for g in groups {
        fake.add_group(g, g);
    }
    let client = fake
        .rest_client()
        .transport(
            fake.transport()
                .rate_limiter(clock.limiter(RateLimiter::per_minute(100).unwrap())),
        )
        .build()
        .unwrap();
    let items: Vec<BulkUser> = (0..250)
        .map(|i| {
            let email = PrimaryEmail::new(format!("new{i:03}@example.com")).unwrap();
            let user = NewUser::new(email, UserType::User)
                .names("New", format!("Hire {i}"))
                .password(UserPassword::new(format!("Temp-{i}!")));
            // One or two groups each: 375 memberships.
            let mut item = BulkUser::new(user).group(GroupId::new(groups[i % 3]).unwrap());
            if i % 2 == 0 {
                item = item.group(GroupId::new(groups[(i + 1) % 3]).unwrap());
            }
            item
        })
        .collect();
    let memberships: usize =
        items.iter().map(|_| 1).sum::<usize>() + (0..250).filter(|i| i % 2 == 0).count();
    let start = Instant::now();
    let report = client.users().bulk_create(items).send().await;
    let took = Instant::now() - start;

    assert!(report.all_succeeded(), "{:?}", report.failed().next());
    assert_eq!(report.created().count(), 250);
    // No 429 reached the caller, nor the server.
    assert_eq!(fake.throttled(), 0);
    // The fake never saw more than 100 requests in any 60 s of the simulated clock.
    let requests = fake.requests();
    assert_eq!(requests.len(), 250 + memberships);
    assert!(
        fake.max_requests_in(MINUTE) <= 100,
        "{}",
        fake.max_requests_in(MINUTE)
    );
    assert_eq!(max_in_window(&clock.stamps(), MINUTE), 100);
    // Every user and membership exists.
    assert_eq!(fake.user_count(), 250);
    let members: usize = groups.iter().map(|g| fake.members(g).len()).sum();
    assert_eq!(members, memberships);
    for i in (0..250).step_by(37) {
        let e = format!("new{i:03}@example.com");
        assert!(fake.members(groups[i % 3]).contains(&e), "{e}");
        assert!(fake.password_matches(&e, &format!("Temp-{i}!")));
    }
    // At the limit: n requests take (n - 1) × 600 ms.
    let expected = Duration::from_millis(600) * (requests.len() as u32 - 1);
    assert_eq!(took, expected, "ran at the limit, no slower");
}

#[tokio::test(start_paused = true)]
async fn the_rest_client_limits_itself_by_default_and_shares_a_limiter() {
    let fake = FakeEssentials::builder().rate_limit(None).start().await;
    // Default: 100 per minute, one permit every 600 ms.
    let client = fake.rest_client().build().unwrap();
    let start = Instant::now();
    for _ in 0..11 {
        let _ = client
            .users()
            .list()
            .max_pages(1)
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .unwrap();
    }
    assert_eq!(Instant::now() - start, Duration::from_secs(6));

    // Two clients sharing one limiter share one budget.
    let shared = RateLimiter::per_minute(100).unwrap();
    let a = fake
        .rest_client()
        .transport(fake.transport().rate_limiter(shared.clone()))
        .build()
        .unwrap();
    let b = fake
        .rest_client()
        .transport(fake.transport().rate_limiter(shared))
        .build()
        .unwrap();
    let start = Instant::now();
    for _ in 0..5 {
        for c in [&a, &b] {
            let _ = c
                .users()
                .list()
                .max_pages(1)
                .stream()
                .try_collect::<Vec<_>>()
                .await
                .unwrap();
        }
    }
    assert_eq!(Instant::now() - start, Duration::from_millis(600 * 9));

    // The interface API has no documented limit, so none by default.
    let real = fake.interface_client().build().unwrap();
    let start = Instant::now();
    for _ in 0..20 {
        real.me().await.unwrap();
    }
    assert_eq!(Instant::now() - start, Duration::ZERO);
}

/// The rolling-window limiter against the fake's rolling window: 250 requests from an
/// empty window with no 429, never more than 100 in any 60 s, in about the true floor
/// (120 s: a full quota at 0, 60 and 120 s) instead of the even spacing's 149 s.
#[tokio::test(start_paused = true)]
async fn a_sliding_window_limiter_reaches_the_rolling_ceiling_without_a_429() {
    use idgraph_common::rate_limit::SlidingWindow;
    let clock = SimClock::new();
    let fake = FakeEssentials::builder().clock(clock.clone()).start().await;
    let limiter = RateLimiter::new(SlidingWindow::new(100, MINUTE).unwrap());
    let client = fake
        .rest_client()
        .transport(
            fake.transport()
                .rate_limiter(clock.limiter(limiter))
                .retry_policy(RetryPolicy::disabled()),
        )
        .build()
        .unwrap();
    let email = PrimaryEmail::new("nobody@example.com").unwrap();
    let start = Instant::now();
    for _ in 0..250 {
        assert!(client.users().get(&email).await.unwrap_err().is_not_found());
    }
    let took = start.elapsed();
    assert_eq!(fake.throttled(), 0);
    assert!(fake.max_requests_in(MINUTE) <= 100);
    assert!(took >= Duration::from_secs(120), "{took:?}");
    assert!(took <= Duration::from_millis(121_200), "{took:?}");
}
