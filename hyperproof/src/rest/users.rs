//! `/v1/users`: the calling user and the organization's users.

use idgraph_common::HttpClient;

use super::model::{Me, OrganizationUser};
use crate::Result;

/// The users endpoint. Get it with [`RestClient::users`](crate::RestClient::users).
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

    /// `GET /v1/users/me`: the user the credentials act as.
    pub fn me(&self) -> GetMe {
        GetMe {
            http: self.http.clone(),
            expand: Vec::new(),
        }
    }

    /// `GET /v1/users`: the organization's users.
    ///
    /// The endpoint is not paginated: one request returns every user as a JSON array,
    /// and so does [`ListUsers::send`].
    pub fn list(&self) -> ListUsers {
        ListUsers {
            http: self.http.clone(),
            include_deactivated: None,
            expand: Vec::new(),
        }
    }
}

/// `GET /v1/users/me`, built step by step, then [`send`](GetMe::send).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent"]
pub struct GetMe {
    http: HttpClient,
    expand: Vec<String>,
}

impl GetMe {
    /// Expands a field (repeatable): `identityProviders` or `organizations`.
    pub fn expand(mut self, field: impl Into<String>) -> Self {
        self.expand.push(field.into());
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Me> {
        let mut req = self
            .http
            .get(["users", "me"])
            .operation("hyperproof.users.me");
        if !self.expand.is_empty() {
            req = req.query("expand", self.expand.join(","));
        }
        req.send_json().await
    }
}

/// `GET /v1/users`, built step by step, then [`send`](ListUsers::send).
///
/// ```no_run
/// # async fn run(client: hyperproof::RestClient) -> hyperproof::Result<()> {
/// let everyone = client
///     .users()
///     .list()
///     .include_deactivated(true)
///     .expand("organizationRoleId")
///     .send()
///     .await?;
/// let deactivated = everyone.iter().filter(|u| u.is_deactivated()).count();
/// # let _ = deactivated; Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent"]
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

    /// Sends the request; every user comes back in one response.
    pub async fn send(self) -> Result<Vec<OrganizationUser>> {
        let mut req = self.http.get(["users"]).operation("hyperproof.users.list");
        if let Some(include) = self.include_deactivated {
            req = req.query("includeDeactivated", include);
        }
        if !self.expand.is_empty() {
            req = req.query("expand", self.expand.join(","));
        }
        req.send_json().await
    }
}
