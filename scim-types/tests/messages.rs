//! Behaviour of the message types and of the filter and path APIs.

// Test code: a panic is a test failure, which is what these helpers are for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use scim_types::filter::{AttrPath, CompValue, CompareOp, FilterErrorKind};
use scim_types::{
    BulkMethod, BulkOperation, BulkOperationResponse, BulkResponse, Filter, Group, ListResponse,
    PatchError, PatchOp, PatchOpKind, PatchOperation, PatchPath, ScimError, ScimType,
    SearchRequest, SortOrder, User, urn,
};
use serde_json::{Value, json};

// ------------------------------------------------------------------------------ PatchOp

#[test]
fn patch_builder_writes_strict_rfc_json() {
    let op = PatchOp::builder()
        .add("members", json!([{"value": "u1"}]))
        .replace(r#"emails[type eq "work"].value"#, "new@example.com")
        .remove(r#"members[value eq "u2"]"#)
        .add_value(json!({"nickName": "Babs"}))
        .replace_value(json!({"active": false}))
        .build()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&op).unwrap(),
        json!({
            "schemas": [urn::PATCH_OP],
            "Operations": [
                {"op": "add", "path": "members", "value": [{"value": "u1"}]},
                {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@example.com"},
                {"op": "remove", "path": "members[value eq \"u2\"]"},
                {"op": "add", "value": {"nickName": "Babs"}},
                {"op": "replace", "value": {"active": false}}
            ]
        })
    );
}

#[test]
fn patch_builder_accepts_parsed_paths_and_serializable_values() {
    #[derive(serde::Serialize)]
    struct Patch {
        #[serde(rename = "displayName")]
        display_name: &'static str,
    }
    let path: PatchPath = "name.givenName".parse().unwrap();
    let op = PatchOp::builder()
        .replace(&path, "Jo")
        .replace(path, "Jo")
        .replace(String::from("title"), Value::Null)
        .replace_value(Patch { display_name: "X" })
        .build()
        .unwrap();
    assert_eq!(op.operations.len(), 4);
    assert_eq!(op.operations[2].value, Some(Value::Null));
}

#[test]
fn patch_builder_reports_the_first_problem() {
    let err = PatchOp::builder()
        .replace("active", false)
        .remove("emails[type eq work]")
        .add("also bad", 1)
        .build()
        .unwrap_err();
    match &err {
        PatchError::InvalidPath {
            index,
            path,
            source,
        } => {
            assert_eq!(*index, 1);
            assert_eq!(path, "emails[type eq work]");
            assert_eq!(source.column(), 16);
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("PATCH operation 1"), "{err}");

    let err = PatchOp::builder()
        .replace_value(json!([1, 2]))
        .build()
        .unwrap_err();
    assert!(matches!(
        err,
        PatchError::ValueNotObject {
            index: 0,
            op: PatchOpKind::Replace
        }
    ));
    let err = PatchOp::builder().add_value("scalar").build().unwrap_err();
    assert!(matches!(
        err,
        PatchError::ValueNotObject {
            op: PatchOpKind::Add,
            ..
        }
    ));
    assert!(matches!(PatchOp::builder().build(), Err(PatchError::Empty)));

    // A value that cannot be JSON (a map with non-string keys).
    let mut bad = std::collections::HashMap::new();
    bad.insert(vec![1u8], 1);
    let err = PatchOp::builder().add("x", bad).build().unwrap_err();
    assert!(matches!(err, PatchError::Value { index: 0, .. }), "{err:?}");
}

#[test]
fn patch_reading_is_lenient() {
    let p: PatchOp = serde_json::from_value(json!({
        "operations": [
            {"op": "ADD", "path": "title", "value": "x"},
            {"op": "Replace", "path": "", "value": {"active": "False"}},
            {"OP": "remove", "Path": "nickName", "unknown": 1}
        ]
    }))
    .unwrap();
    assert!(p.schemas.is_empty());
    let kinds: Vec<_> = p.operations.iter().map(|o| o.op).collect();
    assert_eq!(
        kinds,
        [PatchOpKind::Add, PatchOpKind::Replace, PatchOpKind::Remove]
    );
    assert!(p.operations[1].path.is_none(), "an empty path is no path");
    assert_eq!(
        p.operations[2].path.as_ref().unwrap().to_string(),
        "nickName"
    );
    // Written back strictly, with the URN it lacked.
    let w = serde_json::to_value(&p).unwrap();
    assert_eq!(w["schemas"], json!([urn::PATCH_OP]));
    assert_eq!(w["Operations"][0]["op"], "add");
    assert!(w.get("operations").is_none());
}

#[test]
fn patch_reading_rejects_what_cannot_be_meant() {
    for bad in [
        json!({"Operations": [{"op": "move", "path": "a"}]}),
        json!({"Operations": [{"path": "a"}]}),
        json!({"Operations": [{"op": "remove", "path": "emails[type eq"}]}),
    ] {
        let err = serde_json::from_value::<PatchOp>(bad.clone()).unwrap_err();
        assert!(!err.to_string().is_empty(), "{bad}");
    }
    let err = serde_json::from_str::<PatchOp>(r#"{"Operations":[{"op":"remove","path":"a b"}]}"#)
        .unwrap_err();
    assert!(err.to_string().contains("column 2"), "{err}");
}

#[test]
fn patch_operation_constructor() {
    let op = PatchOperation::new(PatchOpKind::Remove, Some("title".parse().unwrap()), None);
    let p = PatchOp::new(vec![op.clone()]);
    assert_eq!(p.operations, [op]);
    assert_eq!(PatchOpKind::Replace.to_string(), "replace");
}

// ------------------------------------------------------------------------------ ScimError

#[test]
fn scim_error_display_and_serde() {
    let e = ScimError::new(409)
        .with_scim_type(ScimType::Uniqueness)
        .with_detail("taken");
    assert_eq!(e.to_string(), "SCIM error 409 (uniqueness): taken");
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        json!({"schemas": [urn::ERROR], "status": "409", "scimType": "uniqueness", "detail": "taken"})
    );
    let e2 = ScimError::new(400).with_scim_type(ScimType::InvalidFilter);
    assert_eq!(e2.to_string(), "SCIM error 400 (invalidFilter)");
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert!(boxed.to_string().starts_with("SCIM error 409"));
}

#[test]
fn scim_error_status_is_lenient_on_read_only() {
    for raw in [json!("404"), json!(404), json!(" 404 "), json!(404.0)] {
        let e: ScimError = serde_json::from_value(json!({"status": raw.clone()})).unwrap();
        assert_eq!(e.status, 404, "{raw}");
    }
    for bad in [
        json!("Not Found"),
        json!(70000),
        json!(-1),
        json!(null),
        json!(""),
    ] {
        assert!(
            serde_json::from_value::<ScimError>(json!({"status": bad.clone()})).is_err(),
            "{bad}"
        );
    }
    assert!(
        serde_json::from_value::<ScimError>(json!({"detail": "x"})).is_err(),
        "status is required"
    );
    let e: ScimError = serde_json::from_value(json!({"status": "400", "scimType": ""})).unwrap();
    assert_eq!(e.scim_type, None);
}

#[test]
fn scim_type_is_an_open_set() {
    let all = [
        "invalidFilter",
        "tooMany",
        "uniqueness",
        "mutability",
        "invalidSyntax",
        "invalidPath",
        "noTarget",
        "invalidValue",
        "invalidVers",
        "sensitive",
        "invalidCursor",
        "expiredCursor",
        "invalidCount",
    ];
    let mut seen = HashSet::new();
    for s in all {
        let t = ScimType::from(s);
        assert!(!matches!(t, ScimType::Other(_)), "{s}");
        assert_eq!(t.as_str(), s);
        assert_eq!(serde_json::to_value(&t).unwrap(), json!(s));
        assert_eq!(
            serde_json::from_value::<ScimType>(json!(s.to_uppercase())).unwrap(),
            t
        );
        assert!(seen.insert(t));
    }
    let other: ScimType = serde_json::from_value(json!("quotaExceeded")).unwrap();
    assert_eq!(other, ScimType::Other("quotaExceeded".into()));
    assert_eq!(
        serde_json::to_value(&other).unwrap(),
        json!("quotaExceeded")
    );
}

// ------------------------------------------------------------------------------ ListResponse

#[test]
fn list_response_new_and_write() {
    let page = ListResponse::new(vec![Group::new("a"), Group::new("b")])
        .with_page(3, 10)
        .with_next_cursor("c2");
    let json = serde_json::to_value(&page).unwrap();
    assert_eq!(json["schemas"], json!([urn::LIST_RESPONSE]));
    assert_eq!(json["totalResults"], 10);
    assert_eq!(json["itemsPerPage"], 2);
    assert_eq!(json["startIndex"], 3);
    assert_eq!(json["nextCursor"], "c2");
    assert_eq!(json["Resources"][1]["displayName"], "b");
    let back: ListResponse<Group> = serde_json::from_value(json).unwrap();
    assert_eq!(back, page);
    let names: Vec<String> = back.into_iter().map(|g| g.display_name).collect();
    assert_eq!(names, ["a", "b"]);
    let empty = ListResponse::<User>::default();
    assert_eq!(
        serde_json::to_value(&empty).unwrap(),
        json!({"schemas": [urn::LIST_RESPONSE], "totalResults": 0, "Resources": []})
    );
}

#[test]
fn a_page_without_total_is_written_without_one() {
    let page: ListResponse<User> =
        serde_json::from_value(json!({"Resources": [{"userName": "a"}], "nextCursor": "n"}))
            .unwrap();
    assert_eq!((page.total_results, page.reported_total()), (1, None));
    let written = serde_json::to_value(&page).unwrap();
    assert!(written.get("totalResults").is_none(), "{written}");
    let back: ListResponse<User> = serde_json::from_value(written).unwrap();
    assert_eq!(back.reported_total(), None);
    let page = page.with_page(1, 40);
    assert_eq!(page.reported_total(), Some(40));
    assert_eq!(serde_json::to_value(&page).unwrap()["totalResults"], 40);
}

#[test]
fn a_page_says_whether_resources_was_sent() {
    let read = |v: &Value| serde_json::from_value::<ListResponse<User>>(v.clone()).unwrap();
    let one = json!([{"userName": "a"}]);
    for (json, reported, len) in [
        (json!({"totalResults": 500}), false, 0),
        (json!({"totalResults": 500, "Resources": null}), false, 0),
        (json!({"totalResults": 0, "resources": null}), false, 0),
        (json!({"totalResults": 0, "Resources": []}), true, 0),
        (json!({"totalResults": 0, "resources": []}), true, 0),
        (json!({"RESOURCES": one}), true, 1),
        (json!({"totalResults": 2, "resources": one}), true, 1),
    ] {
        let page = read(&json);
        assert_eq!(page.resources_reported(), reported, "{json}");
        assert_eq!(page.resources.len(), len, "{json}");
    }
    let built = ListResponse::new(vec![User::new("a")]).with_page(1, 9);
    assert!(built.resources_reported());
    assert!(ListResponse::<User>::new(Vec::new()).resources_reported());
    assert!(ListResponse::<User>::default().resources_reported());
}

#[test]
fn a_page_without_resources_is_written_as_before_and_equals_an_empty_one() {
    let read = |v: Value| serde_json::from_value::<ListResponse<User>>(v).unwrap();
    let schemas = json!([urn::LIST_RESPONSE]);
    let missing = read(json!({"schemas": schemas, "totalResults": 0}));
    let empty = read(json!({"schemas": schemas, "totalResults": 0, "Resources": []}));
    assert_ne!(missing.resources_reported(), empty.resources_reported());
    // Writing is unchanged: `Resources` is always written.
    let written = serde_json::to_value(&missing).unwrap();
    assert_eq!(
        written,
        json!({"schemas": schemas, "totalResults": 0, "Resources": []})
    );
    assert_eq!(written, serde_json::to_value(&empty).unwrap());
    // So the page read back says `Resources` was there, and equality, which compares what
    // is written, does not tell the two apart (a read → write → read round trip is equal).
    let back = read(written);
    assert!(back.resources_reported());
    assert_eq!(back, missing);
    assert_eq!(missing, empty);
}

#[test]
fn list_response_errors_point_into_resources() {
    let err = serde_json::from_str::<ListResponse<User>>(
        r#"{"totalResults":1,"Resources":[{"userName":["x"]}]}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("invalid type"), "{err}");
    assert!(serde_json::from_str::<ListResponse<User>>(r#"{"totalResults":-1}"#).is_err());
    assert!(serde_json::from_str::<ListResponse<User>>(r#"{"Resources":{}}"#).is_err());
}

// ------------------------------------------------------------------------------ SearchRequest

#[test]
fn search_request_builder_and_serde() {
    let req = SearchRequest::new()
        .filter(Filter::eq("userName", "a\"b"))
        .attributes(["userName"])
        .excluded_attributes(vec![String::from("groups")])
        .sort_by("name.familyName")
        .sort_order(SortOrder::Ascending)
        .start_index(21)
        .count(20)
        .cursor("");
    assert_eq!(
        serde_json::to_value(&req).unwrap(),
        json!({
            "schemas": [urn::SEARCH_REQUEST],
            "attributes": ["userName"],
            "excludedAttributes": ["groups"],
            "filter": "userName eq \"a\\\"b\"",
            "sortBy": "name.familyName",
            "sortOrder": "ascending",
            "startIndex": 21,
            "count": 20,
            "cursor": ""
        })
    );
    let back: SearchRequest = serde_json::from_value(serde_json::to_value(&req).unwrap()).unwrap();
    assert_eq!(back, req);
    assert_eq!(
        req.to_query_pairs(),
        vec![
            ("filter", r#"userName eq "a\"b""#.to_owned()),
            ("sortBy", "name.familyName".to_owned()),
            ("sortOrder", "ascending".to_owned()),
            ("startIndex", "21".to_owned()),
            ("count", "20".to_owned()),
            ("cursor", String::new()),
            ("attributes", "userName".to_owned()),
            ("excludedAttributes", "groups".to_owned()),
        ]
    );
    assert_eq!(SearchRequest::default(), SearchRequest::new());
}

#[test]
fn search_request_reading_is_lenient_but_filters_must_parse() {
    let r: SearchRequest = serde_json::from_value(
        json!({"sortOrder": "DESCENDING", "count": "5", "startIndex": null}),
    )
    .unwrap();
    assert_eq!(r.sort_order, Some(SortOrder::Descending));
    assert_eq!(r.count, Some(5));
    assert_eq!(r.start_index, None);
    let r: SearchRequest = serde_json::from_value(json!({"sortOrder": ""})).unwrap();
    assert_eq!(r.sort_order, None);
    assert!(serde_json::from_value::<SearchRequest>(json!({"sortOrder": "up"})).is_err());
    let err =
        serde_json::from_value::<SearchRequest>(json!({"filter": "userName eq"})).unwrap_err();
    assert!(err.to_string().contains("column 12"), "{err}");
    assert_eq!(SortOrder::Descending.as_str(), "descending");
    assert_eq!(SortOrder::default().to_string(), "ascending");
}

#[test]
fn an_invalid_built_filter_is_never_serialized() {
    let req = SearchRequest::new().filter(Filter::eq("userName eq \"x\" or true", "y"));
    let err = serde_json::to_value(&req).unwrap_err();
    assert!(err.to_string().contains("invalid filter"), "{err}");
}

// ------------------------------------------------------------------------------ Bulk

#[test]
fn bulk_methods_read_in_any_case_and_write_uppercase() {
    let r: BulkResponse = serde_json::from_value(json!({
        "operations": [{"method": "post", "status": 201}, {"method": "Delete", "status": "204"}]
    }))
    .unwrap();
    assert_eq!(r.operations[0].method, BulkMethod::Post);
    assert_eq!(r.operations[1].status, 204);
    let w = serde_json::to_value(&r).unwrap();
    assert_eq!(
        w["Operations"][0],
        json!({"method": "POST", "status": "201"})
    );
    let new = BulkResponse::new(vec![BulkOperationResponse::new(BulkMethod::Patch, 200)]);
    assert_eq!(new.schemas, [urn::BULK_RESPONSE]);
    let op = BulkOperation::new(BulkMethod::Put, "/Users/1").with_version("W/\"1\"");
    assert_eq!(
        serde_json::to_value(&op).unwrap(),
        json!({"method": "PUT", "version": "W/\"1\"", "path": "/Users/1"})
    );
    assert!(
        serde_json::from_value::<BulkOperation>(json!({"method": "GET", "path": "/"})).is_err()
    );
}

// ------------------------------------------------------------------------------ URNs

#[test]
fn urns_are_the_rfc_spellings() {
    assert_eq!(urn::USER, "urn:ietf:params:scim:schemas:core:2.0:User");
    assert_eq!(urn::GROUP, "urn:ietf:params:scim:schemas:core:2.0:Group");
    assert_eq!(
        urn::ENTERPRISE_USER,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    );
    assert_eq!(
        urn::SERVICE_PROVIDER_CONFIG,
        "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
    );
    assert_eq!(
        urn::RESOURCE_TYPE,
        "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
    );
    assert_eq!(urn::SCHEMA, "urn:ietf:params:scim:schemas:core:2.0:Schema");
    for (c, name) in [
        (urn::LIST_RESPONSE, "ListResponse"),
        (urn::SEARCH_REQUEST, "SearchRequest"),
        (urn::PATCH_OP, "PatchOp"),
        (urn::BULK_REQUEST, "BulkRequest"),
        (urn::BULK_RESPONSE, "BulkResponse"),
        (urn::ERROR, "Error"),
    ] {
        assert_eq!(c, format!("urn:ietf:params:scim:api:messages:2.0:{name}"));
    }
    assert_eq!(
        urn::ALL.iter().collect::<HashSet<_>>().len(),
        urn::ALL.len()
    );
}

// ------------------------------------------------------------------------------ Filter API

#[test]
fn filter_errors_say_where_and_what() {
    let err = "userName eq \"x\" and".parse::<Filter>().unwrap_err();
    assert_eq!(err.kind(), FilterErrorKind::Syntax);
    assert_eq!(err.column(), 20);
    assert_eq!(err.expected(), "attribute path, '(' or 'not'");
    assert_eq!(err.found(), "end of input");
    // Columns count characters, not bytes.
    let err = "displayName eq \"日本\" xx".parse::<Filter>().unwrap_err();
    assert_eq!(err.column(), 21);
    assert_eq!(err.found(), "'xx'");
}

#[test]
fn builder_combinators() {
    let a = Filter::pr("a");
    let b = Filter::pr("b");
    let c = Filter::pr("c");
    assert_eq!(
        (a.clone() & b.clone() | c.clone()).to_string(),
        "a pr and b pr or c pr"
    );
    assert_eq!(
        (a.clone() & (b.clone() | c.clone())).to_string(),
        "a pr and (b pr or c pr)"
    );
    assert_eq!((!a.clone()).to_string(), "not (a pr)");
    assert_eq!(
        a.clone().and(b.clone().and(c.clone())).to_string(),
        "a pr and (b pr and c pr)"
    );
    assert_eq!(
        Filter::all([a.clone(), b.clone(), c.clone()])
            .unwrap()
            .to_string(),
        "a pr and b pr and c pr"
    );
    assert_eq!(
        Filter::any([a.clone(), b.clone()]).unwrap().to_string(),
        "a pr or b pr"
    );
    assert_eq!(Filter::all(Vec::new()), None);
    for (f, text) in [
        (Filter::ne("x", 1), "x ne 1"),
        (Filter::sw("x", "s"), "x sw \"s\""),
        (Filter::ew("x", "s"), "x ew \"s\""),
        (Filter::gt("x", 1.5), "x gt 1.5"),
        (Filter::ge("x", -2i32), "x ge -2"),
        (Filter::lt("x", 3u8), "x lt 3"),
        (Filter::le("x", u64::MAX), "x le 18446744073709551615"),
        (Filter::eq("x", ()), "x eq null"),
        (Filter::eq("x", None::<&str>), "x eq null"),
        (Filter::eq("x", f64::INFINITY), "x eq null"),
        (Filter::eq("x", String::from("s")), "x eq \"s\""),
        (
            Filter::eq("x", "tab\there\u{1}"),
            "x eq \"tab\\there\\u0001\"",
        ),
    ] {
        assert_eq!(f.to_string(), text);
        assert_eq!(text.parse::<Filter>().unwrap(), f);
    }
    assert!(Filter::try_compare("emails.value", CompareOp::Co, "@x").is_ok());
    assert_eq!(
        Filter::compare(AttrPath::parse("a").unwrap(), CompareOp::Eq, true).to_string(),
        "a eq true"
    );
}

#[test]
fn validate_catches_trees_that_would_not_round_trip() {
    let invalid = [
        Filter::And(vec![Filter::pr("a")]),
        Filter::Or(Vec::new()),
        Filter::value_path("emails", Filter::value_path("x", Filter::pr("y"))),
        Filter::value_path("emails.value", Filter::pr("y")),
        Filter::pr("bad name"),
        Filter::value_path("", Filter::pr("y")),
    ];
    for f in invalid {
        let err = f.validate().unwrap_err();
        assert_eq!(err.kind(), FilterErrorKind::Invalid, "{f:?}");
        assert_eq!(err.column(), 0);
        assert!(
            f.to_string()
                .parse::<Filter>()
                .map(|g| g != f)
                .unwrap_or(true)
        );
    }
    let mut deep = Filter::pr("a");
    for _ in 0..65 {
        deep = deep.not();
    }
    assert_eq!(
        deep.validate().unwrap_err().kind(),
        FilterErrorKind::TooDeep
    );
}

#[test]
fn attribute_paths_compare_without_case() {
    let a: Filter = "USERNAME EQ \"x\"".parse().unwrap();
    let b: Filter = "userName eq \"x\"".parse().unwrap();
    assert_eq!(a, b);
    assert_eq!(
        a.to_string(),
        "USERNAME eq \"x\"",
        "display keeps the case given"
    );
    let set: HashSet<Filter> = [a, b].into_iter().collect();
    assert_eq!(set.len(), 1, "hash agrees with equality");
    // Values are compared exactly.
    assert_ne!(
        "a eq \"X\"".parse::<Filter>().unwrap(),
        "a eq \"x\"".parse::<Filter>().unwrap()
    );
    let p = AttrPath::parse("urn:a:b:c.d").unwrap();
    assert_eq!(
        (p.urn(), p.name(), p.sub_attr()),
        (Some("urn:a:b"), "c", Some("d"))
    );
    assert!(p.is_valid());
    assert!(AttrPath::parse("a b").is_err());
    assert_eq!(CompValue::from("s").as_str(), Some("s"));
}

#[test]
fn filters_and_paths_serialize_as_strings() {
    let f: Filter = "a pr".parse().unwrap();
    assert_eq!(serde_json::to_value(&f).unwrap(), json!("a pr"));
    assert_eq!(serde_json::from_value::<Filter>(json!("a pr")).unwrap(), f);
    let p: PatchPath = "emails[type eq \"work\"].value".parse().unwrap();
    assert_eq!(
        serde_json::to_value(&p).unwrap(),
        json!("emails[type eq \"work\"].value")
    );
    assert_eq!(
        serde_json::from_value::<PatchPath>(json!("emails[TYPE eq \"work\"].VALUE")).unwrap(),
        p
    );
    assert_eq!(
        PatchPath::from_attr(AttrPath::parse("title").unwrap()).to_string(),
        "title"
    );
}
