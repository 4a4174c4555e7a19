//! Typed async clients for [Hyperproof](https://hyperproof.io)'s two user-management
//! surfaces, with credentials that cannot be mixed up.
//!
//! * [`RestClient`]: the REST API (`/v1/users`, `/v1/groups`, `/v1/roles`), authenticated
//!   with OAuth2 client credentials ([`ClientCredentials`], as Hyperproof documents; the
//!   token is cached and refreshed) or a static bearer token ([`ApiToken`], as the seed
//!   specifies). Regions US, EU and Gov ([`Region`]) or any base URL.
//! * [`ScimClient`]: the organization's SCIM 2.0 endpoint (its own URL and its own
//!   [`ScimToken`]): users (list, get, find, create, replace, deactivate, reactivate,
//!   role), groups (create, members, archive). It also implements the identity graph's
//!   [`UserDirectory`](idgraph_common::graph::UserDirectory).
//!
//! The SCIM token and the REST credentials are distinct types, so passing one where the
//! other belongs does not compile (see the `compile_fail` examples on [`RestClient`] and
//! [`ScimClient`]); a 401 names the credential that was rejected.
//!
//! # Quick start: REST
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use hyperproof::{ClientCredentials, ClientSecret, Region, RestClient};
//!
//! # async fn run() -> hyperproof::Result<()> {
//! let client = RestClient::builder()
//!     .client_credentials(ClientCredentials::new(
//!         std::env::var("HYPERPROOF_CLIENT_ID").unwrap_or_default(),
//!         ClientSecret::new(std::env::var("HYPERPROOF_CLIENT_SECRET").unwrap_or_default()),
//!     ))
//!     .region(Region::Us)
//!     .build()?;
//!
//! let mut users = client.users().list().include_deactivated(true).stream();
//! while let Some(user) = users.try_next().await? {
//!     println!("{:?} {:?} {:?}", user.email, user.kind, user.status);
//! }
//! // Hyperproof does not page: the one answer held everything.
//! assert_eq!(users.summary().map(|s| s.pages), Some(1));
//! # Ok(()) }
//! ```
//!
//! With the seed's static token and host instead:
//!
//! ```no_run
//! use hyperproof::{ApiToken, RestClient};
//!
//! # fn run() -> hyperproof::Result<()> {
//! let client = RestClient::builder()
//!     .api_token(ApiToken::new(std::env::var("HYPERPROOF_API_TOKEN").unwrap_or_default()))
//!     .base_url("https://api.hyperproof.io/v1")
//!     .build()?;
//! # let _ = client; Ok(()) }
//! ```
//!
//! # Quick start: SCIM
//!
//! ```no_run
//! use hyperproof::{ScimClient, ScimToken};
//!
//! # async fn run() -> hyperproof::Result<()> {
//! let scim = ScimClient::builder()
//!     .scim_url(std::env::var("HYPERPROOF_SCIM_URL").unwrap_or_default())
//!     .token(ScimToken::new(std::env::var("HYPERPROOF_SCIM_TOKEN").unwrap_or_default()))
//!     .build()?;
//!
//! if let Some(user) = scim.users().find_by_user_name("leaver@example.com").await? {
//!     if let Some(id) = &user.id {
//!         let now = scim.users().deactivate(id).await?; // record and audit history stay
//!         assert_eq!(now.active, Some(false));
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! # The family's shape
//!
//! As in every crate of the family: the builders are `Clone` and take every transport
//! knob in one [`TransportSettings`] (`.transport(settings)`); `users()`, `groups()`,
//! `roles()` are owned handles; resources are named by typed ids; every `list()` ends in
//! `.stream()` / `.pages()` (the REST lists too, read as one complete page since
//! Hyperproof does not page); single calls are `async fn`s; `deactivate` and
//! `reactivate` return the user as it is now. See the README's "Family rules".
//!
//! # Errors
//!
//! Every call returns [`Error`] (re-exported from `idgraph-common`), by phase: never sent
//! (invalid input, configuration), transport, timeout, API error (status, Hyperproof's
//! message, and a hint saying what the status means here), rate-limited after retries,
//! decode. Predicates such as `is_unauthorized()`, `is_forbidden()`, `is_not_found()` and
//! `is_rate_limited()` answer the usual questions. Hyperproof's `403 Bandwidth quota
//! exceeded` is retried like a 429, never reported as a permission error.
//!
//! # Features
//!
//! * `rustls` (default), `native-tls`: TLS provider.
//! * `tracing` (default): spans per call and attempt; never a secret, a header or a body.
//! * `test-util`: `testing::FakeHyperproof`, a stateful fake of both APIs and the token
//!   endpoint on wiremock, for your own tests.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod catalog;
pub mod credentials;
pub mod directory;
mod endpoint_url;
pub mod region;
pub mod rest;
pub mod scim;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod testing;

pub use catalog::{APP_ID, catalog_entry};
pub use credentials::{ApiToken, ClientCredentials, ClientSecret, ScimToken};
pub use idgraph_common::auth::ClientAuthMethod;
pub use idgraph_common::{Error, RateLimiter, Result, RetryBudget, RetryPolicy, TransportSettings};
pub use region::{DEFAULT_TOKEN_URL, Region};
pub use rest::{RestClient, RestClientBuilder};
pub use scim::{HyperproofRole, ScimClient, ScimClientBuilder};
/// The SCIM types crate, re-exported so that you name the same types the SCIM client uses.
pub use scim_types;

/// The README's examples, compiled as doctests (the fake example runs; it needs `test-util`).
#[cfg(all(doctest, feature = "test-util"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Sent as `User-Agent` by both clients.
pub(crate) const USER_AGENT: &str = concat!("hyperproof/", env!("CARGO_PKG_VERSION"));
