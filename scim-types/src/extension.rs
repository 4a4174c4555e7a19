//! Typed access to schema extensions kept in a resource's `extra` map.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Finds `urn` in `extra`, exactly or else ignoring ASCII case (schema URIs are
/// case-insensitive, RFC 7643 §2.1).
fn find<'a>(extra: &'a Map<String, Value>, urn: &str) -> Option<(&'a String, &'a Value)> {
    extra
        .get_key_value(urn)
        .or_else(|| extra.iter().find(|(k, _)| k.eq_ignore_ascii_case(urn)))
}

/// Reads the extension object stored under `urn`; `null` or absent is `None`.
pub(crate) fn get<T: DeserializeOwned>(
    extra: &Map<String, Value>,
    urn: &str,
) -> Result<Option<T>, serde_json::Error> {
    match find(extra, urn) {
        None | Some((_, Value::Null)) => Ok(None),
        Some((_, v)) => T::deserialize(v).map(Some),
    }
}

/// Stores `value` under `urn` (replacing any differently-cased key) and lists `urn` in
/// `schemas`, as RFC 7643 §3 requires for every extension present.
pub(crate) fn set<T: Serialize + ?Sized>(
    extra: &mut Map<String, Value>,
    schemas: &mut Vec<String>,
    urn: &str,
    value: &T,
) -> Result<(), serde_json::Error> {
    let value = serde_json::to_value(value)?;
    if let Some((k, _)) = find(extra, urn) {
        let k = k.clone();
        extra.remove(&k);
    }
    extra.insert(urn.to_owned(), value);
    add_schema(schemas, urn);
    Ok(())
}

/// Removes the extension stored under `urn` and its entry in `schemas`.
pub(crate) fn remove(
    extra: &mut Map<String, Value>,
    schemas: &mut Vec<String>,
    urn: &str,
) -> Option<Value> {
    remove_schema(schemas, urn);
    let key = find(extra, urn).map(|(k, _)| k.clone())?;
    extra.remove(&key)
}

pub(crate) fn add_schema(schemas: &mut Vec<String>, urn: &str) {
    if !crate::lenient::contains_ci(schemas, urn) {
        schemas.push(urn.to_owned());
    }
}

pub(crate) fn remove_schema(schemas: &mut Vec<String>, urn: &str) {
    schemas.retain(|s| !s.eq_ignore_ascii_case(urn));
}
