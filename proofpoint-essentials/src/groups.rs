//! [`Groups`]: list groups, add and remove members (REST surface only).

use futures::TryStreamExt;
use idgraph_common::paginate::{Items, Page, PageRequest, Pages, Paginator, Strategy};
use serde::Serialize;

use crate::client::{Client, Surface};
use crate::errors;
use crate::model::{Group, GroupId, PrimaryEmail};
use crate::users::MAX_PAGE_SIZE;
use crate::wire::rest;
use crate::{Error, Result};

/// The groups of one organization: `client.groups()`.
///
/// Groups exist on the REST surface only. On the Essentials interface API every
/// operation is an [`Error::Unsupported`] saying that Essentials has no groups resource.
///
/// Membership changes take up to 15 minutes to reach policy enforcement.
///
/// An owned handle like [`Users`](crate::Users): it holds a clone of the [`Client`] and
/// is `Send + Sync + 'static`.
#[derive(Debug, Clone)]
pub struct Groups {
    client: Client,
}

#[derive(Serialize)]
struct MemberBody<'a> {
    #[serde(rename = "primaryEmail")]
    primary_email: &'a PrimaryEmail,
}

impl Groups {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    fn require_rest(&self, op: &'static str) -> Result<()> {
        require_rest(&self.client, op)
    }

    /// Lists the groups lazily (`GET /groups?page=&pageSize=`).
    pub fn list(&self) -> ListGroups {
        ListGroups {
            client: self.client.clone(),
            page_size: MAX_PAGE_SIZE,
            max_pages: None,
        }
    }

    /// Adds a user to a group (`POST /groups/{groupId}/members`). The user must exist:
    /// a missing user or group is an error for which [`Error::is_not_found`] is true.
    ///
    /// Returns `()` once the server accepted the change, like
    /// [`remove_member`](Self::remove_member) and the membership calls of the other crates
    /// of the family. (The seed's answer, `{"groupId", "primaryEmail"}`, only repeats
    /// what was sent, and is not read.) One member per call: the endpoint takes one.
    ///
    /// ```no_run
    /// use proofpoint_essentials::{Client, GroupId, PrimaryEmail};
    ///
    /// # async fn run(client: Client) -> proofpoint_essentials::Result<()> {
    /// client
    ///     .groups()
    ///     .add_member(&GroupId::new("grp_001")?, &PrimaryEmail::new("jane@example.com")?)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn add_member(&self, group: &GroupId, email: &PrimaryEmail) -> Result<()> {
        self.require_rest("groups.add_member")?;
        self.client
            .http()
            .post(["groups", group.as_str(), "members"])
            .json(&MemberBody {
                primary_email: email,
            })
            // Membership is a set: adding the same member twice has the effect of once,
            // so a POST that may have reached the server can be retried.
            .idempotent(true)
            .operation("proofpoint_essentials.groups.add_member")
            .send()
            .await?;
        Ok(())
    }

    /// Removes a user from a group (`DELETE /groups/{groupId}/members/{primaryEmail}`).
    /// The user account stays.
    pub async fn remove_member(&self, group: &GroupId, email: &PrimaryEmail) -> Result<()> {
        self.require_rest("groups.remove_member")?;
        self.client
            .http()
            .delete(["groups", group.as_str(), "members", email.as_str()])
            .operation("proofpoint_essentials.groups.remove_member")
            .send_empty()
            .await
    }

    /// Finds a group by id or, failing that, by name (case-insensitive): a user's
    /// `groups` may list either.
    pub(crate) async fn find(&self, entry: &str) -> Result<Option<Group>> {
        self.require_rest("groups.list")?;
        let groups: Vec<Group> = self.list().stream().try_collect().await?;
        let by_id = groups.iter().position(|g| g.id.as_str() == entry);
        let by_name = || {
            groups.iter().position(|g| {
                g.name
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase() == entry.to_lowercase())
            })
        };
        Ok(by_id.or_else(by_name).map(|i| groups[i].clone()))
    }
}

/// Groups exist on the REST surface only.
fn require_rest(client: &Client, op: &'static str) -> Result<()> {
    match client.surface() {
        Surface::RestV2 => Ok(()),
        Surface::InterfaceV1 => Err(errors::no_groups(op)),
    }
}

/// A lazy listing of groups, from [`Groups::list`]: [`stream`](Self::stream) or
/// [`pages`](Self::pages).
#[derive(Debug, Clone)]
#[must_use = "a listing does nothing until its stream is polled"]
pub struct ListGroups {
    client: Client,
    page_size: u32,
    max_pages: Option<u64>,
}

impl ListGroups {
    /// Groups per page, 1 to 1000 (larger values are lowered to 1000). Default 1000.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, MAX_PAGE_SIZE);
        self
    }

    /// Stops after this many pages; the listing's summary then says
    /// [`StopReason::MaxPages`](idgraph_common::paginate::StopReason::MaxPages) (not
    /// complete). Default: no cap.
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// The pages, in order. On the interface API the stream yields one
    /// [`Error::Unsupported`].
    pub fn pages(self) -> Pages<Group> {
        let client = self.client;
        let fetch = move |req: PageRequest| {
            let client = client.clone();
            async move {
                require_rest(&client, "groups.list")?;
                let PageRequest::Number { page, size } = req else {
                    return Err(Error::config(format!(
                        "internal: unexpected page request {req:?} for groups"
                    )));
                };
                let list: rest::GroupList = client
                    .http()
                    .get(["groups"])
                    .query("page", page)
                    .query("pageSize", size)
                    .operation("proofpoint_essentials.groups.list")
                    .send_json()
                    .await?;
                Ok(Page::new(list.groups).with_total(list.total))
            }
        };
        let mut paginator = Paginator::new(Strategy::page_number(self.page_size), fetch)
            .dedup_by(|g: &Group| g.id.as_str().into());
        if let Some(max) = self.max_pages {
            paginator = paginator.max_pages(max);
        }
        paginator.pages()
    }

    /// The groups, in order, as a lazy stream that ends cleanly only when the server's
    /// answers show everything arrived ([`Items::summary`]).
    pub fn stream(self) -> Items<Group> {
        self.pages().items()
    }
}
