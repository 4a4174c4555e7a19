//! [`UserDirectory`] for Hyperproof, over its SCIM API.
//!
//! | DirectoryUser | SCIM User |
//! |---|---|
//! | `email` | `userName` (Hyperproof identifies users by email) |
//! | `given_name`, `family_name` | `name.givenName`, `name.familyName` |
//! | `display_name` | `displayName` |
//! | `external_id` | `externalId` |
//! | `active` | `active` (absent reads as `true`) |
//! | `role` | the primary `roles` value (`ORGANIZATION_ADMINISTRATOR`, `COMPLIANCE_MANAGER`, `USER`, `LIMITED_ACCESS_USER`) |
//! | `groups` | the `displayName`s of the `/Groups` whose `members` hold the user (or that the user's own `groups` names) |
//! | `app_id` | `id` |
//!
//! * Groups are read where Hyperproof's group provisioning keeps them, the groups'
//!   `members` (its Entra ID mapping provisions groups as `displayName` and `members`
//!   only): every listing and every single read lists `/Groups` completely once. A
//!   group listed by `/Groups` under a user's own `groups` attribute counts too, should a
//!   server fill it.
//! * `create` sends the role `desired.role()` names, else the default,
//!   [`HyperproofRole::LimitedAccessUser`], and then adds the new user to its groups.
//! * `update` PATCHes the names, external id and active flag it is given (a `None` leaves
//!   that attribute as it is), the role when `desired.role()` names another one, and
//!   brings the memberships to `desired.groups()` with `PATCH /Groups/{id}` (add or remove
//!   one member); it never touches the email or anything else.
//! * Group names are compared exactly, and a group is found by its `displayName`; a
//!   name no group has (or two groups share) is an [`Error::InvalidInput`] before
//!   anything is sent. Groups are never created: that stays the organization's (or its
//!   IdP's) decision.
//! * A role that is not a Hyperproof role is an [`Error::InvalidInput`] naming the
//!   accepted values, before anything is sent.
//! * After a membership or role change the user is read back; a change Hyperproof did
//!   not make is an [`Error::Incomplete`] saying which (an organization whose
//!   provisioning does not take groups shows this way, never as a silent success).
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

use std::collections::BTreeSet;

use async_trait::async_trait;
use futures::TryStreamExt;
use idgraph_common::graph::catalog::{CatalogEntry, Operation};
use idgraph_common::graph::{Created, DirectoryUser, DirectoryUserBuilder, Email, UserDirectory};
use idgraph_common::paginate::{Items, Page, PageRequest, Paginator, Strategy};
use scim_types::{Group, GroupId, PatchOp, User, UserId};

use crate::scim::{HyperproofRole, NewUser, ROLE_PATH, ScimClient, primary_role_value};
use crate::{Error, Result};
use idgraph_common::error::quote;
use idgraph_common::{ApiError, ErrorBody};

const APP: &str = "Hyperproof";

/// A SCIM user as the identity graph sees it, without the `/Groups` view: its groups are
/// those its own `groups` attribute names (see [`GroupIndex::directory_user`] for the
/// listing's shape).
pub(crate) fn to_directory_user(user: User) -> DirectoryUser {
    directory_builder(&user)
        .groups(
            user.groups
                .iter()
                .filter_map(|g| g.display.as_deref().or(g.value.as_deref())),
        )
        .build()
}

/// `user` as a directory user, but for its groups, which the caller sets.
fn directory_builder(user: &User) -> DirectoryUserBuilder<'_> {
    let email = if user.user_name.is_empty() {
        user.primary_email().unwrap_or_default()
    } else {
        &user.user_name
    };
    let name = user.name.as_ref();
    DirectoryUser::builder(email)
        .active(user.active.unwrap_or(true))
        .given_name(name.and_then(|n| n.given_name.as_deref()))
        .family_name(name.and_then(|n| n.family_name.as_deref()))
        .display_name(user.display_name.as_deref())
        .external_id(user.external_id.as_deref())
        .role(
            primary_role_value(user).map(|v| match HyperproofRole::from_value(v) {
                Some(role) => role.as_str(),
                None => v,
            }),
        )
        .app_id(user.id.as_ref().map(UserId::as_str))
}

/// The role a directory user asks for, checked before anything is sent.
fn wanted_role(user: &DirectoryUser) -> Result<Option<HyperproofRole>> {
    user.role().map(str::parse).transpose()
}

/// The user to create for a directory user.
fn new_user(user: &DirectoryUser, role: Option<HyperproofRole>) -> NewUser {
    let mut new = NewUser::new(user.email().as_str())
        .active(user.is_active())
        .role(role.unwrap_or_default());
    if let (Some(given), Some(family)) = (user.given_name(), user.family_name()) {
        new = new.name(given, family);
    }
    if let Some(display) = user.display_name() {
        new = new.display_name(display);
    }
    if let Some(id) = user.external_id() {
        new = new.external_id(id);
    }
    new
}

/// One SCIM group as the directory needs it.
#[derive(Debug, Clone)]
struct IndexedGroup {
    id: GroupId,
    name: String,
    /// The ids of its user members.
    members: BTreeSet<String>,
}

/// Every group `/Groups` lists, read completely: who is in which group, and the group a
/// name stands for.
#[derive(Debug, Clone, Default)]
pub(crate) struct GroupIndex {
    groups: Vec<IndexedGroup>,
}

impl GroupIndex {
    /// Lists `/Groups` to the end (a short listing is an error, never a smaller index).
    async fn load(scim: &ScimClient) -> Result<Self> {
        let groups: Vec<Group> = scim.groups().list().stream().try_collect().await?;
        Ok(Self::from_groups(groups))
    }

    fn from_groups(groups: Vec<Group>) -> Self {
        let groups = groups
            .into_iter()
            .filter_map(|g| {
                let id = g.id?;
                let members = g
                    .members
                    .into_iter()
                    // A nested group is not a user's own membership.
                    .filter(|m| {
                        m.type_
                            .as_deref()
                            .is_none_or(|t| t.eq_ignore_ascii_case("User"))
                    })
                    .filter_map(|m| m.value)
                    .collect();
                Some(IndexedGroup {
                    id,
                    name: g.display_name,
                    members,
                })
            })
            .collect();
        Self { groups }
    }

    /// The groups `user` is in: those whose `members` hold its id, and those its own
    /// `groups` attribute names by id. Groups `/Groups` does not list do not count.
    fn groups_of<'a>(&'a self, user: &'a User) -> impl Iterator<Item = &'a IndexedGroup> + 'a {
        let id = user.id.as_ref().map(UserId::as_str);
        self.groups.iter().filter(move |g| {
            id.is_some_and(|id| g.members.contains(id))
                || user
                    .groups
                    .iter()
                    .any(|r| r.value.as_deref() == Some(g.id.as_str()))
        })
    }

    /// The names of the groups `user` is in, each once, in the order `/Groups` lists them.
    fn names_of(&self, user: &User) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for g in self.groups_of(user) {
            if !names.contains(&g.name) {
                names.push(g.name.clone());
            }
        }
        names
    }

    /// `user` in the shape `list_users` gives.
    pub(crate) fn directory_user(&self, user: User) -> DirectoryUser {
        let groups = self.names_of(&user);
        directory_builder(&user).groups(&groups).build()
    }

    /// The one group named `name` (exactly).
    fn named(&self, name: &str) -> Result<&IndexedGroup> {
        let mut found = self.groups.iter().filter(|g| g.name == name);
        match (found.next(), found.next()) {
            (Some(g), None) => Ok(g),
            (None, _) => Err(Error::invalid_input(format!(
                "no Hyperproof SCIM group is named {} (names are compared exactly): this sync never creates groups; create the group in Hyperproof (or push it from the IdP), or take it out of the source",
                quote(name)
            ))),
            (Some(_), Some(_)) => Err(Error::invalid_input(format!(
                "more than one Hyperproof SCIM group is named {}: rename one in Hyperproof so the name says which group is meant",
                quote(name)
            ))),
        }
    }

    /// The groups `wanted` names for a user now in `current` (`None` for a new user),
    /// resolved before anything is sent: a name the user already holds keeps its
    /// groups, any other must name exactly one group.
    fn resolve<'n>(
        &self,
        current: Option<&User>,
        wanted: impl IntoIterator<Item = &'n str>,
    ) -> Result<BTreeSet<GroupId>> {
        let held: Vec<&IndexedGroup> =
            current.map_or_else(Vec::new, |u| self.groups_of(u).collect());
        let mut out = BTreeSet::new();
        for name in wanted {
            let mine: Vec<&&IndexedGroup> = held.iter().filter(|g| g.name == name).collect();
            if mine.is_empty() {
                out.insert(self.named(name)?.id.clone());
            } else {
                out.extend(mine.into_iter().map(|g| g.id.clone()));
            }
        }
        Ok(out)
    }

    fn name_of<'a>(&'a self, id: &'a GroupId) -> &'a str {
        self.groups
            .iter()
            .find(|g| &g.id == id)
            .map_or(id.as_str(), |g| g.name.as_str())
    }
}

/// The groups `want` names that `got` lacks and the ones `got` has beyond them, as a
/// sentence (`None` when they agree as sets).
fn membership_mismatch(want: &[String], got: &[String]) -> Option<String> {
    let want: BTreeSet<&String> = want.iter().collect();
    let got: BTreeSet<&String> = got.iter().collect();
    let missing: Vec<String> = want
        .difference(&got)
        .map(|g| quote(g).to_string())
        .collect();
    let extra: Vec<String> = got
        .difference(&want)
        .map(|g| quote(g).to_string())
        .collect();
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("not in {}", missing.join(", ")));
    }
    if !extra.is_empty() {
        parts.push(format!("still in {}", extra.join(", ")));
    }
    (!parts.is_empty()).then(|| parts.join(" and "))
}

impl ScimClient {
    /// The SCIM user a directory user names: `GET /Users/{app_id}`, else the user
    /// whose `userName` is its email. No such user is an error for which
    /// `is_not_found()` is true (the 404 a `GET` would be).
    async fn read_existing(&self, user: &DirectoryUser) -> Result<User> {
        if let Some(id) = user.app_id() {
            return self.users().get(&UserId::new(id)).await;
        }
        self.users()
            .find_by_user_name(user.email().as_str())
            .await?
            .ok_or_else(|| {
                let mut api = ApiError::new(404, "GET", "/Users").with_body(ErrorBody::Json {
                    code: None,
                    message: Some(format!(
                        "no Hyperproof SCIM user has the userName {}",
                        quote(user.email().as_str())
                    )),
                });
                api.set_hint("the userName lookup found no SCIM user with this email");
                Error::Api(Box::new(api))
            })
    }

    /// The SCIM id of a directory user: its `app_id`, else the user whose `userName` is
    /// its email.
    async fn resolve(&self, user: &DirectoryUser) -> Result<UserId> {
        if let Some(id) = user.app_id() {
            return Ok(UserId::new(id));
        }
        self.users()
            .find_by_user_name(user.email().as_str())
            .await?
            .and_then(|u| u.id)
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "no Hyperproof SCIM user has the userName {}",
                    quote(user.email().as_str())
                ))
            })
    }

    /// `user` in the shape `list_users` gives (one `/Groups` listing).
    async fn listed(&self, user: User) -> Result<DirectoryUser> {
        Ok(GroupIndex::load(self).await?.directory_user(user))
    }

    /// Adds `id` to `add` and removes it from `remove`, one `PATCH /Groups/{id}` each.
    async fn change_memberships(
        &self,
        id: &UserId,
        add: &BTreeSet<GroupId>,
        remove: &BTreeSet<GroupId>,
    ) -> Result<()> {
        let groups = self.groups();
        for g in add {
            groups.add_members(g, std::slice::from_ref(id)).await?;
        }
        for g in remove {
            groups.remove_member(g, id).await?;
        }
        Ok(())
    }

    /// Reads `user` back after a membership change and checks it is in exactly the
    /// groups named `want`.
    async fn confirm_groups(
        &self,
        user: User,
        want: &[String],
        operation: String,
    ) -> Result<DirectoryUser> {
        let now = self.listed(user).await?;
        match membership_mismatch(want, &now.groups().to_vec()) {
            None => Ok(now),
            Some(mismatch) => Err(Error::Incomplete {
                app: APP.into(),
                operation: operation.into(),
                outcome: format!(
                    "Hyperproof accepted the group PATCHes, but /Groups shows the user {mismatch}: the organization's SCIM provisioning may not take (or report) group members; change these memberships in Hyperproof by hand, or enable group provisioning"
                )
                .into(),
            }),
        }
    }
}

#[async_trait]
impl UserDirectory for ScimClient {
    fn catalog(&self) -> &CatalogEntry {
        crate::catalog_entry()
    }

    /// Lists `/Groups` completely, then `/Users` completely (both checked for
    /// completeness as any listing is), and yields the users with their groups. Nothing
    /// is sent until the stream is polled.
    fn list_users(&self) -> Items<DirectoryUser> {
        let scim = self.clone();
        Paginator::new(Strategy::Unpaginated, move |_: PageRequest| {
            let scim = scim.clone();
            async move {
                let index = GroupIndex::load(&scim).await?;
                let users: Vec<User> = scim.users().list().stream().try_collect().await?;
                let total = users.len() as u64;
                let users: Vec<DirectoryUser> =
                    users.into_iter().map(|u| index.directory_user(u)).collect();
                Ok(Page::new(users).with_total(Some(total)))
            }
        })
        .items()
    }

    /// Resolves the role and the groups first (an unknown one creates nothing), creates
    /// the user with its role, then adds it to its groups. A failure after the create is
    /// an [`Error::Incomplete`]: the user exists, and the next plan adds what is missing.
    async fn create_user(&self, user: &DirectoryUser) -> Result<Created> {
        let role = wanted_role(user)?;
        let index = GroupIndex::load(self).await?;
        let groups = index.resolve(None, user.groups())?;
        let created = self.users().create(&new_user(user, role)).await?;
        if groups.is_empty() {
            return Ok(Created::new(index.directory_user(created)));
        }
        let operation = format!("creating {} in its groups", quote(user.email().as_str()));
        let Some(id) = created.id.clone() else {
            return Err(Error::Incomplete {
                app: APP.into(),
                operation: operation.into(),
                outcome: "the user was created, but Hyperproof's answer carries no SCIM id, so it could not be added to its groups; the next plan adds them".into(),
            });
        };
        if let Err(e) = self
            .change_memberships(&id, &groups, &BTreeSet::new())
            .await
        {
            return Err(Error::Incomplete {
                app: APP.into(),
                operation: operation.into(),
                outcome: format!(
                    "the user was created (SCIM id {}), but adding it to its groups ({}) failed: {e}; the next plan adds the missing memberships",
                    quote(id.as_str()),
                    groups
                        .iter()
                        .map(|g| quote(index.name_of(g)).to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
                .into(),
            });
        }
        let want: Vec<String> = groups.iter().map(|g| index.name_of(g).to_owned()).collect();
        Ok(Created::new(
            self.confirm_groups(created, &want, operation).await?,
        ))
    }

    /// Brings the user to `desired`: one `PATCH /Users/{id}` (names, external id,
    /// active flag, and the role when it changes), then one `PATCH /Groups/{id}` per
    /// membership to add or remove. The role and every group are checked before
    /// anything is sent.
    async fn update_user(&self, desired: &DirectoryUser) -> Result<DirectoryUser> {
        let role = wanted_role(desired)?;
        let current = self.read_existing(desired).await?;
        let id = current.id.clone().ok_or_else(|| {
            Error::invalid_input(format!(
                "Hyperproof answered the read of {} without a SCIM id",
                quote(desired.email().as_str())
            ))
        })?;
        let index = GroupIndex::load(self).await?;
        let want = index.resolve(Some(&current), desired.groups())?;
        let have: BTreeSet<GroupId> = index.groups_of(&current).map(|g| g.id.clone()).collect();

        let mut op = PatchOp::builder().replace("active", desired.is_active());
        if let Some(v) = desired.given_name() {
            op = op.replace("name.givenName", v);
        }
        if let Some(v) = desired.family_name() {
            op = op.replace("name.familyName", v);
        }
        if let Some(v) = desired.display_name() {
            op = op.replace("displayName", v);
        }
        if let Some(v) = desired.external_id() {
            op = op.replace("externalId", v);
        }
        let role_changes = role.filter(|r| HyperproofRole::of(&current) != Some(*r));
        if let Some(r) = role_changes {
            op = op.replace(ROLE_PATH, r.as_str());
        }
        let op = op.build().map_err(crate::scim::patch_error)?;
        let updated = self.users().patch(&id, &op).await?;
        if let Some(r) = role_changes
            && HyperproofRole::of(&updated) != Some(r)
        {
            return Err(Error::Incomplete {
                app: APP.into(),
                operation: format!(
                    "setting the role of {} to {r}",
                    quote(desired.email().as_str())
                )
                .into(),
                outcome: format!(
                    "Hyperproof accepted the PATCH but answers with the role {}; set the role in Hyperproof (Settings > Users) or in the IdP's Hyperproof app",
                    quote(primary_role_value(&updated).unwrap_or("(none)"))
                )
                .into(),
            });
        }

        let add: BTreeSet<GroupId> = want.difference(&have).cloned().collect();
        let remove: BTreeSet<GroupId> = have.difference(&want).cloned().collect();
        if add.is_empty() && remove.is_empty() {
            return Ok(index.directory_user(updated));
        }
        self.change_memberships(&id, &add, &remove).await?;
        let names: Vec<String> = want.iter().map(|g| index.name_of(g).to_owned()).collect();
        self.confirm_groups(
            updated,
            &names,
            format!("changing the groups of {}", quote(desired.email().as_str())),
        )
        .await
    }

    /// `PATCH active=false`. The answer carries the groups of `user` as the caller read
    /// them: a deactivation changes no membership, so no `/Groups` listing is spent on it.
    async fn deactivate_user(&self, user: &DirectoryUser) -> Result<DirectoryUser> {
        let id = self.resolve(user).await?;
        let now = self.users().deactivate(&id).await?;
        Ok(directory_builder(&now).groups(user.groups()).build())
    }

    /// `GET /Users/{app_id}`, else a `userName` lookup of the email, with its groups
    /// from `/Groups`; a gone id and an unknown email are errors for which
    /// `is_not_found()` is true.
    async fn get_user(&self, user: &DirectoryUser) -> Result<DirectoryUser> {
        let found = self.read_existing(user).await?;
        self.listed(found).await
    }

    /// [`ScimUsers::rename_email`](crate::scim::ScimUsers::rename_email): one `PATCH` of
    /// `userName` and the primary email on the same SCIM id (the account, its role, its
    /// groups and its active state stay; the answer carries the groups of `user` as the
    /// caller read them), after reading the account again: when its email is no longer
    /// the one `user` has, nothing is sent (it was renamed meanwhile). A taken `userName`
    /// is a 409 (`is_conflict()`), a gone id a 404 (`is_not_found()`); nothing changes
    /// either way.
    async fn rename_user(&self, user: &DirectoryUser, new_email: &Email) -> Result<DirectoryUser> {
        let new_email = Email::check(new_email.as_str())?;
        // Read the account as it is now and rename it only if it is still the one the
        // caller read (its email unchanged): a rename on a stale read would act on an
        // account someone else has renamed meanwhile.
        let now = self.read_existing(user).await?;
        let id = now.id.clone().ok_or_else(|| {
            Error::invalid_input(format!(
                "Hyperproof answered the read of {} without a SCIM id",
                quote(user.email().as_str())
            ))
        })?;
        let read = to_directory_user(now.clone());
        if read.email() != user.email() {
            return Err(Error::invalid_input(format!(
                "the Hyperproof SCIM user {} is now {}, not {} as read: nothing was changed; read it again and re-plan",
                quote(id.as_str()),
                quote(read.email().as_str()),
                quote(user.email().as_str())
            )));
        }
        let renamed = self.users().rename_read(&id, now, new_email).await?;
        Ok(directory_builder(&renamed).groups(user.groups()).build())
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
        assert_eq!(d.email().as_str(), "Jane@Example.com");
        assert_eq!(d.given_name(), Some("Jane"));
        assert_eq!(d.family_name(), Some("Doe"));
        assert_eq!(d.external_id(), Some("00u1"));
        assert!(!d.is_active());
        assert_eq!(d.groups(), ["Auditors", "g2"]);
        assert_eq!(d.app_id(), Some("hp-1"));
    }

    #[test]
    fn new_users_get_the_default_role_and_the_directory_fields() {
        let d = DirectoryUser::new("jane@example.com")
            .with_names("Jane", "Doe")
            .with_external_id("00u1");
        let user = new_user(&d, None).to_scim();
        assert_eq!(
            HyperproofRole::of(&user),
            Some(HyperproofRole::LimitedAccessUser)
        );
        assert_eq!(user.external_id.as_deref(), Some("00u1"));
        assert_eq!(user.active, Some(true));
    }

    fn group(id: &str, name: &str, members: &[scim_types::Member]) -> Group {
        let mut g = Group::new(name);
        g.id = Some(GroupId::new(id));
        g.members = members.to_vec();
        g
    }

    #[test]
    fn the_index_reads_user_members_and_the_users_own_group_ids() {
        let mut nested = scim_types::Member::new("hp-1");
        nested.type_ = Some("Group".into());
        let index = GroupIndex::from_groups(vec![
            group("g1", "Auditors", &[scim_types::Member::user("hp-1")]),
            group("g2", "Nested", &[nested]),
            group("g3", "Risk", &[]),
            group("g4", "Auditors", &[scim_types::Member::new("hp-1")]),
        ]);
        let mut user = User::new("jane@example.com");
        user.id = Some(UserId::new("hp-1"));
        // Named by id in the user's own groups; a group /Groups does not list is ignored.
        user.groups.push(GroupRef::new("g3"));
        user.groups.push(GroupRef::new("gone"));
        let d = index.directory_user(user.clone());
        assert_eq!(
            d.groups(),
            ["Auditors", "Risk"],
            "each name once, nested excluded"
        );
        // A name the user holds resolves to the groups it holds, even when shared.
        let ids = index.resolve(Some(&user), ["Auditors"]).unwrap();
        assert_eq!(ids.len(), 2);
        // For anyone else a shared name is ambiguous and an unknown one refused.
        assert!(index.resolve(None, ["Auditors"]).is_err());
        let err = index.resolve(None, ["Nope"]).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
        assert_eq!(
            index
                .resolve(None, ["Risk"])
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>(),
            [GroupId::new("g3")]
        );
    }

    #[test]
    fn roles_are_reported_as_hyperproofs_values_and_unknown_ones_as_they_are() {
        let mut user = User::new("jane@example.com");
        user.roles
            .push(scim_types::Role::new("compliance_manager").with_primary(true));
        assert_eq!(
            to_directory_user(user.clone()).role(),
            Some("COMPLIANCE_MANAGER")
        );
        user.roles = vec![scim_types::Role::new("Auditor").with_primary(true)];
        assert_eq!(to_directory_user(user).role(), Some("Auditor"));
        assert_eq!(to_directory_user(User::new("a@example.com")).role(), None);
    }

    #[test]
    fn a_wanted_role_is_checked_and_sent_on_create() {
        let d = DirectoryUser::new("jane@example.com").with_role("user");
        let role = wanted_role(&d).unwrap();
        assert_eq!(role, Some(HyperproofRole::User));
        assert_eq!(HyperproofRole::of(&new_user(&d, role).to_scim()), role);
        let err = wanted_role(&d.with_role("root")).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }));
        assert!(err.to_string().contains("LIMITED_ACCESS_USER"), "{err}");
    }

    #[test]
    fn a_mismatch_says_what_is_missing_and_what_is_left() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(membership_mismatch(&s(&["a", "b"]), &s(&["b", "a"])), None);
        assert_eq!(
            membership_mismatch(&s(&["a"]), &s(&["c"])).as_deref(),
            Some("not in `a` and still in `c`")
        );
    }
}
