//! The list response (RFC 7644 §3.4.2), with RFC 9865 cursors.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::lenient::{Fields, Key, KeySeed, LenientU64};

/// A page of resources (RFC 7644 §3.4.2), as returned by `GET /Users` and `/.search`.
///
/// Reading is lenient:
/// - the `Resources` key matches in any case (`resources` is common);
/// - `Resources` absent or `null` reads as an empty page (RFC 7644 allows leaving it out when
///   `totalResults` is 0); [`resources_reported`](Self::resources_reported) tells such a page
///   from one that sent `"Resources": []`;
/// - `totalResults` absent reads as the number of resources on the page. RFC 7644 makes it
///   required, but RFC 9865 lets cursor-paginated responses omit it, and the page length is
///   the only total a client can then rely on;
/// - numbers may be quoted (`"totalResults": "3"`); unknown keys are ignored.
///
/// Writing always uses `Resources` and the ListResponse URN (when `schemas` is empty), and
/// writes `totalResults` unless the page was read without one.
///
/// Equality compares what the page holds and what writing it produces, so it ignores
/// [`resources_reported`](Self::resources_reported): a page read without `Resources` is written
/// with `"Resources": []` and equals a page read from that.
///
/// ```
/// use scim_types::{ListResponse, User};
/// let page: ListResponse<User> = serde_json::from_str(r#"{
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
///     "totalResults": 2, "startIndex": 1, "itemsPerPage": 2,
///     "Resources": [{"id": "1", "userName": "a"}, {"id": "2", "userName": "b"}]
/// }"#)?;
/// assert_eq!(page.total_results, 2);
/// assert_eq!(page.resources[1].user_name, "b");
///
/// let empty: ListResponse<User> = serde_json::from_str(r#"{"totalResults": 0}"#)?;
/// assert!(empty.resources.is_empty());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ListResponse<T> {
    /// Message schema URNs (`schemas`).
    pub schemas: Vec<String>,
    /// Total number of results matching the query across all pages (`totalResults`).
    pub total_results: u64,
    /// Number of resources on this page, as the server reports it (`itemsPerPage`). Some
    /// servers echo the requested `count` instead: trust `resources.len()`.
    pub items_per_page: Option<u64>,
    /// 1-based index of the first resource on this page (`startIndex`).
    pub start_index: Option<u64>,
    /// The resources on this page (`Resources`).
    pub resources: Vec<T>,
    /// Cursor for the next page; absent on the last page (`nextCursor`, RFC 9865).
    pub next_cursor: Option<String>,
    /// Cursor for the previous page (`previousCursor`, RFC 9865).
    pub previous_cursor: Option<String>,
    /// Whether `totalResults` was actually present in what was read (or set by us).
    total_reported: bool,
    /// Whether `Resources` was present and not `null` in what was read (or set by us).
    resources_reported: bool,
}

impl<T: PartialEq> PartialEq for ListResponse<T> {
    fn eq(&self, other: &Self) -> bool {
        // Destructured so that a new field cannot be left out by accident.
        let Self {
            schemas,
            total_results,
            items_per_page,
            start_index,
            resources,
            next_cursor,
            previous_cursor,
            total_reported,
            // Not compared: it changes nothing that is written (see the type's docs).
            resources_reported: _,
        } = self;
        *schemas == other.schemas
            && *total_results == other.total_results
            && *items_per_page == other.items_per_page
            && *start_index == other.start_index
            && *resources == other.resources
            && *next_cursor == other.next_cursor
            && *previous_cursor == other.previous_cursor
            && *total_reported == other.total_reported
    }
}

impl<T> Default for ListResponse<T> {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl<T> ListResponse<T> {
    /// A single, complete page holding `resources`: `totalResults` is their number and
    /// `schemas` the ListResponse URN.
    pub fn new(resources: Vec<T>) -> Self {
        Self {
            schemas: vec![crate::urn::LIST_RESPONSE.to_owned()],
            total_results: resources.len() as u64,
            items_per_page: None,
            start_index: None,
            resources,
            next_cursor: None,
            previous_cursor: None,
            total_reported: true,
            resources_reported: true,
        }
    }

    /// `totalResults` as the server reported it, or `None` when the response left it out
    /// (then [`total_results`](Self::total_results) holds the page length). A paginating
    /// client must not stop on a total the server never gave: a cursor page without
    /// `totalResults` is not the last page.
    ///
    /// ```
    /// use scim_types::{ListResponse, User};
    /// let page: ListResponse<User> =
    ///     serde_json::from_str(r#"{"Resources": [{"userName": "a"}], "nextCursor": "x"}"#)?;
    /// assert_eq!(page.total_results, 1);
    /// assert_eq!(page.reported_total(), None);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn reported_total(&self) -> Option<u64> {
        self.total_reported.then_some(self.total_results)
    }

    /// Whether the response carried `Resources` (in any case): `false` when it was absent or
    /// `null`, so that [`resources`](Self::resources) is empty only because nothing was sent;
    /// `true` for an array, even `[]`, and for a page made with [`new`](Self::new).
    ///
    /// RFC 7644 §3.4.2 lets a server leave `Resources` out only when there are no results. A
    /// paginating client should therefore not take a page without `Resources` that still
    /// promises results (say `totalResults: 500` and nothing delivered yet) as the end of the
    /// listing: the answer is broken, not empty.
    ///
    /// ```
    /// use scim_types::{ListResponse, User};
    /// let missing: ListResponse<User> = serde_json::from_str(r#"{"totalResults": 500}"#)?;
    /// assert!(missing.resources.is_empty());
    /// assert!(!missing.resources_reported()); // 500 results promised, none sent
    ///
    /// let empty: ListResponse<User> =
    ///     serde_json::from_str(r#"{"totalResults": 0, "Resources": []}"#)?;
    /// assert!(empty.resources_reported());
    /// assert!(ListResponse::<User>::new(Vec::new()).resources_reported());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn resources_reported(&self) -> bool {
        self.resources_reported
    }

    /// Sets `startIndex` and `itemsPerPage` (the latter to the number of resources).
    #[must_use]
    pub fn with_page(mut self, start_index: u64, total_results: u64) -> Self {
        self.start_index = Some(start_index);
        self.items_per_page = Some(self.resources.len() as u64);
        self.total_results = total_results;
        self.total_reported = true;
        self
    }

    /// Sets `nextCursor`.
    #[must_use]
    pub fn with_next_cursor(mut self, cursor: impl Into<String>) -> Self {
        self.next_cursor = Some(cursor.into());
        self
    }
}

impl<T> IntoIterator for ListResponse<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.resources.into_iter()
    }
}

#[derive(Clone, Copy)]
enum Field {
    Schemas,
    TotalResults,
    ItemsPerPage,
    StartIndex,
    Resources,
    NextCursor,
    PreviousCursor,
}

impl Fields for Field {
    fn lookup(k: &str) -> Option<Field> {
        lookup(k)
    }
}

fn lookup(k: &str) -> Option<Field> {
    const FIELDS: [(&str, Field); 7] = [
        ("Resources", Field::Resources),
        ("totalResults", Field::TotalResults),
        ("itemsPerPage", Field::ItemsPerPage),
        ("startIndex", Field::StartIndex),
        ("schemas", Field::Schemas),
        ("nextCursor", Field::NextCursor),
        ("previousCursor", Field::PreviousCursor),
    ];
    FIELDS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(k))
        .map(|(_, f)| *f)
}

struct ListVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
    type Value = ListResponse<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a SCIM ListResponse object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut schemas = Vec::new();
        let mut total = None;
        let mut items_per_page = None;
        let mut start_index = None;
        let mut resources: Option<Vec<T>> = None;
        let mut next_cursor = None;
        let mut previous_cursor = None;
        while let Some(key) = map.next_key_seed(KeySeed::<Field>::new())? {
            match key {
                Key::Known(Field::Schemas) => {
                    schemas = map.next_value::<Option<Vec<String>>>()?.unwrap_or_default();
                }
                Key::Known(Field::TotalResults) => total = map.next_value::<LenientU64>()?.0,
                Key::Known(Field::ItemsPerPage) => {
                    items_per_page = map.next_value::<LenientU64>()?.0;
                }
                Key::Known(Field::StartIndex) => start_index = map.next_value::<LenientU64>()?.0,
                Key::Known(Field::Resources) => resources = map.next_value()?,
                Key::Known(Field::NextCursor) => next_cursor = non_empty(map.next_value()?),
                Key::Known(Field::PreviousCursor) => {
                    previous_cursor = non_empty(map.next_value()?);
                }
                Key::Unknown(_) => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        // `null` reads as `None` too: both mean the server sent no list.
        let resources_reported = resources.is_some();
        let resources = resources.unwrap_or_default();
        Ok(ListResponse {
            schemas,
            resources_reported,
            total_reported: total.is_some(),
            total_results: total.unwrap_or(resources.len() as u64),
            items_per_page,
            start_index,
            resources,
            next_cursor,
            previous_cursor,
        })
    }
}

/// An empty cursor means "no cursor" (RFC 9865: the first request sends none).
fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ListResponse<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ListVisitor(PhantomData))
    }
}

impl<T: Serialize> Serialize for ListResponse<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if self.schemas.is_empty() {
            map.serialize_entry("schemas", &[crate::urn::LIST_RESPONSE])?;
        } else {
            map.serialize_entry("schemas", &self.schemas)?;
        }
        // A page read without `totalResults` (RFC 9865 cursor pages) is written without it
        // too: writing the page length would claim a total the server never gave.
        if self.total_reported {
            map.serialize_entry("totalResults", &self.total_results)?;
        }
        if let Some(v) = self.items_per_page {
            map.serialize_entry("itemsPerPage", &v)?;
        }
        if let Some(v) = self.start_index {
            map.serialize_entry("startIndex", &v)?;
        }
        map.serialize_entry("Resources", &self.resources)?;
        if let Some(v) = &self.next_cursor {
            map.serialize_entry("nextCursor", v)?;
        }
        if let Some(v) = &self.previous_cursor {
            map.serialize_entry("previousCursor", v)?;
        }
        map.end()
    }
}
