//! The in-memory state of a [`ScimFake`](super::ScimFake): resources, a logical clock, and
//! the standard (RFC 7644) create / replace / patch / delete operations that vendor hooks
//! can reuse.

use std::time::{SystemTime, UNIX_EPOCH};

use scim_types::{Group, PatchOperation, ScimError, ScimType, User};
use serde_json::{Map, Value};

use super::scim_filter::key_ci;
use super::scim_patch::apply_patch_operation;

/// Which resource endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// `/Users`
    User,
    /// `/Groups`
    Group,
}

impl Kind {
    /// The endpoint name (`"Users"`).
    pub fn endpoint(self) -> &'static str {
        match self {
            Kind::User => "Users",
            Kind::Group => "Groups",
        }
    }

    /// The `meta.resourceType` (`"User"`).
    pub fn resource_type(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
        }
    }

    /// The core schema URN.
    pub fn schema(self) -> &'static str {
        match self {
            Kind::User => scim_types::urn::USER,
            Kind::Group => scim_types::urn::GROUP,
        }
    }
}

/// How listings page (`startIndex`/`count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Paging {
    /// RFC 7644 §3.4.2.4: `startIndex` (1-based) and `count`, clamped to `max_page_size`
    /// (also the default `count`); `count=0` returns no resources, only `totalResults`.
    Honour {
        /// The largest page the server returns.
        max_page_size: u32,
    },
    /// The server ignores paging and returns every matching resource on every request,
    /// echoing the requested `startIndex` and the clamped `count` as `itemsPerPage`, with
    /// `totalResults` = the number returned (Probo).
    ReturnEverything {
        /// The clamp applied to the echoed `count`.
        max_count: u32,
    },
}

/// What a `PUT` does with attributes the body leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PutSemantics {
    /// RFC 7644 §3.5.1: the body replaces the resource (absent attributes are cleared).
    Replace,
    /// Absent attributes keep their stored value (a common server shortcut).
    Merge,
}

/// What a `DELETE` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeleteSemantics {
    /// The resource is gone; a later `GET` answers 404.
    Hard,
    /// The user is only deactivated (`active: false`) and stays listed; the answer is
    /// still 204.
    Deactivate,
}

/// The declarative knobs of a fake (set them through
/// [`ScimFakeBuilder`](super::ScimFakeBuilder)); anything finer goes through
/// [`Hooks`](super::Hooks).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Behaviour {
    /// Listing pagination. Default: honoured, pages of at most 100.
    pub paging: Paging,
    /// `PUT` semantics. Default [`PutSemantics::Replace`].
    pub put: PutSemantics,
    /// `DELETE` semantics. Default [`DeleteSemantics::Hard`].
    pub delete: DeleteSemantics,
    /// Versions resources: `meta.version` and `ETag` are sent, and `If-Match` is checked
    /// (412 on mismatch). Default `false`.
    pub etags: bool,
    /// Refuses a second user with the same `userName` (ignoring case) with 409
    /// `uniqueness`. Default `true`.
    pub unique_user_name: bool,
    /// Serves `/Groups`. Default `true`.
    pub groups: bool,
    /// Serves `POST /.search` and `POST /{Endpoint}/.search`. Default `true`.
    pub search: bool,
    /// Sends a `Location` header on 201. Default `true`.
    pub location_header: bool,
    /// `PATCH` answers 200 with the resource (else 204). Default `true`.
    pub patch_returns_resource: bool,
    /// Writes the SCIM error `status` as a JSON number instead of the RFC's string.
    /// Default `false`.
    pub error_status_as_number: bool,
    /// Supports `PATCH` (RFC 7644 §3.5.2 makes it optional). Off, the
    /// `ServiceProviderConfig` says `patch.supported: false` and every `PATCH` is answered
    /// 501, as a PUT-only server does. Default `true`.
    pub patch: bool,
    /// Supports filtering (RFC 7644 §3.4.2.2 makes it optional). Off, the
    /// `ServiceProviderConfig` says `filter.supported: false` and any listing or search
    /// that carries a filter is answered 501, so a client that filters anyway fails
    /// instead of being handed everyone. Default `true`.
    pub filter: bool,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            paging: Paging::Honour { max_page_size: 100 },
            put: PutSemantics::Replace,
            delete: DeleteSemantics::Hard,
            etags: false,
            unique_user_name: true,
            groups: true,
            search: true,
            location_header: true,
            patch_returns_resource: true,
            error_status_as_number: false,
            patch: true,
            filter: true,
        }
    }
}

/// One stored resource.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Stored {
    /// The resource's `id`.
    pub id: String,
    /// The resource as stored (a JSON object with canonical attribute names, `id` and
    /// `meta` included). What clients see is [`Hooks::render`](super::Hooks::render) of it.
    pub resource: Value,
    /// Incremented on every change; `meta.version` is `W/"<version>"` with ETags on.
    pub version: u64,
    /// Vendor-private state that is never rendered (for example Probo's "referenced by a
    /// signature" flag or a profile's source). Hooks read and write it freely.
    pub internal: Map<String, Value>,
}

impl Stored {
    /// A string attribute of the stored resource (exact key, then any case).
    pub fn str_attr(&self, name: &str) -> Option<&str> {
        let obj = self.resource.as_object()?;
        let key = key_ci(obj, name)?;
        obj.get(&key)?.as_str()
    }

    /// The stored `userName` (empty for groups).
    pub fn user_name(&self) -> &str {
        self.str_attr("userName").unwrap_or_default()
    }

    /// A typed view of the stored resource.
    pub fn to_user(&self) -> Option<User> {
        serde_json::from_value(self.resource.clone()).ok()
    }
}

/// The fake's state: users, groups, a logical clock. Hooks get `&mut Store` and may call
/// the `standard_*` operations, then adjust the result.
#[derive(Debug)]
pub struct Store {
    behaviour: Behaviour,
    base_url: String,
    users: Vec<Stored>,
    groups: Vec<Stored>,
    next_seq: u64,
    clock: u64,
}

impl Store {
    pub(crate) fn new(behaviour: Behaviour, base_url: String) -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1_767_225_600, |d| d.as_secs());
        Self {
            behaviour,
            base_url,
            users: Vec::new(),
            groups: Vec::new(),
            next_seq: 1,
            clock: now,
        }
    }

    /// The knobs this fake runs with.
    pub fn behaviour(&self) -> &Behaviour {
        &self.behaviour
    }

    /// The SCIM root URL clients talk to (`http://127.0.0.1:PORT/scim/v2`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Advances the logical clock by one second and returns it as RFC 3339
    /// (second precision, `Z`). Every change takes one tick, so a resource changed after
    /// its creation always has `lastModified > created`.
    pub fn tick(&mut self) -> String {
        self.clock += 1;
        rfc3339(self.clock)
    }

    /// The next value of a counter that never repeats (for ids).
    pub fn next_seq(&mut self) -> u64 {
        let n = self.next_seq;
        self.next_seq += 1;
        n
    }

    /// A UUID-shaped id, unique within this fake.
    pub fn standard_id(&mut self) -> String {
        let n = self.next_seq();
        format!("{:08x}-{:04x}-4000-8000-{:012x}", n, (n >> 32) & 0xffff, n)
    }

    /// The stored resources of one kind, in creation order.
    pub fn all(&self, kind: Kind) -> &[Stored] {
        match kind {
            Kind::User => &self.users,
            Kind::Group => &self.groups,
        }
    }

    fn all_mut(&mut self, kind: Kind) -> &mut Vec<Stored> {
        match kind {
            Kind::User => &mut self.users,
            Kind::Group => &mut self.groups,
        }
    }

    /// One stored resource by id.
    pub fn get(&self, kind: Kind, id: &str) -> Option<&Stored> {
        self.all(kind).iter().find(|s| s.id == id)
    }

    /// One stored resource by id, for changing it (call [`touch`](Self::touch) after).
    pub fn get_mut(&mut self, kind: Kind, id: &str) -> Option<&mut Stored> {
        self.all_mut(kind).iter_mut().find(|s| s.id == id)
    }

    /// The user whose `userName` equals `user_name` ignoring case.
    pub fn find_user_name(&self, user_name: &str) -> Option<&Stored> {
        let key = user_name.to_lowercase();
        self.users
            .iter()
            .find(|s| s.user_name().to_lowercase() == key)
    }

    /// Removes a resource; `true` if it existed.
    pub fn remove(&mut self, kind: Kind, id: &str) -> bool {
        let all = self.all_mut(kind);
        let before = all.len();
        all.retain(|s| s.id != id);
        all.len() != before
    }

    /// Stores a new resource under `id`: sets `id`, `meta` (created = lastModified = now,
    /// location, version) and the core schema when `schemas` is empty. No checks.
    pub fn insert(&mut self, kind: Kind, id: String, mut resource: Value) -> &Stored {
        let now = self.tick();
        if let Some(obj) = resource.as_object_mut() {
            obj.insert("id".into(), Value::String(id.clone()));
            let empty = obj
                .get("schemas")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty);
            if empty {
                obj.insert("schemas".into(), Value::from(vec![kind.schema()]));
            }
            obj.remove("password");
            let mut meta = Map::new();
            meta.insert("resourceType".into(), kind.resource_type().into());
            meta.insert("created".into(), now.clone().into());
            meta.insert("lastModified".into(), now.into());
            meta.insert(
                "location".into(),
                format!("{}/{}/{}", self.base_url, kind.endpoint(), id).into(),
            );
            obj.insert("meta".into(), Value::Object(meta));
        }
        let mut stored = Stored {
            id,
            resource,
            version: 1,
            internal: Map::new(),
        };
        self.stamp_version(&mut stored);
        let all = self.all_mut(kind);
        all.push(stored);
        let last = all.len() - 1;
        &all[last]
    }

    /// Records a change: bumps the version and `meta.lastModified`, keeps `id` and the
    /// rest of `meta` as they were.
    pub fn touch(&mut self, kind: Kind, id: &str) {
        let now = self.tick();
        let etags = self.behaviour.etags;
        if let Some(s) = self.get_mut(kind, id) {
            s.version += 1;
            if let Some(obj) = s.resource.as_object_mut() {
                obj.insert("id".into(), Value::String(s.id.clone()));
                if let Some(Value::Object(meta)) = obj.get_mut("meta") {
                    meta.insert("lastModified".into(), now.into());
                    if etags {
                        meta.insert("version".into(), format!("W/\"{}\"", s.version).into());
                    }
                }
            }
        }
    }

    fn stamp_version(&self, stored: &mut Stored) {
        if !self.behaviour.etags {
            return;
        }
        if let Some(Value::Object(meta)) = stored.resource.get_mut("meta") {
            meta.insert("version".into(), format!("W/\"{}\"", stored.version).into());
        }
    }

    /// Checks a request body as a User or Group (types, required attributes) and returns
    /// it with canonical attribute names, without `id`, `meta` and `password`.
    pub fn normalize(kind: Kind, body: Value) -> Result<Value, ScimError> {
        let mut value = match kind {
            Kind::User => {
                let user: User = serde_json::from_value(body)
                    .map_err(|e| invalid_value(&format!("the body is not a valid User: {e}")))?;
                if user.user_name.trim().is_empty() {
                    return Err(invalid_value("userName is required"));
                }
                serde_json::to_value(user).map_err(|e| invalid_value(&e.to_string()))?
            }
            Kind::Group => {
                let group: Group = serde_json::from_value(body)
                    .map_err(|e| invalid_value(&format!("the body is not a valid Group: {e}")))?;
                if group.display_name.trim().is_empty() {
                    return Err(invalid_value("displayName is required"));
                }
                serde_json::to_value(group).map_err(|e| invalid_value(&e.to_string()))?
            }
        };
        if let Some(obj) = value.as_object_mut() {
            obj.remove("id");
            obj.remove("meta");
            obj.remove("password");
        }
        Ok(value)
    }

    fn check_unique(
        &self,
        kind: Kind,
        resource: &Value,
        except: Option<&str>,
    ) -> Result<(), ScimError> {
        if kind != Kind::User || !self.behaviour.unique_user_name {
            return Ok(());
        }
        let name = resource
            .get("userName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match self.find_user_name(name) {
            Some(other) if Some(other.id.as_str()) != except => Err(ScimError::new(409)
                .with_scim_type(ScimType::Uniqueness)
                .with_detail(
                    "One or more of the attribute values are already in use or are reserved.",
                )),
            _ => Ok(()),
        }
    }

    /// RFC 7644 §3.3 create: validates, refuses a duplicate `userName` (if configured),
    /// stores under `id`. Returns the new id.
    pub fn standard_create(
        &mut self,
        kind: Kind,
        id: String,
        body: Value,
    ) -> Result<String, ScimError> {
        let resource = Self::normalize(kind, body)?;
        self.check_unique(kind, &resource, None)?;
        Ok(self.insert(kind, id, resource).id.clone())
    }

    /// RFC 7644 §3.5.1 replace, with [`Behaviour::put`] semantics.
    pub fn standard_replace(&mut self, kind: Kind, id: &str, body: Value) -> Result<(), ScimError> {
        let mut resource = Self::normalize(kind, body)?;
        self.check_unique(kind, &resource, Some(id))?;
        let put = self.behaviour.put;
        let Some(stored) = self.get_mut(kind, id) else {
            return Err(not_found(id));
        };
        let old = std::mem::take(&mut stored.resource);
        if let (Some(new), Value::Object(mut old)) = (resource.as_object_mut(), old) {
            if let Some(meta) = old.remove("meta") {
                new.insert("meta".into(), meta);
            }
            if put == PutSemantics::Merge {
                for (k, v) in old {
                    if key_ci(new, &k).is_none() {
                        new.insert(k, v);
                    }
                }
            }
        }
        stored.resource = resource;
        self.touch(kind, id);
        Ok(())
    }

    /// RFC 7644 §3.5.2 modify: applies the operations to a copy, re-validates it (types,
    /// uniqueness) and stores it; nothing changes when one operation fails.
    pub fn standard_patch(
        &mut self,
        kind: Kind,
        id: &str,
        operations: &[PatchOperation],
    ) -> Result<(), ScimError> {
        let Some(stored) = self.get(kind, id) else {
            return Err(not_found(id));
        };
        let mut work = stored.resource.clone();
        for op in operations {
            apply_patch_operation(&mut work, op)?;
        }
        let meta = work.get("meta").cloned();
        let mut checked = Self::normalize(kind, work)?;
        if let (Some(obj), Some(meta)) = (checked.as_object_mut(), meta) {
            obj.insert("meta".into(), meta);
        }
        self.check_unique(kind, &checked, Some(id))?;
        if let Some(stored) = self.get_mut(kind, id) {
            stored.resource = checked;
        }
        self.touch(kind, id);
        Ok(())
    }

    /// Delete with [`Behaviour::delete`] semantics.
    pub fn standard_delete(&mut self, kind: Kind, id: &str) -> Result<(), ScimError> {
        if self.get(kind, id).is_none() {
            return Err(not_found(id));
        }
        match (self.behaviour.delete, kind) {
            (DeleteSemantics::Deactivate, Kind::User) => {
                self.deactivate(id);
            }
            _ => {
                self.remove(kind, id);
                if kind == Kind::User {
                    self.remove_member_everywhere(id);
                }
            }
        }
        Ok(())
    }

    /// Sets a user's `active` to false (a change: version and `lastModified` move).
    pub fn deactivate(&mut self, id: &str) {
        if let Some(s) = self.get_mut(Kind::User, id)
            && let Some(obj) = s.resource.as_object_mut()
        {
            obj.insert("active".into(), Value::Bool(false));
        }
        self.touch(Kind::User, id);
    }

    fn remove_member_everywhere(&mut self, user_id: &str) {
        for g in &mut self.groups {
            if let Some(Value::Array(members)) = g.resource.get_mut("members") {
                members.retain(|m| m.get("value").and_then(Value::as_str) != Some(user_id));
            }
        }
    }
}

/// The 404 a server answers for an unknown id.
pub(crate) fn not_found(id: &str) -> ScimError {
    ScimError::new(404).with_detail(format!("Resource {id} not found."))
}

fn invalid_value(detail: &str) -> ScimError {
    ScimError::new(400)
        .with_scim_type(ScimType::InvalidValue)
        .with_detail(detail)
}

/// Seconds since the Unix epoch as RFC 3339 UTC (`2026-08-21T17:36:25Z`).
pub fn rfc3339(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 → (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_787_333_785), "2026-08-21T17:36:25Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
