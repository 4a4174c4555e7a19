//! [`Resources`]: one resource endpoint (`/Users`, `/Groups`, …) and its operations.

use std::marker::PhantomData;

use scim_types::{Group, GroupId, PatchOp, User, UserId};
use serde::Serialize;
use serde::de::DeserializeOwned;

use secrecy::SecretString;

use super::list::ListRequest;
use super::{SCIM_JSON, ScimClient};
use crate::error::{Error, Result};
use crate::http::Request;

/// A SCIM resource type: its endpoint and how to read its id and version.
///
/// Implemented for [`User`] and [`Group`]; implement it for your own resource types.
pub trait ScimResource: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The endpoint relative to the SCIM root, without slashes (`"Users"`).
    const ENDPOINT: &'static str;

    /// The type of the resource's `id` ([`UserId`], [`GroupId`]), so that an id of one
    /// resource type cannot be passed where another's belongs.
    type Id: AsRef<str> + Send + Sync + ?Sized;

    /// The server-assigned `id`, if known.
    fn resource_id(&self) -> Option<&str>;

    /// The `meta.version` (ETag), if the server gave one.
    fn resource_version(&self) -> Option<&str>;

    /// Secrets the resource carries when written (a User's `password`), so that no error
    /// quotes them back. Default: none.
    fn secrets(&self) -> Vec<SecretString> {
        Vec::new()
    }
}

impl ScimResource for User {
    const ENDPOINT: &'static str = "Users";
    type Id = UserId;

    fn secrets(&self) -> Vec<SecretString> {
        self.password
            .iter()
            .map(|p| SecretString::from(p.as_str()))
            .collect()
    }

    fn resource_id(&self) -> Option<&str> {
        self.id.as_ref().map(|i| i.as_str())
    }

    fn resource_version(&self) -> Option<&str> {
        self.meta.as_ref()?.version.as_deref()
    }
}

impl ScimResource for Group {
    const ENDPOINT: &'static str = "Groups";
    type Id = GroupId;

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
    pub async fn get(&self, id: &R::Id) -> Result<R> {
        self.client
            .http()
            .get([R::ENDPOINT, id.as_ref()])
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
        with_secrets(self.client.http().post([R::ENDPOINT]), resource.secrets())
            .json_as(resource, SCIM_JSON)
            .operation(Self::op("create"))
            .send_json()
            .await
    }

    /// `PUT /{Endpoint}/{id}`: replaces the resource. Sends `If-Match` with the
    /// resource's `meta.version` when it has one, so a concurrent change makes the server
    /// answer 412 instead of being overwritten.
    pub async fn replace(&self, id: &R::Id, resource: &R) -> Result<R> {
        let mut req = with_secrets(
            self.client.http().put([R::ENDPOINT, id.as_ref()]),
            resource.secrets(),
        )
        .json_as(resource, SCIM_JSON)
        .operation(Self::op("replace"));
        if let Some(version) = resource.resource_version() {
            req = req.header("If-Match", version);
        }
        req.send_json().await
    }

    /// `PATCH /{Endpoint}/{id}`. Returns the resource when the server sends it back (200)
    /// and, either way (also for `204 No Content`), its new version from the `ETag`
    /// header, so a following `If-Match` write needs no extra read.
    pub async fn patch(&self, id: &R::Id, op: &PatchOp) -> Result<Patched<R>> {
        self.patch_inner(id, op, None).await
    }

    /// Like [`patch`](Self::patch), only if the resource is still at `version` (412
    /// otherwise: [`Error::is_precondition_failed`]).
    pub async fn patch_if_match(
        &self,
        id: &R::Id,
        version: &str,
        op: &PatchOp,
    ) -> Result<Patched<R>> {
        self.patch_inner(id, op, Some(version)).await
    }

    async fn patch_inner(
        &self,
        id: &R::Id,
        op: &PatchOp,
        version: Option<&str>,
    ) -> Result<Patched<R>> {
        if op.operations.is_empty() {
            return Err(Error::invalid_input(
                "a PATCH request needs at least one operation",
            ));
        }
        let mut req = with_secrets(
            self.client.http().patch([R::ENDPOINT, id.as_ref()]),
            patch_secrets(op),
        )
        .json_as(op, SCIM_JSON)
        .operation(Self::op("patch"));
        if let Some(v) = version {
            req = req.header("If-Match", v);
        }
        let resp = req.send().await?;
        let etag = resp.header("etag").map(str::to_owned);
        let resource: Option<R> =
            if resp.status() == 204 || resp.body().iter().all(u8::is_ascii_whitespace) {
                None
            } else {
                Some(resp.json()?)
            };
        let version = etag.or_else(|| {
            resource
                .as_ref()
                .and_then(|r| r.resource_version().map(str::to_owned))
        });
        Ok(Patched { resource, version })
    }

    /// `DELETE /{Endpoint}/{id}`.
    pub async fn delete(&self, id: &R::Id) -> Result<()> {
        self.delete_inner(id, None).await
    }

    /// Like [`delete`](Self::delete), only if the resource is still at `version`.
    pub async fn delete_if_match(&self, id: &R::Id, version: &str) -> Result<()> {
        self.delete_inner(id, Some(version)).await
    }

    async fn delete_inner(&self, id: &R::Id, version: Option<&str>) -> Result<()> {
        let mut req = self
            .client
            .http()
            .delete([R::ENDPOINT, id.as_ref()])
            .operation(Self::op("delete"));
        if let Some(v) = version {
            req = req.header("If-Match", v);
        }
        req.send_empty().await
    }
}

impl Resources<User> {
    /// Deactivates a user: `PATCH /Users/{id}` replacing `active` with `false`, and
    /// returns the user as it is now, like the `deactivate` of every vendor crate: the
    /// PATCH answer, or a `GET` of the user when the server answers `204 No Content`. If
    /// that `GET` fails, its error is returned: the deactivation was processed. Undo with
    /// [`reactivate`](Self::reactivate).
    ///
    /// ```no_run
    /// # async fn run(scim: idgraph_common::scim::ScimClient, id: scim_types::UserId) -> idgraph_common::Result<()> {
    /// let user = scim.users().deactivate(&id).await?;
    /// assert!(!user.is_active());
    /// # Ok(()) }
    /// ```
    pub async fn deactivate(&self, id: &UserId) -> Result<User> {
        self.set_active(id, false).await
    }

    /// Reactivates a user: `PATCH` replacing `active` with `true`. Returns the user as it
    /// is now, like [`deactivate`](Self::deactivate).
    pub async fn reactivate(&self, id: &UserId) -> Result<User> {
        self.set_active(id, true).await
    }

    async fn set_active(&self, id: &UserId, active: bool) -> Result<User> {
        let op = PatchOp::builder().replace("active", active).build()?;
        match self.patch(id, &op).await?.resource {
            Some(user) => Ok(user),
            None => self.get(id).await,
        }
    }
}

/// Declares each secret on the request, so no error quotes it back.
fn with_secrets(mut req: Request, secrets: Vec<SecretString>) -> Request {
    for secret in &secrets {
        req = req.sensitive(secret);
    }
    req
}

/// The passwords a PATCH sets: `password` operations, and `password` inside a path-less
/// value object.
fn patch_secrets(op: &PatchOp) -> Vec<SecretString> {
    let mut out = Vec::new();
    for operation in &op.operations {
        let Some(value) = &operation.value else {
            continue;
        };
        let targets_password = operation
            .path
            .as_ref()
            .is_some_and(|p| p.attr().name().eq_ignore_ascii_case("password"));
        match value {
            serde_json::Value::String(s) if targets_password => {
                out.push(SecretString::from(s.as_str()))
            }
            serde_json::Value::Object(map) if operation.path.is_none() => {
                for (key, v) in map {
                    if key.eq_ignore_ascii_case("password")
                        && let Some(s) = v.as_str()
                    {
                        out.push(SecretString::from(s));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// What a PATCH came to: the resource when the server sent it back, and its new version.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Patched<R> {
    /// The resource as the server now has it; `None` when it answered `204 No Content`.
    pub resource: Option<R>,
    /// The new version (`ETag` header, else `meta.version` of the returned resource),
    /// for a following `If-Match` write.
    pub version: Option<String>,
}
