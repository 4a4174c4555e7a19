//! Caller input quoted by this crate's errors is escaped and bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proofpoint_essentials::ErrorCode;

#[test]
fn an_unregistered_domain_is_quoted_escaped_and_bounded() {
    let domain = format!(
        "evil\n2026-12-01 INFO forged\u{1b}[2J\r{}.example",
        "x".repeat(10_000)
    );
    let text = ErrorCode::DomainNotRegistered { domain }.to_string();
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert!(
        text.starts_with("the domain `evil\\n2026-12-01 INFO forged\\u{1b}[2J\\r"),
        "{text}"
    );
    assert!(text.chars().count() < 300, "{} characters", text.len());
    let plain = ErrorCode::DomainNotRegistered {
        domain: "example.com".into(),
    };
    assert_eq!(
        plain.to_string(),
        "the domain `example.com` is not registered in this Proofpoint Essentials organization"
    );
}
