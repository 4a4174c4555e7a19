//! Hyperproof's REST API: [`RestClient`], its endpoints and data.
//!
//! | Call | Request |
//! |---|---|
//! | `users().me()` | `GET /v1/users/me` |
//! | `users().me_expanded(&["identityProviders"])` | `GET /v1/users/me?expand=…` |
//! | `users().list()….stream()` | `GET /v1/users?includeDeactivated=…&expand=…` |
//! | `groups().list()….stream()` | `GET /v1/groups?status=…&expand=…` |
//! | `groups().get(&id)` | `GET /v1/groups/{id}` |
//! | `groups().create(&group)` | `POST /v1/groups` |
//! | `roles().list().stream()` | `GET /v1/roles` |
//!
//! Lists are not paginated: Hyperproof returns a bare JSON array with every item. Each
//! `list()` is still a builder ending in `.stream()` (`paginate::Items`) or `.pages()`
//! (`paginate::Pages`), like every listing of the family: lazy (nothing is sent before
//! the first poll), one request, and a summary that reports one page ending on
//! `StopReason::SingleAnswer`.
//!
//! Errors: a 401 is an [`Error`](crate::Error) for which `is_unauthorized()` is true and
//! whose message says which credential was rejected; a 403 is a permission error
//! (`is_forbidden()`), except Hyperproof's `403 Bandwidth quota exceeded`, which is
//! retried like a 429 and, if it persists, ends as a rate-limit error
//! (`is_rate_limited()`).

mod client;
mod groups;
mod listing;
mod model;
mod roles;
mod users;

pub use client::{RestClient, RestClientBuilder};
pub use groups::{Groups, ListGroups};
pub use model::{
    Group, GroupId, Me, NewGroup, ObjectStatus, OrganizationUser, OrganizationUserType, Role,
    RoleId, UserId, UserState,
};
pub use roles::{ListRoles, Roles};
pub use users::{ListUsers, Users};
