//! [`ReadBlind`]: the [`UserDirectory`] of apps with no user API (Proof, Tessian).

use async_trait::async_trait;

use std::sync::Arc;

use super::catalog::{self, CatalogEntry, Operation};
use super::directory::{Created, Email, UserDirectory};
use super::user::DirectoryUser;
use crate::error::{Error, Result};
use crate::paginate::Items;

/// A [`UserDirectory`] for an app that cannot be read or changed through any API.
///
/// Every operation, listing included, answers [`Error::Unsupported`] naming the app, the
/// operation and the identity-provider action that has the same effect, taken verbatim
/// from the app's [catalog entry](CatalogEntry::step). Nothing is ever sent anywhere.
///
/// ```
/// use futures::StreamExt;
/// use idgraph_common::Error;
/// use idgraph_common::graph::{DirectoryUser, ReadBlind, UserDirectory};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let proof = ReadBlind::proof();
/// let err = proof.deactivate_user(&DirectoryUser::new("jane@example.com")).await.unwrap_err();
/// assert!(matches!(err, Error::Unsupported { .. }));
/// assert!(err.to_string().contains("unassign the user from the Proof app in Okta or Entra ID"));
///
/// let first = proof.list_users().next().await;
/// assert!(matches!(first, Some(Err(Error::Unsupported { .. }))));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ReadBlind {
    entry: Arc<CatalogEntry>,
}

impl ReadBlind {
    /// Proof: SAML JIT only; offboarding is unassigning the user in Okta or Entra ID.
    pub fn proof() -> Self {
        Self {
            entry: Arc::new(catalog::proof().clone()),
        }
    }

    /// Tessian: the IdP's SCIM app provisioning owns the lifecycle.
    pub fn tessian() -> Self {
        Self {
            entry: Arc::new(catalog::tessian().clone()),
        }
    }

    /// A read-blind directory for any catalog entry that [is read-blind]
    /// (CatalogEntry::is_read_blind); `None` for an app that has an API.
    ///
    /// ```
    /// use idgraph_common::graph::{ReadBlind, catalog};
    /// assert!(ReadBlind::for_entry(catalog::tessian().clone()).is_some());
    /// assert!(ReadBlind::for_entry(catalog::scim().clone()).is_none());
    /// ```
    pub fn for_entry(entry: CatalogEntry) -> Option<Self> {
        entry.is_read_blind().then(|| Self {
            entry: Arc::new(entry),
        })
    }

    /// The error every call of `op` answers.
    ///
    /// ```
    /// use idgraph_common::graph::{ReadBlind, catalog::Operation};
    /// let e = ReadBlind::tessian().unsupported(Operation::Create);
    /// assert!(e.to_string().starts_with("create is not supported by Tessian: "));
    /// ```
    pub fn unsupported(&self, op: Operation) -> Error {
        unsupported(&self.entry, op)
    }
}

/// The [`Error::Unsupported`] for `op` on `entry`, with the catalog's instructions.
pub(crate) fn unsupported(entry: &CatalogEntry, op: Operation) -> Error {
    Error::unsupported(entry.name.clone(), op.as_str(), entry.step(op).how.clone())
}

#[async_trait]
impl UserDirectory for ReadBlind {
    fn catalog(&self) -> &CatalogEntry {
        &self.entry
    }

    /// A stream of exactly one [`Error::Unsupported`]: the app has no API to list users.
    fn list_users(&self) -> Items<DirectoryUser> {
        Items::from_error(self.unsupported(Operation::List))
    }

    async fn create_user(&self, _user: &DirectoryUser) -> Result<Created> {
        Err(self.unsupported(Operation::Create))
    }

    async fn update_user(&self, _desired: &DirectoryUser) -> Result<DirectoryUser> {
        Err(self.unsupported(Operation::Update))
    }

    async fn deactivate_user(&self, _user: &DirectoryUser) -> Result<DirectoryUser> {
        Err(self.unsupported(Operation::Deactivate))
    }

    async fn delete_user(&self, _user: &DirectoryUser) -> Result<()> {
        Err(self.unsupported(Operation::Delete))
    }

    async fn get_user(&self, _user: &DirectoryUser) -> Result<DirectoryUser> {
        Err(self.unsupported(Operation::List))
    }

    async fn rename_user(
        &self,
        _user: &DirectoryUser,
        _new_email: &Email,
    ) -> Result<DirectoryUser> {
        Err(self.unsupported(Operation::Rename))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_idp_action() {
        let p = ReadBlind::proof();
        let s = p.unsupported(Operation::Deactivate).to_string();
        assert!(
            s.contains("Okta or Entra ID") && s.contains("block SSO"),
            "{s}"
        );
        let s = p.unsupported(Operation::Create).to_string();
        assert!(s.contains("nothing to create"), "{s}");
        let s = p.unsupported(Operation::List).to_string();
        assert!(s.contains("no API to list"), "{s}");
        let s = p.unsupported(Operation::Delete).to_string();
        assert!(s.contains("Command Center"), "{s}");
        let t = ReadBlind::tessian();
        let s = t.unsupported(Operation::Update).to_string();
        assert!(
            s.contains("SCIM app provisioning") && s.contains("no Tessian API"),
            "{s}"
        );
        let s = t.unsupported(Operation::List).to_string();
        assert!(s.contains("no API to list"), "{s}");
    }
}
