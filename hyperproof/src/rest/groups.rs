//! `/v1/groups`: list, get and create groups.

use idgraph_common::paginate::{Items, Pages};
use idgraph_common::{Error, HttpClient};

use super::listing::OneAnswer;
use super::model::{Group, GroupId, NewGroup, ObjectStatus};
use crate::Result;

/// The groups endpoint. Get it with [`RestClient::groups`](crate::RestClient::groups):
/// an owned handle (`Clone + Send + Sync + 'static`).
///
/// ```no_run
/// use futures::TryStreamExt;
/// use hyperproof::rest::{NewGroup, ObjectStatus};
///
/// # async fn run(client: hyperproof::RestClient) -> hyperproof::Result<()> {
/// let created = client.groups().create(&NewGroup::new("Auditors")).await?;
/// let again = client.groups().get(&created.id).await?;
/// let active: Vec<_> = client
///     .groups()
///     .list()
///     .status(ObjectStatus::Active)
///     .stream()
///     .try_collect()
///     .await?;
/// # let _ = (again, active); Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Groups {
    http: HttpClient,
}

impl Groups {
    pub(crate) fn new(http: HttpClient) -> Self {
        Self { http }
    }

    /// `GET /v1/groups`: the organization's groups, as a listing builder; end it with
    /// [`stream`](ListGroups::stream) or [`pages`](ListGroups::pages). Not paginated by
    /// Hyperproof: one response, read as one complete page.
    pub fn list(&self) -> ListGroups {
        ListGroups {
            http: self.http.clone(),
            status: None,
            expand: Vec::new(),
        }
    }

    /// `GET /v1/groups/{id}`. A missing group is an error for which
    /// [`Error::is_not_found`] is true. The id is sent as one encoded path segment.
    pub async fn get(&self, id: &GroupId) -> Result<Group> {
        self.http
            .get(["groups", id.as_str()])
            .operation("hyperproof.groups.get")
            .send_json()
            .await
    }

    /// `POST /v1/groups`: creates a group and returns it as stored.
    ///
    /// Not retried once it may have reached the server (a retry could create the group
    /// twice); retried after a 429 or a quota 403, which say it was not processed.
    pub async fn create(&self, group: &NewGroup) -> Result<Group> {
        if group.name().trim().is_empty() {
            return Err(Error::invalid_input("a Hyperproof group needs a name"));
        }
        self.http
            .post(["groups"])
            .json(group)
            .operation("hyperproof.groups.create")
            .send_json()
            .await
    }
}

/// A listing of groups (`GET /v1/groups`), built step by step, then
/// [`stream`](Self::stream)ed. Like every REST listing it is one request, sent when the
/// stream is first polled (see [`ListUsers`](super::ListUsers)).
#[derive(Debug, Clone)]
#[must_use = "a listing does nothing until it is streamed"]
pub struct ListGroups {
    http: HttpClient,
    status: Option<ObjectStatus>,
    expand: Vec<String>,
}

impl ListGroups {
    /// Only groups with this status (`status`). Default: not sent (the server's default).
    pub fn status(mut self, status: ObjectStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Expands a field (repeatable).
    pub fn expand(mut self, field: impl Into<String>) -> Self {
        self.expand.push(field.into());
        self
    }

    /// The groups, as a lazy `Send + Unpin + 'static` stream.
    pub fn stream(self) -> Items<Group> {
        self.pages().items()
    }

    /// The answer as a stream of one page.
    pub fn pages(self) -> Pages<Group> {
        let mut query = Vec::new();
        if let Some(status) = &self.status {
            query.push(("status", status.to_string()));
        }
        if !self.expand.is_empty() {
            query.push(("expand", self.expand.join(",")));
        }
        OneAnswer {
            http: self.http,
            path: "groups",
            operation: "hyperproof.groups.list",
            query,
        }
        .pages(|g: &Group| g.id.as_str())
    }
}
