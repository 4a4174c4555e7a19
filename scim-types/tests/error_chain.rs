//! Errors of this crate print each cause once (their `Display` never repeats their
//! `source()`), and quote caller input escaped and bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::error::Error as _;

use scim_types::{Filter, PatchError, PatchOp};

/// Every link of `err`'s chain, outermost first.
fn links(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out = vec![err.to_string()];
    let mut cause = err.source();
    while let Some(c) = cause {
        out.push(c.to_string());
        cause = c.source();
    }
    out
}

/// No link's message contains the message of the link under it.
fn assert_each_cause_once(err: &(dyn std::error::Error + 'static)) {
    let chain = links(err);
    assert!(chain.len() > 1, "{err:?} has no source to test with");
    for pair in chain.windows(2) {
        assert!(
            !pair[0].contains(pair[1].as_str()),
            "`{}` repeats its source `{}`",
            pair[0],
            pair[1]
        );
    }
}

/// A path, control characters and all, 10,000 characters long.
fn hostile() -> String {
    format!(
        "emails[\n2026-12-01 INFO forged log line\u{1b}[2J\r{}",
        "x".repeat(10_000)
    )
}

#[test]
fn patch_errors_do_not_repeat_their_source() {
    let invalid_path = PatchOp::builder()
        .remove("emails[type eq work]")
        .build()
        .unwrap_err();
    assert!(matches!(invalid_path, PatchError::InvalidPath { .. }));
    assert_each_cause_once(&invalid_path);
    // Still useful alone: which operation, which path.
    assert_eq!(
        invalid_path.to_string(),
        "PATCH operation 0: invalid path `emails[type eq work]`"
    );
    // The parser's why is one step down.
    assert!(
        invalid_path
            .source()
            .unwrap()
            .to_string()
            .contains("column 16")
    );

    // A value that cannot be JSON (a map with non-string keys).
    let mut bad = std::collections::HashMap::new();
    bad.insert(vec![1u8], 1);
    let value = PatchOp::builder().add("x", bad).build().unwrap_err();
    assert!(matches!(value, PatchError::Value { index: 0, .. }));
    assert_each_cause_once(&value);
}

#[test]
fn a_patch_path_is_quoted_escaped_and_bounded() {
    let err = PatchOp::builder().remove(hostile()).build().unwrap_err();
    let text = err.to_string();
    assert!(
        !text.chars().any(char::is_control),
        "unescaped control character in {text:?}"
    );
    assert!(text.contains("emails[\\n2026-12-01 INFO"), "{text}");
    assert!(text.contains("\\u{1b}[2J\\r"), "{text}");
    assert!(text.chars().count() < 200, "{} characters", text.len());
    // The whole chain is bounded too (the parser quotes a short excerpt).
    let whole = links(&err).join(": ");
    assert!(!whole.chars().any(char::is_control), "{whole:?}");
    assert!(whole.chars().count() < 400, "{} characters", whole.len());
    // The error value keeps the path as given.
    let PatchError::InvalidPath { path, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(path, &hostile());
}

#[test]
fn an_attribute_name_built_in_code_is_quoted_escaped_and_bounded() {
    let err = Filter::eq(hostile().as_str(), "v").validate().unwrap_err();
    let text = err.to_string();
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert!(text.contains("emails[\\n2026"), "{text}");
    assert!(text.chars().count() < 300, "{} characters", text.len());
}
