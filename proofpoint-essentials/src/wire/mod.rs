//! Wire mappings: one per API surface, onto the one domain model.
//!
//! Reading is lossless: a user is decoded as its primary email plus a map of everything
//! else; each modelled field is *taken* from the map only when its value has the
//! expected type, and whatever is left (unknown fields, odd values) is kept in
//! [`User::extra`](crate::User::extra) and written back verbatim. A `password` the server
//! might send is dropped on read: it is write-only.
//!
//! Writing builds the JSON object from `extra` first and then the typed fields on top,
//! so a typed value always wins and no key is sent twice.

pub(crate) mod interface;
pub(crate) mod rest;

use serde::de::DeserializeOwned;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::credentials::UserPassword;
use idgraph_common::{ExposeSecret, Request};

/// A request body: the fields, plus the write-only password exposed only while the body
/// is serialised.
pub(crate) struct Body<'a> {
    pub(crate) fields: Map<String, Value>,
    pub(crate) password: Option<&'a UserPassword>,
}

impl Serialize for Body<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = self.fields.len() + usize::from(self.password.is_some());
        let mut map = serializer.serialize_map(Some(len))?;
        for (k, v) in &self.fields {
            map.serialize_entry(k, v)?;
        }
        if let Some(password) = self.password {
            // The one place a user's password is exposed: straight into the request body.
            map.serialize_entry("password", password.secret().expose_secret())?;
        }
        map.end()
    }
}

/// `req` with `bodies` as its JSON body (one body, or a batch as an array), every
/// password they carry declared sensitive: the transport then scrubs it, like the
/// credentials, from anything an error quotes of the answer (a server that echoes a
/// refused request back must not put the user's password in the error).
pub(crate) fn with_json_body<B: Serialize + ?Sized>(
    req: Request,
    json: &B,
    bodies: &[&Body<'_>],
) -> Request {
    bodies
        .iter()
        .filter_map(|b| b.password)
        .fold(req.json(json), |req, password| {
            req.sensitive(password.secret())
        })
}

/// Removes `key` from `map` and returns its value when it has type `T`; otherwise leaves
/// it in place (to be written back verbatim) and returns `None`.
pub(crate) fn take<T: DeserializeOwned>(map: &mut Map<String, Value>, key: &str) -> Option<T> {
    let parsed = T::deserialize(map.get(key)?).ok()?;
    map.remove(key);
    Some(parsed)
}

/// Inserts `value` under `key` when it is `Some`.
pub(crate) fn put<T: Serialize + ?Sized>(
    map: &mut Map<String, Value>,
    key: &str,
    value: Option<&T>,
) {
    if let Some(v) = value {
        // Serialising strings, numbers, vectors and `Value`s into a `Value` cannot fail.
        if let Ok(v) = serde_json::to_value(v) {
            map.insert(key.to_owned(), v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_leaves_values_of_the_wrong_type_in_place() {
        let mut m: Map<String, Value> =
            serde_json::from_str(r#"{"a":"x","b":1,"c":null}"#).unwrap();
        assert_eq!(take::<String>(&mut m, "a").as_deref(), Some("x"));
        assert_eq!(take::<String>(&mut m, "b"), None);
        assert_eq!(take::<String>(&mut m, "c"), None);
        assert_eq!(take::<String>(&mut m, "missing"), None);
        assert!(!m.contains_key("a"));
        assert!(m.contains_key("b") && m.contains_key("c"));
    }

    #[test]
    fn body_serialises_the_password_last_and_debug_free() {
        let pw = UserPassword::new("hunter2");
        let mut fields = Map::new();
        fields.insert("a".into(), Value::from(1));
        let body = Body {
            fields,
            password: Some(&pw),
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"a":1,"password":"hunter2"}"#
        );
    }
}
