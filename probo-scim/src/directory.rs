//! The identity graph's [`UserDirectory`] for Probo.
//!
//! | DirectoryUser | Probo User |
//! |---|---|
//! | `email` | `userName` (Probo's userName is the email) |
//! | `given_name`, `family_name` | `name.givenName`, `name.familyName` (`""` = none) |
//! | `display_name` | `displayName` (`""` = none) |
//! | `external_id` | `externalId`, except Probo's echo of the `id` (= none) |
//! | `active` | `active` |
//! | `groups` | always empty: Probo has no groups |
//! | `app_id` | `id` |

use async_trait::async_trait;
use idgraph_common::error::quote;
use idgraph_common::graph::{
    CatalogEntry, CreateKind, Created, DirectoryUser, Email as GraphEmail, UserDirectory,
};
use idgraph_common::paginate::{Items, Page, Paginator, Strategy};
use idgraph_common::{ApiError, Error, ErrorBody, Result};
use scim_types::{Email, Name, PatchOp, User, UserId};

use crate::client::Client;
use crate::outcome::{CreateOutcome, RenameOutcome};
use crate::users::external_id;

fn non_empty(s: Option<&String>) -> Option<&str> {
    s.map(String::as_str).filter(|s| !s.is_empty())
}

/// A Probo user as the identity graph sees it.
pub(crate) fn to_directory(user: &User) -> DirectoryUser {
    let email = if user.user_name.is_empty() {
        user.primary_email().unwrap_or_default()
    } else {
        &user.user_name
    };
    let name = user.name.as_ref();
    DirectoryUser::builder(email)
        .active(user.active != Some(false))
        .given_name(non_empty(name.and_then(|n| n.given_name.as_ref())))
        .family_name(non_empty(name.and_then(|n| n.family_name.as_ref())))
        .display_name(non_empty(user.display_name.as_ref()))
        .external_id(external_id(user))
        .app_id(user.id.as_ref().map(UserId::as_str))
        .build()
}

/// The Probo user to create for a directory user.
pub(crate) fn from_directory(d: &DirectoryUser) -> User {
    let email = d.email().as_str();
    let mut user = User::new(email)
        .with_email(Email::work(email).with_primary(true))
        .with_active(d.is_active());
    if d.given_name().is_some() || d.family_name().is_some() {
        let mut name = Name::default();
        name.given_name = d.given_name().map(str::to_owned);
        name.family_name = d.family_name().map(str::to_owned);
        user.name = Some(name);
    }
    user.display_name = d.display_name().map(str::to_owned);
    user.external_id = d.external_id().map(str::to_owned);
    user
}

/// No SCIM user has this email: the 404 a `GET` would be.
fn no_user_with_email(email: &str) -> Error {
    let mut api = ApiError::new(404, "GET", "/Users").with_body(ErrorBody::Json {
        code: None,
        message: Some(format!("no Probo SCIM user has the email {}", quote(email))),
    });
    api.set_hint(
        "the userName lookup found no SCIM user (profiles Probo did not provision through SCIM are invisible to SCIM)",
    );
    Error::Api(Box::new(api))
}

/// A rename that made Probo take over another profile: never a success.
fn took_over_other(id: &UserId, original: &User, other: &User, new_email: &GraphEmail) -> Error {
    let other_id = other.id.as_ref().map(UserId::as_str).unwrap_or_default();
    Error::Incomplete {
        app: "Probo".into(),
        operation: format!(
            "renaming user {} ({}) to {}",
            quote(id.as_str()),
            quote(&original.user_name),
            quote(new_email.as_str())
        )
        .into(),
        outcome: format!(
            "a profile Probo had not provisioned through SCIM (invited by hand or through SAML) already had the new email, so Probo took over that profile ({}) instead of renaming: it now has the new email, the person's attributes and their externalId, while user {} kept {} and lost its externalId; review both in Probo (keep one account for the person) before syncing again",
            quote(other_id),
            quote(id.as_str()),
            quote(&original.user_name)
        )
        .into(),
    }
}

impl Client {
    /// The id of the user `d` names: its `app_id`, else a lookup by email; no such user
    /// is an error for which `is_not_found()` is true.
    async fn resolve_existing(&self, d: &DirectoryUser) -> Result<UserId> {
        if let Some(id) = d.app_id() {
            return Ok(UserId::new(id));
        }
        self.users()
            .find_by_user_name(d.email().as_str())
            .await?
            .and_then(|u| u.id)
            .ok_or_else(|| no_user_with_email(d.email().as_str()))
    }

    /// The id of the user `d` names: its `app_id`, else a lookup by email.
    async fn resolve(&self, d: &DirectoryUser) -> Result<UserId> {
        if let Some(id) = d.app_id() {
            return Ok(UserId::new(id));
        }
        self.users()
            .find_by_user_name(d.email().as_str())
            .await?
            .and_then(|u| u.id)
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "no Probo SCIM user has the email {}",
                    quote(d.email().as_str())
                ))
            })
    }
}

/// Probo through the identity graph. `update` sends a PATCH of the changed fields only
/// (and `displayName` with any name change, since Probo rewrites it otherwise);
/// `delete_user` is [`Users::delete`](crate::Users::delete): [`Error::Incomplete`] when
/// Probo only deactivated the user because other records reference it.
#[async_trait]
impl UserDirectory for Client {
    fn catalog(&self) -> &CatalogEntry {
        crate::catalog_entry()
    }

    /// Every SCIM user (Probo answers them all at once). A listing that ends cleanly is
    /// also kept as the record [`Users::create`](crate::Users::create) reads, so the
    /// creates that follow it need no listing of their own.
    fn list_users(&self) -> Items<DirectoryUser> {
        let users = self.users();
        Paginator::new(Strategy::Unpaginated, move |_| {
            let users = users.clone();
            async move {
                let (all, summary) = users.list().stream().collect_with_summary().await?;
                if summary.is_complete() {
                    users.client().snapshot().replace(&all);
                }
                Ok(Page::new(all.iter().map(to_directory).collect())
                    .with_total(summary.reported_total))
            }
        })
        .items()
    }

    async fn create_user(&self, user: &DirectoryUser) -> Result<Created> {
        let outcome = self.users().create(&from_directory(user)).await?;
        let stored = to_directory(outcome.user());
        Ok(match outcome {
            CreateOutcome::Renamed {
                previous_user_name, ..
            } => Created::with_kind(
                stored,
                CreateKind::Renamed {
                    previous_email: previous_user_name.into(),
                },
            ),
            CreateOutcome::TookOver { .. } => Created::with_kind(stored, CreateKind::TookOver),
            _ => Created::new(stored),
        })
    }

    async fn update_user(&self, desired: &DirectoryUser) -> Result<DirectoryUser> {
        let id = self.resolve(desired).await?;
        let users = self.users();
        let current = users.get(&id).await?;
        let now = to_directory(&current);
        let mut op = PatchOp::builder();
        let mut changed = false;
        let names_change =
            now.given_name() != desired.given_name() || now.family_name() != desired.family_name();
        if names_change {
            op = op
                .replace("name.givenName", desired.given_name().unwrap_or_default())
                .replace("name.familyName", desired.family_name().unwrap_or_default());
            changed = true;
        }
        if names_change || now.display_name() != desired.display_name() {
            // Probo recomputes displayName from the name parts of a PATCH that changes
            // them without displayName; an empty displayName is ignored, so fall back to
            // the current one (or the name parts) to keep what the caller expects.
            let display = desired
                .display_name()
                .or_else(|| now.display_name())
                .unwrap_or_default();
            if !display.is_empty() {
                op = op.replace("displayName", display);
                changed = true;
            }
        }
        if now.external_id() != desired.external_id() {
            op = match desired.external_id() {
                Some(ext) => op.replace("externalId", ext),
                None => op.remove("externalId"),
            };
            changed = true;
        }
        if now.is_active() != desired.is_active() {
            op = op.replace("active", desired.is_active());
            changed = true;
        }
        if !changed {
            return Ok(now);
        }
        let op = op
            .build()
            .map_err(|e| Error::invalid_input(e.to_string()))?;
        let updated = users.patch(&id, &op).await?;
        Ok(to_directory(&updated))
    }

    async fn deactivate_user(&self, user: &DirectoryUser) -> Result<DirectoryUser> {
        let id = self.resolve(user).await?;
        Ok(to_directory(&self.users().deactivate(&id).await?))
    }

    async fn delete_user(&self, user: &DirectoryUser) -> Result<()> {
        let id = self.resolve(user).await?;
        self.users().delete(&id).await
    }

    /// `GET /Users/{app_id}`, else a `userName` lookup of the email. An `app_id` that is
    /// gone (deleted, or not a Probo id) and an email no SCIM user has are errors for which
    /// `is_not_found()` is true.
    async fn get_user(&self, user: &DirectoryUser) -> Result<DirectoryUser> {
        let id = self.resolve_existing(user).await?;
        Ok(to_directory(&self.users().get(&id).await?))
    }

    /// [`Users::rename_email`](crate::Users::rename_email): Probo's rename route, a `POST`
    /// repeating the `externalId` with the new email. Same id, same role, same active
    /// state at every step (the POST carries the current `active`, so no step reactivates
    /// the user, which would reset the role to EMPLOYEE: Probo's SCIM API cannot set roles
    /// back). Answers:
    ///
    /// * renamed, or already at that email: the user as it is now;
    /// * a SCIM user already has the new email: a 409 (`is_conflict()`), nothing changed;
    /// * the user is gone: `is_not_found()`;
    /// * a profile Probo did not provision through SCIM had the new email, and Probo took
    ///   it over instead of renaming ([`RenameOutcome::TookOverOtherProfile`]): an
    ///   [`Error::Incomplete`] naming both accounts, never a success, because the person
    ///   now has two accounts to review. SCIM cannot see such profiles before the request.
    async fn rename_user(
        &self,
        user: &DirectoryUser,
        new_email: &GraphEmail,
    ) -> Result<DirectoryUser> {
        let id = self.resolve_existing(user).await?;
        match self.users().rename_email(&id, new_email.as_str()).await? {
            RenameOutcome::Renamed { user, .. } | RenameOutcome::Unchanged { user } => {
                Ok(to_directory(&user))
            }
            RenameOutcome::TookOverOtherProfile { user, original } => {
                Err(took_over_other(&id, &original, &user, new_email))
            }
        }
    }
}
