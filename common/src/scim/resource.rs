//! [`Resources`]: one resource endpoint (`/Users`, `/Groups`, …) and its operations.

use std::marker::PhantomData;

use scim_types::{Group, PatchOp, User};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::list::ListRequest;
use super::{SCIM_JSON, ScimClient};
use crate::error::{Error, Result};

/// A SCIM resource type: its endpoint and how to read its id and version.
///
/// Implemented for [`User`] and [`Group`]; implement it for your own resource types.
pub trait ScimResource: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The endpoint relative to the SCIM root, without slashes (`"Users"`).
    const ENDPOINT: &'static str;

    /// The server-assigned `id`, if known.
    fn resource_id(&self) -> Option<&str>;

    /// The `meta.version` (ETag), if the server gave one.
    fn resource_version(&self) -> Option<&str>;
}

impl ScimResource for User {
    const ENDPOINT: &'static str = "Users";

    fn resource_id(&self) -> Option<&str> {
        self.id.as_ref().map(|i| i.as_str())
    }

    fn resource_version(&self) -> Option<&str> {
        self.meta.as_ref()?.version.as_deref()
    }
}

impl ScimResource for Group {
    const ENDPOINT: &'static str = "Groups";

    fn resource_id(&self) -> Option<&str> {
        self.id.as_ref().map(|i| i.as_str())
    }

    fn resource_version(&self) -> Option<&str> {
        self.meta.as_ref()?.version.as_deref()
    }
}

/// The operations on one resource endpoint. Get one with [`ScimClient::users`],
/// [`ScimClient::groups`] or [`ScimClient::resources`].
#[derive(Debug, Clone)]
pub struct Resources<R> {
    client: ScimClient,
    _resource: PhantomData<fn() -> R>,
}

impl<R: ScimResource> Resources<R> {
    pub(super) fn new(client: ScimClient) -> Self {
        Self {
            client,
            _resource: PhantomData,
        }
    }

    fn op(name: &str) -> String {
        format!("scim.{}.{name}", R::ENDPOINT.to_ascii_lowercase())
    }

    /// `GET /{Endpoint}/{id}`. A missing resource is an error for which
    /// [`Error::is_not_found`] is true.
    pub async fn get(&self, id: &str) -> Result<R> {
        self.client
            .http()
            .get([R::ENDPOINT, id])
            .operation(Self::op("get"))
            .send_json()
            .await
    }

    /// A listing of this endpoint: add a filter, sort, attributes or page size, then
    /// call [`stream`](ListRequest::stream).
    pub fn list(&self) -> ListRequest<R> {
        ListRequest::new(self.client.clone())
    }

    /// `POST /{Endpoint}`: creates the resource and returns it as the server stored it.
    /// Not retried after it may have reached the server (a retry could create it twice).
    pub async fn create(&self, resource: &R) -> Result<R> {
        self.client
            .http()
            .post([R::ENDPOINT])
            .json_as(resource, SCIM_JSON)
            .operation(Self::op("create"))
            .send_json()
            .await
    }

    /// `PUT /{Endpoint}/{id}`: replaces the resource. Sends `If-Match` with the
    /// resource's `meta.version` when it has one, so a concurrent change makes the server
    /// answer 412 instead of being overwritten.
    pub async fn replace(&self, id: &str, resource: &R) -> Result<R> {
        let mut req = self
            .client
            .http()
            .put([R::ENDPOINT, id])
            .json_as(resource, SCIM_JSON)
            .operation(Self::op("replace"));
        if let Some(version) = resource.resource_version() {
            req = req.header("If-Match", version);
        }
        req.send_json().await
    }

    /// `PATCH /{Endpoint}/{id}`. Returns the resource when the server sends it back (200),
    /// `None` for 204 No Content.
    pub async fn patch(&self, id: &str, op: &PatchOp) -> Result<Option<R>> {
        self.patch_inner(id, op, None).await
    }

    /// Like [`patch`](Self::patch), only if the resource is still at `version` (412
    /// otherwise).
    pub async fn patch_if_match(&self, id: &str, version: &str, op: &PatchOp) -> Result<Option<R>> {
        self.patch_inner(id, op, Some(version)).await
    }

    async fn patch_inner(
        &self,
        id: &str,
        op: &PatchOp,
        version: Option<&str>,
    ) -> Result<Option<R>> {
        if op.operations.is_empty() {
            return Err(Error::invalid_input(
                "a PATCH request needs at least one operation",
            ));
        }
        let mut req = self
            .client
            .http()
            .patch([R::ENDPOINT, id])
            .json_as(op, SCIM_JSON)
            .operation(Self::op("patch"));
        if let Some(v) = version {
            req = req.header("If-Match", v);
        }
        let resp = req.send().await?;
        if resp.status() == 204 || resp.body().iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        resp.json().map(Some)
    }

    /// `DELETE /{Endpoint}/{id}`.
    pub async fn delete(&self, id: &str) -> Result<()> {
        self.delete_inner(id, None).await
    }

    /// Like [`delete`](Self::delete), only if the resource is still at `version`.
    pub async fn delete_if_match(&self, id: &str, version: &str) -> Result<()> {
        self.delete_inner(id, Some(version)).await
    }

    async fn delete_inner(&self, id: &str, version: Option<&str>) -> Result<()> {
        let mut req = self
            .client
            .http()
            .delete([R::ENDPOINT, id])
            .operation(Self::op("delete"));
        if let Some(v) = version {
            req = req.header("If-Match", v);
        }
        req.send_empty().await
    }
}
