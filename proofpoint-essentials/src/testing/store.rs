//! The fake's state: users, groups and registered domains, with the vendor's rules.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

/// What a handler answers: status and JSON body (`Value::Null` for none).
pub(crate) type Answer = (u16, Value);

/// Field defaults a full-replace PUT falls back to when a field is omitted.
pub(crate) const DEFAULT_ROLES: &[&str] = &["USER"];
pub(crate) const DEFAULT_MAILBOX_MB: u64 = 1024;

#[derive(Debug, Clone)]
pub(crate) struct StoredUser {
    pub(crate) primary_email: String,
    pub(crate) uid: u64,
    pub(crate) user_type: String,
    pub(crate) first_name: Option<String>,
    pub(crate) last_name: Option<String>,
    pub(crate) roles: Vec<String>,
    pub(crate) aliases: Vec<String>,
    pub(crate) mailbox_size: u64,
    pub(crate) spam_policy: Value,
    pub(crate) status: String,
    pub(crate) allow_list: Vec<String>,
    pub(crate) block_list: Vec<String>,
    pub(crate) password: Option<String>,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
    pub(crate) extra: Map<String, Value>,
}

#[derive(Debug, Clone)]
pub(crate) struct StoredGroup {
    pub(crate) name: String,
    /// Member keys (lower-case primary emails).
    pub(crate) members: BTreeSet<String>,
}

/// The organization's data.
#[derive(Debug, Default)]
pub(crate) struct Store {
    /// By lower-case primary email.
    pub(crate) users: BTreeMap<String, StoredUser>,
    /// By group id, in id order.
    pub(crate) groups: BTreeMap<String, StoredGroup>,
    /// Lower-case domains users may have.
    pub(crate) domains: BTreeSet<String>,
    /// Lower-case alias → lower-case primary email of its owner, kept with `users` by
    /// `put` and `remove`, so that an address lookup is not a scan of every user (a
    /// 100,000-user bench fake was quadratic to fill).
    alias_owners: BTreeMap<String, String>,
    next_uid: u64,
    tick: u64,
}

fn err(status: u16, code: &str, message: impl Into<String>) -> Answer {
    (status, json!({ "code": code, "message": message.into() }))
}

fn domain_of(email: &str) -> String {
    email
        .rsplit_once('@')
        .map(|(_, d)| d.to_lowercase())
        .unwrap_or_default()
}

fn strings(v: Option<&Value>) -> Result<Option<Vec<String>>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| "expected strings".to_owned())
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err("expected an array of strings".to_owned()),
    }
}

/// The wire names of one surface, so one set of rules serves both.
pub(crate) struct Keys {
    pub(crate) email: &'static str,
    pub(crate) first: &'static str,
    pub(crate) last: &'static str,
    pub(crate) aliases: &'static str,
    pub(crate) rest: bool,
}

pub(crate) const REST: Keys = Keys {
    email: "primaryEmail",
    first: "firstName",
    last: "lastName",
    aliases: "aliases",
    rest: true,
};

pub(crate) const INTERFACE: Keys = Keys {
    email: "primary_email",
    first: "firstname",
    last: "surname",
    aliases: "alias_emails",
    rest: false,
};

/// Keys the fake understands on each surface; everything else is kept verbatim.
const REST_KNOWN: &[&str] = &[
    "primaryEmail",
    "firstName",
    "lastName",
    "password",
    "type",
    "roles",
    "aliases",
    "groups",
    "mailboxSize",
    "spamPolicy",
    "status",
    "createdAt",
    "updatedAt",
];
const INTERFACE_KNOWN: &[&str] = &[
    "uid",
    "primary_email",
    "firstname",
    "surname",
    "password",
    "type",
    "alias_emails",
    "is_active",
    "white_list_senders",
    "safe_list_senders",
    "black_list_senders",
    "block_list_senders",
    "send_welcome_email",
];

impl Store {
    pub(crate) fn new(domains: impl IntoIterator<Item = String>) -> Self {
        Self {
            domains: domains.into_iter().map(|d| d.to_lowercase()).collect(),
            next_uid: 1000,
            ..Self::default()
        }
    }

    fn now(&mut self) -> String {
        self.tick += 1;
        let t = self.tick;
        format!(
            "2025-01-01T{:02}:{:02}:{:02}Z",
            (t / 3600) % 24,
            (t / 60) % 60,
            t % 60
        )
    }

    /// Which user owns `address` as primary email or alias.
    fn owner_of(&self, address: &str) -> Option<&str> {
        let key = address.to_lowercase();
        if let Some(u) = self.users.get(&key) {
            return Some(u.primary_email.as_str());
        }
        let owner = self.alias_owners.get(&key)?;
        self.users.get(owner).map(|u| u.primary_email.as_str())
    }

    /// Stores `user` under `key` (its lower-case primary email), replacing the user there
    /// and its aliases.
    fn put(&mut self, key: String, user: StoredUser) {
        self.remove(&key);
        for a in &user.aliases {
            self.alias_owners.insert(a.to_lowercase(), key.clone());
        }
        self.users.insert(key, user);
    }

    /// Removes the user stored under `key` and its aliases.
    fn remove(&mut self, key: &str) -> Option<StoredUser> {
        let user = self.users.remove(key)?;
        for a in &user.aliases {
            self.alias_owners.remove(&a.to_lowercase());
        }
        Some(user)
    }

    fn groups_of(&self, key: &str) -> Vec<String> {
        self.groups
            .iter()
            .filter(|(_, g)| g.members.contains(key))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The REST representation (camelCase, groups by id, never the password).
    pub(crate) fn rest_json(&self, u: &StoredUser) -> Value {
        let mut m = u.extra.clone();
        m.insert("primaryEmail".into(), json!(u.primary_email));
        if let Some(f) = &u.first_name {
            m.insert("firstName".into(), json!(f));
        }
        if let Some(l) = &u.last_name {
            m.insert("lastName".into(), json!(l));
        }
        m.insert("type".into(), json!(u.user_type));
        m.insert("roles".into(), json!(u.roles));
        m.insert("aliases".into(), json!(u.aliases));
        m.insert(
            "groups".into(),
            json!(self.groups_of(&u.primary_email.to_lowercase())),
        );
        m.insert("mailboxSize".into(), json!(u.mailbox_size));
        m.insert("spamPolicy".into(), u.spam_policy.clone());
        m.insert("status".into(), json!(u.status));
        m.insert("createdAt".into(), json!(u.created_at));
        m.insert("updatedAt".into(), json!(u.updated_at));
        Value::Object(m)
    }

    /// The interface API representation (snake_case, `is_active`, never the password).
    pub(crate) fn interface_json(u: &StoredUser) -> Value {
        let mut m = u.extra.clone();
        m.insert("uid".into(), json!(u.uid));
        m.insert("primary_email".into(), json!(u.primary_email));
        if let Some(f) = &u.first_name {
            m.insert("firstname".into(), json!(f));
        }
        if let Some(l) = &u.last_name {
            m.insert("surname".into(), json!(l));
        }
        m.insert("type".into(), json!(u.user_type));
        m.insert("is_active".into(), json!(u.status == "active"));
        m.insert("alias_emails".into(), json!(u.aliases));
        m.insert("white_list_senders".into(), json!(u.allow_list));
        m.insert("black_list_senders".into(), json!(u.block_list));
        Value::Object(m)
    }

    pub(crate) fn get(&self, email: &str) -> Option<&StoredUser> {
        self.users.get(&email.to_lowercase())
    }

    /// Applies a create or full-replace body onto `base`: every field the body omits
    /// goes back to its default (that is what "PUT is a full replacement" means).
    fn apply(
        &self,
        base: &mut StoredUser,
        body: &Map<String, Value>,
        k: &Keys,
    ) -> Result<(), Answer> {
        let bad = |m: String| err(400, "INVALID_FIELD", m);
        let text = |key: &str| -> Result<Option<String>, Answer> {
            match body.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(bad(format!("`{key}` must be a string"))),
            }
        };
        base.first_name = text(k.first)?;
        base.last_name = text(k.last)?;
        base.aliases = strings(body.get(k.aliases))
            .map_err(|e| bad(format!("`{}`: {e}", k.aliases)))?
            .unwrap_or_default();
        if let Some(p) = text("password")? {
            base.password = Some(p);
        }
        if k.rest {
            base.roles = strings(body.get("roles"))
                .map_err(|e| bad(format!("`roles`: {e}")))?
                .unwrap_or_else(|| DEFAULT_ROLES.iter().map(|s| (*s).to_owned()).collect());
            base.mailbox_size = match body.get("mailboxSize") {
                None | Some(Value::Null) => DEFAULT_MAILBOX_MB,
                Some(v) => v
                    .as_u64()
                    .ok_or_else(|| bad("`mailboxSize` must be an integer".into()))?,
            };
            base.spam_policy = body
                .get("spamPolicy")
                .cloned()
                .unwrap_or_else(|| json!({"level": "default"}));
            base.status = text("status")?.unwrap_or_else(|| "active".into());
        } else {
            base.status = match body.get("is_active") {
                None | Some(Value::Null) => "active".into(),
                Some(Value::Bool(true)) => "active".into(),
                Some(Value::Bool(false)) => "inactive".into(),
                Some(_) => return Err(bad("`is_active` must be a boolean".into())),
            };
            let list = |a: &str, b: &str| -> Result<Vec<String>, Answer> {
                let x = strings(body.get(a)).map_err(|e| bad(format!("`{a}`: {e}")))?;
                let y = strings(body.get(b)).map_err(|e| bad(format!("`{b}`: {e}")))?;
                Ok(x.or(y).unwrap_or_default())
            };
            base.allow_list = list("white_list_senders", "safe_list_senders")?;
            base.block_list = list("black_list_senders", "block_list_senders")?;
        }
        let known = if k.rest { REST_KNOWN } else { INTERFACE_KNOWN };
        base.extra = body
            .iter()
            .filter(|(key, _)| !known.contains(&key.as_str()))
            .map(|(key, v)| (key.clone(), v.clone()))
            .collect();
        Ok(())
    }

    /// Alias addresses must be free (not another user's primary email or alias).
    fn check_aliases(&self, aliases: &[String], owner: &str) -> Result<(), Answer> {
        for a in aliases {
            if let Some(o) = self.owner_of(a)
                && o.to_lowercase() != owner.to_lowercase()
            {
                return Err(err(
                    409,
                    "ALIAS_IN_USE",
                    format!("The address {a} is already in use"),
                ));
            }
        }
        Ok(())
    }

    /// `POST /users` (one user), on either surface.
    pub(crate) fn create(&mut self, body: &Value, k: &Keys) -> Result<StoredUser, Answer> {
        let Some(body) = body.as_object() else {
            return Err(err(400, "INVALID_BODY", "the body must be a JSON object"));
        };
        let Some(email) = body
            .get(k.email)
            .and_then(Value::as_str)
            .filter(|e| e.contains('@'))
        else {
            return Err(err(
                400,
                "INVALID_FIELD",
                format!("`{}` is required", k.email),
            ));
        };
        let Some(user_type) = body.get("type").and_then(Value::as_str) else {
            return Err(err(400, "INVALID_FIELD", "`type` is required"));
        };
        let domain = domain_of(email);
        if !self.domains.contains(&domain) {
            return Err(err(
                400,
                "DOMAIN_NOT_REGISTERED",
                format!("The domain '{domain}' is not registered for this organization"),
            ));
        }
        if self.owner_of(email).is_some() {
            return Err(err(
                409,
                "USER_EXISTS",
                format!("The user {email} already exists"),
            ));
        }
        let now = self.now();
        self.next_uid += 1;
        let mut user = StoredUser {
            primary_email: email.to_owned(),
            uid: self.next_uid,
            user_type: user_type.to_owned(),
            first_name: None,
            last_name: None,
            roles: Vec::new(),
            aliases: Vec::new(),
            mailbox_size: DEFAULT_MAILBOX_MB,
            spam_policy: Value::Null,
            status: String::new(),
            allow_list: Vec::new(),
            block_list: Vec::new(),
            password: None,
            created_at: now.clone(),
            updated_at: now,
            extra: Map::new(),
        };
        self.apply(&mut user, body, k)?;
        self.check_aliases(&user.aliases, email)?;
        let key = email.to_lowercase();
        if k.rest
            && let Some(groups) =
                strings(body.get("groups")).map_err(|e| err(400, "INVALID_FIELD", e))?
        {
            self.set_groups(&key, &groups)?;
        }
        self.put(key, user.clone());
        Ok(user)
    }

    fn set_groups(&mut self, key: &str, ids: &[String]) -> Result<(), Answer> {
        if let Some(missing) = ids.iter().find(|id| !self.groups.contains_key(*id)) {
            return Err(err(
                400,
                "INVALID_FIELD",
                format!("There is no group {missing}"),
            ));
        }
        for (id, g) in self.groups.iter_mut() {
            if ids.contains(id) {
                g.members.insert(key.to_owned());
            } else {
                g.members.remove(key);
            }
        }
        Ok(())
    }

    /// `PUT /users/{email}`: a full replacement.
    pub(crate) fn replace(
        &mut self,
        email: &str,
        body: &Value,
        k: &Keys,
    ) -> Result<StoredUser, Answer> {
        let key = email.to_lowercase();
        let Some(current) = self.users.get(&key).cloned() else {
            return Err(not_found_user(email));
        };
        let Some(body) = body.as_object() else {
            return Err(err(400, "INVALID_BODY", "the body must be a JSON object"));
        };
        if let Some(sent) = body.get(k.email)
            && sent.as_str().map(str::to_lowercase) != Some(key.clone())
        {
            return Err(err(
                400,
                "IMMUTABLE_FIELD",
                format!("`{}` cannot be changed", k.email),
            ));
        }
        if let Some(t) = body.get("type")
            && t.as_str() != Some(current.user_type.as_str())
        {
            return Err(err(400, "IMMUTABLE_FIELD", "`type` cannot be changed"));
        }
        let mut next = current.clone();
        self.apply(&mut next, body, k)?;
        self.check_aliases(&next.aliases, email)?;
        if k.rest {
            let groups = strings(body.get("groups")).map_err(|e| err(400, "INVALID_FIELD", e))?;
            // Omitted means reset: the user leaves every group.
            self.set_groups(&key, &groups.unwrap_or_default())?;
        }
        next.updated_at = self.now();
        self.put(key, next.clone());
        Ok(next)
    }

    /// `DELETE /users/{email}`: the user, its aliases and its memberships go.
    pub(crate) fn delete(&mut self, email: &str) -> Result<(), Answer> {
        let key = email.to_lowercase();
        if self.remove(&key).is_none() {
            return Err(not_found_user(email));
        }
        for g in self.groups.values_mut() {
            g.members.remove(&key);
        }
        Ok(())
    }

    pub(crate) fn add_member(&mut self, group: &str, email: &str) -> Result<Value, Answer> {
        let key = email.to_lowercase();
        if !self.groups.contains_key(group) {
            return Err(err(
                404,
                "GROUP_NOT_FOUND",
                format!("There is no group {group}"),
            ));
        }
        let Some(user) = self.users.get(&key) else {
            return Err(not_found_user(email));
        };
        let primary = user.primary_email.clone();
        if let Some(g) = self.groups.get_mut(group) {
            g.members.insert(key);
        }
        Ok(json!({ "groupId": group, "primaryEmail": primary }))
    }

    pub(crate) fn remove_member(&mut self, group: &str, email: &str) -> Result<(), Answer> {
        let key = email.to_lowercase();
        let Some(g) = self.groups.get_mut(group) else {
            return Err(err(
                404,
                "GROUP_NOT_FOUND",
                format!("There is no group {group}"),
            ));
        };
        if !g.members.remove(&key) {
            return Err(err(
                404,
                "NOT_A_MEMBER",
                format!("{email} is not a member of {group}"),
            ));
        }
        Ok(())
    }

    pub(crate) fn group_json(id: &str, g: &StoredGroup) -> Value {
        json!({ "id": id, "name": g.name, "memberCount": g.members.len() })
    }
}

pub(crate) fn not_found_user(email: &str) -> Answer {
    err(404, "USER_NOT_FOUND", format!("There is no user {email}"))
}

pub(crate) fn error(status: u16, code: &str, message: impl Into<String>) -> Answer {
    err(status, code, message)
}
