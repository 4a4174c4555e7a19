//! The fake's SCIM side: `idgraph_common`'s generic SCIM fake with Hyperproof's rules.

use idgraph_common::testing::{FakeRequest, Hooks, Kind, Store, Stored, scim_error_response};
use scim_types::{PatchOp, PatchOpKind, PatchOperation, PatchPath, ScimError, User};
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use crate::rest::{
    Group, GroupId, ObjectStatus, OrganizationUser, OrganizationUserType, RoleId, UserId,
};
use crate::scim::{HyperproofRole, primary_role_value};

/// Where a group's archived flag lives in the generic store (never rendered).
const ARCHIVED: &str = "hyperproof.archived";

/// Hyperproof's SCIM rules on top of the standard behaviour:
///
/// * a user created without a role gets the primary role `LIMITED_ACCESS_USER`;
/// * `add`/`replace` on `roles[primary eq "True"].value` sets the user's one primary
///   role, whether or not it had one (Entra ID's role mapping relies on that);
/// * `DELETE /Groups/{id}` archives the group: it leaves SCIM (404, not listed) and
///   shows as `archived` on the REST side;
/// * memberships live in the groups' `members` only (Hyperproof's Entra ID group mapping
///   is `displayName` and `members`; the seed shows users without `groups`): a user's
///   `groups` is read-only and never rendered (ignored in a `POST` or `PUT` body, and a
///   `PATCH` of it is 400 `mutability`), and a group's member must be an existing user
///   (else 400 `invalidValue`, nothing changed);
/// * (through the builder) `DELETE /Users/{id}` only deactivates;
/// * `userName` is the work email (the seed: "typically the user's work email", and
///   Hyperproof identifies users by email): a `PUT` or `PATCH` that leaves a user's
///   `userName` or primary email changed and the two disagreeing is refused with 400
///   `invalidValue` and nothing changes (a rename must change both); `userName` stays
///   unique ignoring case (409 `uniqueness`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct HyperproofScimHooks;

pub(crate) fn is_archived(stored: &Stored) -> bool {
    stored.internal.get(ARCHIVED) == Some(&Value::Bool(true))
}

fn not_found(id: &str) -> ScimError {
    ScimError::new(404).with_detail(format!("Resource {id} not found."))
}

/// `roles[primary eq "True"].value` (in any case, with `true` as a boolean too).
fn is_primary_role_path(path: &PatchPath) -> bool {
    path.attr().name().eq_ignore_ascii_case("roles")
        && path
            .sub_attr()
            .is_some_and(|s| s.eq_ignore_ascii_case("value"))
        && path.value_filter().is_some_and(|f| {
            f.to_string()
                .to_ascii_lowercase()
                .replace('"', "")
                .starts_with("primary eq true")
        })
}

impl Hooks for HyperproofScimHooks {
    fn route(&self, req: &FakeRequest<'_>, store: &mut Store) -> Option<ResponseTemplate> {
        // An archived group is gone as far as SCIM is concerned.
        match req.segments.as_slice() {
            [endpoint, id, ..] if endpoint == "Groups" => store
                .get(Kind::Group, id)
                .filter(|g| is_archived(g))
                .map(|_| scim_error_response(&not_found(id), false)),
            _ => None,
        }
    }

    fn listed(&self, kind: Kind, stored: &Stored) -> bool {
        kind != Kind::Group || !is_archived(stored)
    }

    fn create(&self, kind: Kind, body: Value, store: &mut Store) -> Result<String, ScimError> {
        let body = without_user_groups(kind, body);
        if kind == Kind::Group {
            check_members(&body, store)?;
        }
        let id = self.new_id(kind, store);
        let id = store.standard_create(kind, id, body)?;
        if kind == Kind::User
            && let Some(stored) = store.get_mut(Kind::User, &id)
            && let Some(obj) = stored.resource.as_object_mut()
        {
            let has_role = obj
                .get("roles")
                .and_then(Value::as_array)
                .is_some_and(|r| !r.is_empty());
            if !has_role {
                obj.insert(
                    "roles".into(),
                    json!([{"value": HyperproofRole::default().as_str(), "primary": true}]),
                );
            }
        }
        Ok(id)
    }

    fn patch_operation(
        &self,
        kind: Kind,
        op: PatchOperation,
    ) -> Result<Option<PatchOperation>, ScimError> {
        let sets_role = kind == Kind::User
            && matches!(op.op, PatchOpKind::Add | PatchOpKind::Replace)
            && op.path.as_ref().is_some_and(is_primary_role_path);
        if kind == Kind::User
            && op
                .path
                .as_ref()
                .is_some_and(|p| p.attr().name().eq_ignore_ascii_case("groups"))
        {
            return Err(ScimError::new(400)
                .with_scim_type(scim_types::ScimType::Mutability)
                .with_detail("groups is read-only: change memberships through /Groups"));
        }
        if !sets_role {
            let op = match (kind, op.path.is_none(), op.value) {
                // A path-less PATCH's value object: its read-only `groups` is ignored.
                (Kind::User, true, Some(value)) => {
                    PatchOperation::new(op.op, None, Some(without_user_groups(Kind::User, value)))
                }
                (_, _, value) => PatchOperation::new(op.op, op.path, value),
            };
            return Ok(Some(op));
        }
        let Some(Value::String(role)) = op.value else {
            return Err(ScimError::new(400)
                .with_scim_type(scim_types::ScimType::InvalidValue)
                .with_detail("the role must be a string"));
        };
        let path = PatchPath::parse("roles").map_err(|e| {
            ScimError::new(500).with_detail(format!("the fake could not build a path: {e}"))
        })?;
        Ok(Some(PatchOperation::new(
            PatchOpKind::Replace,
            Some(path),
            Some(json!([{"value": role, "primary": true}])),
        )))
    }

    fn replace(
        &self,
        kind: Kind,
        id: &str,
        body: Value,
        store: &mut Store,
    ) -> Result<(), ScimError> {
        let body = without_user_groups(kind, body);
        if kind == Kind::Group {
            check_members(&body, store)?;
        }
        let before = store.get(kind, id).cloned();
        store.standard_replace(kind, id, body)?;
        keep_email_agreement(kind, id, before, store)
    }

    fn patch(
        &self,
        kind: Kind,
        id: &str,
        patch: PatchOp,
        store: &mut Store,
    ) -> Result<(), ScimError> {
        let Some(before) = store.get(kind, id).cloned() else {
            return Err(not_found(id));
        };
        let mut ops = Vec::with_capacity(patch.operations.len());
        for op in patch.operations {
            if let Some(op) = self.patch_operation(kind, op)? {
                ops.push(op);
            }
        }
        store.standard_patch(kind, id, &ops)?;
        if kind == Kind::Group {
            let after = store.get(kind, id).map(|g| g.resource.clone());
            if let Some(Err(e)) = after.map(|g| check_members(&g, store)) {
                if let Some(slot) = store.get_mut(kind, id) {
                    *slot = before;
                }
                return Err(e);
            }
        }
        keep_email_agreement(kind, id, Some(before), store)
    }

    fn delete(&self, kind: Kind, id: &str, store: &mut Store) -> Result<(), ScimError> {
        if kind != Kind::Group {
            return store.standard_delete(kind, id);
        }
        match store.get_mut(Kind::Group, id) {
            Some(group) if !is_archived(group) => {
                group.internal.insert(ARCHIVED.into(), Value::Bool(true));
            }
            _ => return Err(not_found(id)),
        }
        store.touch(Kind::Group, id);
        Ok(())
    }
}

/// A user's body without its read-only `groups` (other bodies as they are).
fn without_user_groups(kind: Kind, mut body: Value) -> Value {
    if kind == Kind::User
        && let Some(obj) = body.as_object_mut()
    {
        obj.retain(|k, _| !k.eq_ignore_ascii_case("groups"));
    }
    body
}

/// Every member of a group body must be an existing user.
fn check_members(group: &Value, store: &Store) -> Result<(), ScimError> {
    let members = group
        .get("members")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for m in members {
        let value = m.get("value").and_then(Value::as_str).unwrap_or_default();
        if store.get(Kind::User, value).is_none() {
            return Err(ScimError::new(400)
                .with_scim_type(scim_types::ScimType::InvalidValue)
                .with_detail(format!(
                    "member {value:?} is not a user of this organization"
                )));
        }
    }
    Ok(())
}

/// Refuses (and undoes) a write that changed a user's `userName` or primary email and
/// left the two disagreeing.
fn keep_email_agreement(
    kind: Kind,
    id: &str,
    before: Option<Stored>,
    store: &mut Store,
) -> Result<(), ScimError> {
    if kind != Kind::User {
        return Ok(());
    }
    let Some(stored) = store.get(kind, id) else {
        return Ok(());
    };
    let identity = |s: &Stored| {
        let u: User = serde_json::from_value(s.resource.clone()).ok()?;
        let primary = u.primary_email().map(str::to_lowercase);
        Some((u.user_name.to_lowercase(), primary))
    };
    let Some((user_name, primary)) = identity(stored) else {
        return Ok(());
    };
    let changed = before.as_ref().and_then(identity) != Some((user_name.clone(), primary.clone()));
    let disagree = primary.is_some_and(|p| p != user_name);
    if !(changed && disagree) {
        return Ok(());
    }
    if let (Some(before), Some(slot)) = (before, store.get_mut(kind, id)) {
        *slot = before;
    }
    Err(ScimError::new(400)
        .with_scim_type(scim_types::ScimType::InvalidValue)
        .with_detail("userName must be the user's primary email address"))
}

/// A SCIM user as `GET /v1/users` shows it.
pub(crate) fn rest_user_of(
    user: &User,
    role_id: impl Fn(HyperproofRole) -> Option<RoleId>,
) -> OrganizationUser {
    let name = user.name.as_ref();
    OrganizationUser {
        id: UserId::new(user.id.as_ref().map(|i| i.as_str()).unwrap_or_default()),
        user_id: None,
        email: Some(user.user_name.clone()),
        given_name: name.and_then(|n| n.given_name.clone()),
        surname: name.and_then(|n| n.family_name.clone()),
        title: user.title.clone(),
        kind: Some(if user.active == Some(false) {
            OrganizationUserType::DeactivatedUser
        } else {
            OrganizationUserType::ActiveUser
        }),
        status: Some(ObjectStatus::Active),
        organization_role_id: primary_role_value(user)
            .and_then(HyperproofRole::from_value)
            .and_then(role_id),
        identity_providers: Vec::new(),
        extra: Default::default(),
    }
}

/// A stored SCIM group as `GET /v1/groups` shows it.
pub(crate) fn rest_group_of(stored: &Stored, org_id: &str) -> Option<Group> {
    let group: scim_types::Group = serde_json::from_value(stored.resource.clone()).ok()?;
    Some(Group {
        id: GroupId::new(stored.id.clone()),
        org_id: Some(org_id.to_owned()),
        name: group.display_name,
        group_lead_id: None,
        user_ids: group
            .members
            .iter()
            .filter_map(|m| m.value.as_deref().map(UserId::new))
            .collect(),
        status: Some(if is_archived(stored) {
            ObjectStatus::Archived
        } else {
            ObjectStatus::Active
        }),
        created_on: group.meta.as_ref().and_then(|m| m.created.clone()),
        updated_on: group.meta.as_ref().and_then(|m| m.last_modified.clone()),
        extra: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_primary_role_path_is_recognised_in_its_spellings() {
        for p in [
            r#"roles[primary eq "True"].value"#,
            r#"roles[primary eq true].value"#,
            r#"ROLES[Primary EQ "true"].Value"#,
        ] {
            assert!(is_primary_role_path(&p.parse().unwrap()), "{p}");
        }
        for p in [
            r#"roles[type eq "x"].value"#,
            "roles",
            r#"emails[primary eq true].value"#,
        ] {
            assert!(!is_primary_role_path(&p.parse().unwrap()), "{p}");
        }
    }
}
