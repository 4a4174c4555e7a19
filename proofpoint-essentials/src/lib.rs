//! Typed async client for **Proofpoint Essentials** users and groups, over two API
//! surfaces and one model.
//!
//! * [`Surface::RestV2`]: the REST API as the project's specification gives it
//!   (`https://api.proofpoint.com/v2`, HTTP Basic with an [`ApiKey`] and [`ApiSecret`],
//!   `/users` and `/groups`, `page`/`pageSize` up to 1000, 100 requests per minute, on by
//!   default as a client-side limiter).
//! * [`Surface::InterfaceV1`]: the Essentials interface API that real deployments
//!   expose (`https://{stack}.proofpointessentials.com/api/v1/orgs/{domain}/users`,
//!   `X-User`/`X-Password` headers, snake_case fields, batch create with per-user errors,
//!   no groups, no paging). Stack discovery ([`ClientBuilder::discover`]) and a
//!   credential check ([`Client::me`]).
//!
//! # Quick start
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use proofpoint_essentials::{ApiKey, ApiSecret, Client, Irreversible, NewUser, PrimaryEmail,
//!     UserPassword, UserType};
//!
//! # async fn run() -> proofpoint_essentials::Result<()> {
//! let client = Client::builder()
//!     .api_key(ApiKey::new(std::env::var("PP_API_KEY").unwrap_or_default()))
//!     .api_secret(ApiSecret::new(std::env::var("PP_API_SECRET").unwrap_or_default()))
//!     .build()?;
//!
//! let email = PrimaryEmail::new("newuser@example.com")?;
//! client
//!     .users()
//!     .create(
//!         &NewUser::new(email.clone(), UserType::User)
//!             .names("John", "Smith")
//!             .password(UserPassword::new("Temp@1234")),
//!     )
//!     .await?;
//!
//! // A PUT replaces the whole user: `update` reads it, applies the change, writes it all.
//! client.users().update(&email, |u| u.last_name = Some("Smyth".into())).await?;
//!
//! let all: Vec<_> = client.users().list().stream().try_collect().await?;
//! println!("{} users", all.len());
//!
//! client.users().delete(&email, Irreversible).await?;
//! # Ok(()) }
//! ```
//!
//! # Safety guarantees
//!
//! * **No partial PUT.** There is no partial-user type. [`Users::update`] reads the full
//!   user, applies a closure and PUTs everything back, unknown fields included;
//!   [`Users::replace`] takes only a [`User`] that came from the API.
//! * **Immutable primary email.** [`PrimaryEmail`] is validated and has no setter; no
//!   update carries it. [`Users::change_primary_email`] is an explicit, planned
//!   delete-and-recreate that lists what is lost first.
//! * **Irreversible delete asks by name**: [`Users::delete`] and [`Users::offboard`]
//!   take [`Irreversible`]. [`Users::deactivate`] is the reversible alternative.
//! * **No silent data loss.** Unknown fields are kept and written back; a field the
//!   chosen surface does not have is refused rather than dropped.
//! * **Secrets stay secret**: credentials and user passwords are distinct redacting
//!   types; never in URLs, errors, logs or `Debug`.
//!
//! # Errors
//!
//! Every operation returns the family's shared [`Error`]. A 400 because an email's
//! domain is not registered is an [`Error::Api`] carrying this crate's
//! [`ErrorCode::DomainNotRegistered`] (read with [`Error::vendor_code`]); 429 is retried
//! by the transport with full-jitter backoff (no `Retry-After` is promised); a missing
//! user is [`Error::is_not_found`]; groups on the interface API are
//! [`Error::Unsupported`]; a builder setting that is missing, unusable or mixes the two
//! surfaces is [`Error::Config`] naming the setter.
//!
//! # Features
//!
//! `rustls` (default), `native-tls`, `tracing` (default) and `test-util`, which adds
//! [`testing::FakeEssentials`], a stateful fake of both surfaces.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod builder;
mod bulk;
mod catalog;
mod client;
mod credentials;
mod directory;
mod email_change;
mod errors;
mod groups;
mod model;
mod offboard;
mod password;
mod stack;
mod users;
mod wire;

#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod testing;

pub use builder::{
    ClientBuilder, DEFAULT_BATCH_SIZE, DEFAULT_REST_BASE_URL, INTERFACE_MAX_RESPONSE_BODY,
    REST_REQUESTS_PER_MINUTE,
};
pub use bulk::{
    BulkCreate, BulkReport, BulkResult, BulkUser, CreateError, GroupAssignment, Rejection,
};
pub use catalog::{APP_ID, catalog_entry, catalog_entry_interface_v1};
pub use client::{Client, Surface};
pub use credentials::{AdminPassword, AdminUser, ApiKey, ApiSecret, UserPassword};
pub use email_change::{EmailChangePlan, EmailChangeReport, Loss};
pub use errors::ErrorCode;
pub use groups::{Groups, ListGroups};
pub use model::{Group, GroupId, Me, NewUser, PrimaryEmail, User, UserStatus, UserType};
pub use offboard::OffboardReport;
pub use password::{GENERATED_PASSWORD_LENGTH, PasswordPolicy};
pub use stack::Stack;
pub use users::{Irreversible, ListUsers, MAX_PAGE_SIZE, Users};

pub use idgraph_common::paginate::Page;
pub use idgraph_common::{Error, RateLimiter, Result, RetryBudget, RetryPolicy, TransportSettings};

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
