//! The filter AST: [`Filter`], [`AttrPath`], [`CompareOp`] and [`CompValue`].

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde_json::Number;

use super::FilterError;

/// A SCIM filter (RFC 7644 §3.4.2.2) as a tree.
///
/// `And` and `Or` are n-ary: `a and b and c` is one `And` with three operands, so long chains
/// do not make deep trees. Parentheses are not stored; `Display` adds exactly the ones the
/// tree needs (`a and (b or c)`), so `Display` output parses back to an equal tree.
///
/// Build filters with the constructors in this module ([`Filter::eq`], [`Filter::and`], …)
/// or parse them with [`str::parse`]. Constructing variants by hand is allowed, but `And` and
/// `Or` must then have at least two operands (check with [`Filter::validate`]).
///
/// Equality compares attribute names ignoring ASCII case (RFC 7643 §2.1) and values exactly.
///
/// # Depth
///
/// The parser refuses nesting deeper than [`MAX_DEPTH`](super::MAX_DEPTH), but code can build
/// a tree of any depth. Every operation on a tree of any depth is safe: `Drop`, `Clone`,
/// `PartialEq`, `Hash`, `Debug` (same output as a derived impl) and `Display` keep their
/// pending work on a heap stack instead of recursing, so a million nested `not`s cost heap
/// memory, never call stack. Only [`Filter::validate`] and serialization refuse such a tree,
/// with a [`TooDeep`](super::FilterErrorKind::TooDeep) error, because no server would parse it.
///
/// ```
/// use scim_types::Filter;
/// let mut deep = Filter::pr("a");
/// for _ in 0..100_000 {
///     deep = deep.not();
/// }
/// assert_eq!(deep.clone(), deep);
/// assert!(deep.to_string().starts_with("not (not ("));
/// assert!(deep.validate().is_err());
/// drop(deep); // no stack overflow anywhere above
/// ```
///
/// Because `Filter` implements `Drop`, a `match` cannot move operands out of it by value;
/// match on a reference, or take them with [`std::mem::take`]:
///
/// ```
/// use scim_types::Filter;
/// let mut f = Filter::pr("a").and(Filter::pr("b"));
/// if let Filter::And(operands) = &mut f {
///     let operands = std::mem::take(operands);
///     assert_eq!(operands.len(), 2);
/// }
/// ```
// `Clone`, `Debug`, `PartialEq`, `Eq`, `Hash` and `Drop` are implemented in `walk.rs`
// without recursion.
#[non_exhaustive]
pub enum Filter {
    /// `attrPath op value`, for example `userName eq "bjensen"`.
    Compare {
        /// The attribute compared.
        attr: AttrPath,
        /// The comparison operator.
        op: CompareOp,
        /// The value compared against.
        value: CompValue,
    },
    /// `attrPath pr`: the attribute has a non-empty value.
    Present {
        /// The attribute tested.
        attr: AttrPath,
    },
    /// Every operand matches (`a and b and …`).
    And(Vec<Filter>),
    /// At least one operand matches (`a or b or …`).
    Or(Vec<Filter>),
    /// The operand does not match (`not (…)`).
    Not(Box<Filter>),
    /// A filter over the values of a multi-valued complex attribute:
    /// `emails[type eq "work" and value co "@example.com"]`.
    ValuePath {
        /// The multi-valued attribute (no sub-attribute).
        attr: AttrPath,
        /// The filter applied to each value; its attribute paths name sub-attributes. It
        /// contains no further value path.
        filter: Box<Filter>,
    },
}

/// An attribute path: `[schemaUrn ":"] name ["." subAttr]` (RFC 7644 §3.10).
///
/// Names are validated (`ALPHA *(ALPHA / DIGIT / "-" / "_")`, or `$ref`). Comparison and
/// hashing ignore ASCII case, because attribute names and schema URNs are case-insensitive
/// (RFC 7643 §2.1); `Display` keeps the case it was given, so output is stable.
///
/// ```
/// use scim_types::filter::AttrPath;
/// let p: AttrPath = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value".parse()?;
/// assert_eq!(p.urn(), Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
/// assert_eq!(p.name(), "manager");
/// assert_eq!(p.sub_attr(), Some("value"));
/// assert_eq!(p, "URN:IETF:params:scim:schemas:extension:enterprise:2.0:User:MANAGER.Value".parse()?);
/// # Ok::<(), scim_types::filter::FilterError>(())
/// ```
#[derive(Clone, Debug)]
pub struct AttrPath {
    pub(crate) urn: Option<String>,
    pub(crate) name: String,
    pub(crate) sub_attr: Option<String>,
    /// Set only by the infallible builder constructors when given a string that is not a
    /// valid path; `name` then holds that string. See [`Filter::validate`].
    pub(crate) invalid: Option<Box<FilterError>>,
}

impl AttrPath {
    /// Parses an attribute path. Same as `s.parse()`.
    ///
    /// # Errors
    ///
    /// When `s` is not `[urn:…:]name[.sub]` with valid names.
    pub fn parse(s: &str) -> Result<Self, FilterError> {
        super::parser::parse_attr_path_str(s)
    }

    /// The schema URN prefix without its trailing `:`, if any.
    pub fn urn(&self) -> Option<&str> {
        self.urn.as_deref()
    }

    /// The attribute name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The sub-attribute name, if any.
    pub fn sub_attr(&self) -> Option<&str> {
        self.sub_attr.as_deref()
    }

    /// `false` only for a path given to an infallible builder constructor that did not parse.
    /// Such a path prints as a JSON string, which no filter parser accepts as a path.
    pub fn is_valid(&self) -> bool {
        self.invalid.is_none()
    }

    /// A path from a caller's string that never fails: an invalid string is kept, marked
    /// invalid, and reported by [`Filter::validate`].
    pub(crate) fn from_builder(s: &str) -> Self {
        match Self::parse(s) {
            Ok(p) => p,
            Err(e) => Self {
                urn: None,
                name: s.to_owned(),
                sub_attr: None,
                invalid: Some(Box::new(e)),
            },
        }
    }
}

impl FromStr for AttrPath {
    type Err = FilterError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

fn eq_opt_ci(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

impl PartialEq for AttrPath {
    fn eq(&self, other: &Self) -> bool {
        match (&self.invalid, &other.invalid) {
            (None, None) => {
                self.name.eq_ignore_ascii_case(&other.name)
                    && eq_opt_ci(self.urn.as_deref(), other.urn.as_deref())
                    && eq_opt_ci(self.sub_attr.as_deref(), other.sub_attr.as_deref())
            }
            (Some(_), Some(_)) => self.name == other.name,
            _ => false,
        }
    }
}

impl Eq for AttrPath {}

fn hash_ci<H: Hasher>(s: Option<&str>, state: &mut H) {
    match s {
        None => state.write_u8(0),
        Some(s) => {
            state.write_u8(1);
            for b in s.bytes() {
                state.write_u8(b.to_ascii_lowercase());
            }
            state.write_u8(0xff);
        }
    }
}

impl Hash for AttrPath {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Consistent with `PartialEq`: case-folded for valid paths, exact for invalid ones.
        // The leading tag (0/1 for valid parts, 2 for invalid) keeps the two apart, and the
        // 0xff terminator (a byte UTF-8 never uses) keeps adjacent parts from running together.
        if self.invalid.is_some() {
            state.write_u8(2);
            self.name.hash(state);
            return;
        }
        hash_ci(self.urn.as_deref(), state);
        hash_ci(Some(&self.name), state);
        hash_ci(self.sub_attr.as_deref(), state);
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.invalid.is_some() {
            // A JSON string where a path belongs is a syntax error for every SCIM parser, so a
            // bad caller-supplied name can never turn into a different, valid filter.
            return super::display::write_json_string(f, &self.name);
        }
        if let Some(urn) = &self.urn {
            f.write_str(urn)?;
            f.write_str(":")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub_attr {
            f.write_str(".")?;
            f.write_str(sub)?;
        }
        Ok(())
    }
}

/// A comparison operator (RFC 7644 §3.4.2.2, Table 3). Parsed in any case, written lowercase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains.
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `lt`: less than.
    Lt,
    /// `ge`: greater than or equal.
    Ge,
    /// `le`: less than or equal.
    Le,
}

impl CompareOp {
    /// Every operator, in RFC order.
    pub const ALL: [CompareOp; 9] = [
        Self::Eq,
        Self::Ne,
        Self::Co,
        Self::Sw,
        Self::Ew,
        Self::Gt,
        Self::Lt,
        Self::Ge,
        Self::Le,
    ];

    /// The lowercase keyword (`"eq"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Co => "co",
            Self::Sw => "sw",
            Self::Ew => "ew",
            Self::Gt => "gt",
            Self::Lt => "lt",
            Self::Ge => "ge",
            Self::Le => "le",
        }
    }

    /// The operator for a keyword in any case; `None` for anything else (including `pr`).
    pub fn from_keyword(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A comparison value: a JSON string, number, boolean or `null` (RFC 7644 §3.4.2.2).
///
/// Converts from the obvious Rust types. A non-finite float (NaN, ±∞) has no JSON form and
/// becomes [`CompValue::Null`], as `serde_json::Value::from(f64)` does.
///
/// ```
/// use scim_types::filter::CompValue;
/// assert_eq!(CompValue::from("x"), CompValue::String("x".into()));
/// assert_eq!(CompValue::from(42).to_string(), "42");
/// assert_eq!(CompValue::from(1.5).to_string(), "1.5");
/// assert_eq!(CompValue::from(f64::NAN), CompValue::Null);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CompValue {
    /// A string; `Display` escapes it as JSON.
    String(String),
    /// A finite number.
    Number(Number),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

impl CompValue {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String(s) => super::display::write_json_string(f, s),
            Self::Number(n) => fmt::Display::fmt(n, f),
            Self::Bool(true) => f.write_str("true"),
            Self::Bool(false) => f.write_str("false"),
            Self::Null => f.write_str("null"),
        }
    }
}

impl From<&str> for CompValue {
    fn from(v: &str) -> Self {
        Self::String(v.to_owned())
    }
}

impl From<String> for CompValue {
    fn from(v: String) -> Self {
        Self::String(v)
    }
}

impl From<&String> for CompValue {
    fn from(v: &String) -> Self {
        Self::String(v.clone())
    }
}

impl From<bool> for CompValue {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}

impl From<Number> for CompValue {
    fn from(v: Number) -> Self {
        Self::Number(v)
    }
}

impl From<()> for CompValue {
    fn from((): ()) -> Self {
        Self::Null
    }
}

impl<T: Into<CompValue>> From<Option<T>> for CompValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Null, Into::into)
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for CompValue {
            fn from(v: $t) -> Self {
                Self::Number(Number::from(v))
            }
        }
    )*};
}

from_int!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl From<f64> for CompValue {
    fn from(v: f64) -> Self {
        Number::from_f64(v).map_or(Self::Null, Self::Number)
    }
}

impl From<f32> for CompValue {
    fn from(v: f32) -> Self {
        Self::from(f64::from(v))
    }
}
