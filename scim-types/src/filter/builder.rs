//! Building filters in code. Values are escaped when printed; attribute names are validated
//! lazily (see the module documentation and [`Filter::validate`]).

use super::display::needs_parens;
use super::{AttrPath, CompValue, CompareOp, Filter, FilterError, FilterErrorKind, MAX_DEPTH};

macro_rules! comparison {
    ($($fn_name:ident => $op:ident, $doc:literal;)*) => {$(
        #[doc = concat!("`attr ", $doc, " value`. `attr` is validated lazily (see [`Filter::validate`]).")]
        ///
        /// ```
        /// use scim_types::Filter;
        #[doc = concat!("let f = Filter::", stringify!($fn_name), "(\"title\", \"Tour \\\"Guide\\\"\");")]
        #[doc = concat!("assert_eq!(f.to_string(), r#\"title ", $doc, " \"Tour \\\"Guide\\\"\"\"#);")]
        /// ```
        pub fn $fn_name(attr: impl AsRef<str>, value: impl Into<CompValue>) -> Filter {
            Filter::Compare {
                attr: AttrPath::from_builder(attr.as_ref()),
                op: CompareOp::$op,
                value: value.into(),
            }
        }
    )*};
}

impl Filter {
    comparison! {
        eq => Eq, "eq";
        ne => Ne, "ne";
        co => Co, "co";
        sw => Sw, "sw";
        ew => Ew, "ew";
        gt => Gt, "gt";
        ge => Ge, "ge";
        lt => Lt, "lt";
        le => Le, "le";
    }

    /// `attr pr` (present). `attr` is validated lazily.
    ///
    /// ```
    /// assert_eq!(scim_types::Filter::pr("title").to_string(), "title pr");
    /// ```
    pub fn pr(attr: impl AsRef<str>) -> Filter {
        Filter::Present {
            attr: AttrPath::from_builder(attr.as_ref()),
        }
    }

    /// A comparison from an already-parsed path; cannot be invalid.
    pub fn compare(attr: AttrPath, op: CompareOp, value: impl Into<CompValue>) -> Filter {
        Filter::Compare {
            attr,
            op,
            value: value.into(),
        }
    }

    /// A comparison whose attribute path is checked now.
    ///
    /// ```
    /// use scim_types::{Filter, filter::CompareOp};
    /// assert!(Filter::try_compare("userName", CompareOp::Eq, "x").is_ok());
    /// let err = Filter::try_compare("user name", CompareOp::Eq, "x").unwrap_err();
    /// assert_eq!(err.column(), 5);
    /// ```
    ///
    /// # Errors
    ///
    /// When `attr` is not a valid attribute path.
    pub fn try_compare(
        attr: &str,
        op: CompareOp,
        value: impl Into<CompValue>,
    ) -> Result<Filter, FilterError> {
        Ok(Self::compare(AttrPath::parse(attr)?, op, value))
    }

    /// `attr[filter]`: `filter` applies to each value of the multi-valued attribute `attr`.
    ///
    /// ```
    /// use scim_types::Filter;
    /// let f = Filter::value_path("emails", Filter::eq("type", "work").and(Filter::co("value", "@example.com")));
    /// assert_eq!(f.to_string(), r#"emails[type eq "work" and value co "@example.com"]"#);
    /// ```
    pub fn value_path(attr: impl AsRef<str>, filter: Filter) -> Filter {
        Filter::ValuePath {
            attr: AttrPath::from_builder(attr.as_ref()),
            filter: Box::new(filter),
        }
    }

    /// `self and other`. Chains stay flat: `a.and(b).and(c)` is one `And` of three.
    ///
    /// ```
    /// use scim_types::Filter;
    /// let f = Filter::pr("a").or(Filter::pr("b")).and(Filter::pr("c"));
    /// assert_eq!(f.to_string(), "(a pr or b pr) and c pr");
    /// ```
    #[must_use]
    pub fn and(mut self, other: Filter) -> Filter {
        // Appended in place: `Filter` implements `Drop`, so its operands cannot be moved out.
        if let Filter::And(items) = &mut self
            && items.len() >= 2
        {
            items.push(other);
            return self;
        }
        Filter::And(vec![self, other])
    }

    /// `self or other`. Chains stay flat.
    ///
    /// ```
    /// use scim_types::Filter;
    /// let f = Filter::eq("userName", "a").or(Filter::eq("userName", "b")).or(Filter::eq("userName", "c"));
    /// assert_eq!(f.to_string(), r#"userName eq "a" or userName eq "b" or userName eq "c""#);
    /// ```
    #[must_use]
    pub fn or(mut self, other: Filter) -> Filter {
        if let Filter::Or(items) = &mut self
            && items.len() >= 2
        {
            items.push(other);
            return self;
        }
        Filter::Or(vec![self, other])
    }

    /// `not (self)`.
    ///
    /// ```
    /// assert_eq!(scim_types::Filter::pr("title").not().to_string(), "not (title pr)");
    /// ```
    #[allow(clippy::should_implement_trait)] // also implemented; this spares a `use std::ops::Not`
    #[must_use]
    pub fn not(self) -> Filter {
        Filter::Not(Box::new(self))
    }

    /// All of `filters` combined with `and`; `None` when there are none.
    pub fn all(filters: impl IntoIterator<Item = Filter>) -> Option<Filter> {
        filters.into_iter().reduce(Filter::and)
    }

    /// Any of `filters` combined with `or`; `None` when there are none.
    pub fn any(filters: impl IntoIterator<Item = Filter>) -> Option<Filter> {
        filters.into_iter().reduce(Filter::or)
    }

    /// Checks that this tree prints as a filter that parses back to an equal tree.
    ///
    /// Trees from the parser always pass. Trees built in code fail when an attribute name was
    /// not a valid path, an `And`/`Or` has fewer than two operands, a value path is nested in
    /// another or names a sub-attribute, or nesting exceeds [`MAX_DEPTH`]. Serializing a
    /// filter runs this check. The walk is iterative.
    ///
    /// ```
    /// use scim_types::Filter;
    /// assert!(Filter::eq("userName", "x").validate().is_ok());
    /// let bad = Filter::eq("userName eq \"x\" or true", "y");
    /// assert!(bad.validate().is_err());
    /// // It prints, but as text that no parser accepts, never as a different filter:
    /// assert!(bad.to_string().parse::<Filter>().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// The first problem found, as a [`FilterErrorKind::Invalid`] error (or `TooDeep`).
    pub fn validate(&self) -> Result<(), FilterError> {
        let mut stack: Vec<(&Filter, usize, bool)> = vec![(self, 0, false)];
        while let Some((node, depth, in_vp)) = stack.pop() {
            if depth > MAX_DEPTH {
                return Err(FilterError {
                    kind: FilterErrorKind::TooDeep,
                    ..FilterError::invalid(
                        format!("at most {MAX_DEPTH} levels of nesting"),
                        "deeper nesting",
                    )
                });
            }
            match node {
                Filter::Compare { attr, .. } | Filter::Present { attr } => check_attr(attr)?,
                Filter::Not(inner) => stack.push((inner, depth + 1, in_vp)),
                Filter::ValuePath { attr, filter } => {
                    check_attr(attr)?;
                    if in_vp {
                        return Err(FilterError::invalid(
                            "no value path inside a value path",
                            format!("'{attr}[…]'"),
                        ));
                    }
                    if attr.sub_attr.is_some() {
                        return Err(FilterError::invalid(
                            "a value path on an attribute without a sub-attribute",
                            format!("'{attr}[…]'"),
                        ));
                    }
                    stack.push((filter, depth + 1, true));
                }
                Filter::And(items) | Filter::Or(items) => {
                    if items.len() < 2 {
                        return Err(FilterError::invalid(
                            "at least two operands for 'and'/'or'",
                            format!("{} operand(s)", items.len()),
                        ));
                    }
                    let in_and = matches!(node, Filter::And(_));
                    for item in items {
                        let d = if needs_parens(item, in_and) {
                            depth + 1
                        } else {
                            depth
                        };
                        stack.push((item, d, in_vp));
                    }
                }
            }
        }
        Ok(())
    }
}

fn check_attr(attr: &AttrPath) -> Result<(), FilterError> {
    match &attr.invalid {
        Some(e) => Err(FilterError::invalid(
            format!("a valid attribute path ({})", e.expected()),
            // The caller's string, escaped and bounded (it may be anything).
            crate::quote::quote(&attr.name).to_string(),
        )),
        None => Ok(()),
    }
}

impl std::ops::Not for Filter {
    type Output = Filter;

    fn not(self) -> Filter {
        Filter::Not(Box::new(self))
    }
}

impl std::ops::BitAnd for Filter {
    type Output = Filter;

    /// Same as [`Filter::and`].
    fn bitand(self, rhs: Filter) -> Filter {
        self.and(rhs)
    }
}

impl std::ops::BitOr for Filter {
    type Output = Filter;

    /// Same as [`Filter::or`].
    fn bitor(self, rhs: Filter) -> Filter {
        self.or(rhs)
    }
}
