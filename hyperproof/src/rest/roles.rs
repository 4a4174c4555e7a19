//! `/v1/roles`: the organization's roles.

use idgraph_common::HttpClient;
use idgraph_common::paginate::{Items, Pages};

use super::listing::OneAnswer;
use super::model::Role;

/// The roles endpoint. Get it with [`RestClient::roles`](crate::RestClient::roles): an
/// owned handle (`Clone + Send + Sync + 'static`).
#[derive(Debug, Clone)]
pub struct Roles {
    http: HttpClient,
}

impl Roles {
    pub(crate) fn new(http: HttpClient) -> Self {
        Self { http }
    }

    /// `GET /v1/roles`: every role of the organization, as a listing builder; end it
    /// with [`stream`](ListRoles::stream) or [`pages`](ListRoles::pages). Not paginated
    /// by Hyperproof: one response, read as one complete page.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    ///
    /// # async fn run(client: hyperproof::RestClient) -> hyperproof::Result<()> {
    /// let mut roles = client.roles().list().stream();
    /// while let Some(role) = roles.try_next().await? {
    ///     println!("{} {:?}", role.id, role.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListRoles {
        ListRoles {
            http: self.http.clone(),
        }
    }
}

/// A listing of roles (`GET /v1/roles`, no options), then [`stream`](Self::stream)ed.
/// One request, sent when the stream is first polled.
#[derive(Debug, Clone)]
#[must_use = "a listing does nothing until it is streamed"]
pub struct ListRoles {
    http: HttpClient,
}

impl ListRoles {
    /// The roles, as a lazy `Send + Unpin + 'static` stream.
    pub fn stream(self) -> Items<Role> {
        self.pages().items()
    }

    /// The answer as a stream of one page.
    pub fn pages(self) -> Pages<Role> {
        OneAnswer {
            http: self.http,
            path: "roles",
            operation: "hyperproof.roles.list",
            query: Vec::new(),
        }
        .pages(|r: &Role| r.id.as_str())
    }
}
