//! The SCIM error response (RFC 7644 §3.12).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::lenient;

/// A SCIM error response body (RFC 7644 §3.12).
///
/// `status` is read from `"409"` (as the RFC says) or `409` (as many servers send) and always
/// written as a string. An empty `scimType` reads as absent.
///
/// ```
/// use scim_types::{ScimError, ScimType};
/// let e: ScimError = serde_json::from_str(
///     r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":409,"scimType":"uniqueness","detail":"userName taken"}"#,
/// )?;
/// assert_eq!(e.status, 409);
/// assert_eq!(e.scim_type, Some(ScimType::Uniqueness));
/// assert_eq!(e.to_string(), "SCIM error 409 (uniqueness): userName taken");
/// assert_eq!(serde_json::to_value(&e)?["status"], "409");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScimError {
    /// Message schema URNs (`schemas`).
    #[serde(default, deserialize_with = "lenient::null_as_empty")]
    pub schemas: Vec<String>,
    /// The HTTP status code (`status`).
    #[serde(
        deserialize_with = "lenient::status",
        serialize_with = "lenient::status_as_string"
    )]
    pub status: u16,
    /// The SCIM detail error keyword (`scimType`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_non_empty",
        skip_serializing_if = "Option::is_none"
    )]
    pub scim_type: Option<ScimType>,
    /// A human-readable message (`detail`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl ScimError {
    /// An error with this status and the Error URN in `schemas`.
    pub fn new(status: u16) -> Self {
        Self {
            schemas: vec![crate::urn::ERROR.to_owned()],
            status,
            scim_type: None,
            detail: None,
        }
    }

    /// Sets `scimType`.
    #[must_use]
    pub fn with_scim_type(mut self, scim_type: ScimType) -> Self {
        self.scim_type = Some(scim_type);
        self
    }

    /// Sets `detail`.
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

impl fmt::Display for ScimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SCIM error {}", self.status)?;
        if let Some(t) = &self.scim_type {
            write!(f, " ({t})")?;
        }
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScimError {}

/// The `scimType` detail keyword (RFC 7644 §3.12 Table 9, plus RFC 9865). An open set: values
/// this crate does not know are kept in [`ScimType::Other`].
///
/// Read in any case, written in the RFC's camelCase.
///
/// ```
/// use scim_types::ScimType;
/// assert_eq!(ScimType::from("invalidFilter"), ScimType::InvalidFilter);
/// assert_eq!(ScimType::from("UNIQUENESS"), ScimType::Uniqueness);
/// assert_eq!(ScimType::from("vendorSpecific").as_str(), "vendorSpecific");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScimType {
    /// `invalidFilter`: the filter syntax or comparison is invalid (400).
    InvalidFilter,
    /// `tooMany`: the filter yields more results than the server will return (400).
    TooMany,
    /// `uniqueness`: a unique attribute value is already in use (409).
    Uniqueness,
    /// `mutability`: an attempt to change an immutable or read-only attribute (400).
    Mutability,
    /// `invalidSyntax`: the request body is malformed (400).
    InvalidSyntax,
    /// `invalidPath`: the PATCH `path` is invalid (400).
    InvalidPath,
    /// `noTarget`: the PATCH `path` matched nothing (400).
    NoTarget,
    /// `invalidValue`: a required value is missing or a value is of the wrong type (400).
    InvalidValue,
    /// `invalidVers`: the protocol version is not supported (400).
    InvalidVers,
    /// `sensitive`: the request cannot be completed because of sensitive data in the URI (403).
    Sensitive,
    /// `invalidCursor`: the cursor is invalid or unknown (RFC 9865, 400).
    InvalidCursor,
    /// `expiredCursor`: the cursor has expired (RFC 9865, 400).
    ExpiredCursor,
    /// `invalidCount`: the `count` is invalid or too large (RFC 9865, 400).
    InvalidCount,
    /// Any other keyword, kept as sent.
    Other(String),
}

impl ScimType {
    const KNOWN: [(&'static str, ScimType); 13] = [
        ("invalidFilter", ScimType::InvalidFilter),
        ("tooMany", ScimType::TooMany),
        ("uniqueness", ScimType::Uniqueness),
        ("mutability", ScimType::Mutability),
        ("invalidSyntax", ScimType::InvalidSyntax),
        ("invalidPath", ScimType::InvalidPath),
        ("noTarget", ScimType::NoTarget),
        ("invalidValue", ScimType::InvalidValue),
        ("invalidVers", ScimType::InvalidVers),
        ("sensitive", ScimType::Sensitive),
        ("invalidCursor", ScimType::InvalidCursor),
        ("expiredCursor", ScimType::ExpiredCursor),
        ("invalidCount", ScimType::InvalidCount),
    ];

    /// The keyword as the RFC spells it (or as received, for [`ScimType::Other`]).
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidFilter => "invalidFilter",
            Self::TooMany => "tooMany",
            Self::Uniqueness => "uniqueness",
            Self::Mutability => "mutability",
            Self::InvalidSyntax => "invalidSyntax",
            Self::InvalidPath => "invalidPath",
            Self::NoTarget => "noTarget",
            Self::InvalidValue => "invalidValue",
            Self::InvalidVers => "invalidVers",
            Self::Sensitive => "sensitive",
            Self::InvalidCursor => "invalidCursor",
            Self::ExpiredCursor => "expiredCursor",
            Self::InvalidCount => "invalidCount",
            Self::Other(s) => s,
        }
    }
}

impl From<&str> for ScimType {
    fn from(s: &str) -> Self {
        Self::KNOWN
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(s))
            .map_or_else(|| Self::Other(s.to_owned()), |(_, v)| v.clone())
    }
}

impl From<String> for ScimType {
    fn from(s: String) -> Self {
        match Self::from(s.as_str()) {
            Self::Other(_) => Self::Other(s),
            known => known,
        }
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ScimType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ScimType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::from)
    }
}
