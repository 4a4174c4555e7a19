//! The Essentials interface API's wire format (snake_case, `/api/v1`).
//!
//! Field names follow the public clients surveyed in `research/vendor-apis.md` §A.2; where
//! they disagree (`white_list_senders` vs `safe_list_senders`, `black_list_senders` vs
//! `block_list_senders`) both are read and the one read is the one written back.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Body, put, take};
use crate::model::{ListKey, NewUser, PrimaryEmail, User, UserStatus, UserType};
use crate::{Error, Result, Surface};
use idgraph_common::error::quote;

/// A user as the interface API sends it.
#[derive(Debug, Deserialize)]
pub(crate) struct UserIn {
    pub(crate) primary_email: PrimaryEmail,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// Takes a sender list under either spelling, remembering which one it was.
fn take_list(
    m: &mut Map<String, Value>,
    legacy: &str,
    current: &str,
) -> (Option<Vec<String>>, ListKey) {
    // Only take a key whose value parses; a malformed one stays in `extra` verbatim.
    let l: Option<Vec<String>> = take(m, legacy);
    let c: Option<Vec<String>> = take(m, current);
    match (l, c) {
        (Some(l), Some(c)) => {
            // Both present: keep the union in one field, write both back.
            let mut all = l;
            for s in c {
                if !all.contains(&s) {
                    all.push(s);
                }
            }
            (Some(all), ListKey::Both)
        }
        (Some(l), None) => (Some(l), ListKey::Legacy),
        (None, Some(c)) => (Some(c), ListKey::Current),
        (None, None) => (None, ListKey::Legacy),
    }
}

impl UserIn {
    pub(crate) fn into_user(self) -> User {
        let mut m = self.rest;
        m.remove("password");
        let (allow, allow_key) = take_list(&mut m, "white_list_senders", "safe_list_senders");
        let (block, block_key) = take_list(&mut m, "black_list_senders", "block_list_senders");
        User {
            primary_email: self.primary_email,
            user_type: take::<String>(&mut m, "type").map(|t| UserType::parse(&t)),
            first_name: take(&mut m, "firstname"),
            last_name: take(&mut m, "surname"),
            password: None,
            roles: None,
            aliases: take(&mut m, "alias_emails"),
            groups: None,
            mailbox_size: None,
            spam_policy: None,
            status: take::<bool>(&mut m, "is_active").map(|a| {
                if a {
                    UserStatus::Active
                } else {
                    UserStatus::Inactive
                }
            }),
            sender_allow_list: allow,
            sender_block_list: block,
            created_at: None,
            updated_at: None,
            extra: m,
            origin: Surface::InterfaceV1,
            allow_key,
            block_key,
        }
    }
}

/// `GET /orgs/{domain}/users`: `{"users": [...]}`, unpaginated.
#[derive(Debug, Deserialize)]
pub(crate) struct UserList {
    #[serde(default)]
    pub(crate) users: Vec<UserIn>,
}

/// One entry of a batch create's `errors[]`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct BatchError {
    #[serde(default)]
    pub(crate) status: Option<u16>,
    #[serde(default, alias = "message", alias = "error")]
    pub(crate) error_message: Option<String>,
    #[serde(default, alias = "primary_email", alias = "email")]
    pub(crate) identifier: Option<String>,
}

/// What a create answered, in any of the shapes public clients report: `{"users": [...],
/// "errors": [...]}`, a bare array of users, or one bare user.
#[derive(Debug, Default)]
pub(crate) struct BatchAnswer {
    pub(crate) users: Vec<User>,
    pub(crate) errors: Vec<BatchError>,
}

impl BatchAnswer {
    pub(crate) fn parse(body: &[u8]) -> Self {
        let Ok(value) = serde_json::from_slice::<Value>(body) else {
            return Self::default();
        };
        let users_of = |v: Vec<Value>| -> Vec<User> {
            v.into_iter()
                .filter_map(|u| serde_json::from_value::<UserIn>(u).ok())
                .map(UserIn::into_user)
                .collect()
        };
        match value {
            Value::Array(items) => Self {
                users: users_of(items),
                errors: Vec::new(),
            },
            Value::Object(mut obj) if obj.contains_key("users") || obj.contains_key("errors") => {
                let users = match obj.remove("users") {
                    Some(Value::Array(items)) => users_of(items),
                    _ => Vec::new(),
                };
                let errors = match obj.remove("errors") {
                    Some(Value::Array(items)) => items
                        .into_iter()
                        .filter_map(|e| serde_json::from_value(e).ok())
                        .collect(),
                    _ => Vec::new(),
                };
                Self { users, errors }
            }
            single @ Value::Object(_) => Self {
                users: users_of(vec![single]),
                errors: Vec::new(),
            },
            _ => Self::default(),
        }
    }
}

fn rest_only(field: &str) -> Error {
    Error::invalid_input(format!(
        "`{field}` exists only on the REST surface; the Essentials interface API has no such field, so it would be lost (pass a field your deployment has with `extra`)"
    ))
}

fn is_active(status: Option<&UserStatus>) -> Result<Option<bool>> {
    match status {
        None => Ok(None),
        Some(UserStatus::Active) => Ok(Some(true)),
        Some(UserStatus::Inactive) => Ok(Some(false)),
        Some(UserStatus::Other(s)) => Err(Error::invalid_input(format!(
            "status {} cannot be sent to the Essentials interface API, whose `is_active` is a boolean; use UserStatus::Active or UserStatus::Inactive",
            quote(s)
        ))),
    }
}

fn put_list(
    m: &mut Map<String, Value>,
    key: ListKey,
    legacy: &str,
    current: &str,
    v: Option<&Vec<String>>,
) {
    match key {
        ListKey::Legacy => put(m, legacy, v),
        ListKey::Current => put(m, current, v),
        ListKey::Both => {
            put(m, legacy, v);
            put(m, current, v);
        }
    }
}

/// The whole user for a PUT, as public clients send it: everything read (the `uid`
/// included, kept in `extra`), with the changes applied.
pub(crate) fn user_body(user: &User) -> Result<Body<'_>> {
    for (set, field) in [
        (user.roles.is_some(), "roles"),
        (user.groups.is_some(), "groups"),
        (user.mailbox_size.is_some(), "mailbox_size"),
        (user.spam_policy.is_some(), "spam_policy"),
    ] {
        if set {
            return Err(rest_only(field));
        }
    }
    let mut m = user.extra.clone();
    put(&mut m, "primary_email", Some(&user.primary_email));
    put(
        &mut m,
        "type",
        user.user_type.as_ref().map(UserType::as_str),
    );
    put(&mut m, "firstname", user.first_name.as_ref());
    put(&mut m, "surname", user.last_name.as_ref());
    put(&mut m, "alias_emails", user.aliases.as_ref());
    put(
        &mut m,
        "is_active",
        is_active(user.status.as_ref())?.as_ref(),
    );
    put_list(
        &mut m,
        user.allow_key,
        "white_list_senders",
        "safe_list_senders",
        user.sender_allow_list.as_ref(),
    );
    put_list(
        &mut m,
        user.block_key,
        "black_list_senders",
        "block_list_senders",
        user.sender_block_list.as_ref(),
    );
    Ok(Body {
        fields: m,
        password: user.password.as_ref(),
    })
}

/// One user of a create (single or batch).
pub(crate) fn new_user_body(user: &NewUser) -> Result<Body<'_>> {
    if user.user_type.is_rest_only() {
        return Err(Error::invalid_input(format!(
            "user type `{}` belongs to the REST surface; the Essentials interface API uses, for example, `end_user` (UserType::EndUser)",
            user.user_type
        )));
    }
    for (set, field) in [
        (user.roles.is_some(), "roles"),
        (user.mailbox_size.is_some(), "mailbox_size"),
        (user.spam_policy.is_some(), "spam_policy"),
    ] {
        if set {
            return Err(rest_only(field));
        }
    }
    let mut m = user.extra.clone();
    put(&mut m, "primary_email", Some(&user.primary_email));
    put(&mut m, "type", Some(&user.user_type.as_str()));
    put(&mut m, "firstname", user.first_name.as_ref());
    put(&mut m, "surname", user.last_name.as_ref());
    put(&mut m, "alias_emails", user.aliases.as_ref());
    put(
        &mut m,
        "is_active",
        is_active(user.status.as_ref())?.as_ref(),
    );
    put(
        &mut m,
        "white_list_senders",
        user.sender_allow_list.as_ref(),
    );
    put(
        &mut m,
        "black_list_senders",
        user.sender_block_list.as_ref(),
    );
    put(
        &mut m,
        "send_welcome_email",
        user.send_welcome_email.as_ref(),
    );
    Ok(Body {
        fields: m,
        password: user.password.as_ref(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> User {
        serde_json::from_str::<UserIn>(json).unwrap().into_user()
    }

    #[test]
    fn sender_lists_are_written_back_under_the_key_they_were_read_from() {
        let u = read(
            r#"{"primary_email":"a@x.io","safe_list_senders":["s@y.io"],"black_list_senders":[]}"#,
        );
        assert_eq!(
            u.sender_allow_list.as_deref(),
            Some(&["s@y.io".to_owned()][..])
        );
        let body = serde_json::to_value(user_body(&u).unwrap()).unwrap();
        assert_eq!(body["safe_list_senders"], serde_json::json!(["s@y.io"]));
        assert!(body.get("white_list_senders").is_none());
        assert_eq!(body["black_list_senders"], serde_json::json!([]));
        assert!(body.get("block_list_senders").is_none());
    }

    #[test]
    fn is_active_maps_to_status_and_back() {
        let mut u =
            read(r#"{"primary_email":"a@x.io","is_active":true,"uid":7,"is_billable":true}"#);
        assert_eq!(u.status, Some(UserStatus::Active));
        assert_eq!(u.uid(), Some(7));
        u.status = Some(UserStatus::Inactive);
        let body = serde_json::to_value(user_body(&u).unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"primary_email":"a@x.io","is_active":false,"uid":7,"is_billable":true})
        );
        u.status = Some(UserStatus::Other("locked".into()));
        assert!(user_body(&u).is_err());
    }

    #[test]
    fn batch_answers_in_every_shape() {
        let a = BatchAnswer::parse(br#"{"users":[{"primary_email":"a@x.io"}],"errors":[{"status":400,"error_message":"bad","identifier":"b@x.io"}]}"#);
        assert_eq!((a.users.len(), a.errors.len()), (1, 1));
        let a = BatchAnswer::parse(br#"[{"primary_email":"a@x.io"},{"primary_email":"b@x.io"}]"#);
        assert_eq!(a.users.len(), 2);
        let a = BatchAnswer::parse(br#"{"primary_email":"a@x.io"}"#);
        assert_eq!(a.users.len(), 1);
        assert!(BatchAnswer::parse(b"").users.is_empty());
    }
}
