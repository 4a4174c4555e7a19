//! The REST surface's wire format (camelCase), as the seed specifies it.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Body, put, take};
use crate::model::{Group, ListKey, NewUser, PrimaryEmail, User, UserStatus, UserType};
use crate::{Error, Result, Surface};

/// A user as the REST surface sends it.
#[derive(Debug, Deserialize)]
pub(crate) struct UserIn {
    #[serde(rename = "primaryEmail")]
    primary_email: PrimaryEmail,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

impl UserIn {
    pub(crate) fn into_user(self) -> User {
        let mut m = self.rest;
        // Write-only: never read back, even if a server echoes it.
        m.remove("password");
        User {
            primary_email: self.primary_email,
            user_type: take::<String>(&mut m, "type").map(|t| UserType::parse(&t)),
            first_name: take(&mut m, "firstName"),
            last_name: take(&mut m, "lastName"),
            password: None,
            roles: take(&mut m, "roles"),
            aliases: take(&mut m, "aliases"),
            groups: take(&mut m, "groups"),
            mailbox_size: take(&mut m, "mailboxSize"),
            spam_policy: take(&mut m, "spamPolicy"),
            status: take::<String>(&mut m, "status").map(|s| UserStatus::parse(&s)),
            sender_allow_list: None,
            sender_block_list: None,
            created_at: take(&mut m, "createdAt"),
            updated_at: take(&mut m, "updatedAt"),
            extra: m,
            origin: Surface::RestV2,
            allow_key: ListKey::default(),
            block_key: ListKey::default(),
        }
    }
}

/// `GET /users`: `{"users": [...], "total": n}`.
#[derive(Debug, Deserialize)]
pub(crate) struct UserList {
    #[serde(default)]
    pub(crate) users: Vec<UserIn>,
    #[serde(default)]
    pub(crate) total: Option<u64>,
}

/// `GET /groups`: `{"groups": [...], "total": n}` (`total` is not in the seed's example).
#[derive(Debug, Deserialize)]
pub(crate) struct GroupList {
    #[serde(default)]
    pub(crate) groups: Vec<Group>,
    #[serde(default)]
    pub(crate) total: Option<u64>,
}

fn interface_only(field: &str) -> Error {
    Error::invalid_input(format!(
        "`{field}` exists only on the Essentials interface API; the REST surface has no such field, so it would be lost"
    ))
}

/// The full user for a PUT. `primaryEmail` is not sent (the path names the user and the
/// seed's PUT example omits it), nor are the system-set timestamps; everything else is,
/// unknown fields included, because omitting a field may reset it.
pub(crate) fn user_body(user: &User) -> Result<Body<'_>> {
    if user.sender_allow_list.is_some() {
        return Err(interface_only("sender_allow_list"));
    }
    if user.sender_block_list.is_some() {
        return Err(interface_only("sender_block_list"));
    }
    let mut m = user.extra.clone();
    put(
        &mut m,
        "type",
        user.user_type.as_ref().map(UserType::as_str),
    );
    put(&mut m, "firstName", user.first_name.as_ref());
    put(&mut m, "lastName", user.last_name.as_ref());
    put(&mut m, "roles", user.roles.as_ref());
    put(&mut m, "aliases", user.aliases.as_ref());
    put(&mut m, "groups", user.groups.as_ref());
    put(&mut m, "mailboxSize", user.mailbox_size.as_ref());
    put(&mut m, "spamPolicy", user.spam_policy.as_ref());
    put(
        &mut m,
        "status",
        user.status.as_ref().map(UserStatus::as_str),
    );
    Ok(Body {
        fields: m,
        password: user.password.as_ref(),
    })
}

/// The body of `POST /users`.
pub(crate) fn new_user_body(user: &NewUser) -> Result<Body<'_>> {
    if user.user_type.is_interface_only() {
        return Err(Error::invalid_input(format!(
            "user type `{}` belongs to the Essentials interface API; the REST surface documents `User` and `Alias`",
            user.user_type
        )));
    }
    if user.sender_allow_list.is_some() {
        return Err(interface_only("sender_allow_list"));
    }
    if user.sender_block_list.is_some() {
        return Err(interface_only("sender_block_list"));
    }
    if user.send_welcome_email.is_some() {
        return Err(interface_only("send_welcome_email"));
    }
    let mut m = user.extra.clone();
    put(&mut m, "primaryEmail", Some(&user.primary_email));
    put(&mut m, "type", Some(&user.user_type.as_str()));
    put(&mut m, "firstName", user.first_name.as_ref());
    put(&mut m, "lastName", user.last_name.as_ref());
    put(&mut m, "roles", user.roles.as_ref());
    put(&mut m, "aliases", user.aliases.as_ref());
    put(&mut m, "mailboxSize", user.mailbox_size.as_ref());
    put(&mut m, "spamPolicy", user.spam_policy.as_ref());
    put(
        &mut m,
        "status",
        user.status.as_ref().map(UserStatus::as_str),
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
    fn round_trip_keeps_unknown_fields_and_odd_values() {
        let user = read(
            r#"{"primaryEmail":"a@x.io","firstName":"A","type":"User","mailboxSize":"1024",
                "costCenter":"42","status":"active","createdAt":"2024-01-01T00:00:00Z",
                "password":"leaked?","roles":["USER"]}"#,
        );
        assert_eq!(user.first_name.as_deref(), Some("A"));
        assert_eq!(user.mailbox_size, None);
        assert_eq!(user.extra["mailboxSize"], "1024");
        assert!(user.password.is_none());
        assert!(!user.extra.contains_key("password"));
        let body = serde_json::to_value(user_body(&user).unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"firstName":"A","type":"User","mailboxSize":"1024",
                "costCenter":"42","status":"active","roles":["USER"]})
        );
    }

    #[test]
    fn interface_fields_are_refused_not_dropped() {
        let mut user = read(r#"{"primaryEmail":"a@x.io"}"#);
        user.sender_allow_list = Some(vec!["b@y.io".into()]);
        assert!(user_body(&user).is_err());
        let new = NewUser::new(PrimaryEmail::new("a@x.io").unwrap(), UserType::EndUser);
        assert!(new_user_body(&new).is_err());
    }
}
