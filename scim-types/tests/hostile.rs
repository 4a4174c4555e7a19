//! Hostile input is an error, never a crash: deep nesting, huge input, deep JSON.

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
        // Drop iteratively-unfriendly trees here, on purpose, to show 2,000 levels are fine.
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
