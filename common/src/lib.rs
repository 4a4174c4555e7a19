//! The shared foundation of the idgraph client family.
//!
//! * **Transport** ([`HttpClient`]): base URL, auth ([`auth`]), retries with full-jitter
//!   backoff and `Retry-After` ([`RetryPolicy`]), a shared client-side rate limit
//!   ([`RateLimiter`]), connect / attempt / operation timeouts, capped body reads, and
//!   paths built from percent-encoded segments ([`ApiPath`]).
//! * **Pagination** ([`paginate`]): page-number, SCIM index, cursor and unpaginated
//!   listings as lazy `Send + 'static` streams, with guards that always end them.
//! * **Errors** ([`Error`]): one enum by phase, with predicates, re-exported by every
//!   vendor crate.
//!
//! # Quick start
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use idgraph_common::{HttpClient, RetryPolicy, auth::Bearer};
//! use idgraph_common::paginate::{Page, PageRequest, Paginator, Strategy};
//! use secrecy::SecretString;
//!
//! # async fn run() -> idgraph_common::Result<()> {
//! #[derive(serde::Deserialize)]
//! struct UserList { users: Vec<serde_json::Value>, total: Option<u64> }
//!
//! let client = HttpClient::builder()
//!     .base_url("https://api.example.com/v2")
//!     .auth(Bearer::new(SecretString::from("t0ken")))
//!     .retry_policy(RetryPolicy::standard())
//!     .build()?;
//!
//! let c = client.clone();
//! let users: Vec<serde_json::Value> = Paginator::new(Strategy::page_number(100), move |req| {
//!     let c = c.clone();
//!     async move {
//!         let PageRequest::Number { page, size } = req else { unreachable!() };
//!         let list: UserList = c.get(["users"]).query("page", page).query("pageSize", size)
//!             .send_json().await?;
//!         Ok(Page::new(list.users).with_total(list.total))
//!     }
//! })
//! .items()
//! .try_collect()
//! .await?;
//! # let _ = users; Ok(()) }
//! ```
//!
//! # Features
//!
//! All additive: `rustls` (default), `native-tls`, `tracing` (default; spans per
//! operation and attempt with OpenTelemetry field names, never a secret or a body),
//! `test-util`, `redis` (a rate budget and sync leases shared by many processes
//! through Redis: the `redis` module), and `redis-tls` (the same over `rediss://`).
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod error;
pub mod graph;
pub mod http;
pub mod paginate;
pub mod path;
pub mod rate_limit;
pub mod redact;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
pub mod retry;
pub mod scim;
mod secret;
#[cfg(feature = "test-util")]
pub mod testing;
mod trace;

pub use error::{
    ApiError, BoxError, DecodeError, DecodeReason, Error, ErrorBody, LeaseErrorKind, Result,
    TimeoutKind, VendorCode,
};
pub use http::{HttpClient, HttpClientBuilder, Method, Request, Response, TransportSettings};
pub use path::{ApiPath, IntoApiPath};
pub use rate_limit::{RateLimit, RateLimiter, RateSignal, TokenBucket};
pub use redact::RedactedUrl;
pub use retry::{Jitter, RetryBudget, RetryPolicy};

/// Re-exported so that vendor crates and users name the same secret types.
pub use secrecy;
pub use secrecy::{ExposeSecret, SecretString};

/// The README's examples, compiled (and where they need no network, run) as doctests.
#[cfg(all(doctest, feature = "test-util", feature = "redis"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
