//! The identity-graph view: [`UserDirectory`] for [`Client`], on both surfaces.
//!
//! | `DirectoryUser` | Proofpoint Essentials |
//! |---|---|
//! | `email`, `app_id` | primary email |
//! | `given_name` / `family_name` | `firstName` / `lastName` (`firstname` / `surname`) |
//! | `active` | `status` (`is_active`); no status counts as active |
//! | `groups` | the names of the user's groups (REST surface; the interface API has none); the API lists group ids, which a listing resolves to names once |
//! | `external_id`, `display_name` | not stored by Proofpoint; ignored |
//!
//! New accounts get their temporary password from the client's [`PasswordPolicy`]
//! (generated from the OS CSPRNG by default; every REST create sends one).
//!
//! [`PasswordPolicy`]: crate::PasswordPolicy

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use futures::TryStreamExt;
use idgraph_common::graph::catalog::CatalogEntry;
use idgraph_common::graph::{Created, DirectoryUser, DirectoryUserBuilder, Email, UserDirectory};
use idgraph_common::paginate::Items;

use crate::client::{Client, Surface};
use crate::errors::APP;
use crate::model::{Group, NewUser, PrimaryEmail, User, UserStatus, UserType};
use crate::offboard::leave_group;
use crate::users::{Irreversible, fetch_page};
use crate::{Error, Result};
use idgraph_common::error::quote;

/// The directory view of a user.
pub(crate) fn to_directory(user: &User) -> DirectoryUser {
    directory_builder(user)
        .groups(user.groups.iter().flatten())
        .build()
}

/// `user` as a directory user, but for its groups, which the caller sets.
fn directory_builder(user: &User) -> DirectoryUserBuilder<'_> {
    DirectoryUser::builder(user.primary_email().as_str())
        .active(user.is_active())
        .given_name(user.first_name.as_deref())
        .family_name(user.last_name.as_deref())
        .app_id(user.primary_email().as_str())
}

/// What the directory calls a group: its name, or its id when it has none.
fn group_label(group: &Group) -> String {
    group
        .name
        .clone()
        .unwrap_or_else(|| group.id.as_str().to_owned())
}

/// The directory view of a user whose group ids are replaced by names (`names` maps
/// id → name; an entry that is no known id is kept as it is).
fn to_directory_named(user: &User, names: &HashMap<String, String>) -> DirectoryUser {
    let named = user
        .groups
        .iter()
        .flatten()
        .map(|g| names.get(g).unwrap_or(g));
    directory_builder(user).groups(named).build()
}

/// The seed's scenarios: each `/v2` create "requires primaryEmail, firstName, lastName,
/// type, and a temporary password" (its field table says the names are optional; we
/// work under the stricter reading). A person the source gives no names for is refused
/// here, before anything is sent, naming what is missing, instead of by the server.
fn require_names(user: &DirectoryUser) -> Result<()> {
    let missing: Vec<&str> = [
        ("given_name", user.given_name()),
        ("family_name", user.family_name()),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_none_or(|v| v.trim().is_empty()))
    .map(|(name, _)| name)
    .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::invalid_input(format!(
        "Proofpoint Essentials' /v2 API creates a user only with a first and a last name; the source gives {} no {}",
        quote(user.email().as_str()),
        missing.join(" and no "),
    )))
}

/// The key of a directory user: its app id (the primary email) when set, else its email.
fn key_of(user: &DirectoryUser) -> Result<PrimaryEmail> {
    PrimaryEmail::new(user.app_id().unwrap_or(user.email().as_str()))
}

impl Client {
    /// Every group's id → what the directory calls it (REST surface).
    async fn group_names(&self) -> Result<HashMap<String, String>> {
        let groups: Vec<Group> = self.groups().list().stream().try_collect().await?;
        Ok(groups
            .iter()
            .map(|g| (g.id.as_str().to_owned(), group_label(g)))
            .collect())
    }

    /// The directory view of one user in the shape `list_users` gives: on the REST
    /// surface its group ids become names (one groups listing, only when it has groups).
    async fn to_directory_listed(&self, user: &User) -> Result<DirectoryUser> {
        if self.surface() == Surface::InterfaceV1
            || user.groups.as_ref().is_none_or(|g| g.is_empty())
        {
            return Ok(to_directory(user));
        }
        Ok(to_directory_named(user, &self.group_names().await?))
    }

    /// Resolves group entries (ids or names) to groups, refusing unknown ones.
    async fn resolve_groups<S: AsRef<str> + Sync>(&self, entries: &[S]) -> Result<Vec<Group>> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let all: Vec<Group> = self.groups().list().stream().try_collect().await?;
        entries
            .iter()
            .map(|entry| {
                let entry = entry.as_ref();
                all.iter()
                    .find(|g| g.id.as_str() == entry)
                    .or_else(|| {
                        all.iter().find(|g| {
                            g.name
                                .as_deref()
                                .is_some_and(|n| n.to_lowercase() == entry.to_lowercase())
                        })
                    })
                    .cloned()
                    .ok_or_else(|| {
                        Error::invalid_input(format!(
                            "there is no Proofpoint Essentials group with id or name {}",
                            quote(entry)
                        ))
                    })
            })
            .collect()
    }
}

#[async_trait]
impl UserDirectory for Client {
    /// The entry of the surface this client talks to: the interface API has no groups
    /// and no paging, so planning against it must not try to change groups.
    fn catalog(&self) -> &CatalogEntry {
        match self.surface() {
            Surface::InterfaceV1 => crate::catalog_entry_interface_v1(),
            Surface::RestV2 => crate::catalog_entry(),
        }
    }

    fn list_users(&self) -> Items<DirectoryUser> {
        if self.surface() == Surface::InterfaceV1 {
            return self.users().list().stream().map(|u| to_directory(&u));
        }
        // Users carry group ids, but the directory speaks group names (what `create` and
        // `update` accept, and what a source directory holds): list the groups once, at
        // the first page, and report names, so a plan against this listing settles.
        let client = self.clone();
        let names: Arc<tokio::sync::OnceCell<Arc<HashMap<String, String>>>> = Arc::default();
        self.users()
            .list()
            .paginate(move |req| {
                let (client, names) = (client.clone(), names.clone());
                async move {
                    let names = names
                        .get_or_try_init(|| async {
                            Ok::<_, Error>(Arc::new(client.group_names().await?))
                        })
                        .await?
                        .clone();
                    let page = fetch_page(&client, req).await?;
                    Ok(page.map_items(|u| to_directory_named(&u, &names)))
                }
            })
            .items()
    }

    async fn create_user(&self, user: &DirectoryUser) -> Result<Created> {
        let email = PrimaryEmail::new(user.email().as_str())?;
        let user_type = match self.surface() {
            Surface::RestV2 => UserType::User,
            Surface::InterfaceV1 => UserType::EndUser,
        };
        if self.surface() == Surface::RestV2 {
            require_names(user)?;
        }
        let mut new = NewUser::new(email.clone(), user_type);
        new.first_name = user.given_name().map(str::to_owned);
        new.last_name = user.family_name().map(str::to_owned);
        new.status = Some(if user.is_active() {
            UserStatus::Active
        } else {
            UserStatus::Inactive
        });
        new.password = self.password_policy().for_create(user, self.surface())?;
        // Resolve groups before creating, so an unknown group creates nothing.
        let groups = match self.surface() {
            Surface::RestV2 => {
                let entries: Vec<&str> = user.groups().iter().collect();
                self.resolve_groups(&entries).await?
            }
            Surface::InterfaceV1 => Vec::new(),
        };
        let created = self.users().create(&new).await?;
        let g = self.groups();
        for group in &groups {
            g.add_member(&group.id, &email).await?;
        }
        let mut out = to_directory(&created);
        if !groups.is_empty() {
            out.set_groups(groups.iter().map(group_label));
        }
        Ok(Created::new(out))
    }

    async fn update_user(&self, desired: &DirectoryUser) -> Result<DirectoryUser> {
        let email = key_of(desired)?;
        let updated = self
            .users()
            .update(&email, |u| {
                u.first_name = desired.given_name().map(str::to_owned);
                u.last_name = desired.family_name().map(str::to_owned);
                u.status = Some(if desired.is_active() {
                    UserStatus::Active
                } else {
                    UserStatus::Inactive
                });
            })
            .await?;
        if self.surface() == Surface::InterfaceV1 {
            return Ok(to_directory(&updated));
        }
        // Memberships through the members endpoint, which confirms each change.
        let entries: Vec<&str> = desired.groups().iter().collect();
        let wanted = self.resolve_groups(&entries).await?;
        let want: BTreeSet<String> = wanted.iter().map(|g| g.id.as_str().to_owned()).collect();
        let current = updated.groups.clone().unwrap_or_default();
        let have: BTreeSet<String> = self
            .resolve_groups(&current)
            .await
            .map(|gs| gs.into_iter().map(|g| g.id.as_str().to_owned()).collect())
            .unwrap_or_else(|_| current.iter().cloned().collect());
        let g = self.groups();
        for id in want.difference(&have) {
            g.add_member(&crate::GroupId::new(id.as_str())?, &email)
                .await?;
        }
        for id in have.difference(&want) {
            leave_group(&g, id, &email).await?;
        }
        let mut out = to_directory(&updated);
        out.set_groups(wanted.iter().map(group_label));
        Ok(out)
    }

    async fn deactivate_user(&self, user: &DirectoryUser) -> Result<DirectoryUser> {
        Ok(to_directory(
            &self.users().deactivate(&key_of(user)?).await?,
        ))
    }

    /// The trait's caller (a reconcile policy set to delete) is the confirmation.
    async fn delete_user(&self, user: &DirectoryUser) -> Result<()> {
        self.users().delete(&key_of(user)?, Irreversible).await
    }

    /// `GET /users/{primaryEmail}` by `app_id` (else email), in the shape
    /// [`list_users`](UserDirectory::list_users) gives (group names on REST), so the two
    /// compare equal for an unchanged account.
    async fn get_user(&self, user: &DirectoryUser) -> Result<DirectoryUser> {
        let found = self.users().get(&key_of(user)?).await?;
        self.to_directory_listed(&found).await
    }

    /// The primary email is immutable, so a rename is [`Users::change_primary_email`](crate::Users::change_primary_email):
    /// the account is created again under `new_email` (with a password from the
    /// client's [`PasswordPolicy`](crate::PasswordPolicy)), the old one deleted, its
    /// aliases and (REST) group memberships re-added. What that loses is the plan's
    /// [`Loss`](crate::Loss) list: the password, the server-assigned identity
    /// (`createdAt`, `uid`), fields this client does not model, and the account's
    /// history.
    ///
    /// `user` is the account as the caller read it ([`list_users`](UserDirectory::list_users)
    /// or [`get_user`](UserDirectory::get_user)). It is read again first, and when it is
    /// gone, or its email, names, active flag or groups differ from `user`, the rename
    /// is refused and nothing is changed: it acts on exactly the planned account.
    ///
    /// If the new account cannot be created, nothing has changed and that error is
    /// returned. Once it exists, a later step that fails (deleting the old account,
    /// re-adding aliases or memberships) is an [`Error::Incomplete`] saying what exists
    /// now and what is missing.
    async fn rename_user(&self, user: &DirectoryUser, new_email: &Email) -> Result<DirectoryUser> {
        let old = key_of(user)?;
        let new = PrimaryEmail::new(new_email.as_str())?;
        let plan = self.users().change_primary_email(&old, new.clone()).await?;
        let now = self.to_directory_listed(plan.old_user()).await?;
        let changed = changes_since_read(user, &now);
        if !changed.is_empty() {
            return Err(Error::invalid_input(format!(
                "{} changed since it was read ({}); nothing was changed: read it again and re-plan",
                quote(old.as_str()),
                changed.join(", ")
            )));
        }
        let mut becomes = user.clone();
        becomes.set_email(new_email.as_str());
        becomes.set_app_id(None);
        let plan = match self
            .password_policy()
            .for_create(&becomes, self.surface())?
        {
            Some(password) => plan.password(password),
            None => plan,
        };
        let report = plan.execute(Irreversible).await?;
        let mut missing: Vec<String> = Vec::new();
        if let Err(e) = &report.old_deletion {
            let old = quote(old.as_str());
            missing.push(format!(
                "the old account {old} could not be deleted ({e}), so both accounts exist: delete {old} once the new one is confirmed"
            ));
        }
        if let Some((aliases, e)) = &report.aliases_not_readded {
            missing.push(format!(
                "aliases {} were not re-added ({e})",
                aliases.join(", ")
            ));
        }
        for (group, e) in &report.groups_not_readded {
            missing.push(format!(
                "membership in {} was not re-added ({e})",
                quote(group.as_str())
            ));
        }
        if !missing.is_empty() {
            return Err(Error::Incomplete {
                app: APP.into(),
                operation: format!(
                    "rename of {} to {}",
                    quote(old.as_str()),
                    quote(new.as_str())
                )
                .into(),
                outcome: format!(
                    "the new account {} exists, but {}",
                    quote(new.as_str()),
                    missing.join("; ")
                )
                .into(),
            });
        }
        let mut out = to_directory(&report.user);
        if self.surface() == Surface::RestV2 {
            // Every membership was re-added (else the error above): the groups it had,
            // named as `list_users` names them.
            out.set_groups(now.groups());
        }
        Ok(out)
    }
}

/// What differs between the account as the caller read it and as it is now, by the
/// fields Proofpoint stores (email, names, active flag, groups).
fn changes_since_read(read: &DirectoryUser, now: &DirectoryUser) -> Vec<&'static str> {
    let groups = |u: &DirectoryUser| -> BTreeSet<String> {
        u.groups().iter().map(str::to_lowercase).collect()
    };
    let mut out = Vec::new();
    if read.email() != now.email() {
        out.push("email");
    }
    if read.given_name() != now.given_name() {
        out.push("first name");
    }
    if read.family_name() != now.family_name() {
        out.push("last name");
    }
    if read.is_active() != now.is_active() {
        out.push("status");
    }
    if groups(read) != groups(now) {
        out.push("groups");
    }
    out
}
