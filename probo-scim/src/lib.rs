//! A typed async client for [Probo](https://www.getprobo.com)'s SCIM 2.0 Users API, with
//! every behaviour of Probo's real server handled, not just the happy path.
//!
//! # Quick start
//!
//! ```no_run
//! use probo_scim::{Client, ScimToken};
//!
//! # async fn run() -> probo_scim::Result<()> {
//! let client = Client::builder()
//!     .base_url("https://probo.example.com") // the client adds /api/connect/v1/scim/2.0
//!     .token(ScimToken::new(std::env::var("PROBO_SCIM_TOKEN").unwrap_or_default()))
//!     .build()?;
//!
//! let users = client.users();
//! if let Some(id) = users.find_by_user_name("leaver@example.com").await?.and_then(|u| u.id) {
//!     let user = users.deactivate(&id).await?;
//!     println!("{} active={:?}", user.user_name, user.active);
//! }
//! # Ok(()) }
//! ```
//!
//! # Probo's traps, and what the client does about them
//!
//! | Probo does | The client |
//! |---|---|
//! | ignores `startIndex`/`count` and returns every user on every page | stops after the first answer (`totalResults`), never yields a user twice |
//! | rejects `externalId` filters (400 `invalidFilter`) | [`Users::find_by_external_id`] lists and compares locally |
//! | sends the user's `id` as `externalId` when there is none | [`external_id`] treats that echo as none |
//! | reactivates a user on a PUT without `active` | [`Users::replace`] always sends `active` |
//! | clears `title`, `givenName`, `familyName` on a PUT without them | [`Users::replace`] sends the current values when you leave them unset |
//! | ignores `emails` on PUT and PATCH; renames only through a POST repeating the `externalId` | `replace` and `patch` refuse email changes, naming [`Users::rename_email`] |
//! | answers 201 with an *existing* user's id (take-over, rename) | [`Users::create`] returns a [`CreateOutcome`] saying which |
//! | answers DELETE 204 even when it only deactivated the user | [`Users::delete`] checks, and answers [`Error::Incomplete`] saying so |
//! | answers 401 with plain JSON, and rotates the token on every Bridge sync | the error says the token may have been rotated by a Bridge |
//! | refuses non-GET requests carrying an `Origin` header (403) | never sends `Origin` |
//! | resets the role to EMPLOYEE on reactivation | documented on [`Users::reactivate`] |
//! | answers PUT/PATCH uniqueness conflicts with a bare 500 | the error says what it probably means |
//!
//! Errors are [`idgraph_common::Error`] (re-exported as [`Error`]): match on the phase, or
//! use `is_not_found()`, `is_unauthorized()`, `is_conflict()`, `scim_error()`.
//!
//! # The family's shape
//!
//! As in every crate of the family: [`Client::builder`] returns a `Clone` builder whose
//! transport knobs all come in one [`TransportSettings`] (`.transport(settings)`; Probo's
//! default body cap is [`MAX_RESPONSE_BODY`]); [`Client::users`] is an owned handle;
//! users are named by their [`UserId`]; `list()` ends in `.stream()` / `.pages()`;
//! `get`, `deactivate` and `reactivate` return the [`User`]; `create` returns a
//! [`CreateOutcome`] with [`.user()`](CreateOutcome::user) (Probo may reuse an account);
//! `delete` returns `()` or [`Error::Incomplete`].
//!
//! # Testing your code
//!
//! With the `test-util` feature, [`testing::FakeProbo`] is a stateful fake of a Probo
//! instance (on wiremock) that behaves as Probo does, so you can test your automation
//! without one.
//!
//! # Identity graph
//!
//! [`Client`] implements [`idgraph_common::graph::UserDirectory`].
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod builder;
mod catalog;
mod client;
mod directory;
mod outcome;
mod snapshot;
mod timestamp;
mod token;
mod users;

#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod testing;

pub use builder::{ClientBuilder, DEFAULT_PAGE_SIZE, MAX_RESPONSE_BODY, SCIM_PATH};
pub use catalog::{APP_ID, catalog_entry};
pub use client::Client;
pub use idgraph_common::{Error, RateLimiter, Result, RetryBudget, RetryPolicy, TransportSettings};
pub use outcome::{CreateOutcome, RenameOutcome};
pub use token::ScimToken;
pub use users::{ListUsers, Users, external_id};

/// The SCIM types this crate's API uses, re-exported so that you name the same ones.
pub use scim_types::{self, EnterpriseUser, Filter, Name, PatchOp, User, UserId};

/// The README's examples, compiled as doctests (one uses the `test-util` fake).
#[cfg(all(doctest, feature = "test-util"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
