//! [`ClientBuilder`]: where Probo is, the token, and the transport settings.

use std::borrow::Cow;
use std::fmt;

use idgraph_common::auth::Bearer;
use idgraph_common::scim::ScimClient;
use idgraph_common::{ApiError, Error, RedactedUrl, Result, TransportSettings};

use crate::client::Client;
use crate::token::ScimToken;

/// The path of the SCIM root below a Probo instance's URL.
pub const SCIM_PATH: &str = "/api/connect/v1/scim/2.0";

/// The largest answer the client accepts unless
/// [`TransportSettings::max_response_body`] says otherwise: 256 MiB. Probo answers every
/// listing with every user of the organization in one response (about 1 KiB per user), so
/// the transport's default cap for one page (32 MiB) would refuse organizations above
/// about 30,000 users.
pub const MAX_RESPONSE_BODY: usize = 256 * 1024 * 1024;

/// Default page size of listings. Probo returns every user on every page whatever the
/// size (see the crate docs), so it only matters for servers that page.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// Where the SCIM root is.
#[derive(Clone)]
enum Location {
    /// The Probo instance; the client appends [`SCIM_PATH`].
    Instance(String),
    /// A full SCIM root, used as is.
    ScimRoot(String),
}

/// Builds a [`Client`]: where Probo is, the token, and one [`TransportSettings`] value
/// for every transport knob (the family rule: no per-knob setters).
///
/// `Clone` (build several clients that differ in one setting), `#[must_use]`, and its
/// `Debug` shows neither the token nor any user info, query or fragment of the URL.
///
/// | Setting | Default |
/// |---|---|
/// | [`base_url`](Self::base_url) or [`scim_url`](Self::scim_url) | required |
/// | [`token`](Self::token) | required |
/// | [`transport`](Self::transport) | the transport's defaults (see below) |
/// | [`page_size`](Self::page_size) | 100 |
///
/// Transport defaults, each overridden by the [`TransportSettings`] knob of the same name:
/// retry policy [`RetryPolicy::standard`](crate::RetryPolicy::standard) (3 attempts; POST
/// and PATCH only when provably not processed), a retry budget per client, no rate limiter
/// (Probo documents no limit), connect timeout 5 s, attempt timeout 30 s (Probo answers a
/// listing with every user at once: raise it for very large organizations), no operation
/// timeout, user agent `probo-scim/<version>`, a new `reqwest::Client` that follows no
/// redirects, plain `http` only to loopback hosts, and a body cap of
/// [`MAX_RESPONSE_BODY`] (256 MiB, Probo's vendor default) instead of the transport's 32 MiB.
///
/// ```
/// use std::time::Duration;
/// use probo_scim::{Client, ScimToken, TransportSettings};
///
/// let client = Client::builder()
///     .base_url("https://probo.example.com")
///     .token(ScimToken::new("0123abcd"))
///     .transport(TransportSettings::new().attempt_timeout(Duration::from_secs(120)))
///     .build()?;
/// assert_eq!(client.scim_url().as_str(), "https://probo.example.com/api/connect/v1/scim/2.0");
/// # Ok::<(), probo_scim::Error>(())
/// ```
#[derive(Clone)]
#[must_use]
pub struct ClientBuilder {
    location: Option<Location>,
    token: Option<ScimToken>,
    transport: TransportSettings,
    page_size: u32,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            location: None,
            token: None,
            transport: TransportSettings::new(),
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl ClientBuilder {
    /// The Probo instance, for example `https://probo.example.com`; the client talks to
    /// `<url>/api/connect/v1/scim/2.0`. A URL that already ends with that path is used
    /// as is. Required (or [`scim_url`](Self::scim_url)).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.location = Some(Location::Instance(url.into()));
        self
    }

    /// The full SCIM root as the console shows it (`endpointUrl`), taken as is; `/Users`
    /// is appended to it. Use this for proxies or non-standard mounts.
    pub fn scim_url(mut self, url: impl Into<String>) -> Self {
        self.location = Some(Location::ScimRoot(url.into()));
        self
    }

    /// The SCIM configuration's bearer token. Required. A token that cannot travel in an
    /// HTTP header (a line break, a control character) is refused by
    /// [`build`](Self::build).
    pub fn token(mut self, token: ScimToken) -> Self {
        self.token = Some(token);
        self
    }

    /// Every transport knob at once: timeouts, retry policy and budget, rate limiter,
    /// user agent, your own `reqwest::Client`, the plain-http opt-in, the body cap. A knob
    /// the settings leave unset keeps this crate's default (see the table above; notably
    /// the 256 MiB body cap). Calling it again replaces the earlier settings.
    ///
    /// For tests on tokio's paused clock, use
    /// `TransportSettings::new().no_attempt_timeout().reqwest_client(idgraph_common::testing::paused_clock_reqwest_client())`
    /// (the `test-util` fake's `transport()` gives exactly that).
    pub fn transport(mut self, settings: TransportSettings) -> Self {
        self.transport = settings;
        self
    }

    /// Resources requested per page (`count`, at least 1). Default 100. Probo ignores it
    /// and returns everything; the client still yields each user once.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// Builds the client. Fails with [`Error::Config`] naming the setter when the URL or
    /// the token is missing, and when the URL, the token or a transport setting is
    /// unusable; nothing is sent.
    pub fn build(self) -> Result<Client> {
        let root = match &self.location {
            None => {
                return Err(Error::config(
                    "a Probo URL is required: call base_url(\"https://probo.example.com\") or scim_url(<the endpointUrl from the console>)",
                ));
            }
            Some(Location::ScimRoot(url)) => url.trim_end_matches('/').to_owned(),
            Some(Location::Instance(url)) => {
                let url = url.trim_end_matches('/');
                if url.ends_with(SCIM_PATH) {
                    url.to_owned()
                } else {
                    format!("{url}{SCIM_PATH}")
                }
            }
        };
        let token = self.token.ok_or_else(|| {
            Error::config("a SCIM token is required: call token(ScimToken::new(…))")
        })?;
        // Vendor defaults first, then whatever the caller's settings set.
        let http = ScimClient::http_builder()
            .user_agent(concat!("probo-scim/", env!("CARGO_PKG_VERSION")))
            .max_response_body(MAX_RESPONSE_BODY)
            .transport(self.transport)
            .base_url(root)
            .auth(Bearer::new(token.secret().clone()))
            .api_error_hook(|api| {
                if let Some(h) = hint(api) {
                    api.set_hint(h);
                }
            })
            .build()?;
        let scim = ScimClient::from_http(http).with_page_size(self.page_size);
        Ok(Client::from_scim(scim))
    }
}

/// What a status means for Probo, added to API errors' messages.
fn hint(api: &ApiError) -> Option<Cow<'static, str>> {
    let text = |s: &'static str| Some(Cow::Borrowed(s));
    match api.status() {
        401 => text(
            "Probo rejected the SCIM token. If a Bridge (Google Workspace or Microsoft 365 sync) is enabled for this organization, Probo regenerates the token on every sync run (every minute by default), so the token may have been rotated: regenerate it in Organization Settings > Authentication > Auto-Provisioning, and do not use the SCIM API directly while a Bridge is enabled",
        ),
        403 => text(
            "Probo's cross-origin guard refused the request: it carried an Origin or Sec-Fetch-Site header (this client never sends one; check proxies in between)",
        ),
        400 if api.code() == Some("invalidFilter") => text(
            "Probo accepts only `userName eq \"…\"` filters (optionally joined with `and`); externalId filters are rejected, use users().find_by_external_id()",
        ),
        400 if api
            .message()
            .is_some_and(|m| m.contains("is not supported")) =>
        {
            text("Probo accepts only `userName eq \"…\"` filters (optionally joined with `and`)")
        }
        500 if matches!(api.method(), "PUT" | "PATCH") && api.message().is_none() => text(
            "Probo answers a userName or externalId that another user already has with a 500 without detail on PUT and PATCH",
        ),
        501 => text("Probo does not implement this endpoint"),
        _ => None,
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Shown without user info, query or fragment: any of them may carry a credential
        // (`build()` refuses them, but Debug output of a builder ends up in logs first).
        let location = match &self.location {
            None => None,
            Some(Location::Instance(u)) => Some(format!("instance {}", RedactedUrl::new(u))),
            Some(Location::ScimRoot(u)) => Some(format!("scim root {}", RedactedUrl::new(u))),
        };
        f.debug_struct("ClientBuilder")
            .field("location", &location)
            .field("token", &self.token)
            .field("transport", &self.transport)
            .field("page_size", &self.page_size)
            .finish()
    }
}
