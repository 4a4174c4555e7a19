//! A stateful fake of Probo's SCIM API for your own tests (feature `test-util`).
//!
//! [`FakeProbo`] runs on wiremock (a real local HTTP server) over the generic
//! [`idgraph_common::testing::ScimFake`] and behaves as Probo's server does:
//!
//! * **Paging is fake**: every list answers every matching user, echoing the requested
//!   `startIndex` and the clamped `count` (≤ 100) as `itemsPerPage`, with `totalResults`
//!   equal to the number returned.
//! * **Filters**: `userName eq "…"` only (case-insensitive), optionally joined with `and`.
//!   `externalId`, `id` and unknown attributes are 400 `invalidFilter`; other operators,
//!   `or`, `not`, value paths and non-string values are Probo's own 400s without
//!   `scimType` (`operator 'sw' is not supported, only 'eq' is supported`, …).
//! * **Users as Probo renders them**: 32-character GID ids; every string attribute present
//!   (`""` when unset); `title` `""` after a POST and `null` after a PUT without it;
//!   `externalId` echoing `id` when unset; exactly one work email; relative
//!   `meta.location`; no ETag; both schemas and the enterprise extension always present.
//! * **POST** (§5): 409 when the email belongs to a SCIM user; take-over (201, existing id)
//!   of a profile invited by hand ([`FakeProbo::insert_manual_user`]); the **email rename**
//!   (201, existing id) when the `externalId` matches another user; 409 on the unique
//!   `userName`/`externalId` indexes.
//! * **PUT** (§5): `active` absent reactivates (and resets the role to EMPLOYEE); `title`,
//!   `givenName`, `familyName` absent are cleared; other absent attributes are kept;
//!   `emails` ignored; a uniqueness conflict is a 500 without detail.
//! * **PATCH** (§5): `schemas` must be exactly the PatchOp URN; op in any case, `add` =
//!   `replace`; path validation (400 `invalidPath`); `remove` without path is 400
//!   `invalidValue`; ignored paths (`emails…`, core-URN-qualified, …); path-less keys read
//!   case-sensitively; the displayName side effect of name-only changes; uniqueness
//!   conflicts are 500.
//! * **DELETE**: 204; a user marked with [`FakeProbo::mark_referenced`] is deactivated
//!   instead (GET then shows `active: false`).
//! * **Auth**: a 64-hex-character token; 401 with Probo's plain JSON
//!   (`{"error":"unauthorized","message":"invalid token"}`,
//!   `application/json; charset=utf-8`); [`FakeProbo::rotate_token`] simulates a Bridge
//!   sync run.
//! * **403** `{"error":"cross-origin request denied"}` for a non-GET request carrying an
//!   `Origin` header for another host (or a cross-site `Sec-Fetch-Site`).
//! * **Endpoints**: `/Groups`, `/Bulk`, `/.search`, `PUT /Users`, `POST /Users/{id}` are
//!   404 "Specified endpoint does not exist."; `/Me` is 501; `/v2/...` is an alias;
//!   `/ServiceProviderConfig` answers any method with Probo's body (`filter.maxResults:
//!   0`).
//!
//! ```no_run
//! use probo_scim::testing::FakeProbo;
//! use probo_scim::{Error, User};
//!
//! # async fn run() -> probo_scim::Result<()> {
//! let probo = FakeProbo::start().await;
//! let signer = probo.insert_user(User::new("signer@example.com"));
//! let id = signer.id.clone().expect("the fake assigns an id");
//! probo.mark_referenced(&id);
//!
//! let client = probo.client()?;
//! let err = client.users().delete(&id).await.unwrap_err();
//! assert!(matches!(err, Error::Incomplete { .. }), "{err}");
//! assert_eq!(client.users().get(&id).await?.active, Some(false));
//! # Ok(()) }
//! ```

mod fake_probo;
mod gid;
mod probo_hooks;

pub use fake_probo::FakeProbo;
pub use idgraph_common::testing::{Failure, RecordedRequest, paused_clock_reqwest_client};
pub use probo_hooks::ProfileState;
