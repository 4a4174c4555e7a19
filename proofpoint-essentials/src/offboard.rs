//! [`Users::offboard`]: the seed's deprovisioning scenario as one call.

use crate::client::Surface;
use crate::model::{Group, GroupId, PrimaryEmail, User};
use crate::users::{Irreversible, Users};
use crate::{Error, Groups, Result};

/// What [`Users::offboard`] did.
#[derive(Debug)]
#[non_exhaustive]
pub struct OffboardReport {
    /// The user as it was before deletion (what was lost with it).
    pub user: User,
    /// Groups the user was removed from.
    pub groups_removed: Vec<GroupId>,
    /// Group entries the user could not be removed from, with why. The deletion still
    /// ran: leaving a departed user active is worse than a stale membership.
    pub group_failures: Vec<(String, Error)>,
    /// `true` when the final `GET` answered 404.
    pub verified_gone: bool,
    /// Why the final check could not confirm the deletion, when it could not.
    pub verification_error: Option<Error>,
}

impl Users {
    /// Deprovisions a departed user, as the seed's scenario describes:
    ///
    /// 1. `GET /users/{email}`: the user must exist (else the error, and nothing done);
    /// 2. `DELETE /groups/{id}/members/{email}` for each of its groups (REST surface; a
    ///    group listed by name is looked up by name);
    /// 3. `DELETE /users/{email}`: **irreversible**, aliases included;
    /// 4. `GET /users/{email}` again, expecting 404.
    ///
    /// Asks for the same [`Irreversible`] confirmation as [`delete`](Self::delete).
    /// A failed deletion is returned as the error (the group removals already made
    /// stay made; running `offboard` again is safe).
    ///
    /// ```no_run
    /// use proofpoint_essentials::{Client, Irreversible, PrimaryEmail};
    ///
    /// # async fn run(client: Client) -> proofpoint_essentials::Result<()> {
    /// let report = client.users().offboard(&PrimaryEmail::new("leaver@example.com")?, Irreversible).await?;
    /// assert!(report.verified_gone);
    /// # Ok(()) }
    /// ```
    pub async fn offboard(
        &self,
        email: &PrimaryEmail,
        confirm: Irreversible,
    ) -> Result<OffboardReport> {
        let user = self.get(email).await?;
        let mut report = OffboardReport {
            groups_removed: Vec::new(),
            group_failures: Vec::new(),
            verified_gone: false,
            verification_error: None,
            user,
        };
        if self.client().surface() == Surface::RestV2 {
            let entries = report.user.groups.clone().unwrap_or_default();
            let groups = self.client().groups();
            for entry in entries {
                match leave_group(&groups, &entry, email).await {
                    Ok(id) => report.groups_removed.push(id),
                    Err(e) => report.group_failures.push((entry, e)),
                }
            }
        }
        self.delete(email, confirm).await?;
        match self.get(email).await {
            Err(e) if e.is_not_found() => report.verified_gone = true,
            Err(e) => report.verification_error = Some(e),
            Ok(_) => {
                report.verification_error = Some(Error::invalid_input(format!(
                    "{} still exists after DELETE answered success; a directory sync may have recreated it",
                    idgraph_common::error::quote(email.as_str())
                )))
            }
        }
        Ok(report)
    }
}

/// Removes `email` from the group a user's `groups` entry names (an id, else a name).
pub(crate) async fn leave_group(
    groups: &Groups,
    entry: &str,
    email: &PrimaryEmail,
) -> Result<GroupId> {
    let as_id = GroupId::new(entry)?;
    match groups.remove_member(&as_id, email).await {
        Ok(()) => Ok(as_id),
        Err(e) if e.is_not_found() => match groups.find(entry).await? {
            Some(Group { id, .. }) if id != as_id => {
                groups.remove_member(&id, email).await?;
                Ok(id)
            }
            _ => Err(e),
        },
        Err(e) => Err(e),
    }
}
