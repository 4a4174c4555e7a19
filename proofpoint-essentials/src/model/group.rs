//! Groups of the REST surface: [`GroupId`], [`Group`].

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::{Error, Result};
use idgraph_common::error::quote;

/// A group's id (for example `grp_001`), sent as one percent-encoded path segment.
///
/// ```
/// use proofpoint_essentials::GroupId;
///
/// let id = GroupId::new("grp_001")?;
/// assert_eq!(id.as_str(), "grp_001");
/// assert!(GroupId::new("").is_err());
/// # Ok::<(), proofpoint_essentials::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct GroupId(String);

impl GroupId {
    /// Validates an id: not empty, no white space or control characters.
    pub fn new(id: impl Into<String>) -> Result<Self> {
        let id = id.into();
        if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::invalid_input(format!(
                "{} is not a valid group id: it must be non-empty and have no white space or control characters",
                quote(&id)
            )));
        }
        Ok(Self(id))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for GroupId {
    /// Lenient: a server id is kept as sent (a number becomes its decimal text).
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) if !s.is_empty() => Ok(Self(s)),
            Value::Number(n) => Ok(Self(n.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "expected a non-empty group id, got {other}"
            ))),
        }
    }
}

impl fmt::Debug for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for GroupId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

/// A group (REST surface). Membership changes take up to 15 minutes to reach policy
/// enforcement.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Group {
    /// The group's id.
    pub id: GroupId,
    /// Its name, for example `Sales`.
    #[serde(default)]
    pub name: Option<String>,
    /// How many members it has, when the server says.
    #[serde(default)]
    pub member_count: Option<u64>,
    /// Fields the client does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
