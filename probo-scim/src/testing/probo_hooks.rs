//! Probo's server rules as [`Hooks`] over the generic SCIM fake (research §1–6).
//!
//! A Probo user is stored as a JSON object with canonical SCIM attribute names plus
//! vendor-private state in [`Stored::internal`]:
//!
//! | internal key | meaning |
//! |---|---|
//! | `email` | the identity's email (what `emails[0].value` shows) |
//! | `source` | `SCIM`, `MANUAL` or `SAML`; only `SCIM` profiles are listed |
//! | `state` | `ACTIVE`, `PENDING` or `DEACTIVATED` (`active` is `state == ACTIVE`) |
//! | `role` | `EMPLOYEE`, `ADMIN`, …; reactivation resets it to `EMPLOYEE` |
//! | `referenced` | `true`: DELETE deactivates instead |

use std::sync::{Arc, Mutex};

use idgraph_common::testing::{
    AuthFailure, FakeRequest, Hooks, Kind, Store, Stored, scim_error_response, scim_json,
};
use scim_types::filter::{AttrPath, CompValue, CompareOp};
use scim_types::urn::{ENTERPRISE_USER, USER};
use scim_types::{
    Filter, PatchOp, PatchOpKind, PatchOperation, PatchPath, ScimError, ScimType, User,
};
use serde_json::{Map, Value, json};
use wiremock::ResponseTemplate;

use super::gid::{is_gid, new_gid};

pub(crate) const SOURCE_SCIM: &str = "SCIM";
pub(crate) const STATE_ACTIVE: &str = "ACTIVE";
pub(crate) const STATE_DEACTIVATED: &str = "DEACTIVATED";
pub(crate) const ROLE_EMPLOYEE: &str = "EMPLOYEE";

const NAME_PARTS: [&str; 6] = [
    "formatted",
    "familyName",
    "givenName",
    "middleName",
    "honorificPrefix",
    "honorificSuffix",
];
const SIMPLE_STRINGS: [&str; 6] = [
    "userType",
    "nickName",
    "locale",
    "timezone",
    "profileUrl",
    "preferredLanguage",
];
const ENTERPRISE_STRINGS: [&str; 5] = [
    "employeeNumber",
    "costCenter",
    "organization",
    "division",
    "department",
];

pub(crate) struct ProboHooks {
    pub(crate) tenant: u64,
    /// Every profile's state after each write, in order.
    pub(crate) log: Arc<Mutex<Vec<ProfileState>>>,
}

/// A profile's state in [`FakeProbo`](super::FakeProbo) right after one write request
/// (`POST`, `PUT`, `PATCH`, `DELETE`) that Probo answered with success: what
/// [`FakeProbo::history`](super::FakeProbo::history) returns, to assert that a sequence of
/// steps kept a person's account (same id, still active, same role) at every step.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProfileState {
    /// The write's method.
    pub method: &'static str,
    /// The profile's id.
    pub id: String,
    /// Its `userName` (`None` for a profile not provisioned through SCIM, or gone).
    pub user_name: Option<String>,
    /// The identity's email (what `emails[0].value` shows).
    pub email: String,
    /// The `externalId` stored (`None` when unset; Probo then shows the id).
    pub external_id: Option<String>,
    /// `ACTIVE`, `PENDING` or `DEACTIVATED`.
    pub state: String,
    /// The membership role (`EMPLOYEE`, `ADMIN`, …).
    pub role: String,
    /// `SCIM`, `MANUAL` or `SAML`.
    pub source: String,
    /// `false` when the write deleted the profile.
    pub exists: bool,
}

// ---------------------------------------------------------------- errors

fn invalid_value() -> ScimError {
    ScimError::new(400).with_scim_type(ScimType::InvalidValue).with_detail(
        "A required value was missing, or the value specified was not compatible with the operation or attribute type, or resource schema.",
    )
}

fn invalid_path() -> ScimError {
    ScimError::new(400)
        .with_scim_type(ScimType::InvalidPath)
        .with_detail("The \"path\" attribute was invalid or malformed.")
}

fn invalid_filter() -> ScimError {
    ScimError::new(400).with_scim_type(ScimType::InvalidFilter).with_detail(
        "The specified filter syntax was invalid, or the specified attribute and filter comparison combination is not supported.",
    )
}

fn uniqueness() -> ScimError {
    ScimError::new(409)
        .with_scim_type(ScimType::Uniqueness)
        .with_detail("One or more of the attribute values are already in use or are reserved.")
}

/// Probo's own 400s: free text, no scimType.
fn probo_400(detail: impl Into<String>) -> ScimError {
    ScimError::new(400).with_detail(detail)
}

/// An unexpected error: a SCIM 500 with no detail (PUT/PATCH uniqueness conflicts).
fn internal() -> ScimError {
    ScimError::new(500)
}

fn not_found(id: &str) -> ScimError {
    ScimError::new(404).with_detail(format!("Resource {id} not found."))
}

/// A body rendered outside the SCIM library (`go.gearno.de/kit/httpserver`).
pub(crate) fn plain_json(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(
        format!("{body}\n").into_bytes(),
        "application/json; charset=utf-8",
    )
}

// ---------------------------------------------------------------- schema

fn core_subs(name: &str) -> Option<&'static [&'static str]> {
    let lower = name.to_ascii_lowercase();
    Some(match lower.as_str() {
        "username" | "displayname" | "nickname" | "profileurl" | "title" | "usertype"
        | "preferredlanguage" | "locale" | "timezone" | "active" | "externalid" => &[],
        "name" => &NAME_PARTS,
        "emails" | "phonenumbers" | "roles" => &["value", "display", "type", "primary"],
        "addresses" => &[
            "formatted",
            "streetAddress",
            "locality",
            "region",
            "postalCode",
            "country",
            "type",
            "primary",
        ],
        _ => return None,
    })
}

fn enterprise_subs(name: &str) -> Option<&'static [&'static str]> {
    if name.eq_ignore_ascii_case("manager") {
        return Some(&["value", "$ref", "displayName"]);
    }
    ENTERPRISE_STRINGS
        .iter()
        .any(|a| a.eq_ignore_ascii_case(name))
        .then_some(&[])
}

/// Whether an attribute path exists in Probo's schema (User + Enterprise; `externalId`
/// only where `with_external_id`, as the library adds it for writes but not filters).
fn attr_known(attr: &AttrPath, with_external_id: bool) -> bool {
    let name = attr.name();
    if !with_external_id && name.eq_ignore_ascii_case("externalId") {
        return false;
    }
    let subs = match attr.urn() {
        None => core_subs(name),
        Some(u) if u.eq_ignore_ascii_case(USER) => core_subs(name),
        Some(u) if u.eq_ignore_ascii_case(ENTERPRISE_USER) => enterprise_subs(name),
        Some(u) => {
            // A bare extension URN parses as attribute `User` of `urn:…:2.0`.
            return format!("{u}:{name}").eq_ignore_ascii_case(ENTERPRISE_USER)
                && attr.sub_attr().is_none();
        }
    };
    match (subs, attr.sub_attr()) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(subs), Some(sub)) => subs.iter().any(|s| s.eq_ignore_ascii_case(sub)),
    }
}

fn filter_attrs_known(filter: &Filter) -> bool {
    match filter {
        Filter::Compare { attr, .. } | Filter::Present { attr } => attr_known(attr, false),
        Filter::And(parts) | Filter::Or(parts) => parts.iter().all(filter_attrs_known),
        Filter::Not(inner) => filter_attrs_known(inner),
        Filter::ValuePath { attr, filter } => {
            attr_known(attr, false) && value_path_subs_known(attr.name(), filter)
        }
        _ => false,
    }
}

fn value_path_subs_known(parent: &str, filter: &Filter) -> bool {
    let subs = core_subs(parent).unwrap_or(&[]);
    match filter {
        Filter::Compare { attr, .. } | Filter::Present { attr } => {
            subs.iter().any(|s| s.eq_ignore_ascii_case(attr.name()))
        }
        Filter::And(parts) | Filter::Or(parts) => {
            parts.iter().all(|f| value_path_subs_known(parent, f))
        }
        Filter::Not(inner) => value_path_subs_known(parent, inner),
        _ => false,
    }
}

/// Probo's translation of a filter to SQL (`pkg/iam/scim/filter.go`).
fn probo_filter(filter: &Filter) -> Result<(), ScimError> {
    match filter {
        Filter::And(parts) => parts.iter().try_for_each(probo_filter),
        Filter::Or(_) => Err(probo_400(
            "logical operator 'or' is not supported, only 'and' is supported",
        )),
        Filter::Not(_) => Err(probo_400("NOT expressions are not supported")),
        Filter::ValuePath { .. } => Err(probo_400("value path expressions are not supported")),
        Filter::Present { .. } => Err(probo_400(
            "operator 'pr' is not supported, only 'eq' is supported",
        )),
        Filter::Compare { attr, op, value } => {
            if *op != CompareOp::Eq {
                return Err(probo_400(format!(
                    "operator '{op}' is not supported, only 'eq' is supported"
                )));
            }
            let core = attr.urn().is_none_or(|u| u.eq_ignore_ascii_case(USER));
            let name = attr.name();
            if !core
                || attr.sub_attr().is_some()
                || !(name.eq_ignore_ascii_case("userName")
                    || name.eq_ignore_ascii_case("externalId"))
            {
                return Err(probo_400(format!(
                    "attribute '{name}' is not supported for filtering, only 'userName' and 'externalId' are supported"
                )));
            }
            if !matches!(value, CompValue::String(_)) {
                return Err(probo_400("filter value must be a string"));
            }
            Ok(())
        }
        _ => Err(probo_400("unknown filter expression type")),
    }
}

// ---------------------------------------------------------------- users

fn internal_str<'a>(s: &'a Stored, key: &str) -> &'a str {
    s.internal
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn get_str<'a>(obj: &'a Map<String, Value>, key: &str) -> &'a str {
    obj.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Parses a POST/PUT body the way the library validates it: attribute names in any case,
/// `"True"` for booleans, unknown attributes dropped; wrong types are `invalidValue`.
fn parse_user(body: Value) -> Result<(User, bool), ScimError> {
    let has_user_name = body
        .as_object()
        .is_some_and(|o| o.keys().any(|k| k.eq_ignore_ascii_case("userName")));
    let user: User = serde_json::from_value(body).map_err(|_| invalid_value())?;
    Ok((user, has_user_name))
}

fn is_email(s: &str) -> bool {
    let mut parts = s.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            !local.is_empty()
                && !domain.is_empty()
                && !s.contains(char::is_whitespace)
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        _ => false,
    }
}

/// The email Probo uses: the primary `emails[]` entry, else the first, else `userName`.
fn resolve_email(user: &User) -> Result<String, ScimError> {
    let from_emails = user
        .emails
        .iter()
        .find(|e| e.primary == Some(true))
        .or_else(|| user.emails.first())
        .and_then(|e| e.value.clone())
        .filter(|v| !v.is_empty());
    match from_emails {
        Some(e) if is_email(&e) => Ok(e),
        Some(_) => Err(probo_400("invalid email format")),
        None if is_email(&user.user_name) => Ok(user.user_name.clone()),
        None => Err(probo_400(
            "a valid email is required (via emails array or userName)",
        )),
    }
}

fn full_name(user: &User) -> String {
    let display = user.display_name.as_deref().unwrap_or_default().trim();
    if !display.is_empty() {
        return display.to_owned();
    }
    let name = user.name.clone().unwrap_or_default();
    let parts = format!(
        "{} {}",
        name.given_name.unwrap_or_default(),
        name.family_name.unwrap_or_default()
    );
    parts.trim().to_owned()
}

/// The attributes a POST writes (every field, absent ones as `""`, `title` `""`).
fn create_fields(user: &User, display: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("userName".into(), user.user_name.clone().into());
    if let Some(ext) = user.external_id.as_ref().filter(|e| !e.is_empty()) {
        m.insert("externalId".into(), ext.clone().into());
    }
    m.insert("displayName".into(), display.into());
    let name = user.name.clone().unwrap_or_default();
    let name_json = json!({
        "familyName": name.family_name.unwrap_or_default(),
        "givenName": name.given_name.unwrap_or_default(),
        "middleName": name.middle_name.unwrap_or_default(),
        "honorificPrefix": name.honorific_prefix.unwrap_or_default(),
        "honorificSuffix": name.honorific_suffix.unwrap_or_default(),
    });
    m.insert("name".into(), name_json);
    if let (Some(f), Some(Value::Object(n))) = (name.formatted, m.get_mut("name")) {
        n.insert("formatted".into(), f.into());
    }
    m.insert(
        "title".into(),
        user.title.clone().unwrap_or_default().into(),
    );
    let simple = [
        ("userType", &user.user_type),
        ("nickName", &user.nick_name),
        ("locale", &user.locale),
        ("timezone", &user.timezone),
        ("profileUrl", &user.profile_url),
        ("preferredLanguage", &user.preferred_language),
    ];
    for (k, v) in simple {
        m.insert(k.into(), v.clone().unwrap_or_default().into());
    }
    let e = user.enterprise.clone().unwrap_or_default();
    m.insert(
        ENTERPRISE_USER.into(),
        json!({
            "employeeNumber": e.employee_number.unwrap_or_default(),
            "costCenter": e.cost_center.unwrap_or_default(),
            "organization": e.organization.unwrap_or_default(),
            "division": e.division.unwrap_or_default(),
            "department": e.department.unwrap_or_default(),
            "manager": {"value": e.manager.and_then(|m| m.value).unwrap_or_default()},
        }),
    );
    m
}

/// Overwrites a stored profile's attributes with a POST's (take-over and rename keep
/// `id`, `meta.created` and the role).
fn overwrite(stored: &mut Stored, fields: Map<String, Value>) {
    if let Some(obj) = stored.resource.as_object_mut() {
        let id = obj.get("id").cloned();
        let meta = obj.get("meta").cloned();
        *obj = fields;
        if let Some(id) = id {
            obj.insert("id".into(), id);
        }
        if let Some(meta) = meta {
            obj.insert("meta".into(), meta);
        }
    }
}

/// Applies `active` to the profile state: deactivate, or reactivate (role reset to
/// EMPLOYEE); a pending profile stays pending when activated.
fn set_active(stored: &mut Stored, active: bool) {
    let state = internal_str(stored, "state").to_owned();
    if active {
        if state == STATE_DEACTIVATED {
            stored.internal.insert("state".into(), STATE_ACTIVE.into());
            stored.internal.insert("role".into(), ROLE_EMPLOYEE.into());
        }
    } else {
        stored
            .internal
            .insert("state".into(), STATE_DEACTIVATED.into());
    }
}

fn other_has(store: &Store, except: &str, key: &str, value: &str, ci: bool) -> bool {
    store.all(Kind::User).iter().any(|s| {
        s.id != except
            && s.resource
                .get(key)
                .and_then(Value::as_str)
                .is_some_and(|v| {
                    if ci {
                        v.to_lowercase() == value.to_lowercase()
                    } else {
                        v == value
                    }
                })
    })
}

/// Coerces a PATCH value to a boolean as the library does (`"False"` accepted).
fn as_bool(v: &Value) -> Result<bool, ScimError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(invalid_value()),
    }
}

fn as_string(v: &Value) -> Result<String, ScimError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(invalid_value()),
    }
}

/// What one PATCH changed in the name, for Probo's displayName side effect.
#[derive(Default)]
struct NameEffects {
    given: Option<String>,
    family: Option<String>,
    display_set: bool,
}

fn obj_mut<'a>(obj: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = obj
        .entry(key.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(o) => o,
        // Invariant: made an object just above.
        _ => unreachable!("slot is an object"),
    }
}

fn canonical(list: &[&'static str], name: &str) -> Option<&'static str> {
    list.iter().copied().find(|a| a.eq_ignore_ascii_case(name))
}

/// Applies one `add`/`replace` at a lower-cased path; unknown or ignored paths do nothing.
fn set_path(
    stored: &mut Stored,
    path: &str,
    value: &Value,
    fx: &mut NameEffects,
) -> Result<(), ScimError> {
    let ent = ENTERPRISE_USER.to_ascii_lowercase();
    let Some(obj) = stored.resource.as_object_mut() else {
        return Ok(());
    };
    match path {
        "active" => {
            let active = as_bool(value)?;
            set_active(stored, active);
        }
        "displayname" => {
            let v = as_string(value)?;
            if !v.is_empty() {
                obj.insert("displayName".into(), v.into());
                fx.display_set = true;
            }
        }
        "username" | "externalid" => {
            let v = as_string(value)?;
            if !v.is_empty() {
                let key = if path == "username" {
                    "userName"
                } else {
                    "externalId"
                };
                obj.insert(key.into(), v.into());
            }
        }
        "title" => {
            let v = as_string(value)?;
            obj.insert(
                "title".into(),
                if v.is_empty() { Value::Null } else { v.into() },
            );
        }
        "name" => {
            let Value::Object(parts) = value else {
                return Err(invalid_value());
            };
            for (k, v) in parts {
                set_path(stored, &format!("name.{}", k.to_ascii_lowercase()), v, fx)?;
            }
        }
        p if p.starts_with("name.") => {
            if let Some(part) = canonical(&NAME_PARTS, &p[5..]) {
                let v = as_string(value)?;
                match part {
                    "givenName" => fx.given = Some(v.clone()),
                    "familyName" => fx.family = Some(v.clone()),
                    _ => {}
                }
                obj_mut(obj, "name").insert(part.into(), v.into());
            }
        }
        p if p == ent => {
            let Value::Object(parts) = value else {
                return Err(invalid_value());
            };
            for (k, v) in parts {
                set_path(stored, &format!("{ent}:{}", k.to_ascii_lowercase()), v, fx)?;
            }
        }
        p if p.starts_with(&format!("{ent}:")) => {
            let attr = &p[ent.len() + 1..];
            let e = obj_mut(obj, ENTERPRISE_USER);
            if let Some(a) = canonical(&ENTERPRISE_STRINGS, attr) {
                e.insert(a.into(), as_string(value)?.into());
            } else if attr == "manager" || attr == "manager.value" {
                // Entra sends the manager as a plain string id.
                let v = match value {
                    Value::Object(m) => m
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("value"))
                        .map(|(_, v)| as_string(v))
                        .transpose()?
                        .unwrap_or_default(),
                    other => as_string(other)?,
                };
                e.insert("manager".into(), json!({"value": v}));
            }
        }
        p => {
            if let Some(k) = canonical(&SIMPLE_STRINGS, p) {
                obj.insert(k.into(), as_string(value)?.into());
            }
            // Everything else (emails…, phoneNumbers…, addresses…, roles) is accepted
            // and ignored.
        }
    }
    Ok(())
}

/// Applies one `remove` at a lower-cased path; anything not listed is ignored.
fn remove_path(stored: &mut Stored, path: &str) {
    let ent = ENTERPRISE_USER.to_ascii_lowercase();
    let Some(obj) = stored.resource.as_object_mut() else {
        return;
    };
    match path {
        "title" => {
            obj.insert("title".into(), Value::Null);
        }
        "externalid" => {
            obj.remove("externalId");
        }
        "name" => {
            let n = obj_mut(obj, "name");
            for p in NAME_PARTS {
                n.insert(p.into(), "".into());
            }
        }
        p if p.starts_with("name.") => {
            if let Some(part) = canonical(&NAME_PARTS, &p[5..]) {
                obj_mut(obj, "name").insert(part.into(), "".into());
            }
        }
        p if p == ent => {
            let e = obj_mut(obj, ENTERPRISE_USER);
            for a in ENTERPRISE_STRINGS {
                e.insert(a.into(), "".into());
            }
            e.insert("manager".into(), json!({"value": ""}));
        }
        p if p.starts_with(&format!("{ent}:")) => {
            let attr = &p[ent.len() + 1..];
            let e = obj_mut(obj, ENTERPRISE_USER);
            if let Some(a) = canonical(&ENTERPRISE_STRINGS, attr) {
                e.insert(a.into(), "".into());
            } else if attr == "manager" || attr == "manager.value" {
                e.insert("manager".into(), json!({"value": ""}));
            }
        }
        p => {
            if let Some(k) = canonical(&SIMPLE_STRINGS, p) {
                obj.insert(k.into(), "".into());
            }
        }
    }
}

/// The lower-cased path Probo matches on; `None` for core-URN-qualified paths, which pass
/// validation but are ignored.
fn probo_path(path: &PatchPath) -> Option<String> {
    let s = path.to_string();
    let core_prefix = format!("{}:", USER.to_ascii_lowercase());
    let lower = s.to_ascii_lowercase();
    if lower.starts_with(&core_prefix) {
        return None;
    }
    Some(lower)
}

/// Library-stage validation of one operation (before the id is even looked up).
fn validate_operation(op: &PatchOperation) -> Result<(), ScimError> {
    match (&op.path, op.op) {
        (Some(path), _) => {
            if !attr_known(path.attr(), true) {
                return Err(invalid_path());
            }
            if op.op != PatchOpKind::Remove && op.value.is_none() {
                return Err(invalid_value());
            }
        }
        (None, PatchOpKind::Remove) => return Err(invalid_value()),
        (None, _) => {
            let Some(Value::Object(values)) = &op.value else {
                return Err(invalid_value());
            };
            for key in values.keys() {
                if key == ENTERPRISE_USER {
                    continue;
                }
                let ok = key
                    .parse::<PatchPath>()
                    .is_ok_and(|p| attr_known(p.attr(), true));
                if !ok {
                    return Err(invalid_value());
                }
            }
        }
    }
    Ok(())
}

/// Path-less keys Probo reads, case-sensitively.
const PATHLESS_KEYS: [&str; 12] = [
    "active",
    "displayName",
    "name",
    "userName",
    "externalId",
    "title",
    "userType",
    "nickName",
    "locale",
    "timezone",
    "profileUrl",
    "preferredLanguage",
];

impl ProboHooks {
    /// Appends the profile's state after a successful write to the step log.
    fn record(&self, method: &'static str, id: &str, store: &Store) {
        let state = match store.get(Kind::User, id) {
            Some(s) => ProfileState {
                method,
                id: id.to_owned(),
                user_name: s.str_attr("userName").map(str::to_owned),
                email: internal_str(s, "email").to_owned(),
                external_id: s.str_attr("externalId").map(str::to_owned),
                state: internal_str(s, "state").to_owned(),
                role: internal_str(s, "role").to_owned(),
                source: internal_str(s, "source").to_owned(),
                exists: true,
            },
            None => ProfileState {
                method,
                id: id.to_owned(),
                user_name: None,
                email: String::new(),
                external_id: None,
                state: String::new(),
                role: String::new(),
                source: String::new(),
                exists: false,
            },
        };
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(state);
    }

    fn post_user(&self, kind: Kind, body: Value, store: &mut Store) -> Result<String, ScimError> {
        if kind != Kind::User {
            return Err(ScimError::new(404).with_detail("Specified endpoint does not exist."));
        }
        let (user, has_user_name) = parse_user(body)?;
        if !has_user_name {
            return Err(invalid_value());
        }
        if user.user_name.is_empty() {
            return Err(probo_400("userName is required"));
        }
        let email = resolve_email(&user)?;
        let mut display = full_name(&user);
        if display.is_empty() {
            display = user.user_name.clone();
        }
        let active = user.active.unwrap_or(true);
        let ext = user.external_id.clone().filter(|e| !e.is_empty());
        let fields = create_fields(&user, &display);
        let email_key = email.to_lowercase();

        // Case 1 and 2: the email already has a profile in the organization.
        let by_email = store
            .all(Kind::User)
            .iter()
            .find(|s| internal_str(s, "email").to_lowercase() == email_key)
            .map(|s| (s.id.clone(), internal_str(s, "source") == SOURCE_SCIM));
        if let Some((id, scim)) = by_email {
            if scim {
                return Err(uniqueness());
            }
            // Take-over: the profile becomes SCIM-sourced; others lose this externalId.
            if let Some(ext) = &ext {
                let holders: Vec<String> = store
                    .all(Kind::User)
                    .iter()
                    .filter(|s| s.id != id && s.str_attr("externalId") == Some(ext.as_str()))
                    .map(|s| s.id.clone())
                    .collect();
                for h in holders {
                    if let Some(s) = store.get_mut(Kind::User, &h)
                        && let Some(o) = s.resource.as_object_mut()
                    {
                        o.remove("externalId");
                    }
                    store.touch(Kind::User, &h);
                    self.record("POST", &h, store);
                }
            }
            if let Some(s) = store.get_mut(Kind::User, &id) {
                overwrite(s, fields);
                s.internal.insert("source".into(), SOURCE_SCIM.into());
                s.internal.insert("email".into(), email.into());
                set_active(s, active);
            }
            store.touch(Kind::User, &id);
            return Ok(id);
        }

        // Case 3: no profile for this email, but the externalId matches one: the email
        // rename path.
        if let Some(ext) = &ext {
            let holder = store
                .all(Kind::User)
                .iter()
                .find(|s| s.str_attr("externalId") == Some(ext.as_str()))
                .map(|s| s.id.clone());
            if let Some(id) = holder {
                if other_has(store, &id, "userName", &user.user_name, true) {
                    return Err(uniqueness());
                }
                if let Some(s) = store.get_mut(Kind::User, &id) {
                    overwrite(s, fields);
                    s.internal.insert("email".into(), email.into());
                    s.internal.insert("source".into(), SOURCE_SCIM.into());
                    set_active(s, active);
                }
                store.touch(Kind::User, &id);
                return Ok(id);
            }
        }

        // Case 4: a new profile; the unique indexes still apply.
        if other_has(store, "", "userName", &user.user_name, true) {
            return Err(uniqueness());
        }
        let id = new_gid(self.tenant);
        store.insert(Kind::User, id.clone(), Value::Object(fields));
        if let Some(s) = store.get_mut(Kind::User, &id) {
            s.internal.insert("email".into(), email.into());
            s.internal.insert("source".into(), SOURCE_SCIM.into());
            s.internal.insert("role".into(), ROLE_EMPLOYEE.into());
            s.internal.insert("referenced".into(), false.into());
            let state = if active {
                STATE_ACTIVE
            } else {
                STATE_DEACTIVATED
            };
            s.internal.insert("state".into(), state.into());
        }
        Ok(id)
    }

    fn put_user(&self, id: &str, body: Value, store: &mut Store) -> Result<(), ScimError> {
        let (user, has_user_name) = parse_user(body)?;
        if !has_user_name {
            return Err(invalid_value());
        }
        if !user.user_name.is_empty() && other_has(store, id, "userName", &user.user_name, true) {
            return Err(internal());
        }
        if let Some(ext) = user.external_id.as_deref().filter(|e| !e.is_empty())
            && other_has(store, id, "externalId", ext, false)
        {
            return Err(internal());
        }
        let Some(stored) = store.get_mut(Kind::User, id) else {
            return Err(not_found(id));
        };
        let given_family = {
            let mut parts = user.clone();
            parts.display_name = None;
            full_name(&parts)
        };
        if let Some(obj) = stored.resource.as_object_mut() {
            if !user.user_name.is_empty() {
                obj.insert("userName".into(), user.user_name.clone().into());
            }
            if let Some(ext) = user.external_id.as_ref().filter(|e| !e.is_empty()) {
                obj.insert("externalId".into(), ext.clone().into());
            }
            let title = user.title.clone().filter(|t| !t.is_empty());
            obj.insert("title".into(), title.map_or(Value::Null, Value::from));
            let name = user.name.clone().unwrap_or_default();
            let n = obj_mut(obj, "name");
            // Given and family names are cleared when absent; the other parts only change
            // when present.
            n.insert(
                "givenName".into(),
                name.given_name.clone().unwrap_or_default().into(),
            );
            n.insert(
                "familyName".into(),
                name.family_name.clone().unwrap_or_default().into(),
            );
            for (k, v) in [
                ("formatted", name.formatted),
                ("middleName", name.middle_name),
                ("honorificPrefix", name.honorific_prefix),
                ("honorificSuffix", name.honorific_suffix),
            ] {
                if let Some(v) = v {
                    n.insert(k.into(), v.into());
                }
            }
            let simple = [
                ("userType", &user.user_type),
                ("nickName", &user.nick_name),
                ("locale", &user.locale),
                ("timezone", &user.timezone),
                ("profileUrl", &user.profile_url),
                ("preferredLanguage", &user.preferred_language),
            ];
            for (k, v) in simple {
                if let Some(v) = v {
                    obj.insert(k.into(), v.clone().into());
                }
            }
            if let Some(e) = &user.enterprise {
                let ext_obj = obj_mut(obj, ENTERPRISE_USER);
                for (k, v) in [
                    ("employeeNumber", &e.employee_number),
                    ("costCenter", &e.cost_center),
                    ("organization", &e.organization),
                    ("division", &e.division),
                    ("department", &e.department),
                ] {
                    if let Some(v) = v {
                        ext_obj.insert(k.into(), v.clone().into());
                    }
                }
                if let Some(v) = e.manager.as_ref().and_then(|m| m.value.clone()) {
                    ext_obj.insert("manager".into(), json!({"value": v}));
                }
            }
            let display = user.display_name.as_deref().unwrap_or_default().trim();
            if !display.is_empty() {
                obj.insert("displayName".into(), display.into());
            } else if !given_family.is_empty() {
                obj.insert("displayName".into(), given_family.into());
            }
        }
        stored.internal.insert("source".into(), SOURCE_SCIM.into());
        // A PUT without `active` is a PUT with `active: true`.
        set_active(stored, user.active.unwrap_or(true));
        store.touch(Kind::User, id);
        Ok(())
    }

    fn patch_user(&self, id: &str, patch: PatchOp, store: &mut Store) -> Result<(), ScimError> {
        if patch.schemas.len() != 1 || patch.schemas[0] != scim_types::urn::PATCH_OP {
            return Err(invalid_value());
        }
        for op in &patch.operations {
            validate_operation(op)?;
        }
        let Some(current) = store.get(Kind::User, id) else {
            return Err(not_found(id));
        };
        let mut work = current.clone();
        let mut fx = NameEffects::default();
        for op in &patch.operations {
            match (op.op, &op.path) {
                (PatchOpKind::Remove, Some(path)) => {
                    if let Some(p) = probo_path(path) {
                        remove_path(&mut work, &p);
                    }
                }
                (_, Some(path)) => {
                    if let (Some(p), Some(v)) = (probo_path(path), &op.value) {
                        set_path(&mut work, &p, v, &mut fx)?;
                    }
                }
                (_, None) => {
                    let Some(Value::Object(values)) = &op.value else {
                        return Err(invalid_value());
                    };
                    for (key, v) in values {
                        let dotted =
                            key.contains('.') || (key.contains(':') && key != ENTERPRISE_USER);
                        if dotted {
                            if let Some(p) =
                                key.parse::<PatchPath>().ok().as_ref().and_then(probo_path)
                            {
                                set_path(&mut work, &p, v, &mut fx)?;
                            }
                        } else if PATHLESS_KEYS.contains(&key.as_str()) || key == ENTERPRISE_USER {
                            set_path(&mut work, &key.to_ascii_lowercase(), v, &mut fx)?;
                        }
                        // Other keys (for example `Active`) pass validation and do nothing.
                    }
                }
            }
        }
        if !fx.display_set && (fx.given.is_some() || fx.family.is_some()) {
            // Probo recomputes the full name from the parts present in this PATCH only.
            let parts: Vec<String> = [fx.given, fx.family].into_iter().flatten().collect();
            let display = parts.join(" ").trim().to_owned();
            if let Some(obj) = work.resource.as_object_mut()
                && !display.is_empty()
            {
                obj.insert("displayName".into(), display.into());
            }
        }
        let user_name = work.str_attr("userName").unwrap_or_default().to_owned();
        if !user_name.is_empty() && other_has(store, id, "userName", &user_name, true) {
            return Err(internal());
        }
        if let Some(ext) = work.str_attr("externalId").map(str::to_owned)
            && other_has(store, id, "externalId", &ext, false)
        {
            return Err(internal());
        }
        work.internal.insert("source".into(), SOURCE_SCIM.into());
        if let Some(s) = store.get_mut(Kind::User, id) {
            *s = work;
        }
        store.touch(Kind::User, id);
        Ok(())
    }

    fn delete_user(&self, id: &str, store: &mut Store) -> Result<(), ScimError> {
        let Some(stored) = store.get_mut(Kind::User, id) else {
            return Err(not_found(id));
        };
        if stored.internal.get("referenced") == Some(&Value::Bool(true)) {
            // Foreign keys block the delete: Probo deactivates and still answers 204.
            stored
                .internal
                .insert("state".into(), STATE_DEACTIVATED.into());
            store.touch(Kind::User, id);
        } else {
            store.remove(Kind::User, id);
        }
        Ok(())
    }
}

impl Hooks for ProboHooks {
    fn before(&self, req: &FakeRequest<'_>, _: &mut Store) -> Option<ResponseTemplate> {
        // Go's http.CrossOriginProtection, wrapped around the whole API.
        if matches!(req.method, "GET" | "HEAD" | "OPTIONS") {
            return None;
        }
        let denied = match req.header("sec-fetch-site") {
            Some(site) => !matches!(site, "same-origin" | "none"),
            None => match req.header("origin") {
                None => false,
                Some(origin) => {
                    let host = req.header("host").unwrap_or_default();
                    url::Url::parse(origin)
                        .ok()
                        .and_then(|u| {
                            u.host_str().map(|h| match u.port() {
                                Some(p) => format!("{h}:{p}"),
                                None => h.to_owned(),
                            })
                        })
                        .is_none_or(|o| o != host)
                }
            },
        };
        denied.then(|| plain_json(403, &json!({"error": "cross-origin request denied"})))
    }

    fn normalize(&self, segments: &mut Vec<String>) {
        // The library strips an optional `/v2` prefix: `{base}/v2/Users` = `{base}/Users`.
        if segments.first().map(String::as_str) == Some("v2") {
            segments.remove(0);
        }
    }

    fn route(&self, req: &FakeRequest<'_>, store: &mut Store) -> Option<ResponseTemplate> {
        let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
        let error = |e: ScimError| scim_error_response(&e, false);
        match (req.method, seg.as_slice()) {
            (_, ["Me", ..]) => Some(error(ScimError::new(501))),
            // The library does not check the method here.
            (_, ["ServiceProviderConfig"]) => Some(scim_json(200, &service_provider_config())),
            ("GET", ["ResourceTypes"]) => Some(scim_json(200, &list(vec![resource_type()]))),
            ("GET", ["ResourceTypes", name]) => Some(if *name == "User" {
                scim_json(200, &resource_type())
            } else {
                error(ScimError::new(404).with_detail(format!("Resource {name} not found.")))
            }),
            ("GET", ["Schemas"]) => Some(scim_json(200, &list(schemas()))),
            ("GET", ["Schemas", urn]) => Some(
                schemas()
                    .into_iter()
                    .find(|s| s["id"] == *urn)
                    .map(|s| scim_json(200, &s))
                    .unwrap_or_else(|| {
                        error(ScimError::new(404).with_detail(format!("Resource {urn} not found.")))
                    }),
            ),
            ("GET" | "PUT" | "DELETE", ["Users", id]) if !is_gid(id) => {
                // The handler parses the id first: anything that is not a GID is 404.
                Some(error(not_found(id)))
            }
            ("GET", ["Users", id]) => {
                // A profile Probo did not create through SCIM has no userName, and the
                // serializer dereferences it: the panic is recovered into a non-SCIM 500.
                let stored = store.get(Kind::User, id)?;
                stored.str_attr("userName").is_none().then(|| {
                    plain_json(
                        500,
                        &json!({"error": "internal_server_error", "message": "internal server error"}),
                    )
                })
            }
            _ => None,
        }
    }

    fn unauthorized(&self, failure: AuthFailure) -> ResponseTemplate {
        let message = match failure {
            AuthFailure::Missing => "authorization header required",
            AuthFailure::Malformed => "invalid authorization header",
            _ => "invalid token",
        };
        plain_json(401, &json!({"error": "unauthorized", "message": message}))
    }

    fn new_id(&self, _: Kind, _: &mut Store) -> String {
        new_gid(self.tenant)
    }

    fn check_filter(&self, _: Kind, filter: &Filter) -> Result<(), ScimError> {
        if !filter_attrs_known(filter) {
            return Err(invalid_filter());
        }
        probo_filter(filter)
    }

    fn listed(&self, _: Kind, stored: &Stored) -> bool {
        internal_str(stored, "source") == SOURCE_SCIM
    }

    fn create(&self, kind: Kind, body: Value, store: &mut Store) -> Result<String, ScimError> {
        let id = self.post_user(kind, body, store)?;
        self.record("POST", &id, store);
        Ok(id)
    }

    fn replace(&self, _: Kind, id: &str, body: Value, store: &mut Store) -> Result<(), ScimError> {
        self.put_user(id, body, store)?;
        self.record("PUT", id, store);
        Ok(())
    }

    fn patch(&self, _: Kind, id: &str, patch: PatchOp, store: &mut Store) -> Result<(), ScimError> {
        self.patch_user(id, patch, store)?;
        self.record("PATCH", id, store);
        Ok(())
    }

    fn delete(&self, _: Kind, id: &str, store: &mut Store) -> Result<(), ScimError> {
        self.delete_user(id, store)?;
        self.record("DELETE", id, store);
        Ok(())
    }

    fn render(&self, _: Kind, stored: &Stored) -> Value {
        render_user(stored)
    }
}

/// The JSON Probo's `userToResource` produces: every key present, unset strings `""`,
/// `title` possibly `null`, `externalId` falling back to `id`, one work email, a
/// relative `meta.location`, both schemas, keys in alphabetical order.
pub(crate) fn render_user(stored: &Stored) -> Value {
    let empty = Map::new();
    let obj = stored.resource.as_object().unwrap_or(&empty);
    let s = |k: &str| Value::from(get_str(obj, k));
    let name = obj.get("name").and_then(Value::as_object).unwrap_or(&empty);
    let ns = |k: &str| Value::from(get_str(name, k));
    let display = get_str(obj, "displayName");
    let formatted = match get_str(name, "formatted") {
        "" => display,
        f => f,
    };
    let ent = obj
        .get(ENTERPRISE_USER)
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let es = |k: &str| Value::from(get_str(ent, k));
    let manager = ent
        .get("manager")
        .and_then(|m| m.get("value"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let meta = obj.get("meta").and_then(Value::as_object).unwrap_or(&empty);
    let external_id = match get_str(obj, "externalId") {
        "" => stored.id.as_str(),
        e => e,
    };
    let title = match obj.get("title") {
        Some(Value::String(t)) => Value::from(t.as_str()),
        Some(Value::Null) => Value::Null,
        _ => Value::from(""),
    };
    let mut out = json!({
        "active": internal_str(stored, "state") == STATE_ACTIVE,
        "displayName": display,
        "emails": [{"primary": true, "type": "work", "value": internal_str(stored, "email")}],
        "externalId": external_id,
        "id": stored.id,
        "locale": s("locale"),
        "meta": {
            "resourceType": "User",
            "created": meta.get("created").cloned().unwrap_or(Value::Null),
            "lastModified": meta.get("lastModified").cloned().unwrap_or(Value::Null),
            "location": format!("Users/{}", stored.id),
        },
        "name": {
            "familyName": ns("familyName"),
            "formatted": formatted,
            "givenName": ns("givenName"),
            "honorificPrefix": ns("honorificPrefix"),
            "honorificSuffix": ns("honorificSuffix"),
            "middleName": ns("middleName"),
        },
        "nickName": s("nickName"),
        "preferredLanguage": s("preferredLanguage"),
        "profileUrl": s("profileUrl"),
        "schemas": [USER, ENTERPRISE_USER],
        "timezone": s("timezone"),
        "title": title,
        "userName": s("userName"),
        "userType": s("userType"),
    });
    out[ENTERPRISE_USER] = json!({
        "costCenter": es("costCenter"),
        "department": es("department"),
        "division": es("division"),
        "employeeNumber": es("employeeNumber"),
        "manager": {"value": manager},
        "organization": es("organization"),
    });
    out
}

/// Seeds a SCIM-provisioned user the way a POST would have stored it.
pub(crate) fn seed_fields(user: &User) -> (Map<String, Value>, String, bool) {
    let email = resolve_email(user).unwrap_or_else(|_| user.user_name.clone());
    let mut display = full_name(user);
    if display.is_empty() {
        display = user.user_name.clone();
    }
    let mut fields = create_fields(user, &display);
    if user.title.is_none() {
        fields.insert("title".into(), "".into());
    }
    (fields, email, user.active.unwrap_or(true))
}

fn list(resources: Vec<Value>) -> Value {
    let n = resources.len();
    json!({
        "Resources": resources,
        "itemsPerPage": n,
        "schemas": [scim_types::urn::LIST_RESPONSE],
        "startIndex": 1,
        "totalResults": n,
    })
}

fn service_provider_config() -> Value {
    json!({
        "authenticationSchemes": [{
            "description": "Authentication using OAuth Bearer Token",
            "documentationUri": "", "name": "OAuth Bearer Token", "primary": false,
            "specUri": "", "type": "oauthbearertoken"
        }],
        "bulk": {"maxOperations": 1000, "maxPayloadSize": 1_048_576, "supported": false},
        "changePassword": {"supported": false},
        "documentationUri": "",
        "etag": {"supported": false},
        "filter": {"maxResults": 0, "supported": true},
        "patch": {"supported": true},
        "schemas": [scim_types::urn::SERVICE_PROVIDER_CONFIG],
        "sort": {"supported": false}
    })
}

fn resource_type() -> Value {
    json!({
        "schemas": [scim_types::urn::RESOURCE_TYPE],
        "id": "User", "name": "User", "description": "User Account",
        "endpoint": "/Users", "schema": USER,
        "schemaExtensions": [{"schema": ENTERPRISE_USER, "required": false}]
    })
}

fn schemas() -> Vec<Value> {
    let attr = |name: &str, required: bool, uniqueness: &str| {
        json!({"name": name, "type": "string", "multiValued": false, "required": required,
               "mutability": "readWrite", "returned": "default", "description": "",
               "caseExact": false, "uniqueness": uniqueness})
    };
    let mut core: Vec<Value> = vec![attr("userName", true, "server")];
    for a in [
        "displayName",
        "nickName",
        "profileUrl",
        "title",
        "userType",
        "preferredLanguage",
        "locale",
        "timezone",
    ] {
        core.push(attr(a, false, "none"));
    }
    let enterprise: Vec<Value> = ENTERPRISE_STRINGS
        .iter()
        .map(|a| attr(a, false, "none"))
        .collect();
    vec![
        json!({"schemas": [scim_types::urn::SCHEMA], "id": USER, "name": "User",
               "description": "User Account", "attributes": core}),
        json!({"schemas": [scim_types::urn::SCHEMA], "id": ENTERPRISE_USER,
               "name": "EnterpriseUser", "description": "Enterprise User", "attributes": enterprise}),
    ]
}
