//! `/v1/users`: the calling user and the organization's users.

use idgraph_common::HttpClient;
use idgraph_common::paginate::{Items, Pages};

use super::listing::OneAnswer;
use super::model::{Me, OrganizationUser};
use crate::Result;

/// The users endpoint. Get it with [`RestClient::users`](crate::RestClient::users): an
/// owned handle (`Clone + Send + Sync + 'static`) holding a cheap clone of the client.
///
/// Read-only: Hyperproof's REST API has no endpoint that creates, changes or deactivates
/// users. Use the SCIM API ([`ScimClient`](crate::ScimClient)) for that.
#[derive(Debug, Clone)]
pub struct Users {
    http: HttpClient,
}

impl Users {
    pub(crate) fn new(http: HttpClient) -> Self {
        Self { http }
    }

    /// `GET /v1/users/me`: the user the credentials act as (for an API client of kind
    /// "service account", its service account).
    ///
    /// ```no_run
    /// # async fn run(client: hyperproof::RestClient) -> hyperproof::Result<()> {
    /// let me = client.users().me().await?;
    /// println!("acting as {:?} ({})", me.email, me.id);
    /// # Ok(()) }
    /// ```
    pub async fn me(&self) -> Result<Me> {
        self.me_expanded(&[]).await
    }

    /// `GET /v1/users/me?expand=…`: like [`me`](Self::me), with these fields expanded
    /// (`identityProviders`, `organizations`). Expanded data Hyperproof sends that this
    /// crate does not model (the organizations) lands in [`Me::extra`].
    ///
    /// ```no_run
    /// # async fn run(client: hyperproof::RestClient) -> hyperproof::Result<()> {
    /// let me = client.users().me_expanded(&["identityProviders", "organizations"]).await?;
    /// println!("{:?} via {:?}; {}", me.email, me.identity_providers, me.extra["organizations"]);
    /// # Ok(()) }
    /// ```
    pub async fn me_expanded(&self, fields: &[&str]) -> Result<Me> {
        let mut req = self
            .http
            .get(["users", "me"])
            .operation("hyperproof.users.me");
        if !fields.is_empty() {
            req = req.query("expand", fields.join(","));
        }
        req.send_json().await
    }

    /// `GET /v1/users`: the organization's users, as a listing builder; end it with
    /// [`stream`](ListUsers::stream) or [`pages`](ListUsers::pages).
    ///
    /// The endpoint is not paginated: one request returns every user as a JSON array,
    /// which the listing reads as one complete page.
    pub fn list(&self) -> ListUsers {
        ListUsers {
            http: self.http.clone(),
            include_deactivated: None,
            expand: Vec::new(),
        }
    }
}

/// A listing of the organization's users (`GET /v1/users`), built step by step, then
/// [`stream`](Self::stream)ed.
///
/// Hyperproof answers with every user at once (a bare JSON array), so there is no page
/// size or page cap to set: the stream sends one request when first polled and ends
/// cleanly after it, its [`summary`](Items::summary) saying
/// [`SingleAnswer`](idgraph_common::paginate::StopReason::SingleAnswer).
///
/// ```no_run
/// use futures::TryStreamExt;
///
/// # async fn run(client: hyperproof::RestClient) -> hyperproof::Result<()> {
/// let everyone: Vec<_> = client
///     .users()
///     .list()
///     .include_deactivated(true)
///     .expand("organizationRoleId")
///     .stream()
///     .try_collect()
///     .await?;
/// let deactivated = everyone.iter().filter(|u| u.is_deactivated()).count();
/// # let _ = deactivated; Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a listing does nothing until it is streamed"]
pub struct ListUsers {
    http: HttpClient,
    include_deactivated: Option<bool>,
    expand: Vec<String>,
}

impl ListUsers {
    /// Whether deactivated users are included (`includeDeactivated`). Default: not sent,
    /// which Hyperproof treats as `false`.
    pub fn include_deactivated(mut self, include: bool) -> Self {
        self.include_deactivated = Some(include);
        self
    }

    /// Expands a field (repeatable): `identityProviders` or `organizationRoleId`.
    pub fn expand(mut self, field: impl Into<String>) -> Self {
        self.expand.push(field.into());
        self
    }

    /// The users, as a lazy `Send + Unpin + 'static` stream: one request when first
    /// polled, then every user of the answer.
    pub fn stream(self) -> Items<OrganizationUser> {
        self.pages().items()
    }

    /// The answer as a stream of one page (see [`stream`](Self::stream)).
    pub fn pages(self) -> Pages<OrganizationUser> {
        let mut query = Vec::new();
        if let Some(include) = self.include_deactivated {
            query.push(("includeDeactivated", include.to_string()));
        }
        if !self.expand.is_empty() {
            query.push(("expand", self.expand.join(",")));
        }
        OneAnswer {
            http: self.http,
            path: "users",
            operation: "hyperproof.users.list",
            query,
        }
        .pages(|u: &OrganizationUser| u.id.as_str())
    }
}
