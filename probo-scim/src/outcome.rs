//! What Probo actually did: the outcomes of `create` and `rename_email`, which Probo
//! answers with the same status whatever it did. (`delete` needs no outcome: it returns
//! `()` when the user is gone and `Error::Incomplete` when Probo only deactivated them.)

use scim_types::User;

/// What a `POST /Users` did. Probo answers 201 in every case, sometimes with the id of a
/// user that already existed (research §5, cases 2 and 3).
///
/// ```no_run
/// use probo_scim::{Client, CreateOutcome, User};
///
/// # async fn run(client: Client) -> probo_scim::Result<()> {
/// match client.users().create(&User::new("new@example.com")).await? {
///     CreateOutcome::Created { user } => println!("created {:?}", user.id),
///     CreateOutcome::TookOver { user } => println!("took over the existing profile {:?}", user.id),
///     CreateOutcome::Renamed { user, previous_user_name } => {
///         println!("moved {previous_user_name} to {}", user.user_name)
///     }
///     other => println!("{other:?}"),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CreateOutcome {
    /// A new user was created.
    Created {
        /// The user as Probo stored it.
        user: User,
    },
    /// Probo answered with an account that already existed, one the client had not seen
    /// as a SCIM user: most often a profile with this email that was not managed by SCIM
    /// (invited by hand or created through SAML), which Probo took over (same id,
    /// attributes overwritten from the request, now SCIM-managed; any other user holding
    /// the same `externalId` lost it). It can also be a SCIM user created or renamed by
    /// someone else since the client's last listing and now renamed by this `externalId`,
    /// whose previous email the client cannot know. Either way, not a new account.
    TookOver {
        /// The user as Probo stored it.
        user: User,
    },
    /// The `externalId` belonged to an existing user with another email: Probo moved that
    /// user (same id, same role) to the new email instead of creating one.
    Renamed {
        /// The user as Probo stored it.
        user: User,
        /// The `userName` the user had before.
        previous_user_name: String,
    },
}

impl CreateOutcome {
    /// The user, whatever happened.
    pub fn user(&self) -> &User {
        match self {
            CreateOutcome::Created { user }
            | CreateOutcome::TookOver { user }
            | CreateOutcome::Renamed { user, .. } => user,
        }
    }

    /// The user, whatever happened.
    pub fn into_user(self) -> User {
        match self {
            CreateOutcome::Created { user }
            | CreateOutcome::TookOver { user }
            | CreateOutcome::Renamed { user, .. } => user,
        }
    }

    /// `true` when a new user was created.
    pub fn is_new(&self) -> bool {
        matches!(self, CreateOutcome::Created { .. })
    }
}

/// What [`rename_email`](crate::Users::rename_email) did.
///
/// ```no_run
/// use probo_scim::{Client, RenameOutcome, UserId};
///
/// # async fn run(client: Client, id: UserId) -> probo_scim::Result<()> {
/// match client.users().rename_email(&id, "jane.doe@example.com").await? {
///     RenameOutcome::Renamed { user, previous_user_name } => {
///         println!("moved {previous_user_name} to {}", user.user_name)
///     }
///     RenameOutcome::TookOverOtherProfile { user, original } => println!(
///         "Probo took over {:?} instead; {} kept its email: review both",
///         user.id, original.user_name
///     ),
///     other => println!("{}", other.user().user_name),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RenameOutcome {
    /// The user now has the new email (same id, same role).
    Renamed {
        /// The user as it is now.
        user: User,
        /// The `userName` before.
        previous_user_name: String,
    },
    /// The email was unchanged; nothing was sent.
    Unchanged {
        /// The user as it is.
        user: User,
    },
    /// A profile with the new email already existed without being SCIM-managed (invited
    /// by hand or through SAML), so Probo took over *that* profile instead: `user` is a
    /// different user (another id) and the original user kept its email but lost its
    /// `externalId` to it. Review both users.
    TookOverOtherProfile {
        /// The profile Probo took over.
        user: User,
        /// The user that was meant to be renamed, as it is now (boxed: the variant
        /// holds two users).
        original: Box<User>,
    },
}

impl RenameOutcome {
    /// The user Probo answered with, the one that has the requested email now: the
    /// renamed user, the unchanged user, or the profile Probo took over instead.
    pub fn user(&self) -> &User {
        match self {
            RenameOutcome::Renamed { user, .. }
            | RenameOutcome::Unchanged { user }
            | RenameOutcome::TookOverOtherProfile { user, .. } => user,
        }
    }

    /// The user Probo answered with (see [`user`](Self::user)).
    pub fn into_user(self) -> User {
        match self {
            RenameOutcome::Renamed { user, .. }
            | RenameOutcome::Unchanged { user }
            | RenameOutcome::TookOverOtherProfile { user, .. } => user,
        }
    }
}
