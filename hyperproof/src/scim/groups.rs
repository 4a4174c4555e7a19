//! `/Groups` over SCIM.
//!
//! Whether these calls work depends on the organization's provisioning setup: Hyperproof
//! takes groups pushed by Okta ("Push groups") or by Entra ID's group mapping
//! (`displayName` and `members` only). Group sync is asynchronous on Hyperproof's side.

use idgraph_common::Error;
use idgraph_common::scim::{ListRequest, ScimClient as GenericScimClient};
use scim_types::{Filter, Group, GroupId, Member, PatchOp, PatchPath, UserId};
use serde_json::json;

use super::users::patch_error;
use crate::Result;

/// The SCIM groups endpoint. Get it with [`ScimClient::groups`](crate::ScimClient::groups):
/// an owned handle (`Clone + Send + Sync + 'static`).
///
/// Depends on the organization's provisioning setup: Hyperproof takes groups pushed by
/// Okta ("Push groups") or by Entra ID's group mapping (`displayName` and `members`).
///
/// ```no_run
/// use hyperproof::scim::NewGroup;
/// use scim_types::UserId;
///
/// # async fn run(scim: hyperproof::ScimClient) -> hyperproof::Result<()> {
/// let jane = UserId::new("2819c223");
/// let group = scim.groups().create(&NewGroup::new("Auditors").member(jane.clone())).await?;
/// if let Some(id) = &group.id {
///     scim.groups().remove_member(id, &jane).await?;
///     scim.groups().archive(id).await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ScimGroups {
    scim: GenericScimClient,
}

impl ScimGroups {
    pub(crate) fn new(scim: GenericScimClient) -> Self {
        Self { scim }
    }

    /// A listing of groups; end it with [`stream`](ListRequest::stream) or
    /// [`pages`](ListRequest::pages).
    pub fn list(&self) -> ListRequest<Group> {
        self.scim.groups().list()
    }

    /// `GET /Groups/{id}`.
    pub async fn get(&self, id: &GroupId) -> Result<Group> {
        self.scim.groups().get(id).await
    }

    /// The group named `display_name` (exact match), or `None`.
    pub async fn find_by_display_name(&self, display_name: &str) -> Result<Option<Group>> {
        use futures::TryStreamExt;
        let mut groups = std::pin::pin!(
            self.list()
                .filter(Filter::eq("displayName", display_name))
                .stream()
        );
        while let Some(group) = groups.try_next().await? {
            // Checked, not trusted: never a group with another name.
            if group.display_name == display_name {
                return Ok(Some(group));
            }
        }
        Ok(None)
    }

    /// `POST /Groups`: creates a group with its first members.
    pub async fn create(&self, group: &NewGroup) -> Result<Group> {
        if group.display_name.trim().is_empty() {
            return Err(Error::invalid_input(
                "a Hyperproof SCIM group needs a displayName",
            ));
        }
        let mut scim = Group::new(group.display_name.clone());
        scim.members = group
            .members
            .iter()
            .map(|id| Member::new(id.as_str()))
            .collect();
        self.scim.groups().create(&scim).await
    }

    /// Adds users to the group: `PATCH` `{"op":"add","path":"members","value":[…]}`.
    pub async fn add_members(&self, id: &GroupId, users: &[UserId]) -> Result<()> {
        if users.is_empty() {
            return Ok(());
        }
        let members: Vec<_> = users.iter().map(|u| json!({"value": u.as_str()})).collect();
        let op = PatchOp::builder()
            .add("members", members)
            .build()
            .map_err(patch_error)?;
        self.scim.groups().patch(id, &op).await.map(drop)
    }

    /// Removes a user from the group: `PATCH`
    /// `{"op":"remove","path":"members[value eq \"…\"]"}`, built with
    /// [`PatchPath::value_eq`], so the id is escaped as a SCIM string.
    pub async fn remove_member(&self, id: &GroupId, user: &UserId) -> Result<()> {
        let path = PatchPath::value_eq("members", user.as_str()).map_err(|e| {
            // `members` is a plain attribute path: this cannot fail for any id.
            Error::invalid_input(format!("could not build the SCIM PATCH path: {e}"))
        })?;
        let op = PatchOp::builder()
            .remove(path)
            .build()
            .map_err(patch_error)?;
        self.scim.groups().patch(id, &op).await.map(drop)
    }

    /// Archives the group: `DELETE /Groups/{id}`. Hyperproof archives a group deleted
    /// over SCIM (as when it is removed from the IdP's pushed groups); its history stays.
    pub async fn archive(&self, id: &GroupId) -> Result<()> {
        self.scim.groups().delete(id).await
    }
}

/// A group to create over SCIM.
///
/// ```
/// use hyperproof::scim::NewGroup;
/// use scim_types::UserId;
///
/// let g = NewGroup::new("Auditors").member(UserId::new("u1")).members([UserId::new("u2")]);
/// assert_eq!(g.display_name(), "Auditors");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct NewGroup {
    display_name: String,
    members: Vec<UserId>,
}

impl NewGroup {
    /// A group with this `displayName` and no members.
    pub fn new(display_name: impl Into<String>) -> Self {
        Self {
            display_name: display_name.into(),
            members: Vec::new(),
        }
    }

    /// Adds a member.
    pub fn member(mut self, user: UserId) -> Self {
        self.members.push(user);
        self
    }

    /// Adds members.
    pub fn members(mut self, users: impl IntoIterator<Item = UserId>) -> Self {
        self.members.extend(users);
        self
    }

    /// The display name.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }
}
