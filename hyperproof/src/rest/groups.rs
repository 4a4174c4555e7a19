//! `/v1/groups`: list, get and create groups.

use idgraph_common::{Error, HttpClient};

use super::model::{Group, GroupId, NewGroup, ObjectStatus};
use crate::Result;

/// The groups endpoint. Get it with [`RestClient::groups`](crate::RestClient::groups).
///
/// ```no_run
/// use hyperproof::rest::{NewGroup, ObjectStatus};
///
/// # async fn run(client: hyperproof::RestClient) -> hyperproof::Result<()> {
/// let created = client.groups().create(&NewGroup::new("Auditors")).await?;
/// let again = client.groups().get(&created.id).await?;
/// let active = client.groups().list().status(ObjectStatus::Active).send().await?;
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

    /// `GET /v1/groups`: the organization's groups (not paginated: one response).
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

/// `GET /v1/groups`, built step by step, then [`send`](ListGroups::send).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent"]
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

    /// Sends the request.
    pub async fn send(self) -> Result<Vec<Group>> {
        let mut req = self
            .http
            .get(["groups"])
            .operation("hyperproof.groups.list");
        if let Some(status) = &self.status {
            req = req.query("status", status);
        }
        if !self.expand.is_empty() {
            req = req.query("expand", self.expand.join(","));
        }
        req.send_json().await
    }
}
