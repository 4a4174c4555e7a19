//! Real-world payloads from `tests/fixtures/scim/` at the workspace root: the RFCs' own
//! examples, Entra ID and Okta request shapes, Probo's responses, and edge cases.

// Test code: a panic is a test failure, which is what these helpers are for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use scim_types::{
    BulkMethod, BulkRequest, BulkResponse, Group, ListResponse, PatchOp, PatchOpKind, ResourceType,
    Schema, ScimError, ScimType, SearchRequest, ServiceProviderConfig, User, urn,
};
use serde_json::{Value, json};

fn text(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/scim")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json_of(name: &str) -> Value {
    serde_json::from_str(&text(name)).unwrap()
}

fn decode<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&text(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Removes `null` members and empty arrays: the two equivalences (RFC 7643 §2.5) that the
/// typed fields apply on the way through.
fn normalize(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()));
            map.values_mut().for_each(normalize);
        }
        Value::Array(items) => items.iter_mut().for_each(normalize),
        _ => {}
    }
}

fn assert_round_trip<
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
>(
    name: &str,
) -> T {
    let original = json_of(name);
    let typed: T = decode(name);
    let written = serde_json::to_value(&typed).unwrap();
    assert_eq!(written, original, "{name}: read → write changed the JSON");
    let again: T = serde_json::from_value(written).unwrap();
    assert_eq!(again, typed, "{name}: write → read changed the value");
    typed
}

// ---------------------------------------------------------------- RFC 7643 / 7644 examples

#[test]
fn rfc_minimal_user_round_trips() {
    let u: User = assert_round_trip("user_rfc7643_minimal.json");
    assert_eq!(
        u.id.as_ref().map(|i| i.as_str()),
        Some("2819c223-7f76-453a-919d-413861904646")
    );
    let meta = u.meta.unwrap();
    assert_eq!(meta.version.as_deref(), Some("W/\"3694e05e9dff590\""));
    assert_eq!(meta.created.as_deref(), Some("2010-01-23T04:56:22Z"));
}

#[test]
fn rfc_full_user_round_trips_with_every_core_attribute() {
    let u: User = assert_round_trip("user_rfc7643_full.json");
    assert_eq!(u.user_name, "bjensen@example.com");
    assert_eq!(u.external_id.as_deref(), Some("701984"));
    let name = u.name.as_ref().unwrap();
    assert_eq!(name.honorific_suffix.as_deref(), Some("III"));
    assert_eq!(u.nick_name.as_deref(), Some("Babs"));
    assert_eq!(u.primary_email(), Some("bjensen@example.com"));
    assert_eq!(u.emails.len(), 2);
    assert_eq!(
        u.addresses[0].street_address.as_deref(),
        Some("100 Universal City Plaza")
    );
    assert_eq!(u.addresses[0].primary, Some(true));
    assert_eq!(u.phone_numbers[1].type_.as_deref(), Some("mobile"));
    assert_eq!(u.ims[0].value.as_deref(), Some("someaimhandle"));
    assert_eq!(u.photos[1].type_.as_deref(), Some("thumbnail"));
    assert_eq!(u.groups.len(), 3);
    assert_eq!(u.groups[2].display.as_deref(), Some("US Employees"));
    assert!(
        u.groups[0]
            .ref_
            .as_deref()
            .unwrap()
            .ends_with("e9e30dba-f08f-4109-8486-d5c6a331660a")
    );
    assert_eq!(u.x509_certificates.len(), 1);
    assert_eq!(u.timezone.as_deref(), Some("America/Los_Angeles"));
    assert_eq!(u.active, Some(true));
    assert_eq!(u.password.as_deref(), Some("t1meMa$heen"));
    assert!(
        u.extra.is_empty(),
        "every RFC attribute is typed: {:?}",
        u.extra.keys()
    );
    // The password never shows in Debug output.
    let debug = format!("{u:?}");
    assert!(!debug.contains("t1meMa$heen"));
    assert!(debug.contains("<redacted>"));
}

#[test]
fn rfc_enterprise_user_round_trips() {
    let u: User = assert_round_trip("user_rfc7643_enterprise.json");
    let e = u.enterprise.as_ref().unwrap();
    assert_eq!(e.employee_number.as_deref(), Some("701984"));
    assert_eq!(e.cost_center.as_deref(), Some("4130"));
    assert_eq!(e.organization.as_deref(), Some("Universal Studios"));
    assert_eq!(e.division.as_deref(), Some("Theme Park"));
    assert_eq!(e.department.as_deref(), Some("Tour Operations"));
    let m = e.manager.as_ref().unwrap();
    assert_eq!(
        m.value.as_deref(),
        Some("26118915-6090-4610-87e4-49d8ca9f808d")
    );
    assert_eq!(
        m.ref_.as_deref(),
        Some("../Users/26118915-6090-4610-87e4-49d8ca9f808d")
    );
    assert_eq!(m.display_name.as_deref(), Some("John Smith"));
    // The typed accessor and the raw field agree.
    let via_urn: Option<scim_types::EnterpriseUser> = u.extension(urn::ENTERPRISE_USER).unwrap();
    assert_eq!(via_urn.as_ref(), Some(e));
}

#[test]
fn rfc_group_round_trips() {
    let g: Group = assert_round_trip("group_rfc7643.json");
    assert_eq!(g.display_name, "Tour Guides");
    assert_eq!(g.members.len(), 2);
    assert_eq!(g.members[1].display.as_deref(), Some("Mandy Pepperidge"));
    assert_eq!(
        g.id.unwrap().as_str(),
        "e9e30dba-f08f-4109-8486-d5c6a331660a"
    );
}

#[test]
fn rfc_list_responses_decode() {
    let page: ListResponse<User> = decode("list_response_rfc7644.json");
    assert_eq!(page.total_results, 2);
    assert_eq!(page.items_per_page, None);
    assert_eq!(page.resources[1].user_name, "jsmith");
    // Written back: same JSON (this page has no optional members).
    assert_eq!(
        serde_json::to_value(&page).unwrap(),
        json_of("list_response_rfc7644.json")
    );

    let paged: ListResponse<User> = decode("list_response_rfc7644_paged.json");
    assert_eq!(
        (paged.total_results, paged.items_per_page, paged.start_index),
        (100, Some(10), Some(1))
    );
    assert_eq!(
        serde_json::to_value(&paged).unwrap(),
        json_of("list_response_rfc7644_paged.json")
    );
}

#[test]
fn rfc_errors_decode() {
    let e: ScimError = assert_round_trip("error_rfc7644_mutability.json");
    assert_eq!(e.status, 400);
    assert_eq!(e.scim_type, Some(ScimType::Mutability));
    assert_eq!(
        e.to_string(),
        "SCIM error 400 (mutability): Attribute 'id' is readOnly"
    );
    let e: ScimError = assert_round_trip("error_rfc7644_not_found.json");
    assert_eq!(e.status, 404);
    assert_eq!(e.scim_type, None);
    assert_eq!(
        e.to_string(),
        "SCIM error 404: Resource 2819c223-7f76-453a-919d-413861904646 not found"
    );
}

#[test]
fn rfc_patch_requests_round_trip() {
    let p: PatchOp = assert_round_trip("patch_rfc7644_add_member.json");
    assert_eq!(p.operations[0].op, PatchOpKind::Add);
    assert_eq!(
        p.operations[0].path.as_ref().unwrap().to_string(),
        "members"
    );

    let p: PatchOp = assert_round_trip("patch_rfc7644_remove_member.json");
    let path = p.operations[0].path.as_ref().unwrap();
    assert_eq!(path.attr().name(), "members");
    assert_eq!(
        path.value_filter().unwrap().to_string(),
        r#"value eq "2819c223-7f76-453a-919d-413861904646""#
    );

    let p: PatchOp = assert_round_trip("patch_rfc7644_multiple.json");
    assert_eq!(p.operations.len(), 5);
    assert!(p.operations[0].path.is_none());
    assert_eq!(
        p.operations[1].path.as_ref().unwrap().sub_attr(),
        Some("streetAddress")
    );
    assert_eq!(p.operations[3].op, PatchOpKind::Remove);
    assert_eq!(p.operations[3].value, None);
}

#[test]
fn rfc_search_request_round_trips() {
    let s: SearchRequest = assert_round_trip("search_request_rfc7644.json");
    assert_eq!(
        s.filter.as_ref().unwrap().to_string(),
        r#"displayName sw "smith""#
    );
    assert_eq!(s.attributes, ["displayName", "userName"]);
    assert_eq!((s.start_index, s.count), (Some(1), Some(10)));
}

#[test]
fn rfc_bulk_messages_round_trip() {
    let b: BulkRequest = assert_round_trip("bulk_request_rfc7644.json");
    assert_eq!(b.fail_on_errors, Some(1));
    let methods: Vec<BulkMethod> = b.operations.iter().map(|o| o.method).collect();
    assert_eq!(
        methods,
        [
            BulkMethod::Post,
            BulkMethod::Put,
            BulkMethod::Patch,
            BulkMethod::Delete
        ]
    );
    // A bulk PATCH body is itself a PatchOp.
    let inner: PatchOp = serde_json::from_value(b.operations[2].data.clone().unwrap()).unwrap();
    assert_eq!(inner.operations[0].op, PatchOpKind::Remove);

    let r: BulkResponse = assert_round_trip("bulk_response_rfc7644.json");
    let statuses: Vec<u16> = r.operations.iter().map(|o| o.status).collect();
    assert_eq!(statuses, [201, 200, 404]);
    let err: ScimError = serde_json::from_value(r.operations[2].response.clone().unwrap()).unwrap();
    assert_eq!(err.status, 404);
}

#[test]
fn rfc_discovery_documents_decode() {
    let spc: ServiceProviderConfig = assert_round_trip("service_provider_config_rfc7643.json");
    assert!(spc.patch.supported && spc.bulk.supported && spc.etag.supported);
    assert_eq!(spc.bulk.max_operations, Some(1000));
    assert_eq!(spc.filter.max_results, Some(200));
    assert_eq!(spc.authentication_schemes.len(), 2);
    assert_eq!(spc.authentication_schemes[0].primary, Some(true));
    let pagination = spc.pagination.as_ref().unwrap();
    assert_eq!(
        pagination.default_pagination_method.as_deref(),
        Some("cursor")
    );
    assert_eq!(pagination.cursor_timeout, Some(3600));
    assert_eq!(spc.max_page_size(), Some(250));

    let rt: ResourceType = assert_round_trip("resource_type_rfc7643_user.json");
    assert_eq!(rt.schema, urn::USER);
    assert!(rt.schema_extensions[0].required);

    let schema: Schema = assert_round_trip("schema_rfc7643_group.json");
    assert_eq!(schema.id, urn::GROUP);
    let members = &schema.attributes[1];
    assert!(members.multi_valued);
    assert_eq!(members.sub_attributes[1].name, "$ref");
    assert_eq!(members.sub_attributes[1].reference_types, ["User", "Group"]);
}

// ---------------------------------------------------------------- Entra ID

#[test]
fn entra_patch_with_pascal_case_ops_and_string_booleans() {
    let p: PatchOp = decode("patch_entra_replace.json");
    let kinds: Vec<PatchOpKind> = p.operations.iter().map(|o| o.op).collect();
    use PatchOpKind::{Add, Remove, Replace};
    assert_eq!(kinds, [Replace, Add, Replace, Add, Add, Remove]);
    assert_eq!(p.operations[0].value, Some(json!("False")));
    let email = p.operations[1].path.as_ref().unwrap();
    assert_eq!(email.to_string(), r#"emails[type eq "work"].value"#);
    let manager = p.operations[3].path.as_ref().unwrap();
    assert_eq!(manager.attr().urn(), Some(urn::ENTERPRISE_USER));
    assert_eq!(manager.attr().name(), "manager");

    // Written back strictly: lowercase ops, everything else unchanged.
    let written = serde_json::to_value(&p).unwrap();
    let mut expected = json_of("patch_entra_replace.json");
    for op in expected["Operations"].as_array_mut().unwrap() {
        let lower = op["op"].as_str().unwrap().to_lowercase();
        op["op"] = Value::String(lower);
    }
    assert_eq!(written, expected);
}

#[test]
fn entra_path_less_replace_applies_with_lenient_booleans() {
    let p: PatchOp = decode("patch_entra_pathless.json");
    let op = &p.operations[0];
    assert_eq!(op.op, PatchOpKind::Replace);
    assert!(op.path.is_none());
    let value = op.value.as_ref().unwrap().as_object().unwrap();
    assert_eq!(value["active"], "False");

    // What a server does with it: merge the value object into the user, then read it.
    let mut user = serde_json::to_value(User::new("alice").with_active(true)).unwrap();
    for (k, v) in value {
        user[k] = v.clone();
    }
    let user: User = serde_json::from_value(user).unwrap();
    assert_eq!(user.active, Some(false));
    assert_eq!(user.display_name.as_deref(), Some("Updated Name"));
    // A path-as-key member is not an attribute: it is kept, not lost.
    assert_eq!(user.extra["name.givenName"], "Updated");
}

#[test]
fn entra_non_standard_member_removal_is_kept() {
    let p: PatchOp = decode("patch_entra_remove_member.json");
    assert_eq!(p.operations[0].op, PatchOpKind::Remove);
    assert_eq!(
        p.operations[0].value,
        Some(json!([{"value": "f648f8d5ea4e4cd38e9c"}]))
    );
    let mut expected = json_of("patch_entra_remove_member.json");
    expected["Operations"][0]["op"] = json!("remove");
    assert_eq!(serde_json::to_value(&p).unwrap(), expected);
}

#[test]
fn entra_user_with_string_booleans() {
    let u: User = decode("user_entra_create.json");
    assert_eq!(u.active, Some(true));
    assert_eq!(u.emails[0].primary, Some(true));
    assert_eq!(
        u.enterprise.as_ref().unwrap().department.as_deref(),
        Some("Engineering")
    );
    // Strict writing: real booleans, and the empty `roles` array is not written.
    let mut expected = json_of("user_entra_create.json");
    expected["active"] = json!(true);
    expected["emails"][0]["primary"] = json!(true);
    normalize(&mut expected);
    assert_eq!(serde_json::to_value(&u).unwrap(), expected);
}

// ---------------------------------------------------------------- Okta

#[test]
fn okta_put_user_round_trips_modulo_empty_groups() {
    let u: User = decode("user_okta_put.json");
    assert_eq!(u.name.as_ref().unwrap().middle_name.as_deref(), Some(""));
    assert_eq!(u.password.as_deref(), Some("1mz050nq"));
    let mut expected = json_of("user_okta_put.json");
    normalize(&mut expected);
    assert_eq!(serde_json::to_value(&u).unwrap(), expected);
}

#[test]
fn okta_patches_round_trip() {
    let p: PatchOp = assert_round_trip("patch_okta_deactivate.json");
    assert_eq!(p.operations[0].value, Some(json!({"active": false})));
    let p: PatchOp = assert_round_trip("patch_okta_group_members.json");
    assert_eq!(
        p.operations[1]
            .path
            .as_ref()
            .unwrap()
            .value_filter()
            .unwrap()
            .to_string(),
        r#"value eq "89bb1940-b905-4575-9e7f-6f887cfb368e""#
    );
}

#[test]
fn okta_empty_list_round_trips() {
    let page: ListResponse<User> = assert_round_trip("list_response_okta_empty.json");
    assert_eq!(page.total_results, 0);
    assert!(page.resources.is_empty());
    assert!(page.resources_reported(), "an explicit `[]`");
}

// ---------------------------------------------------------------- Probo

#[test]
fn probo_user_round_trips_exactly_including_empty_strings() {
    let u: User = assert_round_trip("user_probo_full.json");
    assert_eq!(u.locale.as_deref(), Some(""));
    assert_eq!(u.title.as_deref(), Some(""));
    assert_eq!(
        u.meta.as_ref().unwrap().location.as_deref(),
        Some("Users/ABEiM0RVZncAMwAAAaAlZTWoobLD1OX2")
    );
    let e = u.enterprise.as_ref().unwrap();
    assert_eq!(e.manager.as_ref().unwrap().value.as_deref(), Some(""));
    assert_eq!(u.primary_email(), Some("jane@example.com"));
}

#[test]
fn probo_user_with_null_title_reads_as_absent() {
    let u: User = decode("user_probo_title_null.json");
    assert_eq!(u.title, None);
    assert_eq!(u.active, Some(false));
    assert_eq!(
        u.meta.as_ref().unwrap().created.as_deref(),
        Some("2026-08-21T17:36:25+02:00")
    );
    let mut expected = json_of("user_probo_title_null.json");
    normalize(&mut expected);
    assert_eq!(serde_json::to_value(&u).unwrap(), expected);
}

#[test]
fn probo_list_response_round_trips() {
    let page: ListResponse<User> = assert_round_trip("list_response_probo.json");
    assert_eq!(
        (page.total_results, page.items_per_page, page.start_index),
        (1, Some(100), Some(1))
    );
    assert_eq!(page.resources[0].user_name, "jane@example.com");
}

#[test]
fn probo_errors_decode() {
    let e: ScimError = assert_round_trip("error_probo_uniqueness.json");
    assert_eq!(
        (e.status, e.scim_type.clone()),
        (409, Some(ScimType::Uniqueness))
    );
    let e: ScimError = assert_round_trip("error_probo_internal.json");
    assert_eq!(
        (e.status, e.scim_type.clone(), e.detail.clone()),
        (500, None, None)
    );
    assert_eq!(e.to_string(), "SCIM error 500");
    let e: ScimError = assert_round_trip("error_probo_bad_request.json");
    assert_eq!(
        e.detail.as_deref(),
        Some("operator 'sw' is not supported, only 'eq' is supported")
    );
}

#[test]
fn probo_service_provider_config() {
    let spc: ServiceProviderConfig = decode("service_provider_config_probo.json");
    assert!(spc.patch.supported && spc.filter.supported);
    assert!(!spc.bulk.supported && !spc.sort.supported && !spc.etag.supported);
    assert_eq!(spc.filter.max_results, Some(0));
    assert_eq!(spc.max_page_size(), None, "maxResults 0 means unset");
    assert_eq!(spc.documentation_uri.as_deref(), Some(""));
    assert_eq!(spc.authentication_schemes[0].type_, "oauthbearertoken");
    assert_eq!(
        serde_json::to_value(&spc).unwrap(),
        json_of("service_provider_config_probo.json")
    );
}

// ---------------------------------------------------------------- edge cases

#[test]
fn list_without_resources_is_an_empty_page() {
    let page: ListResponse<User> = decode("list_response_edge_no_resources.json");
    assert_eq!(page.total_results, 0);
    assert!(page.resources.is_empty());
    assert!(!page.resources_reported());
}

#[test]
fn list_with_lenient_members() {
    let page: ListResponse<User> = decode("list_response_edge_lenient.json");
    assert_eq!(page.total_results, 2);
    assert_eq!(page.start_index, Some(1));
    assert_eq!(page.items_per_page, None);
    assert_eq!(page.resources[0].id.as_ref().unwrap().as_str(), "17");
    assert_eq!(page.resources[0].active, Some(false));
    assert_eq!(page.resources[1].active, Some(true));
    assert!(page.resources[1].emails.is_empty());
    // Written strictly.
    let written = serde_json::to_value(&page).unwrap();
    assert_eq!(written["totalResults"], 2);
    assert_eq!(written["Resources"][0]["active"], false);
    assert!(written.get("resources").is_none());
}

#[test]
fn cursor_page_without_total_uses_the_page_length() {
    let page: ListResponse<User> = decode("list_response_rfc9865_cursor.json");
    assert_eq!(page.total_results, 1);
    assert_eq!(page.next_cursor.as_deref(), Some("VZUTiyhEQJ94IR"));
    assert_eq!(page.previous_cursor, None, "an empty cursor is no cursor");
}

#[test]
fn error_with_numeric_status_is_written_as_a_string() {
    let e: ScimError = decode("error_edge_numeric_status.json");
    assert_eq!(e.status, 409);
    let mut expected = json_of("error_edge_numeric_status.json");
    expected["status"] = json!("409");
    assert_eq!(serde_json::to_value(&e).unwrap(), expected);

    let e: ScimError = decode("error_edge_unknown_scim_type.json");
    assert_eq!(e.scim_type, Some(ScimType::InvalidCursor));
    assert!(e.schemas.is_empty());
}

#[test]
fn user_with_unknown_extensions_and_attributes_round_trips_exactly() {
    let u: User = assert_round_trip("user_edge_extensions.json");
    assert_eq!(u.emails[0].extra["x-verified"], true);
    assert_eq!(u.primary_email(), Some("jdoe@corp.example"));
    let e = u.enterprise.as_ref().unwrap();
    assert_eq!(e.extra["x-cost-center-path"], json!(["Corp", "R&D"]));
    assert_eq!(e.manager.as_ref().unwrap().extra["x-level"], 3);
    assert_eq!(u.extra["x-vendor-score"], 0.75);
    assert!(
        u.extra["x-vendor-nothing"].is_null(),
        "unknown nulls are kept as they are"
    );
    assert_eq!(u.meta.as_ref().unwrap().extra["x-shard"], "eu-1");

    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Acme {
        badge_number: u32,
        clearance: Clearance,
    }
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Clearance {
        level: String,
    }
    let acme: Acme = u
        .extension("urn:example:params:scim:schemas:extension:acme:2.0:User")
        .unwrap()
        .unwrap();
    assert_eq!(acme.badge_number, 4711);
    assert_eq!(acme.clearance.level, "secret");
}

#[test]
fn user_attribute_names_match_in_any_case() {
    let u: User = decode("user_edge_mixed_case.json");
    assert_eq!(u.schemas, [urn::USER]);
    assert_eq!(u.id.as_ref().unwrap().as_str(), "42");
    assert_eq!(u.user_name, "MixedCase");
    assert_eq!(u.active, Some(false));
    assert_eq!(u.emails[0].value.as_deref(), Some("m@example.com"));
    assert_eq!(u.emails[0].primary, Some(true));
    assert_eq!(
        u.name.as_ref().unwrap().given_name.as_deref(),
        Some("Mixed")
    );
    assert_eq!(
        u.enterprise.as_ref().unwrap().department.as_deref(),
        Some("Ops")
    );
    assert!(u.extra.is_empty());
    // Written with the RFC's spelling.
    let written = serde_json::to_value(&u).unwrap();
    assert_eq!(written["userName"], "MixedCase");
    assert_eq!(written[urn::ENTERPRISE_USER]["department"], "Ops");
}

#[test]
fn every_fixture_is_used() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scim");
    let this = include_str!("fixtures.rs");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".json") {
            assert!(
                this.contains(&format!("\"{name}\"")),
                "fixture {name} is not tested"
            );
        }
    }
}
