//! Discovery resources: `ServiceProviderConfig` (RFC 7643 §5, RFC 9865), `ResourceType`
//! (§6) and `Schema` (§7).
//!
//! Servers implement these partially, so every field is optional or defaults (a missing
//! capability reads as "not supported"), booleans and numbers are read leniently, and unknown
//! attributes are kept in `extra`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Meta;
use crate::lenient;

/// What a service provider supports (`GET /ServiceProviderConfig`, RFC 7643 §5).
///
/// ```
/// let spc: scim_types::ServiceProviderConfig = serde_json::from_str(r#"{
///   "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
///   "patch": {"supported": true}, "filter": {"supported": true, "maxResults": 200},
///   "pagination": {"cursor": true, "index": true, "defaultPaginationMethod": "cursor", "maxPageSize": 1000}
/// }"#)?;
/// assert!(spc.patch.supported);
/// assert!(!spc.bulk.supported); // missing reads as unsupported
/// assert_eq!(spc.filter.max_results, Some(200));
/// assert_eq!(spc.pagination.and_then(|p| p.cursor), Some(true));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServiceProviderConfig {
    /// Schema URNs (`schemas`).
    #[serde(default, deserialize_with = "lenient::null_as_empty")]
    pub schemas: Vec<String>,
    /// Human-readable documentation URL (`documentationUri`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_uri: Option<String>,
    /// PATCH support (`patch`).
    #[serde(default)]
    pub patch: Supported,
    /// Bulk support and limits (`bulk`).
    #[serde(default)]
    pub bulk: BulkConfig,
    /// Filter support and result limit (`filter`).
    #[serde(default)]
    pub filter: FilterConfig,
    /// Password change support (`changePassword`).
    #[serde(default)]
    pub change_password: Supported,
    /// Sorting support (`sort`).
    #[serde(default)]
    pub sort: Supported,
    /// ETag support (`etag`).
    #[serde(default)]
    pub etag: Supported,
    /// Supported authentication schemes (`authenticationSchemes`).
    #[serde(default, deserialize_with = "lenient::null_as_empty")]
    pub authentication_schemes: Vec<AuthenticationScheme>,
    /// Pagination methods and limits (`pagination`, RFC 9865). Absent says nothing either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<PaginationConfig>,
    /// Resource metadata (`meta`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Attributes this type does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A `{"supported": bool}` capability.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Supported {
    /// Whether the capability is supported (`supported`).
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub supported: bool,
}

/// Bulk capability (`bulk`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BulkConfig {
    /// Whether bulk is supported (`supported`).
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub supported: bool,
    /// Maximum operations per request (`maxOperations`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_operations: Option<u64>,
    /// Maximum payload size in bytes (`maxPayloadSize`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_payload_size: Option<u64>,
}

/// Filter capability (`filter`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FilterConfig {
    /// Whether filtering is supported (`supported`).
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub supported: bool,
    /// Maximum results a filtered query returns (`maxResults`); `0` from some servers means
    /// "not set".
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_results: Option<u64>,
}

/// Pagination capability (`pagination`, RFC 9865).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaginationConfig {
    /// Whether cursor pagination is supported (`cursor`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub cursor: Option<bool>,
    /// Whether index pagination is supported (`index`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub index: Option<bool>,
    /// `"cursor"` or `"index"`: what the server does when the client asks for neither
    /// (`defaultPaginationMethod`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_pagination_method: Option<String>,
    /// Page size when the client sends no `count` (`defaultPageSize`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_page_size: Option<u64>,
    /// Largest page the server returns (`maxPageSize`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_page_size: Option<u64>,
    /// Seconds a cursor stays valid (`cursorTimeout`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub cursor_timeout: Option<u64>,
}

/// An authentication scheme (`authenticationSchemes`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuthenticationScheme {
    /// `oauth`, `oauth2`, `oauthbearertoken`, `httpbasic`, `httpdigest` or other (`type`).
    #[serde(rename = "type", default)]
    pub type_: String,
    /// Display name (`name`).
    #[serde(default)]
    pub name: String,
    /// Description (`description`).
    #[serde(default)]
    pub description: String,
    /// Specification URL (`specUri`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_uri: Option<String>,
    /// Documentation URL (`documentationUri`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_uri: Option<String>,
    /// Whether this is the preferred scheme (`primary`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub primary: Option<bool>,
}

/// A resource type (`GET /ResourceTypes`, RFC 7643 §6).
///
/// ```
/// let rt: scim_types::ResourceType = serde_json::from_str(r#"{
///   "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
///   "id": "User", "name": "User", "endpoint": "/Users",
///   "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
///   "schemaExtensions": [{"schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": "true"}]
/// }"#)?;
/// assert_eq!(rt.endpoint, "/Users");
/// assert!(rt.schema_extensions[0].required);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResourceType {
    /// Schema URNs (`schemas`).
    #[serde(default, deserialize_with = "lenient::null_as_empty")]
    pub schemas: Vec<String>,
    /// Identifier, usually the name (`id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name, such as `"User"` (`name`).
    #[serde(default)]
    pub name: String,
    /// Description (`description`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Endpoint relative to the base URL, such as `"/Users"` (`endpoint`).
    #[serde(default)]
    pub endpoint: String,
    /// The core schema URN (`schema`).
    #[serde(default)]
    pub schema: String,
    /// Extension schemas (`schemaExtensions`).
    #[serde(
        default,
        deserialize_with = "lenient::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub schema_extensions: Vec<SchemaExtension>,
    /// Resource metadata (`meta`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Attributes this type does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An extension schema of a [`ResourceType`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SchemaExtension {
    /// The extension's URN (`schema`).
    pub schema: String,
    /// Whether resources must include it (`required`).
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub required: bool,
}

/// A schema definition (`GET /Schemas`, RFC 7643 §7).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Schema {
    /// Schema URNs of this resource (`schemas`).
    #[serde(default, deserialize_with = "lenient::null_as_empty")]
    pub schemas: Vec<String>,
    /// The schema's URN (`id`).
    #[serde(default)]
    pub id: String,
    /// Name (`name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description (`description`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Attribute definitions (`attributes`).
    #[serde(default, deserialize_with = "lenient::null_as_empty")]
    pub attributes: Vec<SchemaAttribute>,
    /// Resource metadata (`meta`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Attributes this type does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An attribute definition in a [`Schema`] (RFC 7643 §7).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SchemaAttribute {
    /// Attribute name (`name`).
    pub name: String,
    /// `string`, `boolean`, `decimal`, `integer`, `dateTime`, `reference`, `binary` or
    /// `complex` (`type`).
    #[serde(rename = "type", default)]
    pub type_: String,
    /// Sub-attributes of a complex attribute (`subAttributes`).
    #[serde(
        default,
        deserialize_with = "lenient::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub sub_attributes: Vec<SchemaAttribute>,
    /// Whether it is multi-valued (`multiValued`).
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub multi_valued: bool,
    /// Description (`description`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether it is required (`required`).
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub required: bool,
    /// Suggested values (`canonicalValues`).
    #[serde(
        default,
        deserialize_with = "lenient::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub canonical_values: Vec<Value>,
    /// Whether string comparison is case-sensitive (`caseExact`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub case_exact: Option<bool>,
    /// `readOnly`, `readWrite`, `immutable` or `writeOnly` (`mutability`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutability: Option<String>,
    /// `always`, `never`, `default` or `request` (`returned`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned: Option<String>,
    /// `none`, `server` or `global` (`uniqueness`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uniqueness: Option<String>,
    /// Resource types a reference may point to (`referenceTypes`).
    #[serde(
        default,
        deserialize_with = "lenient::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub reference_types: Vec<String>,
}

impl ServiceProviderConfig {
    /// The page-size limit the server advertises, from RFC 9865 `pagination.maxPageSize`,
    /// else `filter.maxResults` when it is non-zero.
    pub fn max_page_size(&self) -> Option<u64> {
        self.pagination
            .as_ref()
            .and_then(|p| p.max_page_size)
            .or(self.filter.max_results.filter(|n| *n > 0))
    }
}
