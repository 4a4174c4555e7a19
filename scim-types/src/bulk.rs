//! Bulk messages (RFC 7644 §3.7).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::lenient;

/// A bulk request (RFC 7644 §3.7): many operations in one HTTP call.
///
/// ```
/// use scim_types::{BulkMethod, BulkOperation, BulkRequest};
/// let req = BulkRequest::new(vec![
///     BulkOperation::new(BulkMethod::Post, "/Users")
///         .with_bulk_id("qwerty")
///         .with_data(serde_json::json!({"schemas": [scim_types::urn::USER], "userName": "Alice"})),
///     BulkOperation::new(BulkMethod::Delete, "/Users/b7c14771-226c-4d05-8860-134711653041"),
/// ])
/// .with_fail_on_errors(1);
/// let json = serde_json::to_value(&req)?;
/// assert_eq!(json["Operations"][0]["method"], "POST");
/// assert_eq!(json["failOnErrors"], 1);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BulkRequest {
    /// Message schema URNs (`schemas`).
    #[serde(default, deserialize_with = "lenient::null_as_empty")]
    pub schemas: Vec<String>,
    /// Stop after this many errors (`failOnErrors`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub fail_on_errors: Option<u64>,
    /// The operations (`Operations`).
    #[serde(
        rename = "Operations",
        alias = "operations",
        default,
        deserialize_with = "lenient::null_as_empty"
    )]
    pub operations: Vec<BulkOperation>,
}

impl BulkRequest {
    /// A bulk request with these operations and the BulkRequest URN.
    pub fn new(operations: Vec<BulkOperation>) -> Self {
        Self {
            schemas: vec![crate::urn::BULK_REQUEST.to_owned()],
            fail_on_errors: None,
            operations,
        }
    }

    /// Sets `failOnErrors`.
    #[must_use]
    pub fn with_fail_on_errors(mut self, n: u64) -> Self {
        self.fail_on_errors = Some(n);
        self
    }
}

/// One operation of a [`BulkRequest`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BulkOperation {
    /// HTTP method (`method`).
    pub method: BulkMethod,
    /// Client-chosen id that later operations can reference as `bulkId:<id>` (`bulkId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    /// ETag for `If-Match`-style checks (`version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Resource path relative to the service base, such as `/Users` (`path`).
    pub path: String,
    /// The request body, for POST, PUT and PATCH (`data`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl BulkOperation {
    /// An operation with no body.
    pub fn new(method: BulkMethod, path: impl Into<String>) -> Self {
        Self {
            method,
            bulk_id: None,
            version: None,
            path: path.into(),
            data: None,
        }
    }

    /// Sets `bulkId`.
    #[must_use]
    pub fn with_bulk_id(mut self, id: impl Into<String>) -> Self {
        self.bulk_id = Some(id.into());
        self
    }

    /// Sets `version`.
    #[must_use]
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Sets `data`.
    #[must_use]
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
}

/// The HTTP method of a bulk operation. Read in any case, written uppercase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BulkMethod {
    /// `POST`: create.
    Post,
    /// `PUT`: replace.
    Put,
    /// `PATCH`: modify.
    Patch,
    /// `DELETE`: delete.
    Delete,
}

impl BulkMethod {
    /// The uppercase method name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

impl fmt::Display for BulkMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for BulkMethod {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for BulkMethod {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        [Self::Post, Self::Put, Self::Patch, Self::Delete]
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(&s))
            .ok_or_else(|| {
                serde::de::Error::invalid_value(
                    serde::de::Unexpected::Str(&s),
                    &"POST, PUT, PATCH or DELETE",
                )
            })
    }
}

/// A bulk response (RFC 7644 §3.7.3).
///
/// ```
/// let resp: scim_types::BulkResponse = serde_json::from_str(r#"{
///   "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"],
///   "Operations": [{"location": "https://example.com/v2/Users/92b725cd", "method": "POST",
///                   "bulkId": "qwerty", "version": "W/\"4weymrEsh5O6cAEK\"", "status": "201"}]
/// }"#)?;
/// assert_eq!(resp.operations[0].status, 201);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BulkResponse {
    /// Message schema URNs (`schemas`).
    #[serde(default, deserialize_with = "lenient::null_as_empty")]
    pub schemas: Vec<String>,
    /// Per-operation results (`Operations`).
    #[serde(
        rename = "Operations",
        alias = "operations",
        default,
        deserialize_with = "lenient::null_as_empty"
    )]
    pub operations: Vec<BulkOperationResponse>,
}

impl BulkResponse {
    /// A bulk response with these results and the BulkResponse URN.
    pub fn new(operations: Vec<BulkOperationResponse>) -> Self {
        Self {
            schemas: vec![crate::urn::BULK_RESPONSE.to_owned()],
            operations,
        }
    }
}

/// The result of one bulk operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BulkOperationResponse {
    /// URI of the affected resource (`location`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The method of the operation (`method`).
    pub method: BulkMethod,
    /// The `bulkId` from the request (`bulkId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    /// The resource's new ETag (`version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// HTTP status of the operation; read from a string or a number, written as a string.
    #[serde(
        deserialize_with = "lenient::status",
        serialize_with = "lenient::status_as_string"
    )]
    pub status: u16,
    /// The response body, typically a SCIM error for failures (`response`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}

impl BulkOperationResponse {
    /// A result with this method and status.
    pub fn new(method: BulkMethod, status: u16) -> Self {
        Self {
            location: None,
            method,
            bulk_id: None,
            version: None,
            status,
            response: None,
        }
    }
}
