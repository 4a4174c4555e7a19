//! [`Users::change_primary_email`]: the explicit delete-and-recreate, planned first.

use std::fmt;

use idgraph_common::error::quote;

use crate::client::Surface;
use crate::credentials::UserPassword;
use crate::model::{GroupId, NewUser, PrimaryEmail, User, UserType};
use crate::users::{Irreversible, Users};
use crate::{Error, Groups, Result};

/// Something a primary-email change loses or has to recreate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Loss {
    /// The aliases are deleted with the old user; the helper re-adds them to the new one.
    Aliases(Vec<String>),
    /// The group memberships end with the old user; the helper re-adds them (REST).
    Groups(Vec<String>),
    /// The password cannot be read back; the new user gets the one set on the plan
    /// ([`EmailChangePlan::password`]; required on the REST surface, whose creates need
    /// one) or, on the interface API, none.
    Password,
    /// The server-assigned identity (`createdAt`, `updatedAt`, `uid`) starts afresh.
    ServerAssigned,
    /// Fields the client does not model are not copied (they may be server-managed);
    /// their names.
    UnmodelledFields(Vec<String>),
    /// Anything Proofpoint keeps against the old account that the API does not expose
    /// (quarantine, message logs, per-user settings outside this model).
    AccountHistory,
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Loss::Aliases(a) => write!(
                f,
                "aliases {} are deleted with the old user (re-added to the new user afterwards)",
                a.join(", ")
            ),
            Loss::Groups(g) => write!(
                f,
                "memberships in {} end with the old user (re-added afterwards)",
                g.join(", ")
            ),
            Loss::Password => f.write_str(
                "the password cannot be read back; the new user gets the password set on the plan, or none",
            ),
            Loss::ServerAssigned => {
                f.write_str("creation time, update time and the server id start afresh")
            }
            Loss::UnmodelledFields(k) => write!(
                f,
                "fields this client does not model are not copied: {}",
                k.join(", ")
            ),
            Loss::AccountHistory => f.write_str(
                "anything kept against the old account that the API does not expose (quarantine, logs) stays with the deleted account",
            ),
        }
    }
}

/// A planned primary-email change: read it, show [`losses`](Self::losses) to whoever
/// decides, then [`execute`](Self::execute) with [`Irreversible`].
///
/// Owned (it holds a clone of the client, like [`Users`]): `Send + Sync + 'static`.
#[derive(Debug)]
#[must_use = "nothing changes until the plan is executed"]
pub struct EmailChangePlan {
    users: Users,
    old: User,
    new_email: PrimaryEmail,
    password: Option<UserPassword>,
    losses: Vec<Loss>,
}

/// What [`EmailChangePlan::execute`] did once the new user existed.
#[derive(Debug)]
#[non_exhaustive]
pub struct EmailChangeReport {
    /// The new user, as last written.
    pub user: User,
    /// Deleting the old user: `Ok` when it is gone. When this failed both users exist
    /// and the aliases were left on the old one.
    pub old_deletion: Result<()>,
    /// Aliases re-added to the new user.
    pub aliases_readded: Vec<String>,
    /// Aliases that could not be re-added, and why (one error for all: they are written
    /// together).
    pub aliases_not_readded: Option<(Vec<String>, Error)>,
    /// Groups the new user was added to.
    pub groups_readded: Vec<GroupId>,
    /// Group entries that could not be re-added, with why.
    pub groups_not_readded: Vec<(String, Error)>,
}

impl Users {
    /// Plans changing a user's primary email, which the API cannot update: the user is
    /// recreated under the new address and the old one deleted.
    ///
    /// Reads the old user and checks the new address is free, then returns a plan that
    /// lists what will be lost ([`Loss`]) before anything changes.
    ///
    /// ```no_run
    /// use proofpoint_essentials::{Client, Irreversible, PrimaryEmail, UserPassword};
    ///
    /// # async fn run(client: Client) -> proofpoint_essentials::Result<()> {
    /// let plan = client
    ///     .users()
    ///     .change_primary_email(&PrimaryEmail::new("jane@old.example")?, PrimaryEmail::new("jane@new.example")?)
    ///     .await?
    ///     .password(UserPassword::new("Temp@1234"));
    /// for loss in plan.losses() {
    ///     println!("will lose: {loss}");
    /// }
    /// let report = plan.execute(Irreversible).await?;
    /// for (group, why) in &report.groups_not_readded {
    ///     eprintln!("could not re-add {group}: {why}");
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// Fails before any change when the old user does not exist, the new address is
    /// taken, or the new address is one of the old user's aliases (remove that alias
    /// first with [`update`](Self::update): otherwise the old user would have to be
    /// deleted before the new one could be created, and a failed create would lose
    /// the user).
    pub async fn change_primary_email(
        &self,
        old: &PrimaryEmail,
        new: PrimaryEmail,
    ) -> Result<EmailChangePlan> {
        if *old == new {
            return Err(Error::invalid_input(format!(
                "{} and {} are the same address (compared case-insensitively); nothing to change",
                quote(old.as_str()),
                quote(new.as_str())
            )));
        }
        let user = self.get(old).await?;
        let aliases = user.aliases.clone().unwrap_or_default();
        if aliases.iter().any(|a| a.to_lowercase() == new.key()) {
            return Err(Error::invalid_input(format!(
                "{} is an alias of {}; remove the alias with Users::update first, then change the primary email",
                quote(new.as_str()),
                quote(old.as_str())
            )));
        }
        self.ensure_free(&new).await?;
        let mut losses = Vec::new();
        if !aliases.is_empty() {
            losses.push(Loss::Aliases(aliases));
        }
        if let Some(g) = user.groups.as_ref().filter(|g| !g.is_empty()) {
            losses.push(Loss::Groups(g.clone()));
        }
        losses.push(Loss::Password);
        losses.push(Loss::ServerAssigned);
        let unmodelled: Vec<String> = user.extra.keys().filter(|k| *k != "uid").cloned().collect();
        if !unmodelled.is_empty() {
            losses.push(Loss::UnmodelledFields(unmodelled));
        }
        losses.push(Loss::AccountHistory);
        Ok(EmailChangePlan {
            users: self.clone(),
            old: user,
            new_email: new,
            password: None,
            losses,
        })
    }

    async fn ensure_free(&self, email: &PrimaryEmail) -> Result<()> {
        match self.get(email).await {
            Ok(_) => Err(Error::invalid_input(format!(
                "{} already exists; a primary-email change needs a free address",
                quote(email.as_str())
            ))),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }
}

impl EmailChangePlan {
    /// What the change loses or recreates.
    pub fn losses(&self) -> &[Loss] {
        &self.losses
    }

    /// The user as it is now.
    pub fn old_user(&self) -> &User {
        &self.old
    }

    /// The address the user will have.
    pub fn new_email(&self) -> &PrimaryEmail {
        &self.new_email
    }

    /// The (temporary) password of the new user.
    pub fn password(mut self, password: UserPassword) -> Self {
        self.password = Some(password);
        self
    }

    /// Carries out the change, in the order that can lose least:
    ///
    /// 1. checks again that the new address is free (and, on the REST surface, that a
    ///    [`password`](Self::password) was set: each create needs one);
    /// 2. creates the new user with the old one's modelled fields (not its aliases,
    ///    which still belong to the old user). **If this fails, nothing has changed**
    ///    and the error is returned;
    /// 3. deletes the old user (irreversible; its aliases go with it);
    /// 4. re-adds the aliases to the new user (a full read-modify-write);
    /// 5. re-adds the group memberships (REST surface).
    ///
    /// From step 3 on, every outcome is in the report rather than an error, because the
    /// new user exists either way.
    pub async fn execute(self, confirm: Irreversible) -> Result<EmailChangeReport> {
        let users = self.users;
        if self.password.is_none() && users.client().surface() == Surface::RestV2 {
            return Err(Error::invalid_input(format!(
                "the new user {} needs a temporary password on the REST surface (each create requires one): set it with EmailChangePlan::password; nothing was changed",
                quote(self.new_email.as_str())
            )));
        }
        users.ensure_free(&self.new_email).await?;
        let old = self.old;
        let mut new = NewUser::new(
            self.new_email.clone(),
            old.user_type
                .clone()
                .unwrap_or(match users.client().surface() {
                    Surface::RestV2 => UserType::User,
                    Surface::InterfaceV1 => UserType::EndUser,
                }),
        );
        new.first_name = old.first_name.clone();
        new.last_name = old.last_name.clone();
        new.password = self.password;
        new.roles = old.roles.clone();
        new.mailbox_size = old.mailbox_size;
        new.spam_policy = old.spam_policy.clone();
        new.status = old.status.clone();
        new.sender_allow_list = old.sender_allow_list.clone();
        new.sender_block_list = old.sender_block_list.clone();
        let mut created = users.create(&new).await?;

        let old_deletion = users.delete(&old.primary_email, confirm).await;
        let mut report = EmailChangeReport {
            user: created.clone(),
            old_deletion,
            aliases_readded: Vec::new(),
            aliases_not_readded: None,
            groups_readded: Vec::new(),
            groups_not_readded: Vec::new(),
        };
        let aliases = old.aliases.clone().unwrap_or_default();
        if !aliases.is_empty() {
            if let Err(e) = &report.old_deletion {
                let why = Error::invalid_input(format!(
                    "the old user was not deleted ({e}), so its aliases still belong to it"
                ));
                report.aliases_not_readded = Some((aliases, why));
            } else {
                let to_add = aliases.clone();
                match users
                    .update(&self.new_email, move |u| {
                        let list = u.aliases.get_or_insert_with(Vec::new);
                        for a in to_add {
                            if !list.iter().any(|x| x.eq_ignore_ascii_case(&a)) {
                                list.push(a);
                            }
                        }
                    })
                    .await
                {
                    Ok(u) => {
                        created = u;
                        report.aliases_readded = aliases;
                    }
                    Err(e) => report.aliases_not_readded = Some((aliases, e)),
                }
            }
        }
        if users.client().surface() == Surface::RestV2 {
            let groups = users.client().groups();
            for entry in old.groups.clone().unwrap_or_default() {
                match join_group(&groups, &entry, &self.new_email).await {
                    Ok(id) => report.groups_readded.push(id),
                    Err(e) => report.groups_not_readded.push((entry, e)),
                }
            }
        }
        report.user = created;
        Ok(report)
    }
}

/// Adds `email` to the group an entry names (an id, else a name).
async fn join_group(groups: &Groups, entry: &str, email: &PrimaryEmail) -> Result<GroupId> {
    let as_id = GroupId::new(entry)?;
    match groups.add_member(&as_id, email).await {
        Ok(()) => Ok(as_id),
        Err(e) if e.is_not_found() => match groups.find(entry).await? {
            Some(g) if g.id != as_id => {
                groups.add_member(&g.id, email).await?;
                Ok(g.id)
            }
            _ => Err(e),
        },
        Err(e) => Err(e),
    }
}
