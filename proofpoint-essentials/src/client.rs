//! [`Client`]: one Proofpoint Essentials organization over one API surface.

use std::fmt;
use std::sync::Arc;

use idgraph_common::{ApiPath, HttpClient};

use crate::builder::ClientBuilder;
use crate::errors::APP;
use crate::model::{Me, PrimaryEmail};
use crate::password::PasswordPolicy;
use crate::stack::{Stack, parse_endpoints};
use crate::{Error, Groups, Result, Users};

/// Which Proofpoint Essentials API a [`Client`] talks to. Chosen when the client is
/// built; both map onto the same model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Surface {
    /// The REST API as the project's specification gives it: `https://api.proofpoint.com/v2`,
    /// HTTP Basic with an API key and secret, camelCase JSON, `/users` and `/groups`,
    /// `page`/`pageSize` up to 1000, 100 requests per minute.
    RestV2,
    /// The Essentials interface API of real deployments:
    /// `https://{stack}.proofpointessentials.com/api/v1/orgs/{domain}/users`, `X-User` /
    /// `X-Password` headers, snake_case JSON, batch create, no groups, no paging.
    InterfaceV1,
}

impl fmt::Display for Surface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Surface::RestV2 => "REST v2",
            Surface::InterfaceV1 => "interface API v1",
        })
    }
}

/// A Proofpoint Essentials client. Cheap to clone (one `Arc`); clones share the
/// connection pool and the rate limiter.
///
/// ```no_run
/// use futures::TryStreamExt;
/// use proofpoint_essentials::{ApiKey, ApiSecret, Client, PrimaryEmail};
///
/// # async fn run() -> proofpoint_essentials::Result<()> {
/// let client = Client::builder()
///     .api_key(ApiKey::new("key"))
///     .api_secret(ApiSecret::new("secret"))
///     .build()?;
/// let jane = client.users().get(&PrimaryEmail::new("jane@example.com")?).await?;
/// println!("{:?}", jane.first_name);
/// let everyone: Vec<_> = client.users().list().stream().try_collect().await?;
/// # let _ = everyone; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: HttpClient,
    pub(crate) surface: Surface,
    /// The organization's primary domain (interface API only).
    pub(crate) org_domain: Option<String>,
    /// The stack (interface API only).
    pub(crate) stack: Option<Stack>,
    /// Users per request of an interface API batch create.
    pub(crate) batch_size: usize,
    /// The temporary password of accounts the directory view creates.
    pub(crate) password_policy: PasswordPolicy,
}

impl Client {
    /// Starts building a client. The settings given choose the surface: the REST
    /// surface's ([`api_key`](ClientBuilder::api_key), …) or the interface API's
    /// ([`stack`](ClientBuilder::stack), …); [`build`](ClientBuilder::build) refuses a mix.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The API surface this client talks to.
    pub fn surface(&self) -> Surface {
        self.inner.surface
    }

    /// The organization's primary domain (interface API); `None` on the REST surface,
    /// where the API key selects the organization.
    pub fn org_domain(&self) -> Option<&str> {
        self.inner.org_domain.as_deref()
    }

    /// The stack (interface API); `None` on the REST surface.
    pub fn stack(&self) -> Option<&Stack> {
        self.inner.stack.as_ref()
    }

    /// How the identity-graph view ([`UserDirectory`](idgraph_common::graph::UserDirectory))
    /// chooses the temporary password of accounts it creates; set with
    /// [`ClientBuilder::password_policy`], [`PasswordPolicy::generated`] by default.
    pub fn password_policy(&self) -> &PasswordPolicy {
        &self.inner.password_policy
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.http.base_url().as_str()
    }

    /// The users of the organization: an owned handle holding a clone of this client.
    pub fn users(&self) -> Users {
        Users::new(self.clone())
    }

    /// The groups of the organization (REST surface; the interface API has none): an
    /// owned handle holding a clone of this client.
    pub fn groups(&self) -> Groups {
        Groups::new(self.clone())
    }

    /// Checks the credentials: `GET /me` (interface API), which says whose they are.
    ///
    /// On the REST surface, which documents no such endpoint, this is
    /// [`Error::Unsupported`]; a cheap check there is `client.users().list().page_size(1)`.
    pub async fn me(&self) -> Result<Me> {
        self.require_interface("me", "list one page of users to check the credentials")?;
        self.inner
            .http
            .get(["me"])
            .operation("proofpoint_essentials.me")
            .send_json()
            .await
    }

    /// Which stacks serve `domain`: `GET /endpoints/{domain}` (interface API), callable on
    /// any stack. Only public stacks (or this client's own host) are returned, since a
    /// client built for the answer sends its credentials there.
    pub async fn endpoints(&self, domain: &str) -> Result<Vec<Stack>> {
        self.require_interface("endpoints", "the REST surface has one base URL")?;
        let answer: serde_json::Value = self
            .inner
            .http
            .get(["endpoints", domain])
            .operation("proofpoint_essentials.endpoints")
            .send_json()
            .await?;
        let asked = self.inner.http.base_url().host_str().unwrap_or_default();
        Ok(parse_endpoints(&answer, asked))
    }

    pub(crate) fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    pub(crate) fn require_interface(&self, op: &'static str, instead: &'static str) -> Result<()> {
        match self.inner.surface {
            Surface::InterfaceV1 => Ok(()),
            Surface::RestV2 => Err(Error::unsupported(
                format!("{APP} REST surface"),
                op,
                instead,
            )),
        }
    }

    /// `/users` or `/orgs/{domain}/users`.
    pub(crate) fn users_path(&self) -> Result<ApiPath> {
        match (&self.inner.surface, &self.inner.org_domain) {
            (Surface::InterfaceV1, Some(org)) => ApiPath::from_segments(["orgs", org, "users"]),
            _ => ApiPath::from_segments(["users"]),
        }
    }

    /// The path of one user, the email as one encoded segment.
    pub(crate) fn user_path(&self, email: &PrimaryEmail) -> Result<ApiPath> {
        self.users_path()?.push(email.as_str())
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("surface", &self.inner.surface)
            .field("org_domain", &self.inner.org_domain)
            .field("http", &self.inner.http)
            .field("password_policy", &self.inner.password_policy)
            .finish_non_exhaustive()
    }
}
