//! Test helpers (feature `test-util`): a stateful SCIM 2.0 fake on wiremock that vendor
//! fakes build on.
//!
//! [`ScimFake`] is a standards-following SCIM service provider: an in-memory store of
//! Users and Groups; create, get, list (filter, `startIndex`/`count`), replace, patch
//! and delete; `/.search`; discovery; a bearer-token check; optional ETags. Vendors differ,
//! so every behaviour is a knob ([`Behaviour`], set through [`ScimFakeBuilder`]) or a hook
//! ([`Hooks`], each method defaulting to the standard behaviour). Tests seed and inspect
//! state directly ([`ScimFake::insert_user`], [`ScimFake::users`],
//! [`ScimFake::with_store`]), count and read requests ([`ScimFake::request_count`],
//! [`ScimFake::requests`]) and inject failures ([`ScimFake::fail_next`]).
//!
//! ```no_run
//! use idgraph_common::auth::Bearer;
//! use idgraph_common::scim::ScimClient;
//! use idgraph_common::testing::ScimFake;
//! use idgraph_common::SecretString;
//! use scim_types::User;
//!
//! # async fn run() -> idgraph_common::Result<()> {
//! let fake = ScimFake::start().await;
//! let http = ScimClient::http_builder()
//!     .base_url(fake.url())
//!     .auth(Bearer::new(SecretString::from(fake.token().unwrap_or_default())))
//!     .build()?;
//! let scim = ScimClient::from_http(http);
//! let created = scim.users().create(&User::new("jane@example.com")).await?;
//! assert_eq!(fake.users()[0].id, created.id);
//! # Ok(()) }
//! ```
//!
//! What the standard fake does not do: sorting, `attributes`/`excludedAttributes`
//! (ignored), Bulk, `/Me`, derived `groups` on users, schema validation beyond types and
//! required `userName`/`displayName`.

mod echo;
mod paused_clock;
mod rate_window;
mod scim_fake;
mod scim_filter;
mod scim_patch;
mod scim_store;

pub use echo::{EchoRequest, EchoShape};
pub use paused_clock::{paused_clock_http, paused_clock_reqwest_client};
pub use rate_window::max_in_window;
pub use scim_fake::{
    AuthFailure, DEFAULT_TOKEN, Failure, FakeRequest, Hooks, RecordedRequest, SCIM_CONTENT_TYPE,
    ScimFake, ScimFakeBuilder, Standard, scim_error_response, scim_json,
};
pub use scim_filter::filter_matches;
pub use scim_patch::apply_patch_operation;
pub use scim_store::{
    Behaviour, DeleteSemantics, Kind, Paging, PutSemantics, Store, Stored, rfc3339,
};
