//! The conformance corpus in `tests/vectors/*.jsonl`: every line is checked.
//!
//! - `filter_valid.jsonl`: `input` parses; its `Display` is `canonical`; `canonical` parses
//!   to an equal tree and prints unchanged; the optional `tree` is the parse tree as an
//!   s-expression (it pins precedence and grouping, which the canonical string alone cannot).
//! - `filter_invalid.jsonl`: `input` fails at `column` with the error `kind`.
//! - `patch_path_valid.jsonl` / `patch_path_invalid.jsonl`: the same for PATCH paths, with the
//!   expected `attr`, value `filter` and `sub_attr` parts.

// Test code: a panic is a test failure, which is what these helpers are for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use scim_types::PatchPath;
use scim_types::filter::{Filter, FilterError, FilterErrorKind};
use serde_json::Value;

const SOURCES: [&str; 5] = ["rfc7644-3.4.2.2", "rfc7644-3.5.2", "entra", "okta", "edge"];

fn lines(file: &str) -> Vec<(usize, Value)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let v: Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{file}:{}: {e}", i + 1));
            let source = v["source"].as_str().unwrap_or_default();
            assert!(
                SOURCES.contains(&source),
                "{file}:{}: unknown source {source:?}",
                i + 1
            );
            (i + 1, v)
        })
        .collect()
}

fn str_field<'a>(v: &'a Value, key: &str, file: &str, line: usize) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{file}:{line}: missing string field {key:?}"))
}

/// The tree as an s-expression: `(and (eq userName "x") (pr title))`.
fn sexpr(f: &Filter) -> String {
    match f {
        Filter::Compare { attr, op, value } => format!("({op} {attr} {value})"),
        Filter::Present { attr } => format!("(pr {attr})"),
        Filter::And(items) => format!(
            "(and {})",
            items.iter().map(sexpr).collect::<Vec<_>>().join(" ")
        ),
        Filter::Or(items) => format!(
            "(or {})",
            items.iter().map(sexpr).collect::<Vec<_>>().join(" ")
        ),
        Filter::Not(inner) => format!("(not {})", sexpr(inner)),
        Filter::ValuePath { attr, filter } => format!("(vp {attr} {})", sexpr(filter)),
        other => panic!("unexpected node {other:?}"),
    }
}

fn kind_name(e: &FilterError) -> &'static str {
    match e.kind() {
        FilterErrorKind::Syntax => "syntax",
        FilterErrorKind::TooDeep => "too_deep",
        FilterErrorKind::TooLong => "too_long",
        _ => "other",
    }
}

#[test]
fn valid_filters_parse_to_their_canonical_form() {
    let file = "filter_valid.jsonl";
    let cases = lines(file);
    assert!(cases.len() >= 80, "{file} has only {} cases", cases.len());
    for (line, v) in &cases {
        let input = str_field(v, "input", file, *line);
        let canonical = str_field(v, "canonical", file, *line);
        let parsed: Filter = input
            .parse()
            .unwrap_or_else(|e| panic!("{file}:{line}: {input:?} failed: {e}"));
        assert_eq!(
            parsed.to_string(),
            canonical,
            "{file}:{line}: canonical form of {input:?}"
        );
        let reparsed: Filter = canonical
            .parse()
            .unwrap_or_else(|e| panic!("{file}:{line}: canonical {canonical:?} failed: {e}"));
        assert_eq!(
            reparsed, parsed,
            "{file}:{line}: canonical form parses to a different tree"
        );
        assert_eq!(
            reparsed.to_string(),
            canonical,
            "{file}:{line}: canonical form is not a fixpoint"
        );
        assert!(
            parsed.validate().is_ok(),
            "{file}:{line}: parsed tree does not validate"
        );
        if let Some(tree) = v.get("tree").and_then(Value::as_str) {
            assert_eq!(sexpr(&parsed), tree, "{file}:{line}: tree of {input:?}");
        }
    }
}

#[test]
fn invalid_filters_fail_at_the_recorded_column() {
    let file = "filter_invalid.jsonl";
    let cases = lines(file);
    assert!(cases.len() >= 50, "{file} has only {} cases", cases.len());
    for (line, v) in &cases {
        let input = str_field(v, "input", file, *line);
        assert!(!str_field(v, "reason", file, *line).is_empty());
        let err = match input.parse::<Filter>() {
            Ok(f) => panic!("{file}:{line}: {input:?} parsed as {f}"),
            Err(e) => e,
        };
        assert_eq!(
            Some(err.column() as u64),
            v["column"].as_u64(),
            "{file}:{line}: column for {input:?}: {err}"
        );
        assert_eq!(
            kind_name(&err),
            str_field(v, "kind", file, *line),
            "{file}:{line}: {err}"
        );
        assert!(!err.expected().is_empty());
        assert!(
            err.to_string()
                .contains(&format!("column {}", err.column()))
        );
    }
}

#[test]
fn valid_patch_paths_parse_into_their_parts() {
    let file = "patch_path_valid.jsonl";
    let cases = lines(file);
    assert!(cases.len() >= 25, "{file} has only {} cases", cases.len());
    for (line, v) in &cases {
        let input = str_field(v, "input", file, *line);
        let canonical = str_field(v, "canonical", file, *line);
        let path: PatchPath = input
            .parse()
            .unwrap_or_else(|e| panic!("{file}:{line}: {input:?} failed: {e}"));
        assert_eq!(path.to_string(), canonical, "{file}:{line}");
        assert_eq!(
            path.attr().to_string(),
            str_field(v, "attr", file, *line),
            "{file}:{line}: attr"
        );
        assert_eq!(
            path.value_filter().map(ToString::to_string).as_deref(),
            v.get("filter").and_then(Value::as_str),
            "{file}:{line}: value filter"
        );
        assert_eq!(
            path.sub_attr(),
            v.get("sub_attr").and_then(Value::as_str),
            "{file}:{line}: sub_attr"
        );
        let reparsed: PatchPath = canonical
            .parse()
            .unwrap_or_else(|e| panic!("{file}:{line}: {e}"));
        assert_eq!(
            reparsed, path,
            "{file}:{line}: canonical form parses to a different path"
        );
    }
}

#[test]
fn invalid_patch_paths_fail_at_the_recorded_column() {
    let file = "patch_path_invalid.jsonl";
    let cases = lines(file);
    assert!(cases.len() >= 15, "{file} has only {} cases", cases.len());
    for (line, v) in &cases {
        let input = str_field(v, "input", file, *line);
        let err = match input.parse::<PatchPath>() {
            Ok(p) => panic!("{file}:{line}: {input:?} parsed as {p}"),
            Err(e) => e,
        };
        assert_eq!(
            Some(err.column() as u64),
            v["column"].as_u64(),
            "{file}:{line}: column for {input:?}: {err}"
        );
        assert_eq!(
            kind_name(&err),
            str_field(v, "kind", file, *line),
            "{file}:{line}: {err}"
        );
    }
}

#[test]
fn corpus_covers_every_source_and_operator() {
    let valid = lines("filter_valid.jsonl");
    for source in ["rfc7644-3.4.2.2", "entra", "okta", "edge"] {
        assert!(
            valid.iter().any(|(_, v)| v["source"] == source),
            "no valid filter from {source}"
        );
    }
    let all: Vec<String> = valid
        .iter()
        .map(|(_, v)| v["canonical"].as_str().unwrap_or_default().to_owned())
        .collect();
    for op in [
        "eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le", "pr", "and", "or", "not (",
    ] {
        assert!(
            all.iter()
                .any(|f| f.contains(&format!(" {op}")) || f.starts_with(op)),
            "no valid filter uses {op}"
        );
    }
}

/// Value-filtered PATCH paths built from caller data: any value stays one escaped string,
/// and the path reads back as exactly the filter that was built.
#[test]
fn value_filtered_paths_escape_caller_data_and_round_trip() {
    use scim_types::{Filter, PatchPath};
    for hostile in [
        r#"plain"#,
        r#"a"b"#,
        r#"back\slash"#,
        r#"u1"] or value pr or [value eq "x"#,
        "tab\tnewline\nnul\u{0}",
        "ü 雪 🎉",
        "",
    ] {
        let path = PatchPath::value_eq("members", hostile).unwrap();
        let reparsed: PatchPath = path.to_string().parse().unwrap();
        assert_eq!(reparsed, path, "{hostile:?}");
        assert_eq!(
            path.value_filter(),
            Some(&Filter::eq("value", hostile)),
            "{hostile:?}"
        );
        assert_eq!(path.attr().name(), "members");
    }
    // Only plain attribute paths before the bracket.
    for bad in ["members.value", "members[value pr]", "", "a b"] {
        assert!(PatchPath::value_eq(bad, "x").is_err(), "{bad:?}");
    }
    // A nested value path inside the filter is refused.
    let nested = Filter::value_path("emails", Filter::eq("type", "work"));
    assert!(PatchPath::value_filtered("members", nested).is_err());
    // A sub-attribute after the filter.
    let p = PatchPath::value_eq("emails", "a@x.io")
        .unwrap()
        .with_sub_attr("primary")
        .unwrap();
    assert_eq!(p.to_string(), r#"emails[value eq "a@x.io"].primary"#);
    assert!(
        PatchPath::value_eq("emails", "x")
            .unwrap()
            .with_sub_attr("a b")
            .is_err()
    );
}
