//! Request paths built from segments, each percent-encoded as exactly one segment.
//!
//! No URL is ever made by concatenating caller data. An email such as
//! `a/b?c#d%e@x.com` becomes the single segment `a%2Fb%3Fc%23d%25e%40x.com`; spaces,
//! control characters and non-ASCII are encoded too, and nothing is silently dropped.
//!
//! Three segment values are refused with [`Error::InvalidInput`]: the empty string, `.`
//! and `..`. URL parsers (the WHATWG URL standard, which reqwest's `url` follows) and
//! many proxies resolve `.`/`..` (and their `%2E` forms) as "this/parent directory", so
//! `DELETE /Users/..` could reach the server as `DELETE /`; an empty id would turn
//! `GET /Users/{id}` into a list. `..` *inside* a segment (`../etc`, `a..b`) is fine and
//! is sent encoded as one segment.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::{Error, Result, quote};

/// Characters left as they are in a path segment: RFC 3986 "unreserved" only. Everything
/// else, `@` included (the seeds' `user%40example.com`), is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Characters left as they are in a query key or value: unreserved only, so a space is
/// `%20` (never `+`, which some SCIM servers read literally).
const QUERY: &AsciiSet = SEGMENT;

/// A request path relative to the client's base URL, already encoded.
///
/// ```
/// use idgraph_common::ApiPath;
///
/// let path = ApiPath::from_segments(["Users", "a/b?c#d%e@x.com"])?;
/// assert_eq!(path.as_str(), "/Users/a%2Fb%3Fc%23d%25e%40x.com");
///
/// assert!(ApiPath::from_segments(["Users", ".."]).is_err());
/// # Ok::<(), idgraph_common::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct ApiPath {
    encoded: String,
}

impl ApiPath {
    /// The base URL itself (no segment added).
    pub fn root() -> Self {
        Self::default()
    }

    /// A path from segments, each encoded as one segment.
    pub fn from_segments<I, S>(segments: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut path = Self::root();
        for s in segments {
            path = path.push(s.as_ref())?;
        }
        Ok(path)
    }

    /// Appends one segment.
    pub fn push(mut self, segment: &str) -> Result<Self> {
        check_segment(segment)?;
        self.encoded.push('/');
        self.encoded.extend(utf8_percent_encode(segment, SEGMENT));
        Ok(self)
    }

    /// The encoded path, starting with `/` (empty for the root).
    pub fn as_str(&self) -> &str {
        &self.encoded
    }
}

impl fmt::Debug for ApiPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiPath({:?})", self.encoded)
    }
}

impl fmt::Display for ApiPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.encoded.is_empty() {
            f.write_str("/")
        } else {
            f.write_str(&self.encoded)
        }
    }
}

fn check_segment(segment: &str) -> Result<()> {
    match segment {
        "" => Err(Error::invalid_input(
            "an empty path segment (for example an empty id or email) is not allowed",
        )),
        "." | ".." => Err(Error::invalid_input(format!(
            "{} cannot be sent as a path segment: URL parsers and proxies resolve it as a directory step, so the request could reach a different resource",
            quote(segment)
        ))),
        _ => Ok(()),
    }
}

/// Conversion into an [`ApiPath`]: arrays, slices and vectors of segments, or a path.
pub trait IntoApiPath {
    /// Builds the path, encoding each segment.
    fn into_api_path(self) -> Result<ApiPath>;
}

impl IntoApiPath for ApiPath {
    fn into_api_path(self) -> Result<ApiPath> {
        Ok(self)
    }
}

impl IntoApiPath for &ApiPath {
    fn into_api_path(self) -> Result<ApiPath> {
        Ok(self.clone())
    }
}

impl<S: AsRef<str>, const N: usize> IntoApiPath for [S; N] {
    fn into_api_path(self) -> Result<ApiPath> {
        ApiPath::from_segments(self)
    }
}

impl<S: AsRef<str>> IntoApiPath for &[S] {
    fn into_api_path(self) -> Result<ApiPath> {
        ApiPath::from_segments(self)
    }
}

impl<S: AsRef<str>> IntoApiPath for Vec<S> {
    fn into_api_path(self) -> Result<ApiPath> {
        ApiPath::from_segments(self)
    }
}

/// Appends `key=value` to a query string under construction, percent-encoding both.
pub(crate) fn push_query_pair(query: &mut String, key: &str, value: &str) {
    if !query.is_empty() {
        query.push('&');
    }
    query.extend(utf8_percent_encode(key, QUERY));
    query.push('=');
    query.extend(utf8_percent_encode(value, QUERY));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_characters_stay_in_one_segment() {
        let p = ApiPath::from_segments(["users", "a/b?c#d%e@x.com"]).unwrap();
        assert_eq!(p.as_str(), "/users/a%2Fb%3Fc%23d%25e%40x.com");
    }

    #[test]
    fn spaces_controls_and_non_ascii_are_encoded_not_dropped() {
        let p = ApiPath::from_segments(["é ü\t+;=\\"]).unwrap();
        assert_eq!(p.as_str(), "/%C3%A9%20%C3%BC%09%2B%3B%3D%5C");
    }

    #[test]
    fn dots_inside_a_segment_are_kept() {
        let p = ApiPath::from_segments(["../etc", "a..b", ".search", "%2e%2e"]).unwrap();
        assert_eq!(p.as_str(), "/..%2Fetc/a..b/.search/%252e%252e");
    }

    #[test]
    fn dot_segments_and_empty_segments_are_refused() {
        for bad in ["", ".", ".."] {
            let err = ApiPath::from_segments(["Users", bad]).unwrap_err();
            assert!(matches!(err, Error::InvalidInput { .. }), "{bad:?}: {err}");
        }
    }

    #[test]
    fn query_uses_percent_twenty_for_spaces() {
        let mut q = String::new();
        push_query_pair(&mut q, "filter", "userName eq \"a+b@x.com\"");
        push_query_pair(&mut q, "count", "10");
        assert_eq!(q, "filter=userName%20eq%20%22a%2Bb%40x.com%22&count=10");
    }
}
