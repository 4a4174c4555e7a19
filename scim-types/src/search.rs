//! Query parameters: `SearchRequest` (RFC 7644 §3.4.3) and `SortOrder` (§3.4.2.3).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Filter;
use crate::lenient;

/// Sort direction (`sortOrder`, RFC 7644 §3.4.2.3). Read in any case.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SortOrder {
    /// `ascending` (the RFC default).
    #[default]
    Ascending,
    /// `descending`.
    Descending,
}

impl SortOrder {
    /// `"ascending"` or `"descending"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ascending => "ascending",
            Self::Descending => "descending",
        }
    }
}

impl fmt::Display for SortOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SortOrder {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SortOrder {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.eq_ignore_ascii_case("ascending") {
            Ok(Self::Ascending)
        } else if s.eq_ignore_ascii_case("descending") {
            Ok(Self::Descending)
        } else {
            Err(serde::de::Error::invalid_value(
                serde::de::Unexpected::Str(&s),
                &"\"ascending\" or \"descending\"",
            ))
        }
    }
}

/// A query: the body of `POST /.search` (RFC 7644 §3.4.3), or the query string of a `GET`
/// through [`SearchRequest::to_query_pairs`]. Includes RFC 9865 `cursor`.
///
/// ```
/// use scim_types::{Filter, SearchRequest, SortOrder};
/// let req = SearchRequest::new()
///     .filter(Filter::eq("userName", "bjensen"))
///     .attributes(["userName", "displayName"])
///     .sort_by("userName")
///     .sort_order(SortOrder::Descending)
///     .start_index(1)
///     .count(100);
/// let json = serde_json::to_value(&req)?;
/// assert_eq!(json["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:SearchRequest");
/// assert_eq!(json["filter"], r#"userName eq "bjensen""#);
/// assert_eq!(json["attributes"], serde_json::json!(["userName", "displayName"]));
/// assert_eq!(json["sortOrder"], "descending");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SearchRequest {
    /// Message schema URNs (`schemas`).
    #[serde(default, deserialize_with = "lenient::null_as_empty")]
    pub schemas: Vec<String>,
    /// Attributes to return (`attributes`).
    #[serde(
        default,
        deserialize_with = "lenient::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub attributes: Vec<String>,
    /// Attributes to leave out (`excludedAttributes`).
    #[serde(
        default,
        deserialize_with = "lenient::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub excluded_attributes: Vec<String>,
    /// The filter (`filter`), written in canonical form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<Filter>,
    /// Attribute to sort by (`sortBy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<String>,
    /// Sort direction (`sortOrder`).
    #[serde(
        default,
        deserialize_with = "opt_sort_order",
        skip_serializing_if = "Option::is_none"
    )]
    pub sort_order: Option<SortOrder>,
    /// 1-based index of the first result (`startIndex`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub start_index: Option<u64>,
    /// Maximum results per page (`count`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<u64>,
    /// RFC 9865 cursor; empty for the first page (`cursor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl Default for SearchRequest {
    fn default() -> Self {
        Self::new()
    }
}

impl SearchRequest {
    /// An empty query with the SearchRequest URN.
    pub fn new() -> Self {
        Self {
            schemas: vec![crate::urn::SEARCH_REQUEST.to_owned()],
            attributes: Vec::new(),
            excluded_attributes: Vec::new(),
            filter: None,
            sort_by: None,
            sort_order: None,
            start_index: None,
            count: None,
            cursor: None,
        }
    }

    /// Sets `filter`.
    #[must_use]
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Sets `count`.
    #[must_use]
    pub fn count(mut self, count: u64) -> Self {
        self.count = Some(count);
        self
    }

    /// Sets `startIndex` (1-based).
    #[must_use]
    pub fn start_index(mut self, start_index: u64) -> Self {
        self.start_index = Some(start_index);
        self
    }

    /// Sets `sortBy`.
    #[must_use]
    pub fn sort_by(mut self, attr: impl Into<String>) -> Self {
        self.sort_by = Some(attr.into());
        self
    }

    /// Sets `sortOrder`.
    #[must_use]
    pub fn sort_order(mut self, order: SortOrder) -> Self {
        self.sort_order = Some(order);
        self
    }

    /// Sets `attributes`.
    #[must_use]
    pub fn attributes<I, S>(mut self, attrs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.attributes = attrs.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `excludedAttributes`.
    #[must_use]
    pub fn excluded_attributes<I, S>(mut self, attrs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.excluded_attributes = attrs.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `cursor` (RFC 9865); pass `""` to ask for cursor pagination on the first page.
    #[must_use]
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }

    /// The query as `(name, value)` pairs for a `GET` query string, not yet percent-encoded.
    /// List values are comma-separated (RFC 7644 §3.4.2.5).
    ///
    /// ```
    /// use scim_types::{Filter, SearchRequest};
    /// let pairs = SearchRequest::new().filter(Filter::eq("userName", "a b")).count(10).to_query_pairs();
    /// assert_eq!(pairs, vec![("filter", r#"userName eq "a b""#.to_owned()), ("count", "10".to_owned())]);
    /// ```
    pub fn to_query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(f) = &self.filter {
            out.push(("filter", f.to_string()));
        }
        if let Some(v) = &self.sort_by {
            out.push(("sortBy", v.clone()));
        }
        if let Some(v) = self.sort_order {
            out.push(("sortOrder", v.as_str().to_owned()));
        }
        if let Some(v) = self.start_index {
            out.push(("startIndex", v.to_string()));
        }
        if let Some(v) = self.count {
            out.push(("count", v.to_string()));
        }
        if let Some(v) = &self.cursor {
            out.push(("cursor", v.clone()));
        }
        if !self.attributes.is_empty() {
            out.push(("attributes", self.attributes.join(",")));
        }
        if !self.excluded_attributes.is_empty() {
            out.push(("excludedAttributes", self.excluded_attributes.join(",")));
        }
        out
    }
}

/// `sortOrder` where `""` or `null` reads as absent.
fn opt_sort_order<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SortOrder>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => SortOrder::deserialize(serde::de::value::StringDeserializer::<D::Error>::new(s))
            .map(Some),
    }
}
