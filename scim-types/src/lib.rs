//! SCIM 2.0 in Rust types: the resources of RFC 7643, the messages of RFC 7644 (with RFC 9865
//! cursor pagination), the filter language and PATCH paths. Pure data: no I/O, no async.
//!
//! # Quick start
//!
//! ```
//! use scim_types::{Filter, ListResponse, PatchOp, User};
//!
//! // Decode a page of users, whatever the server's dialect.
//! let page: ListResponse<User> = serde_json::from_str(r#"{
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
//!     "totalResults": 1,
//!     "Resources": [{"id": "2819c223", "userName": "bjensen", "active": "True"}]
//! }"#)?;
//! assert_eq!(page.resources[0].active, Some(true));
//!
//! // Build a filter from caller data: always escaped correctly.
//! let filter = Filter::eq("userName", "bjensen").and(Filter::eq("active", true));
//! assert_eq!(filter.to_string(), r#"userName eq "bjensen" and active eq true"#);
//!
//! // Build a PATCH request; paths are checked.
//! let patch = PatchOp::builder().replace("active", false).build()?;
//! assert_eq!(
//!     serde_json::to_string(&patch)?,
//!     r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}"#
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Lenient reading, strict writing
//!
//! Real servers and identity providers bend the RFCs, so decoding accepts:
//! - attribute names in any case (RFC 7643 §2.1), `Resources`/`resources`,
//!   `Operations`/`operations`;
//! - booleans as `"True"`/`"false"` (any case), `0`/`1`; numbers and `status` as strings;
//! - PATCH `op` in any case (`"Replace"`, `"ADD"`), an empty `path` as no path;
//! - `null` and `""` for an absent boolean, number, enumeration or cursor; `null` for an
//!   absent list; a `ListResponse` without `Resources` or `totalResults`;
//! - numeric resource ids.
//!
//! Strings are otherwise kept exactly as sent (`""` stays `""`), and every attribute or
//! extension a type does not model is kept in its `extra` map, so read → write loses
//! nothing. Encoding is always RFC-conformant: lowercase `op`, `status` as a string,
//! `Resources` and `Operations` capitalized, booleans as booleans, message URNs present.
//!
//! Two equivalences are applied on the way through: `null` is written as an absent key, and
//! an empty multi-valued attribute (`[]`) is not written (RFC 7643 §2.5 treats unassigned,
//! `null` and `[]` alike).
//!
//! # Modules
//!
//! - [`urn`]: schema and message URNs.
//! - [`filter`]: the filter AST, parser, builder and canonical printer.
//! - [`path`]: PATCH paths.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod bulk;
mod discovery;
mod enterprise;
mod error;
mod extension;
pub mod filter;
mod group;
mod ids;
mod lenient;
mod list;
mod meta;
mod multi_valued;
mod name;
mod object;
mod patch;
pub mod path;
pub mod quote;
mod search;
pub mod urn;
mod user;

pub use bulk::{BulkMethod, BulkOperation, BulkOperationResponse, BulkRequest, BulkResponse};
pub use discovery::{
    AuthenticationScheme, BulkConfig, FilterConfig, PaginationConfig, ResourceType, Schema,
    SchemaAttribute, SchemaExtension, ServiceProviderConfig, Supported,
};
pub use enterprise::{EnterpriseUser, Manager};
pub use error::{ScimError, ScimType};
pub use filter::{Filter, FilterError};
pub use group::{Group, Member};
pub use ids::{GroupId, UserId};
pub use list::ListResponse;
pub use meta::Meta;
pub use multi_valued::{
    Address, Email, Entitlement, GroupRef, Im, MultiValued, PhoneNumber, Photo, Role,
    X509Certificate,
};
pub use name::Name;
pub use patch::{IntoPatchPath, PatchError, PatchOp, PatchOpBuilder, PatchOpKind, PatchOperation};
pub use path::PatchPath;
pub use search::{SearchRequest, SortOrder};
pub use user::User;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
