//! `/v1/roles`: the organization's roles.

use idgraph_common::HttpClient;

use super::model::Role;
use crate::Result;

/// The roles endpoint. Get it with [`RestClient::roles`](crate::RestClient::roles).
#[derive(Debug, Clone)]
pub struct Roles {
    http: HttpClient,
}

impl Roles {
    pub(crate) fn new(http: HttpClient) -> Self {
        Self { http }
    }

    /// `GET /v1/roles`: every role of the organization, in one response (not paginated).
    ///
    /// ```no_run
    /// # async fn run(client: hyperproof::RestClient) -> hyperproof::Result<()> {
    /// for role in client.roles().list().await? {
    ///     println!("{} {:?}", role.id, role.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<Role>> {
        self.http
            .get(["roles"])
            .operation("hyperproof.roles.list")
            .send_json()
            .await
    }
}
