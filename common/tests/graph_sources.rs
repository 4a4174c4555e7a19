//! Directory sources read from files (`graph::source`): every person of a good file, and
//! for a bad one an error naming the line, the field and the reason of every problem.
#![cfg(feature = "sources")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use idgraph_common::Error;
use idgraph_common::graph::DirectoryUser;
use idgraph_common::graph::source::{
    CsvSource, JsonSource, ProblemKind, RowProblem, SourceError, SourceField,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sources")
        .join(name)
}

fn csv(name: &str) -> Vec<DirectoryUser> {
    match CsvSource::from_path(fixture(name)).load() {
        Ok(listing) => listing.into_users(),
        Err(e) => panic!("{e}"),
    }
}

fn csv_err(name: &str) -> SourceError {
    CsvSource::from_path(fixture(name))
        .load()
        .expect_err("the file has bad rows")
}

fn json(name: &str) -> Vec<DirectoryUser> {
    match JsonSource::from_path(fixture(name)).load() {
        Ok(listing) => listing.into_users(),
        Err(e) => panic!("{e}"),
    }
}

fn json_err(name: &str) -> SourceError {
    JsonSource::from_path(fixture(name))
        .load()
        .expect_err("the file has bad rows")
}

/// `(line, column, kind)` of every problem.
fn problems(e: &SourceError) -> Vec<(Option<u64>, Option<&str>, &ProblemKind)> {
    e.problems()
        .iter()
        .map(|p| (p.line, p.column.as_deref(), &p.kind))
        .collect()
}

fn the_good_csv() -> Vec<DirectoryUser> {
    vec![
        DirectoryUser::new("ada.lovelace@example.com")
            .with_names("Ada", "Lovelace")
            .with_display_name("Ada Lovelace")
            .with_external_id("00u001")
            .with_groups(["Engineering"]),
        DirectoryUser::new("grace.hopper@example.com")
            .with_names("Grace", "Hopper")
            .with_display_name("Grace Hopper")
            .with_external_id("00u002")
            .with_groups(["Engineering", "On call"]),
        DirectoryUser::new("alan.turing@example.com")
            .with_names("Alan", "Turing")
            .with_display_name("Alan Turing")
            .with_external_id("00u003")
            .with_active(false)
            .with_groups(["Engineering"]),
        {
            // Empty fields are none, an empty `active` is true, no groups.
            let mut k = DirectoryUser::new("katherine.johnson@example.com");
            k.set_given_name(Some("Katherine"));
            k.set_family_name(Some("Johnson"));
            k
        },
    ]
}

#[test]
fn a_good_csv_gives_every_person_in_file_order() {
    assert_eq!(csv("good.csv"), the_good_csv());
}

#[test]
fn a_byte_order_mark_and_crlf_line_endings_change_nothing() {
    assert_eq!(csv("bom.csv"), the_good_csv());
    assert_eq!(csv("crlf.csv"), the_good_csv());
}

#[test]
fn quoted_fields_hold_commas_quotes_and_line_breaks() {
    let users = csv("quoted.csv");
    assert_eq!(users.len(), 3);
    assert_eq!(users[0].display_name(), Some("Lovelace, Ada"));
    assert_eq!(users[0].groups(), ["Engineering", "On call"]);
    assert!(users[0].is_active(), "TRUE is true");
    assert_eq!(users[1].display_name(), Some("Grace \"Amazing\" Hopper"));
    assert!(!users[1].is_active(), "No is false");
    assert_eq!(users[2].display_name(), Some("Alan\nTuring"));
}

#[test]
fn the_listing_vouches_for_the_file() {
    let a = CsvSource::from_path(fixture("good.csv")).load().unwrap();
    let b = CsvSource::from_path(fixture("crlf.csv")).load().unwrap();
    assert_eq!(a.fingerprint(), b.fingerprint());
    assert!(a.summary().is_none());
}

#[test]
fn a_missing_email_names_its_line_and_column() {
    let e = csv_err("missing_email.csv");
    assert_eq!(
        problems(&e),
        [(Some(3), Some("email"), &ProblemKind::MissingEmail)]
    );
    let text = e.to_string();
    assert!(text.contains("missing_email.csv"), "{text}");
    assert!(text.contains("line 3, field `email`: no email"), "{text}");
}

#[test]
fn an_email_that_is_not_an_address_is_refused_with_why() {
    let e = csv_err("bad_email.csv");
    let got: Vec<_> = e
        .problems()
        .iter()
        .map(|p| match &p.kind {
            ProblemKind::NotAnEmail { reason } => (p.line, p.column.as_deref(), *reason),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some(2), Some("email"), "it has no `@`"),
            (Some(3), Some("email"), "it contains white space"),
            (
                Some(4),
                Some("email"),
                "the part after the `@` is not a domain name (like example.com)"
            ),
        ]
    );
    // The address itself is not quoted (errors get logged).
    assert!(!e.to_string().contains("grace hopper"), "{e}");
}

#[test]
fn a_bad_boolean_is_quoted_with_what_would_do() {
    let e = csv_err("bad_boolean.csv");
    assert_eq!(
        problems(&e),
        [(
            Some(3),
            Some("active"),
            &ProblemKind::BadBoolean {
                value: "sometimes".into()
            }
        )]
    );
    assert!(
        e.to_string().contains("`sometimes` is not a boolean"),
        "{e}"
    );
}

#[test]
fn a_duplicate_email_is_found_case_insensitively_and_points_at_the_first() {
    let e = csv_err("duplicate_email.csv");
    assert_eq!(
        problems(&e),
        [(
            Some(4),
            Some("email"),
            &ProblemKind::DuplicateEmail { first_line: 2 }
        )]
    );
}

#[test]
fn a_duplicate_link_key_points_at_the_first() {
    let e = csv_err("duplicate_link_key.csv");
    assert_eq!(
        problems(&e),
        [(
            Some(3),
            Some("external_id"),
            &ProblemKind::DuplicateLinkKey { first_line: 2 }
        )]
    );
}

#[test]
fn a_row_with_the_wrong_number_of_fields_is_refused() {
    let e = csv_err("field_count.csv");
    assert_eq!(
        problems(&e),
        [
            (
                Some(2),
                None,
                &ProblemKind::FieldCount {
                    expected: 7,
                    found: 8
                }
            ),
            (
                Some(3),
                None,
                &ProblemKind::FieldCount {
                    expected: 7,
                    found: 6
                }
            ),
        ]
    );
}

#[test]
fn invalid_utf8_names_the_column() {
    let e = csv_err("invalid_utf8.csv");
    assert_eq!(
        problems(&e),
        [(Some(3), Some("given_name"), &ProblemKind::InvalidUtf8)]
    );
}

#[test]
fn a_header_without_a_configured_column_is_refused_before_any_row() {
    let e = csv_err("missing_column.csv");
    assert_eq!(
        problems(&e),
        [(Some(1), Some("external_id"), &ProblemKind::MissingColumn)]
    );
    // Configured to the file's own name, it loads.
    let users = CsvSource::from_path(fixture("missing_column.csv"))
        .link_key("externalid")
        .load()
        .unwrap()
        .into_users();
    assert_eq!(users[0].external_id(), Some("00u001"));
}

#[test]
fn a_header_with_a_read_column_twice_is_refused_naming_it() {
    // `Given_Name` and `given_name` are the same column (header names match ignoring
    // case): which one holds the given name is unknown, so nothing is read.
    let e = csv_err("duplicate_column.csv");
    assert_eq!(
        problems(&e),
        [(Some(1), Some("given_name"), &ProblemKind::DuplicateColumn)]
    );
    let text = e.to_string();
    assert!(
        text.contains("line 1, field `given_name`: the header has this column twice"),
        "{text}"
    );

    // A column the source does not read may repeat: it is never looked at.
    let data = "email,notes,notes\nada@example.com,a,b\n";
    let users = CsvSource::from_reader(data.as_bytes())
        .no_column(SourceField::GivenName)
        .no_column(SourceField::FamilyName)
        .no_column(SourceField::DisplayName)
        .no_column(SourceField::ExternalId)
        .no_column(SourceField::Active)
        .no_column(SourceField::Groups)
        .load()
        .unwrap()
        .into_users();
    assert_eq!(users, [DirectoryUser::new("ada@example.com")]);
}

#[test]
fn every_problem_is_listed_not_only_the_first() {
    let e = csv_err("several_problems.csv");
    assert_eq!(
        problems(&e),
        [
            (Some(3), Some("email"), &ProblemKind::MissingEmail),
            (
                Some(4),
                Some("active"),
                &ProblemKind::BadBoolean {
                    value: "maybe".into()
                }
            ),
            (
                Some(5),
                None,
                &ProblemKind::FieldCount {
                    expected: 7,
                    found: 6
                }
            ),
        ]
    );
    assert!(e.to_string().contains("3 problem(s)"), "{e}");
}

#[test]
fn an_empty_file_is_refused_and_a_header_alone_is_nobody() {
    let e = csv_err("empty.csv");
    assert_eq!(problems(&e), [(Some(1), None, &ProblemKind::Empty)]);
    assert!(csv("header_only.csv").is_empty());
}

#[test]
fn columns_separator_and_delimiter_are_configurable() {
    let data = "Mail;Vorname;Nachname;Aktiv;Personalnummer;Teams;Abteilung\n\
                ada@example.com;Ada;Lovelace;ja;P1;Eng|Ops;R&D\n\
                grace@example.com;Grace;Hopper;;P2;;R&D\n";
    let e = CsvSource::from_reader(data.as_bytes())
        .delimiter(b';')
        .column_names([
            ("email", "mail"), // header names match case-insensitively
            ("given_name", "Vorname"),
            ("family_name", "Nachname"),
            ("active", "Aktiv"),
            ("groups", "Teams"),
        ])
        .link_key("Personalnummer")
        .no_column(SourceField::DisplayName)
        .groups_separator("|")
        .name("hr-export")
        .load()
        .unwrap_err();
    // `ja` is not a boolean: the error names the configured column and the input.
    assert_eq!(e.origin(), "hr-export");
    assert_eq!(e.problems()[0].column.as_deref(), Some("Aktiv"));

    let fixed = data.replace(";ja;", ";yes;");
    let users = CsvSource::from_reader(fixed.as_bytes())
        .delimiter(b';')
        .column(SourceField::Email, "Mail")
        .column(SourceField::GivenName, "Vorname")
        .column(SourceField::FamilyName, "Nachname")
        .column(SourceField::Active, "Aktiv")
        .column(SourceField::Groups, "Teams")
        .column(SourceField::ExternalId, "Personalnummer")
        .no_column(SourceField::DisplayName)
        .groups_separator("|")
        .load()
        .unwrap()
        .into_users();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0].groups(), ["Eng", "Ops"]);
    assert_eq!(users[0].external_id(), Some("P1"));
    assert_eq!(users[0].display_name(), None);
    assert!(users[1].is_active() && users[1].groups().is_empty());
}

#[test]
fn a_missing_file_is_an_error_too() {
    let e = csv_err("no-such-file.csv");
    assert!(matches!(
        e.problems(),
        [RowProblem {
            line: None,
            kind: ProblemKind::Unreadable { .. },
            ..
        }]
    ));
}

#[test]
fn the_display_is_capped_and_the_problems_are_not() {
    let mut data =
        String::from("email,given_name,family_name,display_name,external_id,active,groups\n");
    for i in 0..120 {
        data.push_str(&format!(",Nobody,{i},,,true,\n"));
    }
    let e = CsvSource::from_reader(data.as_bytes()).load().unwrap_err();
    assert_eq!(e.problems().len(), 120);
    let text = e.to_string();
    assert_eq!(text.lines().count(), 1 + 50 + 1, "{text}");
    assert!(text.ends_with("… and 70 more"), "{text}");
    assert!(text.contains("line 51,"), "{text}");
    assert!(!text.contains("line 52,"), "{text}");
}

#[test]
fn a_source_error_is_an_invalid_input_error() {
    let e: Error = csv_err("missing_email.csv").into();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
    assert!(e.to_string().contains("line 3, field `email`"), "{e}");
}

fn the_good_json() -> Vec<DirectoryUser> {
    vec![
        DirectoryUser::new("ada.lovelace@example.com")
            .with_names("Ada", "Lovelace")
            .with_display_name("Ada Lovelace")
            .with_external_id("00u001")
            .with_groups(["Engineering"]),
        {
            let mut g = DirectoryUser::new("grace.hopper@example.com")
                .with_external_id("2")
                .with_groups(["Engineering", "On call"]);
            g.set_given_name(Some("Grace"));
            g.set_family_name(Some("Hopper"));
            g
        },
        DirectoryUser::new("alan.turing@example.com").with_active(false),
    ]
}

#[test]
fn a_json_array_and_json_lines_give_the_same_people() {
    assert_eq!(json("good.json"), the_good_json());
    assert_eq!(json("good.jsonl"), the_good_json());
}

#[test]
fn json_with_a_byte_order_mark_and_crlf_line_endings() {
    assert_eq!(json("bom.jsonl"), the_good_json());
    assert_eq!(json("crlf.jsonl"), the_good_json());
    assert_eq!(json("bom_crlf.json"), the_good_json());
}

#[test]
fn malformed_json_in_an_array_names_line_and_column() {
    let e = json_err("malformed.json");
    let [
        RowProblem {
            line: Some(3),
            column: None,
            kind: ProblemKind::MalformedJson { column, detail },
            ..
        },
    ] = e.problems()
    else {
        panic!("{e:?}")
    };
    // `  {"email": "grace.hopper@example.com" "active": true},`: the second key.
    assert_eq!(*column, 40, "{detail}");
    assert!(detail.contains("expected `,` or `}`"), "{detail}");
    assert!(!detail.contains(" at line "), "{detail}");
    assert!(
        e.to_string()
            .contains("line 3: malformed JSON at column 40"),
        "{e}"
    );
}

#[test]
fn a_trailing_comma_in_an_array_is_malformed() {
    let e = json_err("trailing_comma.json");
    assert!(
        matches!(
            e.problems(),
            [RowProblem {
                line: Some(4),
                kind: ProblemKind::MalformedJson { column: 1, .. },
                ..
            }]
        ),
        "{e:?}"
    );
}

#[test]
fn array_elements_that_are_not_objects_are_refused() {
    let e = json_err("not_array_objects.json");
    assert_eq!(
        problems(&e),
        [
            (Some(1), None, &ProblemKind::NotAnObject),
            (Some(1), None, &ProblemKind::NotAnObject),
        ]
    );
}

#[test]
fn malformed_json_lines_are_each_listed() {
    let e = json_err("malformed.jsonl");
    let lines: Vec<_> = e
        .problems()
        .iter()
        .map(|p| match &p.kind {
            ProblemKind::MalformedJson { column, .. } => (p.line, *column),
            other => panic!("{other:?}"),
        })
        .collect();
    // Where the parser noticed: after `tru}`, and at the end of the line.
    assert_eq!(lines, [(Some(2), 52), (Some(4), 36)], "{e}");
}

#[test]
fn every_kind_of_bad_json_row_is_listed_with_its_line_and_key() {
    let e = json_err("problems.jsonl");
    let wrong = |expected| ProblemKind::WrongType { expected };
    assert_eq!(
        problems(&e),
        [
            (Some(2), Some("email"), &ProblemKind::MissingEmail),
            (
                Some(3),
                Some("active"),
                &ProblemKind::BadBoolean {
                    value: "maybe".into()
                }
            ),
            (
                Some(3),
                Some("email"),
                &ProblemKind::NotAnEmail {
                    reason: "the part after the `@` is not a domain name (like example.com)"
                }
            ),
            (Some(4), None, &ProblemKind::NotAnObject),
            (Some(5), Some("email"), &wrong("a string")),
            (Some(6), Some("given_name"), &wrong("a string")),
            (
                Some(6),
                Some("groups"),
                &wrong("a list of group names (strings)")
            ),
            (
                Some(7),
                Some("email"),
                &ProblemKind::DuplicateEmail { first_line: 1 }
            ),
            (
                Some(8),
                Some("active"),
                &ProblemKind::BadBoolean { value: "2".into() }
            ),
            (
                Some(8),
                Some("external_id"),
                &ProblemKind::DuplicateLinkKey { first_line: 1 }
            ),
        ],
        "{e}"
    );
}

#[test]
fn invalid_utf8_in_json_lines_names_the_line() {
    let e = json_err("invalid_utf8.jsonl");
    assert_eq!(problems(&e), [(Some(2), None, &ProblemKind::InvalidUtf8)]);
}

#[test]
fn json_keys_are_configurable() {
    let data = r#"[{"mail": "ada@example.com", "employee": "E1", "enabled": 0, "teams": "a|b"}]"#;
    let users = JsonSource::from_reader(data.as_bytes())
        .column_names([
            ("email", "mail"),
            ("active", "enabled"),
            ("groups", "teams"),
        ])
        .link_key("employee")
        .groups_separator("|")
        .load()
        .unwrap()
        .into_users();
    assert_eq!(
        users,
        [DirectoryUser::new("ada@example.com")
            .with_external_id("E1")
            .with_active(false)
            .with_groups(["a", "b"])]
    );
}

#[test]
fn empty_json_is_refused_and_an_empty_array_is_nobody() {
    let e = JsonSource::from_reader(&b" \n"[..]).load().unwrap_err();
    assert_eq!(problems(&e), [(Some(1), None, &ProblemKind::Empty)]);
    assert!(
        JsonSource::from_reader(&b"[ ]\n"[..])
            .load()
            .unwrap()
            .users()
            .is_empty()
    );
}

#[test]
fn a_role_column_is_read_only_when_configured() {
    let text =
        "email,role,active,groups\nada@example.com,editor,true,Eng\nbob@example.com,,true,\n";
    let no_role = CsvSource::from_reader(text.as_bytes())
        .no_column(SourceField::GivenName)
        .no_column(SourceField::FamilyName)
        .no_column(SourceField::DisplayName)
        .no_column(SourceField::ExternalId)
        .load()
        .unwrap()
        .into_users();
    assert!(no_role.iter().all(|u| u.role().is_none()), "not configured");

    let users = CsvSource::from_reader(text.as_bytes())
        .column(SourceField::Role, "role")
        .no_column(SourceField::GivenName)
        .no_column(SourceField::FamilyName)
        .no_column(SourceField::DisplayName)
        .no_column(SourceField::ExternalId)
        .load()
        .unwrap()
        .into_users();
    assert_eq!(users[0].role(), Some("editor"));
    assert_eq!(users[1].role(), None, "empty is none");

    // A configured role column the file lacks is named, like any other.
    let err = CsvSource::from_reader("email\nada@example.com\n".as_bytes())
        .column(SourceField::Role, "role")
        .no_column(SourceField::GivenName)
        .no_column(SourceField::FamilyName)
        .no_column(SourceField::DisplayName)
        .no_column(SourceField::ExternalId)
        .no_column(SourceField::Active)
        .no_column(SourceField::Groups)
        .load()
        .unwrap_err();
    assert!(err.to_string().contains("role"), "{err}");

    let json = r#"[{"email": "ada@example.com", "role": "viewer"}]"#;
    let users = JsonSource::from_reader(json.as_bytes())
        .column(SourceField::Role, "role")
        .load()
        .unwrap()
        .into_users();
    assert_eq!(users[0].role(), Some("viewer"));
}
