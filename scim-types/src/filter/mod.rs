//! SCIM filters (RFC 7644 §3.4.2.2): an AST, a parser, a builder and a canonical printer.
//!
//! The whole grammar is supported: the nine comparison operators and `pr`; `and`, `or` and
//! `not` with RFC precedence (`not` > `and` > `or`, left to right); grouping with `( )`;
//! value paths (`emails[type eq "work" and value co "@example.com"]`); schema-URN-qualified
//! attribute paths; `$ref`; JSON strings with every escape including `\uXXXX` surrogate pairs;
//! JSON numbers; `true`, `false` and `null`.
//!
//! # Parsing
//!
//! ```
//! use scim_types::Filter;
//! let f: Filter = r#"userName Eq "bjensen" and not (emails[type eq "work"])"#.parse()?;
//! assert_eq!(f.to_string(), r#"userName eq "bjensen" and not (emails[type eq "work"])"#);
//! # Ok::<(), scim_types::filter::FilterError>(())
//! ```
//!
//! Reading is lenient where that is unambiguous: operators, `and`/`or`/`not`, `pr` and
//! `true`/`false`/`null` in any case; any whitespace between tokens and none needed next to
//! brackets and quotes; an optional space after `not` (RFC 7644 erratum 7319). Errors name the
//! 1-based character column and what was expected there:
//!
//! ```
//! use scim_types::Filter;
//! let err = r#"userName lte "x""#.parse::<Filter>().unwrap_err();
//! assert_eq!(err.column(), 10);
//! assert!(err.expected().contains("comparison operator"));
//! ```
//!
//! Hostile input is an error, never a stack overflow: input longer than [`MAX_LEN`] bytes or
//! nested deeper than [`MAX_DEPTH`] (parentheses, `not`, value paths) is rejected before any
//! deep recursion. A tree built in code may be deeper: `Drop`, `Clone`, equality, `Hash`,
//! `Debug` and `Display` walk trees without recursion, so depth never overflows the stack (see
//! [`Filter`]).
//!
//! # Building
//!
//! ```
//! use scim_types::Filter;
//! let email = r#"o"brien@example.com"#; // caller data: quoted and escaped for you
//! let f = Filter::eq("userName", email).or(Filter::value_path(
//!     "emails",
//!     Filter::eq("type", "work").and(Filter::eq("value", email)),
//! ));
//! assert_eq!(
//!     f.to_string(),
//!     r#"userName eq "o\"brien@example.com" or emails[type eq "work" and value eq "o\"brien@example.com"]"#
//! );
//! assert_eq!(f.to_string().parse::<Filter>()?, f);
//! # Ok::<(), scim_types::filter::FilterError>(())
//! ```
//!
//! The builder constructors take attribute names as strings and never fail, so they chain.
//! Names are validated **lazily**: a name that is not a valid attribute path is kept, marked
//! invalid, reported by [`Filter::validate`] (and by serialization), and printed as a JSON
//! string, which no SCIM parser accepts where a path belongs. So a built filter never prints
//! as a string that parses to a different filter: either it parses back to an equal tree or
//! it does not parse at all. Use [`Filter::try_compare`] or [`AttrPath::parse`] to get the
//! error up front.
//!
//! # Equality and canonical form
//!
//! Two filters that differ only in the case of attribute names or operators are equal
//! (attribute names are case-insensitive, RFC 7643 §2.1); values are compared exactly.
//! `Display` prints lowercase operators, attribute names as given, minimal parentheses, and
//! strings escaped as JSON (only `"`, `\` and control characters are escaped). For every
//! filter the parser or the builder produce, `f.to_string().parse() == Ok(f)`.

mod ast;
mod builder;
pub(crate) mod display;
mod lexer;
pub(crate) mod parser;
mod walk;

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

pub use ast::{AttrPath, CompValue, CompareOp, Filter};

/// Longest filter accepted, in bytes (64 KiB). Longer input is a [`FilterErrorKind::TooLong`]
/// error; real filters, even long group-membership ones, are far shorter.
pub const MAX_LEN: usize = 64 * 1024;

/// Deepest nesting accepted: each `(`, `not (` and value-path `[` counts one level.
/// Deeper input is a [`FilterErrorKind::TooDeep`] error.
pub const MAX_DEPTH: usize = 64;

/// What kind of problem a [`FilterError`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FilterErrorKind {
    /// The text does not follow the grammar.
    Syntax,
    /// The text is longer than [`MAX_LEN`] bytes.
    TooLong,
    /// The text nests deeper than [`MAX_DEPTH`] levels.
    TooDeep,
    /// A tree built in code cannot be printed as a filter that parses back to it (see
    /// [`Filter::validate`]).
    Invalid,
}

/// Why a filter or path did not parse (or a built filter is invalid): where, and what was
/// expected there.
///
/// ```
/// let err = "emails[type eq \"work\"".parse::<scim_types::Filter>().unwrap_err();
/// assert_eq!(err.column(), 22);
/// assert_eq!(err.expected(), "'and', 'or' or ']'");
/// assert_eq!(err.found(), "end of input");
/// assert_eq!(
///     err.to_string(),
///     "invalid filter at column 22: expected 'and', 'or' or ']', found end of input"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FilterError {
    kind: FilterErrorKind,
    column: usize,
    expected: Cow<'static, str>,
    found: String,
}

impl FilterError {
    /// An error at byte offset `at` of `input`.
    pub(crate) fn at(
        input: &str,
        at: usize,
        kind: FilterErrorKind,
        expected: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            kind,
            column: column_of(input, at),
            expected: expected.into(),
            found: describe_at(input, at),
        }
    }

    /// An error about a tree built in code (no source text).
    pub(crate) fn invalid(
        expected: impl Into<Cow<'static, str>>,
        found: impl Into<String>,
    ) -> Self {
        Self {
            kind: FilterErrorKind::Invalid,
            column: 0,
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// The kind of problem.
    pub fn kind(&self) -> FilterErrorKind {
        self.kind
    }

    /// The 1-based character (not byte) column where the problem is; `0` for
    /// [`FilterErrorKind::Invalid`], which has no source text.
    pub fn column(&self) -> usize {
        self.column
    }

    /// What the parser expected at [`column`](Self::column).
    pub fn expected(&self) -> &str {
        &self.expected
    }

    /// What it found there instead (quoted and shortened), or `end of input`.
    pub fn found(&self) -> &str {
        &self.found
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            FilterErrorKind::Invalid => write!(
                f,
                "invalid filter: expected {}, found {}",
                self.expected, self.found
            ),
            _ => write!(
                f,
                "invalid filter at column {}: expected {}, found {}",
                self.column, self.expected, self.found
            ),
        }
    }
}

impl std::error::Error for FilterError {}

/// 1-based character column of byte offset `at` (clamped to the input).
fn column_of(input: &str, at: usize) -> usize {
    input.char_indices().take_while(|(i, _)| *i < at).count() + 1
}

/// A short, quoted excerpt of the input at byte offset `at`.
fn describe_at(input: &str, at: usize) -> String {
    let rest = match input.get(at..) {
        Some(r) if !r.is_empty() => r,
        _ => return "end of input".to_owned(),
    };
    let mut excerpt = String::new();
    for (n, c) in rest.chars().enumerate() {
        if n > 0 && (c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']')) {
            break;
        }
        if n == 24 {
            excerpt.push('…');
            break;
        }
        excerpt.push(c);
    }
    let mut out = String::with_capacity(excerpt.len() + 2);
    out.push('\'');
    for c in excerpt.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

impl Filter {
    /// Parses a filter. Same as `s.parse()`.
    ///
    /// # Errors
    ///
    /// A [`FilterError`] naming the column and what was expected.
    pub fn parse(s: &str) -> Result<Self, FilterError> {
        parser::parse_filter(s)
    }
}

impl FromStr for Filter {
    type Err = FilterError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parser::parse_filter(s)
    }
}

/// Serialized as its canonical string. Serialization fails if the filter does not
/// [`validate`](Filter::validate), so an invalid built filter is never sent.
impl serde::Serialize for Filter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.validate().map_err(serde::ser::Error::custom)?;
        s.collect_str(self)
    }
}

/// Deserialized from a filter string.
impl<'de> serde::Deserialize<'de> for Filter {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
