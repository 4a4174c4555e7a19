//! Applying SCIM PATCH operations (RFC 7644 §3.5.2) to a resource held as JSON.
//!
//! Supported: `attr`, `attr.sub`, schema-URN-qualified paths (the core schema's URN is
//! stripped, an extension's URN selects the extension object), a bare extension URN (the
//! whole extension object), value paths (`emails[type eq "work"]`, `…].value`), and
//! path-less `add`/`replace` whose value is an object of attribute paths.

use scim_types::{PatchOpKind, PatchOperation, PatchPath, ScimError, ScimType};
use serde_json::{Map, Value};

use super::scim_filter::{filter_matches, is_core_urn, key_ci};

/// Applies one operation to `resource` (a JSON object), as a standards-following server
/// would. Errors are the SCIM errors a server answers with (`invalidPath`, `noTarget`,
/// `invalidValue`).
///
/// ```
/// use idgraph_common::testing::apply_patch_operation;
/// use scim_types::PatchOp;
///
/// let mut user = serde_json::json!({"userName": "jane", "emails": [{"value": "a@x.io", "type": "work"}]});
/// let patch = PatchOp::builder()
///     .replace(r#"emails[type eq "work"].value"#, "b@x.io")
///     .replace_value(serde_json::json!({"active": false, "name.givenName": "Jane"}))
///     .build()?;
/// for op in &patch.operations {
///     apply_patch_operation(&mut user, op).map_err(|e| e.to_string())?;
/// }
/// assert_eq!(user["emails"][0]["value"], "b@x.io");
/// assert_eq!(user["active"], false);
/// assert_eq!(user["name"]["givenName"], "Jane");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn apply_patch_operation(resource: &mut Value, op: &PatchOperation) -> Result<(), ScimError> {
    let Some(obj) = resource.as_object_mut() else {
        return Err(invalid_value("the resource is not a JSON object"));
    };
    match &op.path {
        Some(path) => apply_at(obj, op.op, path, op.value.as_ref()),
        None => {
            if op.op == PatchOpKind::Remove {
                return Err(ScimError::new(400)
                    .with_scim_type(ScimType::NoTarget)
                    .with_detail("a remove operation needs a path"));
            }
            let Some(Value::Object(values)) = &op.value else {
                return Err(invalid_value(
                    "a path-less add or replace needs an object of attributes as its value",
                ));
            };
            for (key, value) in values {
                if key.starts_with("urn:") && value.is_object() && !is_core_urn(key) {
                    // A whole extension object: merge its attributes one by one.
                    let ext = extension_object(obj, key);
                    if let Value::Object(parts) = value {
                        for (k, v) in parts {
                            set_or_merge(ext, k, v.clone(), op.op);
                        }
                    }
                    continue;
                }
                let path: PatchPath = key
                    .parse()
                    .map_err(|e| invalid_path(&format!("`{key}` is not an attribute path: {e}")))?;
                apply_at(obj, op.op, &path, Some(value))?;
            }
            Ok(())
        }
    }
}

fn apply_at(
    root: &mut Map<String, Value>,
    kind: PatchOpKind,
    path: &PatchPath,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let attr = path.attr();
    if kind != PatchOpKind::Remove && value.is_none() {
        return Err(invalid_value(&format!("{kind} of `{path}` needs a value")));
    }
    // `urn:…:enterprise:2.0:User` parses as attribute `User` of URN `urn:…:2.0`: treat a
    // path that spells a whole extension URN as that extension object.
    if let Some(urn) = attr.urn() {
        let full = format!("{urn}:{}", attr.name());
        if attr.sub_attr().is_none()
            && path.value_filter().is_none()
            && (full.eq_ignore_ascii_case(scim_types::urn::ENTERPRISE_USER)
                || key_ci(root, &full).is_some_and(|k| root[&k].is_object()))
        {
            return apply_whole_extension(root, kind, &full, value);
        }
    }
    let container: &mut Map<String, Value> = match attr.urn() {
        Some(urn) if !is_core_urn(urn) => {
            if kind == PatchOpKind::Remove && key_ci(root, urn).is_none() {
                return Ok(());
            }
            extension_object(root, urn)
        }
        _ => root,
    };
    let name = attr.name();
    let sub = attr.sub_attr();

    if let Some(filter) = path.value_filter() {
        let key = key_ci(container, name);
        let Some(Value::Array(items)) = key.as_ref().and_then(|k| container.get_mut(k)) else {
            return Err(no_target(path));
        };
        let hits: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, item)| filter_matches(filter, item))
            .map(|(i, _)| i)
            .collect();
        if hits.is_empty() {
            return Err(no_target(path));
        }
        match (kind, path.sub_attr()) {
            (PatchOpKind::Remove, None) => {
                let mut i = 0;
                items.retain(|_| {
                    let keep = !hits.contains(&i);
                    i += 1;
                    keep
                });
            }
            (PatchOpKind::Remove, Some(s)) => {
                for i in hits {
                    if let Some(o) = items[i].as_object_mut()
                        && let Some(k) = key_ci(o, s)
                    {
                        o.remove(&k);
                    }
                }
            }
            (_, Some(s)) => {
                for i in hits {
                    if let Some(o) = items[i].as_object_mut() {
                        set_or_merge(o, s, value.cloned().unwrap_or(Value::Null), kind);
                    }
                }
            }
            (_, None) => {
                for i in hits {
                    match (&mut items[i], value) {
                        (Value::Object(o), Some(Value::Object(v))) => {
                            for (k, x) in v {
                                set_or_merge(o, k, x.clone(), kind);
                            }
                        }
                        (slot, Some(v)) => *slot = v.clone(),
                        _ => {}
                    }
                }
            }
        }
        return Ok(());
    }

    match (kind, sub) {
        (PatchOpKind::Remove, None) => {
            if let Some(k) = key_ci(container, name) {
                container.remove(&k);
            }
        }
        (PatchOpKind::Remove, Some(s)) => {
            if let Some(k) = key_ci(container, name) {
                match container.get_mut(&k) {
                    Some(Value::Object(o)) => remove_ci(o, s),
                    Some(Value::Array(items)) => {
                        for item in items.iter_mut() {
                            if let Some(o) = item.as_object_mut() {
                                remove_ci(o, s);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        (_, Some(s)) => {
            let k = key_ci(container, name).unwrap_or_else(|| name.to_owned());
            let slot = container
                .entry(k)
                .or_insert_with(|| Value::Object(Map::new()));
            let v = value.cloned().unwrap_or(Value::Null);
            match slot {
                Value::Array(items) => {
                    // `emails.value` without a filter: every value (RFC 7644 leaves it to
                    // the server; this is the common reading).
                    for item in items.iter_mut() {
                        if let Some(o) = item.as_object_mut() {
                            set_or_merge(o, s, v.clone(), kind);
                        }
                    }
                }
                Value::Object(o) => set_or_merge(o, s, v, kind),
                other => {
                    let mut o = Map::new();
                    o.insert(s.to_owned(), v);
                    *other = Value::Object(o);
                }
            }
        }
        (_, None) => set_or_merge(container, name, value.cloned().unwrap_or(Value::Null), kind),
    }
    Ok(())
}

fn apply_whole_extension(
    root: &mut Map<String, Value>,
    kind: PatchOpKind,
    urn: &str,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    match (kind, value) {
        (PatchOpKind::Remove, _) => {
            if let Some(k) = key_ci(root, urn) {
                root.remove(&k);
            }
            if let Some(Value::Array(schemas)) = root.get_mut("schemas") {
                schemas.retain(|s| !s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)));
            }
            Ok(())
        }
        (_, Some(Value::Object(parts))) => {
            let ext = extension_object(root, urn);
            for (k, v) in parts {
                set_or_merge(ext, k, v.clone(), kind);
            }
            Ok(())
        }
        _ => Err(invalid_value(&format!(
            "the value for the extension `{urn}` must be an object"
        ))),
    }
}

/// The extension object stored under `urn`, created (and listed in `schemas`) if absent.
fn extension_object<'a>(root: &'a mut Map<String, Value>, urn: &str) -> &'a mut Map<String, Value> {
    let key = match key_ci(root, urn) {
        Some(k) => k,
        None => {
            if let Some(Value::Array(schemas)) = root.get_mut("schemas")
                && !schemas
                    .iter()
                    .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)))
            {
                schemas.push(Value::String(urn.to_owned()));
            }
            urn.to_owned()
        }
    };
    let slot = root.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(o) => o,
        // Invariant: the slot was made an object just above.
        _ => unreachable!("the extension slot is an object"),
    }
}

/// `add`/`replace` of one attribute: multi-valued `add` appends, complex values merge
/// sub-attributes (RFC 7644 §3.5.2.1 and §3.5.2.3), anything else is set.
fn set_or_merge(obj: &mut Map<String, Value>, name: &str, value: Value, kind: PatchOpKind) {
    let key = key_ci(obj, name).unwrap_or_else(|| name.to_owned());
    match (obj.get_mut(&key), value) {
        (Some(Value::Array(existing)), Value::Array(new)) if kind == PatchOpKind::Add => {
            for v in new {
                if !existing.contains(&v) {
                    existing.push(v);
                }
            }
        }
        (Some(Value::Array(existing)), v) if kind == PatchOpKind::Add && !v.is_array() => {
            if !existing.contains(&v) {
                existing.push(v);
            }
        }
        (Some(Value::Object(existing)), Value::Object(new)) => {
            for (k, v) in new {
                let k2 = key_ci(existing, &k).unwrap_or(k);
                existing.insert(k2, v);
            }
        }
        (_, v) => {
            obj.insert(key, v);
        }
    }
}

fn remove_ci(obj: &mut Map<String, Value>, key: &str) {
    if let Some(k) = key_ci(obj, key) {
        obj.remove(&k);
    }
}

fn invalid_value(detail: &str) -> ScimError {
    ScimError::new(400)
        .with_scim_type(ScimType::InvalidValue)
        .with_detail(detail)
}

fn invalid_path(detail: &str) -> ScimError {
    ScimError::new(400)
        .with_scim_type(ScimType::InvalidPath)
        .with_detail(detail)
}

fn no_target(path: &PatchPath) -> ScimError {
    ScimError::new(400)
        .with_scim_type(ScimType::NoTarget)
        .with_detail(format!("the path `{path}` matches no value"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_types::PatchOp;
    use serde_json::json;

    fn apply(mut v: Value, patch: serde_json::Value) -> Result<Value, ScimError> {
        let p: PatchOp = serde_json::from_value(patch).unwrap();
        for op in &p.operations {
            apply_patch_operation(&mut v, op)?;
        }
        Ok(v)
    }

    #[test]
    fn simple_paths_and_lenient_ops() {
        let v = apply(
            json!({"userName": "a", "active": true, "name": {"givenName": "A", "familyName": "B"}}),
            json!({"Operations": [
                {"op": "Replace", "path": "active", "value": false},
                {"op": "ADD", "path": "name.givenName", "value": "Z"},
                {"op": "remove", "path": "name.familyName"},
                {"op": "add", "path": "title", "value": "CTO"}
            ]}),
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"userName": "a", "active": false, "name": {"givenName": "Z"}, "title": "CTO"})
        );
    }

    #[test]
    fn multi_valued_add_appends_and_filtered_remove_removes() {
        let v = apply(
            json!({"members": [{"value": "1"}]}),
            json!({"Operations": [
                {"op": "add", "path": "members", "value": [{"value": "2"}, {"value": "1"}]},
                {"op": "remove", "path": "members[value eq \"1\"]"}
            ]}),
        )
        .unwrap();
        assert_eq!(v, json!({"members": [{"value": "2"}]}));
        let err = apply(
            v,
            json!({"Operations": [{"op": "remove", "path": "members[value eq \"9\"]"}]}),
        )
        .unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::NoTarget));
    }

    #[test]
    fn extensions_by_urn() {
        let urn = scim_types::urn::ENTERPRISE_USER;
        let v = apply(
            json!({"schemas": [scim_types::urn::USER]}),
            json!({"Operations": [
                {"op": "add", "path": format!("{urn}:department"), "value": "Ops"},
                {"op": "replace", "path": urn, "value": {"costCenter": "42"}},
                {"op": "replace", "value": {urn: {"division": "D"}}}
            ]}),
        )
        .unwrap();
        assert_eq!(
            v[urn],
            json!({"department": "Ops", "costCenter": "42", "division": "D"})
        );
        assert_eq!(v["schemas"].as_array().unwrap().len(), 2);
        let v = apply(v, json!({"Operations": [{"op": "remove", "path": urn}]})).unwrap();
        assert!(v.get(urn).is_none());
    }

    #[test]
    fn pathless_remove_is_no_target() {
        let err = apply(json!({}), json!({"Operations": [{"op": "remove"}]})).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::NoTarget));
    }
}
