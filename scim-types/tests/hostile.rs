//! Hostile input is an error, never a crash: deep nesting, huge input, deep JSON; and trees
//! built in code of any depth drop, clone, compare, hash and print without recursion.

// Test code: a panic is a test failure, which is what these helpers are for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_types::filter::{Filter, FilterErrorKind, MAX_DEPTH, MAX_LEN};
use scim_types::{PatchOp, PatchPath, User};

/// Runs `f` on a thread with a deliberately small stack, so any unbounded recursion would
/// overflow it and abort the test binary.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn ten_thousand_nested_parentheses_is_an_error() {
    let input = format!("{}userName pr{}", "(".repeat(10_000), ")".repeat(10_000));
    let err = on_small_stack(move || input.parse::<Filter>().unwrap_err());
    assert_eq!(err.kind(), FilterErrorKind::TooDeep);
    assert_eq!(err.column(), MAX_DEPTH + 1);
    assert!(err.to_string().contains("at most 64 levels"));
}

#[test]
fn ten_thousand_nested_nots_is_an_error() {
    let input = format!("{}title pr{}", "not (".repeat(10_000), ")".repeat(10_000));
    let err = on_small_stack(move || input.parse::<Filter>().unwrap_err());
    assert_eq!(err.kind(), FilterErrorKind::TooDeep);
}

#[test]
fn five_thousand_nested_value_paths_is_an_error() {
    let input = format!("{}type pr{}", "emails[".repeat(5_000), "]".repeat(5_000));
    let err = on_small_stack(move || input.parse::<Filter>().unwrap_err());
    // Value paths cannot nest at all, so this fails at the second '['.
    assert_eq!(err.kind(), FilterErrorKind::Syntax);
    assert_eq!(err.column(), 14);
    let input = format!("{}type pr{}", "emails[".repeat(5_000), "]".repeat(5_000));
    assert!(on_small_stack(move || input.parse::<PatchPath>().is_err()));
}

#[test]
fn unbalanced_openers_are_errors() {
    for input in [
        "(".repeat(100_000),
        "[".repeat(100_000),
        "not (".repeat(10_000),
        "\"".repeat(10_000),
    ] {
        let err = on_small_stack(move || input.parse::<Filter>().unwrap_err());
        assert!(matches!(
            err.kind(),
            FilterErrorKind::TooDeep | FilterErrorKind::TooLong | FilterErrorKind::Syntax
        ));
    }
}

#[test]
fn depth_limit_is_exact() {
    let ok = format!("{}a pr{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert!(ok.parse::<Filter>().is_ok());
    let too_deep = format!("({ok})");
    assert_eq!(
        too_deep.parse::<Filter>().unwrap_err().kind(),
        FilterErrorKind::TooDeep
    );
}

#[test]
fn input_longer_than_the_cap_is_an_error() {
    let long = format!("userName eq \"{}\"", "x".repeat(MAX_LEN));
    let err = long.parse::<Filter>().unwrap_err();
    assert_eq!(err.kind(), FilterErrorKind::TooLong);
    assert_eq!(err.column(), MAX_LEN + 1);
    let err = long.parse::<PatchPath>().unwrap_err();
    assert_eq!(err.kind(), FilterErrorKind::TooLong);
    // Multi-byte characters: the column is counted in characters.
    let long = "é".repeat(MAX_LEN);
    let err = long.parse::<Filter>().unwrap_err();
    assert_eq!(err.column(), MAX_LEN / 2 + 1);
}

#[test]
fn long_flat_chains_parse_print_and_drop_without_recursion() {
    let terms = 6_000;
    let input = vec!["a pr"; terms].join(" or ");
    assert!(input.len() < MAX_LEN);
    let f = on_small_stack(move || {
        let f: Filter = input.parse().unwrap();
        assert_eq!(f.to_string(), input);
        f
    });
    match &f {
        Filter::Or(items) => assert_eq!(items.len(), terms),
        other => panic!("{other:?}"),
    }
}

#[test]
fn deeply_built_filters_print_without_recursion_and_fail_validation() {
    let (text, verdict) = on_small_stack(|| {
        let mut f = Filter::pr("a");
        for _ in 0..2_000 {
            f = f.not();
        }
        let text = f.to_string();
        let verdict = f.validate().map_err(|e| e.kind());
        (text, verdict)
    });
    assert!(text.starts_with("not (not ("));
    assert_eq!(text.len(), "not (".len() * 2_000 + "a pr".len() + 2_000);
    assert_eq!(verdict, Err(FilterErrorKind::TooDeep));
}

#[test]
fn deeply_nested_json_is_an_error() {
    let deep = format!(
        r#"{{"userName":"a","x":{}1{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(on_small_stack(
        move || serde_json::from_str::<User>(&deep).is_err()
    ));
    let deep = format!(
        r#"{{"Operations":[{{"op":"add","value":{}1{}}}]}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(on_small_stack(move || serde_json::from_str::<PatchOp>(
        &deep
    )
    .is_err()));
}

/// A stack far too small for a recursive walk over the trees below: 256 KiB holds a few
/// thousand frames, the trees are a million levels deep.
fn on_tiny_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

const DEEP: usize = 1_000_000;

#[test]
fn a_million_nested_nots_drop_without_recursion() {
    on_tiny_stack(|| {
        let mut f = Filter::pr("a");
        for _ in 0..DEEP {
            f = f.not();
        }
        drop(f);
    });
}

#[test]
fn a_million_long_right_nested_and_drops_without_recursion() {
    on_tiny_stack(|| {
        let mut f = Filter::pr("a");
        for i in 0..DEEP {
            // `x.and(f)` nests `f` (it only flattens a left-hand `And`), so this is
            // `x and (x and (x and …))`, one level per step.
            f = Filter::eq("x", i).and(f);
        }
        match &f {
            Filter::And(items) => assert!(matches!(items[1], Filter::And(_))),
            other => panic!("{other:?}"),
        }
        drop(f);
    });
}

#[test]
fn deep_or_value_path_and_mixed_chains_drop_without_recursion() {
    on_tiny_stack(|| {
        let mut f = Filter::pr("a");
        for _ in 0..DEEP {
            f = Filter::pr("x").or(f);
        }
        drop(f);

        // Nested value paths are invalid SCIM, but nothing stops code from building them.
        let mut f = Filter::pr("a");
        for _ in 0..DEEP {
            f = Filter::value_path("emails", f);
        }
        drop(f);

        // Every node kind, and levels with more than one nested operand.
        let mut f = Filter::pr("a");
        for i in 0..DEEP {
            f = match i % 4 {
                0 => Filter::And(vec![Filter::pr("x"), Filter::pr("y").not().not(), f]),
                1 => f.not(),
                2 => Filter::value_path("emails", f),
                _ => Filter::Or(vec![f, Filter::eq("y", 1)]),
            };
        }
        drop(f);
    });
}

/// Every node kind, `levels` deep, over `leaf`.
fn mixed_chain(levels: usize, leaf: Filter) -> Filter {
    let mut f = leaf;
    for i in 0..levels {
        f = match i % 4 {
            0 => f.not(),
            1 => Filter::eq("x", i).and(f),
            2 => Filter::pr("y").or(f),
            _ => Filter::value_path("emails", f),
        };
    }
    f
}

fn hash_of(f: &Filter) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    f.hash(&mut h);
    h.finish()
}

#[test]
fn a_million_levels_clone_compare_hash_and_print_without_recursion() {
    on_tiny_stack(|| {
        let f = mixed_chain(DEEP, Filter::pr("a"));
        let copy = f.clone();
        assert!(copy == f);
        assert_eq!(hash_of(&copy), hash_of(&f));
        drop(copy);

        let other = mixed_chain(DEEP, Filter::pr("b"));
        assert!(other != f, "the leaves a million levels down differ");
        drop(other);

        let debug = format!("{f:?}");
        assert!(
            debug.starts_with("ValuePath { attr: AttrPath {"),
            "{}",
            &debug[..80]
        );
        assert!(
            debug.ends_with(") })])]) }"),
            "{}",
            &debug[debug.len() - 80..]
        );
        let text = f.to_string();
        assert!(text.starts_with("emails[y pr or x eq 999997 and not (emails["));
    });
}

#[test]
fn pretty_debug_of_a_deep_filter_does_not_recurse() {
    let levels = 2_000;
    let debug = on_tiny_stack(move || {
        let mut f = Filter::pr("a");
        for _ in 0..levels {
            f = f.not();
        }
        format!("{f:#?}")
    });
    let lines: Vec<&str> = debug.lines().collect();
    assert_eq!(lines[0], "Not(");
    assert_eq!(lines[1], "    Not(");
    assert_eq!(
        lines[levels],
        format!("{}Present {{", "    ".repeat(levels))
    );
    assert_eq!(lines.last().copied(), Some(")"));
    // Per level, `Not(` and `),`; then `Present` spans eight lines.
    assert_eq!(lines.len(), 2 * levels + 8);
}
