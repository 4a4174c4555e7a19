//! One small program, written once and run against every client of the family: build a
//! client with one shared `TransportSettings`, list the users as a stream, get one,
//! deactivate it, and map the errors. It is the proof that learning one crate teaches the
//! others: if one crate's shape drifts (a per-knob setter, a borrowed handle, a `Vec`
//! instead of a stream, a deactivate that returns nothing, its own error type), this file
//! stops compiling.
//!
//! The program is the body of `family_program!`; each client gets its own copy by
//! invoking the macro in a module of its own, so the copies cannot drift apart.
//! Everything a crate spells differently is an argument of the invocation, in plain
//! sight:
//!
//! * **names**: the `use` lines of each module (the client, fake, user and id types) and
//!   the crate's `Error` (which must be `idgraph_common::Error`: one function maps them);
//! * **where the app is and its credential** (`builder:`): a SCIM base URL and a bearer
//!   token for Probo and the generic SCIM client, Hyperproof's SCIM URL and token,
//!   Proofpoint's API key and secret (REST v2) or its stack, organization domain, admin
//!   user and password (interface API v1). These are what each vendor asks for;
//! * **the id of a listed user** (`id_of:`): `user.id.clone().expect(..)` for SCIM, whose
//!   one `scim_types::User` type is also what a create sends, so its server-assigned `id`
//!   is an `Option`; `user.id().clone()` for Proofpoint, whose `User` only ever comes
//!   from the API and is named by its primary email, always present;
//! * **an id that names nobody** (`unknown:`): `PrimaryEmail::new(..)?` validates (an
//!   email address is what a caller types, and the crate checks it before sending),
//!   SCIM ids are opaque and built infallibly (an empty one is refused when sent).
//!
//! Hyperproof's REST API has no endpoint that gets, creates, changes or deactivates a
//! user (user lifecycle is its SCIM API's), so it cannot run the program; what it has
//! is written out below in the same shape (`hyperproof_rest_program`).
//!
//! Each copy runs against the crate's stateful fake, so the shape is not only a signature.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures::TryStreamExt;
use idgraph_common::testing::paused_clock_reqwest_client;
use idgraph_common::{Error, RetryPolicy, TransportSettings};

/// What every copy of the program reports.
#[derive(Debug, PartialEq)]
struct Outcome {
    listed: usize,
    got_the_listed_user: bool,
    active_before: bool,
    active_after_deactivate: bool,
    unknown_user: &'static str,
}

/// What the program must report for every client: three users listed, the first one got
/// and deactivated, an unknown id not found.
const EXPECTED: Outcome = Outcome {
    listed: 3,
    got_the_listed_user: true,
    active_before: true,
    active_after_deactivate: false,
    unknown_user: "not found",
};

/// One settings value for every client: the same knobs, taken the same way.
fn shared_settings() -> TransportSettings {
    TransportSettings::new()
        .retry_policy(RetryPolicy::standard().with_max_attempts(2))
        .user_agent("family-shape/1.0")
        // The fakes run on this test's paused clock: no idle-pool timer, no attempt timer.
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

/// Family rule 1: builders are `Clone` (build several clients that differ in one setting).
fn clone_builder<B: Clone>(builder: B) -> B {
    builder.clone()
}

/// Family rule 4: handles are owned (`Send + Sync + 'static`), never borrowing the client.
fn owned_handle<H: Clone + Send + Sync + 'static>(handle: H) -> H {
    handle
}

/// Family rule 6: a listing's stream is lazy and can move into a task.
fn movable_stream<S: futures::TryStream + Send + Unpin + 'static>(stream: S) -> S {
    stream
}

/// The program, once. See the module docs for what each argument is and why it differs.
macro_rules! family_program {
    (
        $(#[$doc:meta])*
        async fn $name:ident($fake:ident: &$Fake:ty) -> Result<Outcome, $Error:ty>;
        builder: $builder:expr;
        user: $User:ty;
        id: $Id:ty;
        id_of: |$user:ident| $id_of:expr;
        unknown: $unknown:expr;
    ) => {
        $(#[$doc])*
        pub(super) async fn $name(
            $fake: &$Fake,
            settings: TransportSettings,
        ) -> Result<Outcome, $Error> {
            let client = clone_builder($builder).transport(settings).build()?;
            let users = owned_handle(client.users());
            drop(client);
            let listed: Vec<$User> = movable_stream(users.list().stream())
                .try_collect()
                .await?;
            let id: $Id = {
                let $user = &listed[0];
                $id_of
            };
            let got: $User = users.get(&id).await?;
            let got_id: $Id = {
                let $user = &got;
                $id_of
            };
            let after: $User = users.deactivate(&id).await?;
            let unknown = users.get(&$unknown).await;
            Ok(Outcome {
                listed: listed.len(),
                got_the_listed_user: got_id == id,
                active_before: got.is_active(),
                active_after_deactivate: after.is_active(),
                unknown_user: unknown.err().as_ref().map_or("found", error_kind),
            })
        }
    };
}

mod probo {
    use super::*;
    use probo_scim::testing::FakeProbo;
    use probo_scim::{Client, User, UserId};

    family_program! {
        /// `probo-scim`.
        async fn program(fake: &FakeProbo) -> Result<Outcome, probo_scim::Error>;
        builder: Client::builder().base_url(fake.base_url()).token(fake.token());
        user: User;
        id: UserId;
        id_of: |user| user.id.clone().expect("a listed SCIM user has an id");
        unknown: UserId::new("ABEiM0RVZncAMwAAAaAlZTWoobLD1OX0");
    }
}

mod hyperproof_scim {
    use super::*;
    use hyperproof::ScimClient as Client;
    use hyperproof::scim::{User, UserId};
    use hyperproof::testing::FakeHyperproof;

    family_program! {
        /// `hyperproof`'s SCIM API.
        async fn program(fake: &FakeHyperproof) -> Result<Outcome, hyperproof::Error>;
        builder: Client::builder().scim_url(fake.scim_url()).token(fake.scim_token());
        user: User;
        id: UserId;
        id_of: |user| user.id.clone().expect("a listed SCIM user has an id");
        unknown: UserId::new("00000000-0000-0000-0000-000000000000");
    }
}

mod proofpoint_rest {
    use super::*;
    use proofpoint_essentials::testing::{FAKE_API_KEY, FAKE_API_SECRET, FakeEssentials};
    use proofpoint_essentials::{ApiKey, ApiSecret, Client, PrimaryEmail, User};

    family_program! {
        /// `proofpoint-essentials` on the REST surface (v2).
        async fn program(fake: &FakeEssentials) -> Result<Outcome, proofpoint_essentials::Error>;
        builder: Client::builder()
            .base_url(fake.rest_base_url())
            .api_key(ApiKey::new(FAKE_API_KEY))
            .api_secret(ApiSecret::new(FAKE_API_SECRET));
        user: User;
        id: PrimaryEmail;
        id_of: |user| user.id().clone();
        unknown: PrimaryEmail::new("nobody@example.com")?;
    }
}

mod proofpoint_interface {
    use super::*;
    use proofpoint_essentials::testing::{FAKE_ADMIN_PASSWORD, FAKE_ADMIN_USER, FakeEssentials};
    use proofpoint_essentials::{AdminPassword, AdminUser, Client, PrimaryEmail, User};

    family_program! {
        /// `proofpoint-essentials` on the interface API (v1): the same `Client` and
        /// handles, another place and credential.
        async fn program(fake: &FakeEssentials) -> Result<Outcome, proofpoint_essentials::Error>;
        builder: Client::builder()
            .stack(fake.stack())
            .org_domain(fake.org_domain())
            .admin_user(AdminUser::new(FAKE_ADMIN_USER))
            .admin_password(AdminPassword::new(FAKE_ADMIN_PASSWORD));
        user: User;
        id: PrimaryEmail;
        id_of: |user| user.id().clone();
        unknown: PrimaryEmail::new("nobody@example.com")?;
    }
}

mod generic_scim {
    use super::*;
    use idgraph_common::scim::{ScimClient as Client, ScimToken};
    use idgraph_common::testing::{DEFAULT_TOKEN, ScimFake};
    use scim_types::{User, UserId};

    family_program! {
        /// `idgraph-common`'s generic SCIM client.
        async fn program(fake: &ScimFake) -> Result<Outcome, idgraph_common::Error>;
        builder: Client::builder().base_url(fake.url()).token(ScimToken::new(DEFAULT_TOKEN));
        user: User;
        id: UserId;
        id_of: |user| user.id.clone().expect("a listed SCIM user has an id");
        unknown: UserId::new("no-such-user");
    }
}

/// What Hyperproof's REST API can do of the program, in the same shape: build with the
/// shared settings, list the users as a stream (owned handle, movable stream), tell
/// active from deactivated with `is_active()`, and map the error of a single `get`.
///
/// It stops there because the API does: `/v1/users` has no get-by-id and no call that
/// changes or deactivates a user (Hyperproof's user lifecycle is its SCIM API's, run
/// above). The only single `get` it has is for groups, and an unknown group id is
/// answered like an unknown user elsewhere.
async fn hyperproof_rest_program(
    fake: &hyperproof::testing::FakeHyperproof,
    settings: TransportSettings,
) -> Result<(usize, usize, &'static str), hyperproof::Error> {
    let client = clone_builder(
        hyperproof::RestClient::builder()
            .base_url(fake.rest_url())
            .token_url(fake.token_url())
            .client_credentials(fake.client_credentials()),
    )
    .transport(settings)
    .build()?;
    let (users, groups) = (owned_handle(client.users()), owned_handle(client.groups()));
    drop(client);
    let listed: Vec<hyperproof::rest::OrganizationUser> =
        movable_stream(users.list().include_deactivated(true).stream())
            .try_collect()
            .await?;
    let active = listed.iter().filter(|u| u.is_active()).count();
    let unknown = groups
        .get(&hyperproof::rest::GroupId::new(
            "00000000-0000-0000-0000-000000000000",
        ))
        .await;
    Ok((
        listed.len(),
        active,
        unknown.err().as_ref().map_or("found", error_kind),
    ))
}

/// On tokio's paused clock: Proofpoint's default REST limiter (100 requests a minute)
/// spaces the requests 0.6 s apart, which the paused clock skips instead of waiting.
#[tokio::test(start_paused = true)]
async fn the_same_program_runs_against_every_client_of_the_family() {
    let emails = ["ada@example.com", "grace@example.com", "linus@example.com"];

    let probo = probo_scim::testing::FakeProbo::start().await;
    for e in emails {
        probo.insert_user(probo_scim::User::new(e));
    }
    let hyperproof = hyperproof::testing::FakeHyperproof::start().await;
    for e in emails {
        hyperproof.scim().insert_user(scim_types::User::new(e));
    }
    // One fake per Proofpoint surface, so each run starts from three active users.
    let mut proofpoint = Vec::new();
    for _ in 0..2 {
        let fake = proofpoint_essentials::testing::FakeEssentials::start().await;
        for e in emails {
            fake.insert_user(serde_json::json!({
                "primaryEmail": e, "firstName": "A", "lastName": "B", "type": "end_user"
            }))
            .unwrap();
        }
        proofpoint.push(fake);
    }
    let scim = idgraph_common::testing::ScimFake::start().await;
    for e in emails {
        scim.insert_user(scim_types::User::new(e));
    }

    let settings = shared_settings();
    let outcomes = [
        ("probo-scim", probo::program(&probo, settings.clone()).await),
        (
            "hyperproof SCIM",
            hyperproof_scim::program(&hyperproof, settings.clone()).await,
        ),
        (
            "proofpoint-essentials REST v2",
            proofpoint_rest::program(&proofpoint[0], settings.clone()).await,
        ),
        (
            "proofpoint-essentials interface v1",
            proofpoint_interface::program(&proofpoint[1], settings.clone()).await,
        ),
        (
            "idgraph-common SCIM",
            generic_scim::program(&scim, settings.clone()).await,
        ),
    ];
    for (client, outcome) in outcomes {
        assert_eq!(outcome.unwrap(), EXPECTED, "{client}");
    }
    // The deactivations reached each app: the fakes' own records say so.
    let inactive_count = |users: Vec<scim_types::User>| {
        users
            .iter()
            .map(|u| (u.user_name.clone(), u.is_active()))
            .filter(|(_, active)| !active)
            .count()
    };
    assert_eq!(inactive_count(probo.users()), 1);
    assert_eq!(inactive_count(hyperproof.scim_users()), 1);
    assert_eq!(inactive_count(scim.users()), 1);
    for fake in &proofpoint {
        let statuses: Vec<_> = emails
            .iter()
            .map(|e| fake.user_json(e).unwrap()["status"].clone())
            .collect();
        assert_eq!(
            statuses.iter().filter(|s| *s == "inactive").count(),
            1,
            "{statuses:?}"
        );
    }

    // Hyperproof's REST API: everyone it lists, deactivated included.
    let expected_rest = hyperproof.rest_users();
    let expected_active = expected_rest.iter().filter(|u| u.is_active()).count();
    let (listed, active, unknown_group) = hyperproof_rest_program(&hyperproof, settings)
        .await
        .unwrap();
    assert_eq!((listed, active), (expected_rest.len(), expected_active));
    // The one user the SCIM program deactivated is the one inactive user here.
    assert_eq!(listed - active, 1, "{expected_rest:?}");
    assert_eq!(unknown_group, "not found");
}
