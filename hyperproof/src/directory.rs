//! [`UserDirectory`] for Hyperproof, over its SCIM API.
//!
//! | DirectoryUser | SCIM User |
//! |---|---|
//! | `email` | `userName` (Hyperproof identifies users by email) |
//! | `given_name`, `family_name` | `name.givenName`, `name.familyName` |
//! | `display_name` | `displayName` |
//! | `external_id` | `externalId` |
//! | `active` | `active` (absent reads as `true`) |
//! | `groups` | `groups[].display` (else `.value`), read-only |
//! | `app_id` | `id` |
//!
//! * `create` gives new users the default role, [`HyperproofRole::LimitedAccessUser`].
//! * `update` PATCHes only the names, external id and active flag it is given (a `None`
//!   leaves that attribute as it is), never the role, the email or anything else.
//! * `rename` is one `PATCH` of `userName` and the primary email on the same SCIM id.
//! * `deactivate` is Hyperproof's deprovisioning: `active` = `false`, record and audit
//!   history kept.
//! * `delete` sends nothing and fails with [`Error::Unsupported`]: Hyperproof's SCIM
//!   deprovisioning deactivates, and the seed says a hard delete needs a separate manual
//!   action by an organization administrator. Sending a SCIM `DELETE` that Hyperproof does
//!   not document, for an irreversible effect, is not a risk this crate takes; the error
//!   names the manual action instead.
//!
//! The trait's methods are named `list_users`, `create_user`, … so they never collide
//! with the client's own `users()` handle.

use async_trait::async_trait;
use idgraph_common::graph::catalog::{CatalogEntry, Operation};
use idgraph_common::graph::{Created, DirectoryUser, Email, UserDirectory};
use idgraph_common::paginate::Items;
use scim_types::{PatchOp, User, UserId};

use crate::scim::{HyperproofRole, NewUser, ScimClient};
use crate::{Error, Result};
use idgraph_common::error::quote;
use idgraph_common::{ApiError, ErrorBody};

/// A SCIM user as the identity graph sees it.
pub(crate) fn to_directory_user(user: User) -> DirectoryUser {
    let email = if user.user_name.is_empty() {
        user.primary_email().unwrap_or_default().to_owned()
    } else {
        user.user_name.clone()
    };
    let mut out = DirectoryUser::new(email).with_active(user.active.unwrap_or(true));
    if let Some(name) = &user.name {
        out.given_name = name.given_name.clone();
        out.family_name = name.family_name.clone();
    }
    out.display_name = user.display_name.clone();
    out.external_id = user.external_id.clone();
    out.groups = user
        .groups
        .iter()
        .filter_map(|g| g.display.clone().or_else(|| g.value.clone()))
        .collect();
    out.app_id = user.id.map(UserId::into_string);
    out
}

/// The user to create for a directory user.
fn new_user(user: &DirectoryUser) -> NewUser {
    let mut new = NewUser::new(user.email.as_str())
        .active(user.active)
        .role(HyperproofRole::LimitedAccessUser);
    if let (Some(given), Some(family)) = (&user.given_name, &user.family_name) {
        new = new.name(given.clone(), family.clone());
    }
    if let Some(display) = &user.display_name {
        new = new.display_name(display.clone());
    }
    if let Some(id) = &user.external_id {
        new = new.external_id(id.clone());
    }
    new
}

impl ScimClient {
    /// Like `resolve`, but no such user is an error for which `is_not_found()` is true
    /// (the 404 a `GET` would be).
    async fn resolve_existing(&self, user: &DirectoryUser) -> Result<UserId> {
        if let Some(id) = &user.app_id {
            return Ok(UserId::new(id.clone()));
        }
        self.users()
            .find_by_user_name(user.email.as_str())
            .await?
            .and_then(|u| u.id)
            .ok_or_else(|| {
                let mut api = ApiError::new(404, "GET", "/Users").with_body(ErrorBody::Json {
                    code: None,
                    message: Some(format!(
                        "no Hyperproof SCIM user has the userName {}",
                        quote(user.email.as_str())
                    )),
                });
                api.set_hint("the userName lookup found no SCIM user with this email");
                Error::Api(Box::new(api))
            })
    }

    /// The SCIM id of a directory user: its `app_id`, else the user whose `userName` is
    /// its email.
    async fn resolve(&self, user: &DirectoryUser) -> Result<UserId> {
        if let Some(id) = &user.app_id {
            return Ok(UserId::new(id.clone()));
        }
        self.users()
            .find_by_user_name(user.email.as_str())
            .await?
            .and_then(|u| u.id)
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "no Hyperproof SCIM user has the userName {}",
                    quote(user.email.as_str())
                ))
            })
    }
}

#[async_trait]
impl UserDirectory for ScimClient {
    fn catalog(&self) -> &CatalogEntry {
        crate::catalog_entry()
    }

    fn list_users(&self) -> Items<DirectoryUser> {
        self.users().list().stream().map(to_directory_user)
    }

    async fn create_user(&self, user: &DirectoryUser) -> Result<Created> {
        let created = self.users().create(&new_user(user)).await?;
        Ok(Created::new(to_directory_user(created)))
    }

    async fn update_user(&self, desired: &DirectoryUser) -> Result<DirectoryUser> {
        let id = self.resolve(desired).await?;
        let mut op = PatchOp::builder().replace("active", desired.active);
        if let Some(v) = &desired.given_name {
            op = op.replace("name.givenName", v);
        }
        if let Some(v) = &desired.family_name {
            op = op.replace("name.familyName", v);
        }
        if let Some(v) = &desired.display_name {
            op = op.replace("displayName", v);
        }
        if let Some(v) = &desired.external_id {
            op = op.replace("externalId", v);
        }
        let op = op.build().map_err(crate::scim::patch_error)?;
        Ok(to_directory_user(self.users().patch(&id, &op).await?))
    }

    async fn deactivate_user(&self, user: &DirectoryUser) -> Result<DirectoryUser> {
        let id = self.resolve(user).await?;
        Ok(to_directory_user(self.users().deactivate(&id).await?))
    }

    /// `GET /Users/{app_id}`, else a `userName` lookup of the email; a gone id and an
    /// unknown email are errors for which `is_not_found()` is true.
    async fn get_user(&self, user: &DirectoryUser) -> Result<DirectoryUser> {
        let id = self.resolve_existing(user).await?;
        Ok(to_directory_user(self.users().get(&id).await?))
    }

    /// [`ScimUsers::rename`](crate::scim::ScimUsers::rename): one `PATCH` of `userName`
    /// and the primary email on the same SCIM id (the account, its role and its active
    /// state stay). A taken `userName` is a 409 (`is_conflict()`), a gone id a 404
    /// (`is_not_found()`); nothing changes either way.
    async fn rename_user(&self, user: &DirectoryUser, new_email: &Email) -> Result<DirectoryUser> {
        let id = self.resolve_existing(user).await?;
        Ok(to_directory_user(
            self.users().rename(&id, new_email.as_str()).await?,
        ))
    }

    async fn delete_user(&self, user: &DirectoryUser) -> Result<()> {
        let _ = user;
        let entry = UserDirectory::catalog(self);
        Err(Error::unsupported(
            entry.name.clone(),
            Operation::Delete.as_str(),
            "Hyperproof's SCIM deprovisioning deactivates users and keeps the record and its audit history; deactivate the user (UserDirectory::deactivate_user), and if a hard delete is really required, have an organization administrator delete the user by hand in Hyperproof",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_types::{GroupRef, Name};

    #[test]
    fn scim_users_map_to_directory_users() {
        let mut user = User::new("Jane@Example.com")
            .with_name(Name::new("Jane", "Doe"))
            .with_external_id("00u1")
            .with_active(false);
        user.id = Some(UserId::new("hp-1"));
        let mut group = GroupRef::new("g1");
        group.display = Some("Auditors".into());
        user.groups.push(group);
        user.groups.push(GroupRef::new("g2"));
        let d = to_directory_user(user);
        assert_eq!(d.email.as_str(), "Jane@Example.com");
        assert_eq!(d.given_name.as_deref(), Some("Jane"));
        assert_eq!(d.family_name.as_deref(), Some("Doe"));
        assert_eq!(d.external_id.as_deref(), Some("00u1"));
        assert!(!d.active);
        assert_eq!(d.groups, ["Auditors", "g2"]);
        assert_eq!(d.app_id.as_deref(), Some("hp-1"));
    }

    #[test]
    fn new_users_get_the_default_role_and_the_directory_fields() {
        let d = DirectoryUser::new("jane@example.com")
            .with_names("Jane", "Doe")
            .with_external_id("00u1");
        let user = new_user(&d).to_scim();
        assert_eq!(
            HyperproofRole::of(&user),
            Some(HyperproofRole::LimitedAccessUser)
        );
        assert_eq!(user.external_id.as_deref(), Some("00u1"));
        assert_eq!(user.active, Some(true));
    }
}
