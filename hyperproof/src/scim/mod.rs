//! Hyperproof's SCIM 2.0 API: [`ScimClient`], users, groups, roles.
//!
//! | Call | Request |
//! |---|---|
//! | `users().list().stream()` / `.pages()` | `GET /Users?startIndex=…&count=…` (paged) |
//! | `users().get(&id)` → `User` | `GET /Users/{id}` |
//! | `users().find_by_user_name(email)` → `Option<User>` | `GET /Users?filter=userName eq "…"` |
//! | `users().create(&user)` → `User` | `POST /Users` (role defaults to `LIMITED_ACCESS_USER`) |
//! | `users().replace(&id, &user)` → `User` | `PUT /Users/{id}` |
//! | `users().deactivate(&id)` / `reactivate(&id)` → `User` | `PATCH /Users/{id}` replacing `active` |
//! | `users().set_role(&id, role)` → `User` | `PATCH /Users/{id}` replacing `roles[primary eq "True"].value` |
//! | `users().patch(&id, &op)` → `User` | `PATCH /Users/{id}` |
//! | `groups().list().stream()` / `.pages()` | `GET /Groups?startIndex=…&count=…` (paged) |
//! | `groups().get(&id)`, `find_by_display_name(name)` | `GET /Groups/{id}`, `GET /Groups?filter=…` |
//! | `groups().create(&group)` → `Group` | `POST /Groups` |
//! | `groups().add_members(&id, &users)` | `PATCH /Groups/{id}` adding `members` |
//! | `groups().remove_member(&id, &user)` | `PATCH /Groups/{id}` removing `members[value eq "…"]` |
//! | `groups().archive(&id)` | `DELETE /Groups/{id}` (Hyperproof archives the group) |
//!
//! The verbs that change a user return it as it is now: the PATCH answer, or a `GET`
//! when a server answers `204 No Content`.
//!
//! Groups depend on the organization's provisioning setup (see [`ScimGroups`]).
//!
//! Users are never deleted through this crate: Hyperproof's deprovisioning deactivates
//! and keeps the record and its audit history; a hard delete is a manual action of an
//! organization administrator.

mod client;
mod groups;
mod roles;
mod users;

pub use client::{ScimClient, ScimClientBuilder};
pub use groups::{NewGroup, ScimGroups};
pub use idgraph_common::scim::ListRequest;
pub use roles::{HyperproofRole, ROLE_PATH, primary_role_value};
pub(crate) use users::patch_error;
pub use users::{NewUser, ScimUsers};

/// The SCIM types this module's API uses, re-exported so that you name the same ones
/// (`hyperproof::scim::UserId` is `scim_types::UserId`; the REST surface has its own ids
/// in [`rest`](crate::rest)).
pub use scim_types::{Filter, Group, GroupId, PatchOp, User, UserId};
