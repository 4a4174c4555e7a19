//! Property tests for the filter language and PATCH paths.

// Test code: a panic is a test failure, which is what these helpers are for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use scim_types::PatchPath;
use scim_types::filter::{AttrPath, CompValue, CompareOp, Filter};

/// Attribute names, including ones that are also keywords of the grammar.
fn attr_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z][a-zA-Z0-9_-]{0,10}",
        Just("$ref".to_owned()),
        prop::sample::select(vec!["not", "and", "or", "pr", "eq", "true", "null", "urn"])
            .prop_map(str::to_owned),
    ]
}

fn urn() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("urn:ietf:params:scim:schemas:core:2.0:User".to_owned()),
        Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_owned()),
        "urn:[a-z][a-z0-9-]{0,6}(:[A-Za-z0-9._-]{1,6}){1,3}",
    ]
}

fn attr_path(allow_sub: bool) -> impl Strategy<Value = AttrPath> {
    let sub = if allow_sub {
        prop::option::of(attr_name()).boxed()
    } else {
        Just(None).boxed()
    };
    (prop::option::of(urn()), attr_name(), sub).prop_map(|(urn, name, sub)| {
        let mut s = String::new();
        if let Some(urn) = urn {
            s.push_str(&urn);
            s.push(':');
        }
        s.push_str(&name);
        if let Some(sub) = sub {
            s.push('.');
            s.push_str(&sub);
        }
        AttrPath::parse(&s).unwrap_or_else(|e| panic!("generated path {s:?} is invalid: {e}"))
    })
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        any::<String>().prop_map(CompValue::from),
        any::<i64>().prop_map(CompValue::from),
        any::<u64>().prop_map(CompValue::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(CompValue::from),
        any::<bool>().prop_map(CompValue::from),
        Just(CompValue::Null),
    ]
}

fn compare_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(CompareOp::ALL.to_vec())
}

fn leaf() -> impl Strategy<Value = Filter> {
    prop_oneof![
        (attr_path(true), compare_op(), comp_value())
            .prop_map(|(a, op, v)| Filter::compare(a, op, v)),
        attr_path(true).prop_map(|attr| Filter::Present { attr }),
    ]
}

/// Filters without value paths (what may appear inside `[ ]`).
fn inner_filter() -> impl Strategy<Value = Filter> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::Or),
            inner.prop_map(|f| Filter::Not(Box::new(f))),
        ]
    })
}

/// Any filter the grammar can express.
fn filter() -> impl Strategy<Value = Filter> {
    let vp = (attr_path(false), inner_filter()).prop_map(|(attr, f)| Filter::ValuePath {
        attr,
        filter: Box::new(f),
    });
    prop_oneof![leaf(), vp].prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::Or),
            inner.prop_map(|f| Filter::Not(Box::new(f))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn display_then_parse_is_identity(f in filter()) {
        prop_assert!(f.validate().is_ok());
        let text = f.to_string();
        let back: Filter = text.parse().map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(&back, &f, "text was {:?}", text);
        // Canonical: printing again gives the same text.
        prop_assert_eq!(back.to_string(), text);
    }

    #[test]
    fn builder_escapes_any_string_value(s in any::<String>(), op in compare_op()) {
        let f = Filter::compare(AttrPath::parse("userName").unwrap(), op, s.as_str());
        let back = f.to_string().parse::<Filter>().map_err(|e| TestCaseError::fail(e.to_string()))?;
        // By reference: `Filter` implements `Drop`, so its fields cannot be moved out.
        match &back {
            Filter::Compare { value, op: back_op, .. } => {
                prop_assert_eq!(value, &CompValue::String(s));
                prop_assert_eq!(*back_op, op);
            }
            other => prop_assert!(false, "parsed as {:?}", other),
        }
    }

    #[test]
    fn builder_value_path_escapes_any_string(s in any::<String>(), t in any::<String>()) {
        let f = Filter::value_path("emails", Filter::eq("type", t.as_str()).and(Filter::co("value", s.as_str())))
            .or(Filter::eq("userName", s.as_str()));
        let back = f.to_string().parse::<Filter>().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, f);
    }

    /// Whatever string is given as an attribute name, the printed filter either parses back to
    /// the same tree or does not parse at all: it never becomes a different filter.
    #[test]
    fn builder_never_prints_a_different_filter(attr in any::<String>(), v in any::<String>()) {
        let f = Filter::eq(attr.as_str(), v.as_str()).and(Filter::pr("title"));
        match (f.validate(), f.to_string().parse::<Filter>()) {
            (Ok(()), Ok(back)) => prop_assert_eq!(back, f),
            (Ok(()), Err(e)) => prop_assert!(false, "valid filter did not parse back: {}", e),
            (Err(_), Ok(back)) => prop_assert!(false, "invalid attribute {:?} printed as a valid filter {}", attr, back),
            (Err(_), Err(_)) => {}
        }
    }

    #[test]
    fn builder_attr_names_that_look_like_injection_are_rejected(
        attr in r#"[a-zA-Z]{1,5}( (eq|or|and|pr) "?[a-z]{0,3}"?){1,3}"#,
    ) {
        let f = Filter::eq(attr.as_str(), "x");
        prop_assert!(f.validate().is_err());
        prop_assert!(f.to_string().parse::<Filter>().is_err());
    }

    #[test]
    fn numbers_round_trip(x in any::<f64>().prop_filter("finite", |f| f.is_finite()), i in any::<i64>()) {
        for v in [CompValue::from(x), CompValue::from(i)] {
            let f = Filter::compare(AttrPath::parse("n").unwrap(), CompareOp::Gt, v.clone());
            let back = f.to_string().parse::<Filter>().map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(back, f);
        }
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(s in any::<String>()) {
        let _ = s.parse::<Filter>();
        let _ = s.parse::<PatchPath>();
        let _ = AttrPath::parse(&s);
    }

    /// Arbitrary text from the grammar's own alphabet reaches far deeper into the parser than
    /// arbitrary Unicode; whatever parses must print canonically and parse back.
    #[test]
    fn parsing_grammar_like_text_never_panics(
        s in r#"([ ()\[\]".:$\\a-z0-9-]|eq|and|or|not|pr|urn:a:b:|\\u[0-9a-fD]{0,4}){0,40}"#,
    ) {
        if let Ok(f) = s.parse::<Filter>() {
            let text = f.to_string();
            prop_assert_eq!(text.parse::<Filter>().ok(), Some(f), "{:?} -> {:?}", s, text);
        }
        if let Ok(p) = s.parse::<PatchPath>() {
            let text = p.to_string();
            prop_assert_eq!(text.parse::<PatchPath>().ok(), Some(p), "{:?} -> {:?}", s, text);
        }
    }

    #[test]
    fn patch_paths_round_trip(attr in attr_path(false), f in prop::option::of(inner_filter()), sub in prop::option::of(attr_name())) {
        let mut text = attr.to_string();
        if let Some(f) = &f {
            text.push_str(&format!("[{f}]"));
            if let Some(sub) = &sub {
                text.push('.');
                text.push_str(sub);
            }
        }
        let p: PatchPath = text.parse().map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(p.attr(), &attr);
        prop_assert_eq!(p.value_filter(), f.as_ref());
        prop_assert_eq!(p.to_string(), text);
    }
}
