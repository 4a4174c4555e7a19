//! Behaviour of the resource types: User, Group, complex attributes, ids, extensions.

// Test code: a panic is a test failure, which is what these helpers are for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use scim_types::{
    Address, Email, EnterpriseUser, Group, GroupId, Manager, Member, MultiValued, Name,
    PhoneNumber, User, UserId, urn,
};
use serde_json::{Value, json};

#[test]
fn new_user_writes_the_core_schema_and_nothing_else() {
    let u = User::new("bjensen");
    assert_eq!(
        serde_json::to_value(&u).unwrap(),
        json!({"schemas": [urn::USER], "userName": "bjensen"})
    );
}

#[test]
fn builder_methods_set_fields() {
    let u = User::new("bjensen")
        .with_name(Name::new("Barbara", "Jensen").with_formatted("Barbara Jensen"))
        .with_display_name("Babs")
        .with_external_id("701984")
        .with_active(false)
        .with_email(Email::work("b@example.com").with_primary(true))
        .with_enterprise(EnterpriseUser::default().with_department("Tours"));
    let json = serde_json::to_value(&u).unwrap();
    assert_eq!(json["name"]["formatted"], "Barbara Jensen");
    assert_eq!(json["displayName"], "Babs");
    assert_eq!(json["externalId"], "701984");
    assert_eq!(json["active"], false);
    assert_eq!(
        json["emails"][0],
        json!({"value": "b@example.com", "type": "work", "primary": true})
    );
    assert_eq!(json["schemas"], json!([urn::USER, urn::ENTERPRISE_USER]));
    assert_eq!(json[urn::ENTERPRISE_USER]["department"], "Tours");
}

#[test]
fn empty_values_are_not_written() {
    let mut u = User::new("");
    u.emails = Vec::new();
    u.schemas.clear();
    assert_eq!(serde_json::to_value(&u).unwrap(), json!({}));
    // `""` in an optional string is a value and is kept.
    u.title = Some(String::new());
    assert_eq!(serde_json::to_value(&u).unwrap(), json!({"title": ""}));
}

#[test]
fn active_is_read_leniently() {
    for (raw, expected) in [
        (json!(true), Some(true)),
        (json!(false), Some(false)),
        (json!("True"), Some(true)),
        (json!("FALSE"), Some(false)),
        (json!("true"), Some(true)),
        (json!(1), Some(true)),
        (json!(0), Some(false)),
        (json!(""), None),
        (Value::Null, None),
    ] {
        let u: User =
            serde_json::from_value(json!({"userName": "a", "active": raw.clone()})).unwrap();
        assert_eq!(u.active, expected, "active: {raw}");
    }
    for bad in [json!("yes"), json!(2), json!([true]), json!({"v": true})] {
        let err = serde_json::from_value::<User>(json!({"userName": "a", "active": bad.clone()}));
        assert!(err.is_err(), "active: {bad} should be rejected");
    }
}

#[test]
fn null_and_missing_multi_valued_attributes_are_empty() {
    let u: User =
        serde_json::from_value(json!({"userName": "a", "emails": null, "roles": []})).unwrap();
    assert!(u.emails.is_empty() && u.roles.is_empty() && u.phone_numbers.is_empty());
}

#[test]
fn password_is_redacted_in_debug() {
    let mut u = User::new("a");
    u.password = Some("hunter2-secret".into());
    let debug = format!("{u:?}");
    assert!(!debug.contains("hunter2-secret"), "{debug}");
    assert!(debug.contains("password: Some(<redacted>)"), "{debug}");
    // Serialized, it is written (it is write-only, not secret from the server).
    assert_eq!(
        serde_json::to_value(&u).unwrap()["password"],
        "hunter2-secret"
    );
    u.password = None;
    assert!(format!("{u:?}").contains("password: None"));
}

#[test]
fn primary_email_prefers_primary_then_first() {
    let mut u = User::new("a");
    assert_eq!(u.primary_email(), None);
    u.emails = vec![Email::home("h@x"), Email::work("w@x")];
    assert_eq!(u.primary_email(), Some("h@x"));
    u.emails[1].primary = Some(true);
    assert_eq!(u.primary_email(), Some("w@x"));
    u.emails[1].primary = Some(false);
    assert_eq!(u.primary_email(), Some("h@x"));
}

#[test]
fn multi_valued_trait_and_constructors() {
    let p = PhoneNumber::mobile("+1-555").with_display("cell");
    assert_eq!(p.value(), Some("+1-555"));
    assert_eq!(MultiValued::type_(&p), Some("mobile"));
    assert!(!p.is_primary());
    let a = Address::home()
        .with_street_address("1 Main St")
        .with_locality("Springfield")
        .with_primary(true);
    assert!(a.is_primary());
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        json!({"streetAddress": "1 Main St", "locality": "Springfield", "type": "home", "primary": true})
    );
    assert_eq!(Address::primary_in(&[Address::work(), a.clone()]), Some(&a));
    assert_eq!(Email::primary_in(&[]), None::<&Email>);
}

#[test]
fn extensions_get_set_and_remove() {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Acme {
        badge: u32,
    }
    const ACME: &str = "urn:example:acme:2.0:User";
    let mut u = User::new("a");
    assert_eq!(u.extension::<Acme>(ACME).unwrap(), None);
    u.set_extension(ACME, &Acme { badge: 7 }).unwrap();
    assert_eq!(u.schemas, [urn::USER, ACME]);
    assert_eq!(u.extension::<Acme>(ACME).unwrap(), Some(Acme { badge: 7 }));
    // URNs match in any case, and setting twice does not duplicate.
    assert_eq!(
        u.extension::<Acme>(&ACME.to_uppercase()).unwrap(),
        Some(Acme { badge: 7 })
    );
    u.set_extension(&ACME.to_uppercase(), &Acme { badge: 8 })
        .unwrap();
    assert_eq!(u.schemas.len(), 2);
    assert_eq!(u.extra.len(), 1);
    assert_eq!(u.extension::<Acme>(ACME).unwrap(), Some(Acme { badge: 8 }));
    // A type mismatch is an error, not a panic.
    assert!(u.extension::<Vec<String>>(ACME).is_err());
    // Written under its URN.
    assert_eq!(
        serde_json::to_value(&u).unwrap()[ACME.to_uppercase()],
        json!({"badge": 8})
    );
    assert_eq!(u.remove_extension(ACME), Some(json!({"badge": 8})));
    assert_eq!(u.schemas, [urn::USER]);
    assert!(u.extra.is_empty());
    assert_eq!(u.remove_extension(ACME), None);
}

#[test]
fn the_enterprise_urn_goes_to_the_typed_field() {
    let mut u = User::new("a");
    u.set_extension(
        urn::ENTERPRISE_USER,
        &json!({"department": "Ops", "manager": {"value": "m1"}}),
    )
    .unwrap();
    let e = u.enterprise.as_ref().unwrap();
    assert_eq!(e.department.as_deref(), Some("Ops"));
    assert_eq!(e.manager, Some(Manager::new("m1")));
    assert!(u.extra.is_empty());
    assert!(u.schemas.iter().any(|s| s == urn::ENTERPRISE_USER));
    let raw: Value = u.extension(urn::ENTERPRISE_USER).unwrap().unwrap();
    assert_eq!(
        raw,
        json!({"department": "Ops", "manager": {"value": "m1"}})
    );
    assert!(
        u.set_extension(urn::ENTERPRISE_USER, &json!({"department": 5}))
            .is_err()
    );
    assert_eq!(u.remove_extension(urn::ENTERPRISE_USER), Some(raw));
    assert!(u.enterprise.is_none());
    assert_eq!(u.schemas, [urn::USER]);
}

#[test]
fn a_known_key_in_extra_never_duplicates_the_typed_field() {
    let mut u = User::new("typed");
    u.extra.insert("userName".into(), json!("shadow"));
    u.extra.insert("USERNAME".into(), json!("shadow2"));
    let text = serde_json::to_string(&u).unwrap();
    assert_eq!(text.matches("serName").count(), 1, "{text}");
    assert!(text.contains("\"typed\""));
}

#[test]
fn complex_attributes_keep_unknown_sub_attributes() {
    let e: Email =
        serde_json::from_value(json!({"value": "a@b", "verified": true, "Type": "work"})).unwrap();
    assert_eq!(e.type_.as_deref(), Some("work"));
    assert_eq!(e.extra["verified"], true);
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        json!({"value": "a@b", "type": "work", "verified": true})
    );
}

#[test]
fn ids_are_string_newtypes() {
    let a = UserId::new("b");
    let b: UserId = "a".into();
    let c = UserId::from(String::from("c"));
    assert_eq!(a.as_str(), "b");
    assert_eq!(a.to_string(), "b");
    assert_eq!(format!("{a:?}"), "UserId(\"b\")");
    let mut sorted = vec![c.clone(), a.clone(), b.clone()];
    sorted.sort();
    assert_eq!(sorted, [b.clone(), a.clone(), c.clone()]);
    let set: HashSet<UserId> = sorted.into_iter().collect();
    assert!(set.contains("a"));
    assert_eq!(serde_json::to_value(&a).unwrap(), json!("b"));
    assert_eq!(serde_json::from_value::<UserId>(json!("x")).unwrap(), "x");
    assert_eq!(
        serde_json::from_value::<GroupId>(json!(42))
            .unwrap()
            .as_str(),
        "42"
    );
    assert!(serde_json::from_value::<GroupId>(json!(true)).is_err());
    assert_eq!(String::from(GroupId::new("g")), "g");
}

#[test]
fn groups_round_trip_and_keep_extensions() {
    let mut g = Group::new("Admins")
        .with_member(Member::user("u1").with_display("Alice"))
        .with_member(Member::group("g2").with_ref("https://example.com/v2/Groups/g2"));
    g.set_extension("urn:example:group:2.0", &json!({"owner": "u1"}))
        .unwrap();
    let json = serde_json::to_value(&g).unwrap();
    assert_eq!(
        json,
        json!({
            "schemas": [urn::GROUP, "urn:example:group:2.0"],
            "displayName": "Admins",
            "members": [
                {"value": "u1", "display": "Alice", "type": "User"},
                {"value": "g2", "$ref": "https://example.com/v2/Groups/g2", "type": "Group"}
            ],
            "urn:example:group:2.0": {"owner": "u1"}
        })
    );
    let back: Group = serde_json::from_value(json).unwrap();
    assert_eq!(back, g);
    assert_eq!(
        back.extension::<Value>("urn:example:group:2.0").unwrap(),
        Some(json!({"owner": "u1"}))
    );
    let mut back = back;
    assert!(back.remove_extension("urn:example:group:2.0").is_some());
    assert_eq!(back.schemas, [urn::GROUP]);
}

#[test]
fn decoding_errors_name_the_problem() {
    let err = serde_json::from_str::<User>(r#"{"userName": 5}"#).unwrap_err();
    assert!(err.to_string().contains("invalid type"), "{err}");
    let err = serde_json::from_str::<User>(r#"["not", "an", "object"]"#).unwrap_err();
    assert!(err.to_string().contains("SCIM User object"), "{err}");
}
