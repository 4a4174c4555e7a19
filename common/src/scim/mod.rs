//! A generic SCIM 2.0 client (RFC 7644) over [`HttpClient`] and [`scim_types`].
//!
//! * Users and Groups (and any other resource type through [`ScimResource`]): `get`,
//!   `list` as a stream (filter, sort, attributes, page size), `create`, `replace`,
//!   `patch`, `delete`, and `POST /.search`; for users, `deactivate` and `reactivate`
//!   (returning the user as it is now, as in every crate of the family).
//! * Discovery: [`ServiceProviderConfig`], `Schemas`, `ResourceTypes`.
//! * `If-Match` on `replace` when the resource carries `meta.version`, and explicit
//!   `*_if_match` variants for `patch` and `delete`.
//! * Errors: SCIM error bodies parse into [`ScimError`](scim_types::ScimError) (through
//!   [`Error::scim_error`](crate::Error::scim_error)), with a fallback for other JSON and for
//!   non-JSON bodies.
//! * Listing goes through the shared [paginator](crate::paginate): it advances by the
//!   resources actually received, stops at `totalResults`, on an empty page, or when a
//!   page adds no new `id` (servers that ignore paging), and never yields an `id` twice in
//!   a row.
//!
//! Vendor crates wrap this client with their quirks (`probo-scim`, `hyperproof`).
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use idgraph_common::scim::{ScimClient, ScimToken};
//! use scim_types::{Filter, PatchOp};
//!
//! # async fn run() -> idgraph_common::Result<()> {
//! let scim = ScimClient::builder()
//!     .base_url("https://scim.example.com/scim/v2")
//!     .token(ScimToken::new(std::env::var("SCIM_TOKEN").unwrap_or_default()))
//!     .build()?;
//!
//! let matches: Vec<_> = scim
//!     .users()
//!     .list()
//!     .filter(Filter::eq("userName", "jane@example.com"))
//!     .stream()
//!     .try_collect()
//!     .await?;
//! if let Some(id) = matches.first().and_then(|u| u.id.as_ref()) {
//!     let op = PatchOp::builder().replace("active", false).build()?;
//!     let patched = scim.users().patch(id, &op).await?;
//!     println!("now at version {:?}", patched.version);
//! }
//! # Ok(()) }
//! ```

mod builder;
mod directory;
mod list;
mod resource;

pub use builder::{ScimClientBuilder, ScimToken};
pub use directory::{EmailAttribute, LinkKeyAttribute, ScimDirectory, ScimFeatures};
pub use list::ListRequest;
pub use resource::{Patched, Resources, ScimResource};

use scim_types::{ListResponse, ResourceType, Schema, ServiceProviderConfig};

use crate::error::Result;
use crate::http::{HttpClient, HttpClientBuilder};

/// The media type of SCIM request bodies (RFC 7644 §3.1).
pub const SCIM_JSON: &str = "application/scim+json";

/// What a SCIM client sends as `Accept`: either media type is accepted back.
pub const SCIM_ACCEPT: &str = "application/scim+json, application/json";

/// A SCIM 2.0 client for one service provider. Cheap to clone.
#[derive(Clone, Debug)]
pub struct ScimClient {
    http: HttpClient,
    page_size: u32,
}

/// Default page size of listings (`count`).
pub const DEFAULT_PAGE_SIZE: u32 = 100;

impl ScimClient {
    /// Starts building a client: SCIM root URL, credential, transport settings.
    pub fn builder() -> ScimClientBuilder {
        ScimClientBuilder::default()
    }

    /// For crates that wrap this client with a vendor's rules: an [`HttpClientBuilder`]
    /// with the SCIM `Accept` header set, to pass (built) to [`ScimClient::from_http`].
    pub fn http_builder() -> HttpClientBuilder {
        HttpClient::builder().accept(SCIM_ACCEPT)
    }

    /// For crates that wrap this client: a client over `http`, whose base URL is the SCIM
    /// root (the URL `/Users` is relative to). Build `http` with
    /// [`ScimClient::http_builder`] so that the SCIM `Accept` header is sent.
    pub fn from_http(http: HttpClient) -> Self {
        Self {
            http,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }

    /// Sets the default page size of listings (1..=`u32::MAX`). Default 100.
    #[must_use]
    pub fn with_page_size(mut self, size: u32) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// The underlying HTTP client.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The SCIM root URL requests go to.
    pub fn base_url(&self) -> &url::Url {
        self.http.base_url()
    }

    /// The `/Users` endpoint.
    pub fn users(&self) -> Resources<scim_types::User> {
        self.resources()
    }

    /// The `/Groups` endpoint.
    pub fn groups(&self) -> Resources<scim_types::Group> {
        self.resources()
    }

    /// The endpoint of any resource type.
    pub fn resources<R: ScimResource>(&self) -> Resources<R> {
        Resources::new(self.clone())
    }

    pub(crate) fn default_page_size(&self) -> u32 {
        self.page_size
    }

    /// `GET /ServiceProviderConfig` (RFC 7644 §4).
    pub async fn service_provider_config(&self) -> Result<ServiceProviderConfig> {
        self.http
            .get(["ServiceProviderConfig"])
            .operation("scim.service_provider_config")
            .send_json()
            .await
    }

    /// `GET /Schemas`: every schema the server describes.
    pub async fn schemas(&self) -> Result<Vec<Schema>> {
        let list: ListResponse<Schema> = self
            .http
            .get(["Schemas"])
            .operation("scim.schemas")
            .send_json()
            .await?;
        Ok(list.resources)
    }

    /// `GET /ResourceTypes`: the resource types the server offers.
    pub async fn resource_types(&self) -> Result<Vec<ResourceType>> {
        let list: ListResponse<ResourceType> = self
            .http
            .get(["ResourceTypes"])
            .operation("scim.resource_types")
            .send_json()
            .await?;
        Ok(list.resources)
    }
}
