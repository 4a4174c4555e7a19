//! PATCH paths (RFC 7644 §3.5.2): `PATH = attrPath / valuePath [subAttr]`.
//!
//! ```
//! use scim_types::PatchPath;
//! let p: PatchPath = r#"emails[type eq "work"].value"#.parse()?;
//! assert_eq!(p.attr().name(), "emails");
//! assert_eq!(p.value_filter().map(|f| f.to_string()).as_deref(), Some(r#"type eq "work""#));
//! assert_eq!(p.sub_attr(), Some("value"));
//! assert_eq!(p.to_string(), r#"emails[type eq "work"].value"#);
//! # Ok::<(), scim_types::filter::FilterError>(())
//! ```
//!
//! Accepted forms: `attr`, `attr.sub`, `urn:…:attr`, `urn:…:attr.sub`, `attr[filter]` and
//! `attr[filter].sub`. A bare extension URN such as
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` is also accepted: the grammar
//! reads it as the attribute `User` of the URN `…:2.0`, and it prints back unchanged. No
//! whitespace is allowed outside the brackets.

use std::fmt;
use std::str::FromStr;

use crate::filter::{AttrPath, Filter, FilterError};

/// A parsed PATCH `path`. Equality ignores the case of attribute names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PatchPath {
    attr: AttrPath,
    value_filter: Option<Filter>,
    sub_attr: Option<SubAttr>,
}

/// A sub-attribute name compared without regard to ASCII case.
#[derive(Clone, Debug)]
struct SubAttr(String);

impl PartialEq for SubAttr {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for SubAttr {}

impl std::hash::Hash for SubAttr {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
        state.write_u8(0xff);
    }
}

impl PatchPath {
    /// Parses a PATCH path. Same as `s.parse()`.
    ///
    /// # Errors
    ///
    /// A [`FilterError`] naming the column and what was expected.
    pub fn parse(s: &str) -> Result<Self, FilterError> {
        crate::filter::parser::parse_patch_path(s)
    }

    pub(crate) fn from_parts(
        attr: AttrPath,
        value_filter: Option<Filter>,
        sub_attr: Option<String>,
    ) -> Self {
        Self {
            attr,
            value_filter,
            sub_attr: sub_attr.map(SubAttr),
        }
    }

    /// A path naming a whole attribute (or `attr.sub`).
    pub fn from_attr(attr: AttrPath) -> Self {
        Self::from_parts(attr, None, None)
    }

    /// `attr[filter]`: the values of a multi-valued attribute that match `filter`, built
    /// from caller data. The filter's values are escaped by the [`Filter`] builder, so an
    /// id or email with quotes, brackets or backslashes stays one value; `attr` must be a
    /// plain attribute path (no sub-attribute, no brackets).
    ///
    /// ```
    /// use scim_types::{Filter, PatchOp, PatchPath};
    ///
    /// let hostile = r#"u1"] or value pr or [value eq "x"#;
    /// let path = PatchPath::value_filtered("members", Filter::eq("value", hostile))?;
    /// assert_eq!(path.to_string(), r#"members[value eq "u1\"] or value pr or [value eq \"x"]"#);
    /// let op = PatchOp::builder().remove(path).build()?;
    /// # let _ = op;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`FilterError`] when `attr` is not a plain attribute path, or the filter holds a
    /// value path of its own.
    pub fn value_filtered(attr: &str, filter: Filter) -> Result<Self, FilterError> {
        // The attribute is checked on its own first, so it cannot smuggle in a bracket;
        // the whole path then goes through the parser, so the result is exactly what a
        // server will read back (an `attr.sub` before `[` is refused there).
        let attr_path = AttrPath::parse(attr)?;
        format!("{attr_path}[{filter}]").parse()
    }

    /// `attr[value eq "…"]`: the entry of a multi-valued attribute whose `value` is
    /// `value` (a group member by id, an email by address), escaped.
    ///
    /// ```
    /// use scim_types::PatchPath;
    ///
    /// let path = PatchPath::value_eq("members", "2819c223-7f76-453a-919d-413861904646")?;
    /// assert_eq!(path.to_string(), r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#);
    /// # Ok::<(), scim_types::FilterError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When `attr` is not a plain attribute path.
    pub fn value_eq(attr: &str, value: &str) -> Result<Self, FilterError> {
        Self::value_filtered(attr, Filter::eq("value", value))
    }

    /// This path with a sub-attribute after the value filter: `emails[type eq "work"]`
    /// → `emails[type eq "work"].value`.
    ///
    /// ```
    /// use scim_types::{Filter, PatchPath};
    ///
    /// let path = PatchPath::value_filtered("emails", Filter::eq("type", "work"))?
    ///     .with_sub_attr("value")?;
    /// assert_eq!(path.to_string(), r#"emails[type eq "work"].value"#);
    /// # Ok::<(), scim_types::FilterError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When the path has no value filter, or `sub` is not an attribute name.
    pub fn with_sub_attr(self, sub: &str) -> Result<Self, FilterError> {
        format!("{self}.{sub}").parse()
    }

    /// The attribute path before any `[`. For `name.givenName` it includes the
    /// sub-attribute; for `emails[…].value` it is just `emails`.
    pub fn attr(&self) -> &AttrPath {
        &self.attr
    }

    /// The value filter between `[` and `]`, if any.
    pub fn value_filter(&self) -> Option<&Filter> {
        self.value_filter.as_ref()
    }

    /// The sub-attribute after `].`, if any (for `attr.sub` see [`AttrPath::sub_attr`]).
    pub fn sub_attr(&self) -> Option<&str> {
        self.sub_attr.as_ref().map(|s| s.0.as_str())
    }
}

impl FromStr for PatchPath {
    type Err = FilterError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.attr, f)?;
        if let Some(filter) = &self.value_filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{}", sub.0)?;
        }
        Ok(())
    }
}

impl serde::Serialize for PatchPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PatchPath {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
