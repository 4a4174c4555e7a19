//! [`ScimClientBuilder`]: a generic SCIM client from a SCIM root URL, a credential and the
//! family's [`TransportSettings`].

use std::fmt;
use std::sync::Arc;

use super::{DEFAULT_PAGE_SIZE, ScimClient};
use crate::auth::{AuthProvider, Bearer};
use crate::error::{Error, Result};
use crate::http::TransportSettings;
use crate::redact::RedactedUrl;

crate::secret_type! {
    /// The bearer token of a SCIM service provider (RFC 7644 §2). Never printed: `Debug`
    /// shows `ScimToken([redacted])`.
    ///
    /// ```
    /// use idgraph_common::scim::ScimToken;
    ///
    /// let token = ScimToken::new("s3cr3t");
    /// assert_eq!(format!("{token:?}"), "ScimToken([redacted])");
    /// ```
    pub struct ScimToken;
}

/// Builds a [`ScimClient`], the way every client builder of the family is built.
///
/// | Setting | Default |
/// |---|---|
/// | [`base_url`](Self::base_url) | required: the SCIM root (the URL `/Users` is relative to); `https`, or `http` to a loopback address |
/// | [`token`](Self::token) or [`auth`](Self::auth) | required |
/// | [`transport`](Self::transport) | the transport's defaults (see [`TransportSettings`]) |
/// | [`page_size`](Self::page_size) | 100 |
///
/// ```
/// use idgraph_common::TransportSettings;
/// use idgraph_common::scim::{ScimClient, ScimToken};
///
/// let scim = ScimClient::builder()
///     .base_url("https://scim.example.com/scim/v2")
///     .token(ScimToken::new("t0ken"))
///     .transport(TransportSettings::new().user_agent("hr-sync/1.0"))
///     .build()?;
/// assert_eq!(scim.base_url().as_str(), "https://scim.example.com/scim/v2");
/// # Ok::<(), idgraph_common::Error>(())
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct ScimClientBuilder {
    base_url: Option<String>,
    auth: Option<Arc<dyn AuthProvider>>,
    transport: TransportSettings,
    page_size: Option<u32>,
}

impl ScimClientBuilder {
    /// The SCIM root URL, for example `https://scim.example.com/scim/v2`. Required.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Authenticates with a bearer token (the usual SCIM credential).
    pub fn token(mut self, token: ScimToken) -> Self {
        self.auth = Some(Arc::new(Bearer::new(token.secret().clone())));
        self
    }

    /// Authenticates with any provider (OAuth2 client credentials, Basic, your own).
    pub fn auth(mut self, auth: impl AuthProvider) -> Self {
        self.auth = Some(Arc::new(auth));
        self
    }

    /// The transport knobs (timeouts, retries, rate limiter, user agent, …).
    pub fn transport(mut self, settings: TransportSettings) -> Self {
        self.transport = settings;
        self
    }

    /// Resources per page of a listing (`count`, at least 1). Default 100.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size.max(1));
        self
    }

    /// Builds the client. Fails with [`Error::Config`] when the URL or the credential is
    /// missing or unusable, or a transport setting is inconsistent; nothing is sent.
    pub fn build(self) -> Result<ScimClient> {
        let url = self
            .base_url
            .ok_or_else(|| Error::config("a SCIM root URL is required: call base_url(…)"))?;
        let auth = self.auth.ok_or_else(|| {
            Error::config("a SCIM credential is required: call token(ScimToken::new(…)) or auth(…)")
        })?;
        let http = ScimClient::http_builder()
            .user_agent(concat!("idgraph-common/", env!("CARGO_PKG_VERSION")))
            .transport(self.transport)
            .base_url(url)
            .auth_shared(auth)
            .build()?;
        Ok(ScimClient::from_http(http).with_page_size(self.page_size.unwrap_or(DEFAULT_PAGE_SIZE)))
    }
}

impl fmt::Debug for ScimClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScimClientBuilder")
            .field("base_url", &self.base_url.as_deref().map(RedactedUrl::new))
            .field("auth", &self.auth)
            .field("transport", &self.transport)
            .field("page_size", &self.page_size)
            .finish()
    }
}
