//! One small program, written three times: against `probo-scim`, `hyperproof` (SCIM) and
//! `proofpoint-essentials` (REST). Build a client with one shared `TransportSettings`,
//! list the users as a stream, get one, deactivate it, and map the errors. The three
//! copies differ only in names (the crate, its credential, its id type), which is the
//! proof that learning one crate of the family teaches the others: if one crate's shape
//! drifts (a per-knob setter, a borrowed handle, a `Vec` instead of a stream, a
//! deactivate that returns nothing), this file stops compiling.
//!
//! Each copy also runs against the crate's fake, so the shape is not only a signature.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures::TryStreamExt;
use idgraph_common::testing::paused_clock_reqwest_client;
use idgraph_common::{Error, RetryPolicy, TransportSettings};

/// What every copy of the program reports.
#[derive(Debug, PartialEq)]
struct Outcome {
    listed: usize,
    got: String,
    active_after_deactivate: bool,
    unknown_user: &'static str,
}

/// One settings value for every client: the same knobs, taken the same way.
fn shared_settings() -> TransportSettings {
    TransportSettings::new()
        .retry_policy(RetryPolicy::standard().with_max_attempts(2))
        .user_agent("family-shape/1.0")
        // The fakes run on this test's runtime: no idle-pool timer, no attempt timer.
        .no_attempt_timeout()
        .reqwest_client(paused_clock_reqwest_client())
}

/// Errors are one type in every crate, so one function maps them.
fn error_kind(err: &Error) -> &'static str {
    if err.is_not_found() {
        "not found"
    } else if err.is_unauthorized() {
        "unauthorized"
    } else if err.is_retryable() {
        "try again later"
    } else {
        "other"
    }
}

async fn probo_program(
    fake: &probo_scim::testing::FakeProbo,
    settings: TransportSettings,
) -> Result<Outcome, probo_scim::Error> {
    use probo_scim::{Client, User, UserId};

    let client = Client::builder()
        .base_url(fake.base_url())
        .token(fake.token())
        .transport(settings)
        .build()?;
    let users = client.users();
    let listed: Vec<User> = users.list().stream().try_collect().await?;
    let id: UserId = listed[0].id.clone().expect("a listed user has an id");
    let got: User = users.get(&id).await?;
    let after: User = users.deactivate(&id).await?;
    let unknown = users
        .get(&UserId::new("ABEiM0RVZncAMwAAAaAlZTWoobLD1OX0"))
        .await;
    Ok(Outcome {
        listed: listed.len(),
        got: got.user_name,
        active_after_deactivate: after.active != Some(false),
        unknown_user: unknown.err().as_ref().map_or("found", error_kind),
    })
}

async fn hyperproof_program(
    fake: &hyperproof::testing::FakeHyperproof,
    settings: TransportSettings,
) -> Result<Outcome, hyperproof::Error> {
    use hyperproof::ScimClient as Client;
    use hyperproof::scim::{User, UserId};

    let client = Client::builder()
        .scim_url(fake.scim_url())
        .token(fake.scim_token())
        .transport(settings)
        .build()?;
    let users = client.users();
    let listed: Vec<User> = users.list().stream().try_collect().await?;
    let id: UserId = listed[0].id.clone().expect("a listed user has an id");
    let got: User = users.get(&id).await?;
    let after: User = users.deactivate(&id).await?;
    let unknown = users
        .get(&UserId::new("00000000-0000-0000-0000-000000000000"))
        .await;
    Ok(Outcome {
        listed: listed.len(),
        got: got.user_name,
        active_after_deactivate: after.active != Some(false),
        unknown_user: unknown.err().as_ref().map_or("found", error_kind),
    })
}

async fn proofpoint_program(
    fake: &proofpoint_essentials::testing::FakeEssentials,
    settings: TransportSettings,
) -> Result<Outcome, proofpoint_essentials::Error> {
    use proofpoint_essentials::{ApiKey, ApiSecret, Client, PrimaryEmail, User};

    let client = Client::builder()
        .base_url(fake.rest_base_url())
        .api_key(ApiKey::new(proofpoint_essentials::testing::FAKE_API_KEY))
        .api_secret(ApiSecret::new(
            proofpoint_essentials::testing::FAKE_API_SECRET,
        ))
        .transport(settings)
        .build()?;
    let users = client.users();
    let listed: Vec<User> = users.list().stream().try_collect().await?;
    let id: PrimaryEmail = listed[0].primary_email().clone();
    let got: User = users.get(&id).await?;
    let after: User = users.deactivate(&id).await?;
    let unknown = users.get(&PrimaryEmail::new("nobody@example.com")?).await;
    Ok(Outcome {
        listed: listed.len(),
        got: got.primary_email().to_string(),
        active_after_deactivate: after.is_active(),
        unknown_user: unknown.err().as_ref().map_or("found", error_kind),
    })
}

/// On tokio's paused clock: Proofpoint's default limiter (100 requests a minute) spaces
/// the requests 0.6 s apart, which the paused clock skips instead of waiting.
#[tokio::test(start_paused = true)]
async fn the_same_program_runs_against_every_vendor_crate() {
    let emails = ["ada@example.com", "grace@example.com", "linus@example.com"];

    let probo = probo_scim::testing::FakeProbo::start().await;
    for e in emails {
        probo.insert_user(probo_scim::User::new(e));
    }
    let hyperproof = hyperproof::testing::FakeHyperproof::start().await;
    for e in emails {
        hyperproof.scim().insert_user(scim_types::User::new(e));
    }
    let proofpoint = proofpoint_essentials::testing::FakeEssentials::start().await;
    proofpoint.register_domain("example.com");
    for e in emails {
        proofpoint
            .insert_user(serde_json::json!({
                "primaryEmail": e, "firstName": "A", "lastName": "B", "type": "end_user"
            }))
            .unwrap();
    }

    let settings = shared_settings();
    let outcomes = [
        probo_program(&probo, settings.clone()).await.unwrap(),
        hyperproof_program(&hyperproof, settings.clone())
            .await
            .unwrap(),
        proofpoint_program(&proofpoint, settings).await.unwrap(),
    ];
    for outcome in &outcomes {
        assert_eq!(outcome.listed, 3, "{outcome:?}");
        assert!(emails.contains(&outcome.got.as_str()), "{outcome:?}");
        assert!(!outcome.active_after_deactivate, "{outcome:?}");
        assert_eq!(outcome.unknown_user, "not found", "{outcome:?}");
    }
}
