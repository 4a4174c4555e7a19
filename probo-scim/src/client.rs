//! [`Client`]: one Probo organization's SCIM API.

use std::fmt;

use idgraph_common::scim::ScimClient;
use idgraph_common::{RedactedUrl, Result};
use scim_types::ServiceProviderConfig;
use url::Url;

use crate::builder::ClientBuilder;
use crate::snapshot::SnapshotCache;
use crate::users::Users;

/// A client for one Probo organization's SCIM 2.0 API (the token selects the
/// organization).
///
/// Cheap to clone (an `Arc` inside); clones share the connection pool, any rate
/// limiter and the record of users seen that [`Users::create`] uses to tell a rename
/// from a new user. `Send + Sync`.
///
/// ```no_run
/// use probo_scim::{Client, ScimToken};
///
/// # async fn run() -> probo_scim::Result<()> {
/// let client = Client::builder()
///     .base_url("https://probo.example.com")
///     .token(ScimToken::new(std::env::var("PROBO_SCIM_TOKEN").unwrap_or_default()))
///     .build()?;
/// if let Some(user) = client.users().find_by_user_name("leaver@example.com").await? {
///     println!("{:?} active={:?}", user.id, user.active);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    scim: ScimClient,
    snapshot: SnapshotCache,
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub(crate) fn from_scim(scim: ScimClient) -> Self {
        Self {
            scim,
            snapshot: SnapshotCache::default(),
        }
    }

    /// The record of SCIM users seen, shared by clones.
    pub(crate) fn snapshot(&self) -> &SnapshotCache {
        &self.snapshot
    }

    /// The Users endpoint: list, find, create, replace, patch, deactivate, reactivate,
    /// delete, rename.
    pub fn users(&self) -> Users {
        Users::new(self.clone())
    }

    /// The SCIM root URL requests go to.
    pub fn scim_url(&self) -> &Url {
        self.scim.http().base_url()
    }

    /// The generic SCIM client underneath, for anything this crate does not wrap. It has
    /// none of the Probo guards.
    pub fn scim(&self) -> &ScimClient {
        &self.scim
    }

    /// `GET /ServiceProviderConfig`. Probo reports `filter.maxResults: 0`; the real
    /// page clamp is 100 and `/Users` ignores it anyway.
    pub async fn service_provider_config(&self) -> Result<ServiceProviderConfig> {
        self.scim.service_provider_config().await
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("scim_url", &RedactedUrl::new(self.scim_url().as_str()))
            .field("http", self.scim.http())
            .finish_non_exhaustive()
    }
}
