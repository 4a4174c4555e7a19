//! Numbers in attributes this crate does not model survive decode → encode exactly.
//!
//! The reference for floats is the standard library's correctly rounded parser, not
//! `serde_json`: without its `float_roundtrip` feature `serde_json` reads some floats one ULP
//! off, and then reads its own (correct) output back to the same wrong value, so comparing
//! `serde_json` with itself would not notice.

// Test code: a panic is a test failure, which is what these helpers are for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_types::{EnterpriseUser, ListResponse, User, urn};
use serde_json::{Map, Value};

/// Floats chosen to be hard: not exactly representable, the smallest normal, the largest
/// finite, negative zero, the smallest subnormal, and a 17-digit value that `serde_json`'s
/// fast parser rounds wrongly.
const FLOATS: [&str; 10] = [
    "0.1",
    "1e-7",
    "12345678.123456789",
    "2.2250738585072014e-308",
    "1.7976931348623157e308",
    "-0.0",
    "5e-324",
    "0.30000000000000004",
    "6.3331244138851994e142",
    "-1.5E+3",
];

/// Integers that an `f64` would round: they must be kept as integers, digit for digit.
const INTEGERS: [&str; 6] = [
    "18446744073709551615", // u64::MAX
    "-9223372036854775808", // i64::MIN
    "9223372036854775807",  // i64::MAX
    "9007199254740993",     // 2^53 + 1, the first integer an f64 cannot hold
    "0",
    "-1",
];

fn key(i: usize) -> String {
    format!("n{i}")
}

/// A JSON object `{"n0": <number>, "n1": …}` holding every test number, as text.
fn numbers_object() -> String {
    let members: Vec<String> = FLOATS
        .iter()
        .chain(&INTEGERS)
        .enumerate()
        .map(|(i, n)| format!(r#""{}": {n}"#, key(i)))
        .collect();
    format!("{{{}}}", members.join(", "))
}

/// The text of the number written for `"key"` directly inside `json` (the keys are unique).
fn number_text<'a>(json: &'a str, key: &str) -> &'a str {
    let needle = format!(r#""{key}":"#);
    let start = json.find(&needle).unwrap() + needle.len();
    let rest = &json[start..];
    let end = rest.find([',', '}']).unwrap();
    &rest[..end]
}

/// Checks every test number in `written` (the encoded text) and `value` (the decoded-then-
/// encoded object holding them), against the input literals.
fn assert_numbers_exact(written: &str, value: &Map<String, Value>) {
    for (i, literal) in FLOATS.iter().enumerate() {
        let expected: f64 = literal.parse().unwrap();
        let kept = value[&key(i)].as_f64().unwrap();
        assert_eq!(
            kept.to_bits(),
            expected.to_bits(),
            "{literal} was read as {kept:e}"
        );
        let text = number_text(written, &key(i));
        let back: f64 = text.parse().unwrap();
        assert_eq!(
            back.to_bits(),
            expected.to_bits(),
            "{literal} was written as {text}"
        );
    }
    for (j, literal) in INTEGERS.iter().enumerate() {
        let i = FLOATS.len() + j;
        assert_eq!(number_text(written, &key(i)), *literal);
        assert!(
            value[&key(i)].is_i64() || value[&key(i)].is_u64(),
            "{literal}"
        );
    }
}

const ACME: &str = "urn:example:params:scim:schemas:extension:acme:2.0:User";

/// A user carrying the numbers as unknown top-level attributes, inside an unknown extension,
/// as unknown sub-attributes of a complex attribute, and inside the enterprise extension.
fn user_json() -> String {
    let n = numbers_object();
    format!(
        r#"{{"schemas": ["{}", "{}", "{ACME}"],
            "userName": "bjensen",
            "emails": [{{"value": "b@example.com", "weights": {n}}}],
            "{ACME}": {n},
            "{}": {{"department": "Tours", "costs": {n}}},
            "numbers": {n}}}"#,
        urn::USER,
        urn::ENTERPRISE_USER,
        urn::ENTERPRISE_USER,
    )
}

#[test]
fn unknown_numeric_attributes_round_trip_exactly() {
    let input = user_json();
    let user: User = serde_json::from_str(&input).unwrap();
    let written = serde_json::to_string(&user).unwrap();

    // Whole documents: the written JSON reads back as the same value as the input.
    let before: Value = serde_json::from_str(&input).unwrap();
    let after: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(after, before);

    // Each number, against the correctly rounded reference and the literal text.
    let as_object = |v: &Value| v.as_object().unwrap().clone();
    assert_numbers_exact(
        &written_part(&written, "numbers"),
        &as_object(&user.extra["numbers"]),
    );
    assert_numbers_exact(&written_part(&written, ACME), &as_object(&user.extra[ACME]));
    assert_numbers_exact(
        &written_part(&written, "weights"),
        &as_object(&user.emails[0].extra["weights"]),
    );
    let enterprise = &user.enterprise.as_ref().unwrap().extra["costs"];
    assert_numbers_exact(&written_part(&written, "costs"), &as_object(enterprise));
}

#[test]
fn typed_extensions_read_modified_and_written_back_keep_their_numbers() {
    let mut user: User = serde_json::from_str(&user_json()).unwrap();

    let mut enterprise: EnterpriseUser = user.extension(urn::ENTERPRISE_USER).unwrap().unwrap();
    enterprise.department = Some("Sales".into());
    user.set_extension(urn::ENTERPRISE_USER, &enterprise)
        .unwrap();

    let mut acme: Map<String, Value> = user.extension(ACME).unwrap().unwrap();
    acme.insert("badge".into(), 42.into());
    user.set_extension(ACME, &acme).unwrap();

    let written = serde_json::to_string(&user).unwrap();
    let costs = user.enterprise.as_ref().unwrap().extra["costs"]
        .as_object()
        .unwrap();
    assert_numbers_exact(&written_part(&written, "costs"), costs);
    let acme = user.extra[ACME].as_object().unwrap();
    assert_numbers_exact(&written_part(&written, ACME), acme);
}

#[test]
fn a_page_of_users_keeps_their_numbers() {
    let page = format!(r#"{{"totalResults": 1, "Resources": [{}]}}"#, user_json());
    let page: ListResponse<User> = serde_json::from_str(&page).unwrap();
    let written = serde_json::to_string(&page.resources[0]).unwrap();
    let numbers = page.resources[0].extra["numbers"].as_object().unwrap();
    assert_numbers_exact(&written_part(&written, "numbers"), numbers);
}

#[test]
fn negative_zero_keeps_its_sign() {
    let user: User = serde_json::from_str(r#"{"userName": "a", "z": -0.0, "w": -0}"#).unwrap();
    let written = serde_json::to_string(&user).unwrap();
    assert!(written.contains(r#""z":-0.0"#), "{written}");
    // `-0` is read as the float -0.0 (JSON has one number type; the sign is what matters).
    assert!(written.contains(r#""w":-0.0"#), "{written}");
}

/// What cannot round-trip, pinned so that a change is noticed (documented on `extra`).
#[test]
fn integers_beyond_64_bits_become_the_nearest_float_and_out_of_range_is_an_error() {
    let user: User =
        serde_json::from_str(r#"{"userName": "a", "big": 18446744073709551617}"#).unwrap();
    assert_eq!(user.extra["big"].as_f64(), Some(18446744073709551617.0));
    let written = serde_json::to_string(&user).unwrap();
    assert!(
        written.contains(r#""big":1.8446744073709552e+19"#),
        "{written}"
    );
    let err = serde_json::from_str::<User>(r#"{"userName": "a", "huge": 1e400}"#).unwrap_err();
    assert!(err.to_string().contains("number out of range"), "{err}");
}

/// The part of `written` that follows `"key":`, so that [`number_text`] finds the numbers of
/// that one object (each test object uses the same keys `n0`, `n1`, …).
fn written_part(written: &str, key: &str) -> String {
    let needle = format!(r#""{key}":"#);
    let start = written.find(&needle).unwrap() + needle.len();
    written[start..].to_owned()
}
