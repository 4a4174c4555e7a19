//! Evaluating a parsed SCIM filter ([`scim_types::Filter`]) against a resource held as JSON.
//!
//! Semantics follow RFC 7644 §3.4.2.2 closely enough for a test fake:
//!
//! * attribute names (and schema URNs) match in any case;
//! * string comparisons ignore case, except on `id`, `externalId` and `meta.version`, which
//!   RFC 7643 declares `caseExact`;
//! * a multi-valued attribute matches when any of its values matches (`emails.value eq …`,
//!   `emails[type eq "work"]`);
//! * `eq null` matches an absent attribute, `pr` needs a non-empty value;
//! * `gt`/`ge`/`lt`/`le` compare numbers numerically and strings lexically (which orders
//!   RFC 3339 timestamps of one format correctly).

use std::cmp::Ordering;

use scim_types::Filter;
use scim_types::filter::{AttrPath, CompValue, CompareOp};
use serde_json::{Map, Value};

/// Whether `resource` (a JSON object) matches `filter`.
///
/// ```
/// use idgraph_common::testing::filter_matches;
/// use scim_types::Filter;
///
/// let user = serde_json::json!({
///     "userName": "Jane@Example.com",
///     "emails": [{"value": "jane@example.com", "type": "work"}]
/// });
/// assert!(filter_matches(&Filter::eq("userName", "jane@example.com"), &user));
/// let f: Filter = r#"emails[type eq "work" and value sw "jane"]"#.parse()?;
/// assert!(filter_matches(&f, &user));
/// # Ok::<(), scim_types::FilterError>(())
/// ```
pub fn filter_matches(filter: &Filter, resource: &Value) -> bool {
    match filter {
        Filter::Compare { attr, op, value } => {
            let values = resolve(resource, attr);
            compare_any(&values, *op, value, case_exact(attr))
        }
        Filter::Present { attr } => resolve(resource, attr).iter().any(|v| is_present(v)),
        Filter::And(parts) => parts.iter().all(|f| filter_matches(f, resource)),
        Filter::Or(parts) => parts.iter().any(|f| filter_matches(f, resource)),
        Filter::Not(inner) => !filter_matches(inner, resource),
        Filter::ValuePath { attr, filter } => resolve(resource, attr)
            .iter()
            .any(|element| filter_matches(filter, element)),
        // A filter form this fake does not know matches nothing.
        _ => false,
    }
}

/// Looks a key up exactly, then ignoring ASCII case (attribute names are case-insensitive,
/// RFC 7643 §2.1).
pub(crate) fn get_ci<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The actual key under which `key` is stored, if any (exact match first).
pub(crate) fn key_ci(obj: &Map<String, Value>, key: &str) -> Option<String> {
    if obj.contains_key(key) {
        return Some(key.to_owned());
    }
    obj.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()
}

/// Whether a URN names one of the core resource schemas (its attributes live at the top
/// level of the resource, not under the URN).
pub(crate) fn is_core_urn(urn: &str) -> bool {
    urn.eq_ignore_ascii_case(scim_types::urn::USER)
        || urn.eq_ignore_ascii_case(scim_types::urn::GROUP)
}

/// Every value the path designates, flattening multi-valued attributes one level.
fn resolve<'a>(resource: &'a Value, attr: &AttrPath) -> Vec<&'a Value> {
    let Some(obj) = resource.as_object() else {
        return Vec::new();
    };
    let container = match attr.urn() {
        Some(urn) if !is_core_urn(urn) => match get_ci(obj, urn).and_then(Value::as_object) {
            Some(ext) => ext,
            None => return Vec::new(),
        },
        _ => obj,
    };
    let Some(value) = get_ci(container, attr.name()) else {
        return Vec::new();
    };
    let top: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    match attr.sub_attr() {
        None => top,
        Some(sub) => top
            .into_iter()
            .filter_map(|v| v.as_object().and_then(|o| get_ci(o, sub)))
            .collect(),
    }
}

fn case_exact(attr: &AttrPath) -> bool {
    match attr.sub_attr() {
        None => {
            attr.name().eq_ignore_ascii_case("id") || attr.name().eq_ignore_ascii_case("externalId")
        }
        Some(sub) => {
            attr.name().eq_ignore_ascii_case("meta") && sub.eq_ignore_ascii_case("version")
        }
    }
}

fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn compare_any(values: &[&Value], op: CompareOp, expected: &CompValue, exact: bool) -> bool {
    match op {
        // `ne` holds when no value is equal (so an absent attribute is `ne` anything but null).
        CompareOp::Ne => !values
            .iter()
            .any(|v| compare(v, CompareOp::Eq, expected, exact)),
        _ => {
            if values.is_empty() || values.iter().all(|v| v.is_null()) {
                // An absent attribute is `eq null` and nothing else.
                return op == CompareOp::Eq && *expected == CompValue::Null;
            }
            values.iter().any(|v| compare(v, op, expected, exact))
        }
    }
}

fn compare(actual: &Value, op: CompareOp, expected: &CompValue, exact: bool) -> bool {
    match (actual, expected) {
        (Value::String(a), CompValue::String(e)) => {
            let (a, e) = if exact {
                (a.clone(), e.clone())
            } else {
                (a.to_lowercase(), e.to_lowercase())
            };
            match op {
                CompareOp::Eq => a == e,
                CompareOp::Ne => a != e,
                CompareOp::Co => a.contains(&e),
                CompareOp::Sw => a.starts_with(&e),
                CompareOp::Ew => a.ends_with(&e),
                _ => ordered(a.cmp(&e), op),
            }
        }
        (Value::Number(a), CompValue::Number(e)) => match (a.as_f64(), e.as_f64()) {
            (Some(a), Some(e)) => a.partial_cmp(&e).is_some_and(|o| ordered(o, op)),
            _ => false,
        },
        (Value::Bool(a), CompValue::Bool(e)) => match op {
            CompareOp::Eq => a == e,
            CompareOp::Ne => a != e,
            _ => false,
        },
        (Value::Null, CompValue::Null) => op == CompareOp::Eq,
        _ => false,
    }
}

fn ordered(o: Ordering, op: CompareOp) -> bool {
    match op {
        CompareOp::Eq => o == Ordering::Equal,
        CompareOp::Ne => o != Ordering::Equal,
        CompareOp::Gt => o == Ordering::Greater,
        CompareOp::Ge => o != Ordering::Less,
        CompareOp::Lt => o == Ordering::Less,
        CompareOp::Le => o != Ordering::Greater,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "id": "AbC", "externalId": "Ext-1", "userName": "Jane@Example.com", "active": true,
            "name": {"givenName": "Jane"},
            "emails": [{"value": "jane@example.com", "type": "work"}, {"value": "j@home.example", "type": "home"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Ops"},
            "meta": {"created": "2026-01-01T00:00:00Z"}
        })
    }

    fn m(f: &str) -> bool {
        filter_matches(&f.parse::<Filter>().unwrap(), &user())
    }

    #[test]
    fn comparisons() {
        assert!(m(r#"userName eq "jane@example.com""#));
        assert!(m(r#"USERNAME Eq "JANE@example.COM""#));
        assert!(!m(r#"id eq "abc""#), "id is case-exact");
        assert!(m(r#"id eq "AbC""#));
        assert!(!m(r#"externalId eq "ext-1""#));
        assert!(m(r#"name.givenName sw "ja""#));
        assert!(m(r#"emails.value co "home""#));
        assert!(m(r#"emails[type eq "work" and value ew "example.com"]"#));
        assert!(!m(r#"emails[type eq "other"]"#));
        assert!(m("active eq true"));
        assert!(m(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "ops""#
        ));
        assert!(m(r#"meta.created gt "2025-12-31T00:00:00Z""#));
        assert!(m("title eq null"));
        assert!(m(r#"title ne "x""#));
        assert!(!m("title pr"));
        assert!(m("userName pr"));
        assert!(m(r#"not (userName eq "x") or active eq false"#));
    }
}
